package dev.rbon.decode;

import dev.rbon.sample.SamplingParams;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardAggregation;
import dev.rbon.select.RewardNormalization;
import java.util.List;

/**
 * What one request asks of the decoder: sample N candidates of a prompt (or take the client's), then select.
 *
 * @param prompt the prompt text, or null when {@code messages} are given
 * @param messages a conversation to render with the policy's chat template, or null; the reward model (and a
 *     separate reference) read it with their own templates
 * @param suppliedCandidates the client's candidates (/v1/select, /v1/rerank's documents), else null
 * @param sampling how to sample (/v1/generate), else null
 * @param n candidates: sampled, or supplied
 * @param seed seeds the sampler and the stochastic methods' draw; null: fresh randomness
 * @param returned how many of the best the answer returns, in the method's order (OpenAI's n; 1 elsewhere)
 * @param logprobs null: none; else each returned answer's token log-probs with this many alternatives (0 to 20)
 * @param prune speculative rejection of the sampled candidates while they decode, else null
 * @param klBudget the KL (nats) that sets beta per pool (srbon_kl, soft_bon) or mu before sampling (bop) instead of
 *     {@code beta}, else null
 * @param rewardAggregation how a reward ensemble's members' rewards become R_i (one member: its own, whatever this)
 * @param rewardStdWeight w of mean_minus_std (finite, >= 0), unread by the other aggregations
 */
public record Generation(
        String prompt,
        List<Message> messages,
        List<String> suppliedCandidates,
        SamplingParams sampling,
        int n,
        Method method,
        double beta,
        RewardNormalization rewardNormalization,
        Long seed,
        int returned,
        Integer logprobs,
        Prune prune,
        Double klBudget,
        RewardAggregation rewardAggregation,
        double rewardStdWeight) {

    /** One turn of a conversation. */
    public record Message(String role, String content) {}

    public static Generation sample(String prompt, List<Message> messages, SamplingParams sampling, int n,
            Method method, double beta, RewardNormalization rewardNormalization) {
        return new Generation(prompt, messages == null ? null : List.copyOf(messages), null, sampling, n, method, beta,
                rewardNormalization, sampling.seed(), 1, null, null, null, RewardAggregation.MEAN,
                RewardAggregation.DEFAULT_STD_WEIGHT);
    }

    /** /v1/select: selection among the client's candidates for a prompt or, {@code prompt} null, a conversation. */
    public static Generation select(String prompt, List<Message> messages, List<String> candidates, Method method,
            double beta, RewardNormalization rewardNormalization, Long seed) {
        return new Generation(prompt, messages == null ? null : List.copyOf(messages), List.copyOf(candidates), null,
                candidates.size(), method, beta, rewardNormalization, seed, 1, null, null, null,
                RewardAggregation.MEAN, RewardAggregation.DEFAULT_STD_WEIGHT);
    }

    /** The same request, answering with the best {@code returned} and, when not null, their tokens' log-probs. */
    public Generation returning(int returned, Integer logprobs) {
        return new Generation(prompt, messages, suppliedCandidates, sampling, n, method, beta, rewardNormalization,
                seed, returned, logprobs, prune, klBudget, rewardAggregation, rewardStdWeight);
    }

    /** The same request, its candidates pruned as {@code prune} says (null: none). */
    public Generation pruning(Prune prune) {
        return new Generation(prompt, messages, suppliedCandidates, sampling, n, method, beta, rewardNormalization,
                seed, returned, logprobs, prune, klBudget, rewardAggregation, rewardStdWeight);
    }

    /** The same request, its beta set by {@code klBudget} (null: by beta). */
    public Generation withKlBudget(Double klBudget) {
        return new Generation(prompt, messages, suppliedCandidates, sampling, n, method, beta, rewardNormalization,
                seed, returned, logprobs, prune, klBudget, rewardAggregation, rewardStdWeight);
    }

    /** The same request, a reward ensemble's members aggregated as {@code aggregation} says (w: {@code stdWeight}). */
    public Generation aggregating(RewardAggregation aggregation, double stdWeight) {
        return new Generation(prompt, messages, suppliedCandidates, sampling, n, method, beta, rewardNormalization,
                seed, returned, logprobs, prune, klBudget, aggregation, stdWeight);
    }

    /**
     * bop's pool: the same request on its first {@code decoded} candidates (sampled, or the client's first ones) at
     * mu {@code mu}; {@code decoded} is at least {@link #returned}.
     */
    public Generation bestOfPoisson(int decoded, double mu) {
        return new Generation(prompt, messages, supplied() ? suppliedCandidates.subList(0, decoded) : null, sampling,
                decoded, method, mu, rewardNormalization, seed, returned, logprobs, prune, klBudget, rewardAggregation,
                rewardStdWeight);
    }

    /** The client supplied the candidates (/v1/select, /v1/rerank): nothing is sampled. */
    public boolean supplied() {
        return suppliedCandidates != null;
    }
}
