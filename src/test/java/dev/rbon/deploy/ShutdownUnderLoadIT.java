package dev.rbon.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.Shared;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM under load, on the packaged app (target/quarkus-app) as its own JVM: the tiny Llama fixtures as policy and
 * reward, the default all-MiniLM-L6-v2 on onnxruntime as the embedder (where the JVM used to crash), two
 * single-threaded CPU workers. Eight Best-of-8 requests decode for several seconds; SIGTERM arrives while they do
 * ({@link Process#destroy}, as the kubelet sends it). Within the grace period they all finish with 200 while new
 * requests get 503 in their route's dialect; past a short grace period they get 503 problem+json. Either way the
 * JVM exits with 0, without a crash report.
 */
class ShutdownUnderLoadIT {

    static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static final int IN_FLIGHT = 8;
    static final int WORKERS = 2;
    // 8 requests x 8 rows x 100 tokens: ~5-10 s of decoding on two single-threaded workers here
    static final String GENERATE = "{\"prompt\":\"Once upon a time\",\"method\":\"rbon_wd\",\"beta\":0.5,\"n\":8,"
            + "\"max_new_tokens\":100,\"seed\":%d}";
    // 8 requests x 16 rows x 120 tokens: all admitted at once (64 rows per worker), ~2.5 s of decoding per worker
    // here, far more than a 300 ms grace period (longer answers pass the tiny reward model's 256 positions)
    static final String GENERATE_LONG = "{\"prompt\":\"Once upon a time\",\"method\":\"rbon_wd\",\"beta\":0.5,"
            + "\"n\":16,\"max_new_tokens\":120,\"seed\":%d}";

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void requestsInFlightFinishWhileNewOnesGet503() throws Exception {
        try (Server server = Server.start("drain", "30s")) {
            List<CompletableFuture<HttpResponse<String>>> inFlight = server.generateAll(GENERATE, 0);
            server.signal();

            assertEquals(503, server.awaitNotReady(), "readiness goes DOWN on SIGTERM");
            HttpResponse<String> late = server.post("/v1/generate", GENERATE.formatted(99));
            HttpResponse<String> lateChat = server.post("/v1/chat/completions",
                    "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4}");
            // the drain window: the late requests were refused while requests admitted before the signal still ran
            assertTrue(inFlight.stream().anyMatch(r -> !r.isDone()), "every request ended before the late ones");

            assertEquals(503, late.statusCode(), late.body());
            assertEquals("application/problem+json", late.headers().firstValue("Content-Type").orElse(""));
            assertTrue(late.headers().firstValue("Retry-After").isPresent(), "Retry-After");
            assertEquals(503, JSON.readTree(late.body()).get("status").asInt());
            assertEquals(503, lateChat.statusCode(), lateChat.body());
            JsonNode error = JSON.readTree(lateChat.body()).get("error");
            assertEquals("service_unavailable_error", error.get("type").asText(), lateChat.body());
            assertTrue(lateChat.headers().firstValue("Retry-After").isPresent(), "Retry-After");

            for (CompletableFuture<HttpResponse<String>> request : inFlight) {
                HttpResponse<String> answer = request.get(60, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.body());
                JsonNode body = JSON.readTree(answer.body());
                assertEquals(8, body.get("n").asInt());
                assertTrue(body.get("chosen_index").isInt() && body.get("text").isTextual(), answer.body());
            }
            server.assertCleanExit();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void requestsOverTheGracePeriodGet503() throws Exception {
        try (Server server = Server.start("grace-over", "300ms")) {
            CompletableFuture<HttpResponse<String>> stream = server.http.sendAsync(server.request("/v1/completions",
                    "{\"model\":\"llama\",\"prompt\":\"Once upon a time\",\"best_of\":16,\"max_tokens\":120,"
                            + "\"stream\":true,\"seed\":1}"), HttpResponse.BodyHandlers.ofString());
            List<CompletableFuture<HttpResponse<String>>> inFlight = server.generateAll(GENERATE_LONG, 1);
            server.signal();
            // a request whose last step ran as the grace period ended is answered; every other one gets a clean 503
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> request : inFlight) {
                HttpResponse<String> answer = request.get(60, TimeUnit.SECONDS);
                if (answer.statusCode() == 200) {
                    assertTrue(JSON.readTree(answer.body()).get("text").isTextual(), answer.body());
                    continue;
                }
                refused++;
                assertEquals(503, answer.statusCode(), answer.body());
                assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""));
                assertTrue(JSON.readTree(answer.body()).get("detail").asText().contains("grace period"),
                        answer.body());
            }
            assertTrue(refused >= IN_FLIGHT / 2, refused + " of " + IN_FLIGHT + " refused past the grace period");
            // a stream that had begun has sent its 200: unless it finished, it ends with an error event in OpenAI's
            // shape, then [DONE]
            HttpResponse<String> streamed = stream.get(60, TimeUnit.SECONDS);
            assertTrue(streamed.statusCode() == 200 || streamed.statusCode() == 503, streamed.body());
            assertTrue(streamed.body().contains("\"type\":\"service_unavailable_error\"")
                    || streamed.body().contains("\"finish_reason\""), streamed.body());
            assertTrue(streamed.statusCode() == 503 || streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
            server.assertCleanExit();
        }
    }

    /** The packaged app in its own working directory (where a JVM crash would leave hs_err_pid*.log). */
    record Server(Process process, Path dir, Path log, String base, HttpClient http) implements AutoCloseable {

        static Server start(String name, String gracePeriod) throws Exception {
            assumeTrue(Files.isRegularFile(APP), "no fast-jar: run `./mvnw verify`");
            Path dir = Path.of("target/shutdown-it", name).toAbsolutePath();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> old = Files.list(dir)) {
                    for (Path f : old.toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(dir);
            Path log = dir.resolve("rbon.log");
            int port = freePort();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx768m", "-Dai.djl.offline=true", "-jar", APP.toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("RBON_") || k.startsWith("QUARKUS_"));
            pb.environment().put("DJL_CACHE_DIR", Path.of("target/djl-cache").toAbsolutePath().toString());
            pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
            pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            pb.environment().put("RBON_MODELS_POLICY_PATH", Shared.hfTiny("llama").toString());
            pb.environment().put("RBON_MODELS_REWARD_PATH", Shared.hfTiny("reward-llama").toString());
            pb.environment().put("RBON_WORKERS_CPU_WORKERS", Integer.toString(WORKERS));
            pb.environment().put("RBON_WORKERS_INTRA_OP_THREADS", "1");
            pb.environment().put("RBON_SHUTDOWN_GRACE_PERIOD", gracePeriod);
            Server server = new Server(pb.start(), dir, log, "http://127.0.0.1:" + port,
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(2)).build());
            server.awaitReady();
            return server;
        }

        void awaitReady() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && process.isAlive()) {
                if (status("/q/health/ready") == 200) {
                    return;
                }
                Thread.sleep(250);
            }
            throw new AssertionError("not ready within 60 s; alive=" + process.isAlive() + "\n" + tail());
        }

        /**
         * Sends the {@link #IN_FLIGHT} requests and returns once every one is admitted (queued or decoding), with
         * {@code others} sent before.
         */
        List<CompletableFuture<HttpResponse<String>>> generateAll(String generate, int others) throws Exception {
            List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                requests.add(http.sendAsync(request("/v1/generate", generate.formatted(i)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // a worker may hold one job off the queue that waits for room in its batch: neither gauge counts it
            while (gauge("rbon_requests_in_flight") + gauge("rbon_queue_depth") < IN_FLIGHT + others - WORKERS) {
                assertTrue(System.nanoTime() < deadline, "the requests were not all admitted within 20 s");
                assertFalse(requests.stream().anyMatch(CompletableFuture::isDone), "a request ended before SIGTERM");
                Thread.sleep(50);
            }
            return requests;
        }

        /** SIGTERM, as the kubelet stops a pod. */
        void signal() {
            process.destroy();
        }

        /** Polls readiness for the first answer after the signal that is not 200. */
        int awaitNotReady() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int status = status("/q/health/ready");
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                status = status("/q/health/ready");
            }
            return status;
        }

        void assertCleanExit() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "did not exit within 60 s of SIGTERM\n" + tail());
            assertEquals(0, process.exitValue(), tail());
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> crashes = files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
                assertTrue(crashes.isEmpty(), "JVM crash reports: " + crashes);
            }
            String out = Files.readString(log);
            assertFalse(out.contains("SIGSEGV") || out.contains("A fatal error has been detected"), tail());
            assertTrue(out.contains(WORKERS + " of " + WORKERS + " workers stopped"), "the workers were joined before exit\n" + tail());
        }

        HttpResponse<String> post(String path, String body) throws Exception {
            return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
        }

        HttpRequest request(String path, String body) {
            return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
        }

        int status(String path) throws InterruptedException {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            }
        }

        /** A gauge of /q/metrics (Prometheus text). */
        double gauge(String name) throws Exception {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
            return m.find() ? Double.parseDouble(m.group(2)) : 0;
        }

        String tail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }

        static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
    }
}
