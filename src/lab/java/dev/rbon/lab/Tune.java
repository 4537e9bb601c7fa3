package dev.rbon.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.select.HedgeTune;
import dev.rbon.select.Method;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HedgeTune on the lab's calibration (tune) split: bon, soft_bon and bop for every proxy and N, from the tune pools
 * that {@link Evaluate} cached in {@code --out}/tune-pools.json (so nothing is resampled). Usage:
 * {@code Tune [--out src/lab/results] [--requests noisy:16,noisy:64]}. Writes tune-hedgetune.csv (parameters at
 * full precision) and, for each proxy:N of --requests, tune-request-<proxy>-n<N>.json: the pools in /v1/tune's
 * request shape, so that the service can be asked the same question on the same doubles.
 */
public final class Tune {

    static final List<Method> METHODS = List.of(Method.BON, Method.SOFT_BON, Method.BOP);
    static final String POOLS_FILE = "tune-pools.json";
    static final String CSV_HEADER = "proxy,n,method,parameter,predicted_gold,pools";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The cached tune split: each pool's gold and member proxies' rewards at the largest N.
     *
     * @param ensembles the ensemble proxies evaluated, rebuilt from the members over each prefix
     */
    record Cache(long seed, List<Integer> ns, List<String> ensembles, List<double[]> gold,
            List<Map<String, double[]>> rewards) {

        List<String> proxies() {
            List<String> names = new ArrayList<>(rewards.get(0).keySet());
            names.addAll(ensembles);
            return names;
        }

        /** HedgeTune's pools for a proxy at N: each pool's first N candidates. */
        List<HedgeTune.Pool> pools(String proxy, int n) {
            List<HedgeTune.Pool> pools = new ArrayList<>();
            for (int k = 0; k < gold.size(); k++) {
                Map<String, double[]> members = new LinkedHashMap<>();
                rewards.get(k).forEach((name, r) -> members.put(name, Arrays.copyOf(r, n)));
                double[] r = Ensemble.withEnsembles(members, ensembles).get(proxy);
                pools.add(new HedgeTune.Pool(r, Arrays.copyOf(gold.get(k), n)));
            }
            return pools;
        }
    }

    private Tune() {}

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        Path out = Path.of(o.value("--out", "src/lab/results"));
        Cache cache = readCache(out.resolve(POOLS_FILE));
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (String proxy : cache.proxies()) {
            for (int n : cache.ns()) {
                List<HedgeTune.Pool> pools = cache.pools(proxy, n);
                for (Method method : METHODS) {
                    HedgeTune.Result result = HedgeTune.tune(method, pools);
                    // Double.toString: the exact double, for the comparison with /v1/tune
                    csv.append(proxy).append(',').append(n).append(',').append(method.wireName()).append(',')
                            .append(result.parameter()).append(',').append(result.predictedGold()).append(',')
                            .append(pools.size()).append('\n');
                }
            }
        }
        Files.writeString(out.resolve("tune-hedgetune.csv"), csv);
        for (String request : o.value("--requests", "noisy:16,noisy:64").split(",")) {
            String proxy = request.substring(0, request.indexOf(':'));
            int n = Integer.parseInt(request.substring(request.indexOf(':') + 1));
            writeRequest(out.resolve("tune-request-" + proxy + "-n" + n + ".json"), cache.pools(proxy, n));
        }
        System.err.println("wrote tune-hedgetune.csv and the /v1/tune requests in " + out);
    }

    /** {"method": "bon", "pools": [{"rewards": [...], "gold": [...]}, ...]}: POST it as is, or with bop or soft_bon. */
    static void writeRequest(Path file, List<HedgeTune.Pool> pools) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("method", "bon");
        ArrayNode array = body.putArray("pools");
        for (HedgeTune.Pool pool : pools) {
            ObjectNode p = array.addObject();
            Arrays.stream(pool.rewards()).forEach(p.putArray("rewards")::add);
            Arrays.stream(pool.gold()).forEach(p.putArray("gold")::add);
        }
        Files.writeString(file, JSON.writeValueAsString(body));
    }

    /** Writes the tune pools (gold and member rewards at the largest N), one pool a line. */
    static void writeCache(Path file, long seed, List<Integer> ns, List<String> ensembles, List<Pool> pools)
            throws IOException {
        StringBuilder text = new StringBuilder();
        ObjectNode head = JSON.createObjectNode().put("seed", seed);
        ns.forEach(head.putArray("ns")::add);
        ensembles.forEach(head.putArray("ensembles")::add);
        String headText = JSON.writeValueAsString(head);
        text.append(headText, 0, headText.length() - 1).append(",\"pools\":[\n");
        for (int k = 0; k < pools.size(); k++) {
            Pool pool = pools.get(k);
            ObjectNode p = JSON.createObjectNode().put("prompt", pool.task().prompt());
            Arrays.stream(pool.gold()).forEach(p.putArray("gold")::add);
            ObjectNode rewards = p.putObject("rewards");
            pool.rewards().forEach((proxy, r) -> {
                if (!Ensemble.isEnsemble(proxy)) {
                    Arrays.stream(r).forEach(rewards.putArray(proxy)::add);
                }
            });
            text.append(JSON.writeValueAsString(p)).append(k + 1 < pools.size() ? ",\n" : "\n");
        }
        Files.writeString(file, text.append("]}\n"));
    }

    static Cache readCache(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        List<Integer> ns = new ArrayList<>();
        root.get("ns").forEach(n -> ns.add(n.asInt()));
        List<String> ensembles = new ArrayList<>();
        root.get("ensembles").forEach(e -> ensembles.add(e.asText()));
        List<double[]> gold = new ArrayList<>();
        List<Map<String, double[]>> rewards = new ArrayList<>();
        for (JsonNode pool : root.get("pools")) {
            gold.add(doubles(pool.get("gold")));
            Map<String, double[]> members = new LinkedHashMap<>();
            pool.get("rewards").fields().forEachRemaining(e -> members.put(e.getKey(), doubles(e.getValue())));
            rewards.add(members);
        }
        return new Cache(root.get("seed").asLong(), ns, ensembles, gold, rewards);
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
