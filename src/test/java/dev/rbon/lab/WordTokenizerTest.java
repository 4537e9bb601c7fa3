package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rbon.model.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer.json the lab writes, read back through DJL's HuggingFace tokenizers. */
class WordTokenizerTest {

    @Test
    void huggingFaceTokenizersReadsItAsTheLabSplitsText(@TempDir Path dir) throws Exception {
        List<String> vocab = WordTokenizer.vocabulary(TaskGenerator.vocabulary());
        Path file = dir.resolve("tokenizer.json");
        WordTokenizer.write(file, vocab);
        try (TextTokenizer tokenizer = TextTokenizer.open(file)) {
            Random rng = new Random(5);
            for (Task task : TaskGenerator.all().subList(0, 840).stream().filter(t -> rng.nextInt(8) == 0).toList()) {
                String response = TaskGenerator.response(task, Style.draw(rng.nextDouble()), rng);
                String text = task.prompt() + " " + response;
                long[] ids = tokenizer.encode(text, true);
                List<String> words = WordTokenizer.split(text);
                assertEquals(words.size() + 1, ids.length, text);
                assertEquals(WordTokenizer.BOS_ID, ids[0], "<s> first");
                long[] expected = new long[words.size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = vocab.indexOf(words.get(i));
                }
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(ids, 1, ids.length), text);
                assertEquals(text, tokenizer.decode(ids, true), "decode joins words with spaces");
            }
            assertEquals(3, tokenizer.encode("Add 3 and ZANZIBAR!", false)[3], "unknown words are <unk>");
            assertEquals("add", tokenizer.decode(tokenizer.encode("ADD", false), true), "lower-cased");
            assertEquals("8 .", tokenizer.decode(new long[] {vocab.indexOf("8"), vocab.indexOf("."), 2}, true));
        }
        assertEquals(true, Files.size(file) > 1000);
    }
}
