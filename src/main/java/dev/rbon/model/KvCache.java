package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Past keys and values of every layer, (B, kvHeads, S, headDim) with the batch on axis 0. Its arrays live in
 * its own manager, a child of the request's, so they outlive each decode step's temporaries and die with the
 * request.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    public KvCache(NDManager requestManager, int layers) {
        this.manager = requestManager.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Appends this step's keys and values of {@code layer} and returns all of them so far. */
    public NDList update(int layer, NDArray k, NDArray v) { // (B, kvHeads, T, headDim) each
        keys[layer] = append(keys[layer], k);
        values[layer] = append(values[layer], v);
        return new NDList(keys[layer], values[layer]); // (B, kvHeads, S, headDim) each
    }

    private NDArray append(NDArray past, NDArray now) {
        NDArray all = past == null ? now.duplicate() : past.concat(now, 2);
        all.attach(manager);
        if (past != null) {
            past.close();
        }
        return all;
    }

    /** Slots cached so far (0 before the first step). */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /** Copies a prefilled single row to {@code rows} rows, so N samples of one prompt share one prefill. */
    public void expand(int rows) {
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = replace(keys[layer], keys[layer].repeat(0, rows));
            values[layer] = replace(values[layer], values[layer].repeat(0, rows));
        }
    }

    /** Keeps only the given rows (finished rows stop costing work). */
    public void keepRows(NDArray rows) { // (B') int64
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = replace(keys[layer], keys[layer].get(rows));
            values[layer] = replace(values[layer], values[layer].get(rows));
        }
    }

    private NDArray replace(NDArray old, NDArray replacement) {
        replacement.attach(manager);
        old.close();
        return replacement;
    }

    /** Arrays the cache holds: 2 per layer once filled; more would mean a step's temporaries are kept. */
    int heldArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
