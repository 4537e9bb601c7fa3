package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.model.CausalLM;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.SamplingRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGeneratorFactory;

/**
 * What continuous batching buys on one worker: the real {@link Scheduler} loop on its own thread, fed sampling
 * requests the way the pool feeds it (scoring left out: this measures the decoding steps). Prints, asserts nothing:
 * <ul>
 *   <li>8 concurrent n=4 requests against one n=32 request (tokens/s ratio), stories260K, 64 new tokens;</li>
 *   <li>4 concurrent n=8 requests against the same 4 one after another (-Dshapes: the Qwen2.5-0.5B shape);</li>
 *   <li>a short request (n=1, 4 tokens) sent while an n=16, 120-token one decodes: its latency over the long one's.</li>
 * </ul>
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.worker.ContinuousBatchingBenchmark [-Dshapes=/tmp/shapes] [-Dthreads=2]</pre>
 */
public final class ContinuousBatchingBenchmark {

    private ContinuousBatchingBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("threads", "2"));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path shared = Path.of(System.getProperty("shared.dir", "../shared"));
        System.out.printf("one worker, %s intra-op threads, %d cores, load average %s%n",
                System.getProperty("ai.djl.pytorch.num_threads"), Runtime.getRuntime().availableProcessors(),
                java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
        try (Bench stories = new Bench(CausalLM.load(shared.resolve("models/stories260K/hf"), Device.cpu()))) {
            for (int i = 0; i < 3; i++) { // warm-up: JIT and allocator
                stories.concurrent(List.of(request(32, 64)));
                stories.concurrent(repeat(request(4, 64), 8));
            }
            Run one = stories.best(() -> stories.concurrent(List.of(request(32, 64))));
            Run eight = stories.best(() -> stories.concurrent(repeat(request(4, 64), 8)));
            System.out.printf("%nstories260K, 64 new tokens%n  one n=32:            %s%n  8 concurrent n=4:    %s%n"
                    + "  ratio: %.2f (target >= 0.7)%n", one, eight, eight.tokensPerSecond() / one.tokensPerSecond());
            stories.shortDuringLong();
        }
        String shapes = System.getProperty("shapes");
        if (shapes != null) {
            try (Bench qwen = new Bench(CausalLM.load(Path.of(shapes, "qwen05b"), Device.cpu()))) {
                qwen.concurrent(List.of(request(8, 4))); // warm-up
                Run sequential = qwen.sequential(repeat(request(8, 32), 4));
                Run concurrent = qwen.concurrent(repeat(request(8, 32), 4));
                System.out.printf("%nqwen05b shape, 32 new tokens%n  4 x n=8 one after another: %s%n"
                        + "  4 x n=8 concurrent:         %s%n  ratio: %.2f (target >= 1.6)%n", sequential, concurrent,
                        concurrent.tokensPerSecond() / sequential.tokensPerSecond());
                qwen.shortDuringLong();
            }
        }
    }

    /** What one request asks: n rows of at most maxNewTokens, sampled at temperature 1 with a seed. */
    record Request(int n, int maxNewTokens, String prompt) {}

    private static Request request(int n, int maxNewTokens) {
        return new Request(n, maxNewTokens, "Once upon a time, there was a little girl named Lily.");
    }

    private static List<Request> repeat(Request request, int times) {
        return java.util.Collections.nCopies(times, request);
    }

    /** Wall time and tokens of one scenario. */
    record Run(double ms, long tokens) {
        double tokensPerSecond() {
            return tokens / (ms / 1000);
        }

        @Override
        public String toString() {
            return String.format("%8.0f ms %6d tokens %8.0f tokens/s", ms, tokens, tokensPerSecond());
        }
    }

    /** A scheduler on its own thread over one model, as a worker runs it. */
    private static final class Bench implements AutoCloseable {
        private final CausalLM lm;
        private final BlockingQueue<WorkerPool.Job<?>> queue = new ArrayBlockingQueue<>(256);
        private final Thread thread;
        private final AtomicInteger seeds = new AtomicInteger();
        private volatile boolean stopping;

        Bench(CausalLM lm) {
            this.lm = lm;
            ModelSet models = new ModelSet(Device.cpu(), lm, null, List.of(), null, null, null,
                    dev.rbon.model.CausalLMText.of(lm), null);
            Scheduler scheduler = new Scheduler(models, queue, new Scheduler.Limits(64, 512),
                    new SchedulerMetrics(new SimpleMeterRegistry(), "bench", "cpu"), () -> stopping);
            thread = new Thread(() -> {
                try {
                    scheduler.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-worker");
            thread.setDaemon(true);
            thread.start();
        }

        CompletableFuture<List<SampledSequence>> submit(Request r) {
            CompletableFuture<List<SampledSequence>> result = new CompletableFuture<>();
            long[] prompt = lm.tokenizer().encode(r.prompt(), true);
            SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, r.maxNewTokens(), List.of(), null);
            long seed = seeds.incrementAndGet();
            queue.add(new WorkerPool.Job<>((models, cancelled) -> Phase.sample(new SamplingRequest(lm, prompt, r.n(),
                    params, RandomGeneratorFactory.of("L64X128MixRandom").create(seed), cancelled),
                    sampled -> {
                        if (Boolean.getBoolean("verbose")) {
                            System.out.printf("    n=%d: prefill %.0f ms, decode %.0f ms%n", r.n(), sampled.prefillMs(),
                                    sampled.decodeMs());
                        }
                        return Phase.done(sampled.sequences());
                    }), result, r.n(), new SimpleMeterRegistry().counter("a"),
                    new AtomicInteger()));
            return result;
        }

        Run concurrent(List<Request> requests) {
            long start = System.nanoTime();
            List<CompletableFuture<List<SampledSequence>>> futures = requests.stream().map(this::submit).toList();
            long tokens = futures.stream().mapToLong(f -> tokens(f.join())).sum();
            return new Run((System.nanoTime() - start) / 1e6, tokens);
        }

        Run sequential(List<Request> requests) {
            long start = System.nanoTime();
            long tokens = 0;
            for (Request r : requests) {
                tokens += tokens(submit(r).join());
            }
            return new Run((System.nanoTime() - start) / 1e6, tokens);
        }

        Run best(java.util.function.Supplier<Run> run) {
            Run best = null;
            for (int i = 0; i < 3; i++) {
                Run r = run.get();
                best = best == null || r.ms() < best.ms() ? r : best;
            }
            return best;
        }

        /** A short request sent once a long one decodes: both latencies, from their own submission. */
        void shortDuringLong() throws InterruptedException {
            System.setProperty("verbose", "true");
            long start = System.nanoTime();
            CompletableFuture<List<SampledSequence>> longOne = submit(request(16, 120));
            Thread.sleep(200);
            long shortStart = System.nanoTime();
            CompletableFuture<List<SampledSequence>> shortOne = submit(request(1, 4));
            shortOne.join();
            double shortMs = (System.nanoTime() - shortStart) / 1e6;
            longOne.join();
            double longMs = (System.nanoTime() - start) / 1e6;
            System.setProperty("verbose", "false");
            System.out.printf("  short (n=1, 4 tokens) during long (n=16, 120 tokens): %.0f ms vs %.0f ms, ratio %.3f"
                    + " (target < 0.25)%n", shortMs, longMs, shortMs / longMs);
        }

        private static long tokens(List<SampledSequence> rows) {
            return rows.stream().mapToLong(s -> s.tokenIds().length).sum();
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.interrupt();
            thread.join();
            lm.close();
        }
    }
}
