package dev.rbon.select;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Speculative rejection (Sun et al., NeurIPS 2024) on a method's own objective: each time the running candidates
 * have generated a multiple of {@code every} tokens, they are ranked by the method's objective over their partial
 * texts (the finished candidates' full texts in the same pool), and only the best {@code ceil(keep * running)}
 * decode on. The paper prunes on the reward alone; ranking by the objective makes RBoN_KL prune on
 * R + beta * log pi_ref(partial), RBoN_WD on the partials' similarity, and so on.
 *
 * @param every decision points every this many generated tokens, >= 1
 * @param keep  the fraction of the running candidates that goes on at each decision point, in (0, 1]
 */
public record Prune(int every, double keep) {

    public Prune {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep must be in (0, 1], got " + keep);
        }
    }

    /** Whether candidates that have generated {@code generated} tokens are at a decision point. */
    public boolean decides(int generated) {
        return generated > 0 && generated % every == 0;
    }

    /** How many of {@code running} candidates go on: ceil(keep * running), at least one of one or more. */
    public int survivors(int running) {
        return running == 0 ? 0 : Math.max(1, Math.min(running, (int) Math.ceil(keep * running - 1e-9)));
    }

    /**
     * Which running candidates go on: the {@link #survivors} best by {@code objectives}, ties to the lower index.
     * Finished candidates ({@code running[i]} false) are never pruned and keep their flag false.
     *
     * @return a flag per candidate: true for a running candidate that decodes on
     */
    public boolean[] decodeOn(double[] objectives, boolean[] running) {
        return decodeOn(objectives, running, 1);
    }

    /**
     * As {@link #decodeOn(double[], boolean[])}, keeping more running candidates when fewer than {@code atLeast}
     * candidates would be left in all (finished ones included): a request that returns its best k needs k.
     */
    public boolean[] decodeOn(double[] objectives, boolean[] running, int atLeast) {
        if (objectives.length != running.length) {
            throw new IllegalArgumentException("objectives has length " + objectives.length + ", running "
                    + running.length);
        }
        int[] ranked = IntStream.range(0, running.length).filter(i -> running[i]).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -objectives[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        int finished = running.length - ranked.length;
        int survivors = Math.min(ranked.length, Math.max(survivors(ranked.length), atLeast - finished));
        boolean[] on = new boolean[running.length];
        Arrays.stream(ranked, 0, survivors).forEach(i -> on[i] = true);
        return on;
    }

    /** The request-field spelling, e.g. {@code every=16;keep=0.5} (the lab's csv column). */
    @Override
    public String toString() {
        return "every=" + every + ";keep=" + keep;
    }
}
