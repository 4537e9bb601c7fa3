package dev.rbon.api;

import dev.rbon.RbonConfig;
import dev.rbon.decode.AlignedDecoder;
import dev.rbon.decode.Generation;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.concurrent.CompletionStage;

/** POST /v1/generate and /v1/rerank: validate, hand to the decoder, shape the answer. */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class GenerateResource {

    private final AlignedDecoder decoder;
    private final RbonConfig.Limits limits;

    public GenerateResource(AlignedDecoder decoder, RbonConfig config) {
        this.decoder = decoder;
        this.limits = config.limits();
    }

    @POST
    @Path("/generate")
    public CompletionStage<GenerateResponse> generate(GenerateRequest request) {
        Generation generation = RequestValidation.generation(requireBody(request), limits);
        return decoder.decode(generation).thenApply(outcome -> GenerateResponse.of(generation, outcome,
                Boolean.TRUE.equals(request.returnCandidates()), Boolean.TRUE.equals(request.returnTokenIds())));
    }

    @POST
    @Path("/rerank")
    public CompletionStage<GenerateResponse> rerank(RerankRequest request) {
        Generation generation = RequestValidation.rerank(requireBody(request), limits);
        return decoder.decode(generation).thenApply(outcome -> GenerateResponse.of(generation, outcome,
                !Boolean.FALSE.equals(request.returnCandidates()), Boolean.TRUE.equals(request.returnTokenIds())));
    }

    private static <T> T requireBody(T request) {
        if (request == null) {
            throw new InvalidRequestException(java.util.List.of(new Problem.FieldError("body", "a JSON object is required")));
        }
        return request;
    }
}
