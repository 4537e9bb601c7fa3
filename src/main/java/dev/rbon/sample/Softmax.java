package dev.rbon.sample;

// Mirrors torch's CPU float32 softmax over the last dimension (aten/src/ATen/native/cpu/SoftMaxKernel.cpp,
// _vec_softmax_lastdim) and the summation order of vec::reduce_all (aten/src/ATen/cpu/vec/functional_base.h).

/** Softmax in float32, computed the way torch does it on CPU, so truncation decisions match transformers'. */
public final class Softmax {

    /**
     * Floats per SIMD register in torch's AVX2 kernels, the ones libtorch runs on an AVX2 CPU such as rbon's machines
     * (on an AVX-512 CPU torch folds 16 lanes; the sums then differ from these by an ulp or so).
     */
    static final int TORCH_LANES = 8;

    private Softmax() {
    }

    /**
     * {@code exp(x - max)} in float32, summed in float32 in torch's order, then multiplied by the float32 reciprocal
     * of the sum, as torch's {@code _vec_softmax_lastdim}. Removed tokens ({@code -inf}) get probability 0; a row with
     * no finite score gives NaN, as in torch. torch's vectorised exp differs from {@link Math#exp} by an ulp now and
     * then, so a few probabilities differ from torch's in the last bit.
     *
     * @return a new array of probabilities
     */
    public static float[] softmax(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        float[] probabilities = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            probabilities[i] = (float) Math.exp(scores[i] - max);
        }
        float reciprocal = 1f / torchSum(probabilities);
        for (int i = 0; i < probabilities.length; i++) {
            probabilities[i] *= reciprocal;
        }
        return probabilities;
    }

    /**
     * A float32 sum in the order of torch's {@code vec::reduce_all}: one running sum per lane over whole registers,
     * the tail added into the first lanes, then the lanes folded pairwise (lane i with i^4, i^2, i^1). A sequential
     * float32 sum drifts from it by up to 2e-4 relative over a 150k vocabulary, enough to move top-p boundaries.
     * Rows shorter than a register are summed in order, as torch does.
     */
    static float torchSum(float[] values) {
        int n = values.length;
        if (n < TORCH_LANES) {
            float sum = 0f;
            for (float v : values) {
                sum += v;
            }
            return sum;
        }
        float[] lanes = new float[TORCH_LANES];
        System.arraycopy(values, 0, lanes, 0, TORCH_LANES);
        int d = TORCH_LANES;
        for (; d < n - n % TORCH_LANES; d += TORCH_LANES) {
            for (int lane = 0; lane < TORCH_LANES; lane++) {
                lanes[lane] += values[d + lane];
            }
        }
        for (int lane = 0; d + lane < n; lane++) {
            lanes[lane] += values[d + lane];
        }
        for (int width = TORCH_LANES / 2; width >= 1; width /= 2) {
            float[] folded = new float[TORCH_LANES];
            for (int lane = 0; lane < TORCH_LANES; lane++) {
                folded[lane] = lanes[lane] + lanes[lane ^ width];
            }
            lanes = folded;
        }
        return lanes[0];
    }
}
