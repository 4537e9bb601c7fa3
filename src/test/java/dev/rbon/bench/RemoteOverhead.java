package dev.rbon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.remote.RbonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the remote path costs against the local one on the same models: a backend rbon with every model local, and a
 * front rbon with the same local policy whose reward (/classify) and embeddings (/v1/embeddings) are the backend's,
 * both started from the packaged jar on this machine. The same seeded requests go to each, one at a time; prints
 * the latency of the whole request and of the reward and embed stages (the server's own timings_ms). Asserts
 * nothing.
 *
 * <pre>./mvnw -B -q package -DskipTests && ./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.bench.RemoteOverhead [-Drequests=40] [-Dn=8]</pre>
 */
public final class RemoteOverhead {

    private RemoteOverhead() {}

    public static void main(String[] args) throws Exception {
        int requests = Integer.getInteger("requests", 40);
        int n = Integer.getInteger("n", 8);
        Path tiny = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize()
                .resolve("fixtures/hf-tiny");
        if (!Files.isRegularFile(RbonProcess.APP) || !Files.isDirectory(tiny)) {
            throw new IllegalStateException("needs the packaged jar (./mvnw package -DskipTests) and ../shared");
        }
        Map<String, String> local = Map.of("RBON_MODELS_POLICY_PATH", tiny.resolve("llama").toString(),
                "RBON_MODELS_REWARD_PATH", tiny.resolve("reward-llama").toString(),
                "RBON_MODELS_EMBEDDING_PATH", tiny.resolve("bert").toString());
        try (RbonProcess backend = new RbonProcess("bench-backend", RbonProcess.freePort(), local).start()) {
            String root = "http://127.0.0.1:" + backend.port;
            try (RbonProcess front = new RbonProcess("bench-front", RbonProcess.freePort(), Map.of(
                    "RBON_MODELS_POLICY_PATH", tiny.resolve("llama").toString(),
                    "RBON_MODELS_REWARD_PATH", tiny.resolve("reward-llama").toString(),
                    "RBON_MODELS_REWARD_URL", root,
                    "RBON_MODELS_EMBEDDING_URL", root + "/v1")).start()) {
                backend.awaitReady(Duration.ofSeconds(120));
                front.awaitReady(Duration.ofSeconds(120));
                System.out.printf("hf-tiny llama policy (local on both), reward-llama and bert; n=%d, %d requests each,"
                        + " sequential; ms%n", n, requests);
                System.out.printf("%-34s %-6s %8s %8s %8s %10s %10s%n", "request", "path", "mean", "p50", "p90",
                        "reward p50", "embed p50");
                for (String route : List.of("/v1/generate", "/v1/rerank")) {
                    Map<String, Object> body = route.equals("/v1/generate")
                            ? Map.of("prompt", "The licence grants you", "method", "rbon_wd", "beta", 0.5, "n", n,
                                    "max_new_tokens", 16, "seed", 5)
                            : Map.of("prompt", "You must give", "method", "rbon_wd", "beta", 0.5,
                                    "candidates", List.of(" any other recipients", " a copy", " the Work", " notice",
                                            " of this License", " the right", " to copy", " their own"));
                    String label = route + " rbon_wd";
                    report(label, "local", run(backend, route, body, requests));
                    report(label, "remote", run(front, route, body, requests));
                }
            }
        }
    }

    /** Per request: total wall time seen by the client, and the server's reward and embed stages. */
    private static double[][] run(RbonProcess server, String route, Map<String, Object> body, int requests)
            throws Exception {
        for (int i = 0; i < 5; i++) {
            server.post(route, body); // warm-up
        }
        double[][] out = new double[3][requests];
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            RbonProcess.Answer answer = server.post(route, body);
            out[0][i] = (System.nanoTime() - start) / 1e6;
            if (answer.status() != 200) {
                throw new IllegalStateException(route + ": " + answer.json());
            }
            JsonNode timings = answer.json().get("timings_ms");
            out[1][i] = timings.get("reward").asDouble();
            out[2][i] = timings.get("embed").asDouble();
        }
        return out;
    }

    private static void report(String label, String path, double[][] ms) {
        System.out.printf("%-34s %-6s %8.2f %8.2f %8.2f %10.2f %10.2f%n", label, path, Arrays.stream(ms[0]).average()
                .orElse(0), percentile(ms[0], 0.5), percentile(ms[0], 0.9), percentile(ms[1], 0.5), percentile(ms[2], 0.5));
    }

    private static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
