package dev.rbon.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /v1/generate. Absent fields take the documented defaults. */
@Schema(description = "Sample n candidates of the prompt from the policy and return the one the method selects.")
public record GenerateRequest(
        @Schema(description = "The prompt, tokenized with the policy's special tokens. Give this or messages.",
                example = "what is 3 plus 5 ?") String prompt,
        @Schema(description = "A conversation, rendered with the policy's chat template (tokenizer_config.json's "
                + "chat_template) and tokenized as transformers' apply_chat_template does. Give this or prompt.")
                List<ChatMessage> messages,
        @Schema(description = "Selection method.", defaultValue = "bon",
                enumeration = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random",
                        "soft_bon", "bop", "self_certainty"})
                String method,
        @Schema(description = "Regularisation strength; >= 0 (> 0 for srbon_kl and soft_bon; bop's mu); ignored by "
                + "bon, mbr, random and self_certainty.", defaultValue = "0") Double beta,
        @Schema(description = KL_BUDGET, minimum = "0") Double klBudget,
        @Schema(description = "Number of candidates N.", defaultValue = "8", minimum = "1") Integer n,
        @Schema(description = "Most tokens per candidate.", defaultValue = "64", minimum = "1") Integer maxNewTokens,
        @Schema(description = "Sampling temperature; 0 is greedy decoding.", defaultValue = "1.0") Double temperature,
        @Schema(description = "Nucleus mass in (0, 1]; 1 disables top-p.", defaultValue = "1.0") Double topP,
        @Schema(description = "Keep the k best tokens; 0 disables top-k.", defaultValue = "0") Integer topK,
        @Schema(description = "Epsilon-sampling cutoff in [0, 1); the paper used 0.01.", defaultValue = "0")
                Double epsilon,
        @Schema(description = "Ban repeating n-grams of this size; the paper used 4.", defaultValue = "0")
                Integer noRepeatNgramSize,
        @Schema(description = "Strings that end a candidate (not included in its text).") List<String> stop,
        @Schema(description = "Seed: the same request with the same seed returns the same candidates and choice.")
                Long seed,
        @Schema(description = "Deadline in milliseconds (capped by rbon.limits.request-timeout); past it: 504.")
                Integer timeoutMs,
        @Schema(description = "none; zscore: standardise rewards within the pool before selecting; quantile: each"
                + " reward's rank within the pool scaled to [0, 1], ties averaged.", defaultValue = "none",
                enumeration = {"none", "zscore", "quantile"}) String rewardNormalization,
        @Schema(description = REWARD_AGGREGATION, defaultValue = "mean",
                enumeration = {"mean", "min", "mean_minus_std"}) String rewardAggregation,
        @Schema(description = REWARD_STD_WEIGHT, defaultValue = "1", minimum = "0") Double rewardStdWeight,
        @Schema(description = Prune.DESCRIPTION) Prune prune,
        @Schema(description = "Include every candidate in the response.", defaultValue = "false")
                Boolean returnCandidates,
        @Schema(description = "Include each candidate's generated token ids.", defaultValue = "false")
                Boolean returnTokenIds) {

    /** The reward-ensemble fields' descriptions, shared by the routes that score with the reward model. */
    public static final String REWARD_AGGREGATION = "How a reward ensemble's members' rewards (rbon.models.reward.path "
            + "with several folders) become each candidate's reward: mean, min (the worst case), or mean_minus_std "
            + "(mean - reward_std_weight x their population std). Applied before reward_normalization; one reward "
            + "model gives its own reward whatever this says.";
    public static final String REWARD_STD_WEIGHT = "The weight of the members' std in mean_minus_std, finite and "
            + ">= 0; checked on every request but read only by mean_minus_std (as beta by the methods that ignore it).";

    /**
     * Speculative rejection of the sampled candidates while they decode (issue 20); the routes that decode take it
     * (/v1/generate, /v1/chat/completions, /v1/completions). Both fields are required.
     */
    @Schema(name = "Prune", description = Prune.DESCRIPTION)
    public record Prune(
            @Schema(description = "A decision point every this many generated tokens; >= 1. An every past "
                    + "max_new_tokens never prunes.", required = true, minimum = "1", examples = "16")
                    Integer every,
            @Schema(description = "The fraction of the running candidates that decodes on at each decision point, "
                    + "in (0, 1]: ceil(keep x running), at least one; 1 prunes nothing.", required = true,
                    minimum = "0", exclusiveMinimum = true, maximum = "1", examples = "0.5") Double keep) {

        static final String DESCRIPTION = "Speculative rejection on the method's own objective: every `every` "
                + "generated tokens the running candidates are scored on their partial text by the method's objective "
                + "(e.g. R + beta log pi_ref for rbon_kl) and all but the best `keep` fraction leave the batch. "
                + "Survivors' tokens are unchanged (the same seeded request without prune samples them alike); "
                + "finished candidates are never pruned. A pruned candidate stays among the candidates with "
                + "finish_reason pruned, its partial text, pruned_at and the scores it was pruned on. Absent or null: "
                + "no pruning.";
    }

    public static final String KL_BUDGET = "Instead of beta (srbon_kl, soft_bon, bop): the KL in nats the selection may "
            + "move from the pool's reference distribution. srbon_kl and soft_bon solve beta per pool by bisection; bop "
            + "solves mu before sampling from Best-of-Poisson's KL at cap n. The response's beta is the value used and "
            + "its kl the KL reached.";

    /** One turn of a conversation. */
    public record ChatMessage(
            @Schema(description = "system, user or assistant", required = true, example = "user") String role,
            @Schema(description = "The turn's text", required = true, example = "what is 3 plus 5 ?")
                    String content) {}
}
