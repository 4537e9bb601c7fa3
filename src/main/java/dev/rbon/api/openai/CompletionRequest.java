package dev.rbon.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.api.GenerateRequest;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * POST /v1/completions, as vLLM's OpenAI server takes it; rbon's fields as for chat completions. OpenAI's own
 * best_of (the pool the best is chosen from) is rbon's N.
 */
@Schema(description = "A text completion: best_of candidates are sampled, scored and the method's best n returned.")
public record CompletionRequest(
        @Schema(description = "The policy's id.", required = true) String model,
        @Schema(description = "The prompt: a string (or a list holding one string). Without a method (the samples in"
                + " order, as an engine answers): also token ids, or a batch of texts or token-id lists.",
                required = true, implementation = String.class) JsonNode prompt,
        @Schema(description = "How many of the best candidates to return (n <= best_of).", defaultValue = "1")
                Integer n,
        @Schema(description = "The pool size N; default max(8, n).") Integer bestOf,
        @Schema(description = "Most tokens per candidate.", defaultValue = "16") Integer maxTokens,
        @Schema(description = "Sampling temperature; 0 is greedy decoding.", defaultValue = "1") Double temperature,
        @Schema(description = "Nucleus mass in (0, 1].", defaultValue = "1") Double topP,
        @Schema(description = "rbon: keep the k best tokens; 0 disables.", defaultValue = "0") Integer topK,
        @Schema(description = "rbon: epsilon-sampling cutoff in [0, 1).", defaultValue = "0") Double epsilon,
        @Schema(description = "rbon: ban repeating n-grams of this size.", defaultValue = "0")
                Integer noRepeatNgramSize,
        @Schema(description = "Seed: the same request returns the same answer, streamed or not.") Long seed,
        @Schema(description = "A stop string or up to 4 of them.", type = SchemaType.ARRAY,
                implementation = String.class) JsonNode stop,
        @Schema(description = "Stream the answer as server-sent events. Without a method (the samples in order,"
                + " best_of = n) the chunks follow once every sample is done: one per choice with its whole text.",
                defaultValue = "false") Boolean stream,
        ChatCompletionRequest.StreamOptions streamOptions,
        @Schema(description = "Log-probs of the returned tokens with this many alternatives (0 to 5).")
                Integer logprobs,
        @Schema(description = "Return the prompt before the answer (with logprobs: its tokens' too); only without a"
                + " method.", defaultValue = "false") Boolean echo,
        @Schema(description = "vLLM: each choice's token_ids and prompt_token_ids; only without a method.",
                defaultValue = "false") Boolean returnTokenIds,
        @Schema(description = "vLLM: the log-prob of each prompt token with this many alternatives (0 to 20); only"
                + " without a method.") Integer promptLogprobs,
        @Schema(description = "vLLM: only true (the texts leave special tokens out).", defaultValue = "true")
                Boolean skipSpecialTokens,
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
        @Schema(description = "An end-user id; accepted and ignored.") String user) {}
