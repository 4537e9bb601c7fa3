package dev.rbon.lab;

import dev.rbon.select.ChoiceStats;
import dev.rbon.select.HedgeTune;
import dev.rbon.select.KlBudget;
import dev.rbon.select.Method;
import dev.rbon.select.RewardNormalization;
import dev.rbon.select.Scores;
import dev.rbon.select.Selector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Two ways of choosing a parameter without the test split's gold, each set beside the grid-tuned parameter (chosen on
 * the tune split's gold, {@link Report#tuned}) and scored on the test split:
 * <ul>
 *   <li>HedgeTune ({@link HedgeTune#tune}) on the tune split's pools, for bon (n), soft_bon (lambda) and bop (mu).
 *       bon's n is real-valued: it is evaluated at floor(n), the argmax of each test pool's first floor(n)
 *       candidates; bon's grid is n in {1, 2, 4, ..., N}, chosen on the tune split the same way;</li>
 *   <li>{@code kl_budget} for srbon_kl and soft_bon: the budget is the mean over the tune pools of the KL
 *       ({@link ChoiceStats}) reached at the grid-tuned beta; on each test pool {@link KlBudget#solve} finds the beta
 *       that meets it.</li>
 * </ul>
 */
final class Calibration {

    static final String HEDGE_HEADER = "proxy,n,method,grid_parameter,grid_gold,grid_se,hedgetune_parameter,"
            + "hedgetune_gold,hedgetune_se,predicted_gold";
    static final String BUDGET_HEADER = "proxy,n,method,tuned_beta,tuned_gold,tuned_se,kl_budget,budget_gold,"
            + "budget_se,budget_beta_median";

    /** Test gold of a grid-tuned and of a HedgeTune parameter; predictedGold is HedgeTune's G on the tune pools. */
    record HedgeRow(String proxy, int n, String method, double gridParameter, double gridGold, double gridSe,
            double hedgeParameter, double hedgeGold, double hedgeSe, double predictedGold) {}

    /** Test gold at the tuned beta and with the tune split's KL budget solved per test pool. */
    record BudgetRow(String proxy, int n, String method, double tunedBeta, double tunedGold, double tunedSe,
            double budget, double budgetGold, double budgetSe, double budgetBetaMedian) {}

    private Calibration() {}

    static List<HedgeRow> hedgeTune(List<Pool> tune, List<Pool> test, List<String> proxies, List<Integer> ns,
            List<Sweep.Row> tuned) {
        List<HedgeRow> rows = new ArrayList<>();
        for (String proxy : proxies) {
            for (int n : ns) {
                List<Pool> tunePrefixes = tune.stream().map(p -> p.prefix(n)).toList();
                List<Pool> testPrefixes = test.stream().map(p -> p.prefix(n)).toList();
                List<HedgeTune.Pool> calibration = tunePrefixes.stream()
                        .map(p -> new HedgeTune.Pool(p.rewards().get(proxy), p.gold())).toList();
                for (Method method : Tune.METHODS) {
                    HedgeTune.Result hedge = HedgeTune.tune(method, calibration);
                    double grid = method == Method.BON ? bonGridN(tunePrefixes, proxy, n)
                            : find(tuned, proxy, n, method.wireName()).beta();
                    double hedgeAt = method == Method.BON ? Math.floor(hedge.parameter()) : hedge.parameter();
                    double[] gridGold = perPool(testPrefixes, p -> gold(method, grid, p, proxy));
                    double[] hedgeGold = perPool(testPrefixes, p -> gold(method, hedgeAt, p, proxy));
                    rows.add(new HedgeRow(proxy, n, method.wireName(), grid, Sweep.mean(gridGold),
                            Sweep.standardError(gridGold), hedge.parameter(), Sweep.mean(hedgeGold),
                            Sweep.standardError(hedgeGold), hedge.predictedGold()));
                }
            }
        }
        return rows;
    }

    /** The n in {1, 2, 4, ..., N} whose bon over each pool's first n candidates has the best tune gold. */
    private static double bonGridN(List<Pool> tunePools, String proxy, int n) {
        List<Integer> sizes = new ArrayList<>();
        for (int m = 1; m < n; m *= 2) {
            sizes.add(m);
        }
        sizes.add(n);
        double best = 1;
        double bestGold = Double.NEGATIVE_INFINITY;
        for (int m : sizes) {
            double g = Sweep.mean(perPool(tunePools, p -> gold(Method.BON, m, p, proxy)));
            if (g > bestGold) {
                best = m;
                bestGold = g;
            }
        }
        return best;
    }

    /** A method's expected gold on one pool at a parameter: bon's is n (its first n candidates), bop's mu. */
    static double gold(Method method, double parameter, Pool pool, String proxy) {
        if (method == Method.BON) {
            return pool.gold()[Selector.argmaxLowestIndex(pool.prefix((int) parameter).rewards().get(proxy))];
        }
        return Sweep.dot(Sweep.distribution(method, parameter, pool, proxy), pool.gold());
    }

    static List<BudgetRow> klBudget(List<Pool> tune, List<Pool> test, List<String> proxies, List<Integer> ns,
            List<Sweep.Row> tuned) {
        List<BudgetRow> rows = new ArrayList<>();
        for (String proxy : proxies) {
            for (int n : ns) {
                List<Pool> tunePrefixes = tune.stream().map(p -> p.prefix(n)).toList();
                List<Pool> testPrefixes = test.stream().map(p -> p.prefix(n)).toList();
                for (Method method : List.of(Method.SRBON_KL, Method.SOFT_BON)) {
                    Sweep.Row at = find(tuned, proxy, n, method.wireName());
                    double budget = Sweep.mean(perPool(tunePrefixes, p -> kl(method, at.beta(), p, proxy)));
                    double[] betas = perPool(testPrefixes, p -> KlBudget.solve(method, budget,
                            RewardNormalization.NONE, Sweep.scores(p, proxy)).beta());
                    double[] gold = new double[testPrefixes.size()];
                    for (int k = 0; k < gold.length; k++) {
                        gold[k] = gold(method, betas[k], testPrefixes.get(k), proxy);
                    }
                    rows.add(new BudgetRow(proxy, n, method.wireName(), at.beta(), at.goldMean(), at.goldSe(), budget,
                            Sweep.mean(gold), Sweep.standardError(gold), median(betas)));
                }
            }
        }
        return rows;
    }

    /** KL(selection ‖ the pool's reference) of a method at beta on one pool. */
    static double kl(Method method, double beta, Pool pool, String proxy) {
        Scores scores = Sweep.scores(pool, proxy);
        return ChoiceStats.of(method, beta, scores, Selector.select(method, beta, RewardNormalization.NONE, scores,
                new SplittableRandom(0)), pool.size()).kl();
    }

    private static Sweep.Row find(List<Sweep.Row> tuned, String proxy, int n, String method) {
        return tuned.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n && r.method().equals(method)
                && r.prune().isEmpty()).findFirst().orElseThrow(() -> new IllegalStateException(
                        "no tuned row for " + proxy + " N=" + n + " " + method));
    }

    private static double[] perPool(List<Pool> pools, ToDoubleFunction<Pool> f) {
        return pools.stream().mapToDouble(f).toArray();
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    static void writeHedgeCsv(Path file, List<HedgeRow> rows) throws IOException {
        StringBuilder out = new StringBuilder(HEDGE_HEADER).append('\n');
        for (HedgeRow r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%.6f,%.6f,%s,%.6f,%.6f,%.6f%n", r.proxy(), r.n(),
                    r.method(), Report.beta(r.gridParameter()), r.gridGold(), r.gridSe(), r.hedgeParameter(),
                    r.hedgeGold(), r.hedgeSe(), r.predictedGold()));
        }
        Files.writeString(file, out);
    }

    static void writeBudgetCsv(Path file, List<BudgetRow> rows) throws IOException {
        StringBuilder out = new StringBuilder(BUDGET_HEADER).append('\n');
        for (BudgetRow r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6g%n", r.proxy(), r.n(),
                    r.method(), Report.beta(r.tunedBeta()), r.tunedGold(), r.tunedSe(), r.budget(), r.budgetGold(),
                    r.budgetSe(), r.budgetBetaMedian()));
        }
        Files.writeString(file, out);
    }

    /** Markdown: per proxy and N, grid-tuned against HedgeTune, test gold ± se; * where within one grid se. */
    static String hedgeTable(List<HedgeRow> rows) {
        StringBuilder md = new StringBuilder("\n**HedgeTune against the grid** (parameter chosen on the tune split; "
                + "test gold ± se; ✓ where HedgeTune's test gold is within one se of the grid-tuned one)\n\n"
                + "| proxy | N | method | grid: parameter | gold | HedgeTune: parameter | gold | predicted (tune) | "
                + "within 1 se |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (HedgeRow r : rows) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %d | %s | %s | %.3f ± %.3f | %.4g | %.3f ± %.3f | %.3f | %s |%n",
                    r.proxy(), r.n(), r.method(), Report.beta(r.gridParameter()), r.gridGold(), r.gridSe(),
                    r.hedgeParameter(), r.hedgeGold(), r.hedgeSe(), r.predictedGold(),
                    Math.abs(r.hedgeGold() - r.gridGold()) <= r.gridSe() ? "✓" : "✗"));
        }
        return md.toString();
    }

    /** Markdown: the tuned beta's test gold beside the tune split's KL budget's. */
    static String budgetTable(List<BudgetRow> rows) {
        StringBuilder md = new StringBuilder("\n**kl_budget against the tuned beta** (budget = mean tune-split KL at "
                + "the tuned beta, solved per test pool; test gold ± se)\n\n"
                + "| proxy | N | method | tuned β | gold | KL budget (nats) | gold | median solved β "
                + "| within 1 se |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (BudgetRow r : rows) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %d | %s | %s | %.3f ± %.3f | %.3f | %.3f ± %.3f | %.3g | %s |%n",
                    r.proxy(), r.n(), r.method(), Report.beta(r.tunedBeta()), r.tunedGold(), r.tunedSe(), r.budget(),
                    r.budgetGold(), r.budgetSe(), r.budgetBetaMedian(),
                    Math.abs(r.budgetGold() - r.tunedGold()) <= r.tunedSe() ? "✓" : "✗"));
        }
        return md.toString();
    }
}
