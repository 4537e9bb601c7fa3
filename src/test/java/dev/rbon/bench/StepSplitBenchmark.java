package dev.rbon.bench;

import static dev.rbon.model.DecodeStepSplit.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.CausalLM;
import dev.rbon.model.DecodeStepSplit;
import dev.rbon.model.DecodeStepSplit.Parts;
import dev.rbon.model.Dtype;
import dev.rbon.model.KvCache;
import dev.rbon.sample.LogitsProcessorList;
import dev.rbon.sample.SamplingBatch;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.TokenSampler;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Where one decode step's time goes, op by op, on the Qwen2.5-0.5B-shaped model: for each dtype and n, a prompt is
 * prefilled, copied to n rows and decoded (top_p 1.0, as DecodeBatch.step does it: inputs, forward, processors,
 * TokenSampler), alternating three kinds of step: CausalLM.forward untouched (the step's real wall time),
 * {@link DecodeStepSplit} timing every op, and DecodeStepSplit untimed (what the instrumentation costs). Prints the
 * median of each part, the weights' bytes per step and the GB/s they imply, and the NDArrays a step creates.
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rbon.bench.StepSplitBenchmark -Dshapes=/tmp/shapes -Ddtypes=float32,bfloat16 -Dns=1,16</pre>
 *
 * {@code -Dthreads} (2) sets libtorch's intra-op threads, {@code -Dsteps} (15) the steps of each kind. On a busy
 * machine two threads stall at every op's barrier when one is descheduled (ms per op): {@code -Dthreads=1} then
 * gives a split that still means something.
 */
public final class StepSplitBenchmark {

    private static final String INPUTS = "step inputs (ids, mask to the device)";
    private static final String PROCESSORS = "sampling: processors";
    private static final String DRAW = "sampling: draw + 4 numbers/row to host";
    private static final String FREE = "step sub-manager closed (frees)";
    private static final List<String> MATMULS = List.of(QKV_PROJ, O_PROJ, GATE_UP_PROJ, DOWN_PROJ, LM_HEAD);
    private static final List<String> ROWS = List.of(INPUTS, ROPE_TABLES, EMBEDDING, "per layer, x layers:", NORMS,
            QKV_PROJ, O_PROJ, MASK, ATTENTION, GATE_UP_PROJ, DOWN_PROJ, ACTIVATION, RESIDUAL,
            SCOPES, "after the layers:", FINAL_NORM, LM_HEAD, LOGITS_FLOAT32, PROCESSORS, DRAW, FREE);

    private StepSplitBenchmark() {}

    public static void main(String[] args) throws Exception {
        String threads = Shapes.configureEngine();
        Path dir = Shapes.folder("qwen05b");
        if (!Shapes.present(dir)) {
            return;
        }
        int[] ns = Arrays.stream(System.getProperty("ns", "1,16").split(",")).mapToInt(Integer::parseInt).toArray();
        for (String dtype : System.getProperty("dtypes", "float32,bfloat16").split(",")) {
            split(dir, dtype, ns, threads);
        }
    }

    /** One dtype's split at each n: also RealScaleBenchmark's "split" part. */
    static void split(Path dir, String dtype, int[] ns, String threads) throws IOException {
        try (CausalLM lm = CausalLM.load(dir, Device.cpu(), Dtype.of(dtype))) {
            checkMirror(lm);
            for (int n : ns) {
                new Run(lm, n, threads).measure(Integer.getInteger("steps", 15));
            }
        }
    }

    /** DecodeStepSplit must be CausalLM.forward: the same logits, bit for bit, over a short prompt. */
    private static void checkMirror(CausalLM lm) {
        try (NDManager manager = lm.newRequestManager()) {
            NDArray ids = manager.create(new long[][] {{9707, 11, 1879, 0, 42}});
            NDArray mask = manager.ones(new Shape(1, 5), DataType.INT64);
            float diff = lm.forward(ids, mask, null)
                    .sub(DecodeStepSplit.logits(lm, ids, mask, null, Parts.untimed())).abs().max().getFloat();
            if (diff != 0f) {
                throw new IllegalStateException("DecodeStepSplit differs from CausalLM.forward by " + diff);
            }
        }
    }

    /** n rows of one prompt decoding together, as a DecodeBatch with one request. */
    private static final class Run {
        private final CausalLM lm;
        private final int n;
        private final String threads;
        private final SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 256, List.of(), 7L);
        private final long[][] ids;
        private final RandomGenerator[] rngs;
        private int length;

        Run(CausalLM lm, int n, String threads) {
            this.lm = lm;
            this.n = n;
            this.threads = threads;
            long[] prompt = lm.tokenizer().encode("Once upon a time", true);
            this.ids = new long[n][prompt.length + 256];
            for (long[] row : ids) {
                System.arraycopy(prompt, 0, row, 0, prompt.length);
            }
            this.length = prompt.length;
            this.rngs = new RandomGenerator[n];
            Arrays.setAll(rngs, i -> RandomGeneratorFactory.of("L64X128MixRandom").create(7 + i));
        }

        void measure(int steps) {
            Map<String, List<Double>> parts = new LinkedHashMap<>();
            List<Double> plain = new ArrayList<>();
            List<Double> instrumented = new ArrayList<>();
            List<Double> untimed = new ArrayList<>();
            long[] arrays;
            try (NDManager request = lm.newRequestManager(); KvCache cache = lm.newCache(request)) {
                try (NDManager step = request.newSubManager()) {
                    long[] prompt = Arrays.copyOf(ids[0], length);
                    lm.lastLogits(step.create(new long[][] {prompt}), step.ones(new Shape(1, length), DataType.INT64),
                            cache);
                }
                cache.expand(n);
                for (int i = 0; i < 4; i++) {
                    step(request, cache, null); // warm-up
                }
                arrays = countArrays(request, cache);
                for (int i = 0; i < steps; i++) {
                    plain.add(step(request, cache, null));
                    Parts t = Parts.timed();
                    instrumented.add(step(request, cache, t));
                    t.nanos().forEach((part, ns) -> parts.computeIfAbsent(part, p -> new ArrayList<>()).add(ns / 1e6));
                    untimed.add(step(request, cache, Parts.untimed()));
                }
            }
            print(parts, median(plain), median(instrumented), median(untimed), arrays, steps);
        }

        /** One step as DecodeBatch.step; t null runs CausalLM.forward itself. Returns its wall milliseconds. */
        private double step(NDManager request, KvCache cache, Parts t) {
            Parts p = t == null ? Parts.untimed() : t;
            long start = System.nanoTime();
            long slots = cache.length() + 1; // one request, no padding: every slot is real
            NDManager step = request.newSubManager();
            NDArray[] inputs = p.time(INPUTS, () -> inputs(step, slots));
            NDArray logits = (t == null ? lm.forward(inputs[0], inputs[1], cache)
                    : DecodeStepSplit.logits(lm, inputs[0], inputs[1], cache, t)).reshape(n, -1); // (B, V)
            SamplingBatch batch = SamplingBatch.of(Collections.nCopies(n, params), Arrays.asList(ids));
            NDArray processed = p.time(PROCESSORS,
                    () -> LogitsProcessorList.of(batch, lm.dtype()).apply(batch, logits));
            TokenSampler.Choices choices = p.time(DRAW, () -> TokenSampler.choose(logits, processed, batch, rngs));
            p.time(FREE, () -> {
                step.close();
                return null;
            });
            for (int b = 0; b < n; b++) {
                ids[b][length] = choices.tokens()[b];
            }
            length++;
            return (System.nanoTime() - start) / 1e6;
        }

        /** Each row's last token, (B, 1), and the attention mask over all slots, (B, S). */
        private NDArray[] inputs(NDManager step, long slots) {
            long[][] last = new long[n][1];
            for (int b = 0; b < n; b++) {
                last[b][0] = ids[b][length - 1];
            }
            long[] mask = new long[n * (int) slots];
            Arrays.fill(mask, 1L);
            return new NDArray[] {step.create(last), step.create(mask, new Shape(n, slots))};
        }

        /** NDArrays one CausalLM.forward step creates, and its sampling: each is at least one JNI call. */
        private long[] countArrays(NDManager request, KvCache cache) {
            Deque<NDScope> stack = scopeStack();
            CountingStack counting = new CountingStack();
            counting.addAll(stack);
            setScopeStack(counting);
            try {
                NDScope forward = new NDScope();
                long slots = cache.length() + 1;
                NDArray logits;
                long created;
                long sampled;
                try (NDManager step = request.newSubManager()) {
                    NDArray[] inputs = inputs(step, slots);
                    logits = lm.forward(inputs[0], inputs[1], cache).reshape(n, -1);
                    created = resources(forward).size();
                    resources(forward).clear(); // the step's manager frees them; the cache's may grow in place
                    forward.close();
                    NDScope sampling = new NDScope();
                    counting.inner = 0;
                    SamplingBatch batch = SamplingBatch.of(Collections.nCopies(n, params), Arrays.asList(ids));
                    NDArray processed = LogitsProcessorList.of(batch, lm.dtype()).apply(batch, logits);
                    TokenSampler.Choices choices = TokenSampler.choose(logits, processed, batch, rngs);
                    sampled = resources(sampling).size() + counting.inner;
                    resources(sampling).clear();
                    sampling.close();
                    for (int b = 0; b < n; b++) {
                        ids[b][length] = choices.tokens()[b];
                    }
                    length++;
                }
                return new long[] {created, sampled};
            } finally {
                setScopeStack(stack);
            }
        }

        private void print(Map<String, List<Double>> parts, double plain, double instrumented, double untimed,
                long[] arrays, int steps) {
            System.out.printf("%n%s, n = %d: one decode step, median of %d steps (%s threads, load average %s)%n",
                    lm.dtype().configName(), n, steps, threads, Rss.loadAverage());
            System.out.println("  part                                          ms/step   share");
            double sum = 0;
            double matmul = 0;
            for (String row : ROWS) {
                if (!parts.containsKey(row)) {
                    System.out.println(row.endsWith(":") ? "  " + row : String.format("    %-42s %8s", row, "-"));
                    continue;
                }
                double ms = median(parts.get(row));
                sum += ms;
                matmul += MATMULS.contains(row) ? ms : 0;
                System.out.printf("    %-42s %8.2f %6.1f%%%n", row, ms, 100 * ms / instrumented);
            }
            System.out.printf("  sum of the parts' medians                     %8.2f%n", sum);
            System.out.printf("  instrumented step, wall                       %8.2f   (the same calls untimed: %.2f;"
                    + " timing costs %.2f)%n", instrumented, untimed, instrumented - untimed);
            System.out.printf("  CausalLM.forward step, wall                   %8.2f   = %.1f tokens/s%n", plain,
                    n * 1000 / plain);
            long bytes = DecodeStepSplit.weightBytes(lm);
            System.out.printf("  matmuls on the weights %.1f ms (%.0f%% of the parts), everything else %.1f ms%n",
                    matmul, 100 * matmul / sum, sum - matmul);
            System.out.printf("  weights read per step %.2f GB: %.1f GB/s over the step, %.1f GB/s over the weight"
                    + " matmuls alone%n", bytes / 1e9, bytes / 1e6 / plain, bytes / 1e6 / matmul);
            double dispatch = dispatchMicros();
            System.out.printf("  NDArrays per step: %d forward, %d sampling; at a hot-loop 1-element add's %.1f us:"
                    + " %.1f ms of dispatch%n", arrays[0], arrays[1], dispatch,
                    (arrays[0] + arrays[1]) * dispatch / 1000);
        }

        /** Microseconds of one trivial op through DJL and JNI: the floor of every op's cost. */
        private double dispatchMicros() {
            List<Double> us = new ArrayList<>();
            try (NDManager manager = lm.newRequestManager()) {
                NDArray a = manager.create(new float[] {1f});
                for (int i = 0; i < 2000; i++) {
                    long start = System.nanoTime();
                    a.add(a).close();
                    us.add((System.nanoTime() - start) / 1e3);
                }
            }
            return median(us);
        }
    }

    /** The scopes' stack, which counts the arrays of every inner NDScope (TokenSampler's) as it closes. */
    private static final class CountingStack extends ArrayDeque<NDScope> {
        long inner;

        @Override
        public boolean remove(Object scope) {
            inner += resources((NDScope) scope).size();
            return super.remove(scope);
        }
    }

    @SuppressWarnings("unchecked")
    private static Deque<NDScope> scopeStack() {
        return ((ThreadLocal<Deque<NDScope>>) staticField("SCOPE_STACK")).get();
    }

    @SuppressWarnings("unchecked")
    private static void setScopeStack(Deque<NDScope> stack) {
        ((ThreadLocal<Deque<NDScope>>) staticField("SCOPE_STACK")).set(stack);
    }

    private static Object staticField(String name) {
        try {
            Field f = NDScope.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static IdentityHashMap<NDArray, NDArray> resources(NDScope scope) {
        try {
            Field f = NDScope.class.getDeclaredField("resources");
            f.setAccessible(true);
            return (IdentityHashMap<NDArray, NDArray>) f.get(scope);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
