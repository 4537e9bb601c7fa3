package dev.rbon.bench;

import ai.djl.Device;
import dev.rbon.model.CausalLM;
import dev.rbon.model.Dtype;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.sample.BatchSampler;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import dev.rbon.score.ReferenceScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGeneratorFactory;

/**
 * rbon beside HF transformers and llama.cpp on a Qwen2.5-0.5B-shaped model, same cores, one run: decode tokens/s
 * at each n and top_p, reward and reference seconds for ROWS x LENGTH tokens, the peak RSS of each, and where one
 * decode step's time goes ({@link StepSplitBenchmark}); {@code -Dparts} (decode,score,split) narrows it. Prints;
 * asserts nothing. The models: {@code python3 ../shared/tools/make_realistic_shapes.py /tmp/shapes}. The peers:
 * ../shared/tools' peer_hf_generate.py and peer_hf_score.py under the Python of {@code -Dpeer} (default
 * /tmp/peer/bin/python), and {@link LlamaCppPeer} (decode only; its q8_0 row is the 8-bit reference); an absent peer's
 * columns say "skipped".
 *
 * <pre>./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.rbon.bench.RealScaleBenchmark \
 *     -Dshapes=/tmp/shapes -Dns=1,16,64 -Dtop-ps=1.0,0.9 -Dnew=32 -Dlengths=150,1000 -Dthreads=2</pre>
 *
 * <p>Decoding, rbon and llama.cpp take turns rep by rep (one llama.cpp process a rep), and rbon/llama.cpp is the
 * median of the reps' ratios: this VM's speed drifts by 10-25% over minutes, and a ratio of two runs minutes apart
 * measures the drift as much as the code. HF's reps run in one process before them.
 *
 * <p>rbon's peak RSS of a part is the process's high-water mark after resetting it ({@code /proc/self/clear_refs});
 * it includes the loaded weights, "idle" being the RSS before the part (a decode row's: the lowest before any of its
 * reps); each scoring pass has its own, with only its own model loaded. The peer runs in its own process: its peak
 * includes its own weights. The peer's scoring script runs float32 only: bfloat16 scoring is compared with it.
 */
public final class RealScaleBenchmark {

    private static final Path SHARED = Path.of(System.getProperty("shared.dir", "../shared"));

    private RealScaleBenchmark() {}

    public static void main(String[] args) throws Exception {
        String threads = Shapes.configureEngine();
        Path lm = Shapes.folder("qwen05b");
        Path rm = Shapes.folder("qwen05b-rm");
        if (!Shapes.present(lm, rm)) {
            return;
        }
        Path python = Path.of(System.getProperty("peer", "/tmp/peer/bin/python"));
        Peer peer = new Peer(python, threads);
        LlamaCppPeer llama = new LlamaCppPeer(Path.of(System.getProperty("llamacpp", "/tmp/llamacpp")), python, threads);
        System.out.printf("rbon vs %s and %s on %s; %s intra-op threads, %d cores, load average %s%n", peer.describe(),
                llama.describe(), lm, threads, Runtime.getRuntime().availableProcessors(), Rss.loadAverage());
        List<String> dtypes = List.of(System.getProperty("dtypes", "float32").split(","));
        List<String> parts = List.of(System.getProperty("parts", "decode,score,split").split(","));
        for (String dtype : dtypes) {
            if (parts.contains("decode")) {
                decode(lm, peer, llama, dtype);
            }
            if (parts.contains("score")) {
                score(lm, rm, peer, dtype);
            }
            if (parts.contains("split")) {
                System.out.println();
                StepSplitBenchmark.split(lm, dtype, ints(System.getProperty("ns", "1,16,64")), threads);
            }
        }
        if (parts.contains("decode") && llama.available() && !dtypes.contains("int8")) {
            eightBit(lm, llama);
        }
    }

    /** llama.cpp on q8_0 weights, when rbon's int8 is not in the run: what 8-bit weights allow on these cores. */
    private static void eightBit(Path lmDir, LlamaCppPeer llama) throws IOException {
        int newTokens = Integer.getInteger("new", 32);
        int[] ns = ints(System.getProperty("ns", "1,16,64"));
        System.out.printf("%ndecode, llama.cpp q8_0, %d new tokens (median of %d)%n", newTokens, reps());
        System.out.println("    n  top_p   llama.cpp q8_0 tok/s");
        for (String topP : System.getProperty("top-ps", "1.0,0.9").split(",")) {
            Peer.Result q8 = llama.generate(lmDir, "q8_0", newTokens, ns, Double.parseDouble(topP), reps());
            for (int n : ns) {
                Double rate = q8.tokensPerSecond().get(n);
                System.out.printf("%5d  %5s %22s%n", n, topP, rate == null ? q8.note() : String.format("%.1f", rate));
            }
        }
    }

    /** Tokens each n decodes before it is timed. */
    private static final int WARM_TOKENS = 256;

    private static void decode(Path lmDir, Peer peer, LlamaCppPeer llama, String dtype) throws IOException {
        int newTokens = Integer.getInteger("new", 32);
        int[] ns = ints(System.getProperty("ns", "1,16,64"));
        System.out.printf("%ndecode, %s, %d new tokens, prompt \"Once upon a time\" (median of %d; rbon warmed by %d"
                + " tokens a row count; rbon and llama.cpp take turns rep by rep, rbon/llama.cpp is the median of"
                + " each rep's ratio)%n", dtype, newTokens, reps(), WARM_TOKENS);
        System.out.println("    n  top_p   rbon tok/s   peer tok/s   rbon/peer   llama.cpp tok/s   rbon/llama.cpp"
                + "   rbon peak RSS (idle)   peer peak RSS");
        for (String topP : System.getProperty("top-ps", "1.0,0.9").split(",")) {
            double p = Double.parseDouble(topP);
            Peer.Result theirs = peer.generate(lmDir, dtype, newTokens, ns, p);
            // llama.cpp, the closer peer, runs between rbon's reps: each ratio compares two runs of the same minute
            double[][] ours = new double[ns.length][reps()];
            double[][] cpp = new double[ns.length][reps()];
            double[] peak = new double[ns.length];
            double[] idle = new double[ns.length];
            Arrays.fill(idle, Double.POSITIVE_INFINITY);
            String cppNote = "";
            try (CausalLM policy = CausalLM.load(lmDir, Device.cpu(), Dtype.of(dtype))) {
                long[] prompt = policy.tokenizer().encode("Once upon a time", true);
                for (int n : ns) {
                    // warm: the JVM compiles a step's Java code over its first few hundred tokens, which a server is
                    // long past; so each n runs until WARM_TOKENS tokens before it is timed
                    for (int warm = 0; warm < WARM_TOKENS; ) {
                        int tokens = run(policy, prompt, n, newTokens, p);
                        if (tokens == 0) {
                            break; // nothing decodes (-Dnew=0)
                        }
                        warm += tokens;
                    }
                }
                for (int r = 0; r < reps(); r++) {
                    Peer.Result llamas = llama.generate(lmDir, LlamaCppPeer.ggufType(dtype), newTokens, ns, p, 1);
                    cppNote = llamas.note();
                    for (int i = 0; i < ns.length; i++) {
                        cpp[i][r] = llamas.tokensPerSecond().getOrDefault(ns[i], Double.NaN);
                        idle[i] = Math.min(idle[i], Rss.current());
                        Rss.resetPeak();
                        long start = System.nanoTime();
                        int tokens = run(policy, prompt, ns[i], newTokens, p);
                        ours[i][r] = tokens / ((System.nanoTime() - start) / 1e9);
                        peak[i] = Math.max(peak[i], Rss.peak());
                    }
                }
            }
            for (int i = 0; i < ns.length; i++) {
                double mine = median(ours[i]);
                Double hf = theirs.tokensPerSecond().get(ns[i]);
                boolean cppRan = !Double.isNaN(cpp[i][0]);
                double[] pairs = new double[reps()];
                for (int r = 0; r < reps(); r++) {
                    pairs[r] = ours[i][r] / cpp[i][r];
                }
                System.out.printf("%5d  %5s %12.1f %12s %11s %17s %16s   %-20s   %s%n", ns[i], topP, mine,
                        hf == null ? theirs.note() : String.format("%.1f", hf),
                        hf == null ? "-" : String.format("%.2fx", mine / hf),
                        cppRan ? String.format("%.1f", median(cpp[i])) : cppNote,
                        cppRan ? String.format("%.2fx", median(pairs)) : "-",
                        String.format("%.1f GB (%.1f)", peak[i], idle[i]), theirs.peakRss());
            }
        }
    }

    private static int run(CausalLM policy, long[] prompt, int n, int newTokens, double topP) {
        SamplingParams params = new SamplingParams(1.0, topP, 0, 0.0, 0, newTokens, List.of(), 7L);
        List<SampledSequence> rows = BatchSampler.sample(policy, prompt, n, params,
                RandomGeneratorFactory.of("L64X128MixRandom").create(7), () -> false);
        return rows.stream().mapToInt(s -> s.tokenIds().length).sum();
    }

    private static void score(Path lmDir, Path rmDir, Peer peer, String dtype) throws IOException {
        int rows = Integer.getInteger("rows", 16);
        System.out.printf("%nscoring, %s, %d rows, random ids; rbon's peak RSS of each pass with its model loaded"
                + " (the RSS before the pass)%n", dtype, rows);
        System.out.println(" length   rbon reward s   reward peak (idle)   rbon reference s   reference peak (idle)"
                + "   peer reward s   peer reference s   peer peak RSS");
        for (int length : ints(System.getProperty("lengths", "150,1000"))) {
            // HF materialises the (rows, length, vocab) logits and their log-softmax: guard the shared machine
            long peerNeed = 2L * 4 * rows * length * 151_936 + 4_500_000_000L;
            Peer.Result theirs = peerNeed > 0.8 * Rss.available()
                    ? new Peer.Result(java.util.Map.of(), "skipped: HF would need ~" + peerNeed / 1_000_000_000 + " GB, "
                            + Rss.available() / 1_000_000_000 + " GB available", "-")
                    : peer.score(lmDir, rmDir, dtype, rows, length);
            String mine = rbonScore(lmDir, rmDir, rows, length, Dtype.of(dtype));
            System.out.printf("%7d   %s   %s%n", length, mine, theirs.note());
        }
    }

    /** One reward forward and one reference log-prob pass over rows x length random ids, as the peer does. */
    private static String rbonScore(Path lmDir, Path rmDir, int rows, int length, Dtype dtype) throws IOException {
        String refusal = BudgetGuard.refusal(lmDir, rmDir, rows, length);
        if (refusal != null) {
            return refusal;
        }
        Random random = new Random(0);
        List<long[]> ids = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            ids.add(random.longs(length, 10, 150_000).toArray());
        }
        Part reward;
        try (SequenceClassifier model = SequenceClassifier.load(rmDir, Device.cpu(), dtype)) {
            reward = Part.measure(() -> model.score(ids));
        }
        Part reference;
        try (CausalLM model = CausalLM.load(lmDir, Device.cpu(), dtype)) {
            reference = Part.measure(() -> ReferenceScorer.logprobs(model, new long[] {ids.get(0)[0]},
                    ids.stream().map(row -> Arrays.copyOfRange(row, 1, row.length)).toList()));
        }
        return String.format("%13.1f   %-18s   %16.1f   %-21s", reward.seconds(), reward.rss(), reference.seconds(),
                reference.rss());
    }

    /**
     * One scoring call with its model loaded: seconds, the process's peak RSS during it and the RSS before it. The
     * difference understates what the pass holds (the allocator reuses what loading freed): the peak is the figure.
     */
    private record Part(double seconds, double peak, double idle) {

        static Part measure(Runnable call) {
            double idle = Rss.current();
            Rss.resetPeak();
            long start = System.nanoTime();
            call.run();
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Part(seconds, Rss.peak(), idle);
        }

        String rss() {
            return String.format("%.1f GB (%.1f)", peak, idle);
        }
    }

    static int reps() {
        return Integer.getInteger("reps", 3);
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
