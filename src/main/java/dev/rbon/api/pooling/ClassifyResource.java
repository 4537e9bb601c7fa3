package dev.rbon.api.pooling;

import dev.rbon.RbonConfig;
import dev.rbon.api.CallLifecycle;
import dev.rbon.api.ProblemResponses;
import dev.rbon.api.RequestValidation;
import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.Pooling;
import dev.rbon.remote.Backend;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** POST /classify in vLLM's shape, from the local reward model: so one rbon can be another's reward engine. */
@Path("/classify")
@Tag(name = "pooling", description = "vLLM's pooling routes, from rbon's own models")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ClassifyResource {

    private final Pooling pooling;
    private final DecodeMetrics metrics;
    private final RbonConfig.Limits limits;

    public ClassifyResource(Pooling pooling, DecodeMetrics metrics, RbonConfig config) {
        this.pooling = pooling;
        this.metrics = metrics;
        this.limits = config.limits();
    }

    @POST
    @Operation(operationId = "classify", summary = "Score texts or token ids with the reward model",
            description = "vLLM's Classification API on the local reward model. use_activation false gives the raw "
                    + "score, the reward; the default applies the sigmoid, as vLLM does for one-label models.")
    @APIResponse(responseCode = "200", description = "One result per input",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ClassifyResponse.class)))
    @ProblemResponses
    public CompletionStage<ClassifyResponse> classify(ClassifyRequest request,
            @HeaderParam(Backend.DEADLINE_HEADER) Long timeoutMs, @Context HttpServerRequest http) {
        CallLifecycle call = CallLifecycle.start(metrics, "classify", http);
        ClassifyRequest r = RequestValidation.requireBody(request);
        PoolingInput input = PoolingInput.parse(r.input(), limits.maxN());
        return call.run(pooling.classify(r.model(), input.texts(), input.ids(),
                !Boolean.FALSE.equals(r.addSpecialTokens()), !Boolean.FALSE.equals(r.useActivation()),
                RequestValidation.deadlineHeader(timeoutMs)), "none", ClassifyResponse::of);
    }
}
