package dev.rbon.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HF transformers through ../shared/tools' peer scripts, each run in its own Python process on the same cores. */
final class Peer {

    /** What one peer process printed: tokens/s by n (generate), its summary line (score), its peak RSS. */
    record Result(Map<Integer, Double> tokensPerSecond, String note, String peakRss) {}

    /** Runs the script, then prints the process's own peak RSS (ru_maxrss, KiB on Linux). */
    private static final String WRAPPER = "import runpy, sys, resource; sys.argv = sys.argv[1:]; "
            + "runpy.run_path(sys.argv[0], run_name='__main__'); "
            + "print('peak-rss-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)";
    private static final Pattern GENERATE = Pattern.compile("hf-generate n=\\s*(\\d+):\\s*([0-9.]+) tokens/s");
    private static final Pattern SCORE = Pattern.compile("reward ([0-9.]+) s, reference ([0-9.]+) s");

    private final Path python;
    private final String threads;
    private final Path tools = Path.of(System.getProperty("shared.dir", "../shared"), "tools");

    Peer(Path python, String threads) {
        this.python = python;
        this.threads = threads;
    }

    boolean available() {
        return Files.isExecutable(python) && Files.isRegularFile(tools.resolve("peer_hf_generate.py"));
    }

    String describe() {
        return available() ? "HF transformers (" + python + ")" : "no peer (skipped: " + python + " is absent)";
    }

    Result generate(Path model, String dtype, int newTokens, int[] ns, double topP) throws IOException {
        if (dtype.equals("int8")) {
            return new Result(Map.of(), "no int8 in transformers itself", "-");
        }
        List<String> args = new ArrayList<>(List.of(tools.resolve("peer_hf_generate.py").toString(), model.toString(),
                threads, Integer.toString(newTokens)));
        Arrays.stream(ns).forEach(n -> args.add(Integer.toString(n)));
        args.addAll(List.of("--top-p", Double.toString(topP), "--dtype", dtype, "--reps",
                Integer.toString(RealScaleBenchmark.reps())));
        return run(args, GENERATE);
    }

    Result score(Path lm, Path rm, String dtype, int rows, int length) throws IOException {
        if (!dtype.equals("float32")) {
            return new Result(Map.of(), "peer_hf_score.py runs float32 only", "-");
        }
        return run(List.of(tools.resolve("peer_hf_score.py").toString(), lm.toString(), rm.toString(), threads,
                Integer.toString(rows), Integer.toString(length)), SCORE);
    }

    private Result run(List<String> scriptArgs, Pattern pattern) throws IOException {
        if (!available()) {
            return new Result(Map.of(), "skipped", "-");
        }
        List<String> command = new ArrayList<>(List.of("nice", python.toString(), "-c", WRAPPER));
        command.addAll(scriptArgs);
        String output = output(command, null);
        Map<Integer, Double> tokensPerSecond = new TreeMap<>();
        String note = "failed: " + output.lines().reduce((a, b) -> b).orElse("no output");
        for (String line : output.lines().toList()) {
            Matcher m = pattern.matcher(line);
            if (m.find() && pattern == GENERATE) {
                tokensPerSecond.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
                note = "";
            } else if (m.find(0)) {
                note = String.format("%13.1f   %16.1f", Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
            }
        }
        String rss = output.lines().filter(l -> l.startsWith("peak-rss-kib")).findFirst()
                .map(l -> String.format("%.1f GB", Long.parseLong(l.split(" ")[1]) / 1e6)).orElse("-");
        return new Result(tokensPerSecond, note + (pattern == SCORE ? "   " + rss : ""), rss);
    }

    /** What {@code command} printed (stdout and stderr), run in {@code directory} (null: this one) to its end. */
    static String output(List<String> command, Path directory) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
        return output;
    }
}
