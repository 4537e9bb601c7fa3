package dev.rbon.decode;

import dev.rbon.select.ChoiceStats;
import java.util.List;

/**
 * What the decoder produced: every candidate with the numbers behind the choice, and where the time went.
 *
 * @param order the best {@link Generation#returned()} in the method's order (pool indices), the chosen first
 * @param returnedTokens per entry of {@code order}, its tokens with their log-probs; null unless asked for
 * @param beta the beta the rule used: the request's, or the one its kl_budget set (bop: mu)
 * @param choice the chosen candidate's reward rank and the selection's KL
 */
public record Outcome(
        int chosenIndex,
        List<Candidate> candidates,
        int[] order,
        List<ReturnedTokens.Answer> returnedTokens,
        int promptTokens,
        int completionTokens,
        Timings timings,
        ModelNames models,
        double beta,
        ChoiceStats choice) {

    /**
     * One candidate. {@code refLogprob} is null when nothing needed it and it was not free (a separate reference
     * model and a method that does not read it); {@code meanSimilarity} likewise; {@code probability} is set for
     * the stochastic methods only. {@code rewards} are the reward members' scores in configuration order (one for a
     * single reward model) and {@code reward} their aggregate R_i, before any normalization. A pruned candidate
     * ({@code prunedAt}: the tokens it had generated when it left, else null) carries its partial text and the
     * scores it was pruned on; finish reason {@code pruned}. {@code selfCertainty} is the sampler's (its mean so far
     * for a pruned one); null for supplied candidates and an engine's.
     */
    public record Candidate(
            int index,
            String text,
            long[] tokenIds,
            int tokens,
            String finishReason,
            double reward,
            double[] rewards,
            Double refLogprob,
            Double meanSimilarity,
            double objective,
            Double probability,
            Integer prunedAt,
            Double selfCertainty) {

        public boolean pruned() {
            return prunedAt != null;
        }
    }

    /**
     * Milliseconds per stage. {@code sample} runs from the worker taking the request to the last candidate's last
     * token: {@code prefill} (the prompt's chunks) and {@code decode} (the candidates' steps, shared with the other
     * requests in the batch) are within it, as is any wait for room in the batch, and so is {@code prune}, the
     * scoring of partial candidates at the decision points.
     */
    public record Timings(double queue, double sample, double prefill, double decode, double prune, double reward,
            double reference, double embed, double select, double total) {}

    /** {@code reward}: the reward model's name, an ensemble's {@code rewardMembers} joined with commas. */
    public record ModelNames(String policy, String reward, String reference, String embedding,
            List<String> rewardMembers) {}

    public Candidate chosen() {
        return candidates.get(chosenIndex);
    }
}
