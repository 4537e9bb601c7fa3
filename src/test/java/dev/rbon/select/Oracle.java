package dev.rbon.select;

/** The rules' formulas written out again, plainly, for the tests to compare against. */
final class Oracle {

    private Oracle() {
    }

    /** The objective each method reports, from DESIGN.md's table and Selector's documented choices. */
    static double[] objectives(Method method, double beta, double[] r, Scores pool) {
        int n = r.length;
        double[] m = pool.similarity() == null ? null : meanSimilarity(pool.similarity());
        double[] objective = new double[n];
        for (int i = 0; i < n; i++) {
            objective[i] = switch (method) {
                case BON -> r[i];
                case RBON_KL -> r[i] + beta * pool.refLogprobs()[i];
                case RBON_WD -> r[i] + beta * m[i];
                case MBR -> m[i];
                case SRBON_KL -> pool.refLogprobs()[i] + r[i] / beta;
                case SRBON_WD -> srbonWdShare(i, beta, r, pool.similarity());
                case RBON_LEN -> r[i] - beta * pool.lengths()[i];
                case RANDOM -> 0;
                case SOFT_BON -> r[i] / beta;
                case BOP -> r[i];
                case SELF_CERTAINTY -> pool.selfCertainty()[i];
            };
        }
        return objective;
    }

    /** Candidate i's share: (1/N) sum over the columns j whose first best row is i of (R_i - beta (1 - S_ij)). */
    private static double srbonWdShare(int i, double beta, double[] r, double[][] s) {
        int n = r.length;
        double share = 0;
        for (int j = 0; j < n; j++) {
            int best = 0;
            for (int k = 1; k < n; k++) {
                if (r[k] - beta * (1 - s[k][j]) > r[best] - beta * (1 - s[best][j])) {
                    best = k;
                }
            }
            share += best == i ? (r[i] - beta * (1 - s[i][j])) / n : 0;
        }
        return share;
    }

    static double[] meanSimilarity(double[][] s) {
        if (s == null) {
            return null;
        }
        double[] m = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            for (double v : s[i]) {
                m[i] += v;
            }
            m[i] /= s.length;
        }
        return m;
    }

    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : logits) {
            max = Math.max(max, x);
        }
        double z = 0;
        for (double x : logits) {
            z += Math.exp(x - max);
        }
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max) / z;
        }
        return p;
    }

    /** The same pool with rewards a R + b. */
    static Scores affine(Scores pool, double a, double b) {
        double[] r = pool.rewards().clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = a * r[i] + b;
        }
        return new Scores(r, pool.refLogprobs(), pool.lengths(), pool.similarity(), pool.selfCertainty());
    }
}
