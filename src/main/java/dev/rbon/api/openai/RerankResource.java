package dev.rbon.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.RbonConfig;
import dev.rbon.api.CallLifecycle;
import dev.rbon.api.RequestValidation;
import dev.rbon.api.ServedModels;
import dev.rbon.decode.AlignedDecoder;
import dev.rbon.decode.DecodeMetrics;
import dev.rbon.decode.Generation;
import dev.rbon.decode.Outcome;
import dev.rbon.select.Method;
import dev.rbon.select.RewardAggregation;
import dev.rbon.select.RewardNormalization;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * POST /v1/rerank, the Cohere/Jina rerank API (vLLM and LangChain's rerankers call it): the documents are scored as
 * responses to the query by the reward model, or by a method's objective, and returned best first.
 */
@Path("/v1/rerank")
@Tag(name = "openai", description = "OpenAI-, Cohere- and vLLM-compatible routes")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class RerankResource {

    private final AlignedDecoder decoder;
    private final DecodeMetrics metrics;
    private final ServedModels served;
    private final RbonConfig.Limits limits;

    public RerankResource(AlignedDecoder decoder, DecodeMetrics metrics, ServedModels served, RbonConfig config) {
        this.decoder = decoder;
        this.metrics = metrics;
        this.served = served;
        this.limits = config.limits();
    }

    @POST
    @Operation(operationId = "rerank", summary = "Rank documents as responses to a query (Cohere/Jina shape)")
    @APIResponse(responseCode = "200", description = "The documents, best first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RerankResponse.class)))
    @OpenAiErrorResponses
    public CompletionStage<RerankResponse> rerank(RerankRequest request, @Context HttpServerRequest http) {
        RerankRequest r = RequestValidation.requireBody(request);
        CallLifecycle call = CallLifecycle.start(metrics, "rerank", http);
        Generation generation = validate(r);
        return call.run(decoder.decode(generation, null), generation.method().wireName(),
                outcome -> response(r, outcome));
    }

    /** This resource's failures in OpenAI's error shape, before the global problem+json mappers. */
    @ServerExceptionMapper
    Response error(Throwable e) {
        return OpenAiErrors.of(e);
    }

    private Generation validate(RerankRequest r) {
        ModelIds.requireRanker(served, r.model());
        RequestValidation v = new RequestValidation(limits);
        v.prompt(r.query(), "query");
        Method method = v.method(r.method());
        if (method == Method.BOP) {
            v.fail("method", "a reranker ranks every document; bop would keep 1 + Poisson(mu) of them (use /v1/select)");
        }
        Double klBudget = v.klBudget(method, r.klBudget(), r.beta());
        double beta = klBudget != null ? 0 : v.beta(method, r.beta());
        RewardNormalization normalization = v.normalization(r.rewardNormalization());
        RewardAggregation aggregation = v.aggregation(r.rewardAggregation());
        double stdWeight = v.stdWeight(r.rewardStdWeight());
        List<String> documents = documents(v, r.documents());
        if (r.topN() != null && r.topN() < 1) {
            v.fail("top_n", "must be >= 1, got " + r.topN());
        }
        v.throwIfAny();
        return Generation.select(r.query(), null, documents, method, beta, normalization, null)
                .withKlBudget(klBudget).aggregating(aggregation, stdWeight);
    }

    /** Strings, or objects with a string text field (Jina's shape). */
    private List<String> documents(RequestValidation v, List<JsonNode> documents) {
        List<String> texts = new ArrayList<>();
        if (documents == null || documents.isEmpty()) {
            v.fail("documents", "must hold at least one document");
            return texts;
        }
        if (documents.size() > limits.maxN()) {
            v.fail("documents", "at most " + limits.maxN() + " documents, got " + documents.size());
        }
        for (int i = 0; i < documents.size(); i++) {
            JsonNode d = documents.get(i);
            JsonNode text = d != null && d.isObject() ? d.get("text") : d;
            if (text == null || !text.isTextual()) {
                v.fail("documents[" + i + "]", "must be a string or an object with a string text field");
            } else {
                texts.add(text.asText());
            }
        }
        return texts;
    }

    private RerankResponse response(RerankRequest r, Outcome outcome) {
        List<Outcome.Candidate> ranked = outcome.candidates().stream()
                .sorted(Comparator.comparingDouble(Outcome.Candidate::objective).reversed()
                        .thenComparingInt(Outcome.Candidate::index))
                .limit(r.topN() == null ? Long.MAX_VALUE : r.topN()).toList();
        boolean withDocuments = !Boolean.FALSE.equals(r.returnDocuments());
        List<RerankResponse.Result> results = ranked.stream().map(c -> new RerankResponse.Result(c.index(),
                c.objective(), withDocuments ? new RerankResponse.Document(c.text()) : null)).toList();
        return new RerankResponse("rerank-" + UUID.randomUUID(), served.reward(),
                new RerankResponse.Usage(outcome.promptTokens()), results);
    }
}
