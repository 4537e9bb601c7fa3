package dev.rbon.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab models' word-level tokenizer, written as a HuggingFace tokenizer.json: a Lowercase normalizer, the
 * Whitespace pre-tokenizer (runs of word characters, runs of other non-space characters), a WordLevel model over
 * the task's vocabulary, and a TemplateProcessing post-processor that puts {@code <s>} before every text. With no
 * decoder, decoding joins tokens with single spaces, which is how the task writes its text.
 */
public final class WordTokenizer {

    public static final String PAD = "<pad>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final String UNK = "<unk>";
    public static final List<String> SPECIAL = List.of(PAD, BOS, EOS, UNK);
    public static final int PAD_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    /** The Whitespace pre-tokenizer's pattern {@code \w+|[^\w\s]+}. */
    private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+");

    private static final ObjectMapper JSON = new ObjectMapper();

    private WordTokenizer() {}

    /** The words of {@code text} as the tokenizer splits them (lower-cased). */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORDS.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The full vocabulary, special tokens first (ids 0..3), then {@code words} in order. */
    public static List<String> vocabulary(List<String> words) {
        List<String> vocab = new ArrayList<>(SPECIAL);
        vocab.addAll(words);
        return vocab;
    }

    public static void write(Path file, List<String> vocab) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIAL.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIAL.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(BOS);
        bos.put("id", BOS);
        bos.putArray("ids").add(BOS_ID);
        bos.putArray("tokens").add(BOS);
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        model.put("unk_token", UNK);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    /** tokenizer_config.json, for tools that read it (transformers' AutoTokenizer). */
    public static void writeConfig(Path file, int maxLength) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.put("bos_token", BOS).put("eos_token", EOS).put("pad_token", PAD).put("unk_token", UNK);
        root.put("model_max_length", maxLength);
        root.put("clean_up_tokenization_spaces", false);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
