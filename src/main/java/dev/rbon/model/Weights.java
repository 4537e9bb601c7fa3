package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Where an architecture's loader reads its named weights from: a checkpoint folder ({@link Checkpoint}), or an
 * in-memory map of arrays, which is how the lab trains a model with DJL autograd through the same architecture
 * code that serves it.
 */
public interface Weights {

    boolean has(String key);

    /** The weight named {@code key}; a checkpoint creates it in {@code manager}, a map returns its own array. */
    NDArray load(NDManager manager, String key);

    /** The compute dtype {@link #load} gives weights in; arrays held in memory are used as they are. */
    default Dtype dtype() {
        return Dtype.FLOAT32;
    }

    /**
     * Whether {@link #load} lends the caller an array someone else owns (a map's, which the lab trains in place)
     * rather than making one the caller owns (a checkpoint's): a lent array is used as it is, never copied or closed.
     */
    default boolean lends() {
        return false;
    }

    /** The weight named {@code key} in float32 whatever the compute dtype: what int8 quantizes from. */
    default NDArray loadFloat32(NDManager manager, String key) {
        return load(manager, key);
    }

    /** Weights held in memory, keyed by checkpoint name; the arrays are used as they are (not copied). */
    static Weights of(Map<String, NDArray> arrays) {
        return new Weights() {
            @Override
            public boolean has(String key) {
                return arrays.containsKey(key);
            }

            @Override
            public NDArray load(NDManager manager, String key) {
                NDArray array = arrays.get(key);
                if (array == null) {
                    throw new IllegalArgumentException("weight " + key + " is missing");
                }
                return array;
            }

            @Override
            public boolean lends() {
                return true;
            }
        };
    }
}
