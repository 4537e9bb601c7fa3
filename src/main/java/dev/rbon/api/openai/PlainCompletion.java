package dev.rbon.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.RbonConfig;
import dev.rbon.api.RequestValidation;
import dev.rbon.decode.PlainDecoder;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * /v1/completions as a plain engine answers it (vLLM's shape), for a front rbon whose policy or reference is this
 * server: every sample in sample order, no method. Asked for by a request with no rbon field (method, beta,
 * kl_budget, reward_normalization, reward_aggregation, reward_std_weight, return_candidates, prune) and either
 * {@code best_of == n}, or no best_of and a field only an engine's client sends: a token-id prompt or a batch of
 * prompts, {@code return_token_ids}, {@code prompt_logprobs}, {@code echo}. Then best_of is n, as in vLLM (whose
 * V1 has no best_of at all).
 */
final class PlainCompletion {

    /** The call: what the engine computes, and what the answer shows. */
    record Call(PlainDecoder.Ask ask, boolean returnTokenIds, boolean echo, boolean promptLogprobs,
            Integer timeoutMs, boolean stream, boolean includeUsage) {}

    /** vLLM's prompt shapes. */
    static final String PROMPT_SHAPES = "must be a text, a list of texts, a list of token ids or a list of token-id"
            + " lists";

    private PlainCompletion() {}

    static boolean asked(CompletionRequest r) {
        boolean rbonFields = r.method() != null || r.beta() != null || r.klBudget() != null
                || r.rewardNormalization() != null || r.rewardAggregation() != null || r.rewardStdWeight() != null
                || Boolean.TRUE.equals(r.returnCandidates()) || r.prune() != null;
        int n = r.n() == null ? 1 : r.n();
        return !rbonFields && (r.bestOf() == null ? engineOnly(r) : r.bestOf() == n);
    }

    /** Fields only this mode serves: with a method they are refused by name. */
    static boolean engineOnly(CompletionRequest r) {
        JsonNode prompt = r.prompt();
        boolean plainPrompt = prompt == null || prompt.isTextual()
                || (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual());
        return !plainPrompt || Boolean.TRUE.equals(r.returnTokenIds()) || r.promptLogprobs() != null
                || Boolean.TRUE.equals(r.echo());
    }

    static Call validate(CompletionRequest r, RbonConfig.Limits limits) {
        RequestValidation v = new RequestValidation(limits);
        List<PlainDecoder.Prompt> prompts = prompts(v, r.prompt(), limits.maxN());
        int n = v.range("n", r.n(), 1, 1, limits.maxN());
        int maxTokens = v.range("max_tokens", r.maxTokens(), Math.min(OpenAiValidation.COMPLETIONS_MAX_TOKENS,
                limits.maxNewTokens()), 1, limits.maxNewTokens());
        Integer logprobs = r.logprobs() == null ? null
                : v.range("logprobs", r.logprobs(), 0, 0, OpenAiValidation.MAX_TOP_LOGPROBS);
        Integer promptLogprobs = r.promptLogprobs() == null ? null
                : v.range("prompt_logprobs", r.promptLogprobs(), 0, 0, OpenAiValidation.MAX_TOP_LOGPROBS);
        SamplingParams sampling = v.sampling(r.temperature(), r.topP(), r.topK(), r.epsilon(), r.noRepeatNgramSize(),
                maxTokens, OpenAiValidation.stopStrings(v, r.stop()), r.seed());
        if (Boolean.FALSE.equals(r.skipSpecialTokens())) {
            v.fail("skip_special_tokens", "only true: rbon's texts leave special tokens out");
        }
        v.timeout(r.timeoutMs());
        v.throwIfAny();
        boolean echo = Boolean.TRUE.equals(r.echo());
        // echo with logprobs reports the prompt's tokens too, as vLLM does (one scoring pass serves both)
        Integer promptTokens = promptLogprobs;
        if (echo && logprobs != null) {
            promptTokens = promptLogprobs == null ? logprobs : Math.max(promptLogprobs, logprobs);
        }
        return new Call(new PlainDecoder.Ask(r.model(), prompts, n, sampling, logprobs, promptTokens),
                Boolean.TRUE.equals(r.returnTokenIds()), echo, promptLogprobs != null, r.timeoutMs(),
                Boolean.TRUE.equals(r.stream()),
                r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage()));
    }

    /** A text, texts, token ids, or token-id lists (vLLM's prompt shapes). */
    private static List<PlainDecoder.Prompt> prompts(RequestValidation v, JsonNode prompt, int maxPrompts) {
        List<PlainDecoder.Prompt> out = new ArrayList<>();
        if (prompt == null || prompt.isNull()) {
            v.fail("prompt", "is required");
            return out;
        }
        if (prompt.isTextual()) {
            out.add(new PlainDecoder.Prompt(prompt.asText(), null));
            return out;
        }
        if (!prompt.isArray() || prompt.isEmpty()) {
            v.fail("prompt", prompt.isArray() ? "must not be empty" : PROMPT_SHAPES);
            return out;
        }
        if (prompt.get(0).isIntegralNumber()) {
            long[] ids = ids(v, prompt, "prompt");
            out.add(new PlainDecoder.Prompt(null, ids));
            return out;
        }
        if (prompt.size() > maxPrompts) {
            v.fail("prompt", "holds " + prompt.size() + " prompts, over the limit of " + maxPrompts
                    + " (rbon.limits.max-n)");
            return out;
        }
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode one = prompt.get(i);
            if (one.isTextual()) {
                out.add(new PlainDecoder.Prompt(one.asText(), null));
            } else if (one.isArray() && !one.isEmpty()) {
                out.add(new PlainDecoder.Prompt(null, ids(v, one, "prompt[" + i + "]")));
            } else {
                v.fail("prompt[" + i + "]", "must be a text or a non-empty list of token ids");
            }
        }
        return out;
    }

    private static long[] ids(RequestValidation v, JsonNode array, String field) {
        long[] ids = new long[array.size()];
        for (int t = 0; t < ids.length; t++) {
            if (!array.get(t).isIntegralNumber() || !array.get(t).canConvertToLong()) {
                v.fail(field + "[" + t + "]", "must be a token id (an integer)");
            } else {
                ids[t] = array.get(t).asLong();
            }
        }
        return ids;
    }

    // ---- the answer, in vLLM's shape

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Completion(String id, String object, long created, String model, List<Choice> choices,
            OpenAiResponses.Usage usage) {}

    /** vLLM's choice; {@code logprobs} is written as null when not asked, as vLLM writes it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Choice(int index, String text, @JsonInclude(JsonInclude.Include.ALWAYS) Logprobs logprobs,
            String finishReason, @JsonInclude(JsonInclude.Include.ALWAYS) String stopReason, List<Long> tokenIds,
            List<Map<String, Map<String, Object>>> promptLogprobs, List<Long> promptTokenIds) {}

    /** The legacy completions logprobs; a position without a log-prob (echo's first token) holds nulls. */
    record Logprobs(List<Integer> textOffset, List<Double> tokenLogprobs, List<String> tokens,
            List<Map<String, Double>> topLogprobs) {}

    static Completion response(Call call, PlainDecoder.Result result) {
        List<Choice> choices = new ArrayList<>();
        int prompt = 0;
        int completion = 0;
        int lastPrompt = -1;
        for (int c = 0; c < result.choices().size(); c++) {
            PlainDecoder.Choice choice = result.choices().get(c);
            SampledSequence sample = choice.sample();
            if (choice.prompt() != lastPrompt) {
                prompt += choice.promptIds().length;
                lastPrompt = choice.prompt();
            }
            completion += sample.tokenIds().length;
            String text = call.echo() ? choice.promptText() + sample.text() : sample.text();
            choices.add(new Choice(c, text, logprobs(call, choice), sample.finishReason().wireName(), null,
                    call.returnTokenIds() ? boxed(sample.tokenIds()) : null,
                    call.promptLogprobs() ? promptLogprobs(choice.promptTokens()) : null,
                    call.returnTokenIds() || call.promptLogprobs() ? boxed(choice.promptIds()) : null));
        }
        return new Completion("cmpl-" + UUID.randomUUID(), "text_completion", System.currentTimeMillis() / 1000,
                result.model(), choices, new OpenAiResponses.Usage(prompt, completion, prompt + completion));
    }

    /**
     * The same answer as SSE chunks in vLLM's completion-chunk shape, sent once every sample is done: per choice
     * one chunk with its whole text, log-probs and finish reason; then, if asked, a usage chunk with no choices.
     */
    static List<Completion> chunks(Call call, PlainDecoder.Result result) {
        Completion whole = response(call, result);
        List<Completion> chunks = new ArrayList<>();
        for (Choice choice : whole.choices()) {
            chunks.add(new Completion(whole.id(), whole.object(), whole.created(), whole.model(), List.of(choice),
                    null));
        }
        if (call.includeUsage()) {
            chunks.add(new Completion(whole.id(), whole.object(), whole.created(), whole.model(), List.of(),
                    whole.usage()));
        }
        return chunks;
    }

    private static Logprobs logprobs(Call call, PlainDecoder.Choice choice) {
        if (choice.tokens() == null) {
            return null;
        }
        List<Integer> offsets = new ArrayList<>();
        List<Double> logprobs = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<Map<String, Double>> top = new ArrayList<>();
        int offset = 0;
        if (call.echo()) {
            for (PlainDecoder.Token t : choice.promptTokens()) {
                offset = add(t, offset, offsets, logprobs, tokens, top);
            }
            offset = choice.promptText().length();
        }
        for (PlainDecoder.Token t : choice.tokens()) {
            offset = add(t, offset, offsets, logprobs, tokens, top);
        }
        return new Logprobs(offsets, logprobs, tokens, top);
    }

    private static int add(PlainDecoder.Token t, int offset, List<Integer> offsets, List<Double> logprobs,
            List<String> tokens, List<Map<String, Double>> top) {
        offsets.add(offset);
        tokens.add(t.text());
        if (Double.isNaN(t.logprob())) { // the prompt's first token
            logprobs.add(null);
            top.add(null);
            return offset + t.text().length();
        }
        logprobs.add(t.logprob());
        Map<String, Double> alternatives = new LinkedHashMap<>();
        alternatives.put(t.text(), t.logprob()); // vLLM lists the sampled token among them, also at logprobs 0
        t.top().forEach(a -> alternatives.putIfAbsent(a.text(), a.logprob()));
        top.add(alternatives);
        return offset + t.text().length();
    }

    /** Per prompt position: null at the first, else {"<token id>": {logprob, rank?, decoded_token}}. */
    private static List<Map<String, Map<String, Object>>> promptLogprobs(List<PlainDecoder.Token> tokens) {
        List<Map<String, Map<String, Object>>> out = new ArrayList<>();
        for (PlainDecoder.Token t : tokens) {
            if (Double.isNaN(t.logprob())) {
                out.add(null);
                continue;
            }
            Map<String, Map<String, Object>> position = new LinkedHashMap<>();
            position.put(Long.toString(t.id()), entry(t, rank(t)));
            for (int j = 0; j < t.top().size(); j++) {
                position.putIfAbsent(Long.toString(t.top().get(j).id()), entry(t.top().get(j), j + 1));
            }
            out.add(position);
        }
        return out;
    }

    private static Integer rank(PlainDecoder.Token t) {
        for (int j = 0; j < t.top().size(); j++) {
            if (t.top().get(j).id() == t.id()) {
                return j + 1;
            }
        }
        return null; // outside the alternatives asked for: not computed
    }

    private static Map<String, Object> entry(PlainDecoder.Token t, Integer rank) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("logprob", t.logprob());
        if (rank != null) {
            e.put("rank", rank);
        }
        e.put("decoded_token", t.text());
        return e;
    }

    private static List<Long> boxed(long[] ids) {
        List<Long> out = new ArrayList<>(ids.length);
        for (long id : ids) {
            out.add(id);
        }
        return out;
    }
}
