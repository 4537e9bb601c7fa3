package dev.rbon.lab;

import java.util.Arrays;
import java.util.List;

/** Right-padded id and mask matrices from token rows (pad id 0, the lab tokenizer's {@code <pad>}). */
final class Batches {

    private Batches() {}

    static int width(List<long[]> rows) {
        return rows.stream().mapToInt(r -> r.length).max().orElse(0);
    }

    static long[][] ids(List<long[]> rows, int width) {
        long[][] ids = new long[rows.size()][width];
        for (int r = 0; r < rows.size(); r++) {
            Arrays.fill(ids[r], WordTokenizer.PAD_ID);
            System.arraycopy(rows.get(r), 0, ids[r], 0, rows.get(r).length);
        }
        return ids;
    }

    static long[][] mask(List<long[]> rows, int width) {
        long[][] mask = new long[rows.size()][width];
        for (int r = 0; r < rows.size(); r++) {
            Arrays.fill(mask[r], 0, rows.get(r).length, 1);
        }
        return mask;
    }

    static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
