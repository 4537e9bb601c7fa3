package dev.rbon.score;

import dev.rbon.model.InputTooLongException;
import dev.rbon.model.SequenceClassifier;
import java.util.ArrayList;
import java.util.List;

/**
 * R_i: the reward model's score of each response to the conversation, read as the reward model's
 * {@link RewardInput} convention says (with the reward model's own tokenizer: its vocabulary need not be the
 * policy's), in right-padded passes sized by a token budget ({@link TokenBudget}).
 */
public final class RewardScorer {

    private RewardScorer() {}

    /**
     * @throws InputTooLongException if a response's input is longer than the reward model's positions
     * @throws dev.rbon.model.ChatTemplate.TemplateException if the reward model's template refuses the conversation
     */
    public static double[] rewards(SequenceClassifier reward, RewardInput input, Conversation conversation,
            List<String> responses) {
        return rewards(reward, encode(reward, input, conversation, responses));
    }

    /**
     * The reward model's input ids of each response, read in {@code input}'s convention: what {@link #rewards}
     * scores, encoded once (admission sizes a request by them before it is scored).
     *
     * @throws InputTooLongException if a response's input is longer than the reward model's positions
     * @throws dev.rbon.model.ChatTemplate.TemplateException if the reward model's template refuses the conversation
     */
    public static List<long[]> encode(SequenceClassifier reward, RewardInput input, Conversation conversation,
            List<String> responses) {
        List<long[]> ids = responses.stream().map(r -> input.encode(conversation, r)).toList();
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).length > reward.maxPositionEmbeddings()) {
                throw new InputTooLongException(i, ids.get(i).length, reward.maxPositionEmbeddings(),
                        "the reward model " + reward.name() + " (conversation + response)");
            }
        }
        return ids;
    }

    /** The reward model's score of each row of {@link #encode}'s ids, in token-budget passes. */
    public static double[] rewards(SequenceClassifier reward, List<long[]> ids) {
        double[] out = new double[ids.size()];
        ScoringPass.runAll(passes(reward, ids, out));
        return out;
    }

    /**
     * The token-budget passes that put the score of row i of {@code ids} into {@code out[i]}; a row longer than a
     * pass is read in parts by a decoder reward model, one pass each. The others may share a forward pass with other
     * requests' rows ({@link SharedRows}).
     */
    public static List<ScoringPass> passes(SequenceClassifier reward, List<long[]> ids, double[] out) {
        List<ScoringPass> passes = new ArrayList<>();
        int[] lengths = ids.stream().mapToInt(t -> t.length).toArray();
        for (int[] pass : TokenBudget.passes(lengths)) {
            int row = pass[0];
            if (pass.length == 1 && lengths[row] > TokenBudget.tokensPerPass && reward.readsInParts()) {
                passes.addAll(ScoringPass.inParts("reward", lengths[row], TokenBudget.tokensPerPass,
                        () -> reward.inParts(ids.get(row)), SequenceClassifier.Parts::next,
                        read -> out[row] = read.score()));
                continue;
            }
            SharedRows rows = new SharedRows(reward, TokenBudget.pick(ids, pass), out, pass);
            passes.add(new ScoringPass("reward", pass.length * lengths[pass[0]], rows::run, () -> { }, rows));
        }
        return passes;
    }
}
