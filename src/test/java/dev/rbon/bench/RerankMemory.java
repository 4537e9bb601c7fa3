package dev.rbon.bench;

import dev.rbon.decode.MemoryBudget;
import dev.rbon.model.TextTokenizer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The service's memory on large selections, on Qwen2.5-0.5B's shape: starts the packaged server
 * (target/quarkus-app) with the policy (also the reference) and reward model of {@code -Dshapes}, the default
 * embedder, one CPU worker of {@code -Dthreads} intra-op threads and the service's default limits except the
 * deadline, then
 * <ol>
 *   <li>POSTs /v1/select, rbon_wd (reward + reference log-probs + embeddings), of 16 candidates x ~1000 tokens:
 *       status, seconds, and the server's peak RSS above its idle (ready, one small request served);</li>
 *   <li>POSTs 64 candidates x ~4000 tokens: status, how soon the answer came and its detail, then whether the
 *       service is still ready.</li>
 * </ol>
 * Memory is the server's own high-water mark ({@code /proc/PID/status} VmHWM, reset through clear_refs). Prints;
 * asserts nothing.
 *
 * <pre>./mvnw -B -q package -DskipTests && ./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.bench.RerankMemory -Dshapes=/tmp/shapes -Dthreads=2</pre>
 */
public final class RerankMemory {

    private static final String[] WORDS = ("the a little cat dog ran over hill and then it was very happy with"
            + " its friend who lived near big old tree by river where many birds sang every day").split(" ");

    private RerankMemory() {}

    public static void main(String[] args) throws Exception {
        Path lm = Shapes.folder("qwen05b");
        Path rm = Shapes.folder("qwen05b-rm");
        if (!Shapes.present(lm, rm)) {
            return;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        Process server = startServer(port, lm, rm, Shapes.threads());
        try (TextTokenizer tokenizer = TextTokenizer.open(lm.resolve("tokenizer.json"))) {
            Soak.awaitReady(http, base, 600, "target/rerank-memory-server.log");
            System.out.printf("server pid %d, load average %s%n", server.pid(), Rss.loadAverage());
            post(http, base, body(candidates(2, 10, tokenizer)));
            double idle = field(server.pid(), "VmRSS:");
            for (int[] shape : new int[][] {{16, 1000}, {64, 4000}}) {
                List<String> candidates = candidates(shape[0], shape[1], tokenizer);
                String body = body(candidates);
                MemoryBudget.ModelShape policy = MemoryBudget.ModelShape.of(lm);
                long estimate = Math.max(MemoryBudget.reference(policy, shape[0], 6, shape[1]),
                        MemoryBudget.encoder(MemoryBudget.ModelShape.of(rm), shape[0], 20 + shape[1]));
                Files.writeString(Path.of("/proc/" + server.pid() + "/clear_refs"), "5");
                long start = System.nanoTime();
                HttpResponse<String> response = post(http, base, body);
                double seconds = (System.nanoTime() - start) / 1e9;
                double peak = field(server.pid(), "VmHWM:");
                String detail = response.statusCode() == 200 ? "" : " " + response.body().replaceAll("\\s+", " ");
                System.out.printf("%d x %d tokens (%d KB body; MemoryBudget estimate %s): HTTP %d in %.1f s, server"
                        + " peak RSS %.2f GB = +%.2f GB above idle %.2f GB%s%n", shape[0], shape[1],
                        body.length() / 1024, MemoryBudget.human(estimate), response.statusCode(), seconds, peak,
                        peak - idle, idle, detail.length() > 400 ? detail.substring(0, 400) : detail);
            }
            int ready = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            System.out.println("/q/health/ready afterwards: " + ready);
        } finally {
            server.destroy();
        }
    }

    /** {@code n} different texts of about {@code tokens} tokens each (one common word ~ one token). */
    private static List<String> candidates(int n, int tokens, TextTokenizer tokenizer) {
        Random random = new Random(n);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < tokens; w++) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(text.toString());
        }
        System.out.printf("  (%d candidates of %d tokens each, by the policy's tokenizer)%n", n,
                tokenizer.encode(out.get(0), false).length);
        return out;
    }

    private static String body(List<String> candidates) {
        StringBuilder json = new StringBuilder("{\"prompt\":\"Tell me a story.\",\"method\":\"rbon_wd\",\"beta\":1.0,"
                + "\"return_candidates\":false,\"candidates\":[");
        for (int i = 0; i < candidates.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(candidates.get(i)).append('"');
        }
        return json.append("]}").toString();
    }

    private static HttpResponse<String> post(HttpClient http, String base, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/select")).header("Content-Type",
                "application/json").timeout(Duration.ofHours(2)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Process startServer(int port, Path lm, Path rm, String threads) throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": run ./mvnw -B -q package -DskipTests first");
        }
        // the JVM's default MaxDirectMemorySize (= -Xmx): weights load through one reused 64 MB buffer per file
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx1g", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(Path.of("target/rerank-memory-server.log").toFile());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        builder.environment().put("RBON_MODELS_POLICY_PATH", lm.toString());
        builder.environment().put("RBON_MODELS_REWARD_PATH", rm.toString());
        builder.environment().put("RBON_WORKERS_CPU_WORKERS", "1");
        builder.environment().put("RBON_WORKERS_INTRA_OP_THREADS", threads);
        builder.environment().put("RBON_LIMITS_REQUEST_TIMEOUT", "2h"); // 16 x 1000 takes minutes on 2 cores
        return builder.start();
    }


    /** A field of /proc/PID/status in GB. */
    private static double field(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1e6;
            }
        }
        return -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
