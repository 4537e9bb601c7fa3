package dev.rbon.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ensemble proxies (Coste et al. 2024, "Reward Model Ensembles Help Mitigate Overoptimization"): a proxy named
 * {@code ensemble-<aggregate>} whose reward of a candidate aggregates the member proxies' rewards of it: {@code min}
 * (worst case), {@code mean_minus_std} (mean - 1 * the population std over the K members) or {@code mean}.
 *
 * <p>Each member is z-scored within the pool first (over the pool's N candidates, population std): the noisy and
 * clean reward models have different offsets and scales (the clean one's rewards sit below the noisy one's on most
 * candidates), so a raw {@code min} would mostly be the clean proxy and not test ensembling. With K = 2 members,
 * {@code mean_minus_std} equals {@code min} exactly: (a + b) / 2 - |a - b| / 2 = min(a, b).
 */
final class Ensemble {

    static final String PREFIX = "ensemble-";
    static final List<String> AGGREGATES = List.of("min", "mean_minus_std", "mean");

    private Ensemble() {}

    static boolean isEnsemble(String proxy) {
        return proxy.startsWith(PREFIX);
    }

    /**
     * The members' rewards and every ensemble named in {@code ensembles}, aggregated over these candidates.
     *
     * @param members each member proxy's rewards of the same candidates (no ensemble among them)
     */
    static Map<String, double[]> withEnsembles(Map<String, double[]> members, List<String> ensembles) {
        Map<String, double[]> out = new LinkedHashMap<>(members);
        if (ensembles.isEmpty()) {
            return out;
        }
        if (members.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs two member proxies or more, got "
                    + members.keySet());
        }
        double[][] z = members.values().stream().map(Ensemble::zScore).toArray(double[][]::new);
        for (String name : ensembles) {
            out.put(name, aggregate(name.substring(PREFIX.length()), z));
        }
        return out;
    }

    /** Per candidate i, the aggregate over members k of z[k][i]. */
    static double[] aggregate(String aggregate, double[][] z) {
        if (!AGGREGATES.contains(aggregate)) {
            throw new IllegalArgumentException("unknown ensemble aggregate '" + aggregate + "'; expected one of "
                    + AGGREGATES);
        }
        int n = z[0].length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double min = Double.POSITIVE_INFINITY;
            double sum = 0;
            for (double[] member : z) {
                min = Math.min(min, member[i]);
                sum += member[i];
            }
            double mean = sum / z.length;
            double squares = 0;
            for (double[] member : z) {
                squares += (member[i] - mean) * (member[i] - mean);
            }
            out[i] = switch (aggregate) {
                case "min" -> min;
                case "mean_minus_std" -> mean - Math.sqrt(squares / z.length);
                default -> mean;
            };
        }
        return out;
    }

    /** (x - mean) / std within the pool (population std); all zeros when the pool's rewards are all equal. */
    static double[] zScore(double[] x) {
        double mean = Sweep.mean(x);
        double squares = 0;
        for (double v : x) {
            squares += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(squares / x.length);
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = std > 0 ? (x[i] - mean) / std : 0;
        }
        return z;
    }
}
