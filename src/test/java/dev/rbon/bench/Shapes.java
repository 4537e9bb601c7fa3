package dev.rbon.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the real-shape benchmarks share: the Qwen2.5-0.5B-shaped checkpoints ../shared/tools/make_realistic_shapes.py
 * writes ({@code -Dshapes}, default /tmp/shapes), and the engine settings a benchmark in this JVM runs with.
 */
final class Shapes {

    private Shapes() {}

    /** {@code -Dthreads} (default 2): the intra-op threads of rbon and of every peer. */
    static String threads() {
        return System.getProperty("threads", "2");
    }

    /** DJL offline, {@link #threads} intra-op threads and one inter-op thread, before the engine starts. */
    static String configureEngine() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", threads());
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        return threads();
    }

    /** The folder of {@code name} under {@code -Dshapes}. */
    static Path folder(String name) {
        return Path.of(System.getProperty("shapes", "/tmp/shapes")).resolve(name);
    }

    /** True if every folder exists; otherwise says how to make them. */
    static boolean present(Path... folders) {
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                System.out.println("no " + folder + ": run python3 ../shared/tools/make_realistic_shapes.py "
                        + folder.getParent());
                return false;
            }
        }
        return true;
    }
}
