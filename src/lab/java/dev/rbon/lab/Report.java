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

    static final String HEADER = "proxy,n,method,beta,gold_mean,gold_se,proxy_mean,win_rate_vs_bon,prompts";
    static final List<String> REGULARIZED = List.of("rbon_kl", "rbon_wd", "srbon_kl", "srbon_wd", "rbon_len");
    static final List<String> ORDER = List.of("oracle", "bon", "rbon_kl", "rbon_wd", "srbon_kl", "srbon_wd",
            "rbon_len", "mbr", "random");

    private Report() {}

    static void writeCsv(Path file, List<Sweep.Row> rows) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (Sweep.Row r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%.6f,%.6f,%.6f,%.6f,%d%n", r.proxy(), r.n(), r.method(),
                    Double.isNaN(r.beta()) ? "" : beta(r.beta()), r.goldMean(), r.goldSe(), r.proxyMean(),
                    r.winRateVsBon(), r.prompts()));
        }
        Files.writeString(file, out);
    }

    /**
     * For each (proxy, n, method): the beta with the best gold mean on the TUNE rows (the smallest such beta on
     * ties), and the TEST row at that beta.
     */
    static List<Sweep.Row> tuned(List<Sweep.Row> tune, List<Sweep.Row> test) {
        Map<String, Sweep.Row> best = new LinkedHashMap<>();
        for (Sweep.Row r : tune) {
            String key = r.proxy() + "|" + r.n() + "|" + r.method();
            Sweep.Row current = best.get(key);
            if (current == null || r.goldMean() > current.goldMean()) {
                best.put(key, r);
            }
        }
        List<Sweep.Row> out = new ArrayList<>();
        for (Sweep.Row chosen : best.values()) {
            test.stream()
                    .filter(r -> r.proxy().equals(chosen.proxy()) && r.n() == chosen.n()
                            && r.method().equals(chosen.method()) && sameBeta(r.beta(), chosen.beta()))
                    .findFirst().ifPresent(out::add);
        }
        out.sort(Comparator.comparing(Sweep.Row::proxy).thenComparingInt(Sweep.Row::n)
                .thenComparingInt(r -> ORDER.indexOf(r.method())));
        return out;
    }

    private static boolean sameBeta(double a, double b) {
        return Double.isNaN(a) ? Double.isNaN(b) : a == b;
    }

    /** Markdown: per proxy, one row per method, one column per N: test gold ± se with the tuned beta. */
    static String table(List<Sweep.Row> tuned, List<Integer> ns) {
        StringBuilder md = new StringBuilder();
        for (String proxy : tuned.stream().map(Sweep.Row::proxy).distinct().toList()) {
            md.append("\n**proxy `reward-").append(proxy).append("`**: test gold mean ± standard error")
                    .append(" (beta chosen on the tune split); win rate against BoN in brackets\n\n");
            md.append("| method |");
            ns.forEach(n -> md.append(" N = ").append(n).append(" |"));
            md.append("\n| --- |");
            ns.forEach(n -> md.append(" --- |"));
            md.append('\n');
            for (String method : ORDER) {
                md.append("| ").append(method).append(" |");
                for (int n : ns) {
                    Sweep.Row r = tuned.stream().filter(x -> x.proxy().equals(proxy) && x.n() == n
                            && x.method().equals(method)).findFirst().orElse(null);
                    md.append(r == null ? " |" : String.format(Locale.ROOT, " %.3f ± %.3f%s [%.2f] |", r.goldMean(),
                            r.goldSe(), Double.isNaN(r.beta()) ? "" : " (β " + beta(r.beta()) + ")", r.winRateVsBon()));
                }
                md.append('\n');
            }
        }
        return md.toString();
    }

    /** gold against beta, one line per regularized method, flat lines for the beta-free ones. */
    static void plotBeta(Path file, List<Sweep.Row> rows, String proxy, int n) throws IOException {
        List<Svg.Series> series = new ArrayList<>();
        for (String method : REGULARIZED) {
            List<Sweep.Row> line = rows.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n
                    && r.method().equals(method)).toList();
            series.add(new Svg.Series(method, line.stream().mapToDouble(Sweep.Row::beta).toArray(),
                    line.stream().mapToDouble(Sweep.Row::goldMean).toArray(), false));
        }
        for (String method : List.of("bon", "oracle", "mbr", "random")) {
            rows.stream().filter(r -> r.proxy().equals(proxy) && r.n() == n && r.method().equals(method)).findFirst()
                    .ifPresent(r -> series.add(new Svg.Series(method, new double[] {Double.NaN},
                            new double[] {r.goldMean()}, true)));
        }
        Svg.lineChart(file, "gold reward vs beta, proxy reward-" + proxy + ", N = " + n + " (test split)", "beta",
                "mean gold reward", series, true);
    }

    /** gold against N: BoN, each regularized method at its tuned beta, and the references. */
    static void plotN(Path file, List<Sweep.Row> tuned, String proxy) throws IOException {
        List<Svg.Series> series = new ArrayList<>();
        for (String method : ORDER) {
            List<Sweep.Row> line = tuned.stream().filter(r -> r.proxy().equals(proxy) && r.method().equals(method))
                    .sorted(Comparator.comparingInt(Sweep.Row::n)).toList();
            if (!line.isEmpty()) {
                series.add(new Svg.Series(method + (REGULARIZED.contains(method) ? " (tuned β)" : ""),
                        line.stream().mapToDouble(Sweep.Row::n).toArray(),
                        line.stream().mapToDouble(Sweep.Row::goldMean).toArray(),
                        Objects.equals(method, "oracle") || Objects.equals(method, "random")));
            }
        }
        Svg.lineChart(file, "gold reward vs N, proxy reward-" + proxy + " (test split)", "N (log scale)",
                "mean gold reward", series, false);
    }

    static String beta(double beta) {
        return java.math.BigDecimal.valueOf(beta).stripTrailingZeros().toPlainString();
    }
}
