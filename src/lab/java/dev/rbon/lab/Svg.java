package dev.rbon.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Line charts as plain SVG polylines, written by hand (no plotting library on the JVM side). */
final class Svg {

    /** One line; a flat reference line when {@code xs} has a single NaN entry. */
    record Series(String name, double[] xs, double[] ys, boolean dashed) {}

    /** Ten colours, so the k-th and (k + 10)-th lines share one (the frontier plot pairs its lines that way). */
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 720;
    private static final int H = 440;
    private static final int LEFT = 60;
    private static final int RIGHT = 170;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private Svg() {}

    /** x on a log10 axis when {@code logX}; flat lines (xs = {NaN}) span the whole x range. */
    static void lineChart(Path file, String title, String xLabel, String yLabel, List<Series> series, boolean logX)
            throws IOException {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double x : s.xs()) {
                if (!Double.isNaN(x)) {
                    xMin = Math.min(xMin, tx(x, logX));
                    xMax = Math.max(xMax, tx(x, logX));
                }
            }
            for (double y : s.ys()) {
                yMin = Math.min(yMin, y);
                yMax = Math.max(yMax, y);
            }
        }
        double pad = Math.max(0.02, (yMax - yMin) * 0.05);
        yMin -= pad;
        yMax += pad;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                W, H));
        svg.append(text(W / 2.0 - RIGHT / 2.0, 22, title, "middle", 14));
        svg.append(text(LEFT + (W - LEFT - RIGHT) / 2.0, H - 12, xLabel, "middle", 12));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 16 %.1f)\">%s</text>%n", (double) H / 2, (double) H / 2, escape(yLabel)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#333\"/>%n", LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));
        for (int t = 0; t <= 5; t++) {
            double y = yMin + (yMax - yMin) * t / 5;
            double py = py(y, yMin, yMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, py, W - RIGHT, py));
            svg.append(text(LEFT - 6, py + 4, String.format(Locale.ROOT, "%.3f", y), "end", 11));
        }
        for (double x = Math.ceil(xMin); x <= xMax + 1e-9; x += 1) {
            double px = px(x, xMin, xMax);
            String label = logX ? (x < 0 ? String.format(Locale.ROOT, "1e%d", (long) x) : fmt(Math.pow(10, x)))
                    : fmt(Math.pow(2, x));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>%n",
                    px, TOP, px, H - BOTTOM));
            svg.append(text(px, H - BOTTOM + 16, label, "middle", 11));
        }
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            StringBuilder points = new StringBuilder();
            if (s.xs().length == 1 && Double.isNaN(s.xs()[0])) {
                double py = py(s.ys()[0], yMin, yMax);
                points.append(String.format(Locale.ROOT, "%d,%.1f %d,%.1f", LEFT, py, W - RIGHT, py));
            } else {
                for (int i = 0; i < s.xs().length; i++) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(tx(s.xs()[i], logX), xMin, xMax),
                            py(s.ys()[i], yMin, yMax)));
                }
            }
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", points.toString().trim(), colour,
                    s.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
            double ly = TOP + 14 + 18 * k;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", W - RIGHT + 10, ly, W - RIGHT + 34, ly, colour,
                    s.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
            svg.append(text(W - RIGHT + 40, ly + 4, s.name(), "start", 11));
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg);
    }

    /** x in axis units: log10 for a log axis, log2 (for N) otherwise. */
    private static double tx(double x, boolean logX) {
        return logX ? Math.log10(x) : Math.log(x) / Math.log(2);
    }

    private static double px(double x, double min, double max) {
        return LEFT + (max == min ? 0.5 : (x - min) / (max - min)) * (W - LEFT - RIGHT);
    }

    private static double py(double y, double min, double max) {
        return H - BOTTOM - (y - min) / (max - min) * (H - TOP - BOTTOM);
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
    }

    private static String text(double x, double y, String s, String anchor, int size) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                x, y, anchor, size, escape(s));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
