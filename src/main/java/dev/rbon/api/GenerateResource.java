package dev.rbon.api;

import dev.rbon.RbonConfig;
import dev.rbon.decode.AlignedDecoder;
import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.Generation;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** POST /v1/generate and /v1/select: validate, hand to the decoder, shape the answer. */
@Path("/v1")
@Tag(name = "decoding", description = "Best-of-N and Regularized Best-of-N selection")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class GenerateResource {

    private final AlignedDecoder decoder;
    private final DecodeMetrics metrics;
    private final RbonConfig.Limits limits;

    public GenerateResource(AlignedDecoder decoder, DecodeMetrics metrics, RbonConfig config) {
        this.decoder = decoder;
        this.metrics = metrics;
        this.limits = config.limits();
    }

    @POST
    @Path("/generate")
    @Operation(operationId = "generate", summary = "Sample n candidates and return the one the method selects",
            description = "Samples n candidates of the prompt from the policy in one batch, scores them with the "
                    + "reward model, the reference log-probs and the embeddings the method needs, and selects.")
    @APIResponse(responseCode = "200", description = "The chosen candidate and the numbers behind the choice",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = GenerateResponse.class)))
    @ProblemResponses
    public CompletionStage<GenerateResponse> generate(GenerateRequest request, @Context HttpServerRequest http) {
        GenerateRequest r = RequestValidation.requireBody(request);
        return handle("generate", () -> RequestValidation.generation(r, limits), r.timeoutMs(),
                Boolean.TRUE.equals(r.returnCandidates()), Boolean.TRUE.equals(r.returnTokenIds()), http);
    }

    @POST
    @Path("/select")
    @Operation(operationId = "select", summary = "Select among candidates the client supplies",
            description = "The same selection as /v1/generate on the client's candidates (after a prompt or a "
                    + "conversation); every score is computed and every candidate returned (unless "
                    + "return_candidates is false). For the Cohere-shaped ranking of documents see /v1/rerank.")
    @APIResponse(responseCode = "200", description = "The chosen candidate and every candidate's scores",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = GenerateResponse.class)))
    @ProblemResponses
    public CompletionStage<GenerateResponse> select(SelectRequest request, @Context HttpServerRequest http) {
        SelectRequest r = RequestValidation.requireBody(request);
        return handle("select", () -> RequestValidation.select(r, limits), r.timeoutMs(),
                !Boolean.FALSE.equals(r.returnCandidates()), Boolean.TRUE.equals(r.returnTokenIds()), http);
    }

    /** Validates, decodes and answers; the lifecycle counts the outcome and cancels on a disconnect. */
    private CompletionStage<GenerateResponse> handle(String endpoint, Supplier<Generation> validate, Integer timeoutMs,
            boolean withCandidates, boolean withTokenIds, HttpServerRequest http) {
        CallLifecycle call = CallLifecycle.start(metrics, endpoint, http);
        Generation generation = call.validate(validate);
        return call.run(decoder.decode(generation, timeoutMs == null ? null : Duration.ofMillis(timeoutMs)),
                generation.method().wireName(),
                outcome -> GenerateResponse.of(generation, outcome, withCandidates, withTokenIds));
    }
}
