package dev.rbon.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;

/**
 * A sentence-embedding folder as sentence-transformers reads it: {@code modules.json} (Transformer, Pooling,
 * Normalize), the Pooling module's {@code config.json} (which token states make the sentence vector) and
 * {@code sentence_bert_config.json} ({@code max_seq_length}: longer texts are truncated to it, as
 * sentence-transformers' tokenizer call does; {@code do_lower_case}). Pooling mirrors sentence-transformers 6's
 * Pooling._forward_padded; several modes are concatenated in its order. The result is always L2-normalised: rbon
 * compares embeddings by cosine (S_ij), which a Normalize module does not change.
 *
 * @param transformer the folder of the Transformer module (the BertModel's config.json and weights)
 * @param poolingModes cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, in concatenation order
 * @param maxSeqLength texts are truncated to this many tokens, special tokens included (capped at the model's
 *     max_position_embeddings where the tokenizer is made)
 * @param doLowerCase lower-case texts before tokenizing
 */
public record SentenceTransformer(Path transformer, List<String> poolingModes, int maxSeqLength,
        boolean doLowerCase) {

    /** The pooling modes in sentence-transformers' concatenation order. */
    private static final List<String> ORDER =
            List.of("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken");

    /** The legacy pooling_mode_* flag of each mode of {@link #ORDER}. */
    private static final List<String> LEGACY_FLAGS = List.of("pooling_mode_cls_token", "pooling_mode_max_tokens",
            "pooling_mode_mean_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken");

    /**
     * The classpath all-MiniLM-L6-v2 (no files beside it): its Hub folder's modules (Transformer, Pooling(mean),
     * Normalize) and sentence_bert_config.json (max_seq_length 256).
     */
    static SentenceTransformer miniLm() {
        return new SentenceTransformer(null, List.of("mean"), 256, false);
    }

    public SentenceTransformer {
        poolingModes = List.copyOf(poolingModes);
    }

    /**
     * The layout of {@code dir}. Without modules.json it is a plain HF encoder folder, which sentence-transformers
     * runs as Transformer + Pooling(mean). Without max_seq_length the limit is the tokenizer's model_max_length
     * (sentence-transformers then caps it at max_position_embeddings, as {@link #tokenizer} does).
     *
     * @throws IllegalArgumentException for a module rbon does not run (Dense, LayerNorm, ...) or an unknown
     *     pooling mode
     */
    public static SentenceTransformer read(Path dir) throws IOException {
        Path transformer = dir;
        List<String> modes = List.of("mean");
        Path modules = dir.resolve("modules.json");
        if (Files.exists(modules)) {
            for (JsonNode module : Checkpoint.JSON.readTree(modules.toFile())) {
                String type = module.path("type").asText();
                Path path = dir.resolve(module.path("path").asText(""));
                if (type.endsWith(".Transformer")) {
                    transformer = path;
                } else if (type.endsWith(".Pooling")) {
                    modes = poolingModes(Checkpoint.JSON.readTree(path.resolve("config.json").toFile()), path);
                } else if (!type.endsWith(".Normalize")) {
                    throw new IllegalArgumentException(modules + ": module " + type + " is not supported; rbon runs"
                            + " Transformer, Pooling and Normalize modules");
                }
            }
        }
        JsonNode config = json(transformer.resolve("sentence_bert_config.json"));
        int maxSeqLength = config.path("max_seq_length").isInt()
                ? config.path("max_seq_length").asInt()
                : (int) Math.min(json(transformer.resolve("tokenizer_config.json")).path("model_max_length")
                        .asDouble(Integer.MAX_VALUE), Integer.MAX_VALUE);
        return new SentenceTransformer(transformer, modes, maxSeqLength, config.path("do_lower_case").asBoolean(false));
    }

    /** The layout beside a {@code .onnx} file: in its folder, or the one above (the Hub's {@code onnx/model.onnx}). */
    static SentenceTransformer besideOnnx(Path onnx) throws IOException {
        Path folder = onnx.toAbsolutePath().getParent();
        for (Path dir : new Path[] {folder, folder.getParent()}) {
            if (dir != null && (Files.exists(dir.resolve("modules.json"))
                    || Files.exists(dir.resolve("sentence_bert_config.json")))) {
                return read(dir);
            }
        }
        return read(folder);
    }

    /** {@code pooling_mode} (a name or a list), or the legacy pooling_mode_* flags; none set is mean. */
    private static List<String> poolingModes(JsonNode config, Path dir) {
        List<String> modes = new ArrayList<>();
        JsonNode mode = config.path("pooling_mode");
        if (mode.isTextual()) {
            modes.add(mode.asText());
        } else if (mode.isArray()) {
            mode.forEach(m -> modes.add(m.asText()));
        } else {
            for (int i = 0; i < ORDER.size(); i++) {
                if (config.path(LEGACY_FLAGS.get(i)).asBoolean(false)) {
                    modes.add(ORDER.get(i));
                }
            }
        }
        for (String m : modes) {
            if (!ORDER.contains(m)) {
                throw new IllegalArgumentException(dir.resolve("config.json") + ": pooling mode " + m
                        + " is not supported; rbon pools " + ORDER);
            }
        }
        return modes.isEmpty() ? List.of("mean") : modes;
    }

    private static JsonNode json(Path file) throws IOException {
        return Files.exists(file) ? Checkpoint.JSON.readTree(file.toFile()) : Checkpoint.JSON.createObjectNode();
    }

    /**
     * The tokenizer of the Transformer module, truncating at max_seq_length, or at the position table if that is
     * shorter (no longer text can run).
     */
    TextTokenizer tokenizer(Path tokenizerJson, int maxPositionEmbeddings) throws IOException {
        return TextTokenizer.open(tokenizerJson, Math.min(maxSeqLength, maxPositionEmbeddings));
    }

    /** The texts as the tokenizer gets them. */
    List<String> prepare(List<String> texts) {
        return doLowerCase ? texts.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList() : texts;
    }

    /** The sentence vector's length: the hidden size once per pooling mode. */
    int dimension(int hiddenSize) {
        return hiddenSize * poolingModes.size();
    }

    /**
     * Unit-length sentence vectors of a right-padded batch's last hidden states ({@code hidden} flat, row-major
     * (B, S, hidden)), pooled over each row's real tokens.
     */
    float[][] pool(float[] hidden, PaddedBatch batch, int hiddenSize) {
        float[][] out = new float[batch.batchSize()][];
        for (int b = 0; b < out.length; b++) {
            float[] vector = new float[dimension(hiddenSize)];
            int offset = 0;
            for (String mode : poolingModes) {
                System.arraycopy(pool(mode, hidden, batch, b, hiddenSize), 0, vector, offset, hiddenSize);
                offset += hiddenSize;
            }
            out[b] = normalize(vector);
        }
        return out;
    }

    /** One mode over row {@code b}: its real tokens are 0 .. length - 1 under right padding. */
    private static float[] pool(String mode, float[] hidden, PaddedBatch batch, int b, int h) {
        int length = 0;
        while (length < batch.length() && batch.attentionMask()[b * batch.length() + length] == 1) {
            length++;
        }
        int row = b * batch.length() * h;
        double[] acc = new double[h];
        switch (mode) {
            case "cls" -> copy(hidden, row, acc);
            case "lasttoken" -> copy(hidden, row + Math.max(length - 1, 0) * h, acc);
            case "max" -> {
                Arrays.fill(acc, Double.NEGATIVE_INFINITY);
                for (int t = 0; t < length; t++) {
                    for (int i = 0; i < h; i++) {
                        acc[i] = Math.max(acc[i], hidden[row + t * h + i]);
                    }
                }
            }
            default -> { // mean, mean_sqrt_len_tokens, weightedmean (token t weighs t + 1)
                double weights = 0;
                for (int t = 0; t < length; t++) {
                    double w = mode.equals("weightedmean") ? t + 1 : 1;
                    weights += w;
                    for (int i = 0; i < h; i++) {
                        acc[i] += w * hidden[row + t * h + i];
                    }
                }
                double divisor = Math.max(weights, 1e-9);
                divisor = mode.equals("mean_sqrt_len_tokens") ? Math.sqrt(divisor) : divisor;
                for (int i = 0; i < h; i++) {
                    acc[i] /= divisor;
                }
            }
        }
        float[] out = new float[h];
        for (int i = 0; i < h; i++) {
            out[i] = (float) acc[i];
        }
        return out;
    }

    private static void copy(float[] hidden, int offset, double[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = hidden[offset + i];
        }
    }

    /** torch.nn.functional.normalize(p=2): x / max(||x||, 1e-12), in place. */
    static float[] normalize(float[] row) {
        double squares = 0;
        for (float v : row) {
            squares += (double) v * v;
        }
        double norm = Math.max(Math.sqrt(squares), 1e-12);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (row[i] / norm);
        }
        return row;
    }
}
