package dev.rbon.lab;

import dev.rbon.model.TextTokenizer;
import dev.rbon.sample.ContinuationText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What pruning reads of one pool's candidates at a decision point d: the text of each candidate's first d tokens
 * (its full text once it has finished), that text's proxy rewards and embedding, and the log-prob of its first d
 * tokens and their self-certainty. Texts are decoded as the sampler decodes a whole continuation
 * ({@link ContinuationText#of}) and scored on demand, once per distinct text: the lab's word-level responses share
 * many of their prefixes, and a sweep asks for each text many times (every method, beta and prune setting).
 */
final class Partials {

    /** Scores texts for a prompt: a proxy's rewards, or embeddings (unit rows). */
    interface Scorer {
        double[] rewards(String proxy, Task task, List<String> texts);

        float[][] embeddings(List<String> texts);
    }

    private final Task task;
    private final Scorer scorer;
    private final long[] promptIds;
    private final String promptText;
    private final List<long[]> tokenIds;
    private final double[][] prefixLogprobs; // [i][d]: sum of candidate i's first d token log-probs
    private final double[][] prefixSelfCertainty; // [i][d]: sum of candidate i's first d tokens' KL(uniform ‖ p_t)
    private final int[][] textIds; // [i][d]: index into texts, -1 until first asked
    private final TextTokenizer tokenizer;
    private final List<String> texts = new ArrayList<>();
    private final Map<String, Integer> idOf = new HashMap<>();
    private final Map<String, double[]> rewards = new LinkedHashMap<>(); // per proxy, per text id; NaN: not yet
    private float[][] embeddings = new float[0][];
    private float[][] similarity = new float[0][]; // per pair of text ids; NaN: not yet

    Partials(Task task, Scorer scorer, TextTokenizer tokenizer, long[] promptIds,
            List<long[]> tokenIds, double[][] prefixLogprobs, double[][] prefixSelfCertainty) {
        this.task = task;
        this.scorer = scorer;
        this.tokenizer = tokenizer;
        this.promptIds = promptIds;
        this.promptText = tokenizer.decode(promptIds, true);
        this.tokenIds = tokenIds;
        this.prefixLogprobs = prefixLogprobs;
        this.prefixSelfCertainty = prefixSelfCertainty;
        this.textIds = new int[tokenIds.size()][];
        for (int i = 0; i < textIds.length; i++) {
            textIds[i] = new int[tokenIds.get(i).length + 1];
            Arrays.fill(textIds[i], -1);
        }
    }

    /** Sum of the log-probs of candidate i's first d tokens (d below its length). */
    double logprob(int i, int d) {
        return prefixLogprobs[i][d];
    }

    /** The self-certainty of candidate i's first d tokens (0 < d below its length): their mean KL(uniform ‖ p_t). */
    double selfCertainty(int i, int d) {
        return prefixSelfCertainty[i][d] / d;
    }

    /** The text of candidate i after d tokens: its first d tokens, or its whole text once d reaches its length. */
    String text(int i, int d) {
        return texts.get(textId(i, d));
    }

    /** A proxy's reward of each candidate's text after d tokens, scoring the texts not yet scored in one batch. */
    double[] rewards(String proxy, int[] candidates, int d) {
        int[] ids = textIds(candidates, d);
        double[] known = rewards.computeIfAbsent(proxy, p -> new double[0]);
        if (known.length < texts.size()) {
            int old = known.length;
            known = Arrays.copyOf(known, texts.size());
            Arrays.fill(known, old, known.length, Double.NaN);
            rewards.put(proxy, known);
        }
        List<Integer> missing = distinctWhere(ids, known);
        if (!missing.isEmpty()) {
            double[] scored = scorer.rewards(proxy, task, missing.stream().map(texts::get).toList());
            for (int k = 0; k < scored.length; k++) {
                known[missing.get(k)] = scored[k];
            }
        }
        double[] out = new double[ids.length];
        for (int k = 0; k < ids.length; k++) {
            out[k] = known[ids[k]];
        }
        return out;
    }

    /** The cosine similarity matrix of the candidates' texts after d tokens, embedding new texts in one batch. */
    double[][] similarity(int[] candidates, int d) {
        int[] ids = textIds(candidates, d);
        embedMissing(ids);
        double[][] s = new double[ids.length][ids.length];
        for (int a = 0; a < ids.length; a++) {
            for (int b = a; b < ids.length; b++) {
                s[a][b] = s[b][a] = cosine(ids[a], ids[b]);
            }
        }
        return s;
    }

    private int[] textIds(int[] candidates, int d) {
        int[] ids = new int[candidates.length];
        for (int k = 0; k < candidates.length; k++) {
            ids[k] = textId(candidates[k], d);
        }
        return ids;
    }

    private int textId(int i, int d) {
        long[] generated = tokenIds.get(i);
        int upTo = Math.min(d, generated.length);
        if (textIds[i][upTo] < 0) {
            String text = ContinuationText.of(tokenizer, promptIds, promptText, Arrays.copyOf(generated, upTo));
            textIds[i][upTo] = idOf.computeIfAbsent(text, t -> {
                texts.add(t);
                return texts.size() - 1;
            });
        }
        return textIds[i][upTo];
    }

    private void embedMissing(int[] ids) {
        if (embeddings.length < texts.size()) {
            embeddings = Arrays.copyOf(embeddings, texts.size());
        }
        List<Integer> missing = new ArrayList<>();
        for (int id : ids) {
            if (embeddings[id] == null && !missing.contains(id)) {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            float[][] e = scorer.embeddings(missing.stream().map(texts::get).toList());
            for (int k = 0; k < e.length; k++) {
                embeddings[missing.get(k)] = e[k];
            }
        }
        if (similarity.length < texts.size()) {
            float[][] grown = new float[texts.size() + 64][]; // room for a few more, not double: pools hold many
            for (int a = 0; a < grown.length; a++) {
                grown[a] = new float[grown.length];
                Arrays.fill(grown[a], Float.NaN);
                if (a < similarity.length) {
                    System.arraycopy(similarity[a], 0, grown[a], 0, similarity.length);
                }
            }
            similarity = grown;
        }
    }

    /** As {@link dev.rbon.score.SimilarityScorer}: the dot product of unit embeddings, summed in double. */
    private double cosine(int a, int b) {
        if (Float.isNaN(similarity[a][b])) {
            double dot = 0;
            for (int k = 0; k < embeddings[a].length; k++) {
                dot += (double) embeddings[a][k] * embeddings[b][k];
            }
            similarity[a][b] = similarity[b][a] = (float) dot;
        }
        return similarity[a][b];
    }

    private static List<Integer> distinctWhere(int[] ids, double[] known) {
        List<Integer> missing = new ArrayList<>();
        for (int id : ids) {
            if (Double.isNaN(known[id]) && !missing.contains(id)) {
                missing.add(id);
            }
        }
        return missing;
    }
}
