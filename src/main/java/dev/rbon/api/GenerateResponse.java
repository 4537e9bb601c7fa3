package dev.rbon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rbon.decode.Generation;
import dev.rbon.decode.Outcome;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The chosen candidate and the numbers behind the choice; /v1/generate and /v1/select answer with it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateResponse(
        @Schema(description = "Request id.") String id,
        @Schema(description = "The chosen candidate's text.") String text,
        @Schema(description = "The method that chose.") String method,
        @Schema(description = "The beta it used: the request's, or the one its kl_budget set (bop: mu).")
                double beta,
        @Schema(description = CHOSEN_RANK) int rewardRank,
        @Schema(description = KL) double kl,
        @Schema(description = "Number of candidates.") int n,
        @Schema(description = "Index of the chosen candidate.") int chosenIndex,
        @Schema(description = "The chosen candidate with its scores.") Candidate chosen,
        @Schema(description = "Every candidate, when return_candidates is true.") List<Candidate> candidates,
        Usage usage,
        @Schema(description = "Milliseconds per stage.") Timings timingsMs,
        @Schema(description = "Which models produced the answer.") Models models) {

    public static final String CHOSEN_RANK = "How many candidates have a higher reward than the chosen one: 0 is BoN's pick.";
    public static final String KL = "KL (nats) of the selection to the policy: log N - (N - 1) / N (best-of-N's) for bon, "
            + "rbon_kl, rbon_len and self_certainty; Best-of-Poisson's at mu and cap n for bop; the bound log N for "
            + "rbon_wd and mbr; the exact KL of the selection distribution to the pool's reference (p_ref ∝ pi_ref for "
            + "srbon_kl, uniform otherwise) for the stochastic rules.";

    /** Milliseconds per stage of the request. */
    public record Timings(
            @Schema(description = "Waiting for a worker.") double queue,
            @Schema(description = "Sampling the n candidates (0 for select): from the worker taking the request to"
                    + " the last token, prefill and decode included.") double sample,
            @Schema(description = "Prefilling the prompt, in chunks between the batch's decoding steps.")
                    double prefill,
            @Schema(description = "Decoding the candidates, in steps shared with the other requests of the batch.")
                    double decode,
            @Schema(description = "Scoring the running candidates' partial texts at prune's decision points (within"
                    + " sample; 0 without prune).") double prune,
            @Schema(description = "Reward model scoring.") double reward,
            @Schema(description = "Reference log-probs (0 when the sampler's own were used).") double reference,
            @Schema(description = "Embeddings and the similarity matrix (0 when the method needs none).")
                    double embed,
            @Schema(description = "The selection rule.") double select,
            @Schema(description = "From arrival to answer.") double total) {

        public static Timings of(Outcome.Timings t) {
            return new Timings(t.queue(), t.sample(), t.prefill(), t.decode(), t.prune(), t.reward(), t.reference(),
                    t.embed(), t.select(), t.total());
        }
    }

    /** The models behind the answer (folder names). */
    public record Models(String policy,
            @Schema(description = "The reward model; a reward ensemble's members joined with commas.") String reward,
            @Schema(description = "The reference model; the policy unless one is configured.") String reference,
            String embedding,
            @Schema(description = "The reward models in configuration order, the order of each candidate's rewards "
                    + "(one without an ensemble).") List<String> rewardMembers) {

        public static Models of(Outcome.ModelNames m) {
            return new Models(m.policy(), m.reward(), m.reference(), m.embedding(), m.rewardMembers());
        }
    }

    /** One candidate and its scores. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Candidate(
            int index,
            String text,
            @Schema(description = "Generated token ids (return_token_ids).") long[] tokenIds,
            @Schema(description = "L_i: response tokens, including an EOS that ended it.") int tokens,
            @Schema(description = "stop (EOS or stop string), length, or pruned (left the batch at a prune decision "
                    + "point); absent for supplied candidates.") String finishReason,
            @Schema(description = "R_i as the reward model gave it (before any normalisation); with a reward ensemble"
                    + " the members' rewards aggregated as reward_aggregation says.") double reward,
            @Schema(description = "Each reward model's score, in the order of models.reward_members (one without an "
                    + "ensemble).") double[] rewards,
            @Schema(description = "l_i = log pi_ref(y|x), natural log, summed over response tokens.")
                    Double refLogprob,
            @Schema(description = "(1/N) sum_j cos(e_i, e_j), j over all N.") Double meanSimilarity,
            @Schema(description = "What the method maximises for this candidate.") double objective,
            @Schema(description = "p_i of the stochastic methods (srbon_kl, srbon_wd, random, soft_bon).") Double probability,
            @Schema(description = "A pruned candidate's generated tokens when it left the batch (a multiple of "
                    + "prune.every; tokens and text are what it had then, and reward, ref_logprob and objective the "
                    + "scores it was pruned on); absent for a candidate that finished.") Integer prunedAt,
            @Schema(description = "Self-certainty (Kang et al. 2025): the mean over the candidate's tokens of "
                    + "KL(uniform || p_t), p_t the policy's raw next-token distribution while rbon sampled it; what "
                    + "self_certainty maximises. Absent for supplied candidates and a remote policy's.")
                    Double selfCertainty) {

        public static Candidate of(Outcome.Candidate c, boolean withTokenIds) {
            return new Candidate(c.index(), c.text(), withTokenIds ? c.tokenIds() : null, c.tokens(), c.finishReason(),
                    c.reward(), c.rewards(), c.refLogprob(), c.meanSimilarity(), c.objective(), c.probability(),
                    c.prunedAt(), c.selfCertainty());
        }
    }

    /** Tokens of the prompt and of all N candidates together. */
    public record Usage(
            @Schema(description = "Prompt tokens under the policy's tokenizer.") int promptTokens,
            @Schema(description = "Generated tokens summed over all n candidates (0 for select).")
                    int completionTokens) {}

    static GenerateResponse of(Generation g, Outcome o, boolean withCandidates, boolean withTokenIds) {
        List<Candidate> candidates = o.candidates().stream().map(c -> Candidate.of(c, withTokenIds)).toList();
        Candidate chosen = candidates.get(o.chosenIndex());
        return new GenerateResponse((g.supplied() ? "select-" : "gen-") + UUID.randomUUID(), chosen.text(),
                g.method().wireName(), o.beta(), o.choice().rewardRank(), o.choice().kl(), candidates.size(),
                o.chosenIndex(), chosen,
                withCandidates ? candidates : null, new Usage(o.promptTokens(), o.completionTokens()),
                Timings.of(o.timings()), Models.of(o.models()));
    }
}
