package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation end to end on the committed default models, on a few prompts with N = 2 and 4; then {@link Tune}
 * on the tune pools it cached.
 */
class EvaluateSmokeTest {

    private static final List<String> PROXIES = List.of("noisy", "clean", "ensemble-min");

    @Test
    void writesEveryMethodAndBetaWithSaneNumbers(@TempDir Path out) throws Exception {
        Evaluate.run(1, 3, 2, List.of(2, 4), PROXIES, Path.of("models"), out, "smoke");
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(Report.HEADER, lines.get(0));
        int pruned = 6 * Sweep.betas().length + 4; // beta methods, bon/mbr/random/self_certainty (bop is not pruned)
        int rows = 0;
        for (int n : List.of(2, 4)) {
            int unpruned = pruned + Sweep.mus(n).length + 1; // + bop's mu grid, + oracle
            rows += 2 * (unpruned + Evaluate.PRUNES.size() * pruned) + unpruned; // the ensemble runs unpruned only
        }
        assertEquals(1 + rows, lines.size());
        for (String proxy : PROXIES) {
            for (int n : List.of(2, 4)) {
                double oracle = gold(lines, proxy, n, "oracle");
                double bon = gold(lines, proxy, n, "bon");
                double random = gold(lines, proxy, n, "random");
                assertTrue(oracle >= bon && oracle >= random, "the oracle is an upper bound");
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.split(",", -1);
                    double g = Double.parseDouble(f[5]);
                    assertTrue(g >= 0 && g <= 1, line);
                    assertTrue(g <= oracle + 1e-9 || !f[0].equals(proxy) || Integer.parseInt(f[1]) != n, line);
                    assertEquals(3, Integer.parseInt(f[11]), "test prompts");
                }
            }
        }
        assertEquals(gold(lines, "noisy", 4, "oracle"), gold(lines, "clean", 4, "oracle"), 1e-12, "same pools");
        String table = Files.readString(out.resolve("table.md"));
        assertTrue(table.contains("| rbon_kl |") && table.contains("N = 4"), table);
        assertTrue(Files.readString(out.resolve("gold-vs-n-noisy.svg")).contains("<polyline"));
        assertTrue(Files.readString(out.resolve("gold-vs-beta-clean-n4.svg")).contains("rbon_wd"));
        assertTrue(Files.readString(out.resolve("frontier-noisy.svg")).contains("rbon_kl e=4 k=0.5"));
        assertTrue(table.contains("every=8;keep=0.25"), table);
        assertTrue(Files.readString(out.resolve("summary.md")).contains("Pearson"));
        assertTrue(table.contains("| self_certainty |") && table.contains("(μ "), table);
        assertEquals(gold(lines, "noisy", 4, "self_certainty"), gold(lines, "ensemble-min", 4, "self_certainty"),
                1e-12, "reward-free: the same for every proxy");
        assertEquals(1 + PROXIES.size() * 2 * Tune.METHODS.size(),
                Files.readAllLines(out.resolve("hedgetune.csv")).size());
        assertEquals(1 + PROXIES.size() * 2 * 2, Files.readAllLines(out.resolve("klbudget.csv")).size());
        Tune.main(new String[] {"--out", out.toString(), "--requests", "noisy:4"});
        assertTrue(Files.readString(out.resolve("tune-request-noisy-n4.json")).startsWith("{\"method\":\"bon\""));
        List<String> hedge = Files.readAllLines(out.resolve("hedgetune.csv"));
        List<String> tuned = Files.readAllLines(out.resolve("tune-hedgetune.csv"));
        assertEquals(hedge.size(), tuned.size());
        for (int k = 1; k < hedge.size(); k++) {
            String[] h = hedge.get(k).split(",");
            String[] t = tuned.get(k).split(",");
            assertEquals(h[0] + h[1] + h[2], t[0] + t[1] + t[2]);
            assertEquals(h[6], t[3], "the cached pools give the evaluation's HedgeTune parameter exactly");
        }
    }

    private static double gold(List<String> lines, String proxy, int n, String method) {
        return lines.stream().map(l -> l.split(",", -1))
                .filter(f -> f[0].equals(proxy) && f[1].equals("" + n) && f[2].equals(method) && f[3].isEmpty())
                .mapToDouble(f -> Double.parseDouble(f[5])).findFirst().orElseThrow();
    }
}
