package dev.rbon.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * The n best of a pool for a method, first the candidate the method selected. Deterministic methods: the rest by
 * objective, highest first (ties to the lowest index), so the order is the method's own ranking. Stochastic
 * methods: n draws without replacement from the method's distribution p (each next draw from p renormalised over
 * the candidates not yet drawn); when only candidates with p = 0 remain, they follow by objective. Pure: never
 * modifies its inputs.
 */
public final class TopN {

    private TopN() {}

    /**
     * @param selection what the method chose, with its objectives and (stochastic methods) probabilities
     * @param n how many to return, 1 to the pool size
     * @param rng draws the 2nd to n-th pick of a stochastic method (one {@code nextDouble()} per draw); unused by
     *     deterministic methods and when n is 1
     * @return candidate indices, {@code selection.chosen()} first
     */
    public static int[] of(Selection selection, int n, RandomGenerator rng) {
        double[] objectives = selection.objectives();
        if (n < 1 || n > objectives.length) {
            throw new IllegalArgumentException("n must be between 1 and " + objectives.length + ", got " + n);
        }
        List<Integer> order = new ArrayList<>(List.of(selection.chosen()));
        double[] p = selection.probabilities();
        if (p != null) {
            double[] remaining = p.clone();
            remaining[selection.chosen()] = 0;
            while (order.size() < n && sum(remaining) > 0) {
                int next = draw(remaining, rng);
                order.add(next);
                remaining[next] = 0;
            }
        }
        IntStream.range(0, objectives.length).boxed()
                .filter(i -> !order.contains(i))
                .sorted(Comparator.comparingDouble((Integer i) -> objectives[i]).reversed()
                        .thenComparing(Comparator.naturalOrder()))
                .limit(n - order.size())
                .forEach(order::add);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One draw from the weights renormalised to their sum, by inverse CDF (never an index of weight 0). */
    private static int draw(double[] weights, RandomGenerator rng) {
        double[] p = new double[weights.length];
        double total = sum(weights);
        for (int i = 0; i < p.length; i++) {
            p[i] = weights[i] / total;
        }
        return Selector.sample(p, rng);
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }
}
