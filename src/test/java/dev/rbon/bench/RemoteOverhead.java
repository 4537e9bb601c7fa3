package dev.rbon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.remote.RbonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the remote path costs against the local one on the same models: a backend rbon with every model local; a
 * "scoring" front with the same local policy whose reward (/classify) and embeddings (/v1/embeddings) are the
 * backend's; and a "remote" front that loads no weights, whose policy (/v1/completions), reward and embeddings are
 * all the backend's. All from the packaged jar on this machine. The same seeded requests go to each, one at a time;
 * prints the latency of the whole request and of the sample, reward, reference and embed stages (the server's own
 * timings_ms). Asserts nothing.
 *
 * <p>Models: the hf-tiny llama, reward-llama and bert by default; {@code -Dpolicy=... -Dreward=...
 * [-Dembedding=...]} for others (e.g. ../shared/models/stories260K/hf, models/policy, models/reward-clean; no
 * embedding: the embedded all-MiniLM-L6-v2).
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
        String policy = Path.of(System.getProperty("policy", tiny.resolve("llama").toString())).toAbsolutePath()
                .toString();
        String reward = Path.of(System.getProperty("reward", tiny.resolve("reward-llama").toString()))
                .toAbsolutePath().toString();
        String embedding = System.getProperty("embedding", System.getProperty("policy") == null
                ? tiny.resolve("bert").toString() : "");
        if (!Files.isRegularFile(RbonProcess.APP) || !Files.isDirectory(Path.of(policy))) {
            throw new IllegalStateException("needs the packaged jar (./mvnw package -DskipTests) and the models");
        }
        Map<String, String> local = new HashMap<>(Map.of("RBON_MODELS_POLICY_PATH", policy,
                "RBON_MODELS_REWARD_PATH", reward));
        if (!embedding.isEmpty()) {
            local.put("RBON_MODELS_EMBEDDING_PATH", Path.of(embedding).toAbsolutePath().toString());
        }
        try (RbonProcess backend = new RbonProcess("bench-backend", RbonProcess.freePort(), local).start()) {
            String root = "http://127.0.0.1:" + backend.port;
            Map<String, String> scoring = Map.of("RBON_MODELS_POLICY_PATH", policy, "RBON_MODELS_REWARD_PATH", reward,
                    "RBON_MODELS_REWARD_URL", root, "RBON_MODELS_EMBEDDING_URL", root + "/v1");
            Map<String, String> remote = new HashMap<>(scoring);
            remote.put("RBON_MODELS_POLICY_URL", root + "/v1");
            backend.awaitReady(Duration.ofSeconds(120));
            System.out.printf("policy %s, reward %s, embedding %s; n=%d, %d requests each, sequential; ms%n",
                    Path.of(policy).getFileName(), Path.of(reward).getFileName(),
                    embedding.isEmpty() ? "all-MiniLM-L6-v2" : Path.of(embedding).getFileName(), n, requests);
            System.out.printf("%-22s %-8s %8s %8s %8s %9s %9s %9s %9s%n", "request", "path", "mean", "p50", "p90",
                    "sample", "reward", "reference", "embed");
            Map<String, Map<String, Object>> bodies = new LinkedHashMap<>();
            bodies.put("/v1/generate rbon_wd", Map.of("prompt", "The licence grants you", "method", "rbon_wd",
                    "beta", 0.5, "n", n, "max_new_tokens", 16, "seed", 5));
            bodies.put("/v1/generate rbon_kl", Map.of("prompt", "The licence grants you", "method", "rbon_kl",
                    "beta", 0.5, "n", n, "max_new_tokens", 16, "seed", 5));
            bodies.put("/v1/select rbon_wd", Map.of("prompt", "You must give", "method", "rbon_wd", "beta", 0.5,
                    "candidates", List.of(" any other recipients", " a copy", " the Work", " notice",
                            " of this License", " the right", " to copy", " their own")));
            for (String front : List.of("local", "scoring", "remote")) {
                RbonProcess server = front.equals("local") ? backend
                        : new RbonProcess("bench-" + front, RbonProcess.freePort(),
                                front.equals("scoring") ? scoring : remote).start();
                try {
                    server.awaitReady(Duration.ofSeconds(120));
                    for (var body : bodies.entrySet()) {
                        String route = body.getKey().substring(0, body.getKey().indexOf(' '));
                        report(body.getKey(), front, run(server, route, body.getValue(), requests));
                    }
                } finally {
                    if (server != backend) {
                        server.stop();
                    }
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
        double[][] out = new double[5][requests];
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            RbonProcess.Answer answer = server.post(route, body);
            out[0][i] = (System.nanoTime() - start) / 1e6;
            if (answer.status() != 200) {
                throw new IllegalStateException(route + ": " + answer.json());
            }
            JsonNode timings = answer.json().get("timings_ms");
            out[1][i] = timings.get("sample").asDouble();
            out[2][i] = timings.get("reward").asDouble();
            out[3][i] = timings.get("reference").asDouble();
            out[4][i] = timings.get("embed").asDouble();
        }
        return out;
    }

    /** Mean, p50 and p90 of the whole request; p50 of each stage. */
    private static void report(String label, String path, double[][] ms) {
        System.out.printf("%-22s %-8s %8.1f %8.1f %8.1f %9.1f %9.1f %9.1f %9.1f%n", label, path,
                Arrays.stream(ms[0]).average().orElse(0), percentile(ms[0], 0.5), percentile(ms[0], 0.9),
                percentile(ms[1], 0.5), percentile(ms[2], 0.5), percentile(ms[3], 0.5), percentile(ms[4], 0.5));
    }

    private static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
