package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * A pass's temporaries die layer by layer: each block runs in its own sub-manager of the caller's, its input is
 * attached to that sub-manager (so it dies with the block that consumed it) and only its output goes back to the
 * caller. Every op in a block derives from its input (an op's result belongs to its first operand's manager), so
 * the block's projections, norms and MLP activations land in the sub-manager; arrays a block keeps on purpose
 * (the KV cache) are attached to their own manager by their owner.
 */
final class LayerScope {

    private LayerScope() {}

    /** {@code block(x)}, holding at most one block's temporaries; {@code x} is consumed. */
    static NDArray run(NDArray x, UnaryOperator<NDArray> block) {
        NDManager caller = x.getManager();
        try (NDManager layer = caller.newSubManager()) {
            x.attach(layer);
            NDArray out = block.apply(x);
            out.attach(caller);
            return out;
        }
    }
}
