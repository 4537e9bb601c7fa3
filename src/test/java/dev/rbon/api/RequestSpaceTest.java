package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole valid request space over real HTTP, with a canary (issue 18).
 *
 * <p>Cases are drawn from every route's grammar (rbon's /v1/generate and /v1/select, the OpenAI routes
 * /v1/chat/completions and /v1/completions in pool and engine mode, streamed and not, Cohere's /v1/rerank, vLLM's
 * /classify and /v1/embeddings), each field from its boundary values (prune too, issue 20: on the routes that
 * decode, and refused where the candidates are supplied), and about 40% of them carry one or two invalid
 * values (out of range, wrong JSON type, unknown field, empty string, missing). Every case knows what it expects:
 * 200 and a well-formed body (SSE ending with {@code data: [DONE]}), or a 4xx that names an offending field
 * (problem+json {@code errors[].field} on rbon's routes, {@code error.param} on the OpenAI ones). Never a 5xx. The
 * rules are vLLM's edge semantics: whitespace-only prompts and tiny temperatures are valid, and so is a streamed
 * /v1/completions without a method.
 *
 * <p>Every batch of cases is sent concurrently beside a seeded canary ({@code /v1/generate}, rbon_kl, n 16, seed 42,
 * 12 tokens) that shares the decoding steps with them (continuous batching); the canary's candidates and choice
 * must equal its answer alone on the idle server.
 *
 * <p>The generator is our own, seeded per case ({@link Gen}), so a failure's printed seed replays it exactly, and the
 * HTTP test is a plain Jupiter {@code @Test} inside the running server; {@link RequestSpaceGeneratorTest} checks the
 * generator and its oracle on their own.
 *
 * <p>Knobs (system properties, passed through by surefire): {@code fuzz.seed} (the run, default
 * {@value #DEFAULT_SEED}), {@code fuzz.cases} (default {@value #DEFAULT_CASES}), {@code fuzz.batch}
 * (concurrent cases beside the canary, default {@value #DEFAULT_BATCH}), {@code fuzz.case} (replay one case by
 * the seed a failure prints; it is sent {@value #REPLAYS} times beside the canary).
 *
 * <p>The profile is {@link ChatMessagesTest.ChatPolicy} (the hf-tiny llama with a ChatML template; the default one
 * has no chat template, so every chat request would be refused): OpenAiSdkTest and ChatMessagesTest use it too, so
 * it adds no Quarkus restart to the suite.
 */
@QuarkusTest
@TestProfile(ChatMessagesTest.ChatPolicy.class)
class RequestSpaceTest {

    static final long DEFAULT_SEED = 18;
    static final int DEFAULT_CASES = 500;
    static final int DEFAULT_BATCH = 6;
    static final int REPLAYS = 3;
    /** rbon.limits.max-n and max-new-tokens as the test profile leaves them (defaults). */
    static final int MAX_N = 64;
    static final int MAX_NEW_TOKENS = 256;
    /** The hf-tiny llama's vocabulary. */
    static final int VOCAB = 512;

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    // ------------------------------------------------------------------------------------------ the cases

    enum Expect {
        /** 200 and a well-formed body. */
        VALID,
        /** a 4xx naming one of {@link Case#fields}. */
        INVALID,
        /** a 400 on a body that is not a JSON object; no field to name. */
        MALFORMED,
        /**
         * named in DESIGN.md but not (yet) served, or a prompt past the policy's length: 200, or a 4xx naming one of
         * the fields.
         */
        EITHER
    }

    /** One request: where, what, and what it must get. */
    record Case(long seed, String route, String body, boolean stream, int choices, Expect expect, Set<String> fields) {
        String describe() {
            return "case " + Long.toUnsignedString(seed) + ": POST " + route + " " + body + " (expect " + expect
                    + (fields.isEmpty() ? "" : " naming " + fields) + ")";
        }
    }

    /** The ids the server answers to (the chat policy's folder has a random name). */
    record Env(String policy, String reward) {}

    /** Every random choice of a case, from one seed. */
    static final class Gen {
        final SplittableRandom r;

        Gen(long seed) {
            r = new SplittableRandom(seed);
        }

        boolean chance(double p) {
            return r.nextDouble() < p;
        }

        int between(int lo, int hi) {
            return lo + r.nextInt(hi - lo + 1);
        }

        @SafeVarargs
        final <T> T pick(T... values) {
            return values[r.nextInt(values.length)];
        }

        <T> T pick(List<T> values) {
            return values.get(r.nextInt(values.size()));
        }
    }

    /** A request being drawn: its body, and what the values put in it make it expect. */
    static final class Draft {
        final String route;
        final ObjectNode body = NODES.objectNode();
        final Set<String> fields = new TreeSet<>();
        Expect expect = Expect.VALID;
        boolean stream;
        int choices = 1;
        String raw;

        Draft(String route) {
            this.route = route;
        }

        /** A value that makes the request invalid, naming {@code field}. */
        void invalid(String field) {
            if (expect != Expect.MALFORMED) {
                expect = Expect.INVALID;
            }
            fields.add(field);
        }

        void either(String field) {
            if (expect == Expect.VALID) {
                expect = Expect.EITHER;
            }
            fields.add(field);
        }

        Case toCase(long seed) {
            String text = raw != null ? raw : body.toString();
            return new Case(seed, route, text, stream, choices, expect, Set.copyOf(fields));
        }
    }

    // the values of each field, boundaries first

    static final List<String> PROMPTS = List.of("The licence grants you", "what is 3 plus 5 ?", "a", "x y z",
            "Once upon a time there was a cat", "日本語のテキストです", "Ünïcödé façade — naïve ß", "🙂🚀 emoji",
            "مرحبا بالعالم", "{{ 7*7 }}", "{% if %}", "{% for x in y %}{{ x }}{% endfor %}", "<|im_start|>user",
            "</s><s>", "line one\nline two\n\n", "\ttabbed\tprompt", "  leading and trailing  ", "\u0000nul",
            "zero\u200bwidth", "the the the the the the the the the the the the the the the the the the");
    /** Whitespace only: refused today, valid in the target (vLLM takes them). */
    static final List<String> BLANK_PROMPTS = List.of(" ", "   ", "\n", "\t", " \n\t ", "\u00a0", "\r\n");
    static final List<String> STOPS = List.of("\n", " ", ".", "a", "e", "。", "🙂", "{{", "}}", "{% endif %}",
            "\t\n", "the", "ß", "</s>", "ab", " a");
    static final List<String> METHODS = List.of("bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd",
            "rbon_len", "random", "soft_bon", "bop", "self_certainty");
    /** The methods that divide by beta: 0 is refused. */
    static final List<String> POSITIVE_BETA = List.of("srbon_kl", "soft_bon");
    /** The methods whose beta a kl_budget may set instead. */
    static final List<String> KL_BUDGET_METHODS = List.of("srbon_kl", "soft_bon", "bop");
    static final List<String> UNKNOWN_METHODS = List.of("best", "BON", "rbon-kl", "", " bon", "none");
    static final double[] TEMPERATURES = {0, 1e-9, 1e-6, 1e-5, 5e-4, 9.99e-4, 1e-3, 0.3, 0.7, 1, 1.3, 2};
    static final double[] TOP_PS = {1e-6, 1e-3, 0.05, 0.5, 0.9, 0.999, 1};
    static final int[] TOP_KS = {0, 1, 2, 40, 511, 512, 1000, Integer.MAX_VALUE};
    static final double[] EPSILONS = {0, 1e-6, 3e-4, 0.01, 0.3, 0.999};
    static final double[] BETAS = {0, 1e-6, 0.1, 0.5, 1, 2, 10, 1e3};
    static final long[] SEEDS = {0, 1, 42, -1, Long.MAX_VALUE, Long.MIN_VALUE, 123456789};

    static int maxTokens(Gen g) {
        return g.chance(0.3) ? 1 : g.chance(0.5) ? g.pick(2, 3, 4, 8, 12, 16) : g.pick(24, 32, 48, 64, g.between(1, 64));
    }

    static int n(Gen g) {
        return g.chance(0.35) ? 1 : g.chance(0.8) ? g.pick(2, 3, 4, 5, 8, 16) : g.pick(32, 63, 64, g.between(1, 64));
    }

    static double temperature(Gen g) {
        return g.chance(0.7) ? TEMPERATURES[g.r.nextInt(TEMPERATURES.length)] : 2 * g.r.nextDouble();
    }

    static JsonNode raw(String literal) {
        return NODES.rawValueNode(new RawValue(literal));
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode a = NODES.arrayNode();
        values.forEach(a::add);
        return a;
    }

    static String prompt(Gen g) {
        return g.pick(PROMPTS);
    }

    /**
     * The sampling fields every generating route shares; {@code openAi}: stop may be a bare string. Each field is
     * present with some chance; an invalid value with a small one.
     */
    static void sampling(Gen g, Draft d, String maxTokensField, boolean openAi, double bad) {
        if (g.chance(0.85)) {
            d.body.put(maxTokensField, maxTokens(g));
        }
        if (g.chance(bad)) {
            switch (g.between(0, 3)) {
                case 0 -> d.body.put(maxTokensField, g.pick(0, -1, MAX_NEW_TOKENS + 1, 100000));
                case 1 -> d.body.put(maxTokensField, 2.5);
                case 2 -> d.body.put(maxTokensField, "8");
                default -> d.body.putNull(maxTokensField); // null is "absent" for a boxed field: still valid
            }
            if (!d.body.get(maxTokensField).isNull()) {
                d.invalid(maxTokensField);
            }
        }
        if (g.chance(0.6)) {
            d.body.put("temperature", temperature(g));
        }
        if (g.chance(bad)) {
            switch (g.between(0, 2)) {
                case 0 -> d.body.put("temperature", g.pick(-0.5, -1e-6, -2.0));
                case 1 -> d.body.set("temperature", raw("1e999"));
                default -> d.body.put("temperature", g.pick("hot", "0.7"));
            }
            d.invalid("temperature");
        }
        if (g.chance(0.4)) {
            d.body.put("top_p", g.chance(0.8) ? TOP_PS[g.r.nextInt(TOP_PS.length)] : 1e-6 + g.r.nextDouble() * (1 - 1e-6));
        }
        if (g.chance(bad)) {
            d.body.put("top_p", g.pick(0.0, -0.2, 1.0001, 1.5));
            d.invalid("top_p");
        }
        if (g.chance(0.35)) {
            d.body.put("top_k", TOP_KS[g.r.nextInt(TOP_KS.length)]);
        }
        if (g.chance(bad / 2)) {
            if (g.chance(0.5)) {
                d.body.put("top_k", -1);
            } else {
                d.body.put("top_k", 1.5);
            }
            d.invalid("top_k");
        }
        if (g.chance(0.3)) {
            d.body.put("epsilon", EPSILONS[g.r.nextInt(EPSILONS.length)]);
        }
        if (g.chance(bad / 2)) {
            d.body.put("epsilon", g.pick(1.0, -0.01, 1.5));
            d.invalid("epsilon");
        }
        if (g.chance(0.3)) {
            d.body.put("no_repeat_ngram_size", g.between(0, 4));
        }
        if (g.chance(bad / 2)) {
            d.body.put("no_repeat_ngram_size", g.pick(-1, -4));
            d.invalid("no_repeat_ngram_size");
        }
        if (g.chance(0.4)) {
            int k = g.between(1, 4);
            List<String> stops = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                stops.add(g.pick(STOPS));
            }
            if (openAi && k == 1 && g.chance(0.5)) {
                d.body.put("stop", stops.get(0));
            } else {
                d.body.set("stop", strings(stops));
            }
        }
        if (g.chance(bad)) {
            switch (g.between(0, 3)) {
                case 0 -> d.body.set("stop", strings(List.of("a", "b", "c", "d", "e")));
                case 1 -> d.body.set("stop", strings(List.of("x", "")));
                case 2 -> d.body.set("stop", NODES.arrayNode().add(7));
                default -> {
                    if (openAi) {
                        d.body.put("stop", 42);
                    } else {
                        d.body.put("stop", "bare string");
                    }
                }
            }
            d.invalid("stop");
        }
        if (g.chance(0.8)) {
            d.body.put("seed", g.chance(0.5) ? SEEDS[g.r.nextInt(SEEDS.length)] : g.r.nextLong());
        }
        if (g.chance(bad / 2)) {
            switch (g.between(0, 2)) {
                case 0 -> d.body.put("seed", "42");
                case 1 -> d.body.put("seed", 1.5);
                default -> d.body.set("seed", raw("18446744073709551616"));
            }
            d.invalid("seed");
        }
    }

    /**
     * method, beta or kl_budget, reward_normalization; srbon_kl and soft_bon need beta > 0 unless a kl_budget sets it.
     */
    static void selection(Gen g, Draft d, double bad, double presence) {
        String method = null;
        if (g.chance(presence)) {
            method = g.pick(METHODS);
            d.body.put("method", method);
        }
        boolean budgeted = method != null && KL_BUDGET_METHODS.contains(method) && g.chance(presence * 0.3);
        if (budgeted) {
            d.body.put("kl_budget", g.pick(0.0, 0.01, 0.3, 1.0, 2.5, 50.0));
        }
        if (g.chance(presence * (budgeted ? 0.1 : 0.8))) {
            double beta = BETAS[g.r.nextInt(BETAS.length)];
            d.body.put("beta", beta);
            if (budgeted) {
                d.invalid("kl_budget"); // beta or kl_budget, not both
            } else if (method != null && POSITIVE_BETA.contains(method) && beta == 0) {
                d.invalid("beta");
            }
        } else if (method != null && POSITIVE_BETA.contains(method) && !budgeted) {
            d.invalid("beta"); // default beta 0
        }
        if (g.chance(bad / 3)) {
            d.body.put("kl_budget", g.pick(-0.5, -1e-9));
            d.invalid("kl_budget");
        }
        if (g.chance(presence * 0.4)) {
            d.body.put("reward_normalization", g.pick("none", "zscore", "quantile"));
        }
        if (g.chance(bad)) {
            switch (g.between(0, 5)) {
                case 0 -> {
                    d.body.put("method", g.pick(UNKNOWN_METHODS));
                    d.invalid("method");
                }
                case 1 -> {
                    d.body.put("method", g.pick(UNKNOWN_METHODS));
                    d.invalid("method");
                }
                case 2 -> {
                    d.body.put("beta", g.pick(-1.0, -1e-9));
                    d.invalid("beta");
                }
                case 3 -> {
                    d.body.put("beta", "high");
                    d.invalid("beta");
                }
                case 4 -> {
                    d.body.put("reward_normalization", g.pick("minmax", "", "ZSCORE"));
                    d.invalid("reward_normalization");
                }
                default -> {
                    d.body.put("reward_normalization", "quantile");
                    d.either("reward_normalization");
                }
            }
        }
        rewardEnsemble(g, d, bad, presence);
    }

    static final double[] STD_WEIGHTS = {0, -0.0, 1e-9, 0.5, 1, 2.5, 1e6, 1e300};

    /**
     * reward_aggregation and reward_std_weight (issue 21): valid, null ("absent"), or invalid; the weight is checked
     * whatever the aggregation, as beta is for the methods that ignore it.
     */
    static void rewardEnsemble(Gen g, Draft d, double bad, double presence) {
        if (g.chance(presence * 0.3)) {
            if (g.chance(0.15)) {
                d.body.putNull("reward_aggregation");
            } else {
                d.body.put("reward_aggregation", g.pick("mean", "min", "mean_minus_std"));
            }
        }
        if (g.chance(presence * 0.3)) {
            if (g.chance(0.15)) {
                d.body.putNull("reward_std_weight");
            } else {
                d.body.put("reward_std_weight", STD_WEIGHTS[g.r.nextInt(STD_WEIGHTS.length)]);
            }
        }
        if (g.chance(bad / 2)) {
            switch (g.between(0, 5)) {
                case 0 -> d.body.put("reward_aggregation", g.pick("max", "", "MEAN", "mean-minus-std", " min"));
                case 1 -> d.body.put("reward_aggregation", g.pick(1, 0));
                case 2 -> d.body.put("reward_std_weight", g.pick(-1.0, -1e-9, -1e300));
                case 3 -> d.body.put("reward_std_weight", g.pick("1", "NaN", "Infinity", "high"));
                default -> d.body.set("reward_std_weight", raw(g.pick("1e999", "-1e999", "true", "[1]")));
            }
            d.invalid(d.body.has("reward_std_weight") && !validStdWeight(d.body.get("reward_std_weight"))
                    ? "reward_std_weight" : "reward_aggregation");
        }
    }

    private static boolean validStdWeight(JsonNode w) {
        return w.isNull() || (w.isNumber() && w.asDouble() >= 0 && Double.isFinite(w.asDouble()));
    }

    /** prompt: a string (sometimes whitespace only: valid in the target), or an invalid one. */
    static void promptField(Gen g, Draft d, String field, double bad) {
        d.body.put(field, g.chance(0.1) ? g.pick(BLANK_PROMPTS) : prompt(g));
        if (g.chance(0.03)) { // near or past the tiny policy's 256 positions: served, or refused naming the length
            d.body.put(field, "the cat sat on the mat . ".repeat(g.pick(12, 40, 90)));
            d.either(field);
            d.either("max_new_tokens");
            d.either("max_tokens");
        }
        if (g.chance(bad)) {
            switch (g.between(0, 3)) {
                case 0 -> d.body.put(field, "");
                case 1 -> d.body.remove(field);
                case 2 -> d.body.put(field, 42);
                default -> d.body.set(field, NODES.arrayNode().add(1).add(2));
            }
            d.invalid(field);
        }
    }

    static ArrayNode messages(Gen g, boolean openAi) {
        ArrayNode messages = NODES.arrayNode();
        int turns = g.chance(0.6) ? 1 : g.between(2, 4);
        for (int i = 0; i < turns; i++) {
            String role = i == 0 ? g.pick("system", "user", "user")
                    : g.pick(openAi ? List.of("user", "assistant", "system", "developer") : List.of("user", "assistant", "system"));
            if (i == 0 && openAi && g.chance(0.2)) {
                role = "developer";
            }
            ObjectNode m = messages.addObject().put("role", role);
            String text = g.chance(0.1) ? g.pick(BLANK_PROMPTS) : prompt(g);
            if (openAi && g.chance(0.25)) {
                ArrayNode parts = m.putArray("content");
                parts.addObject().put("type", "text").put("text", text);
                if (g.chance(0.5)) {
                    parts.addObject().put("type", "text").put("text", " " + prompt(g));
                }
            } else {
                m.put("content", text);
            }
            if (openAi && g.chance(0.1)) {
                m.put("name", "bob");
            }
        }
        return messages;
    }

    /** An invalid conversation, with the field it names. */
    static void badMessages(Gen g, Draft d, boolean openAi) {
        switch (g.between(0, 4)) {
            case 0 -> {
                d.body.set("messages", NODES.arrayNode());
                d.invalid("messages");
            }
            case 1 -> {
                ((ObjectNode) d.body.withArray("messages").get(0)).put("role", g.pick("robot", "", "tool", "USER"));
                d.invalid("messages[0].role");
            }
            case 2 -> {
                ((ObjectNode) d.body.withArray("messages").get(0)).remove("content");
                d.invalid("messages[0].content");
            }
            case 3 -> { // the ChatML template raises when a conversation starts with the assistant
                ((ObjectNode) d.body.withArray("messages").get(0)).put("role", "assistant");
                d.invalid("messages");
            }
            default -> {
                ((ObjectNode) d.body.withArray("messages").get(0)).put("content", 42);
                d.invalid("messages[0].content");
            }
        }
    }

    /** A field no route knows: 422 on rbon's routes, ignored on the OpenAI ones (as vLLM does). */
    static void unknownField(Gen g, Draft d, boolean ignored) {
        String name = g.pick("colour", "frequency", "best_of_n", "temprature", "extra");
        d.body.put(name, g.pick("red", "1"));
        if (!ignored) {
            d.invalid(name);
        }
    }

    static void booleans(Gen g, Draft d, double bad, String... names) {
        for (String name : names) {
            if (g.chance(0.4)) {
                d.body.put(name, g.r.nextBoolean());
            }
        }
        if (g.chance(bad / 2)) {
            String name = g.pick(names);
            if (g.chance(0.5)) {
                d.body.put(name, "true");
            } else {
                d.body.put(name, 1);
            }
            d.invalid(name);
        }
    }

    static void timeout(Gen g, Draft d, double bad) {
        if (g.chance(0.1)) {
            d.body.put("timeout_ms", g.pick(60000, 120000));
        }
        if (g.chance(bad / 3)) {
            d.body.put("timeout_ms", g.pick(0, -5));
            d.invalid("timeout_ms");
        }
    }

    static final int[] PRUNE_EVERY = {1, 2, 3, 4, 8, 16, 64, 1000};
    static final double[] PRUNE_KEEP = {1e-6, 0.1, 0.25, 0.5, 0.75, 0.999, 1};

    /**
     * prune on a decoding route (issue 20): {every, keep} with some chance, now and then null (absent, as for every
     * other field); an invalid form with a small one, naming prune.every, prune.keep or prune.
     */
    static void prune(Gen g, Draft d, double bad) {
        if (g.chance(0.2)) {
            ObjectNode p = d.body.putObject("prune");
            p.put("every", PRUNE_EVERY[g.r.nextInt(PRUNE_EVERY.length)]);
            p.put("keep", g.chance(0.8) ? PRUNE_KEEP[g.r.nextInt(PRUNE_KEEP.length)]
                    : 1e-6 + g.r.nextDouble() * (1 - 1e-6));
        } else if (g.chance(0.03)) {
            d.body.putNull("prune");
        }
        if (g.chance(bad / 2)) {
            badPrune(g, d);
        }
    }

    static void badPrune(Gen g, Draft d) {
        ObjectNode p = d.body.path("prune").isObject() ? (ObjectNode) d.body.get("prune")
                : d.body.putObject("prune").put("every", 4).put("keep", 0.5);
        switch (g.between(0, 6)) {
            case 0 -> {
                p.put("every", g.pick(0, -1, -16));
                d.invalid("prune.every");
            }
            case 1 -> {
                p.put("keep", g.pick(0.0, -0.5, 1.0001, 1.5));
                d.invalid("prune.keep");
            }
            case 2 -> {
                String field = g.pick("every", "keep");
                if (g.chance(0.5)) {
                    p.remove(field);
                } else {
                    p.putNull(field);
                }
                d.invalid("prune." + field);
            }
            case 3 -> {
                switch (g.between(0, 2)) {
                    case 0 -> p.put("every", 2.5);
                    case 1 -> p.put("every", "16");
                    default -> p.set("every", raw("3000000000"));
                }
                d.invalid("prune.every");
            }
            case 4 -> {
                switch (g.between(0, 2)) {
                    case 0 -> p.put("keep", "0.5");
                    case 1 -> p.put("keep", true);
                    default -> p.set("keep", raw("1e999"));
                }
                d.invalid("prune.keep");
            }
            case 5 -> {
                String name = g.pick("colour", "fraction", "every_n");
                p.put(name, 1);
                d.invalid("prune." + name);
            }
            default -> {
                switch (g.between(0, 3)) {
                    case 0 -> d.body.put("prune", 16);
                    case 1 -> d.body.put("prune", "every=16;keep=0.5");
                    case 2 -> d.body.putArray("prune").add(16).add(0.5);
                    default -> d.body.put("prune", true);
                }
                d.invalid("prune");
            }
        }
    }

    /** prune on a route that decodes nothing (the client's candidates): not a field there. */
    static void pruneWhereNothingIsDecoded(Gen g, Draft d, double bad) {
        if (g.chance(bad / 3)) {
            d.body.putObject("prune").put("every", g.pick(1, 4, 16)).put("keep", 0.5);
            d.invalid("prune");
        }
    }

    // ------------------------------------------------------------------------------------------ the routes

    static Draft generate(Gen g, double bad) {
        Draft d = new Draft("/v1/generate");
        if (g.chance(0.75)) {
            promptField(g, d, "prompt", bad);
        } else {
            d.body.set("messages", messages(g, false));
            if (g.chance(bad)) {
                if (g.chance(0.3)) {
                    d.body.put("prompt", prompt(g));
                    d.invalid("messages");
                } else {
                    badMessages(g, d, false);
                }
            }
        }
        selection(g, d, bad, 0.8);
        if (g.chance(0.8)) {
            d.body.put("n", n(g));
        }
        if (g.chance(bad)) {
            switch (g.between(0, 2)) {
                case 0 -> d.body.put("n", g.pick(0, -1, MAX_N + 1, 1000));
                case 1 -> d.body.put("n", 2.5);
                default -> d.body.put("n", "four");
            }
            d.invalid("n");
        }
        sampling(g, d, "max_new_tokens", false, bad);
        booleans(g, d, bad, "return_candidates", "return_token_ids");
        timeout(g, d, bad);
        if (g.chance(bad / 3)) {
            unknownField(g, d, false);
        }
        prune(g, d, bad);
        return d;
    }

    static Draft select(Gen g, double bad) {
        Draft d = new Draft("/v1/select");
        if (g.chance(0.75)) {
            promptField(g, d, "prompt", bad);
        } else {
            d.body.set("messages", messages(g, false));
            if (g.chance(bad)) {
                badMessages(g, d, false);
            }
        }
        int k = n(g);
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            candidates.add(g.chance(0.1) ? g.pick("", " ", "\n") : g.pick(PROMPTS));
        }
        d.body.set("candidates", strings(candidates));
        if (g.chance(bad)) {
            switch (g.between(0, 3)) {
                case 0 -> d.body.set("candidates", NODES.arrayNode());
                case 1 -> d.body.withArray("candidates").insertNull(0);
                case 2 -> d.body.set("candidates", strings(java.util.Collections.nCopies(MAX_N + 1, "x")));
                default -> d.body.remove("candidates");
            }
            d.invalid("candidates");
        }
        selection(g, d, bad, 0.8);
        if (d.body.path("method").asText().equals("self_certainty")) {
            d.invalid("method"); // it reads the sampler's distributions: the candidates are supplied
        }
        if (g.chance(0.3)) {
            d.body.put("seed", SEEDS[g.r.nextInt(SEEDS.length)]);
        }
        booleans(g, d, bad, "return_candidates", "return_token_ids");
        timeout(g, d, bad);
        if (g.chance(bad / 3)) {
            unknownField(g, d, false);
        }
        pruneWhereNothingIsDecoded(g, d, bad);
        return d;
    }

    /** The OpenAI routes' n and best_of: 1 <= n <= best_of <= max-n (best_of defaults to max(8, n)). */
    static void pool(Gen g, Draft d, double bad, boolean bestOf) {
        int n = g.chance(0.6) ? 1 : g.pick(2, 3, 4, 8);
        if (g.chance(0.6)) {
            d.body.put("n", n);
        } else {
            n = 1;
        }
        d.choices = n;
        if (bestOf && g.chance(0.6)) {
            d.body.put("best_of", Math.max(n, n(g)));
        }
        if (g.chance(bad)) {
            switch (g.between(0, 2)) {
                case 0 -> {
                    d.body.put("n", g.pick(0, MAX_N + 1));
                    d.invalid("n");
                    d.invalid("best_of"); // n 65 makes the default best_of 65 too
                }
                case 1 -> {
                    d.body.put("n", 5);
                    d.body.put("best_of", 4);
                    d.invalid("n");
                }
                default -> {
                    d.body.put("best_of", g.pick(0, MAX_N + 1));
                    d.invalid("best_of");
                    if (d.body.path("n").asInt(1) > d.body.path("best_of").asInt()) {
                        d.invalid("n");
                    }
                }
            }
        }
    }

    static void openAiNoise(Gen g, Draft d, double bad) {
        if (g.chance(0.1)) {
            d.body.put(g.pick("frequency_penalty", "presence_penalty"), 0);
        }
        if (g.chance(0.05)) {
            d.body.put("user", "u-1");
        }
        if (g.chance(0.05)) {
            d.body.putObject("response_format").put("type", "text");
        }
        if (g.chance(0.1)) {
            unknownField(g, d, true);
        }
        if (g.chance(bad / 3)) {
            String name = g.pick("frequency_penalty", "presence_penalty", "logit_bias", "tools");
            switch (name) {
                case "logit_bias" -> d.body.putObject(name).put("42", 5);
                case "tools" -> d.body.putArray(name).addObject().put("type", "function");
                default -> d.body.put(name, 0.5);
            }
            d.invalid(name);
        }
        if (g.chance(bad / 3)) {
            if (g.chance(0.5)) {
                d.body.put("model", g.pick("gpt-4o", "llama", ""));
            } else {
                d.body.remove("model");
            }
            d.invalid("model");
        }
    }

    static void streamFields(Gen g, Draft d) {
        if (g.chance(0.3)) {
            d.body.put("stream", true);
            d.stream = true;
            if (g.chance(0.5)) {
                d.body.putObject("stream_options").put("include_usage", g.r.nextBoolean());
            }
        } else if (g.chance(0.1)) {
            d.body.put("stream", false);
        }
    }

    static Draft chat(Gen g, double bad, Env env) {
        Draft d = new Draft("/v1/chat/completions");
        d.body.put("model", env.policy());
        d.body.set("messages", messages(g, true));
        if (g.chance(bad)) {
            badMessages(g, d, true);
        }
        pool(g, d, bad, true);
        String tokens = g.chance(0.5) ? "max_tokens" : "max_completion_tokens";
        sampling(g, d, tokens, true, bad);
        if (g.chance(0.05) && d.body.has(tokens) && d.body.get(tokens).isInt() && !d.fields.contains(tokens)) {
            d.body.set(tokens.equals("max_tokens") ? "max_completion_tokens" : "max_tokens", d.body.get(tokens));
        }
        if (g.chance(bad / 3)) {
            d.body.put("max_tokens", 3);
            d.body.put("max_completion_tokens", 4);
            d.invalid("max_completion_tokens");
        }
        if (g.chance(0.2)) {
            d.body.put("logprobs", true);
            if (g.chance(0.6)) {
                d.body.put("top_logprobs", g.pick(0, 1, 5, 20));
            }
        }
        if (g.chance(bad / 2)) {
            if (g.chance(0.5)) {
                d.body.put("logprobs", true);
                d.body.put("top_logprobs", g.pick(21, -1));
            } else {
                d.body.remove("logprobs");
                d.body.put("top_logprobs", 3);
            }
            d.invalid("top_logprobs");
        }
        selection(g, d, bad, 0.5);
        booleans(g, d, bad, "return_candidates");
        streamFields(g, d);
        timeout(g, d, bad);
        openAiNoise(g, d, bad);
        prune(g, d, bad);
        return d;
    }

    /** /v1/completions with rbon's selection (a method or another rbon field makes it a pool). */
    static Draft completion(Gen g, double bad, Env env) {
        Draft d = new Draft("/v1/completions");
        d.body.put("model", env.policy());
        if (g.chance(0.15)) {
            d.body.set("prompt", strings(List.of(prompt(g))));
        } else {
            promptField(g, d, "prompt", bad * 0.6);
        }
        pool(g, d, bad, true);
        sampling(g, d, "max_tokens", true, bad);
        selection(g, d, bad, 1.0);
        if (!d.body.has("method") && !d.body.has("beta") && !d.body.has("reward_normalization")) {
            d.body.put("method", g.pick(METHODS));
            if (POSITIVE_BETA.contains(d.body.path("method").asText())) {
                d.invalid("beta");
            }
        }
        if (g.chance(0.15)) {
            d.body.put("logprobs", g.pick(0, 1, 5));
        }
        if (g.chance(bad / 2)) {
            d.body.put("logprobs", g.pick(21, -1));
            d.invalid("logprobs");
        }
        if (g.chance(bad / 3)) {
            String field = g.pick("echo", "return_token_ids", "prompt_logprobs");
            if (field.equals("prompt_logprobs")) {
                d.body.put(field, 1);
            } else {
                d.body.put(field, true);
            }
            d.invalid(field); // only served with the samples in order
        }
        booleans(g, d, bad, "return_candidates");
        streamFields(g, d);
        timeout(g, d, bad);
        openAiNoise(g, d, bad);
        prune(g, d, bad);
        return d;
    }

    /**
     * /v1/completions as an engine (no rbon field; best_of equal to n, or absent with an engine-only field): vLLM's
     * shape, every sample in order. A streamed one is valid in the target.
     */
    static Draft engine(Gen g, double bad, Env env) {
        Draft d = new Draft("/v1/completions");
        if (g.chance(0.8)) {
            d.body.put("model", env.policy());
        }
        int n = g.chance(0.6) ? 1 : g.pick(2, 3, 4);
        if (g.chance(0.7)) {
            d.body.put("n", n);
        } else {
            n = 1;
        }
        int prompts = 1;
        boolean engineOnly = false;
        switch (g.between(0, 4)) {
            case 0 -> d.body.put("prompt", g.chance(0.1) ? g.pick(BLANK_PROMPTS) : prompt(g));
            case 1 -> d.body.set("prompt", strings(List.of(prompt(g))));
            case 2 -> {
                ArrayNode ids = d.body.putArray("prompt");
                for (int i = 0, k = g.between(1, 8); i < k; i++) {
                    ids.add(g.pick(1, 2, 100, VOCAB - 1, g.between(0, VOCAB - 1)));
                }
                engineOnly = true;
            }
            case 3 -> {
                prompts = g.between(2, 3);
                d.body.set("prompt", strings(java.util.stream.IntStream.range(0, prompts).mapToObj(i -> prompt(g)).toList()));
                engineOnly = true;
            }
            default -> {
                prompts = 2;
                ArrayNode batch = d.body.putArray("prompt");
                batch.addArray().add(1).add(5).add(9);
                batch.addArray().add(g.between(0, VOCAB - 1));
                engineOnly = true;
            }
        }
        if (g.chance(0.3)) {
            d.body.put("return_token_ids", true);
            engineOnly = true;
        }
        if (g.chance(0.2)) {
            d.body.put("prompt_logprobs", g.pick(0, 1, 20));
            engineOnly = true;
        }
        if (g.chance(0.15)) {
            d.body.put("echo", true);
            engineOnly = true;
        }
        if (!engineOnly || g.chance(0.5)) {
            d.body.put("best_of", n); // best_of == n asks for the engine too
        }
        d.choices = n * prompts;
        sampling(g, d, "max_tokens", true, bad);
        if (g.chance(0.2)) {
            d.body.put("logprobs", g.pick(0, 1, 5, 20));
        }
        if (g.chance(0.1)) {
            d.body.put("skip_special_tokens", true);
        }
        if (g.chance(bad / 2)) {
            switch (g.between(0, 2)) {
                case 0 -> {
                    d.body.put("skip_special_tokens", false);
                    d.invalid("skip_special_tokens");
                }
                case 1 -> {
                    d.body.put("prompt_logprobs", 21);
                    d.invalid("prompt_logprobs");
                }
                default -> {
                    d.body.set("prompt", NODES.arrayNode().add(1).add(VOCAB + 88));
                    d.invalid("prompt");
                }
            }
        }
        // streaming without a method: refused today, valid in the target (plain fields only)
        if (!engineOnly && g.chance(0.35)) {
            d.body.put("stream", true);
            d.stream = true;
        }
        timeout(g, d, bad);
        return d;
    }

    static Draft rerank(Gen g, double bad, Env env) {
        Draft d = new Draft("/v1/rerank");
        if (g.chance(0.6)) {
            d.body.put("model", g.pick(env.reward(), env.reward(), env.policy()));
        }
        promptField(g, d, "query", bad);
        int k = n(g);
        ArrayNode documents = d.body.putArray("documents");
        for (int i = 0; i < k; i++) {
            String text = g.chance(0.1) ? g.pick("", " ", "\n") : g.pick(PROMPTS);
            if (g.chance(0.3)) {
                documents.addObject().put("text", text);
            } else {
                documents.add(text);
            }
        }
        if (g.chance(0.4)) {
            d.body.put("top_n", g.pick(1, 2, k, k + 5));
        }
        booleans(g, d, bad, "return_documents");
        selection(g, d, bad, 0.4);
        if (d.body.path("method").asText().equals("bop")) {
            d.invalid("method"); // a reranker ranks every document; bop would keep 1 + Poisson(mu) of them
        }
        if (d.body.path("method").asText().equals("self_certainty")) {
            d.invalid("method"); // it reads the sampler's distributions: nothing is sampled here
        }
        if (g.chance(bad)) {
            switch (g.between(0, 4)) {
                case 0 -> {
                    d.body.set("documents", NODES.arrayNode());
                    d.invalid("documents");
                }
                case 1 -> {
                    d.body.withArray("documents").insert(0, 7);
                    d.invalid("documents");
                }
                case 2 -> {
                    d.body.put("top_n", g.pick(0, -1));
                    d.invalid("top_n");
                }
                case 3 -> {
                    d.body.put("model", "no-such-model");
                    d.invalid("model");
                }
                default -> {
                    d.body.withArray("documents").insertObject(0).put("txt", "wrong key");
                    d.invalid("documents");
                }
            }
        }
        pruneWhereNothingIsDecoded(g, d, bad);
        return d;
    }

    static Draft classify(Gen g, double bad, Env env) {
        Draft d = new Draft("/classify");
        if (g.chance(0.3)) {
            d.body.put("model", env.reward());
        }
        switch (g.between(0, 3)) {
            case 0 -> d.body.put("input", prompt(g));
            case 1 -> d.body.set("input", strings(java.util.stream.IntStream.range(0, g.between(1, 5))
                    .mapToObj(i -> prompt(g)).toList()));
            case 2 -> {
                ArrayNode ids = d.body.putArray("input");
                for (int i = 0, k = g.between(1, 6); i < k; i++) {
                    ids.add(g.between(0, VOCAB - 1));
                }
            }
            default -> {
                ArrayNode lists = d.body.putArray("input");
                for (int j = 0, m = g.between(1, 3); j < m; j++) {
                    ArrayNode ids = lists.addArray();
                    for (int i = 0, k = g.between(1, 6); i < k; i++) {
                        ids.add(g.between(1, VOCAB - 1));
                    }
                }
            }
        }
        booleans(g, d, bad, "add_special_tokens", "use_activation");
        if (g.chance(bad)) {
            switch (g.between(0, 4)) {
                case 0 -> d.body.remove("input");
                case 1 -> d.body.set("input", NODES.arrayNode());
                case 2 -> d.body.set("input", NODES.arrayNode().add(1.5));
                case 3 -> d.body.set("input", NODES.arrayNode().add(3).add(VOCAB + 1000));
                default -> d.body.put("input", 42);
            }
            d.invalid("input");
        }
        if (g.chance(bad / 3)) {
            d.body.put("model", "no-such-model");
            d.invalid("model");
        }
        if (g.chance(bad / 3)) {
            unknownField(g, d, false);
        }
        return d;
    }

    static Draft embeddings(Gen g, double bad, Env env) {
        Draft d = new Draft("/v1/embeddings");
        if (g.chance(0.5)) {
            d.body.put("input", prompt(g));
        } else {
            d.body.set("input", strings(java.util.stream.IntStream.range(0, g.between(1, 6)).mapToObj(i -> prompt(g))
                    .toList()));
        }
        if (g.chance(0.4)) {
            d.body.put("encoding_format", g.pick("float", "base64"));
        }
        if (g.chance(0.05)) {
            d.body.put("user", "u");
        }
        if (g.chance(bad)) {
            switch (g.between(0, 3)) {
                case 0 -> {
                    d.body.put("encoding_format", g.pick("int8", "", "FLOAT"));
                    d.invalid("encoding_format");
                }
                case 1 -> {
                    d.body.put("dimensions", g.pick(1, 3, 100000));
                    d.invalid("dimensions");
                }
                case 2 -> {
                    d.body.set("input", NODES.arrayNode().add(1).add(2));
                    d.invalid("input");
                }
                default -> {
                    d.body.set("input", NODES.arrayNode());
                    d.invalid("input");
                }
            }
        }
        if (g.chance(bad / 3)) {
            unknownField(g, d, false);
        }
        return d;
    }

    /** A body that is not a JSON object: 400 on every route. */
    static Draft malformed(Gen g) {
        Draft d = new Draft(g.pick("/v1/generate", "/v1/select", "/v1/chat/completions", "/v1/completions",
                "/v1/rerank", "/classify", "/v1/embeddings"));
        d.raw = g.pick("not json", "{\"prompt\": \"x\"", "[]", "\"just a string\"", "{\"prompt\": \"x\"} trailing",
                "{,}", "");
        d.expect = Expect.MALFORMED;
        return d;
    }

    /** The case of this seed: the same seed, the same request (the policy id aside). */
    static Case draw(long seed, Env env) {
        Gen g = new Gen(seed);
        double bad = g.chance(0.6) ? 0 : 0.12; // about 40% of the cases may carry invalid values
        int route = g.between(0, 99);
        Draft d;
        if (route < 24) {
            d = generate(g, bad);
        } else if (route < 34) {
            d = select(g, bad);
        } else if (route < 52) {
            d = chat(g, bad, env);
        } else if (route < 66) {
            d = completion(g, bad, env);
        } else if (route < 78) {
            d = engine(g, bad, env);
        } else if (route < 86) {
            d = rerank(g, bad, env);
        } else if (route < 92) {
            d = classify(g, bad, env);
        } else if (route < 98) {
            d = embeddings(g, bad, env);
        } else {
            d = malformed(g);
        }
        if (d.fields.isEmpty() && d.expect == Expect.INVALID) {
            throw new IllegalStateException("an invalid case must name a field");
        }
        if (d.expect == Expect.INVALID && d.stream) {
            d.stream = false; // refused before the stream opens: an ordinary HTTP error
        }
        return d.toCase(seed);
    }

    /** Case i of the run: seeds spread by SplittableRandom's mixing, so neighbouring runs share no cases. */
    static long caseSeed(long runSeed, int i) {
        return new SplittableRandom(runSeed * 0x9E3779B97F4A7C15L + i).nextLong();
    }

    // ------------------------------------------------------------------------------------------ HTTP

    record Answer(int status, String contentType, String body, long millis) {
        String excerpt() {
            String b = body.replaceAll("\\s+", " ");
            return status + " " + (b.length() > 300 ? b.substring(0, 300) + "…" : b);
        }
    }

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "request-space-client");
                t.setDaemon(true);
                return t;
            })).build();

    CompletableFuture<Answer> send(String route, String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(route)).timeout(Duration.ofSeconds(180))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long start = System.nanoTime();
        return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> e != null
                ? new Answer(-1, "", "client error: " + e, 0)
                : new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                        (System.nanoTime() - start) / 1_000_000));
    }

    Answer sendNow(String route, String body) {
        return send(route, body).join();
    }

    // ------------------------------------------------------------------------------------------ the oracle

    static final Set<String> OPENAI_ROUTES = Set.of("/v1/chat/completions", "/v1/completions", "/v1/rerank");

    /** f names e: the same field, or one inside it, or the list that holds it. */
    static boolean names(String named, Set<String> expected) {
        for (String e : expected) {
            if (named.equals(e) || named.startsWith(e + "[") || named.startsWith(e + ".") || e.startsWith(named + "[")
                    || e.startsWith(named + ".")) {
                return true;
            }
        }
        return false;
    }

    /** What is wrong with this answer to this case; empty when it is right. */
    static List<String> judge(Case c, Answer a) {
        List<String> wrong = new ArrayList<>();
        if (a.status() < 0) {
            wrong.add("no answer: " + a.body());
            return wrong;
        }
        if (a.status() >= 500) {
            wrong.add("5xx: " + a.excerpt());
            return wrong;
        }
        switch (c.expect()) {
            case VALID -> {
                if (a.status() != 200 && pastTheContext(a)) {
                    return wrong; // a prompt (or a rendered conversation) longer than drawn: the documented 4xx
                }
                if (a.status() != 200) {
                    wrong.add("valid request refused: " + a.excerpt());
                } else {
                    wellFormed(c, a, wrong);
                }
            }
            case INVALID -> refusal(c, a, wrong, false);
            case EITHER -> {
                if (a.status() == 200) {
                    wellFormed(c, a, wrong);
                } else {
                    refusal(c, a, wrong, false);
                }
            }
            case MALFORMED -> refusal(c, a, wrong, true);
        }
        return wrong;
    }

    /**
     * A prompt or conversation that turned out longer than drawn: the policy's context, or the reward model's
     * (prompt + an answer of max tokens), refused with the documented 4xx naming the max-tokens field.
     */
    static boolean pastTheContext(Answer a) {
        return a.status() >= 400 && a.status() < 500 && (a.body().contains("exceeds the policy's context")
                        || a.body().contains("(max_position_embeddings) and rbon does not truncate"))
                && (a.body().contains("\"max_new_tokens\"") || a.body().contains("\"max_tokens\"")
                        || a.body().contains("\"max_completion_tokens\""));
    }

    static void refusal(Case c, Answer a, List<String> wrong, boolean malformed) {
        if (a.status() < 400 || a.status() >= 500 || a.status() == 429) {
            wrong.add("invalid request not refused with a 4xx: " + a.excerpt());
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(a.body());
        } catch (Exception e) {
            wrong.add("refusal is not JSON: " + a.excerpt());
            return;
        }
        if (OPENAI_ROUTES.contains(c.route())) {
            JsonNode error = body.path("error");
            if (!error.path("message").isTextual() || !error.path("type").isTextual()) {
                wrong.add("refusal not in OpenAI's error shape: " + a.excerpt());
                return;
            }
            if (malformed) {
                if (a.status() != 400) {
                    wrong.add("malformed body not a 400: " + a.excerpt());
                }
                return;
            }
            String param = error.path("param").isTextual() ? error.path("param").asText() : null;
            if (param == null || !names(param, c.fields())) {
                wrong.add("error.param " + param + " is not one of " + c.fields() + ": " + a.excerpt());
            }
            return;
        }
        if (!a.contentType().startsWith(Problem.MEDIA_TYPE) || body.path("status").asInt() != a.status()) {
            wrong.add("refusal not application/problem+json with its status: " + a.contentType() + " "
                    + a.excerpt());
            return;
        }
        if (malformed) {
            // 422 is fair too: an empty body reaches the resource as no object, and Jackson may meet an unknown
            // field of the object before the trailing garbage
            if (a.status() != 400 && a.status() != 422) {
                wrong.add("malformed body not a 400: " + a.excerpt());
            }
            return;
        }
        List<String> named = new ArrayList<>();
        body.path("errors").forEach(e -> named.add(e.path("field").asText()));
        if (named.isEmpty()) {
            wrong.add("refusal names no field (expected one of " + c.fields() + "): " + a.excerpt());
        }
        for (String f : named) {
            if (!names(f, c.fields())) {
                wrong.add("refusal names " + f + ", which is not at fault (expected " + c.fields() + "): "
                        + a.excerpt());
            }
        }
    }

    static void wellFormed(Case c, Answer a, List<String> wrong) {
        if (c.stream()) {
            sse(c, a, wrong);
            return;
        }
        JsonNode b;
        try {
            b = JSON.readTree(a.body());
        } catch (Exception e) {
            wrong.add("200 body is not JSON: " + a.excerpt());
            return;
        }
        JsonNode req = parse(c.body());
        switch (c.route()) {
            case "/v1/generate", "/v1/select" -> {
                int asked = c.route().equals("/v1/select") ? req.path("candidates").size() : req.path("n").asInt(8);
                expect(wrong, b.path("text").isTextual(), "text is a string", a);
                int n = asked;
                if (req.path("method").asText().equals("bop")) { // 1 + Poisson(mu) candidates, capped by n
                    n = b.path("n").asInt();
                    expect(wrong, n >= 1 && n <= asked, "bop's n in [1, " + asked + "]", a);
                }
                expect(wrong, b.path("n").asInt() == n, "n is " + n, a);
                int chosen = b.path("chosen_index").asInt(-1);
                expect(wrong, chosen >= 0 && chosen < n, "chosen_index in [0, n)", a);
                expect(wrong, b.path("chosen").path("text").asText().equals(b.path("text").asText()),
                        "chosen.text is text", a);
                boolean withCandidates = c.route().equals("/v1/select")
                        ? !req.path("return_candidates").isBoolean() || req.path("return_candidates").asBoolean()
                        : req.path("return_candidates").asBoolean(false);
                if (withCandidates) {
                    expect(wrong, b.path("candidates").size() == n, n + " candidates", a);
                }
                if (c.route().equals("/v1/generate")) {
                    int max = req.path("max_new_tokens").asInt(64);
                    for (JsonNode cand : b.path("candidates")) {
                        expect(wrong, cand.path("tokens").asInt() <= max && cand.path("tokens").asInt() >= 0,
                                "a candidate's tokens <= max_new_tokens " + max, a);
                    }
                    pruned(req, b.path("candidates"), wrong, a);
                    expect(wrong, b.path("timings_ms").path("prune").isNumber(), "timings_ms.prune a number", a);
                    if (req.path("return_token_ids").asBoolean(false)) {
                        expect(wrong, b.path("chosen").path("token_ids").size() == b.path("chosen").path("tokens")
                                .asInt(), "chosen.token_ids has chosen.tokens ids", a);
                    }
                }
            }
            case "/v1/chat/completions" -> {
                expect(wrong, b.path("object").asText().equals("chat.completion"), "object chat.completion", a);
                expect(wrong, b.path("choices").size() == c.choices(), c.choices() + " choices", a);
                for (JsonNode ch : b.path("choices")) {
                    expect(wrong, ch.path("message").path("content").isTextual(), "message.content a string", a);
                    expect(wrong, finishReasons(req).contains(ch.path("finish_reason").asText()),
                            "finish_reason " + finishReasons(req), a);
                    if (req.path("logprobs").asBoolean(false)) {
                        expect(wrong, ch.path("logprobs").path("content").isArray(), "logprobs.content", a);
                    }
                }
                expect(wrong, b.path("usage").path("total_tokens").isInt(), "usage", a);
            }
            case "/v1/completions" -> {
                expect(wrong, b.path("object").asText().equals("text_completion"), "object text_completion", a);
                expect(wrong, b.path("choices").size() == c.choices(), c.choices() + " choices", a);
                for (JsonNode ch : b.path("choices")) {
                    expect(wrong, ch.path("text").isTextual(), "text a string", a);
                    expect(wrong, finishReasons(req).contains(ch.path("finish_reason").asText()),
                            "finish_reason " + finishReasons(req), a);
                }
            }
            case "/v1/rerank" -> {
                int docs = req.path("documents").size();
                int expected = req.has("top_n") ? Math.min(docs, req.path("top_n").asInt()) : docs;
                expect(wrong, b.path("results").size() == expected, expected + " results", a);
                double last = Double.POSITIVE_INFINITY;
                Set<Integer> seen = new TreeSet<>();
                for (JsonNode r : b.path("results")) {
                    double score = r.path("relevance_score").asDouble(Double.NaN);
                    expect(wrong, !Double.isNaN(score) && score <= last, "results sorted by relevance_score", a);
                    last = score;
                    int index = r.path("index").asInt(-1);
                    expect(wrong, index >= 0 && index < docs && seen.add(index), "distinct indices in range", a);
                }
            }
            case "/classify" -> {
                JsonNode in = req.path("input");
                int inputs = in.isTextual() || (in.isArray() && in.size() > 0 && in.get(0).isNumber()) ? 1 : in.size();
                expect(wrong, b.path("data").size() == inputs, inputs + " results", a);
            }
            case "/v1/embeddings" -> {
                JsonNode in = req.path("input");
                int inputs = in.isTextual() ? 1 : in.size();
                expect(wrong, b.path("data").size() == inputs, inputs + " embeddings", a);
                boolean base64 = req.path("encoding_format").asText("float").equals("base64");
                for (JsonNode e : b.path("data")) {
                    expect(wrong, base64 ? e.path("embedding").isTextual() : e.path("embedding").size() > 0,
                            "an embedding", a);
                }
            }
            default -> wrong.add("no oracle for " + c.route());
        }
    }

    /** SSE: data events of JSON chunks (no error event), a finish per choice, and data: [DONE] last. */
    static void sse(Case c, Answer a, List<String> wrong) {
        if (!a.contentType().startsWith("text/event-stream")) {
            wrong.add("stream is not text/event-stream: " + a.contentType() + " " + a.excerpt());
            return;
        }
        List<String> data = new ArrayList<>();
        for (String event : a.body().split("\n\n")) {
            for (String line : event.split("\n")) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                } else if (!line.isEmpty() && !line.startsWith(":")) {
                    wrong.add("stream line neither data nor comment: " + line);
                }
            }
        }
        if (data.isEmpty() || !data.get(data.size() - 1).equals("[DONE]")) {
            wrong.add("stream does not end with data: [DONE]: " + a.excerpt());
            return;
        }
        int finishes = 0;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = parse(d);
            if (chunk == null || !chunk.isObject()) {
                wrong.add("stream chunk is not a JSON object: " + d);
                continue;
            }
            if (chunk.has("error")) {
                wrong.add("stream sent an error event: " + d);
            }
            for (JsonNode ch : chunk.path("choices")) {
                if (ch.hasNonNull("finish_reason")) {
                    finishes++;
                }
            }
        }
        if (finishes != c.choices()) {
            wrong.add("stream finished " + finishes + " choices, expected " + c.choices() + ": " + a.excerpt());
        }
    }

    /** stop or length; with prune also pruned (best n past the survivors include pruned candidates). */
    static Set<String> finishReasons(JsonNode req) {
        return req.path("prune").isObject() ? Set.of("stop", "length", "pruned") : Set.of("stop", "length");
    }

    /** A pruned candidate: finish_reason pruned, its tokens when it left, at a decision point (a multiple of every). */
    static void pruned(JsonNode req, JsonNode candidates, List<String> wrong, Answer a) {
        int every = req.path("prune").path("every").asInt(0);
        for (JsonNode c : candidates) {
            boolean pruned = c.has("pruned_at");
            expect(wrong, pruned == c.path("finish_reason").asText().equals("pruned"),
                    "pruned_at exactly on the pruned candidates", a);
            if (pruned) {
                int at = c.path("pruned_at").asInt(-1);
                expect(wrong, every > 0 && at > 0 && at % every == 0 && at == c.path("tokens").asInt(),
                        "pruned_at a positive multiple of prune.every, the candidate's tokens", a);
            }
        }
    }

    static void expect(List<String> wrong, boolean ok, String what, Answer a) {
        if (!ok) {
            wrong.add("200 body not well formed (" + what + "): " + a.excerpt());
        }
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------ the canary

    static final String CANARY = "{\"prompt\": \"The licence grants you\", \"method\": \"rbon_kl\", \"beta\": 0.5, "
            + "\"n\": 16, \"seed\": 42, \"max_new_tokens\": 12, \"return_candidates\": true}";

    /** What must not change: the candidates' texts, their token counts and the choice. */
    static String canarySignature(Answer a) {
        if (a.status() != 200) {
            return "status " + a.excerpt();
        }
        JsonNode b = parse(a.body());
        StringBuilder s = new StringBuilder("chosen=").append(b.path("chosen_index").asInt());
        for (JsonNode c : b.path("candidates")) {
            s.append(" | ").append(c.path("tokens").asInt()).append(':').append(c.path("text").asText());
        }
        return s.toString();
    }

    static String aloneSignature;

    String canaryAlone() {
        if (aloneSignature == null) {
            Answer first = sendNow("/v1/generate", CANARY);
            assertEquals(200, first.status(), first.excerpt());
            Answer second = sendNow("/v1/generate", CANARY);
            aloneSignature = canarySignature(first);
            assertEquals(aloneSignature, canarySignature(second), "the canary alone is not reproducible");
        }
        return aloneSignature;
    }

    // ------------------------------------------------------------------------------------------ the runs

    /** A wrong answer, with what replays it. */
    record Failure(Case c, String what) {
        /** Failures of one kind: the route, and the message without its numbers and excerpt. */
        String kind() {
            String w = what.split("\n")[0].replaceAll(": \\d{3} .*", "").replaceAll("-?\\d+(\\.\\d+)?(E-?\\d+)?", "#");
            return c.route() + " " + w;
        }
    }

    /** Sends the cases in batches, each batch concurrently beside the canary; returns every failure. */
    List<Failure> run(List<Case> cases, int batch) {
        String alone = canaryAlone();
        List<Failure> failures = new ArrayList<>();
        for (int from = 0; from < cases.size(); from += batch) {
            List<Case> chunk = cases.subList(from, Math.min(cases.size(), from + batch));
            List<CompletableFuture<Answer>> answers = new ArrayList<>();
            int half = chunk.size() / 2;
            for (int i = 0; i < half; i++) {
                answers.add(send(chunk.get(i).route(), chunk.get(i).body()));
            }
            CompletableFuture<Answer> canary = send("/v1/generate", CANARY); // in the middle: it shares steps
            for (int i = half; i < chunk.size(); i++) {
                answers.add(send(chunk.get(i).route(), chunk.get(i).body()));
            }
            for (int i = 0; i < chunk.size(); i++) {
                Case c = chunk.get(i);
                Answer a = answers.get(i).join();
                for (String w : judge(c, a)) {
                    failures.add(report(new Failure(c, w + "\n  answer: " + a.body())));
                }
            }
            String beside = canarySignature(canary.join());
            if (!beside.equals(alone)) {
                String batchText = chunk.stream().map(Case::describe).reduce((x, y) -> x + "\n    " + y).orElse("");
                String what = "the canary's answer changed beside this batch: "
                        + (beside.startsWith("status ") ? beside.substring(0, 10) : "other candidates or choice")
                        + "\n  alone:  " + alone + "\n  beside: " + beside + "\n  batch:\n    " + batchText;
                failures.add(report(new Failure(chunk.get(0), what)));
            }
        }
        return failures;
    }

    static Failure report(Failure f) {
        System.out.println("RequestSpaceTest FAILURE " + f.what() + "\n  " + f.c().describe()
                + "\n  replay: ./mvnw -B -q test -Dtest=RequestSpaceTest#everyRouteOverItsWholeRequestSpaceBesideTheCanary "
                + "-Dsurefire.failIfNoSpecifiedTests=false "
                + "-Dfuzz.case=" + Long.toUnsignedString(f.c().seed()));
        return f;
    }

    static void summarise(List<Failure> failures, int cases, long millis) {
        Map<String, List<Failure>> kinds = new TreeMap<>();
        for (Failure f : failures) {
            kinds.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f);
        }
        StringBuilder s = new StringBuilder();
        s.append(failures.size()).append(" wrong answers of ")
                .append(kinds.size()).append(" kinds in ").append(cases).append(" cases (").append(millis / 1000)
                .append(" s):\n");
        kinds.forEach((kind, list) -> {
            Failure first = list.get(0);
            s.append("- ").append(list.size()).append("x ")
                    .append(first.c().route()).append(": ").append(first.what().split("\n")[0]).append("\n    e.g. ").append(first.c().describe())
                    .append("\n    replay -Dfuzz.case=").append(Long.toUnsignedString(first.c().seed())).append("\n");
        });
        System.out.println("RequestSpaceTest SUMMARY " + s);
        if (!failures.isEmpty()) {
            fail(s.toString());
        }
    }

    Env env(JsonNode models) {
        String policy = null;
        String reward = null;
        for (JsonNode m : models.path("data")) {
            if (m.path("role").asText().equals("policy")) {
                policy = m.path("id").asText();
            } else if (m.path("role").asText().equals("reward")) {
                reward = m.path("id").asText();
            }
        }
        return new Env(policy, reward);
    }

    @Test
    void everyRouteOverItsWholeRequestSpaceBesideTheCanary() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(base.resolve("/v1/models")).GET().build();
        Env env = env(JSON.readTree(CLIENT.send(get, HttpResponse.BodyHandlers.ofString()).body()));
        assertTrue(env.policy() != null && env.reward() != null, "the served models: " + env);
        long start = System.currentTimeMillis();
        List<Case> cases = new ArrayList<>();
        String replay = System.getProperty("fuzz.case");
        if (replay != null && !replay.isBlank()) {
            long seed = Long.parseUnsignedLong(replay.trim());
            for (int i = 0; i < REPLAYS; i++) {
                cases.add(draw(seed, env));
            }
            System.out.println("RequestSpaceTest replaying " + cases.get(0).describe());
        } else {
            long runSeed = Long.getLong("fuzz.seed", DEFAULT_SEED);
            int count = Integer.getInteger("fuzz.cases", DEFAULT_CASES);
            for (int i = 0; i < count; i++) {
                cases.add(draw(caseSeed(runSeed, i), env));
            }
            Map<String, Integer> routes = new TreeMap<>();
            Map<Expect, Integer> expects = new TreeMap<>();
            for (Case c : cases) {
                routes.merge(c.route() + (c.stream() ? " stream" : ""), 1, Integer::sum);
                expects.merge(c.expect(), 1, Integer::sum);
            }
            System.out.println("RequestSpaceTest run seed " + runSeed + ", " + count + " cases: " + routes + " "
                    + expects);
        }
        double[] before = stepRows();
        List<Failure> failures = run(cases, Integer.getInteger("fuzz.batch", DEFAULT_BATCH));
        double[] after = stepRows();
        System.out.printf("RequestSpaceTest decoding steps: %.0f, rows per step %.1f on average%n",
                after[1] - before[1], (after[0] - before[0]) / Math.max(1, after[1] - before[1]));
        summarise(failures, cases.size(), System.currentTimeMillis() - start);
    }

    /**
     * The examples the issue names: max_tokens 1 on each generating route, beside the seeded n = 16 canary, which
     * must keep its answer; the probes themselves must answer 200 with at most one token per candidate.
     */
    @Test
    void maxTokensOneBesideTheCanaryLeavesItsAnswerUnchanged() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(base.resolve("/v1/models")).GET().build();
        Env env = env(JSON.readTree(CLIENT.send(get, HttpResponse.BodyHandlers.ofString()).body()));
        String policy = JSON.writeValueAsString(env.policy());
        List<Case> probes = List.of(
                probe("/v1/generate", "{\"prompt\": \"The licence grants you\", \"n\": 4, \"seed\": 1, "
                        + "\"max_new_tokens\": 1, \"return_candidates\": true}", false, 1),
                probe("/v1/generate", "{\"prompt\": \"what is 3 plus 5 ?\", \"method\": \"rbon_wd\", \"beta\": 1, "
                        + "\"n\": 16, \"seed\": 7, \"max_new_tokens\": 1, \"temperature\": 0}", false, 1),
                probe("/v1/chat/completions", "{\"model\": " + policy + ", \"messages\": [{\"role\": \"user\", "
                        + "\"content\": \"hi\"}], \"max_tokens\": 1, \"seed\": 3}", false, 1),
                probe("/v1/completions", "{\"model\": " + policy + ", \"prompt\": \"Once upon\", \"best_of\": 4, "
                        + "\"method\": \"bon\", \"max_tokens\": 1, \"seed\": 3}", false, 1),
                probe("/v1/completions", "{\"model\": " + policy + ", \"prompt\": \"Once upon\", \"method\": \"mbr\", "
                        + "\"max_tokens\": 1, \"stream\": true}", true, 1),
                probe("/v1/completions", "{\"model\": " + policy + ", \"prompt\": \"Once upon\", \"n\": 2, "
                        + "\"best_of\": 2, \"max_tokens\": 1, \"seed\": 3}", false, 2));
        List<Failure> failures = run(probes, probes.size());
        summarise(failures, probes.size(), 0);
    }

    static Case probe(String route, String body, boolean stream, int choices) {
        return new Case(0, route, body, stream, choices, Expect.VALID, Set.of());
    }

    static final Pattern STEP_ROWS = Pattern.compile("^rbon_batch_step_rows_(sum|count)\\{[^}]*\\} ([0-9.eE+-]+)",
            Pattern.MULTILINE);

    /** Rows and steps decoded so far over every worker (Prometheus's rbon_batch_step_rows). */
    double[] stepRows() {
        try {
            HttpRequest get = HttpRequest.newBuilder(base.resolve("/q/metrics")).GET().build();
            Matcher m = STEP_ROWS.matcher(CLIENT.send(get, HttpResponse.BodyHandlers.ofString()).body());
            double[] out = new double[2];
            while (m.find()) {
                out[m.group(1).equals("sum") ? 0 : 1] += Double.parseDouble(m.group(2));
            }
            return out;
        } catch (Exception e) {
            return new double[2];
        }
    }
}
