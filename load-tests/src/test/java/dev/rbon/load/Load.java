package dev.rbon.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * What both simulations share: the target (loopback only), the request mix (methods bon, rbon_kl, rbon_wd x
 * n in {4, 16}) and a tally of status codes and latencies per (method, n) and per status, printed at the end.
 *
 * <p>System properties: rbon.url (http://127.0.0.1:8080), rbon.maxNewTokens (32), rbon.beta (0.5).
 */
final class Load {

    static final String URL = System.getProperty("rbon.url", "http://127.0.0.1:8080");
    static final int MAX_NEW_TOKENS = Integer.getInteger("rbon.maxNewTokens", 32);
    static final double BETA = Double.parseDouble(System.getProperty("rbon.beta", "0.5"));
    static final List<String> METHODS = List.of("bon", "rbon_kl", "rbon_wd");
    static final List<Integer> NS = List.of(4, 16);
    /** Instructions of the default models' task (dev.rbon.lab): what the embedded models answer. */
    static final List<String> PROMPTS = List.of(
            "what is 3 plus 5 ?", "add 4 and 2 .", "which is larger : 7 or 4 ?", "how many letters in cat ?",
            "reverse the word dog .", "what colour is snow ?", "what sound does a cow make ?");

    private Load() {}

    static {
        String host = URI.create(URL).getHost();
        if (!(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"))) {
            throw new IllegalArgumentException("rbon.url must be a loopback address, got " + URL);
        }
    }

    static HttpProtocolBuilder protocol() {
        return http.baseUrl(URL).contentTypeHeader("application/json").acceptHeader("application/json")
                .shareConnections();
    }

    /** method x n in turn, a random prompt and seed each time. */
    static Iterator<Map<String, Object>> requests() {
        List<String[]> mix = new ArrayList<>();
        for (String m : METHODS) {
            for (int n : NS) {
                mix.add(new String[] {m, Integer.toString(n)});
            }
        }
        int[] i = {0};
        return Stream.generate(() -> {
            String[] c = mix.get(Math.floorMod(i[0]++, mix.size()));
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String body = String.format(java.util.Locale.ROOT,
                    "{\"prompt\":\"%s\",\"method\":\"%s\",\"beta\":%s,\"n\":%s,\"max_new_tokens\":%d,\"seed\":%d}",
                    PROMPTS.get(r.nextInt(PROMPTS.size())), c[0], BETA, c[1], MAX_NEW_TOKENS, r.nextInt(1 << 30));
            return Map.<String, Object>of("label", c[0] + " n=" + c[1], "body", body);
        }).iterator();
    }

    /** One POST /v1/generate; the statuses accepted as OK are given (200 always; 429 in the spike). */
    static ChainBuilder generate(Integer... okStatuses) {
        return feed(synchronizedIterator(requests()))
                .exec(http("#{label}").post("/v1/generate").body(StringBody("#{body}"))
                        .check(status().in(okStatuses).saveAs("status"))
                        .check(status().saveAs("anyStatus"))
                        .check(responseTimeInMillis().saveAs("rt")))
                .exec(session -> {
                    int st = session.contains("anyStatus") ? session.getInt("anyStatus") : -1;
                    long rt = session.contains("rt") ? session.getLong("rt") : -1;
                    record(session.getString("label"), st, rt);
                    return session;
                });
    }

    static <T> Iterator<T> synchronizedIterator(Iterator<T> it) {
        return new Iterator<>() {
            @Override
            public synchronized boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public synchronized T next() {
                return it.next();
            }
        };
    }

    // ------------------------------------------------------------------ tally
    static final Map<String, ConcurrentLinkedQueue<Long>> LATENCIES = new ConcurrentHashMap<>();
    static final Map<Integer, Integer> STATUSES = new ConcurrentHashMap<>();
    static volatile long firstNanos;
    static volatile long lastNanos;

    static void record(String label, int status, long rtMillis) {
        long now = System.nanoTime();
        if (firstNanos == 0) {
            firstNanos = now;
        }
        lastNanos = now;
        STATUSES.merge(status, 1, Integer::sum);
        LATENCIES.computeIfAbsent(label + " [" + status + "]", k -> new ConcurrentLinkedQueue<>()).add(rtMillis);
        LATENCIES.computeIfAbsent("all [" + status + "]", k -> new ConcurrentLinkedQueue<>()).add(rtMillis);
    }

    /** Prints the tally; throughput is over the span from the first to the last answer. */
    static void report(String name) {
        Duration wall = Duration.ofNanos(Math.max(1, lastNanos - firstNanos));
        int total = STATUSES.values().stream().mapToInt(Integer::intValue).sum();
        int ok = STATUSES.getOrDefault(200, 0);
        double seconds = wall.toMillis() / 1000.0;
        StringBuilder sb = new StringBuilder();
        sb.append("\n==== rbon ").append(name).append(" against ").append(URL)
                .append(String.format(java.util.Locale.ROOT, " (max_new_tokens=%d, beta=%s)%n", MAX_NEW_TOKENS, BETA));
        sb.append("statuses: ").append(new TreeMap<>(STATUSES));
        if (total > 0) {
            sb.append(String.format(java.util.Locale.ROOT, "  429 share: %.1f%%  5xx: %d",
                    100.0 * STATUSES.getOrDefault(429, 0) / total,
                    STATUSES.entrySet().stream().filter(e -> e.getKey() >= 500).mapToInt(Map.Entry::getValue).sum()));
        }
        sb.append(String.format(java.util.Locale.ROOT, "%nanswered 200 per second (first to last answer, %.0f s): %.2f%n", seconds, ok / seconds));
        sb.append(String.format("%-22s %6s %8s %8s %8s %8s%n", "request [status]", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"));
        new TreeMap<>(LATENCIES).forEach((k, q) -> {
            List<Long> v = new ArrayList<>(q);
            Collections.sort(v);
            sb.append(String.format("%-22s %6d %8d %8d %8d %8d%n", k, v.size(), pct(v, 50), pct(v, 95), pct(v, 99),
                    v.get(v.size() - 1)));
        });
        System.out.println(sb);
        LATENCIES.clear();
        STATUSES.clear();
        firstNanos = 0;
    }

    static long pct(List<Long> sorted, double p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }
}
