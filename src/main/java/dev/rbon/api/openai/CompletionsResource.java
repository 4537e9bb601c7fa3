package dev.rbon.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.RbonConfig;
import dev.rbon.api.CallLifecycle;
import dev.rbon.api.RequestValidation;
import dev.rbon.api.ServedModels;
import dev.rbon.decode.AlignedDecoder;
import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.Outcome;
import dev.rbon.decode.PlainDecoder;
import dev.rbon.decode.Progress;
import dev.rbon.remote.Backend;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

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

    /** Streams at most one step comment per this many milliseconds. */
    private static final long STEP_COMMENT_MS = 250;
    private static final Map<String, List<String>> SSE_HEADERS = Map.of(
            "Content-Type", List.of(MediaType.SERVER_SENT_EVENTS + ";charset=UTF-8"),
            "Cache-Control", List.of("no-cache"), "X-Accel-Buffering", List.of("no"));

    private final AlignedDecoder decoder;
    private final PlainDecoder plain;
    private final DecodeMetrics metrics;
    private final ServedModels served;
    private final ObjectMapper json;
    private final RbonConfig.Limits limits;

    public CompletionsResource(AlignedDecoder decoder, PlainDecoder plain, DecodeMetrics metrics,
            ServedModels served, ObjectMapper json, RbonConfig config) {
        this.decoder = decoder;
        this.plain = plain;
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
        ModelIds.requirePolicy(served, r.model());
        return respond(OpenAiValidation.chat(r, limits), http);
    }

    @POST
    @Path("/completions")
    @Operation(operationId = "createCompletion", summary = "Text completion (OpenAI/vLLM shape), selected by rbon")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = CompletionRequest.class)))
    @APIResponse(responseCode = "200", description = "The best n candidates (without a method and with best_of = n,"
            + " the samples in order, as an engine answers); with stream: true, SSE chunks",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = OpenAiResponses.Completion.class)),
                @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = OpenAiResponses.Completion.class))})
    @OpenAiErrorResponses
    public Multi<byte[]> completion(JsonNode body, @HeaderParam(Backend.DEADLINE_HEADER) Long deadlineMs,
            @Context HttpServerRequest http) {
        CompletionRequest r = OpenAiBodies.read(json, body, CompletionRequest.class);
        if (PlainCompletion.asked(r)) {
            ModelIds.requireEngineModel(served, r.model());
            return plain(PlainCompletion.validate(r, limits), RequestValidation.deadlineHeader(deadlineMs), http);
        }
        ModelIds.requirePolicy(served, r.model());
        return respond(OpenAiValidation.completion(r, limits), http);
    }

    /**
     * The samples in order, as an engine answers a front rbon (PlainCompletion); the tighter deadline wins. Streamed,
     * the chunks follow once every sample is done, so any failure before is an ordinary HTTP error.
     */
    private Multi<byte[]> plain(PlainCompletion.Call call, Duration callerDeadline, HttpServerRequest http) {
        CallLifecycle lifecycle = CallLifecycle.start(metrics, "completions", http);
        Duration timeout = call.timeoutMs() == null ? callerDeadline : Duration.ofMillis(call.timeoutMs());
        if (callerDeadline != null && callerDeadline.compareTo(timeout) < 0) {
            timeout = callerDeadline;
        }
        CompletableFuture<PlainDecoder.Result> sampling =
                lifecycle.run(plain.complete(call.ask(), timeout), "none", result -> result);
        if (!call.stream()) {
            Uni<byte[]> body = Uni.createFrom().completionStage(sampling.thenApply(
                    result -> bytes(PlainCompletion.response(call, result))));
            return RestMulti.fromUniResponse(body, b -> Multi.createFrom().item(b),
                    b -> Map.of("Content-Type", List.of(MediaType.APPLICATION_JSON)), b -> 200);
        }
        return RestMulti.fromUniResponse(Uni.createFrom().completionStage(sampling), result -> {
            SseStream sse = new SseStream(json);
            PlainCompletion.chunks(call, result).forEach(sse::data);
            sse.done();
            return sse.multi();
        }, result -> SSE_HEADERS, result -> 200);
    }

    private Multi<byte[]> respond(OpenAiValidation.Call call, HttpServerRequest http) {
        CallLifecycle lifecycle = CallLifecycle.start(metrics, call.chat() ? "chat_completions" : "completions", http);
        OpenAiShapes shapes = new OpenAiShapes(call, served.policy());
        SseStream sse = call.stream() ? new SseStream(json) : null;
        CompletableFuture<Void> started = new CompletableFuture<>();
        StreamProgress progress = sse == null ? null : new StreamProgress(sse, started, shapes, call);
        CompletableFuture<Outcome> decoding = decoder.decode(call.generation(),
                call.timeoutMs() == null ? null : Duration.ofMillis(call.timeoutMs()),
                progress == null ? Progress.NONE : progress);
        CompletableFuture<Outcome> answer = lifecycle.run(decoding, call.generation().method().wireName(), o -> o)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(call.inClientFields(e)));
        if (sse == null) {
            Uni<byte[]> body = Uni.createFrom().completionStage(answer.thenApply(a -> bytes(shapes.response(a))));
            return RestMulti.fromUniResponse(body, b -> Multi.createFrom().item(b),
                    b -> Map.of("Content-Type", List.of(MediaType.APPLICATION_JSON)), b -> 200);
        }
        answer.whenComplete((a, error) -> {
            if (error == null) {
                shapes.stream(a, sse, progress.sent());
            } else if (!started.completeExceptionally(error)) { // the stream had begun: an error event
                sse.data(OpenAiError.of(error));
            }
            sse.done();
        });
        // once the stream is open, RESTEasy's own close handler replaces the one above and cancels the stream's
        // subscription instead: that cancellation abandons the request (at the batch's next step)
        return RestMulti.fromUniResponse(Uni.createFrom().completionStage(started),
                v -> sse.multi().onCancellation().invoke(() -> decoding.cancel(false)),
                v -> SSE_HEADERS, v -> 200);
    }

    /** This resource's failures in OpenAI's error shape, before the global problem+json mappers. */
    @ServerExceptionMapper
    Response error(Throwable e) {
        return OpenAiErrors.of(e);
    }

    /**
     * Comment lines while the pool is built, the first one opening the stream; and the winner's text as it decodes
     * once pruning has left it alone, without its last characters while a later token or a stop string could still
     * change them (a trailing space, a partial character, the start of a stop string).
     */
    private static final class StreamProgress implements Progress {
        private final SseStream sse;
        private final CompletableFuture<Void> started;
        private final OpenAiShapes shapes;
        private final boolean early;
        private final int holdBack;
        private int candidates;
        private int maxNewTokens;
        private long lastStep;
        private String sent = "";

        StreamProgress(SseStream sse, CompletableFuture<Void> started, OpenAiShapes shapes,
                OpenAiValidation.Call call) {
            this.sse = sse;
            this.started = started;
            this.shapes = shapes;
            this.early = call.topLogprobs() == null; // log-probs come with the pool's answer
            List<String> stop = call.generation().sampling() == null ? List.of() : call.generation().sampling().stop();
            this.holdBack = Math.max(0, stop.stream().mapToInt(String::length).max().orElse(0) - 1);
        }

        /** What {@link #winner} streamed of the first choice's text. */
        synchronized String sent() {
            return sent;
        }

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
        public synchronized void winner(String text) {
            int end = Math.max(0, text.length() - holdBack);
            while (end > 0 && (Character.isWhitespace(text.charAt(end - 1)) || text.charAt(end - 1) == '\uFFFD'
                    || Character.isHighSurrogate(text.charAt(end - 1)))) {
                end--;
            }
            if (!early || end <= sent.length() || !text.startsWith(sent)) {
                return;
            }
            shapes.early(sse, text.substring(sent.length(), end), sent.isEmpty());
            sent = text.substring(0, end);
        }

        @Override
        public void sampled(int n) {
            sse.comment("sampled " + n + "/" + candidates);
        }

        @Override
        public void scored() {
            sse.comment("scored");
        }
    }

    private byte[] bytes(Object response) {
        try {
            return json.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
