package dev.rbon.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The evaluation's outputs: CSV files, the markdown table with beta tuned on the tune split, and SVG plots. */
final class Report {

    static final String HEADER =
            "proxy,n,method,prune,beta,gold_mean,gold_se,proxy_mean,proxy_se,win_rate_vs_bon,decoded_tokens,prompts";
    /** The methods whose pruned forms the table and the frontier plot show. */
    static final List<String> PRUNED_SHOWN = List.of("bon", "rbon_kl");
    /** The methods with a parameter: beta, or bop's mu. */
    static final List<String> REGULARIZED = List.of("rbon_kl", "rbon_wd", "srbon_kl", "srbon_wd", "rbon_len",
            "soft_bon", "bop");
    static final List<String> ORDER = List.of("oracle", "bon", "rbon_kl", "rbon_wd", "srbon_kl", "srbon_wd",
            "rbon_len", "soft_bon", "bop", "mbr", "self_certainty", "random");

    private Report() {}

    static void writeCsv(Path file, List<Sweep.Row> rows) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (Sweep.Row r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.2f,%d%n", r.proxy(),
                    r.n(), r.method(), r.prune(), Double.isNaN(r.beta()) ? "" : beta(r.beta()), r.goldMean(),
                    r.goldSe(), r.proxyMean(), r.proxySe(), r.winRateVsBon(), r.decodedTokens(), r.prompts()));
        }
        Files.writeString(file, out);
    }

    /**
     * For each (proxy, n, method, prune): the beta with the best gold mean on the TUNE rows (the smallest such beta on
     * ties), and the TEST row at that beta.
     */
    static List<Sweep.Row> tuned(List<Sweep.Row> tune, List<Sweep.Row> test) {
        Map<String, Sweep.Row> best = new LinkedHashMap<>();
        for (Sweep.Row r : tune) {
            String key = r.proxy() + "|" + r.n() + "|" + r.method() + "|" + r.prune();
            Sweep.Row current = best.get(key);
            if (current == null || r.goldMean() > current.goldMean()) {
                best.put(key, r);
            }
        }
        List<Sweep.Row> out = new ArrayList<>();
        for (Sweep.Row chosen : best.values()) {
            test.stream()
                    .filter(r -> r.proxy().equals(chosen.proxy()) && r.n() == chosen.n()
                            && r.method().equals(chosen.method()) && r.prune().equals(chosen.prune())
                            && sameBeta(r.beta(), chosen.beta()))
                    .findFirst().ifPresent(out::add);
        }
        out.sort(Comparator.comparing(Sweep.Row::proxy).thenComparingInt(Sweep.Row::n)
                .thenComparing(Sweep.Row::prune).thenComparingInt(r -> ORDER.indexOf(r.method())));
        return out;
    }

    private static boolean sameBeta(double a, double b) {
        return Double.isNaN(a) ? Double.isNaN(b) : a == b;
    }

    /**
     * Markdown: per proxy, one row per method, one column per N: test gold ± se with the tuned beta; then BoN and
     * RBoN_KL beside their pruned forms, with proxy reward and decoded tokens.
     */
    static String table(List<Sweep.Row> tuned, List<Integer> ns) {
        StringBuilder md = new StringBuilder();
        md.append(unprunedTable(tuned.stream().filter(r -> r.prune().isEmpty()).toList(), ns));
        if (tuned.stream().anyMatch(r -> !r.prune().isEmpty())) {
            md.append(prunedTable(tuned, ns));
        }
        return md.toString();
    }

    private static String unprunedTable(List<Sweep.Row> tuned, List<Integer> ns) {
        StringBuilder md = new StringBuilder();
        for (String proxy : tuned.stream().map(Sweep.Row::proxy).distinct().toList()) {
            md.append("\n**proxy `").append(label(proxy)).append("`**: test gold mean ± standard error")
                    .append(" (beta chosen on the tune split); win rate against BoN in brackets\n\n");
            md.append("| method |");
            ns.forEach(n -> md.append(" N = ").append(n).append(" |"));
            md.append("\n| --- |");
            ns.forEach(n -> md.append(" --- |"));
            md.append('\n');
            for (String method : ORDER) {
                md.append("| ").append(method).append(" |");
                for (int n : ns) {
                    Sweep.Row r = find(tuned, proxy, n, method, "");
                    md.append(r == null ? " |" : String.format(Locale.ROOT, " %.3f ± %.3f%s [%.2f] |", r.goldMean(),
                            r.goldSe(), parameter(r), r.winRateVsBon()));
                }
                md.append('\n');
            }
        }
        return md.toString();
    }

    private static String prunedTable(List<Sweep.Row> tuned, List<Integer> ns) {
        StringBuilder md = new StringBuilder();
        List<String> prunes = tuned.stream().map(Sweep.Row::prune).distinct().sorted().toList();
        List<String> prunedProxies = tuned.stream().filter(r -> !r.prune().isEmpty()).map(Sweep.Row::proxy)
                .distinct().toList();
        for (String proxy : prunedProxies) {
            md.append("\n**pruned, proxy `").append(label(proxy)).append("`**: test gold mean ± standard error")
                    .append(" (beta chosen on the tune split), mean proxy reward ± se in braces, mean decoded")
                    .append(" tokens per prompt in brackets\n\n| method | prune |");
            ns.forEach(n -> md.append(" N = ").append(n).append(" |"));
            md.append("\n| --- | --- |");
            ns.forEach(n -> md.append(" --- |"));
            md.append('\n');
            for (String method : PRUNED_SHOWN) {
                for (String prune : prunes) {
                    md.append("| ").append(method).append(" | ").append(prune.isEmpty() ? "none" : prune).append(" |");
                    for (int n : ns) {
                        Sweep.Row r = find(tuned, proxy, n, method, prune);
                        md.append(r == null ? " |" : String.format(Locale.ROOT,
                                " %.3f ± %.3f%s {%.2f ± %.2f} [%.0f] |", r.goldMean(), r.goldSe(),
                                Double.isNaN(r.beta()) ? "" : " (β " + beta(r.beta()) + ")", r.proxyMean(),
                                r.proxySe(), r.decodedTokens()));
                    }
                    md.append('\n');
                }
            }
        }
        return md.toString();
    }

    /** " (β 2)", " (μ 4)" for bop's mu, "" where the method has no parameter. */
    private static String parameter(Sweep.Row r) {
        return Double.isNaN(r.beta()) ? "" : (r.method().equals("bop") ? " (μ " : " (β ") + beta(r.beta()) + ")";
    }

    private static Sweep.Row find(List<Sweep.Row> rows, String proxy, int n, String method, String prune) {
        return rows.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n && r.method().equals(method)
                && r.prune().equals(prune)).findFirst().orElse(null);
    }

    /**
     * gold against beta, one line per regularized method (bop against mu > 0, on the same axis), flat lines for the
     * beta-free ones.
     */
    static void plotBeta(Path file, List<Sweep.Row> rows, String proxy, int n) throws IOException {
        List<Svg.Series> series = new ArrayList<>();
        for (String method : REGULARIZED) {
            List<Sweep.Row> line = rows.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n
                    && r.method().equals(method) && r.prune().isEmpty() && r.beta() > 0).toList();
            series.add(new Svg.Series(method, line.stream().mapToDouble(Sweep.Row::beta).toArray(),
                    line.stream().mapToDouble(Sweep.Row::goldMean).toArray(), false));
        }
        for (String method : List.of("bon", "oracle", "mbr", "self_certainty", "random")) {
            rows.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n && r.method().equals(method)
                    && r.prune().isEmpty()).findFirst().ifPresent(r -> series.add(new Svg.Series(method,
                            new double[] {Double.NaN}, new double[] {r.goldMean()}, true)));
        }
        Svg.lineChart(file, "gold reward vs beta, proxy " + label(proxy) + ", N = " + n + " (test split)",
                "beta (bop: mu)",
                "mean gold reward", series, true);
    }

    /** gold against N: BoN, each regularized method at its tuned beta, and the references. */
    static void plotN(Path file, List<Sweep.Row> tuned, String proxy) throws IOException {
        List<Svg.Series> series = new ArrayList<>();
        for (String method : ORDER) {
            List<Sweep.Row> line = tuned.stream().filter(r -> r.proxy().equals(proxy) && r.method().equals(method)
                    && r.prune().isEmpty()).sorted(Comparator.comparingInt(Sweep.Row::n)).toList();
            if (!line.isEmpty()) {
                series.add(new Svg.Series(method + (REGULARIZED.contains(method) ? " (tuned β)" : ""),
                        line.stream().mapToDouble(Sweep.Row::n).toArray(),
                        line.stream().mapToDouble(Sweep.Row::goldMean).toArray(),
                        Objects.equals(method, "oracle") || Objects.equals(method, "random")));
            }
        }
        Svg.lineChart(file, "gold reward vs N, proxy " + label(proxy) + " (test split)", "N (log scale)",
                "mean gold reward", series, false);
    }

    /**
     * gold against mean decoded tokens per prompt, one point per N: BoN and RBoN_KL at their tuned beta, each
     * unpruned and in every pruned form: one colour per prune setting, BoN dashed. Pruning moves a point left; the
     * question is how far down.
     */
    static void plotFrontier(Path file, List<Sweep.Row> tuned, String proxy) throws IOException {
        List<Svg.Series> series = new ArrayList<>();
        List<String> prunes = tuned.stream().map(Sweep.Row::prune).distinct().sorted().toList();
        for (String method : PRUNED_SHOWN) {
            for (String prune : prunes) {
                List<Sweep.Row> line = tuned.stream().filter(r -> r.proxy().equals(proxy)
                        && r.method().equals(method) && r.prune().equals(prune))
                        .sorted(Comparator.comparingInt(Sweep.Row::n)).toList();
                if (!line.isEmpty()) {
                    series.add(new Svg.Series(method + (prune.isEmpty() ? "" : " " + shortPrune(prune)),
                            line.stream().mapToDouble(Sweep.Row::decodedTokens).toArray(),
                            line.stream().mapToDouble(Sweep.Row::goldMean).toArray(), method.equals("bon")));
                }
            }
        }
        Svg.lineChart(file, "gold reward vs decoded tokens, proxy " + label(proxy) + " (test split, a point per N)",
                "mean decoded tokens per prompt (log scale)", "mean gold reward", series, false);
    }

    /** reward-noisy for a member proxy, ensemble-min as it is. */
    static String label(String proxy) {
        return Ensemble.isEnsemble(proxy) ? proxy : "reward-" + proxy;
    }

    /** every=4;keep=0.5 as e=4 k=0.5, to fit the legend. */
    private static String shortPrune(String prune) {
        return prune.replace("every=", "e=").replace(";keep=", " k=");
    }

    static String beta(double beta) {
        return java.math.BigDecimal.valueOf(beta).stripTrailingZeros().toPlainString();
    }
}
