package dev.rbon.api;

import dev.rbon.RbonConfig;
import dev.rbon.decode.Generation;
import dev.rbon.sample.SamplingParams;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import dev.rbon.select.RewardAggregation;
import dev.rbon.select.RewardNormalization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.DoublePredicate;

/**
 * Turns a request into a {@link Generation}, checking every value against its rule and the configured limits.
 * All offending fields are reported together (HTTP 422), each by its JSON name.
 */
public final class RequestValidation {

    public static final String DEFAULT_METHOD = "bon";
    public static final int DEFAULT_N = 8;
    /** vLLM's _SAMPLING_EPS: a positive temperature below it is greedy decoding, as vLLM treats it. */
    static final double GREEDY_BELOW = 1e-5;
    /** Stop strings are searched for after every token of every candidate. */
    static final int MAX_STOP_STRINGS = 4;

    private final RbonConfig.Limits limits;
    private final List<Problem.FieldError> errors = new ArrayList<>();

    public RequestValidation(RbonConfig.Limits limits) {
        this.limits = limits;
    }

    static Generation generation(GenerateRequest r, RbonConfig.Limits limits) {
        RequestValidation v = new RequestValidation(limits);
        List<Generation.Message> messages = v.promptOrMessages(r.prompt(), r.messages());
        Method method = v.method(r.method());
        Double klBudget = v.klBudget(method, r.klBudget(), r.beta());
        double beta = klBudget != null ? 0 : v.beta(method, r.beta());
        int n = v.range("n", r.n(), DEFAULT_N, 1, limits.maxN());
        int maxNewTokens = v.range("max_new_tokens", r.maxNewTokens(), SamplingParams.DEFAULT_MAX_NEW_TOKENS, 1,
                limits.maxNewTokens());
        SamplingParams sampling = v.sampling(r.temperature(), r.topP(), r.topK(), r.epsilon(), r.noRepeatNgramSize(),
                maxNewTokens, r.stop(), r.seed());
        v.timeout(r.timeoutMs());
        RewardNormalization normalization = v.normalization(r.rewardNormalization());
        RewardAggregation aggregation = v.aggregation(r.rewardAggregation());
        double stdWeight = v.stdWeight(r.rewardStdWeight());
        Prune prune = v.prune(r.prune());
        v.throwIfAny();
        return Generation.sample(r.prompt(), messages, sampling, n, method, beta, normalization).pruning(prune)
                .withKlBudget(klBudget).aggregating(aggregation, stdWeight);
    }

    static Generation select(SelectRequest r, RbonConfig.Limits limits) {
        RequestValidation v = new RequestValidation(limits);
        List<Generation.Message> messages = v.promptOrMessages(r.prompt(), r.messages());
        Method method = v.method(r.method());
        Double klBudget = v.klBudget(method, r.klBudget(), r.beta());
        double beta = klBudget != null ? 0 : v.beta(method, r.beta());
        v.candidates(r.candidates());
        v.timeout(r.timeoutMs());
        RewardNormalization normalization = v.normalization(r.rewardNormalization());
        RewardAggregation aggregation = v.aggregation(r.rewardAggregation());
        double stdWeight = v.stdWeight(r.rewardStdWeight());
        v.throwIfAny();
        return Generation.select(r.prompt(), messages, r.candidates(), method, beta, normalization, r.seed())
                .withKlBudget(klBudget).aggregating(aggregation, stdWeight);
    }

    /**
     * The sampling fields every route shares, each checked against its range (errors recorded, named as on the
     * wire); null when one was refused, so the caller's {@link #throwIfAny} reports them all together.
     */
    public SamplingParams sampling(Double temperature, Double topP, Integer topK, Double epsilon,
            Integer noRepeatNgramSize, int maxNewTokens, List<String> stop, Long seed) {
        double t = number("temperature", temperature, SamplingParams.DEFAULT_TEMPERATURE, x -> x >= 0,
                "must be >= 0 (0, or below " + GREEDY_BELOW + ", is greedy)");
        t = t < GREEDY_BELOW ? 0 : t;
        double p = number("top_p", topP, SamplingParams.DEFAULT_TOP_P, x -> x > 0 && x <= 1, "must be in (0, 1]");
        int k = range("top_k", topK, SamplingParams.DEFAULT_TOP_K, 0, Integer.MAX_VALUE);
        double e = number("epsilon", epsilon, SamplingParams.DEFAULT_EPSILON, x -> x >= 0 && x < 1,
                "must be in [0, 1)");
        int noRepeat = range("no_repeat_ngram_size", noRepeatNgramSize, SamplingParams.DEFAULT_NO_REPEAT_NGRAM_SIZE,
                0, Integer.MAX_VALUE);
        List<String> stopStrings = stop(stop);
        try {
            return new SamplingParams(t, p, k, e, noRepeat, maxNewTokens, stopStrings, seed);
        } catch (IllegalArgumentException refused) {
            if (errors.isEmpty()) {
                throw refused; // a rule the checks above do not know: a bug here, not bad input
            }
            return null;
        }
    }

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    /** Exactly one of the two; the conversation's turns each with a known role and a text. */
    List<Generation.Message> promptOrMessages(String prompt, List<GenerateRequest.ChatMessage> messages) {
        if (messages == null || (messages.isEmpty() && prompt != null)) { // generated clients send [] by default
            prompt(prompt);
            return null;
        }
        if (prompt != null) {
            fail("messages", "give prompt or messages, not both");
        }
        if (messages.isEmpty()) {
            fail("messages", "must hold at least one message");
        }
        List<Generation.Message> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            GenerateRequest.ChatMessage m = messages.get(i);
            if (m == null || m.role() == null || !ROLES.contains(m.role())) {
                fail("messages[" + i + "].role", "must be system, user or assistant");
            } else if (m.content() == null) {
                fail("messages[" + i + "].content", "is required");
            } else {
                turns.add(new Generation.Message(m.role(), m.content()));
            }
        }
        return turns;
    }

    public void prompt(String prompt) {
        prompt(prompt, "prompt");
    }

    public void prompt(String prompt, String field) {
        if (prompt == null) {
            fail(field, "is required");
        } else if (prompt.isEmpty()) { // whitespace is a prompt (vLLM takes it); one with no tokens fails later
            fail(field, "must not be empty");
        }
    }

    public Method method(String name) {
        try {
            return Method.fromWire(name == null ? DEFAULT_METHOD : name);
        } catch (IllegalArgumentException e) {
            fail("method", e.getMessage());
            return null;
        }
    }

    public double beta(Method method, Double beta) {
        double value = beta == null ? 0.0 : beta;
        if (!Double.isFinite(value) || value < 0) {
            fail("beta", "must be a finite number >= 0, got " + value);
        } else if (method != null) {
            try {
                method.checkBeta(value);
            } catch (IllegalArgumentException e) {
                fail("beta", e.getMessage());
            }
        }
        return value;
    }

    /**
     * kl_budget: null when absent (beta rules); else a finite number >= 0 of nats, on srbon_kl, soft_bon or bop,
     * given instead of beta.
     */
    public Double klBudget(Method method, Double klBudget, Double beta) {
        if (klBudget == null) {
            return null;
        }
        if (!Double.isFinite(klBudget) || klBudget < 0) {
            fail("kl_budget", "must be a finite number >= 0 (nats), got " + klBudget);
        } else if (method != null && method != Method.SRBON_KL && method != Method.SOFT_BON
                && method != Method.BOP) {
            fail("kl_budget", "applies to srbon_kl, soft_bon and bop, not " + method.wireName());
        }
        if (beta != null) {
            fail("kl_budget", "give beta or kl_budget, not both: kl_budget sets beta");
        }
        return klBudget;
    }

    public int range(String field, Integer value, int fallback, int min, int max) {
        int v = value == null ? fallback : value;
        if (v < min || v > max) {
            fail(field, max == Integer.MAX_VALUE ? "must be >= " + min + ", got " + v
                    : "must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    public double number(String field, Double value, double fallback, DoublePredicate ok,
            String rule) {
        double v = value == null ? fallback : value;
        if (!Double.isFinite(v) || !ok.test(v)) {
            fail(field, rule + ", got " + v);
        }
        return v;
    }

    public List<String> stop(List<String> stop) {
        if (stop == null) {
            return List.of();
        }
        if (stop.size() > MAX_STOP_STRINGS) {
            fail("stop", "at most " + MAX_STOP_STRINGS + " stop strings, got " + stop.size());
        }
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i) == null || stop.get(i).isEmpty()) {
                fail("stop[" + i + "]", "must be a non-empty string");
            }
        }
        return stop.stream().filter(s -> s != null && !s.isEmpty()).toList();
    }

    public void timeout(Integer timeoutMs) {
        if (timeoutMs != null && timeoutMs < 1) {
            fail("timeout_ms", "must be >= 1, got " + timeoutMs);
        }
    }

    public void candidates(List<String> candidates) {
        if (candidates == null || candidates.isEmpty()) {
            fail("candidates", "must hold at least one candidate");
            return;
        }
        if (candidates.size() > limits.maxN()) {
            fail("candidates", "at most " + limits.maxN() + " candidates, got " + candidates.size());
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i) == null) {
                fail("candidates[" + i + "]", "must be a string");
            }
        }
    }

    /**
     * prune: null (absent, or JSON null as for every other field) is none; else both fields, every >= 1 and keep in
     * (0, 1], each refusal named {@code prune.every} or {@code prune.keep}. Null when refused.
     */
    public Prune prune(GenerateRequest.Prune prune) {
        if (prune == null) {
            return null;
        }
        int before = errors.size();
        int every = 0;
        double keep = 0;
        if (prune.every() == null) {
            fail("prune.every", "is required");
        } else {
            every = range("prune.every", prune.every(), 0, 1, Integer.MAX_VALUE);
        }
        if (prune.keep() == null) {
            fail("prune.keep", "is required");
        } else {
            keep = number("prune.keep", prune.keep(), 0, x -> x > 0 && x <= 1, "must be in (0, 1]");
        }
        return errors.size() > before ? null : new Prune(every, keep);
    }

    public RewardNormalization normalization(String name) {
        try {
            return RewardNormalization.fromWire(name == null ? "none" : name);
        } catch (IllegalArgumentException e) {
            fail("reward_normalization", e.getMessage());
            return null;
        }
    }

    /** reward_aggregation: absent or null is mean. Null when refused. */
    public RewardAggregation aggregation(String name) {
        try {
            return RewardAggregation.fromWire(name == null ? RewardAggregation.MEAN.wireName() : name);
        } catch (IllegalArgumentException e) {
            fail("reward_aggregation", e.getMessage());
            return null;
        }
    }

    /**
     * reward_std_weight: absent or null is 1; finite and >= 0 whatever the aggregation (only mean_minus_std reads
     * it), as beta is checked for the methods that ignore it.
     */
    public double stdWeight(Double weight) {
        return number("reward_std_weight", weight, RewardAggregation.DEFAULT_STD_WEIGHT, w -> w >= 0,
                "must be a finite number >= 0");
    }

    public void fail(String field, String message) {
        errors.add(new Problem.FieldError(field, message));
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }

    /** A missing body (no JSON object at all) as the 422 naming "body". */
    public static <T> T requireBody(T request) {
        if (request == null) {
            throw InvalidRequestException.of("body", "a JSON object is required");
        }
        return request;
    }

    /** The deadline a calling rbon sent in its X-Request-Timeout-Ms header (Backend.DEADLINE_HEADER), if any. */
    public static Duration deadlineHeader(Long headerMs) {
        if (headerMs == null) {
            return null;
        }
        if (headerMs <= 0) {
            throw InvalidRequestException.of("X-Request-Timeout-Ms", "must be a positive number of milliseconds");
        }
        return Duration.ofMillis(headerMs);
    }
}
