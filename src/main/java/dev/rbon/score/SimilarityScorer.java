package dev.rbon.score;

import dev.rbon.model.SentenceEmbedder;
import java.util.ArrayList;
import java.util.List;

/**
 * S_ij = cos(e_i, e_j), e the mean-pooled, L2-normalised embedding of the response alone (not the prompt). With
 * unit vectors the whole matrix is one product E E^T. The texts are embedded in passes sized by a token budget.
 */
public final class SimilarityScorer {

    private SimilarityScorer() {}

    public static double[][] similarity(SentenceEmbedder embedder, List<String> responses) {
        float[][] e = new float[responses.size()][];
        ScoringPass.runAll(passes(embedder, responses, e));
        return similarity(e);
    }

    /** S = E E^T of unit embeddings (N, dim). */
    public static double[][] similarity(float[][] e) {
        int n = e.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < e[i].length; k++) {
                    dot += (double) e[i][k] * e[j][k];
                }
                s[i][j] = dot;
                s[j][i] = dot;
            }
        }
        return s;
    }

    /**
     * The passes that put the unit embedding of text i into {@code e[i]}, sized by the token budget as the other
     * scorers' ({@link TokenBudget}): a text of c characters has at most c + 2 tokens (its special tokens; every
     * other token covers a character or more).
     */
    public static List<ScoringPass> passes(SentenceEmbedder embedder, List<String> texts, float[][] e) {
        int[] lengths = texts.stream().mapToInt(t -> (int) Math.min(t.length() + 2L, embedder.maxSeqLength())).toArray();
        List<ScoringPass> passes = new ArrayList<>();
        for (int[] pass : TokenBudget.passes(lengths)) {
            passes.add(new ScoringPass("embed", pass.length * lengths[pass[0]], () -> {
                float[][] embedded = embedder.embed(TokenBudget.pick(texts, pass));
                for (int i = 0; i < pass.length; i++) {
                    e[pass[i]] = embedded[i];
                }
            }));
        }
        return passes;
    }
}
