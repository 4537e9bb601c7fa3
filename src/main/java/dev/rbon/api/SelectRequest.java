package dev.rbon.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /v1/select: the same selection as /v1/generate on candidates the client supplies. */
@Schema(description = "Score the client's candidates for the prompt and return the one the method selects.")
public record SelectRequest(
        @Schema(description = "The prompt the candidates answer. Give this or messages.") String prompt,
        @Schema(description = "A conversation the candidates answer, rendered with the policy's chat template. "
                + "Give this or prompt.") List<GenerateRequest.ChatMessage> messages,
        @Schema(description = "The candidate responses (text after the prompt).", required = true)
                List<String> candidates,
        @Schema(description = "Selection method.", defaultValue = "bon",
                enumeration = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random",
                        "soft_bon", "bop", "self_certainty"})
                String method,
        @Schema(description = "Regularisation strength; >= 0 (> 0 for srbon_kl and soft_bon; bop's mu).",
                defaultValue = "0") Double beta,
        @Schema(description = GenerateRequest.KL_BUDGET, minimum = "0") Double klBudget,
        @Schema(description = "Seed of the stochastic methods' draw.") Long seed,
        @Schema(description = "Deadline in milliseconds (capped by rbon.limits.request-timeout); past it: 504.")
                Integer timeoutMs,
        @Schema(description = "none, zscore or quantile.", defaultValue = "none",
                enumeration = {"none", "zscore", "quantile"})
                String rewardNormalization,
        @Schema(description = GenerateRequest.REWARD_AGGREGATION, defaultValue = "mean",
                enumeration = {"mean", "min", "mean_minus_std"}) String rewardAggregation,
        @Schema(description = GenerateRequest.REWARD_STD_WEIGHT, defaultValue = "1", minimum = "0")
                Double rewardStdWeight,
        @Schema(description = "Include every candidate in the response.", defaultValue = "true")
                Boolean returnCandidates,
        @Schema(description = "Include each candidate's token ids under the policy's tokenizer.",
                defaultValue = "false") Boolean returnTokenIds) {}
