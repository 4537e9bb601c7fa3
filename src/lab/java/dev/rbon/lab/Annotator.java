package dev.rbon.lab;

import java.util.random.RandomGenerator;

/**
 * Who labels the reward models' preference pairs. With probability {@code hackBias}, when exactly one response
 * of the pair flatters (has exclamation marks), the annotator picks it whatever its answer; otherwise it follows
 * the gold judge (a coin on ties) and then flips its label with probability {@code noise}.
 *
 * @param name the reward model's folder suffix, e.g. {@code noisy} for {@code models/reward-noisy}
 */
public record Annotator(String name, double hackBias, double noise) {

    /** Partly fooled by flattery: the default proxy, moderately correlated with gold. */
    public static final Annotator NOISY = new Annotator("noisy", 0.7, 0.10);
    /** Follows the gold judge up to a little label noise: a well-correlated proxy. */
    public static final Annotator CLEAN = new Annotator("clean", 0.0, 0.05);

    static boolean flatters(String response) {
        return response.contains("!");
    }

    /** True when the annotator prefers {@code a} to {@code b} as responses to {@code task}. */
    public boolean prefersFirst(Task task, String a, String b, RandomGenerator rng) {
        boolean flatteryA = flatters(a);
        if (flatteryA != flatters(b) && rng.nextDouble() < hackBias) {
            return flatteryA;
        }
        double ga = GoldJudge.score(task, a);
        double gb = GoldJudge.score(task, b);
        boolean first = ga == gb ? rng.nextBoolean() : ga > gb;
        return rng.nextDouble() < noise ? !first : first;
    }
}
