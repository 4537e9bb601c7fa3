package dev.rbon.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the packaged fast-jar exactly as the image does: the image's entrypoint (src/main/docker/run-rbon.sh, same JVM
 * flags), the native libraries laid out as the image build lays them out (src/main/docker/PrimeNativeCache.java for DJL's
 * cache, onnxruntime unzipped to a folder), the deployment's configuration (k8s/base/rbon.env) with only the
 * paths changed: the jar (target/quarkus-app instead of /deployments), the caches, /tmp, the models (../shared
 * fixtures instead of /models) and the port. Waits for /q/health/ready, serves a request, checks that start-up
 * wrote nothing to the DJL cache (no extraction, no download), then stops it with SIGTERM as Kubernetes would.
 */
class RunAsImageIT {

    static final Path TARGET = Path.of("target").toAbsolutePath();
    static final Path APP_HOME = TARGET.resolve("quarkus-app");

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void startsLikeTheImageAndBecomesReady() throws Exception {
        assumeTrue(Files.isRegularFile(APP_HOME.resolve("quarkus-run.jar")), "no fast-jar: run `./mvnw verify`");
        Path shared = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(shared), "../shared is absent: no models to start with");

        // ---- the image build's steps
        Path djlCache = TARGET.resolve("image/djl-cache");
        Path ort = TARGET.resolve("image/onnxruntime");
        Path tmp = TARGET.resolve("image/tmp");
        Files.createDirectories(tmp);
        if (!Files.isDirectory(djlCache.resolve("pytorch"))) {
            ProcessBuilder primer = new ProcessBuilder(java(), "-Dai.djl.offline=true",
                    "-cp", APP_HOME.resolve("lib/main") + "/*", "src/main/docker/PrimeNativeCache.java")
                    .redirectErrorStream(true).redirectOutput(TARGET.resolve("image-prime.log").toFile());
            primer.environment().put("DJL_CACHE_DIR", djlCache.toString());
            primer.environment().remove("PYTORCH_LIBRARY_PATH");
            Process prime = primer.start();
            assertTrue(prime.waitFor(3, TimeUnit.MINUTES), "PrimeNativeCache did not finish");
            assertEquals(0, prime.exitValue(), Files.readString(TARGET.resolve("image-prime.log")));
        }
        unzipOnnxRuntime(ort);
        Map<String, Long> before = snapshot(djlCache);
        assertTrue(before.keySet().stream().anyMatch(f -> f.endsWith("libtorch_cpu.so")), before.toString());
        assertTrue(before.keySet().stream().anyMatch(f -> f.endsWith("-libdjl_torch.so")), before.toString());

        // ---- docker run
        int port = freePort();
        Path log = TARGET.resolve("run-as-image.log");
        ProcessBuilder pb = new ProcessBuilder("sh", "src/main/docker/run-rbon.sh")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("RBON_") || k.startsWith("QUARKUS_") || k.startsWith("DJL_")
                || k.startsWith("PYTORCH_") || k.equals("JAVA_OPTS_APPEND") || k.equals("JAVA_TOOL_OPTIONS"));
        env.putAll(ManifestsMatchAppTest.envFile(Path.of("k8s/base/rbon.env")));
        env.put("RBON_APP_HOME", APP_HOME.toString());
        env.put("DJL_CACHE_DIR", djlCache.toString());
        env.put("RBON_ONNXRUNTIME_DIR", ort.toString());
        env.put("RBON_TMP_DIR", tmp.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("RBON_MODELS_POLICY_PATH", shared.resolve("fixtures/hf-tiny/llama").toString());
        env.put("RBON_MODELS_REWARD_PATH", shared.resolve("fixtures/hf-tiny/reward-llama").toString());
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // the pod's memory limit is what MaxRAMPercentage reads; here: cap the heap for a 2-core CI machine
        env.put("JAVA_OPTS_APPEND", "-Xmx1g");
        Process app = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String base = "http://127.0.0.1:" + port;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int ready = -1;
            while (System.nanoTime() < deadline && app.isAlive()) {
                ready = status(http, HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build());
                if (ready == 200) {
                    break;
                }
                Thread.sleep(500);
            }
            assertEquals(200, ready, "not ready within 120 s; alive=" + app.isAlive() + "\n" + tail(log));
            assertEquals(200, status(http, HttpRequest.newBuilder(URI.create(base + "/q/health/live")).build()));
            assertEquals(200, status(http, HttpRequest.newBuilder(URI.create(base + "/q/health/started")).build()));
            assertEquals(200, status(http, HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build()));
            HttpResponse<String> gen = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/generate"))
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"prompt\":\"Once upon a time\",\"method\":\"rbon_kl\",\"beta\":0.5,\"n\":4,"
                                            + "\"max_new_tokens\":8,\"seed\":1}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, gen.statusCode(), gen.body());
            assertTrue(gen.body().contains("\"chosen_index\""), gen.body());
            assertEquals(before, snapshot(djlCache), "start-up changed the DJL cache (extracted or downloaded)");
        } finally {
            app.destroy(); // SIGTERM, as the kubelet sends it
            if (!app.waitFor(45, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("did not stop within 45 s of SIGTERM\n" + tail(log));
            }
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(out.contains("Profile prod activated"), "the prod profile, as in the image\n" + tail(log));
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int status(HttpClient http, HttpRequest req) throws InterruptedException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Dockerfile.jvm: jar xf onnxruntime-*.jar ai/onnxruntime/native/linux-x64 into /opt/onnxruntime. */
    static void unzipOnnxRuntime(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path jar;
        try (Stream<Path> s = Files.list(APP_HOME.resolve("lib/main"))) {
            jar = s.filter(p -> p.getFileName().toString().startsWith("com.microsoft.onnxruntime.onnxruntime-"))
                    .findFirst().orElseThrow();
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (name.startsWith("ai/onnxruntime/native/linux-x64/") && !entry.isDirectory()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, dir.resolve(name.substring(name.lastIndexOf('/') + 1)),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    static Map<String, Long> snapshot(Path dir) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), Files.size(p) ^ Files.getLastModifiedTime(p).toMillis());
            }
        }
        return files;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
