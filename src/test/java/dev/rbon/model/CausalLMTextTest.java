package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A remote policy's text side, read from its folder without the weights, is what the loaded checkpoint gives:
 * the same name, stop ids, context and tokenization (so the engine continues the ids a local policy would).
 */
class CausalLMTextTest {

    @Test
    void readWithoutWeightsIsWhatTheLoadedModelGives() throws IOException {
        for (String family : new String[] {"llama", "gpt2", "qwen2"}) {
            Path dir = Shared.hfTiny(family);
            try (CausalLM lm = CausalLM.load(dir, Device.cpu())) {
                CausalLMText loaded = CausalLMText.of(lm);
                CausalLMText read = CausalLMText.read(dir);
                assertEquals(loaded.name(), read.name(), family);
                assertArrayEquals(loaded.eosTokenIds(), read.eosTokenIds(), family);
                assertEquals(loaded.maxPositionEmbeddings(), read.maxPositionEmbeddings(), family);
                assertEquals(loaded.chatTemplate().isPresent(), read.chatTemplate().isPresent(), family);
                String prompt = "The licence grants you";
                assertArrayEquals(loaded.tokenizer().encode(prompt, true), read.tokenizer().encode(prompt, true),
                        family);
            }
        }
    }

    @Test
    void aFolderWithTokenizerFilesOnlyIsEnough() throws IOException {
        Path only = Files.createTempDirectory("tokenizer-only");
        for (String file : new String[] {"tokenizer.json", "tokenizer_config.json", "config.json",
                "generation_config.json"}) {
            Files.copy(Shared.hfTiny("llama").resolve(file), only.resolve(file));
        }
        CausalLMText read = CausalLMText.read(only);
        assertEquals(256, read.maxPositionEmbeddings());
        assertTrue(read.tokenizer().encode("hello", true).length > 0);
        Files.delete(only.resolve("config.json"));
        Files.delete(only.resolve("generation_config.json"));
        assertEquals(Integer.MAX_VALUE, CausalLMText.read(only).maxPositionEmbeddings(), "unknown: the engine bounds it");
        Files.delete(only.resolve("tokenizer.json"));
        IOException missing = assertThrows(IOException.class, () -> CausalLMText.read(only));
        assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());
        Files.delete(only.resolve("tokenizer_config.json"));
        Files.delete(only);
    }
}
