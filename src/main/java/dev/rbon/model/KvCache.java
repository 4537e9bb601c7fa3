package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

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

    /**
     * Puts {@code other}'s rows below this cache's (continuous batching: a request joins the running batch). The
     * shorter side is left-padded with empty slots, which the caller's attention mask must mark as padding; then
     * {@code other} is closed. An empty cache takes {@code other}'s rows as they are.
     */
    public void appendRows(KvCache other) {
        long slots = Math.max(length(), other.length());
        for (int layer = 0; layer < keys.length; layer++) {
            if (keys[layer] == null) {
                keys[layer] = own(other.keys[layer].duplicate());
                values[layer] = own(other.values[layer].duplicate());
                continue;
            }
            try (NDManager padding = manager.newSubManager()) { // the padded copies die here; the join is kept
                keys[layer] = replace(keys[layer], leftPad(padding, keys[layer], slots)
                        .concat(leftPad(padding, other.keys[layer], slots), 0));
                values[layer] = replace(values[layer], leftPad(padding, values[layer], slots)
                        .concat(leftPad(padding, other.values[layer], slots), 0));
            }
        }
        other.close();
    }

    /** {@code x} with zeros before its slots, up to {@code slots}. */
    private static NDArray leftPad(NDManager padding, NDArray x, long slots) { // (B, kvH, S, hd) -> (B, kvH, slots, hd)
        Shape shape = x.getShape();
        if (shape.get(2) == slots) {
            return x;
        }
        NDArray zeros = padding.zeros(new Shape(shape.get(0), shape.get(1), slots - shape.get(2), shape.get(3)),
                x.getDataType());
        return zeros.concat(x, 2);
    }

    /** Drops the first {@code slots} slots of every row: padding that no row of the batch needs any more. */
    public void dropLeadingSlots(long slots) {
        if (slots == 0) {
            return;
        }
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = replace(keys[layer], keys[layer].get(":, :, " + slots + ":, :"));
            values[layer] = replace(values[layer], values[layer].get(":, :, " + slots + ":, :"));
        }
    }

    private NDArray own(NDArray x) {
        x.attach(manager);
        return x;
    }

    /** Keeps only the given rows (finished rows stop costing work); none left, the cache is empty again. */
    public void keepRows(NDArray rows) { // (B') int64
        if (rows.size() == 0) {
            for (int layer = 0; layer < keys.length; layer++) {
                keys[layer].close();
                values[layer].close();
            }
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            return;
        }
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
