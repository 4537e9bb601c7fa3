package dev.rbon.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The documents' ranks, best first, in the Cohere/Jina shape vLLM answers with. */
public record RerankResponse(
        @Schema(description = "Request id.") String id,
        @Schema(description = "The model that ranked (the reward model).") String model,
        Usage usage,
        @Schema(description = "The documents sorted by relevance_score, highest first (ties: lower index first).")
                List<Result> results) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(
            @Schema(description = "The document's index in the request.") int index,
            @Schema(description = "The reward R_i, or the method's objective when a method is given.")
                    double relevanceScore,
            @Schema(description = "The document (unless return_documents is false).") Document document) {}

    public record Document(String text) {}

    public record Usage(@Schema(description = "Tokens of the query under the policy's tokenizer.") int totalTokens) {}
}
