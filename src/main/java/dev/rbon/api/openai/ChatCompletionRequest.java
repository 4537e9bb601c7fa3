package dev.rbon.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.api.GenerateRequest;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * POST /v1/chat/completions, as vLLM's OpenAI server takes it. rbon's selection rides on extra fields (the SDKs'
 * extra_body): best_of, method, beta, kl_budget, reward_normalization, reward_aggregation, reward_std_weight, epsilon,
 * top_k, no_repeat_ngram_size, return_candidates, prune. OpenAI fields rbon does not implement are refused (400)
 * unless they hold their neutral value; fields unknown to both are ignored with a log line, as vLLM does.
 */
@Schema(description = "A chat completion: best_of candidates are sampled, scored and the method's best n returned.")
public record ChatCompletionRequest(
        @Schema(description = "The policy's id (the first model GET /v1/models lists).", required = true)
                String model,
        @Schema(description = "The conversation, rendered with the policy's chat template.", required = true)
                List<Message> messages,
        @Schema(description = "How many of the best candidates to return (n <= best_of).", defaultValue = "1")
                Integer n,
        @Schema(description = "rbon: the pool size N; default max(8, n).") Integer bestOf,
        @Schema(description = "Most tokens per candidate; default 64.") Integer maxTokens,
        @Schema(description = "Same as max_tokens (OpenAI's newer name); give one of them.")
                Integer maxCompletionTokens,
        @Schema(description = "Sampling temperature; 0 is greedy decoding.", defaultValue = "1") Double temperature,
        @Schema(description = "Nucleus mass in (0, 1].", defaultValue = "1") Double topP,
        @Schema(description = "rbon: keep the k best tokens; 0 disables.", defaultValue = "0") Integer topK,
        @Schema(description = "rbon: epsilon-sampling cutoff in [0, 1).", defaultValue = "0") Double epsilon,
        @Schema(description = "rbon: ban repeating n-grams of this size.", defaultValue = "0")
                Integer noRepeatNgramSize,
        @Schema(description = "Seed: the same request returns the same answer, streamed or not.") Long seed,
        @Schema(description = "A stop string or up to 4 of them.", type = SchemaType.ARRAY,
                implementation = String.class) JsonNode stop,
        @Schema(description = "Stream the answer as server-sent events.", defaultValue = "false") Boolean stream,
        StreamOptions streamOptions,
        @Schema(description = "Return the policy's log-probs of the returned tokens.", defaultValue = "false")
                Boolean logprobs,
        @Schema(description = "Alternatives per token, 0 to 20 (needs logprobs).") Integer topLogprobs,
        @Schema(description = "rbon: the selection method.", defaultValue = "bon",
                enumeration = {"bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random",
                        "soft_bon", "bop", "self_certainty"})
                String method,
        @Schema(description = "rbon: regularisation strength.", defaultValue = "0") Double beta,
        @Schema(description = "rbon: " + GenerateRequest.KL_BUDGET, minimum = "0") Double klBudget,
        @Schema(description = "rbon: none, zscore or quantile.", defaultValue = "none") String rewardNormalization,
        @Schema(description = "rbon: " + GenerateRequest.REWARD_AGGREGATION, defaultValue = "mean",
                enumeration = {"mean", "min", "mean_minus_std"}) String rewardAggregation,
        @Schema(description = "rbon: " + GenerateRequest.REWARD_STD_WEIGHT, defaultValue = "1", minimum = "0")
                Double rewardStdWeight,
        @Schema(description = "rbon: add every candidate of the pool to the response's rbon object.",
                defaultValue = "false") Boolean returnCandidates,
        @Schema(description = "rbon: prune the pool's candidates while they decode, as /v1/generate's prune: "
                + "speculative rejection on the method's own objective.") GenerateRequest.Prune prune,
        @Schema(description = "rbon: deadline in milliseconds.") Integer timeoutMs,
        @Schema(description = "An end-user id; accepted and ignored.") String user) {

    /** One turn: content is a string or a list of text parts. */
    public record Message(
            @Schema(description = "system, developer (as system), user or assistant", required = true) String role,
            @Schema(description = "A string, or a list of {type: text, text} parts", required = true,
                    implementation = String.class) JsonNode content,
            @Schema(description = "A participant name; accepted and ignored.") String name) {}

    public record StreamOptions(
            @Schema(description = "Send a last chunk with the usage.") Boolean includeUsage,
            @Schema(description = "Accepted and ignored.") Boolean continuousUsageStats) {}
}
