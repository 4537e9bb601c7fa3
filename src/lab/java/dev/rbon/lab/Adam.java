package dev.rbon.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015) with global-norm gradient clipping, its moments kept in Java arrays. Each step reads
 * every parameter's gradient, subtracts the update in place (grad mode is off between steps, so an in-place
 * change of a leaf is allowed) and zeroes the gradient by hand, which DJL's PyTorch engine does not do.
 */
final class Adam {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final List<NDArray> params;
    private final float[][] m;
    private final float[][] v;
    private final double clipNorm;
    private int t;

    Adam(List<NDArray> params, double clipNorm) {
        this.params = params;
        this.clipNorm = clipNorm;
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[(int) params.get(i).size()];
            v[i] = new float[(int) params.get(i).size()];
        }
    }

    /** One update at learning rate {@code lr}; the update arrays live in {@code step}, closed by the caller. */
    void step(double lr, NDManager step) {
        t++;
        float[][] grads = new float[params.size()][];
        double norm2 = 0;
        for (int i = 0; i < params.size(); i++) {
            try (NDArray g = params.get(i).getGradient()) { // a new handle on the same gradient
                grads[i] = g.toFloatArray();
                g.subi(g);                                   // zero it for the next backward
            }
            for (float x : grads[i]) {
                norm2 += (double) x * x;
            }
        }
        double scale = Math.min(1, clipNorm / (Math.sqrt(norm2) + 1e-12));
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        // the update is not part of the graph (torch.no_grad): libtorch's grad mode is per thread and on by default,
        // so it is off here only if this thread happened to load the engine
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            update(step, grads, lr, scale, c1, c2);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private void update(NDManager step, float[][] grads, double lr, double scale, double c1, double c2) {
        for (int i = 0; i < params.size(); i++) {
            float[] g = grads[i];
            float[] delta = new float[g.length];
            for (int k = 0; k < g.length; k++) {
                double gk = g[k] * scale;
                m[i][k] = (float) (BETA1 * m[i][k] + (1 - BETA1) * gk);
                v[i][k] = (float) (BETA2 * v[i][k] + (1 - BETA2) * gk * gk);
                delta[k] = (float) (lr * (m[i][k] / c1) / (Math.sqrt(v[i][k] / c2) + EPS));
            }
            NDArray p = params.get(i);
            p.subi(step.create(delta, p.getShape()));
        }
    }

    /** Linear warm-up, then cosine decay to a tenth of the peak. */
    static double schedule(double peak, int step, int steps, int warmup) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = (step - warmup) / (double) Math.max(1, steps - warmup);
        return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
