package dev.rbon.lab;

import ai.djl.Device;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.select.Prune;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * The reward-hacking evaluation (the paper's protocol): one pool of N candidates per held-out prompt, sampled once
 * at the largest N (smaller N are prefixes), every method over the beta grid plus the oracle on the same pools;
 * beta chosen on the tune split, reported on the test split; and every method pruned ({@link Pruning}) with each
 * setting of {@link #PRUNES}, beta tuned the same way. Proxies named {@code ensemble-<aggregate>} ({@link Ensemble})
 * aggregate the others and are evaluated unpruned. HedgeTune and kl_budget are set beside the grid-tuned parameters
 * ({@link Calibration}). Usage:
 * {@code Evaluate [--seed 1] [--prompts 200] [--tune-prompts 100] [--n 4,16,64]
 * [--proxy noisy,clean,ensemble-min,ensemble-mean_minus_std,ensemble-mean] [--models models]
 * [--out src/lab/results]}. Writes results.csv (test split, every beta and prune setting), tune.csv,
 * results-tuned.csv, hedgetune.csv, klbudget.csv, table.md, summary.md, samples.md, SVG plots and the tune split's
 * pools (tune-pools.json, read by {@link Tune}) into --out.
 */
public final class Evaluate {

    /**
     * The pruning grid: decisions every 2, 4 or 8 tokens (responses here have at most 32, so every 16 would barely
     * prune), keeping a half, a quarter or an eighth of the running candidates at each. Every 2 and keep 1/8 are
     * there because N candidates decode N * every tokens before the first decision: at N = 64 and every 4 that is
     * already more than all 16 candidates of N = 16 decode in full (about 200 tokens).
     */
    static final List<Prune> PRUNES = IntStream.of(2, 4, 8).boxed()
            .flatMap(every -> DoubleStream.of(0.5, 0.25, 0.125).mapToObj(keep -> new Prune(every, keep))).toList();

    static final String DEFAULT_PROXIES = "noisy,clean,ensemble-min,ensemble-mean_minus_std,ensemble-mean";

    private Evaluate() {}

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        long seed = o.longValue("--seed", 1);
        int prompts = o.intValue("--prompts", 200);
        int tunePrompts = o.intValue("--tune-prompts", 100);
        List<Integer> ns = Arrays.stream(o.value("--n", "4,16,64").split(",")).map(Integer::parseInt).sorted().toList();
        List<String> proxies = List.of(o.value("--proxy", DEFAULT_PROXIES).split(","));
        Path models = Path.of(o.value("--models", "models"));
        Path out = Path.of(o.value("--out", "src/lab/results"));
        run(seed, prompts, tunePrompts, ns, proxies, models, out, String.join(" ", args));
    }

    static void run(long seed, int prompts, int tunePrompts, List<Integer> ns, List<String> proxyNames, Path models,
            Path out, String commandLine) throws IOException {
        Files.createDirectories(out);
        long start = System.nanoTime();
        Map<String, SequenceClassifier> proxies = new LinkedHashMap<>();
        List<String> members = proxyNames.stream().filter(p -> !Ensemble.isEnsemble(p)).toList();
        List<String> ensembles = proxyNames.stream().filter(Ensemble::isEnsemble).toList();
        try (CausalLM policy = CausalLM.load(models.resolve("policy"), Device.cpu());
                SentenceEmbedder embedder = SentenceEmbedder.defaultModel()) {
            for (String name : members) {
                proxies.put(name, SequenceClassifier.load(models.resolve("reward-" + name), Device.cpu()));
            }
            PoolSampler sampler = new PoolSampler(policy, proxies, ensembles, embedder);
            List<Task> tune = pick(TaskGenerator.split(Split.TUNE, seed), tunePrompts, seed);
            List<Task> test = pick(TaskGenerator.split(Split.TEST, seed), prompts, seed);
            int nMax = ns.get(ns.size() - 1);
            List<Pool> tunePools = new ArrayList<>();
            List<Pool> testPools = new ArrayList<>();
            int total = tune.size() + test.size();
            for (int k = 0; k < total; k++) {
                boolean isTune = k < tune.size();
                Task task = isTune ? tune.get(k) : test.get(k - tune.size());
                (isTune ? tunePools : testPools).add(sampler.sample(task, nMax, seed * 1_000_003L + k));
                TrainDefaults.progress("sampling", k + 1, total, start, (isTune ? "tune " : "test ") + "N=" + nMax);
            }
            System.err.println();
            double sampleSeconds = (System.nanoTime() - start) / 1e9;
            List<Sweep.Row> tuneRows = new ArrayList<>();
            List<Sweep.Row> testRows = new ArrayList<>();
            List<Prune> prunes = new ArrayList<>();
            prunes.add(null); // unpruned
            prunes.addAll(PRUNES);
            long sweepStart = System.nanoTime();
            int done = 0;
            int sweeps = ns.size() * (members.size() * prunes.size() + ensembles.size());
            for (String proxy : proxyNames) {
                for (int n : ns) {
                    // the ensembles' partial texts are not scored: they are evaluated unpruned only
                    for (Prune prune : Ensemble.isEnsemble(proxy) ? prunes.subList(0, 1) : prunes) {
                        tuneRows.addAll(Sweep.run(tunePools, proxy, n, prune));
                        testRows.addAll(Sweep.run(testPools, proxy, n, prune));
                        TrainDefaults.progress("sweeping", ++done, sweeps, sweepStart,
                                proxy + " N=" + n + " " + (prune == null ? "unpruned" : prune));
                    }
                }
            }
            System.err.println();
            List<Sweep.Row> tuned = Report.tuned(tuneRows, testRows);
            Tune.writeCache(out.resolve(Tune.POOLS_FILE), seed, ns, ensembles, tunePools);
            List<Calibration.HedgeRow> hedge = Calibration.hedgeTune(tunePools, testPools, proxyNames, ns, tuned);
            List<Calibration.BudgetRow> budget = Calibration.klBudget(tunePools, testPools, proxyNames, ns, tuned);
            Calibration.writeHedgeCsv(out.resolve("hedgetune.csv"), hedge);
            Calibration.writeBudgetCsv(out.resolve("klbudget.csv"), budget);
            Report.writeCsv(out.resolve("results.csv"), testRows);
            Report.writeCsv(out.resolve("tune.csv"), tuneRows);
            Report.writeCsv(out.resolve("results-tuned.csv"), tuned);
            Files.writeString(out.resolve("table.md"), Report.table(tuned, ns) + Calibration.hedgeTable(hedge)
                    + Calibration.budgetTable(budget));
            for (String proxy : proxyNames) {
                Report.plotN(out.resolve("gold-vs-n-" + proxy + ".svg"), tuned, proxy);
                Report.plotFrontier(out.resolve("frontier-" + proxy + ".svg"), tuned, proxy);
                for (int n : ns) {
                    Report.plotBeta(out.resolve("gold-vs-beta-" + proxy + "-n" + n + ".svg"), testRows, proxy, n);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Files.writeString(out.resolve("summary.md"), Summary.of(testPools, proxyNames, commandLine, seed,
                    tune.size(), test.size(), nMax, sampleSeconds, seconds));
            Files.writeString(out.resolve("samples.md"), Summary.samples(testPools, proxyNames, 6, 12));
            System.err.printf(Locale.ROOT, "done in %.0f s (sampling and scoring %.0f s); wrote %s%n", seconds,
                    sampleSeconds, out);
        } finally {
            proxies.values().forEach(SequenceClassifier::close);
        }
    }

    /** Up to {@code count} tasks of a split in a seeded random order. */
    static List<Task> pick(List<Task> split, int count, long seed) {
        List<Task> shuffled = new ArrayList<>(split);
        Collections.shuffle(shuffled, new Random(seed));
        return shuffled.subList(0, Math.min(count, shuffled.size()));
    }
}
