package dev.rbon.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.RbonConfig;
import dev.rbon.api.GenerateRequest;
import dev.rbon.api.RequestValidation;
import dev.rbon.decode.FieldException;
import dev.rbon.decode.Generation;
import dev.rbon.sample.SamplingParams;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardAggregation;
import dev.rbon.select.RewardNormalization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Turns a chat or text completion request into a {@link Generation} (the pool of best_of candidates) and what to
 * send back (the best n, log-probs, streaming), with the rules of /v1/generate for the shared fields.
 */
final class OpenAiValidation {

    /** OpenAI's default max_tokens for /v1/completions; chat completions use rbon's default. */
    static final int COMPLETIONS_MAX_TOKENS = 16;
    static final int MAX_TOP_LOGPROBS = 20;

    /** Chat roles and the role the chat template sees (OpenAI's developer is the system prompt). */
    private static final Map<String, String> ROLES = Map.of("system", "system", "developer", "system",
            "user", "user", "assistant", "assistant");

    /**
     * One validated call.
     *
     * @param topLogprobs null without logprobs, else the alternatives per token (0 to 20)
     */
    record Call(boolean chat, String model, Generation generation, int n, Integer topLogprobs, boolean stream,
            boolean includeUsage, boolean returnCandidates, Integer timeoutMs, String maxTokensField) {

        /**
         * The decoder's refusal in this client's fields: the decoder names rbon's own (n, max_new_tokens), while an
         * OpenAI client sent best_of (the pool) and max_tokens or max_completion_tokens.
         */
        Throwable inClientFields(Throwable failure) {
            Throwable e = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            if (!(e instanceof FieldException f)) {
                return failure;
            }
            String field = switch (f.field()) {
                case "n" -> "best_of";
                case "max_new_tokens" -> maxTokensField;
                default -> f.field();
            };
            return new FieldException(field, f.getMessage().replace("max_new_tokens", maxTokensField)
                    .replaceAll("\\bn=", "best_of="));
        }
    }

    private OpenAiValidation() {}

    static Call chat(ChatCompletionRequest r, RbonConfig.Limits limits) {
        RequestValidation v = new RequestValidation(limits);
        List<Generation.Message> messages = messages(v, r.messages());
        Integer maxTokens = r.maxTokens();
        if (r.maxCompletionTokens() != null) {
            if (maxTokens != null && !maxTokens.equals(r.maxCompletionTokens())) {
                v.fail("max_completion_tokens", "differs from max_tokens; give one of them");
            }
            maxTokens = r.maxCompletionTokens();
        }
        String tokensField = r.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        Integer top = null;
        if (Boolean.TRUE.equals(r.logprobs())) {
            top = r.topLogprobs() == null ? 0 : v.range("top_logprobs", r.topLogprobs(), 0, 0, MAX_TOP_LOGPROBS);
        } else if (r.topLogprobs() != null && r.topLogprobs() > 0) {
            v.fail("top_logprobs", "needs logprobs: true");
        }
        Pool pool = pool(v, limits, new Fields(r.n(), r.bestOf(), maxTokens, tokensField,
                SamplingParams.DEFAULT_MAX_NEW_TOKENS, r.temperature(), r.topP(), r.topK(), r.epsilon(),
                r.noRepeatNgramSize(), r.stop(), r.seed(), r.method(), r.beta(), r.klBudget(), r.rewardNormalization(),
                r.rewardAggregation(), r.rewardStdWeight(), r.prune(), r.timeoutMs()));
        v.throwIfAny();
        Generation g = Generation.sample(null, messages, pool.sampling(), pool.bestOf(), pool.method(), pool.beta(),
                pool.normalization()).returning(pool.n(), top).pruning(pool.prune()).withKlBudget(pool.klBudget())
                .aggregating(pool.aggregation(), pool.stdWeight());
        return new Call(true, r.model(), g, pool.n(), top, Boolean.TRUE.equals(r.stream()),
                r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage()),
                Boolean.TRUE.equals(r.returnCandidates()), r.timeoutMs(), tokensField);
    }

    static Call completion(CompletionRequest r, RbonConfig.Limits limits) {
        RequestValidation v = new RequestValidation(limits);
        String prompt = prompt(v, r.prompt());
        if (Boolean.TRUE.equals(r.returnTokenIds()) || r.promptLogprobs() != null || Boolean.TRUE.equals(r.echo())) {
            String field = r.promptLogprobs() != null ? "prompt_logprobs"
                    : Boolean.TRUE.equals(r.echo()) ? "echo" : "return_token_ids";
            v.fail(field, "is served only with the samples in order: no method, beta, reward_normalization, "
                    + "reward_aggregation, reward_std_weight, return_candidates or prune, and best_of equal to n or "
                    + "left out");
        }
        Integer top = r.logprobs() == null ? null : v.range("logprobs", r.logprobs(), 0, 0, MAX_TOP_LOGPROBS);
        Pool pool = pool(v, limits, new Fields(r.n(), r.bestOf(), r.maxTokens(), "max_tokens",
                COMPLETIONS_MAX_TOKENS, r.temperature(), r.topP(), r.topK(), r.epsilon(), r.noRepeatNgramSize(),
                r.stop(), r.seed(), r.method(), r.beta(), r.klBudget(), r.rewardNormalization(), r.rewardAggregation(),
                r.rewardStdWeight(), r.prune(), r.timeoutMs()));
        v.throwIfAny();
        Generation g = Generation.sample(prompt, null, pool.sampling(), pool.bestOf(), pool.method(), pool.beta(),
                pool.normalization()).returning(pool.n(), top).pruning(pool.prune()).withKlBudget(pool.klBudget())
                .aggregating(pool.aggregation(), pool.stdWeight());
        return new Call(false, r.model(), g, pool.n(), top, Boolean.TRUE.equals(r.stream()),
                r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage()),
                Boolean.TRUE.equals(r.returnCandidates()), r.timeoutMs(), "max_tokens");
    }

    /** The fields both routes share. */
    private record Fields(Integer n, Integer bestOf, Integer maxTokens, String maxTokensField, int defaultMaxTokens,
            Double temperature, Double topP, Integer topK, Double epsilon, Integer noRepeatNgramSize, JsonNode stop,
            Long seed, String method, Double beta, Double klBudget, String rewardNormalization, String rewardAggregation,
            Double rewardStdWeight, GenerateRequest.Prune prune, Integer timeoutMs) {}

    private record Pool(int n, int bestOf, SamplingParams sampling, Method method, double beta, Double klBudget,
            RewardNormalization normalization, RewardAggregation aggregation, double stdWeight, Prune prune) {}

    private static Pool pool(RequestValidation v, RbonConfig.Limits limits, Fields f) {
        int n = v.range("n", f.n(), 1, 1, limits.maxN());
        int bestOf = v.range("best_of", f.bestOf(), Math.max(RequestValidation.DEFAULT_N, n), 1, limits.maxN());
        if (n > bestOf) {
            v.fail("n", "must be <= best_of (" + bestOf + "), got " + n);
        }
        Method method = v.method(f.method());
        Double klBudget = v.klBudget(method, f.klBudget(), f.beta());
        double beta = klBudget != null ? 0 : v.beta(method, f.beta());
        int maxTokens = v.range(f.maxTokensField(), f.maxTokens(), Math.min(f.defaultMaxTokens(),
                limits.maxNewTokens()), 1, limits.maxNewTokens());
        SamplingParams sampling = v.sampling(f.temperature(), f.topP(), f.topK(), f.epsilon(), f.noRepeatNgramSize(),
                maxTokens, stopStrings(v, f.stop()), f.seed());
        v.timeout(f.timeoutMs());
        RewardNormalization normalization = v.normalization(f.rewardNormalization());
        return new Pool(n, bestOf, sampling, method, beta, klBudget, normalization,
                v.aggregation(f.rewardAggregation()), v.stdWeight(f.rewardStdWeight()), v.prune(f.prune()));
    }

    /** OpenAI's stop: a string, an array of strings, or null. */
    static List<String> stopStrings(RequestValidation v, JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return null;
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (!stop.isArray()) {
            v.fail("stop", "must be a string or an array of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isTextual()) {
                v.fail("stop[" + i + "]", "must be a string");
            } else {
                out.add(stop.get(i).asText());
            }
        }
        return out;
    }

    /** A string, or a list holding exactly one string (token-id prompts are not supported). */
    private static String prompt(RequestValidation v, JsonNode prompt) {
        JsonNode text = prompt != null && prompt.isArray() && prompt.size() == 1 ? prompt.get(0) : prompt;
        if (text == null || text.isNull()) {
            v.fail("prompt", "is required");
            return null;
        }
        if (!text.isTextual()) {
            v.fail("prompt", "must be a string with a method (token ids and batches of prompts are served only with"
                    + " the samples in order: no method and best_of equal to n or left out)");
            return null;
        }
        v.prompt(text.asText());
        return text.asText();
    }

    private static List<Generation.Message> messages(RequestValidation v, List<ChatCompletionRequest.Message> messages) {
        List<Generation.Message> turns = new ArrayList<>();
        if (messages == null || messages.isEmpty()) {
            v.fail("messages", "must hold at least one message");
            return turns;
        }
        for (int i = 0; i < messages.size(); i++) {
            ChatCompletionRequest.Message m = messages.get(i);
            String role = m == null || m.role() == null ? null : ROLES.get(m.role());
            String content = m == null ? null : content(v, "messages[" + i + "].content", m.content());
            if (role == null) {
                v.fail("messages[" + i + "].role", "must be system, developer, user or assistant");
            } else if (content != null) {
                turns.add(new Generation.Message(role, content));
            }
        }
        return turns;
    }

    /** A string, or text parts ({@code [{"type": "text", "text": "..."}]}) joined without separator. */
    private static String content(RequestValidation v, String field, JsonNode content) {
        if (content == null || content.isNull()) {
            v.fail(field, "is required");
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            v.fail(field, "must be a string or a list of text parts");
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                v.fail(field + "[" + j + "]", "only text parts ({type: text, text}) are supported");
                return null;
            }
            text.append(part.get("text").asText());
        }
        return text.toString();
    }
}
