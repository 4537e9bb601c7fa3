package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code chat} goldens of fixtures/hf-tiny-2 (transformers 5.17's apply_chat_template with
 * add_generation_prompt, tokenized without special tokens): rendered text and ids exact, and the same refusal
 * where the template raised. Only the folders' tokenizer and template files are read, never their weights.
 */
class ChatTemplateGoldenTest {

    static Path folder(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny-2").resolve(name);
    }

    static List<ChatTemplate.Message> messages(JsonNode conversation) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        conversation.forEach(m -> messages.add(new ChatTemplate.Message(m.get("role").asText(),
                m.get("content").asText())));
        return messages;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama31", "qwen2-yarn", "qwen3", "gemma2", "gemma3", "phi3"})
    void rendersAsTransformersDoes(String name) throws Exception {
        Path dir = folder(name);
        JsonNode chat = Shared.json(dir.resolve("golden.json")).get("chat");
        assertFalse(chat.isEmpty(), name + " has chat goldens");
        ChatTemplate template = ChatTemplate.of(dir).orElseThrow();
        try (TextTokenizer tokenizer = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            for (JsonNode golden : chat) {
                List<ChatTemplate.Message> messages = messages(golden.get("messages"));
                if (golden.has("error")) {
                    ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                            () -> template.render(messages), name + " " + messages);
                    assertEquals(golden.get("error").asText(), e.getMessage());
                    continue;
                }
                String rendered = template.render(messages);
                assertEquals(golden.get("rendered").asText(), rendered, name + " " + messages);
                assertArrayEquals(Shared.longs(golden.get("ids")), tokenizer.encode(rendered, false),
                        name + " ids of " + messages);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-sliding", "llama-linear-bias"})
    void foldersWithoutATemplateHaveNone(String name) throws Exception {
        assertFalse(ChatTemplate.of(folder(name)).isPresent());
    }

    /** rbon's default policy was trained on {@code <s> prompt response </s>}: a one-turn chat is exactly that prompt. */
    @Test
    void theDefaultPolicysTemplateGivesTheRowsItWasTrainedOn() throws Exception {
        Path dir = Path.of("models/policy");
        ChatTemplate template = ChatTemplate.of(dir).orElseThrow();
        try (TextTokenizer tokenizer = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            String prompt = "what is 3 plus 5 ?";
            String rendered = template.render(List.of(new ChatTemplate.Message("user", prompt)));
            assertEquals("<s>" + prompt, rendered);
            assertArrayEquals(tokenizer.encode(prompt, true), tokenizer.encode(rendered, false));
            String dialogue = template.render(List.of(new ChatTemplate.Message("system", "answer briefly ."),
                    new ChatTemplate.Message("user", " add 2 and 3 . "), new ChatTemplate.Message("assistant", "5 ."),
                    new ChatTemplate.Message("user", "and 4 ?")), false);
            assertEquals("<s>answer briefly . add 2 and 3 . 5 . </s><s>and 4 ?", dialogue);
        }
    }
}
