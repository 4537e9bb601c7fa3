package dev.rbon.api.pooling;

import dev.rbon.decode.Pooling;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** OpenAI's (and vLLM's) embeddings answer. */
@Schema(description = "One unit-length embedding per input, in order.")
public record EmbeddingsResponse(String id, String object, long created, String model, List<Embedding> data, EmbeddingsUsage usage) {

    public record Embedding(
            int index,
            String object,
            @Schema(description = "The vector: an array of floats, or with encoding_format base64 a base64 string of "
                    + "its little-endian float32 bytes") Object embedding) {}

    public record EmbeddingsUsage(int promptTokens, int totalTokens) {}

    static EmbeddingsResponse of(Pooling.Embedded e, boolean base64) {
        List<Embedding> data = new ArrayList<>();
        for (int i = 0; i < e.embeddings().length; i++) {
            data.add(new Embedding(i, "embedding", base64 ? base64(e.embeddings()[i]) : e.embeddings()[i]));
        }
        return new EmbeddingsResponse("embd-" + UUID.randomUUID().toString().replace("-", ""), "list",
                System.currentTimeMillis() / 1000, e.model(), data, new EmbeddingsUsage(e.promptTokens(), e.promptTokens()));
    }

    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
