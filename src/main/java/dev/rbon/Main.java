package dev.rbon;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Starts rbon. DJL reads its switches from system properties before its engine loads, so they are set first. */
@QuarkusMain
public final class Main {

    public static void main(String... args) {
        // never download anything: libtorch comes from the pytorch-native-cpu jar, models from local folders
        System.setProperty("ai.djl.offline", "true");
        // small models: one intra-op thread per worker beats threads that fight over the cores (STACK.md)
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        Quarkus.run(args);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
