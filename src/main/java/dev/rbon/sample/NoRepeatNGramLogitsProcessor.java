package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

// Mirrors transformers' NoRepeatNGramLogitsProcessor (generation/logits_process.py).

/**
 * Forbids repeating an n-gram: bans (sets to {@code -inf}) every token that, appended to the row, would complete an
 * n-gram already present in the row. The row is its whole unpadded history, prompt included, as transformers does
 * for decoder-only models, and it applies to greedy rows too. Each row has its own n; 0 leaves the row alone.
 *
 * <p>The banned ids come from the history, which lives on the host; only the (row, token) pairs go to the device,
 * where one {@code put} writes their {@code -inf}. The n-grams already present are the windows
 * {@code ids[s .. s+n)}; the next token completes one iff the row's last {@code n-1} tokens equal the window's first
 * {@code n-1}, and then it bans the window's last token. A row shorter than n holds no complete n-gram, so nothing
 * is banned. With n = 1 every token already in the row is banned.
 */
public final class NoRepeatNGramLogitsProcessor implements LogitsProcessor {

    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) { // (B, V) -> (B, V)
        long vocab = scores.getShape().get(1);
        long[] flat = new long[16];
        int count = 0;
        for (int row = 0; row < batch.size(); row++) {
            for (long token : banned(batch.ids(row), batch.length(row), batch.params(row).noRepeatNgramSize())) {
                if (token < 0 || token >= vocab) {
                    throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of size " + vocab);
                }
                if (count == flat.length) {
                    flat = Arrays.copyOf(flat, 2 * count);
                }
                flat[count++] = row * vocab + token;
            }
        }
        if (count == 0) {
            return scores.duplicate();
        }
        NDManager manager = scores.getManager();
        NDArray index = manager.create(Arrays.copyOf(flat, count));                            // (M) int64
        NDArray filter = manager.full(index.getShape(), Float.NEGATIVE_INFINITY, scores.getDataType()); // (M)
        NDArray processed = scores.put(index, filter);                                          // (B, V)
        index.close();
        filter.close();
        return processed;
    }

    /** The tokens banned after {@code ids[0 .. length)} for n-gram size {@code n} (0: none); may repeat ids. */
    static long[] banned(long[] ids, int length, int n) {
        if (n == 0 || length < n) {
            return new long[0];
        }
        long[] out = new long[4];
        int count = 0;
        int prefixStart = length - (n - 1); // the row's last n-1 tokens
        for (int start = 0; start + n <= length; start++) {
            if (Arrays.equals(ids, start, start + n - 1, ids, prefixStart, length)) {
                if (count == out.length) {
                    out = Arrays.copyOf(out, 2 * count);
                }
                out[count++] = ids[start + n - 1];
            }
        }
        return Arrays.copyOf(out, count);
    }
}
