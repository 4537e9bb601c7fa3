package dev.rbon.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.api.GenerateRequest;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /v1/rerank in the Cohere/Jina shape (as vLLM serves it), with rbon's method and beta as options. */
@Schema(description = "Rank documents as responses to the query, by the reward model or a method's objective.")
public record RerankRequest(
        @Schema(description = "The reward model's id (or the policy's), as /v1/models lists it; optional.")
                String model,
        @Schema(description = "The query (the prompt the documents answer).", required = true) String query,
        @Schema(description = "The documents: strings, or objects with a text field.", required = true,
                type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY,
                implementation = Object.class) List<JsonNode> documents,
        @Schema(description = "Return the best top_n documents; absent: all.", minimum = "1") Integer topN,
        @Schema(description = "Include each document's text in the results.", defaultValue = "true")
                Boolean returnDocuments,
        @Schema(description = "Rank by this method's objective instead of the raw reward.",
                enumeration = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random",
                        "soft_bon"})
                String method,
        @Schema(description = "The method's beta.", defaultValue = "0") Double beta,
        @Schema(description = "Instead of beta (srbon_kl, soft_bon): the KL in nats the method's selection may "
                + "move from the pool's reference, as on /v1/select.", minimum = "0") Double klBudget,
        @Schema(description = "none, zscore or quantile (applies to the objective's reward term).",
                defaultValue = "none", enumeration = {"none", "zscore", "quantile"}) String rewardNormalization,
        @Schema(description = GenerateRequest.REWARD_AGGREGATION, defaultValue = "mean",
                enumeration = {"mean", "min", "mean_minus_std"}) String rewardAggregation,
        @Schema(description = GenerateRequest.REWARD_STD_WEIGHT, defaultValue = "1", minimum = "0")
                Double rewardStdWeight) {}
