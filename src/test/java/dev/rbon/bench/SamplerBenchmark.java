package dev.rbon.bench;

import ai.djl.Device;
import dev.rbon.model.CausalLM;
import dev.rbon.sample.BatchSampler;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGeneratorFactory;

/**
 * What batching the N candidates of one prompt buys, on the real stories260K Llama: one n = 16 request against 16
 * requests of n = 1 generating the same tokens (greedy, so every row runs the full length), and tokens per second
 * for n in {1, 4, 16, 64}. Prints its figures; asserts nothing.
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.rbon.bench.SamplerBenchmark</pre>
 */
public final class SamplerBenchmark {

    private static final String PROMPT = "Once upon a time, there was a little girl named Lily.";
    private static final int NEW_TOKENS = 64;
    private static final int REPEATS = 5;

    private SamplerBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("threads", "1"));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path model = Path.of(System.getProperty("shared.dir", "../shared"), "models/stories260K/hf");
        try (CausalLM lm = CausalLM.load(model, Device.cpu())) {
            long[] prompt = lm.tokenizer().encode(PROMPT, true);
            System.out.printf("stories260K, prompt %d tokens, %d new tokens, %s intra-op thread(s), %d cores%n",
                    prompt.length, NEW_TOKENS, System.getProperty("ai.djl.pytorch.num_threads"),
                    Runtime.getRuntime().availableProcessors());
            for (int i = 0; i < 3; i++) { // warm-up: JIT and allocator
                run(lm, prompt, 16, greedy(), 1);
                run(lm, prompt, 1, greedy(), 16);
            }
            double batched = median(() -> run(lm, prompt, 16, greedy(), 1));
            double separate = median(() -> run(lm, prompt, 1, greedy(), 16));
            System.out.printf("%nn=16 in one request: %8.1f ms%n16 requests of n=1:  %8.1f ms%nratio: %.3f (batched / separate)%n%n",
                    batched, separate, batched / separate);
            System.out.println("    n   tokens      ms   tokens/s   (temperature 1, epsilon 0.01, seeded)");
            for (int n : new int[] {1, 4, 16, 64}) {
                SamplingParams sampled = new SamplingParams(1.0, 1.0, 0, 0.01, 0, NEW_TOKENS, List.of(), 7L);
                int tokens = run(lm, prompt, n, sampled, 1); // same seed: every repeat draws the same tokens
                double ms = median(() -> run(lm, prompt, n, sampled, 1));
                System.out.printf("%5d %8d %7.1f %10.0f%n", n, tokens, ms, tokens / (ms / 1000));
            }
        }
    }

    private static SamplingParams greedy() {
        return new SamplingParams(0, 1.0, 0, 0.0, 0, NEW_TOKENS, List.of(), 1L);
    }

    /** {@code requests} requests of {@code n} candidates each; returns the tokens generated. */
    private static int run(CausalLM lm, long[] prompt, int n, SamplingParams params, int requests) {
        int tokens = 0;
        for (int r = 0; r < requests; r++) {
            List<SampledSequence> rows = BatchSampler.sample(lm, prompt, n, params,
                    RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed() + r), () -> false);
            tokens += rows.stream().mapToInt(s -> s.tokenIds().length).sum();
        }
        return tokens;
    }

    private static double median(Runnable work) {
        double[] ms = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            long start = System.nanoTime();
            work.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return ms[REPEATS / 2];
    }
}
