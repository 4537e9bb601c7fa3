package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One rbon server as its own JVM, started from the packaged fast-jar (target/quarkus-app) with rbon.* settings as
 * environment variables, on a free port of the loopback interface.
 */
public final class RbonProcess implements AutoCloseable {

    public static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    public final int port;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    public RbonProcess(String name, int port, Map<String, String> env) {
        this.name = name;
        this.port = port;
        this.env = env;
        this.log = Path.of("target", "remote-" + name + ".log").toAbsolutePath();
    }

    /** Starts the server; its log begins empty, so what a test reads of it is this run's. */
    public RbonProcess start() throws IOException {
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Xss4m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1", "-jar",
                APP.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("RBON_") || k.startsWith("QUARKUS_"));
        pb.environment().put("DJL_CACHE_DIR", Path.of("target/djl-cache").toAbsolutePath().toString());
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_SHUTDOWN_DELAY_ENABLED", "false");
        pb.environment().put("RBON_WORKERS_CPU_WORKERS", "1");
        pb.environment().putAll(env);
        process = pb.start();
        return this;
    }

    /** Waits until /q/health/ready is 200. */
    public RbonProcess awaitReady(Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited: " + tail());
            }
            if (status("/q/health/ready") == 200) {
                return this;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " not ready within " + within + ": " + tail());
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** POSTs a JSON body; the answer's status and parsed body. */
    public Answer post(String path, Object body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(path)))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    public record Answer(int status, String contentType, JsonNode json) {}

    /** SIGTERM, as Kubernetes stops a pod; waits for the JVM to exit. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** What the server has logged so far. */
    public String logText() throws IOException {
        return Files.readString(log);
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
