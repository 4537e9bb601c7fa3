package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Past keys and values of every layer, (B, kvHeads, S, headDim) with the batch on axis 0, held in arrays with room
 * for more slots: a step writes its keys and values in place and reads a view of the slots so far, so decoding
 * does not copy the cache each token; the room grows by {@link #BLOCK} slots when it runs out. Its arrays live in
 * its own manager, a child of the request's, so they outlive each decode step's temporaries and die with the
 * request.
 */
public final class KvCache implements AutoCloseable {

    /** Slots added whenever the room runs out: one copy of the cache per BLOCK decoding steps. */
    static final long BLOCK = 64;

    private final NDManager manager;
    private final NDArray[] keys;   // (B, kvHeads, capacity, headDim)
    private final NDArray[] values;
    private long length;            // slots filled, the same in every layer between steps

    public KvCache(NDManager requestManager, int layers) {
        this.manager = requestManager.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Writes this step's keys and values of {@code layer} after the slots so far and returns views of all of
     * them; the views belong to the step ({@code k}'s manager). The last layer's call ends the step.
     */
    public NDList update(int layer, NDArray k, NDArray v) { // (B, kvHeads, T, headDim) each
        Slots slots = reserve(layer, k.getShape(), k);
        long filled = slots.start() + k.getShape().get(2);
        NDIndex now = new NDIndex(":, :, {}:{}, :", slots.start(), filled);
        slots.keys().set(now, k);
        slots.values().set(now, v);
        NDIndex sofar = new NDIndex(":, :, :{}, :", filled);
        return new NDList(stepOwned(k, slots.keys().get(sofar)), stepOwned(k, slots.values().get(sofar)));
    }

    /**
     * The whole key and value arrays of a layer, (B, kvHeads, capacity, headDim), and the first slot this step
     * writes: the cache's own arrays, for a caller that writes its slots in place (cached_attention.pt).
     */
    record Slots(NDArray keys, NDArray values, long start) {}

    /**
     * Room for this step's {@code shape} (B, kvHeads, T, headDim) in {@code layer}, in {@code like}'s dtype: the
     * arrays grow by {@link #BLOCK} slots when full. The last layer's call ends the step.
     */
    Slots reserve(int layer, Shape shape, NDArray like) {
        long start = length;
        long filled = start + shape.get(2);
        if (keys[layer] == null || keys[layer].getShape().get(2) < filled) {
            keys[layer] = replace(keys[layer], withRoom(keys[layer], shape, like, filled));
            values[layer] = replace(values[layer], withRoom(values[layer], shape, like, filled));
        }
        if (layer == keys.length - 1) {
            length = filled;
        }
        return new Slots(keys[layer], values[layer], start);
    }

    /** A copy of the filled slots of {@code past} (null: none) with room for {@code filled} + BLOCK slots. */
    private NDArray withRoom(NDArray past, Shape shape, NDArray like, long filled) {
        NDArray room = zeros(manager, new Shape(shape.get(0), shape.get(1), filled + BLOCK, shape.get(3)), like);
        if (past != null && length > 0) {
            NDIndex filledSlots = new NDIndex(":, :, :{}, :", length);
            try (NDArray used = past.get(filledSlots)) {
                room.set(filledSlots, used);
            }
        }
        return room;
    }

    private static NDArray stepOwned(NDArray owner, NDArray view) {
        view.attach(owner.getManager());
        return view;
    }

    /** Slots cached so far (0 before the first step). */
    public long length() {
        return length;
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
        long slots = Math.max(length, other.length);
        for (int layer = 0; layer < keys.length; layer++) {
            if (keys[layer] == null) {
                keys[layer] = own(other.keys[layer].duplicate());
                values[layer] = own(other.values[layer].duplicate());
                continue;
            }
            try (NDManager padding = manager.newSubManager()) { // the padded copies die here; the join is kept
                keys[layer] = replace(keys[layer], joined(padding, keys[layer], length, other.keys[layer],
                        other.length, slots));
                values[layer] = replace(values[layer], joined(padding, values[layer], length, other.values[layer],
                        other.length, slots));
            }
        }
        length = slots;
        other.close();
    }

    /** The filled slots of {@code a} above those of {@code b}, each left-padded to {@code slots}, with room. */
    private static NDArray joined(NDManager padding, NDArray a, long aLength, NDArray b, long bLength, long slots) {
        NDArray rows = leftPad(padding, a, aLength, slots).concat(leftPad(padding, b, bLength, slots), 0);
        Shape shape = rows.getShape();
        NDArray room = zeros(padding, new Shape(shape.get(0), shape.get(1), BLOCK, shape.get(3)), rows);
        return rows.concat(room, 2);
    }

    /** The first {@code filled} slots of {@code x} with zeros before them, {@code slots} in all. */
    private static NDArray leftPad(NDManager padding, NDArray x, long filled, long slots) {
        NDArray used = x.get(new NDIndex(":, :, :{}, :", filled));
        used.attach(padding);
        Shape shape = used.getShape();
        if (filled == slots) {
            return used;
        }
        return zeros(padding, new Shape(shape.get(0), shape.get(1), slots - filled, shape.get(3)), used).concat(used, 2);
    }

    /** Zeros in {@code like}'s dtype (DJL 0.36 reports a bfloat16 array's as UNKNOWN). */
    private static NDArray zeros(NDManager manager, Shape shape, NDArray like) {
        DataType dtype = like.getDataType();
        return dtype == DataType.FLOAT32 ? Dtype.FLOAT32.zeros(manager, shape)
                : dtype == DataType.FLOAT16 ? Dtype.FLOAT16.zeros(manager, shape)
                : Dtype.BFLOAT16.zeros(manager, shape);
    }

    /** Drops the first {@code slots} slots of every row: padding that no row of the batch needs any more. */
    public void dropLeadingSlots(long slots) {
        if (slots == 0) {
            return;
        }
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = replace(keys[layer], keys[layer].get(new NDIndex(":, :, {}:, :", slots)));
            values[layer] = replace(values[layer], values[layer].get(new NDIndex(":, :, {}:, :", slots)));
        }
        length -= slots;
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
            length = 0;
            return;
        }
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = replace(keys[layer], keys[layer].get(rows));
            values[layer] = replace(values[layer], values[layer].get(rows));
        }
    }

    private NDArray replace(NDArray old, NDArray replacement) {
        replacement.attach(manager);
        if (old != null) {
            old.close();
        }
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
