package dev.rbon.api;

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
public record EmbeddingsResponse(String id, String object, long created, String model, List<Data> data, Usage usage) {

    public record Data(
            int index,
            String object,
            @Schema(description = "The vector: an array of floats, or a base64 string of little-endian float32",
                    oneOf = {float[].class, String.class}) Object embedding) {}

    public record Usage(int promptTokens, int totalTokens) {}

    static EmbeddingsResponse of(Pooling.Embedded e, boolean base64) {
        List<Data> data = new ArrayList<>();
        for (int i = 0; i < e.embeddings().length; i++) {
            data.add(new Data(i, "embedding", base64 ? base64(e.embeddings()[i]) : e.embeddings()[i]));
        }
        return new EmbeddingsResponse("embd-" + UUID.randomUUID().toString().replace("-", ""), "list",
                System.currentTimeMillis() / 1000, e.model(), data, new Usage(e.promptTokens(), e.promptTokens()));
    }

    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
