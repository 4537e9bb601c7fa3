package dev.rbon.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A request's peak memory, estimated from its shape before it runs, so that a request too large for the machine
 * gets a 422 up front instead of taking the service down. The estimate follows what rbon's float32 passes hold
 * today (measured on Qwen2.5-0.5B's shape, docs/benchmarks.md), per phase, and a request's peak is its largest
 * phase (each phase's arrays die with it):
 *
 * <ul>
 *   <li>a forward pass of B rows x T new tokens over S positions keeps every layer's temporaries until it ends:
 *       per layer {@code 4 B H T S} (attention scores, mask, softmax, weights) {@code + 2 B H S d} (GQA-repeated
 *       keys and values) {@code + 10 B T D + 3 B T I} (projections, norms, residuals; the gated MLP);
 *   <li>its KV cache, {@code 2 L B Hkv S d}, twice while a step concatenates it;
 *   <li>the reference pass's logits and log-softmax over the response positions, {@code 2 B T_resp V}; a decode
 *       step's sampling chain, about {@code 12 B V} (sort indices, gathers, masks);
 * </ul>
 * in float32 (4 bytes), times a 1.25 allowance for the allocator. Scoring passes run {@value #ROWS_PER_PASS} rows
 * at a time (RewardScorer, ReferenceScorer); the embedder's pass is the same formula on its own shape.
 */
public final class MemoryBudget {

    /** Rows per scoring pass, as RewardScorer and ReferenceScorer batch them. */
    static final int ROWS_PER_PASS = 16;
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
        long perLayer = 4 * rows * m.heads() * tokens * positions + 2 * rows * m.heads() * positions * m.headDim()
                + 10 * rows * tokens * m.hidden() + 3 * rows * tokens * m.intermediate();
        return FLOAT * m.layers() * perLayer;
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

    /** A reward or embedding pass: rows of {@code tokens} each, {@value #ROWS_PER_PASS} at a time (all at once: embedder). */
    public static long encoder(ModelShape model, int rows, int tokens, boolean batchedBySixteen) {
        long batch = batchedBySixteen ? Math.min(rows, ROWS_PER_PASS) : rows;
        return allow(forwardPass(model, batch, tokens, tokens));
    }

    /** The reference log-probs: prompt + response through the model, the response positions through the lm_head. */
    public static long reference(ModelShape reference, int rows, int promptTokens, int responseTokens) {
        long batch = Math.min(rows, ROWS_PER_PASS);
        long tokens = promptTokens + responseTokens;
        return allow(forwardPass(reference, batch, tokens, tokens)
                + 2L * FLOAT * batch * responseTokens * reference.vocab());
    }

    private static long allow(long bytes) {
        return (long) (bytes * ALLOCATOR_ALLOWANCE);
    }

    /**
     * rbon.limits.max-request-memory when unset: the physical memory (the container's limit where there is one)
     * less the JVM's maximum heap and the weights every worker holds, shared among the workers (each runs one
     * request at a time), of which 80%, leaving room for the engine and the OS. Never below 256 MiB.
     */
    public static long defaultLimit(long physicalBytes, long maxHeapBytes, long weightBytesPerWorker, int workers) {
        long free = physicalBytes - maxHeapBytes - (long) workers * weightBytesPerWorker;
        return Math.max(256L << 20, (long) (0.8 * free / Math.max(1, workers)));
    }

    /** 1.5 GiB, 300 MiB: for the messages a client reads. */
    public static String human(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%d MiB", bytes >> 20);
    }
}
