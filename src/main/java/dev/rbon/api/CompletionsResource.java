package dev.rbon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.RbonConfig;
import dev.rbon.decode.AlignedDecoder;
import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.EngineCompletions;
import dev.rbon.decode.Outcome;
import dev.rbon.decode.Progress;
import dev.rbon.decode.ReturnedTokens;
import dev.rbon.select.Selection;
import dev.rbon.select.TopN;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import dev.rbon.remote.Backend;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * POST /v1/chat/completions and /v1/completions in vLLM's OpenAI shapes. The pool of best_of candidates is sampled,
 * scored and ranked by the method; the best n come back as choices. With stream: true the answer is sent as
 * server-sent events once a worker has taken the request (earlier failures are ordinary HTTP errors), with comment
 * lines while the pool is sampled and scored.
 */
@Path("/v1")
@Tag(name = "openai", description = "OpenAI-, Cohere- and vLLM-compatible routes")
@Consumes(MediaType.APPLICATION_JSON)
// no @Produces: the answer is JSON, or text/event-stream when streaming; RestMulti sets the type per answer
public class CompletionsResource {

    private static final SecureRandom SEEDS = new SecureRandom();
    /** Streams at most one step comment per this many milliseconds. */
    private static final long STEP_COMMENT_MS = 250;

    private final AlignedDecoder decoder;
    private final EngineCompletions engine;
    private final ReturnedTokens returned;
    private final DecodeMetrics metrics;
    private final ServedModels served;
    private final ObjectMapper json;
    private final RbonConfig.Limits limits;

    public CompletionsResource(AlignedDecoder decoder, EngineCompletions engine, ReturnedTokens returned,
            DecodeMetrics metrics, ServedModels served, ObjectMapper json, RbonConfig config) {
        this.decoder = decoder;
        this.engine = engine;
        this.returned = returned;
        this.metrics = metrics;
        this.served = served;
        this.json = json;
        this.limits = config.limits();
    }

    @POST
    @Path("/chat/completions")
    @Operation(operationId = "createChatCompletion", summary = "Chat completion (OpenAI/vLLM shape), selected by rbon")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ChatCompletionRequest.class)))
    @APIResponse(responseCode = "200", description = "The best n candidates; with stream: true, SSE chunks",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = OpenAiResponses.ChatCompletion.class)),
                @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = OpenAiResponses.ChatChunk.class))})
    @OpenAiErrorResponses
    public Multi<byte[]> chat(JsonNode body, @Context HttpServerRequest http) {
        ChatCompletionRequest r = OpenAiBodies.read(json, body, ChatCompletionRequest.class);
        served.requirePolicy(r.model());
        return respond(OpenAiValidation.chat(r, limits), http);
    }

    @POST
    @Path("/completions")
    @Operation(operationId = "createCompletion", summary = "Text completion (OpenAI/vLLM shape), selected by rbon")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = CompletionRequest.class)))
    @APIResponse(responseCode = "200", description = "The best n candidates; with stream: true, SSE chunks",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = OpenAiResponses.Completion.class)),
                @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = OpenAiResponses.Completion.class))})
    @OpenAiErrorResponses
    public Multi<byte[]> completion(JsonNode body, @HeaderParam(Backend.DEADLINE_HEADER) Long deadlineMs,
            @Context HttpServerRequest http) {
        CompletionRequest r = OpenAiBodies.read(json, body, CompletionRequest.class);
        if (EngineCompletion.asked(r)) {
            served.requireEngineModel(r.model());
            return engine(EngineCompletion.validate(r, limits), PoolingInput.timeout(deadlineMs), http);
        }
        served.requirePolicy(r.model());
        return respond(OpenAiValidation.completion(r, limits), http);
    }

    /** The samples in order, as an engine answers a front rbon (EngineCompletion); the tighter deadline wins. */
    private Multi<byte[]> engine(EngineCompletion.Call call, Duration callerDeadline, HttpServerRequest http) {
        long start = System.nanoTime();
        Duration timeout = call.timeoutMs() == null ? callerDeadline : Duration.ofMillis(call.timeoutMs());
        if (callerDeadline != null && callerDeadline.compareTo(timeout) < 0) {
            timeout = callerDeadline;
        }
        CompletableFuture<EngineCompletions.Result> sampling = engine.complete(call.ask(), timeout);
        http.response().closeHandler(closed -> sampling.cancel(false));
        sampling.whenComplete((result, error) -> metrics.request("completions", "none",
                GenerateResource.outcome(error), Duration.ofNanos(System.nanoTime() - start)));
        Uni<byte[]> body = Uni.createFrom().completionStage(sampling.thenApply(
                result -> bytes(EngineCompletion.response(call, result))));
        return RestMulti.fromUniResponse(body, b -> Multi.createFrom().item(b),
                b -> Map.of("Content-Type", List.of(MediaType.APPLICATION_JSON)), b -> 200);
    }

    /** The decoded pool, the choices in order (pool indices) and, when asked, their tokens. */
    record Answer(Outcome outcome, int[] order, List<ReturnedTokens.Answer> tokens) {}

    private Multi<byte[]> respond(OpenAiValidation.Call call, HttpServerRequest http) {
        long start = System.nanoTime();
        String endpoint = call.chat() ? "chat_completions" : "completions";
        OpenAiShapes shapes = new OpenAiShapes(call, served.policy());
        SseStream sse = call.stream() ? new SseStream(json) : null;
        CompletableFuture<Void> started = new CompletableFuture<>();
        Progress progress = sse == null ? Progress.NONE : progress(sse, started);
        CompletableFuture<Outcome> decoding = decoder.decode(call.generation(),
                call.timeoutMs() == null ? null : Duration.ofMillis(call.timeoutMs()), progress);
        http.response().closeHandler(closed -> decoding.cancel(false));
        CompletableFuture<Answer> answer = decoding
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(call.inClientFields(e)))
                .thenCompose(outcome -> answer(call, outcome));
        answer.whenComplete((a, error) -> metrics.request(endpoint, call.generation().method().wireName(),
                GenerateResource.outcome(error), Duration.ofNanos(System.nanoTime() - start)));
        if (sse == null) {
            Uni<byte[]> body = Uni.createFrom().completionStage(answer.thenApply(a -> bytes(shapes.response(a))));
            return RestMulti.fromUniResponse(body, b -> Multi.createFrom().item(b),
                    b -> Map.of("Content-Type", List.of(MediaType.APPLICATION_JSON)), b -> 200);
        }
        answer.whenComplete((a, error) -> {
            if (error == null) {
                shapes.stream(a, sse);
            } else if (!started.completeExceptionally(error)) { // the stream had begun: an error event
                sse.data(OpenAiError.of(error));
            }
            sse.done();
        });
        return RestMulti.fromUniResponse(Uni.createFrom().completionStage(started), v -> sse.multi(),
                v -> Map.of("Content-Type", List.of(MediaType.SERVER_SENT_EVENTS + ";charset=UTF-8"),
                        "Cache-Control", List.of("no-cache"), "X-Accel-Buffering", List.of("no")),
                v -> 200);
    }

    /** Comment lines while the pool is built; the first one opens the stream. */
    private static Progress progress(SseStream sse, CompletableFuture<Void> started) {
        return new Progress() {
            private int candidates;
            private int maxNewTokens;
            private long lastStep;

            @Override
            public void started(int candidates, int maxNewTokens) {
                this.candidates = candidates;
                this.maxNewTokens = maxNewTokens;
                sse.comment("sampling " + candidates + " candidates, up to " + maxNewTokens + " tokens each");
                started.complete(null);
            }

            @Override
            public void step(int step) {
                long now = System.currentTimeMillis();
                if (now - lastStep >= STEP_COMMENT_MS) {
                    lastStep = now;
                    sse.comment("step " + step + "/" + maxNewTokens);
                }
            }

            @Override
            public void sampled(int n) {
                sse.comment("sampled " + n + "/" + candidates);
            }

            @Override
            public void scored() {
                sse.comment("scored");
            }
        };
    }

    /** The best n by the method; their log-probs and per-token text when logprobs were asked for. */
    private CompletableFuture<Answer> answer(OpenAiValidation.Call call, Outcome outcome) {
        int[] order = TopN.of(selection(outcome), call.n(), rng(call));
        if (call.topLogprobs() == null) {
            return CompletableFuture.completedFuture(new Answer(outcome, order, null));
        }
        List<Outcome.Candidate> chosen = Arrays.stream(order).mapToObj(outcome.candidates()::get).toList();
        return returned.of(call.generation(), chosen, call.topLogprobs())
                .thenApply(tokens -> new Answer(outcome, order, tokens));
    }

    private static Selection selection(Outcome o) {
        double[] objectives = o.candidates().stream().mapToDouble(Outcome.Candidate::objective).toArray();
        boolean stochastic = o.candidates().get(0).probability() != null;
        double[] p = stochastic ? o.candidates().stream().mapToDouble(Outcome.Candidate::probability).toArray() : null;
        return new Selection(o.chosenIndex(), objectives, p, null, null);
    }

    /** The 2nd to n-th draws of a stochastic method: seeded by the request's seed, on a stream of their own. */
    private static RandomGenerator rng(OpenAiValidation.Call call) {
        Long seed = call.generation().seed();
        return RandomGeneratorFactory.of("L64X128MixRandom")
                .create((seed != null ? seed : SEEDS.nextLong()) ^ 0x9E3779B97F4A7C15L);
    }

    private byte[] bytes(Object response) {
        try {
            return json.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
