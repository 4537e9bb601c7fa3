package dev.rbon.score;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Scoring passes sized by a token budget rather than a fixed number of rows: rows sorted by length, longest first
 * (so each pass pads little), then cut into passes whose rows x padded length stays within the budget; a row
 * longer than the budget goes alone. A pass's activations grow with its tokens, so the budget bounds them whatever
 * the candidates' count and lengths; callers put each row's result back at its original index.
 */
public final class TokenBudget {

    /**
     * Tokens (rows x padded length) per scoring pass: 4096 keeps a pass of Qwen2.5-0.5B's shape under ~0.5 GB of
     * per-layer activations (docs/memory.md). Process-wide: rbon.passes.scoring-tokens sets it ({@link #configure});
     * tests force small passes.
     */
    static volatile int tokensPerPass = 4096;

    /**
     * Elements of one (B, L_chunk, vocab) block of reference logits ({@link TeacherForcing}): L_chunk =
     * max(1, this / (B vocab)). 2^25 floats is 128 MiB, enough rows per chunk (~220 on a 152k vocabulary) that the
     * lm_head's matmul stays efficient. rbon.passes.logit-elements sets it.
     */
    static volatile long logitElements = 1L << 25;

    private TokenBudget() {}

    /** Sets both bounds for every scoring pass of the process, before any runs. */
    public static void configure(int tokensPerPass, long logitElements) {
        if (tokensPerPass < 1 || logitElements < 1) {
            throw new IllegalArgumentException("scoring tokens and logit elements must be >= 1, got "
                    + tokensPerPass + " and " + logitElements);
        }
        TokenBudget.tokensPerPass = tokensPerPass;
        TokenBudget.logitElements = logitElements;
    }

    /** Rows in a pass whose longest row has {@code paddedLength} tokens (what {@link #passes} cuts). */
    public static int rowsPerPass(int rows, int paddedLength) {
        return Math.max(1, Math.min(rows, tokensPerPass / Math.max(1, paddedLength)));
    }

    /** Positions of one lm_head chunk of a teacher-forced pass of {@code rows} rows. */
    public static long positionsPerChunk(long rows, long vocab, long positions) {
        return Math.max(1, Math.min(positions, logitElements / (rows * vocab)));
    }

    /** The passes, each the original indices of its rows, longest first. */
    static List<int[]> passes(int[] lengths) {
        int[] order = IntStream.range(0, lengths.length).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -lengths[i])).mapToInt(Integer::intValue).toArray();
        List<int[]> passes = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            int rows = rowsPerPass(order.length - from, lengths[order[from]]); // the first row is the pass's longest
            int[] pass = new int[rows];
            System.arraycopy(order, from, pass, 0, rows);
            passes.add(pass);
            from += rows;
        }
        return passes;
    }

    /** The elements of {@code list} at {@code indices}, in that order. */
    static <T> List<T> pick(List<T> list, int[] indices) {
        List<T> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(list.get(i));
        }
        return out;
    }
}
