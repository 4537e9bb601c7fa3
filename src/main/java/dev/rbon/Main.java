package dev.rbon;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import sun.misc.Signal;

/** Starts rbon. DJL reads its switches from system properties before its engine loads, so they are set first. */
@QuarkusMain
public final class Main {

    public static void main(String... args) {
        // never download anything: libtorch comes from the pytorch-native-cpu jar, models from local folders
        System.setProperty("ai.djl.offline", "true");
        // workers run requests side by side, so PyTorch's inter-op pool has nothing to add; the intra-op
        // threads come from rbon.workers.intra-op-threads (WorkerPool sets them before the engine loads)
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // SIGTERM (the kubelet's stop) asks Quarkus to exit with 0 after its graceful shutdown (WorkerPool#drain):
        // the same steps as the JVM's own handling, which would end with status 143 instead
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        Quarkus.run(args);
    }
}
