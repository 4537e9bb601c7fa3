package dev.rbon.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A causal LM's text side: what rbon needs to render and tokenize prompts for it and to bound its requests (its
 * tokenizer, chat template, stop ids and context), without its weights. A local policy has it from its loaded
 * checkpoint; a remote policy's is read from its tokenizer folder (tokenizer.json, tokenizer_config.json,
 * config.json, generation_config.json), so the engine continues exactly the ids a local policy would.
 *
 * @param maxPositionEmbeddings config.json's max_position_embeddings (GPT-2: n_positions); {@link Integer#MAX_VALUE}
 *     when config.json does not say: then the engine, not rbon, bounds prompt + max_tokens
 */
public record CausalLMText(String name, TextTokenizer tokenizer, Optional<ChatTemplate> chatTemplate,
        long[] eosTokenIds, int maxPositionEmbeddings) {

    /** The text side of a loaded model. */
    public static CausalLMText of(CausalLM lm) {
        return new CausalLMText(lm.name(), lm.tokenizer(), lm.chatTemplate(), lm.eosTokenIds(),
                lm.maxPositionEmbeddings());
    }

    /** Reads {@code dir}'s tokenizer files only; the model is named by its folder, as a loaded one is. */
    public static CausalLMText read(Path dir) throws IOException {
        Path normalized = dir.toAbsolutePath().normalize();
        String name = normalized.getFileName() == null ? normalized.toString() : normalized.getFileName().toString();
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IOException(dir + " has no tokenizer.json: a remote policy's folder must hold its tokenizer "
                    + "files (tokenizer.json, tokenizer_config.json, config.json, generation_config.json)");
        }
        JsonNode config = Files.exists(dir.resolve("config.json"))
                ? Checkpoint.JSON.readTree(dir.resolve("config.json").toFile())
                : Checkpoint.JSON.createObjectNode();
        JsonNode context = config.has("max_position_embeddings") ? config.get("max_position_embeddings")
                : config.path("n_positions");
        return new CausalLMText(name, TextTokenizer.open(dir.resolve("tokenizer.json")), ChatTemplate.of(dir),
                Checkpoint.eosTokenIds(dir, config), context.canConvertToInt() ? context.asInt() : Integer.MAX_VALUE);
    }
}
