package dev.rbon.lab;

import java.util.List;

/**
 * The true objective: correctness first, then brevity. A response's answer is the LAST token of the task's answer
 * domain in it (as GSM8K-style graders take the last number); no answer token means wrong. Correct scores
 * {@code 1 - 0.02 * min(tokens, 25)}, in [0.5, 0.98]; wrong scores 0. Robust to spacing and case: it reads the
 * response through the same word splitting as the tokenizer.
 */
public final class GoldJudge {

    static final double LENGTH_PENALTY = 0.02;
    static final int LENGTH_CAP = 25;

    private GoldJudge() {}

    public static boolean correct(Task task, String response) {
        List<String> tokens = WordTokenizer.split(response);
        String answer = null;
        for (String token : tokens) {
            if (task.domain().contains(token)) {
                answer = token;
            }
        }
        return task.answer().equals(answer);
    }

    public static double score(Task task, String response) {
        if (!correct(task, response)) {
            return 0;
        }
        return 1 - LENGTH_PENALTY * Math.min(WordTokenizer.split(response).size(), LENGTH_CAP);
    }
}
