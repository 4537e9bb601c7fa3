package dev.rbon.select;

/**
 * {@code kl_budget}: instead of a beta, the KL (nats) the selection may move from the pool's reference
 * distribution, met per pool. For srbon_kl the reference is p_ref_i ∝ pi_ref(y_i|x) and p_i ∝ exp(l_i + R_i / beta);
 * for soft_bon it is uniform over the candidates (they are i.i.d. draws of the policy) and p = softmax(R / beta).
 * Either KL falls monotonically from its value at beta -> 0 (the argmax) to 0 at beta -> infinity, so bisection on
 * log beta finds the beta that meets the budget. bop solves mu before it samples ({@link BestOfPoisson#muForKl}).
 */
public final class KlBudget {

    /** The beta used and the KL it reaches. */
    public record Solved(double beta, double kl) {}

    /** The bracket of beta, in units of the pool's reward spread: the argmax and the reference for any budget. */
    private static final double LOW = 1e-6;
    private static final double HIGH = 1e6;
    private static final int BISECTION_STEPS = 80;

    private KlBudget() {}

    /**
     * The beta whose selection distribution has KL {@code budget} to the pool's reference. A budget at or above the
     * argmax's KL gives the bracket's bottom (spread * 1e-6); a budget of 0 its top (spread * 1e6). A pool of equal
     * rewards (after normalization) has KL 0 at every beta: beta 1 is reported.
     *
     * @throws IllegalArgumentException for a method other than srbon_kl and soft_bon, or a budget that is not
     *                                  finite and >= 0
     */
    public static Solved solve(Method method, double budget, RewardNormalization normalization, Scores scores) {
        if (method != Method.SRBON_KL && method != Method.SOFT_BON) {
            throw new IllegalArgumentException("kl_budget is solved per pool for srbon_kl and soft_bon, not "
                    + method.wireName());
        }
        if (!(budget >= 0) || Double.isInfinite(budget)) {
            throw new IllegalArgumentException("kl_budget must be finite and >= 0, got " + budget);
        }
        scores.requireFor(method);
        double[] r = normalization.apply(scores.rewards());
        double[] l = method == Method.SRBON_KL ? scores.refLogprobs() : new double[r.length];
        double spread = spread(r);
        if (spread == 0) {
            return new Solved(1, 0);
        }
        double low = Math.log(spread * LOW);
        double high = Math.log(spread * HIGH);
        double sharpest = kl(r, l, Math.exp(low));
        if (budget >= sharpest) {
            return new Solved(Math.exp(low), sharpest);
        }
        double flattest = kl(r, l, Math.exp(high));
        if (budget <= flattest) {
            return new Solved(Math.exp(high), flattest);
        }
        for (int i = 0; i < BISECTION_STEPS; i++) {
            double mid = 0.5 * (low + high);
            if (kl(r, l, Math.exp(mid)) > budget) {
                low = mid;
            } else {
                high = mid;
            }
        }
        double beta = Math.exp(0.5 * (low + high));
        return new Solved(beta, kl(r, l, beta));
    }

    /** KL(p ‖ p_ref), p ∝ exp(l + r / beta), p_ref ∝ exp(l). */
    static double kl(double[] r, double[] l, double beta) {
        double[] logits = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            logits[i] = l[i] + r[i] / beta;
        }
        return klOfLogits(logits, l);
    }

    /** KL(softmax(a) ‖ softmax(b)), from log-softmaxes so that nothing overflows; 0 where p_i underflows. */
    static double klOfLogits(double[] a, double[] b) {
        double[] logP = logSoftmax(a);
        double[] logQ = logSoftmax(b);
        double kl = 0;
        for (int i = 0; i < a.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) {
                kl += p * (logP[i] - logQ[i]);
            }
        }
        return Math.max(0, kl);
    }

    static double[] logSoftmax(double[] x) {
        double max = x[Selector.argmaxLowestIndex(x)];
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - logSum;
        }
        return out;
    }

    private static double spread(double[] r) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : r) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max - min;
    }
}
