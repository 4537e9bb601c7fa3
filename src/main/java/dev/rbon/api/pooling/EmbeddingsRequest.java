package dev.rbon.api.pooling;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** POST /v1/embeddings, OpenAI's Embeddings API as vLLM serves it: the fields rbon honours. */
@Schema(description = "Sentence embeddings of texts (OpenAI's Embeddings API).")
public record EmbeddingsRequest(
        @Schema(description = "A text or a list of texts.", required = true, implementation = Object.class,
                example = "[\"a cat sat\", \"a dog ran\"]")
                JsonNode input,
        @Schema(description = "The served model's name; absent: the embedding model.") String model,
        @Schema(description = "float (a JSON array) or base64 (little-endian float32 bytes).", defaultValue = "float",
                enumeration = {"float", "base64"}) String encodingFormat,
        @Schema(description = "Must be absent or the model's own dimension (no Matryoshka truncation).")
                Integer dimensions,
        @Schema(description = "Ignored.") String user) {}
