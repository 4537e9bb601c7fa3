package dev.rbon.select;

/**
 * The numbers a rule reads, one entry per candidate i of N (N >= 1):
 * <ul>
 *   <li>{@code rewards} R_i, always required (as the reward model gave them, before any normalization);</li>
 *   <li>{@code refLogprobs} l_i = log pi_ref(y_i|x), the natural-log SUM over the response tokens;</li>
 *   <li>{@code lengths} L_i, response tokens, >= 0;</li>
 *   <li>{@code similarity} S_ij = cos(e_i, e_j), N x N; S_ii = 1 for unit embeddings. Neither symmetry nor the
 *       range [-1, 1] is required;</li>
 *   <li>{@code selfCertainty} the mean over the response's tokens of KL(uniform ‖ p_t), p_t the policy's
 *       next-token distribution (Kang et al. 2025).</li>
 * </ul>
 * The last four may be null when the method does not read them ({@link Method#needsRefLogprobs()} etc.).
 * Every value must be finite: the constructor throws IllegalArgumentException naming the score and the index,
 * e.g. "rewards[3] is NaN". The arrays are copied on construction; callers must not modify the ones the accessors
 * return.
 */
public record Scores(double[] rewards, double[] refLogprobs, int[] lengths, double[][] similarity,
        double[] selfCertainty) {

    public Scores {
        if (rewards == null || rewards.length == 0) {
            throw new IllegalArgumentException("rewards must hold at least one candidate");
        }
        int n = rewards.length;
        rewards = finiteCopy("rewards", rewards, n);
        refLogprobs = refLogprobs == null ? null : finiteCopy("refLogprobs", refLogprobs, n);
        lengths = lengths == null ? null : lengthsCopy(lengths, n);
        similarity = similarity == null ? null : similarityCopy(similarity, n);
        selfCertainty = selfCertainty == null ? null : finiteCopy("selfCertainty", selfCertainty, n);
    }

    /** Scores without self-certainty (every rule but self_certainty). */
    public Scores(double[] rewards, double[] refLogprobs, int[] lengths, double[][] similarity) {
        this(rewards, refLogprobs, lengths, similarity, null);
    }

    /** Scores with rewards only (enough for bon and random). */
    public static Scores ofRewards(double... rewards) {
        return new Scores(rewards, null, null, null);
    }

    /** N, the number of candidates. */
    public int size() {
        return rewards.length;
    }

    /** Throws IllegalArgumentException naming the first score that {@code method} reads but that is missing. */
    public void requireFor(Method method) {
        if (method.needsRefLogprobs() && refLogprobs == null) {
            throw missing(method, "refLogprobs (reference log-probabilities)");
        }
        if (method.needsSimilarity() && similarity == null) {
            throw missing(method, "similarity (the embeddings' cosine similarity matrix)");
        }
        if (method.needsLengths() && lengths == null) {
            throw missing(method, "lengths (response token counts)");
        }
        if (method.needsSelfCertainty() && selfCertainty == null) {
            throw missing(method, "selfCertainty (the sampler's mean KL(uniform || p_t) per candidate)");
        }
    }

    private static IllegalArgumentException missing(Method method, String what) {
        return new IllegalArgumentException("method " + method.wireName() + " needs " + what + ", but none were given");
    }

    private static double[] finiteCopy(String name, double[] values, int n) {
        if (values.length != n) {
            throw new IllegalArgumentException(name + " has length " + values.length + ", expected " + n);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + values[i]);
            }
        }
        return values.clone();
    }

    private static int[] lengthsCopy(int[] lengths, int n) {
        if (lengths.length != n) {
            throw new IllegalArgumentException("lengths has length " + lengths.length + ", expected " + n);
        }
        for (int i = 0; i < n; i++) {
            if (lengths[i] < 0) {
                throw new IllegalArgumentException("lengths[" + i + "] is negative: " + lengths[i]);
            }
        }
        return lengths.clone();
    }

    private static double[][] similarityCopy(double[][] similarity, int n) {
        if (similarity.length != n) {
            throw new IllegalArgumentException("similarity has " + similarity.length + " rows, expected " + n);
        }
        double[][] copy = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] row = similarity[i];
            if (row == null || row.length != n) {
                String got = row == null ? "null" : "length " + row.length;
                throw new IllegalArgumentException("similarity[" + i + "] has " + got + ", expected length " + n);
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(row[j])) {
                    throw new IllegalArgumentException("similarity[" + i + "][" + j + "] is " + row[j]);
                }
            }
            copy[i] = row.clone();
        }
        return copy;
    }
}
