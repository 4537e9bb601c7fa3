package dev.rbon.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.model.DecoderModel;
import dev.rbon.score.TokenBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A request's peak memory, estimated from its shape before it runs, so that a request too large for the machine
 * gets a 422 up front instead of taking the service down. The terms follow what rbon's bounded float32 passes hold
 * (docs/memory.md, checked against peaks measured on Qwen2.5-0.5B's shape), per phase; a request's peak is its
 * largest phase (each phase's arrays die with it):
 *
 * <ul>
 *   <li>a forward pass of B rows x T new tokens over S positions holds one layer's temporaries at a time
 *       (model.LayerScope): {@code 18 B T D + 5 B T I} (norms, projections, rotary, residuals; the gated MLP) and
 *       four (B, H, T_chunk, S) attention blocks, T_chunk = max(1, 2^24 / (B H S)); beside them the pass's own
 *       {@code 6 B T D} (embeddings, the layer in and out, the final norm);
 *   <li>its KV cache, {@code 2 L B Hkv S d}, twice while it is copied into a larger block;
 *   <li>a teacher-forced pass's lm_head chunk, logits and log-softmax {@code 2 B L_chunk V}, L_chunk =
 *       max(1, 2^25 / (B V)); a decode step's sampling chain, about {@code 12 B V};
 * </ul>
 * in float32 (4 bytes), times a 1.25 allowance for the allocator. Scoring runs in passes of at most
 * {@link TokenBudget}'s tokens (rows x padded length), so its estimate is one such pass whatever N.
 */
public final class MemoryBudget {

    private static final double ALLOCATOR_ALLOWANCE = 1.25;
    private static final int FLOAT = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MemoryBudget() {}

    /** The sizes of a transformer that decide its memory, read from its config.json. */
    public record ModelShape(int layers, int heads, int kvHeads, int headDim, int hidden, int intermediate, int vocab) {

        /** config.json of a Llama/Qwen2/Mistral/GPT-2/BERT folder (transformers' key names and defaults). */
        public static ModelShape of(Path modelDir) {
            JsonNode c;
            try {
                c = JSON.readTree(Files.readString(modelDir.resolve("config.json")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int hidden = first(c, 768, "hidden_size", "n_embd");
            int heads = first(c, 12, "num_attention_heads", "n_head");
            int kvHeads = first(c, heads, "num_key_value_heads");
            return new ModelShape(first(c, 12, "num_hidden_layers", "n_layer"), heads, kvHeads,
                    first(c, hidden / heads, "head_dim"), hidden, first(c, 4 * hidden, "intermediate_size", "n_inner"),
                    first(c, 0, "vocab_size"));
        }

        private static int first(JsonNode config, int fallback, String... keys) {
            for (String key : keys) {
                if (config.hasNonNull(key)) {
                    return config.get(key).asInt();
                }
            }
            return fallback;
        }
    }

    /** Bytes one forward pass holds at its peak, without logits: B rows, T new tokens, S positions in all. */
    static long forwardPass(ModelShape m, long rows, long tokens, long positions) {
        long block = DecoderModel.attentionBlockElements();
        long chunk = Math.min(tokens, Math.max(1, block / (rows * m.heads() * positions))); // queries per chunk
        long attention = 4 * rows * m.heads() * chunk * positions;                          // (B, H, Tc, S) x 4
        long layer = attention + 18 * rows * tokens * m.hidden() + 5 * rows * tokens * m.intermediate();
        return FLOAT * (layer + 6 * rows * tokens * m.hidden());
    }

    static long kvCache(ModelShape m, long rows, long positions) {
        return FLOAT * 2L * m.layers() * rows * m.kvHeads() * positions * m.headDim();
    }

    /** Sampling n rows: the prefill, then the last (longest) decode step with its cache and sampling chain. */
    public static long sampling(ModelShape policy, int n, int promptTokens, int maxNewTokens) {
        long positions = promptTokens + maxNewTokens;
        long prefill = forwardPass(policy, 1, promptTokens, promptTokens) + kvCache(policy, n, promptTokens);
        long lastStep = forwardPass(policy, n, 1, positions) + 2 * kvCache(policy, n, positions)
                + 12L * FLOAT * n * policy.vocab();
        return allow(Math.max(prefill, lastStep));
    }

    /** A reward (or decoder-embedding) pass over {@code rows} rows of {@code tokens} each, in token-budget passes. */
    public static long encoder(ModelShape model, int rows, int tokens) {
        long batch = TokenBudget.rowsPerPass(rows, tokens);
        return allow(forwardPass(model, batch, tokens, tokens));
    }

    /** The reference log-probs: prompt + response through the model, the response positions through the lm_head. */
    public static long reference(ModelShape reference, int rows, int promptTokens, int responseTokens) {
        int tokens = promptTokens + responseTokens;
        long batch = TokenBudget.rowsPerPass(rows, tokens);
        long chunk = TokenBudget.positionsPerChunk(batch, reference.vocab(), Math.max(1, responseTokens));
        return allow(forwardPass(reference, batch, tokens, tokens) + FLOAT * batch * tokens * reference.hidden()
                + 2L * FLOAT * batch * chunk * reference.vocab());
    }

    private static long allow(long bytes) {
        return (long) (bytes * ALLOCATOR_ALLOWANCE);
    }

    /**
     * rbon.limits.max-request-memory when unset: the physical memory (the container's limit where there is one)
     * less the JVM's maximum heap and the weights (one copy, shared by the workers), shared among the workers, of
     * which 80%, leaving room for the engine and the OS. Never below 256 MiB.
     */
    public static long defaultLimit(long physicalBytes, long maxHeapBytes, long weightBytes, int workers) {
        long free = physicalBytes - maxHeapBytes - weightBytes;
        return Math.max(256L << 20, (long) (0.8 * free / Math.max(1, workers)));
    }

    /** 1.5 GiB, 300 MiB: for the messages a client reads. */
    public static String human(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%d MiB", bytes >> 20);
    }
}
