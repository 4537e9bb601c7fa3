package dev.rbon.sample;

/**
 * One step of the logits-processing chain, as transformers' {@code LogitsProcessor} (generation/logits_process.py),
 * for a single row.
 *
 * <p>Implementations are pure: they never modify {@code inputIds} or {@code scores} and always return a new array.
 * A removed token is {@link Float#NEGATIVE_INFINITY}, transformers' {@code filter_value}.
 */
public interface LogitsProcessor {

    /**
     * @param inputIds the row's own unpadded history: prompt followed by the tokens generated so far
     * @param scores the row's scores over the vocabulary (raw logits, or the output of the previous processor)
     * @return a new array with the processed scores
     */
    float[] apply(int[] inputIds, float[] scores);
}
