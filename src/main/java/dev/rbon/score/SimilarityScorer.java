package dev.rbon.score;

import dev.rbon.model.SentenceEmbedder;
import java.util.List;

/**
 * S_ij = cos(e_i, e_j), e the mean-pooled, L2-normalised embedding of the response alone (not the prompt). With
 * unit vectors the whole matrix is one product E E^T.
 */
public final class SimilarityScorer {

    private SimilarityScorer() {}

    public static double[][] similarity(SentenceEmbedder embedder, List<String> responses) {
        float[][] e = embedder.embed(responses); // (N, dim), unit rows
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
}
