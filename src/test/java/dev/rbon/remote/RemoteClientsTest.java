package dev.rbon.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.remote.BackendException.Kind;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine clients against answers in the shapes vLLM documents (vllm/entrypoints/.../protocol.py), replayed by a
 * JDK HttpServer, and against the faults such a server can be made to produce: each fault is the documented
 * {@link Kind}, retried only where that is safe, counted per backend.
 */
class RemoteClientsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    FakeEngine engine;
    SimpleMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        engine = new FakeEngine();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    Backend backend(String role, String suffix, int retries) {
        return new Backend(role, FakeEngine.config(engine.url(suffix), Optional.of("served-model"),
                Optional.of("sk-test"), retries, 4, Duration.ofSeconds(5)), registry);
    }

    JsonNode sent(int call) throws Exception {
        return JSON.readTree(engine.calls.get(call).body());
    }

    @Test
    void rewardSendsRenderedTextsForRawScoresAndReadsThemByIndex() throws Exception {
        engine.answer = FakeEngine.Answer.json("""
                {"id": "classify-1", "object": "list", "created": 1745383213, "model": "served-model",
                 "data": [{"index": 1, "label": "LABEL_0", "probs": [0.5], "num_classes": 1},
                          {"index": 0, "label": "LABEL_0", "probs": [-1.25], "num_classes": 1}],
                 "usage": {"prompt_tokens": 10, "total_tokens": 10, "completion_tokens": 0,
                           "prompt_tokens_details": null}}""");
        RemoteReward reward = new RemoteReward(backend("reward", "", 0));
        assertArrayEquals(new double[] {-1.25, 0.5}, reward.rewards("Q: ", List.of("a", "b")));
        FakeEngine.Call call = engine.calls.get(0);
        assertEquals("/classify", call.path());
        assertEquals(List.of("Bearer sk-test"), call.headers().get("Authorization"));
        assertTrue(Long.parseLong(call.headers().get("X-request-timeout-ms").get(0)) > 0, "the deadline travels");
        JsonNode body = sent(0);
        assertEquals("served-model", body.get("model").asText());
        assertEquals(List.of("Q: a", "Q: b"), List.of(body.get("input").get(0).asText(), body.get("input").get(1).asText()));
        assertFalse(body.get("use_activation").asBoolean(), "the raw score is the reward, not its sigmoid");
        assertTrue(body.get("add_special_tokens").asBoolean());
    }

    @Test
    void embeddingsAreReadByIndexAndNormalised() throws Exception {
        engine.answer = FakeEngine.Answer.json("""
                {"id": "embd-1", "object": "list", "created": 1, "model": "served-model",
                 "data": [{"index": 1, "object": "embedding", "embedding": [0.0, 2.0]},
                          {"index": 0, "object": "embedding", "embedding": [3.0, 4.0]}],
                 "usage": {"prompt_tokens": 4, "total_tokens": 4}}""");
        RemoteEmbedder embedder = new RemoteEmbedder(backend("embedding", "/v1", 0));
        float[][] e = embedder.embed(List.of("x", "y"));
        assertArrayEquals(new float[] {0.6f, 0.8f}, e[0], 1e-7f);
        assertArrayEquals(new float[] {0f, 1f}, e[1], 1e-7f);
        assertEquals(2, embedder.dimension());
        assertEquals("/v1/embeddings", engine.calls.get(0).path());
        assertEquals("float", sent(0).get("encoding_format").asText());
    }

    static final String COMPLETION = """
            {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "served-model",
             "choices": [
               {"index": 0, "text": " a cat", "logprobs": {"text_offset": [0, 2], "token_logprobs": [-0.5, -1.5],
                "tokens": ["token_id:7", "token_id:9"], "top_logprobs": [null, null]}, "finish_reason": "length",
                "stop_reason": null, "token_ids": [7, 9], "prompt_logprobs": null, "prompt_token_ids": [1, 5]},
               {"index": 1, "text": " dog", "logprobs": {"text_offset": [0, 2], "token_logprobs": [-0.25, -2.0],
                "tokens": ["token_id:8", "token_id:2"], "top_logprobs": [null, null]}, "finish_reason": "stop",
                "stop_reason": null, "token_ids": [8, 2], "prompt_logprobs": null, "prompt_token_ids": [1, 5]}],
             "usage": {"prompt_tokens": 2, "total_tokens": 6, "completion_tokens": 4}}""";

    @Test
    void policyAsksForAllCandidatesInOneSeededRequestWithTheirLogprobs() throws Exception {
        engine.answer = FakeEngine.Answer.json(COMPLETION);
        RemotePolicy policy = new RemotePolicy(backend("policy", "/v1", 0));
        SamplingParams params = new SamplingParams(0.7, 0.9, 20, 0, 0, 2, List.of("\n"), 42L);
        List<SampledSequence> rows = policy.sample(new long[] {1, 5}, 2, params, 42L);
        assertEquals(2, rows.size());
        assertArrayEquals(new long[] {7, 9}, rows.get(0).tokenIds());
        assertEquals(" a cat", rows.get(0).text());
        assertEquals(-2.0, rows.get(0).logprob(), 1e-12);
        assertEquals(SampledSequence.FinishReason.LENGTH, rows.get(0).finishReason());
        assertEquals(SampledSequence.FinishReason.STOP, rows.get(1).finishReason());
        assertEquals(-2.25, rows.get(1).logprob(), 1e-12);
        assertTrue(Double.isNaN(rows.get(0).selfCertainty()), "an engine returns no full distributions");
        assertEquals(1, engine.calls.size(), "N candidates, one request");
        assertEquals("/v1/completions", engine.calls.get(0).path());
        JsonNode body = sent(0);
        assertEquals("[1,5]", body.get("prompt").toString(), "the prompt goes as the token ids rbon rendered");
        assertEquals(2, body.get("n").asInt());
        assertEquals(42, body.get("seed").asLong());
        assertEquals(0, body.get("logprobs").asInt(), "the sampled tokens' own log-probs");
        assertTrue(body.get("return_token_ids").asBoolean());
        assertEquals(20, body.get("top_k").asInt());
        assertEquals(0.9, body.get("top_p").asDouble());
        assertEquals(0.7, body.get("temperature").asDouble());
        assertEquals(2, body.get("max_tokens").asInt());
        assertEquals("[\"\\n\"]", body.get("stop").toString());
        // top_k 0 (off) and no seed are not sent: the engine's own defaults are "off" and "random"
        policy.sample(new long[] {1}, 2, new SamplingParams(1, 1, 0, 0, 0, 2, List.of(), null), null);
        assertFalse(sent(1).has("top_k") || sent(1).has("seed") || sent(1).has("stop"), sent(1).toString());
    }

    @Test
    void policyReadsTokenIdsFromTokensWhenTheEngineHasNoReturnTokenIds() {
        engine.answer = FakeEngine.Answer.json(COMPLETION.replace("\"token_ids\": [7, 9], ", "")
                .replace("\"token_ids\": [8, 2], ", ""));
        List<SampledSequence> rows = new RemotePolicy(backend("policy", "/v1", 0))
                .sample(new long[] {1, 5}, 2, SamplingParams.defaults(), 1L);
        assertArrayEquals(new long[] {8, 2}, rows.get(1).tokenIds());
    }

    @Test
    void policyRefusesWhatTheApiCannotCarry() {
        SamplingParams epsilon = new SamplingParams(1, 1, 0, 0.01, 3, 8, List.of(), null);
        assertEquals(List.of("epsilon", "no_repeat_ngram_size"), List.copyOf(RemotePolicy.unsupported(epsilon).keySet()));
        assertTrue(RemotePolicy.unsupported(SamplingParams.defaults()).isEmpty());
    }

    @Test
    void referenceSumsThePromptLogprobsOfEachResponse() throws Exception {
        engine.answer = FakeEngine.Answer.json("""
                {"id": "cmpl-2", "object": "text_completion", "created": 1, "model": "served-model",
                 "choices": [
                   {"index": 0, "text": "x", "finish_reason": "length", "prompt_logprobs": [null,
                     {"5": {"logprob": -3.0, "rank": 4, "decoded_token": " b"}},
                     {"7": {"logprob": -0.5, "rank": 1, "decoded_token": " c"}},
                     {"9": {"logprob": -0.25, "rank": 1, "decoded_token": " d"}, "3": {"logprob": -0.1, "rank": 1}}]},
                   {"index": 1, "text": "x", "finish_reason": "length", "prompt_logprobs": [null,
                     {"5": {"logprob": -3.0, "rank": 4}}, {"8": {"logprob": -1.0, "rank": 2}}]}],
                 "usage": {"prompt_tokens": 7, "total_tokens": 9, "completion_tokens": 2}}""");
        RemoteReference reference = new RemoteReference(backend("reference", "/v1", 0));
        double[] l = reference.logprobs(new long[] {1, 5}, List.of(new long[] {7, 9}, new long[0], new long[] {8}));
        assertArrayEquals(new double[] {-0.75, 0, -1.0}, l, 1e-12, "the empty response costs nothing and is not sent");
        JsonNode body = sent(0);
        assertEquals("[[1,5,7,9],[1,5,8]]", body.get("prompt").toString());
        assertEquals(0, body.get("prompt_logprobs").asInt());
        assertEquals(1, body.get("max_tokens").asInt());
    }

    @Test
    void anEngineThatIsNotThereIsUnreachableAndRetried() {
        int port = closedPort();
        Backend refused = new Backend("reward", FakeEngine.config("http://127.0.0.1:" + port, Optional.empty(),
                Optional.empty(), 2, 4, Duration.ofSeconds(5)), registry);
        BackendException e = assertThrows(BackendException.class,
                () -> new RemoteReward(refused).score(List.of("x"), true));
        assertEquals(Kind.UNREACHABLE, e.kind());
        assertEquals(503, e.kind().status());
        assertTrue(e.getMessage().contains("refused the connection"), e.getMessage());
        assertEquals(2, registry.get("rbon.backend.retries").tag("backend", "reward").counter().count());
        Backend unknownHost = new Backend("embedding", FakeEngine.config("http://no-such-engine.invalid/v1",
                Optional.empty(), Optional.empty(), 0, 4, Duration.ofSeconds(5)), registry);
        BackendException dns = assertThrows(BackendException.class,
                () -> new RemoteEmbedder(unknownHost).embed(List.of("x")));
        assertEquals(Kind.UNREACHABLE, dns.kind(), dns.getMessage());
    }

    @Test
    void aSlowEngineTimesOutAtTheRequestsDeadlineNotItsOwn() {
        engine.answer = new FakeEngine.Answer(200, "{}", Duration.ofSeconds(3));
        RemoteReward reward = new RemoteReward(backend("reward", "", 2));
        long start = System.nanoTime();
        BackendException e = assertThrows(BackendException.class, () -> CallContext.during(
                System.nanoTime() + Duration.ofMillis(300).toNanos(), () -> false, () -> reward.score(List.of("x"), true)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Kind.TIMEOUT, e.kind());
        assertEquals(504, e.kind().status());
        assertTrue(ms >= 250 && ms < 1500, "gave up after " + ms + " ms, the deadline was 300 ms");
        assertEquals(1, engine.calls.size(), "a timeout spent the deadline: no retry");
        assertEquals(1, registry.get("rbon.backend.requests").tags("backend", "reward", "outcome", "timeout")
                .counter().count());
    }

    @Test
    void aCallerThatLeavesAbandonsTheCall() {
        engine.answer = new FakeEngine.Answer(200, "{}", Duration.ofSeconds(3));
        RemoteReward reward = new RemoteReward(backend("reward", "", 0));
        long start = System.nanoTime();
        long leaves = start + Duration.ofMillis(200).toNanos();
        assertThrows(CancellationException.class, () -> CallContext.during(start + Duration.ofSeconds(10).toNanos(),
                () -> System.nanoTime() > leaves, () -> reward.score(List.of("x"), true)));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 1500);
    }

    @Test
    void engineErrorsMapToTheirKindsWithTheEnginesMessage() {
        assertKind(500, "{\"error\": {\"message\": \"CUDA error\", \"type\": \"InternalServerError\"}}", Kind.FAILED);
        assertEquals(3, engine.calls.size(), "scoring is idempotent: retried twice after a 500");
        assertKind(503, "", Kind.UNAVAILABLE);
        BackendException refused = assertKind(400, "{\"error\": {\"message\": \"This model's maximum context length is"
                + " 128 tokens\", \"type\": \"BadRequestError\", \"param\": null, \"code\": 400}}", Kind.REFUSED);
        assertTrue(refused.getMessage().contains("maximum context length is 128 tokens"), refused.getMessage());
        assertEquals(1, engine.calls.size(), "a refusal is not retried");
        assertTrue(assertKind(400, "{\"object\": \"error\", \"message\": \"older vLLM\", \"code\": 400}", Kind.REFUSED)
                .getMessage().contains("older vLLM"));
        assertTrue(assertKind(422, "{\"error\": \"TGI says no\", \"error_type\": \"validation\"}", Kind.REFUSED)
                .getMessage().contains("TGI says no"));
        assertKind(401, "{\"detail\": \"bad key\"}", Kind.MISCONFIGURED);
        assertKind(404, "{\"error\": {\"message\": \"The model `x` does not exist.\"}}", Kind.MISCONFIGURED);
        assertKind(429, "", Kind.BUSY);
        assertKind(200, "<html>not json</html>", Kind.MALFORMED);
        assertKind(200, "{\"data\": [{\"index\": 0, \"probs\": [0.1, 0.9]}]}", Kind.MALFORMED);
        assertKind(200, "{\"data\": []}", Kind.MALFORMED);
        assertKind(200, "[1, 2]", Kind.MALFORMED);
    }

    private BackendException assertKind(int status, String body, Kind kind) {
        engine.calls.clear();
        engine.answer = new FakeEngine.Answer(status, body, Duration.ZERO);
        BackendException e = assertThrows(BackendException.class,
                () -> new RemoteReward(backend("reward", "", 2)).score(List.of("x"), true));
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals("reward", e.backend());
        return e;
    }

    @Test
    void samplingIsNotRepeatedOnceTheEngineHasIt() {
        engine.answer = new FakeEngine.Answer(500, "{}", Duration.ZERO);
        RemotePolicy policy = new RemotePolicy(backend("policy", "/v1", 2));
        assertEquals(Kind.FAILED, assertThrows(BackendException.class,
                () -> policy.sample(new long[] {1}, 2, SamplingParams.defaults(), 3L)).kind());
        assertEquals(1, engine.calls.size(), "N generations are not asked for twice");
        engine.answer = FakeEngine.Answer.json(COMPLETION.replace("\"text\": \" dog\", ", ""));
        assertEquals(Kind.MALFORMED, assertThrows(BackendException.class,
                () -> policy.sample(new long[] {1}, 2, SamplingParams.defaults(), 3L)).kind());
    }

    @Test
    void connectionsPerEngineAreBounded() throws Exception {
        engine.answer = new FakeEngine.Answer(200, "{\"data\": [{\"index\": 0, \"probs\": [1.0]}]}",
                Duration.ofMillis(200));
        Backend one = new Backend("reward", FakeEngine.config(engine.url(""), Optional.empty(), Optional.empty(), 0, 1,
                Duration.ofSeconds(5)), registry);
        RemoteReward reward = new RemoteReward(one);
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<double[]>> calls = List.of(callers.submit(() -> reward.score(List.of("a"), true)),
                    callers.submit(() -> reward.score(List.of("b"), true)),
                    callers.submit(() -> reward.score(List.of("c"), true)));
            for (Future<double[]> call : calls) {
                assertArrayEquals(new double[] {1.0}, call.get());
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(1, engine.mostAtOnce.get(), "max-connections 1: one call at a time");
        assertEquals(3, engine.calls.size());
    }

    @Test
    void aProbeIsUpOnlyOn2xx() {
        Backend backend = backend("reward", "", 0);
        engine.answer = new FakeEngine.Answer(200, "", Duration.ZERO);
        assertTrue(backend.probe("/health", Duration.ofSeconds(1)));
        engine.answer = new FakeEngine.Answer(500, "", Duration.ZERO);
        assertFalse(backend.probe("/health", Duration.ofSeconds(1)));
        engine.answer = new FakeEngine.Answer(200, "", Duration.ofSeconds(2));
        assertFalse(backend.probe("/health", Duration.ofMillis(200)));
        assertFalse(new Backend("reward", FakeEngine.config("http://127.0.0.1:" + closedPort(), Optional.empty(),
                Optional.empty(), 0, 1, Duration.ofSeconds(1)), registry).probe("/health", Duration.ofSeconds(1)));
    }

    static int closedPort() {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
