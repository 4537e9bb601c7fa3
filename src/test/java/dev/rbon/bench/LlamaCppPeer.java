package dev.rbon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp as a peer on the same cores: ../shared/tools/peer_llamacpp_generate.mjs under node, through
 * node-llama-cpp's prebuilt CPU build (it picks the AMX / AVX-512 kernels itself), on a GGUF of the same checkpoint
 * made once by hf_qwen2_to_gguf.py. {@code -Dllamacpp} (default /tmp/llamacpp) is the folder where
 * {@code npm i -E node-llama-cpp@3.21.1} was run; ESM imports resolve from the script's folder, so the script is
 * copied there. Absent, the columns say "skipped".
 */
final class LlamaCppPeer {

    private static final Pattern GENERATE = Pattern.compile("llama\\.cpp n=(\\d+) top_p [0-9.]+: ([0-9.]+) tokens/s");

    private final Path folder;
    private final Path python;
    private final String threads;
    private final Path tools = Path.of(System.getProperty("shared.dir", "../shared"), "tools");

    LlamaCppPeer(Path folder, Path python, String threads) {
        this.folder = folder;
        this.python = python;
        this.threads = threads;
    }

    boolean available() {
        return Files.isDirectory(folder.resolve("node_modules/node-llama-cpp"))
                && Files.isRegularFile(tools.resolve("peer_llamacpp_generate.mjs"));
    }

    String describe() {
        return available() ? "llama.cpp (node-llama-cpp in " + folder + ")"
                : "no llama.cpp (skipped: no node-llama-cpp in " + folder + ")";
    }

    /** llama.cpp's name for a dtype: f32, bf16, or q8_0 (8-bit weights, the int8 reference). */
    static String ggufType(String dtype) {
        return switch (dtype) {
            case "float32" -> "f32";
            case "bfloat16" -> "bf16";
            case "int8" -> "q8_0";
            default -> dtype;
        };
    }

    /** Tokens/s by n, the median of reps runs each, or a note in place of each when it could not run. */
    Peer.Result generate(Path model, String type, int newTokens, int[] ns, double topP, int reps)
            throws IOException {
        if (!available()) {
            return new Peer.Result(Map.of(), "skipped", "-");
        }
        Path gguf = gguf(model, type);
        if (gguf == null) {
            return new Peer.Result(Map.of(), "no gguf (pip install gguf)", "-");
        }
        Path script = folder.resolve("peer_llamacpp_generate.mjs");
        Files.copy(tools.resolve("peer_llamacpp_generate.mjs"), script, StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("nice", "node", script.toString(), gguf.toString(), threads,
                Integer.toString(newTokens)));
        Arrays.stream(ns).forEach(n -> command.add(Integer.toString(n)));
        command.addAll(List.of("--top-p", Double.toString(topP), "--reps", Integer.toString(reps)));
        String output = run(command);
        Map<Integer, Double> tokensPerSecond = new TreeMap<>();
        for (String line : output.lines().toList()) {
            Matcher m = GENERATE.matcher(line);
            if (m.find()) {
                tokensPerSecond.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
            }
        }
        String note = tokensPerSecond.isEmpty() ? "failed: " + output.lines().reduce((a, b) -> b).orElse("") : "";
        return new Peer.Result(tokensPerSecond, note, "-");
    }

    /** MODEL-TYPE.gguf beside the model folder, converted on first use; null when the converter cannot run. */
    private Path gguf(Path model, String type) throws IOException {
        Path out = model.resolveSibling(model.getFileName() + "-" + type + ".gguf");
        if (!Files.isRegularFile(out)) {
            run(List.of("nice", python.toString(), tools.resolve("hf_qwen2_to_gguf.py").toString(), model.toString(),
                    out.toString(), type));
        }
        return Files.isRegularFile(out) ? out : null;
    }

    private String run(List<String> command) throws IOException {
        return Peer.output(command, folder);
    }
}
