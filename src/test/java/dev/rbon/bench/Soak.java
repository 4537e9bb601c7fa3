package dev.rbon.bench;

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
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Soak: starts the packaged server (target/quarkus-app) on a free loopback port, drives mixed requests at it for
 * a bounded time and count (every method, n from 1 to 32, select, bad input, deadlines), and prints the server's
 * resident memory as it goes. Memory should stay flat after warm-up.
 *
 * <pre>./mvnw -B -q package -DskipTests && ./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.bench.Soak -Dsoak.minutes=5</pre>
 */
public final class Soak {

    private static final List<String> METHODS =
            List.of("bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random", "soft_bon");

    private Soak() {}

    public static void main(String[] args) throws Exception {
        double minutes = Double.parseDouble(System.getProperty("soak.minutes", "5"));
        int maxRequests = Integer.parseInt(System.getProperty("soak.max-requests", "20000"));
        int clients = Integer.parseInt(System.getProperty("soak.clients", "3"));
        int port = freePort();
        Process server = startServer(port);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            awaitReady(http, base, 240, "target/soak-server.log");
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            System.out.printf("server pid %d on %s; %d clients for %.1f min (at most %d requests)%n", server.pid(),
                    base, clients, minutes, maxRequests);
            System.out.printf("%8s %10s %8s  %s%n", "elapsed", "requests", "RSS MB", "statuses");
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicInteger sent = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            for (int c = 0; c < clients; c++) {
                int seed = c;
                pool.submit(() -> drive(http, base, new Random(seed), end, maxRequests, sent, statuses));
            }
            pool.shutdown();
            long firstRss = -1;
            long warmRss = -1;
            while (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                long rss = residentMb(server.pid());
                double elapsed = (System.nanoTime() - start) / 60e9;
                firstRss = firstRss < 0 ? rss : firstRss;
                if (warmRss < 0 && elapsed >= Math.min(1.0, minutes / 4)) {
                    warmRss = rss; // after warm-up: JIT, allocator pools, per-shape kernels
                }
                System.out.printf("%7.1fm %10d %8d  %s%n", elapsed, sent.get(), rss, statuses);
            }
            long lastRss = residentMb(server.pid());
            warmRss = warmRss < 0 ? firstRss : warmRss;
            System.out.printf("%nRSS: first %d MB, after warm-up %d MB, end %d MB: %+.1f%% since warm-up; statuses %s%n",
                    firstRss, warmRss, lastRss, 100.0 * (lastRss - warmRss) / warmRss, statuses);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void drive(HttpClient http, String base, Random random, long end, int maxRequests,
            AtomicInteger sent, Map<Integer, AtomicInteger> statuses) {
        while (System.nanoTime() < end && sent.incrementAndGet() <= maxRequests) {
            String[] request = request(random);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + request[0]))
                        .header("content-type", "application/json").timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(request[1])).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            } catch (IOException e) {
                statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A path and a body: mostly good generate requests of every method, some select, some bad, some deadlines. */
    private static String[] request(Random random) {
        String method = METHODS.get(random.nextInt(METHODS.size()));
        int n = 1 << random.nextInt(6); // 1..32
        return switch (random.nextInt(10)) {
            case 0 -> new String[] {"/v1/select", "{\"prompt\": \"Once upon a time\", \"candidates\": [\" there was a cat.\","
                    + " \" a dog ran.\", \" the sun shone.\"], \"method\": \"" + method + "\", \"beta\": 0.5}"};
            case 1 -> new String[] {"/v1/generate", "{\"prompt\": \"x\", \"n\": -" + n + "}"};
            case 2 -> new String[] {"/v1/generate", "{\"prompt\": \"Once upon a time\", \"n\": 32, \"max_new_tokens\": 200,"
                    + " \"timeout_ms\": 50}"};
            default -> new String[] {"/v1/generate", "{\"prompt\": \"Once upon a time\", \"method\": \"" + method
                    + "\", \"beta\": 0.5, \"n\": " + n + ", \"max_new_tokens\": " + (8 + random.nextInt(56))
                    + ", \"epsilon\": 0.01, \"seed\": " + random.nextInt(1000) + "}"};
        };
    }

    private static Process startServer(int port) throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": run ./mvnw -B -q package -DskipTests first");
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx1g", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(Path.of("target/soak-server.log").toFile());
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        for (String key : List.of("policy", "reward")) {
            String path = System.getProperty("soak." + key);
            if (path != null) {
                builder.environment().put("RBON_MODELS_" + key.toUpperCase() + "_PATH", path);
            }
        }
        return builder.start();
    }

    /** Polls the server's readiness every 0.5 s, at most {@code attempts} times; {@code log} is where it writes. */
    static void awaitReady(HttpClient http, String base, int attempts, String log) throws Exception {
        for (int i = 0; i < attempts; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the server did not become ready; see " + log);
    }


    private static long residentMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
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
