package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/** torch.nn.Embedding's lookup: rows of a table at token (or position) ids. */
final class Embedding {

    private Embedding() {}

    /** Rows of {@code table} at {@code ids}, owned by the ids' manager (never by the table's). */
    static NDArray lookup(NDArray ids, NDArray table) { // (..., S), (vocab, hidden) -> (..., S, hidden)
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
