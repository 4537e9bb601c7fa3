package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Texts tokenized and right-padded into one (B, S) batch with its attention mask (1 real token, 0 padding), as
 * transformers' tokenizer(texts, padding=True) returns them. Row-major flat arrays, ready for an NDArray or an
 * ONNX tensor. Nothing is truncated: a text longer than the model's positions is refused.
 */
public record PaddedBatch(long[] inputIds, long[] attentionMask, int batchSize, int length) {

    /**
     * Tokenizes {@code texts} with their special tokens and pads them with {@code padTokenId} (its value never
     * matters: padding is masked out of attention and pooling).
     *
     * @throws InputTooLongException if a text has more than {@code maxLength} tokens
     */
    static PaddedBatch encode(TextTokenizer tokenizer, List<String> texts, int maxLength, long padTokenId,
            String model) {
        long[][] rows = new long[texts.size()][];
        int length = 0;
        for (int i = 0; i < rows.length; i++) {
            rows[i] = tokenizer.encode(texts.get(i), true);
            if (rows[i].length > maxLength) {
                throw new InputTooLongException(i, rows[i].length, maxLength, model);
            }
            length = Math.max(length, rows[i].length);
        }
        return pad(rows, length, padTokenId);
    }

    /** Token sequences right-padded to the longest. */
    public static PaddedBatch of(List<long[]> rows, long padTokenId) {
        return pad(rows.toArray(new long[0][]), rows.stream().mapToInt(r -> r.length).max().orElse(0), padTokenId);
    }

    private static PaddedBatch pad(long[][] rows, int length, long padTokenId) {
        long[] inputIds = new long[rows.length * length];
        long[] attentionMask = new long[rows.length * length];
        Arrays.fill(inputIds, padTokenId);
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, inputIds, i * length, rows[i].length);
            Arrays.fill(attentionMask, i * length, i * length + rows[i].length, 1L);
        }
        return new PaddedBatch(inputIds, attentionMask, rows.length, length);
    }

    long[] shape() { // (B, S)
        return new long[] {batchSize, length};
    }

    public NDArray inputIds(NDManager manager) { // (B, S)
        return manager.create(inputIds, new Shape(batchSize, length));
    }

    public NDArray attentionMask(NDManager manager) { // (B, S)
        return manager.create(attentionMask, new Shape(batchSize, length));
    }

    /** Row {@code row}'s id at {@code position}, padding included. */
    public long id(int row, int position) {
        return inputIds[row * length + position];
    }
}
