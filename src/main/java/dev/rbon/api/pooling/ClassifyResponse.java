package dev.rbon.api.pooling;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rbon.decode.Pooling;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** vLLM's ClassificationResponse. */
@Schema(description = "One result per input, in order (vLLM's ClassificationResponse).")
public record ClassifyResponse(String id, String object, long created, String model, List<Classification> data, ClassifyUsage usage) {

    public record Classification(
            int index,
            @Schema(description = "The label of the highest score (config.json's id2label)") String label,
            @Schema(description = "One score per label: the raw score, or its sigmoid with use_activation")
                    List<Double> probs,
            int numClasses) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClassifyUsage(int promptTokens, int totalTokens, int completionTokens) {}

    static ClassifyResponse of(Pooling.Classified c) {
        List<Classification> data = new ArrayList<>();
        for (int i = 0; i < c.scores().length; i++) {
            data.add(new Classification(i, c.label(), List.of(c.scores()[i]), 1));
        }
        return new ClassifyResponse("classify-" + UUID.randomUUID().toString().replace("-", ""), "list",
                System.currentTimeMillis() / 1000, c.model(), data, new ClassifyUsage(c.promptTokens(), c.promptTokens(), 0));
    }
}
