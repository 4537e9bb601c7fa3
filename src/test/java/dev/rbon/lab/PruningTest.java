package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.select.Method;
import dev.rbon.select.Prune;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pruning replayed on pools sampled from the committed models. */
class PruningTest {

    private static final double[] BETAS = {1e-3, 1, 20};
    /** Every method but bop, whose pruned form the lab does not replay. */
    private static final List<Method> REPLAYED = Arrays.stream(Method.values()).filter(m -> m != Method.BOP).toList();

    private static CausalLM policy;
    private static SequenceClassifier proxy;
    private static SentenceEmbedder embedder;
    private static List<Pool> pools;

    @BeforeAll
    static void sample() throws Exception {
        policy = CausalLM.load(Path.of("models/policy"), Device.cpu());
        proxy = SequenceClassifier.load(Path.of("models/reward-noisy"), Device.cpu());
        embedder = SentenceEmbedder.defaultModel();
        PoolSampler sampler = new PoolSampler(policy, Map.of("noisy", proxy), embedder);
        List<Task> tasks = Evaluate.pick(TaskGenerator.split(Split.TUNE, 1), 3, 1);
        pools = IntStream.range(0, tasks.size()).mapToObj(k -> sampler.sample(tasks.get(k), 16, 7 + k)).toList();
    }

    @AfterAll
    static void close() {
        policy.close();
        proxy.close();
        embedder.close();
    }

    @Test
    void keepingEveryCandidateIsTheUnprunedSelection() {
        for (Pool pool : pools) {
            for (Method method : REPLAYED) {
                for (double beta : method.usesBeta() ? BETAS : new double[] {0}) {
                    Pruning.Outcome outcome = Pruning.select(method, beta, pool, "noisy", new Prune(4, 1));
                    assertArrayEquals(Sweep.distribution(method, beta, pool, "noisy"), outcome.distribution(),
                            method + " " + beta);
                    assertEquals(IntStream.of(pool.lengths()).sum(), outcome.decodedTokens());
                }
            }
        }
    }

    @Test
    void aPrunedCandidateIsNeverSelectedAndDecodedFewerTokens() {
        for (Pool pool : pools) {
            for (Method method : REPLAYED) {
                for (double beta : method.usesBeta() ? BETAS : new double[] {0}) {
                    Pruning.Outcome outcome = Pruning.select(method, beta, pool, "noisy", new Prune(4, 0.25));
                    int prunedCount = 0;
                    for (int i = 0; i < pool.size(); i++) {
                        if (outcome.pruned()[i]) {
                            prunedCount++;
                            assertEquals(0, outcome.distribution()[i], method + " " + beta + " chose pruned " + i);
                        }
                    }
                    assertTrue(prunedCount > 0, "16 candidates with up to 32 tokens: some run past 4");
                    assertEquals(1, IntStream.range(0, pool.size()).mapToDouble(i -> outcome.distribution()[i]).sum(),
                            1e-9);
                    assertTrue(outcome.decodedTokens() < IntStream.of(pool.lengths()).sum());
                }
            }
        }
    }
}
