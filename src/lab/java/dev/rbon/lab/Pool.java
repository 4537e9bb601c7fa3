package dev.rbon.lab;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One prompt's candidates, sampled once at the largest N, with every number a method or the evaluation reads:
 * gold scores, each proxy's rewards, l_i (the sampler's log-probability: the policy is the reference), token
 * counts, the similarity matrix and self-certainty; and the scores of their partial texts that pruning reads.
 * {@link #prefix} gives the pool of the first n candidates, so every N is evaluated on nested pools from one
 * sampling run. Ensemble proxies ({@link Ensemble}) are recomputed over the prefix, since they z-score within the
 * pool a method sees.
 *
 * @param selfCertainty per candidate, the mean over its tokens of KL(uniform ‖ p_t), p_t the policy's raw
 *                      next-token distribution
 * @param partials      indexed as the pool this one is a prefix of (a prefix's candidate i is its candidate i)
 */
record Pool(Task task, List<String> texts, double[] gold, Map<String, double[]> rewards, double[] logprobs,
        int[] lengths, double[][] similarity, double[] selfCertainty, Partials partials) {

    int size() {
        return texts.size();
    }

    Pool prefix(int n) {
        if (n > size()) {
            throw new IllegalArgumentException("pool has " + size() + " candidates, asked for " + n);
        }
        Map<String, double[]> members = new LinkedHashMap<>();
        rewards.forEach((proxy, values) -> {
            if (!Ensemble.isEnsemble(proxy)) {
                members.put(proxy, Arrays.copyOf(values, n));
            }
        });
        List<String> ensembles = rewards.keySet().stream().filter(Ensemble::isEnsemble).toList();
        double[][] s = new double[n][];
        for (int i = 0; i < n; i++) {
            s[i] = Arrays.copyOf(similarity[i], n);
        }
        return new Pool(task, texts.subList(0, n), Arrays.copyOf(gold, n), Ensemble.withEnsembles(members, ensembles),
                Arrays.copyOf(logprobs, n), Arrays.copyOf(lengths, n), s, Arrays.copyOf(selfCertainty, n), partials);
    }
}
