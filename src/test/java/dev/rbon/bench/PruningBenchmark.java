package dev.rbon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.remote.RbonProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * What pruning and scoring between steps buy on a model of real shape, served by the packaged app with one worker
 * (Qwen2.5-0.5B's shape from ../shared/tools/make_realistic_shapes.py, its reward model of the same shape):
 * <ol>
 *   <li>throughput: {@code -Dconcurrent=8} requests of N = 16 and {@code -Dnew=64} new tokens (rbon_kl, the policy as
 *       the reference), unpruned and with {@code -Dprune=16,0.5}: requests per minute, decoded tokens, and where the
 *       time went;</li>
 *   <li>latency: a {@code /v1/select} of 16 candidates of {@code -Dselect-tokens=1000} tokens alone, then again with a
 *       short request (n = 1, 4 tokens) sent {@code -Dshort-after=3} seconds in: both times, and whether the select's
 *       answer changed.</li>
 * </ol>
 * <pre>./mvnw -B -q package -DskipTests && ./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.bench.PruningBenchmark -Dshapes=/tmp/shapes -Ddtype=bfloat16 \
 *     [-Dparts=throughput,latency]</pre>
 */
public final class PruningBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The realistic shapes' word-level tokenizer: 16 fixed words, as the other real-scale benchmarks. */
    private static final String PROMPT = IntStream.range(0, 16).mapToObj(i -> "w" + (7929 + 31 * i))
            .reduce((a, b) -> a + " " + b).orElseThrow();

    private PruningBenchmark() {}

    public static void main(String[] args) throws Exception {
        String dtype = System.getProperty("dtype", "bfloat16");
        String threads = Shapes.threads();
        Path lm = Shapes.folder("qwen05b");
        Path rm = Shapes.folder("qwen05b-rm");
        if (!Shapes.present(lm, rm)) {
            return;
        }
        if (!Files.exists(RbonProcess.APP)) {
            System.out.println("no " + RbonProcess.APP + ": run ./mvnw -B -q package -DskipTests first");
            return;
        }
        Map<String, String> env = new HashMap<>();
        env.put("RBON_MODELS_POLICY_PATH", lm.toString());
        env.put("RBON_MODELS_REWARD_PATH", rm.toString());
        env.put("RBON_MODELS_DTYPE", dtype);
        env.put("RBON_WORKERS_INTRA_OP_THREADS", threads);
        env.put("RBON_WORKERS_MAX_BATCH_ROWS", "256");
        env.put("RBON_WORKERS_QUEUE_CAPACITY", "64");
        env.put("RBON_LIMITS_REQUEST_TIMEOUT", "3600s");
        env.put("RBON_LIMITS_MAX_N", "64");
        try (RbonProcess server = new RbonProcess("pruning-benchmark", RbonProcess.freePort(), env).start()) {
            server.awaitReady(Duration.ofMinutes(5));
            System.out.printf(Locale.ROOT, "%s, %s, one worker, %s intra-op threads, %d cores, load average %s%n",
                    lm, dtype, threads, Runtime.getRuntime().availableProcessors(),
                    Rss.loadAverage());
            String base = "http://127.0.0.1:" + server.port;
            post(base, "/v1/generate", generate(1, 4, 0, null)); // warm-up
            List<String> parts = List.of(System.getProperty("parts", "throughput,latency").split(","));
            if (parts.contains("throughput")) {
                throughput(base);
            }
            if (parts.contains("latency")) {
                latency(base);
            }
        }
    }

    private static Map<String, Object> generate(int n, int newTokens, long seed, String prune) {
        Map<String, Object> body = new HashMap<>(Map.of("prompt", PROMPT, "n", n, "max_new_tokens", newTokens,
                "method", "rbon_kl", "beta", 0.1, "seed", seed, "return_candidates", true));
        if (prune != null) {
            String[] parts = prune.split(",");
            body.put("prune", Map.of("every", Integer.parseInt(parts[0]), "keep", Double.parseDouble(parts[1])));
        }
        return body;
    }

    private static void throughput(String base) throws Exception {
        int concurrent = Integer.getInteger("concurrent", 8);
        int n = Integer.getInteger("n", 16);
        int newTokens = Integer.getInteger("new", 64);
        String prune = System.getProperty("prune", "16,0.5");
        System.out.printf(Locale.ROOT, "%n%d concurrent requests of N = %d, %d new tokens, rbon_kl%n", concurrent, n,
                newTokens);
        System.out.printf(Locale.ROOT, "%-22s %10s %12s %14s %10s %10s %10s%n", "prune", "seconds", "requests/min",
                "decoded tokens", "prune ms", "reward ms", "decode ms");
        double unpruned = 0;
        for (String setting : new String[] {null, prune}) {
            long start = System.nanoTime();
            List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                long seed = 100 + i;
                answers.add(CompletableFuture.supplyAsync(() -> post(base, "/v1/generate",
                        generate(n, newTokens, seed, setting))));
            }
            List<JsonNode> done = answers.stream().map(CompletableFuture::join).toList();
            double seconds = (System.nanoTime() - start) / 1e9;
            double perMinute = concurrent / seconds * 60;
            unpruned = setting == null ? perMinute : unpruned;
            System.out.printf(Locale.ROOT, "%-22s %10.1f %12.2f %14.0f %10.0f %10.0f %10.0f%s%n",
                    setting == null ? "none" : "every=" + setting.replace(",", ";keep="), seconds, perMinute,
                    mean(done, a -> a.get("usage").get("completion_tokens").asDouble()),
                    mean(done, a -> a.get("timings_ms").path("prune").asDouble()),
                    mean(done, a -> a.get("timings_ms").get("reward").asDouble()),
                    mean(done, a -> a.get("timings_ms").get("decode").asDouble()),
                    setting == null ? "" : String.format(Locale.ROOT, "   %.2fx the unpruned", perMinute / unpruned));
        }
    }

    private static void latency(String base) throws Exception {
        int tokens = Integer.getInteger("select-tokens", 1000);
        double shortAfter = Double.parseDouble(System.getProperty("short-after", "3"));
        Random random = new Random(1);
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            candidates.add(random.ints(tokens, 3, 151_000).mapToObj(w -> "w" + w).reduce((a, b) -> a + " " + b)
                    .orElseThrow());
        }
        Map<String, Object> select = Map.of("prompt", PROMPT, "candidates", candidates, "method", "rbon_kl", "beta",
                0.1);
        System.out.printf(Locale.ROOT, "%n/v1/select of 16 x %d tokens, and a short request (n = 1, 4 tokens) sent %.0f s"
                + " into it%n", tokens, shortAfter);
        long start = System.nanoTime();
        JsonNode alone = post(base, "/v1/select", select);
        double aloneSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "select alone: %.1f s%n", aloneSeconds);

        start = System.nanoTime();
        CompletableFuture<JsonNode> shared = CompletableFuture.supplyAsync(() -> post(base, "/v1/select", select));
        Thread.sleep((long) (shortAfter * 1000));
        long shortStart = System.nanoTime();
        post(base, "/v1/generate", generate(1, 4, 7, null));
        double shortSeconds = (System.nanoTime() - shortStart) / 1e9;
        JsonNode beside = shared.join();
        double selectSeconds = (System.nanoTime() - start) / 1e9;
        boolean same = alone.get("chosen_index").equals(beside.get("chosen_index"))
                && alone.get("chosen").get("reward").equals(beside.get("chosen").get("reward"));
        System.out.printf(Locale.ROOT, "select with the short request beside it: %.1f s; the short request: %.1f s "
                + "(%.3f of the select's time); the select's answer %s%n", selectSeconds, shortSeconds,
                shortSeconds / selectSeconds, same ? "unchanged" : "CHANGED");
    }

    private static double mean(List<JsonNode> answers, java.util.function.ToDoubleFunction<JsonNode> value) {
        return answers.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static JsonNode post(String base, String path, Object body) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofHours(1)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
