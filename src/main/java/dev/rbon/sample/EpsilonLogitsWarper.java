package dev.rbon.sample;

// Mirrors transformers' EpsilonLogitsWarper (generation/logits_process.py), min_tokens_to_keep = 1.

/**
 * Epsilon sampling: takes the softmax of the (already warped) scores and removes every token whose probability is
 * below {@code epsilon}, except the top token: a token goes only if it also scores strictly below the maximum, so all
 * tokens tied at the maximum stay. As in torch, the probability is compared with {@code epsilon} rounded to float32.
 */
public final class EpsilonLogitsWarper implements LogitsProcessor {

    private final float epsilon;

    public EpsilonLogitsWarper(double epsilon) {
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException(
                    "epsilon must be in (0, 1) (0 disables epsilon sampling: leave the warper out), got " + epsilon);
        }
        this.epsilon = (float) epsilon;
    }

    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        float[] probabilities = Softmax.softmax(scores);
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        float[] processed = scores.clone();
        for (int i = 0; i < processed.length; i++) {
            if (probabilities[i] < epsilon && scores[i] < max) {
                processed[i] = Float.NEGATIVE_INFINITY;
            }
        }
        return processed;
    }
}
