package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Greedy decoding and teacher forcing over a CausalLM, for the parity tests (the service's sampler is elsewhere). */
final class Greedy {

    private Greedy() {}

    static float[] lastLogits(CausalLM lm, NDManager manager, long[] ids) {
        NDArray logits = lm.forward(manager.create(new long[][] {ids}), manager.ones(new ai.djl.ndarray.types.Shape(1, ids.length),
                ai.djl.ndarray.types.DataType.INT64), lm.newCache(manager)); // (1, T, vocab)
        return logits.get(0, ids.length - 1).toFloatArray();
    }

    /** {@code steps} greedy tokens after {@code promptIds}, one forward step per token with the KV cache. */
    static long[] decode(CausalLM lm, long[] promptIds, int steps) {
        long[] out = new long[steps];
        try (NDManager manager = lm.newRequestManager(); KvCache cache = lm.newCache(manager)) {
            long[] input = promptIds;
            int seen = 0;
            for (int step = 0; step < steps; step++) {
                seen += input.length;
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray ids = stepManager.create(new long[][] {input});
                    NDArray mask = stepManager.ones(new ai.djl.ndarray.types.Shape(1, seen), ai.djl.ndarray.types.DataType.INT64);
                    NDArray logits = lm.forward(ids, mask, cache); // (1, T, vocab)
                    out[step] = logits.get(0, input.length - 1).argMax().getLong();
                }
                input = new long[] {out[step]};
            }
        }
        return out;
    }

    /** log p(response_t | prompt, response_<t) for each response token, natural log. */
    static float[] teacherForcedLogprobs(CausalLM lm, long[] promptIds, long[] responseIds) {
        long[] all = new long[promptIds.length + responseIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(responseIds, 0, all, promptIds.length, responseIds.length);
        try (NDManager manager = lm.newRequestManager()) {
            NDArray logits = lm.forward(manager.create(new long[][] {all}),
                    manager.ones(new ai.djl.ndarray.types.Shape(1, all.length), ai.djl.ndarray.types.DataType.INT64),
                    lm.newCache(manager));
            NDArray logprobs = logits.get(0).logSoftmax(1); // (T, vocab)
            float[] out = new float[responseIds.length];
            for (int t = 0; t < out.length; t++) {
                out[t] = logprobs.getFloat(promptIds.length - 1 + t, responseIds[t]);
            }
            return out;
        }
    }
}
