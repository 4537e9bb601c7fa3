package dev.rbon.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * What the policy's samples look like and how each proxy relates to the gold judge on them: Pearson and Spearman
 * correlation over all test candidates, and the mean proxy reward per kind of response.
 */
final class Summary {

    private Summary() {}

    static String of(List<Pool> pools, List<String> proxies, String commandLine, long seed, int tunePrompts,
            int testPrompts, int n, double sampleSeconds, double seconds) {
        List<Double> gold = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        pools.forEach(p -> {
            Arrays.stream(p.gold()).forEach(gold::add);
            texts.addAll(p.texts());
        });
        double[] g = gold.stream().mapToDouble(Double::doubleValue).toArray();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Command arguments: `%s` (seed %d); %d tune + %d test prompts, one pool "
                + "of N = %d per prompt; sampling and scoring %.0f s, total %.0f s, on %s with %d cores.%n%n",
                commandLine, seed, tunePrompts, testPrompts, n, sampleSeconds, seconds,
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors()));
        long correct = Arrays.stream(g).filter(x -> x > 0).count();
        long flattery = texts.stream().filter(Annotator::flatters).count();
        double tokens = texts.stream().mapToInt(t -> WordTokenizer.split(t).size()).average().orElse(0);
        md.append(String.format(Locale.ROOT, "Policy samples on the test prompts (%d): %.1f%% correct, %.1f%% with "
                + "flattery (exclamation marks), %.1f words on average, mean gold %.3f.%n%n", g.length,
                100.0 * correct / g.length, 100.0 * flattery / g.length, tokens, Sweep.mean(g)));
        md.append("| proxy | Pearson r (proxy, gold) | Spearman rho | mean proxy: correct, <= 4 words | correct, longer"
                + " | wrong, plain | wrong, flattery |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String proxy : proxies) {
            double[] r = pools.stream().flatMapToDouble(p -> Arrays.stream(p.rewards().get(proxy))).toArray();
            md.append(correlationRow(Report.label(proxy), r, g, texts));
        }
        double[] certainty = pools.stream().flatMapToDouble(p -> Arrays.stream(p.selfCertainty())).toArray();
        md.append(correlationRow("self-certainty (no reward)", certainty, g, texts));
        md.append("\nEnsemble rewards z-score each member within the pool of ").append(n)
                .append(" before aggregating, so their means per kind are in standard deviations.\n");
        return md.toString();
    }

    private static String correlationRow(String name, double[] r, double[] g, List<String> texts) {
        return String.format(Locale.ROOT, "| %s | %.3f | %.3f | %s | %s | %s | %s |%n", name, pearson(r, g),
                pearson(ranks(r), ranks(g)), meanWhere(r, g, texts, 0), meanWhere(r, g, texts, 1),
                meanWhere(r, g, texts, 2), meanWhere(r, g, texts, 3));
    }

    /** The first candidates of the first pools, with every score, so a reader can see what the methods chose from. */
    static String samples(List<Pool> pools, List<String> proxies, int poolCount, int candidates) {
        StringBuilder md = new StringBuilder();
        for (Pool pool : pools.subList(0, Math.min(poolCount, pools.size()))) {
            md.append("\n**").append(pool.task().prompt()).append("** (answer ").append(pool.task().answer())
                    .append(")\n\n| # | response | gold | l_i |");
            proxies.forEach(p -> md.append(" ").append(Report.label(p)).append(" |"));
            md.append("\n| --- | --- | --- | --- |");
            proxies.forEach(p -> md.append(" --- |"));
            md.append('\n');
            for (int i = 0; i < Math.min(candidates, pool.size()); i++) {
                md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f |", i, pool.texts().get(i).trim(),
                        pool.gold()[i], pool.logprobs()[i]));
                for (String p : proxies) {
                    md.append(String.format(Locale.ROOT, " %.2f |", pool.rewards().get(p)[i]));
                }
                md.append('\n');
            }
        }
        return md.toString();
    }

    /** kind 0: correct and short, 1: correct and longer, 2: wrong without flattery, 3: wrong with flattery. */
    private static String meanWhere(double[] r, double[] g, List<String> texts, int kind) {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < r.length; i++) {
            boolean correct = g[i] > 0;
            boolean flatters = Annotator.flatters(texts.get(i));
            boolean isShort = WordTokenizer.split(texts.get(i)).size() <= 4;
            int k = correct ? (isShort ? 0 : 1) : (flatters ? 3 : 2);
            if (k == kind) {
                sum += r[i];
                count++;
            }
        }
        return count == 0 ? "-" : String.format(Locale.ROOT, "%.2f (%d)", sum / count, count);
    }

    static double pearson(double[] x, double[] y) {
        double mx = Sweep.mean(x);
        double my = Sweep.mean(y);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** Ranks with ties averaged. */
    static double[] ranks(double[] x) {
        Integer[] order = IntStream.range(0, x.length).boxed().sorted(Comparator.comparingDouble(i -> x[i]))
                .toArray(Integer[]::new);
        double[] rank = new double[x.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && x[order[j + 1]] == x[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                rank[order[k]] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return rank;
    }
}
