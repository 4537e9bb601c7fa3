package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.model.SentenceEmbedder;
import java.util.List;

/**
 * Sentence embeddings from an engine's OpenAI Embeddings API ({@code POST /v1/embeddings}, {@code encoding_format:
 * float}), L2-normalised here so that a dot product is the cosine whether or not the engine normalises. One
 * instance serves every worker; it holds no native memory.
 */
public final class RemoteEmbedder implements SentenceEmbedder {

    static final String ROUTE = "/embeddings";

    private final Backend backend;
    private volatile int dimension = -1;

    public RemoteEmbedder(Backend backend) {
        this.backend = backend;
    }

    @Override
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        ObjectNode body = backend.body();
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        body.put("encoding_format", "float");
        JsonNode data = backend.post(ROUTE, body, Backend.Retry.IDEMPOTENT).path("data");
        if (!data.isArray() || data.size() != texts.size()) {
            throw backend.malformed(ROUTE, "expected data[] with " + texts.size() + " embeddings, got "
                    + (data.isArray() ? data.size() : data.getNodeType()));
        }
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < data.size(); i++) {
            int index = data.get(i).path("index").asInt(i);
            if (index < 0 || index >= out.length || out[index] != null) {
                throw backend.malformed(ROUTE, "data[" + i + "].index " + data.get(i).path("index") + " is out of place");
            }
            out[index] = unit(data.get(i).path("embedding"), i, out[0] == null ? -1 : out[0].length);
        }
        dimension = out[0].length;
        return out;
    }

    private float[] unit(JsonNode embedding, int i, int expected) {
        if (!embedding.isArray() || embedding.isEmpty() || expected >= 0 && embedding.size() != expected) {
            throw backend.malformed(ROUTE, "data[" + i + "].embedding must be a float array"
                    + (expected >= 0 ? " of " + expected : "") + ", got " + embedding.getNodeType() + " of " + embedding.size());
        }
        float[] e = new float[embedding.size()];
        double norm = 0;
        for (int k = 0; k < e.length; k++) {
            JsonNode x = embedding.get(k);
            if (!x.isNumber() || !Double.isFinite(x.asDouble())) {
                throw backend.malformed(ROUTE, "data[" + i + "].embedding[" + k + "] is not a finite number");
            }
            e[k] = (float) x.asDouble();
            norm += (double) e[k] * e[k];
        }
        if (norm == 0) {
            throw backend.malformed(ROUTE, "data[" + i + "].embedding is all zeros");
        }
        double inverse = 1 / Math.sqrt(norm);
        for (int k = 0; k < e.length; k++) {
            e[k] = (float) (e[k] * inverse);
        }
        return e;
    }

    /** The length the engine's embeddings have; known after the first call (-1 before). */
    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String name() {
        return backend.model().orElse(backend.url().toString());
    }

    @Override
    public String device() {
        return "remote " + backend.url();
    }

    /** Shared by the workers and owns no native memory: nothing to release. */
    @Override
    public void close() {}

    public Backend backend() {
        return backend;
    }
}
