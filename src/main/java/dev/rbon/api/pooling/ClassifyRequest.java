package dev.rbon.api.pooling;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /classify, vLLM's Classification API (ClassificationCompletionRequest): the fields rbon honours. */
@Schema(description = "Score texts or token-id sequences with the reward model (vLLM's Classification API).")
public record ClassifyRequest(
        @Schema(description = "The served model's name; absent: the reward model.") String model,
        @Schema(description = "A text, a list of texts, a list of token ids, or a list of token-id lists.",
                required = true, implementation = Object.class, example = "[\"Once upon a time there was a cat\"]")
                JsonNode input,
        @Schema(description = "Add the tokenizer's special tokens (BOS, ...) to texts.", defaultValue = "true")
                Boolean addSpecialTokens,
        @Schema(description = "Apply the activation (sigmoid: the model has one label); false gives the raw score,"
                + " which is the reward.", defaultValue = "true") Boolean useActivation,
        @Schema(description = "Ignored, as in vLLM.") String user) {}
