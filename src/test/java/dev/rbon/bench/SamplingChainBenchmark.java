package dev.rbon.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.Dtype;
import dev.rbon.sample.LogitsProcessorList;
import dev.rbon.sample.SamplingBatch;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.TokenSampler;
import dev.rbon.sample.TopPVariants;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What one decoding step's sampling costs on the device, without the model: the processor chain and the draw over
 * (B, 151,936) logits, for B in {1, 16, 64} ({@code -Drows=}) and a few parameter sets. Prints milliseconds per
 * step for the chain as built for the model's dtype and for the same chain with top-p sorting every row in full (the
 * path before issue 22), measured alternately, and the one reduction of the draw that gives the self-certainty;
 * asserts nothing.
 *
 * <p>{@code -Dlogits=}: {@code zipf} (default) is shaped like a language model's step: logit
 * {@code 20 - a ln(1 + rank) + N(0, 0.3)} with random ranks and a in [1.2, 1.6] across the rows, so the top_p 0.9
 * nucleus runs from tens to a few thousand tokens; {@code zipf-bf16} rounds those to bfloat16 (a bfloat16 model's
 * logits, widened: many ties); {@code normal} is N(0, 3) (a nucleus of ~5,000 tokens). {@code -Ddtype=}: the model
 * dtype the chain is built for, bfloat16 for {@code zipf-bf16} and float32 otherwise unless given.
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.rbon.bench.SamplingChainBenchmark</pre>
 */
public final class SamplingChainBenchmark {

    private static final int VOCAB = 151_936;

    private SamplingChainBenchmark() {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("threads", "2"));
        String shape = System.getProperty("logits", "zipf");
        Dtype dtype = Dtype.of(System.getProperty("dtype", shape.equals("zipf-bf16") ? "bfloat16" : "float32"));
        System.out.println("logits " + shape + ", chain for a " + dtype.configName() + " model; load average "
                + Rss.loadAverage());
        System.out.println("    B   params                            chain ms  full sort ms  rows without the sort");
        List<SamplingParams> sets = List.of(new SamplingParams(1.0, 1.0, 0, 0.0, 0, 32, List.of(), 1L),
                new SamplingParams(1.0, 0.9, 0, 0.0, 0, 32, List.of(), 1L),
                new SamplingParams(1.0, 0.9, 50, 0.0, 0, 32, List.of(), 1L),
                new SamplingParams(1.0, 0.9, 0, 0.01, 0, 32, List.of(), 1L),
                new SamplingParams(0.7, 0.9, 50, 3e-4, 3, 32, List.of(), 1L));
        for (String rows : System.getProperty("rows", "1,16,64").split(",")) {
            for (SamplingParams p : sets) {
                double[] ms = msPerStep(Integer.parseInt(rows), p, shape, dtype);
                System.out.printf("%5s   T=%.1f p=%.1f k=%-2d eps=%.0e ngram=%d %9.1f %13.1f %20s%n", rows,
                        p.temperature(), p.topP(), p.topK(), p.epsilon(), p.noRepeatNgramSize(), ms[0], ms[1],
                        Double.isNaN(ms[2]) ? "-" : (int) ms[2] + "/" + rows);
            }
            System.out.printf("%5s   self-certainty's added mean      %9.2f%n", rows,
                    selfCertaintyMs(Integer.parseInt(rows)));
        }
    }

    /** The reduction TokenSampler adds for the self-certainty: the mean of the raw log-softmax, to the host. */
    private static double selfCertaintyMs(int rows) {
        double[] ms = new double[21];
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logSoftmax = manager.randomNormal(0, 3, new Shape(rows, VOCAB), DataType.FLOAT32).logSoftmax(1);
            for (int i = 0; i < ms.length; i++) {
                long start = System.nanoTime();
                logSoftmax.mean(new int[] {1}, true).toType(DataType.FLOAT64, false).toDoubleArray(); // (B, 1)
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    /** Language-model-like logits (see the class comment), made on the host from a fixed seed. */
    static NDArray logits(NDManager manager, int rows, String shape) {
        SplittableRandom random = new SplittableRandom(7);
        float[] values = new float[rows * VOCAB];
        for (int row = 0; row < rows; row++) {
            double exponent = 1.2 + 0.4 * random.nextDouble();
            for (int v = 0; v < VOCAB; v++) {
                double logit = shape.equals("normal") ? 3 * random.nextGaussian()
                        : 20 - exponent * Math.log1p(random.nextDouble() * VOCAB) + 0.3 * random.nextGaussian();
                values[row * VOCAB + v] = shape.equals("zipf-bf16")
                        ? Float.intBitsToFloat(Float.floatToRawIntBits((float) logit) + 0x8000 & 0xFFFF0000)
                        : (float) logit;
            }
        }
        return manager.create(values, new Shape(rows, VOCAB));
    }

    /**
     * Untimed steps before each parameter set's timed ones: the JVM compiles the host's part of top-p
     * ({@code NucleusEdge}'s passes over the rows) over its first few dozen steps, which a server is long past (16
     * rows of top_p 0.9 took 35 ms a step before it, 9 after).
     */
    private static final int WARM_STEPS = 30;

    /** Median ms per step of the chain as built, of the chain with a full-sort top-p, and the rows it did not sort. */
    private static double[] msPerStep(int rows, SamplingParams params, String shape, Dtype dtype) {
        SplittableRandom random = new SplittableRandom(1);
        long[] history = random.longs(200, 0, VOCAB).toArray();
        SamplingBatch batch = SamplingBatch.of(Collections.nCopies(rows, params), Collections.nCopies(rows, history));
        RandomGenerator[] rngs = new RandomGenerator[rows];
        Arrays.setAll(rngs, i -> random.split());
        int reps = Integer.getInteger("reps", 7);
        double[][] ms = new double[2][WARM_STEPS + reps];
        double unsorted;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = logits(manager, rows, shape);
            for (int i = 0; i < ms[0].length; i++) {
                for (int variant = 0; variant < 2; variant++) {
                    long start = System.nanoTime();
                    LogitsProcessorList chain = variant == 0 ? LogitsProcessorList.of(batch, dtype)
                            : TopPVariants.fullSortChain(batch);
                    try (NDArray processed = chain.apply(batch, logits)) {
                        TokenSampler.choose(logits, processed, batch, rngs);
                    }
                    ms[variant][i] = (System.nanoTime() - start) / 1e6;
                }
            }
            unsorted = params.topP() < 1 && params.topK() == 0 && params.temperature() == 1
                    ? TopPVariants.rowsFromEdgeSearch(logits, params.topP(), dtype) : Double.NaN;
        }
        double[] chain = Arrays.copyOfRange(ms[0], WARM_STEPS, ms[0].length);
        double[] fullSort = Arrays.copyOfRange(ms[1], WARM_STEPS, ms[1].length);
        Arrays.sort(chain);
        Arrays.sort(fullSort);
        return new double[] {chain[reps / 2], fullSort[reps / 2], unsorted};
    }
}
