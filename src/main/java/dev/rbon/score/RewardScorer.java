package dev.rbon.score;

import dev.rbon.model.SequenceClassifier;
import java.util.ArrayList;
import java.util.List;

/**
 * R_i: the reward model's score of prompt + response, tokenized as one string with the reward model's own
 * tokenizer and special tokens (its vocabulary need not be the policy's), in right-padded batches.
 */
public final class RewardScorer {

    private static final int ROWS_PER_PASS = 16;

    private RewardScorer() {}

    public static double[] rewards(SequenceClassifier reward, String prompt, List<String> responses) {
        List<long[]> ids = responses.stream().map(r -> reward.tokenizer().encode(prompt + r, true)).toList();
        for (long[] row : ids) {
            if (row.length > reward.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("prompt + response is " + row.length
                        + " reward-model tokens, over its limit of " + reward.maxPositionEmbeddings());
            }
        }
        double[] out = new double[ids.size()];
        for (int from = 0; from < ids.size(); from += ROWS_PER_PASS) {
            float[] scores = reward.score(new ArrayList<>(ids.subList(from, Math.min(ids.size(), from + ROWS_PER_PASS))));
            for (int i = 0; i < scores.length; i++) {
                out[from + i] = scores[i];
            }
        }
        return out;
    }
}
