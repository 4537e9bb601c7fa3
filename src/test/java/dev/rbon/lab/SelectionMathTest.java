package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.select.BestOfPoisson;
import dev.rbon.select.Method;
import dev.rbon.select.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The lab's own arithmetic on hand-made pools: bop's expectation, the ensemble aggregates, kl_budget's replay. */
class SelectionMathTest {

    private static final Task TASK = new Task(Family.values()[0], "add 3 and 5 .", "8", List.of("8"), List.of());

    @Test
    void bopAtMuZeroIsTheFirstCandidateAndAtLargeMuIsBonAtN() {
        double[] rewards = {0.3, -1, 2.5, 0.7, 2.5, 1.1};
        double[] gold = {0.9, 0.1, 0.4, 0.8, 0.6, 0.2};
        assertEquals(gold[0], Sweep.dot(Sweep.bopDistribution(0, rewards), gold), 0);
        double bon = gold[Selector.argmaxLowestIndex(rewards)]; // ties to the lowest index, as bop's pick
        assertEquals(bon, Sweep.dot(Sweep.bopDistribution(2 * rewards.length + 50, rewards), gold), 1e-9);
        int[] lengths = {3, 5, 7, 2, 4, 6};
        assertEquals(3, Sweep.bopDecodedTokens(0, lengths), 0);
        assertEquals(27, Sweep.bopDecodedTokens(200, lengths), 1e-9);
    }

    @Test
    void bopsExpectationMatchesDrawingNPrimeAndDecodingTheFirstNPrime() {
        SplittableRandom rng = new SplittableRandom(3);
        double[] rewards = rng.doubles(16).toArray();
        double[] gold = rng.doubles(16).toArray();
        double mu = 3;
        int draws = 200_000;
        double sum = 0;
        double squares = 0;
        for (int k = 0; k < draws; k++) {
            int n = BestOfPoisson.draw(mu, rewards.length, rng);
            double g = gold[Selector.argmaxLowestIndex(Arrays.copyOf(rewards, n))];
            sum += g;
            squares += g * g;
        }
        double mean = sum / draws;
        double se = Math.sqrt((squares / draws - mean * mean) / draws);
        double exact = Sweep.dot(Sweep.bopDistribution(mu, rewards), gold);
        assertEquals(exact, mean, 4 * se);
        assertEquals(1, Arrays.stream(Sweep.bopDistribution(mu, rewards)).sum(), 1e-12);
    }

    @Test
    void ensemblesZScoreEachMemberWithinThePoolThenAggregate() {
        Map<String, double[]> members = new LinkedHashMap<>();
        members.put("noisy", new double[] {1, 2, 3});
        members.put("clean", new double[] {-10, -10, -40});
        Map<String, double[]> all = Ensemble.withEnsembles(members,
                List.of("ensemble-min", "ensemble-mean_minus_std", "ensemble-mean"));
        double a = Math.sqrt(1.5); // noisy's z: (-1, 0, 1) / sqrt(2/3)
        double[] noisy = {-a, 0, a};
        double b = 1 / Math.sqrt(2); // clean's z: (10, 10, -20) / sqrt(200)
        double[] clean = {b, b, -2 * b};
        assertArrayEquals(members.get("noisy"), all.get("noisy"), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.min(noisy[i], clean[i]), all.get("ensemble-min")[i], 1e-12);
            assertEquals((noisy[i] + clean[i]) / 2, all.get("ensemble-mean")[i], 1e-12);
        }
        assertArrayEquals(all.get("ensemble-min"), all.get("ensemble-mean_minus_std"), 1e-12, "equal for K = 2");
        double[][] three = {{0, 0, 3}, {1, 0, 0}, {2, 0, 0}};
        double[] meanMinusStd = Ensemble.aggregate("mean_minus_std", three);
        assertEquals(1 - Math.sqrt(2.0 / 3), meanMinusStd[0], 1e-12);
        assertNotEquals(Ensemble.aggregate("min", three)[0], meanMinusStd[0]);
        assertArrayEquals(new double[] {0, 0, 0}, Ensemble.zScore(new double[] {4, 4, 4}), 0);
    }

    @Test
    void aPrefixRecomputesTheEnsembleOverItsOwnCandidates() {
        Map<String, double[]> members = new LinkedHashMap<>();
        members.put("noisy", new double[] {1, 2, 3, 100});
        members.put("clean", new double[] {4, 1, 0, -100});
        Pool pool = pool(Ensemble.withEnsembles(members, List.of("ensemble-mean")), new double[4], new double[4]);
        Map<String, double[]> firstThree = new LinkedHashMap<>();
        members.forEach((k, v) -> firstThree.put(k, Arrays.copyOf(v, 3)));
        assertArrayEquals(Ensemble.withEnsembles(firstThree, List.of("ensemble-mean")).get("ensemble-mean"),
                pool.prefix(3).rewards().get("ensemble-mean"), 0);
    }

    @Test
    void klBudgetReplaysTheTunedBetaOnPoolsLikeTheTuneSplit() {
        SplittableRandom rng = new SplittableRandom(5);
        List<Pool> pools = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            Map<String, double[]> rewards = new LinkedHashMap<>();
            rewards.put("noisy", rng.doubles(8, -2, 2).toArray());
            pools.add(pool(rewards, rng.doubles(8, -12, -2).toArray(), rng.doubles(8).toArray()));
        }
        double beta = 0.5;
        List<Sweep.Row> tuned = new ArrayList<>();
        for (String method : List.of("srbon_kl", "soft_bon")) {
            double[] gold = pools.stream().mapToDouble(p -> Calibration.gold(Method.fromWire(method), beta, p, "noisy"))
                    .toArray();
            tuned.add(new Sweep.Row("noisy", 8, method, "", beta, Sweep.mean(gold), Sweep.standardError(gold), 0, 0,
                    0, 0, gold.length));
        }
        // one pool as the tune split and as the test split: the budget is its KL at beta, which only beta meets
        for (Pool pool : pools) {
            for (Calibration.BudgetRow row : Calibration.klBudget(List.of(pool), List.of(pool), List.of("noisy"),
                    List.of(8), tuned)) {
                Method method = Method.fromWire(row.method());
                assertEquals(Calibration.kl(method, beta, pool, "noisy"), row.budget(), 0);
                assertEquals(beta, row.budgetBetaMedian(), 1e-6 * beta, row.method());
                assertEquals(Calibration.gold(method, beta, pool, "noisy"), row.budgetGold(), 1e-9, row.method());
            }
        }
        List<Calibration.BudgetRow> all = Calibration.klBudget(pools, pools, List.of("noisy"), List.of(8), tuned);
        for (Calibration.BudgetRow row : all) {
            double mean = pools.stream().mapToDouble(p -> Calibration.kl(Method.fromWire(row.method()), beta, p,
                    "noisy")).average().orElseThrow();
            assertEquals(mean, row.budget(), 1e-12, "the budget is the tune pools' mean KL at the tuned beta");
            assertTrue(row.budgetGold() >= 0 && row.budgetGold() <= 1);
        }
    }

    private static Pool pool(Map<String, double[]> rewards, double[] logprobs, double[] gold) {
        int n = gold.length;
        double[][] similarity = new double[n][n];
        List<String> texts = IntStream.range(0, n).mapToObj(i -> "it is " + i + " .").toList();
        return new Pool(TASK, texts, gold, rewards, logprobs, IntStream.range(0, n).map(i -> 3).toArray(),
                similarity, new double[n], null);
    }
}
