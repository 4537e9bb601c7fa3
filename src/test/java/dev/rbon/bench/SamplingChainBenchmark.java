package dev.rbon.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.sample.LogitsProcessorList;
import dev.rbon.sample.SamplingBatch;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.TokenSampler;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What one decoding step's sampling costs on the device, without the model: the processor chain and the draw over
 * (B, 151,936) logits, for B in {1, 16, 64} and a few parameter sets, and the one reduction of the draw that gives
 * the self-certainty. Prints milliseconds per step; asserts nothing.
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.rbon.bench.SamplingChainBenchmark</pre>
 */
public final class SamplingChainBenchmark {

    private static final int VOCAB = 151_936;

    private SamplingChainBenchmark() {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("threads", "2"));
        System.out.println("    B   params                           ms/step   (load average " + Rss.loadAverage() + ")");
        List<SamplingParams> sets = List.of(new SamplingParams(1.0, 1.0, 0, 0.0, 0, 32, List.of(), 1L),
                new SamplingParams(1.0, 0.9, 0, 0.0, 0, 32, List.of(), 1L),
                new SamplingParams(0.7, 0.9, 50, 3e-4, 3, 32, List.of(), 1L));
        for (int rows : new int[] {1, 16, 64}) {
            for (SamplingParams p : sets) {
                System.out.printf("%5d   T=%.1f p=%.1f k=%d eps=%.0e ngram=%d %9.1f%n", rows, p.temperature(), p.topP(),
                        p.topK(), p.epsilon(), p.noRepeatNgramSize(), msPerStep(rows, p));
            }
            System.out.printf("%5d   self-certainty's added mean     %9.2f%n", rows, selfCertaintyMs(rows));
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

    private static double msPerStep(int rows, SamplingParams params) {
        SplittableRandom random = new SplittableRandom(1);
        long[] history = random.longs(200, 0, VOCAB).toArray();
        SamplingBatch batch = SamplingBatch.of(Collections.nCopies(rows, params), Collections.nCopies(rows, history));
        RandomGenerator[] rngs = new RandomGenerator[rows];
        Arrays.setAll(rngs, i -> random.split());
        double[] ms = new double[7];
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(0, 3, new Shape(rows, VOCAB), DataType.FLOAT32);
            for (int i = 0; i < ms.length; i++) {
                long start = System.nanoTime();
                try (NDArray processed = LogitsProcessorList.of(batch).apply(batch, logits)) {
                    TokenSampler.choose(logits, processed, batch, rngs);
                }
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
