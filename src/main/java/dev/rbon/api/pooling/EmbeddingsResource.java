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

/** POST /v1/embeddings in OpenAI's (and vLLM's) shape, from the embedding model rbon selects with. */
@Path("/v1/embeddings")
@Tag(name = "pooling", description = "vLLM's pooling routes, from rbon's own models")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EmbeddingsResource {

    private final Pooling pooling;
    private final DecodeMetrics metrics;
    private final RbonConfig.Limits limits;

    public EmbeddingsResource(Pooling pooling, DecodeMetrics metrics, RbonConfig config) {
        this.pooling = pooling;
        this.metrics = metrics;
        this.limits = config.limits();
    }

    @POST
    @Operation(operationId = "embeddings", summary = "Sentence embeddings of texts",
            description = "The embedder's sentence-transformers embeddings of each text (its pooling and normalisation,"
                    + " truncated at its max_seq_length as sentence-transformers truncates):"
                    + " the vectors rbon's similarity S_ij is the dot product of.")
    @APIResponse(responseCode = "200", description = "One embedding per input",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = EmbeddingsResponse.class)))
    @ProblemResponses
    public CompletionStage<EmbeddingsResponse> embeddings(EmbeddingsRequest request,
            @HeaderParam(Backend.DEADLINE_HEADER) Long timeoutMs, @Context HttpServerRequest http) {
        CallLifecycle call = CallLifecycle.start(metrics, "embeddings", http);
        EmbeddingsRequest r = RequestValidation.requireBody(request);
        String format = r.encodingFormat() == null ? "float" : r.encodingFormat();
        if (!format.equals("float") && !format.equals("base64")) {
            throw PoolingInput.invalid("encoding_format", "must be float or base64, got " + format);
        }
        PoolingInput input = PoolingInput.parse(r.input(), limits.maxN());
        if (input.texts() == null) {
            throw PoolingInput.invalid("input", "token ids are not accepted here: send the texts");
        }
        return call.run(pooling.embed(r.model(), input.texts(), RequestValidation.deadlineHeader(timeoutMs)), "none",
                e -> {
                    if (r.dimensions() != null && r.dimensions() != e.embeddings()[0].length) {
                        throw PoolingInput.invalid("dimensions", "the model's embeddings have "
                                + e.embeddings()[0].length + " dimensions and cannot be shortened");
                    }
                    return EmbeddingsResponse.of(e, format.equals("base64"));
                });
    }
}
