package dev.rbon.score;

import dev.rbon.model.InputTooLongException;
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
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).length > reward.maxPositionEmbeddings()) {
                throw new InputTooLongException(i, ids.get(i).length, reward.maxPositionEmbeddings(),
                        "the reward model " + reward.name() + " (prompt + response)");
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
