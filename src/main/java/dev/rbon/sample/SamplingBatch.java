package dev.rbon.sample;

import java.util.List;

/**
 * The rows of one decoding step, as the logits processors see them: each row's own sampling parameters and its
 * token history (prompt followed by the tokens generated so far). Rows of one request share their parameters; rows
 * of different requests (continuous batching) need not, so every processor reads its parameter row by row.
 */
public interface SamplingBatch {

    /** Rows in the step: the batch dimension B of the logits. */
    int size();

    SamplingParams params(int row);

    /** The row's history is {@code ids(row)[0 .. length(row))}; the array may be longer. */
    long[] ids(int row);

    int length(int row);

    /** Whether any row satisfies {@code test}: a processor no row needs is left out of the step. */
    default boolean any(java.util.function.Predicate<SamplingParams> test) {
        for (int row = 0; row < size(); row++) {
            if (test.test(params(row))) {
                return true;
            }
        }
        return false;
    }

    /** A fixed batch: one parameter set and one whole history per row. */
    static SamplingBatch of(List<SamplingParams> params, List<long[]> histories) {
        if (params.size() != histories.size()) {
            throw new IllegalArgumentException(params.size() + " parameter rows for " + histories.size() + " histories");
        }
        List<SamplingParams> rows = List.copyOf(params);
        List<long[]> ids = List.copyOf(histories);
        return new SamplingBatch() {
            @Override
            public int size() {
                return rows.size();
            }

            @Override
            public SamplingParams params(int row) {
                return rows.get(row);
            }

            @Override
            public long[] ids(int row) {
                return ids.get(row);
            }

            @Override
            public int length(int row) {
                return ids.get(row).length;
            }
        };
    }
}
