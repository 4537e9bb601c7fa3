package dev.rbon.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.rbon.Shared;
import dev.rbon.model.TextTokenizer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code messages} on a policy with a chat template: the hf-tiny llama, laid out at run time in a temporary folder
 * (nothing is copied into the project) with a ChatML template in its tokenizer_config.json.
 */
@QuarkusTest
@TestProfile(ChatMessagesTest.ChatPolicy.class)
public class ChatMessagesTest {

    static final String CHATML = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
            + "{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('start with the user') }}{% endif %}";

    static final Path POLICY = chatPolicy();

    public static class ChatPolicy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", POLICY.toString());
        }
    }

    /** The hf-tiny llama's files, with a chat template added to its tokenizer_config.json. */
    static Path chatPolicy() {
        try {
            Path dir = Files.createTempDirectory("rbon-chat-policy");
            Path llama = Shared.hfTiny("llama");
            for (String file : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json")) {
                Files.copy(llama.resolve(file), dir.resolve(file));
            }
            var config = (com.fasterxml.jackson.databind.node.ObjectNode) Shared.json(llama.resolve("tokenizer_config.json"));
            config.put("chat_template", CHATML);
            Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void rendersTheConversationAndTokenizesItWithoutAddingSpecialTokens() throws Exception {
        String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nThe licence grants you<|im_end|>\n"
                + "<|im_start|>assistant\n";
        int expectedTokens;
        try (TextTokenizer tokenizer = TextTokenizer.open(POLICY.resolve("tokenizer.json"))) {
            expectedTokens = tokenizer.encode(rendered, false).length;
        }
        Http.post("/v1/generate", Map.of("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "The licence grants you")), "n", 2, "max_new_tokens", 4, "seed", 1))
                .then().statusCode(200)
                .body("usage.prompt_tokens", equalTo(expectedTokens))
                .body("n", equalTo(2));
    }

    @Test
    void aConversationTheTemplateRefusesIs422() {
        Http.post("/v1/generate", Map.of("messages", List.of(Map.of("role", "assistant", "content", "hi"))))
                .then().statusCode(422).body("errors.field", hasItem("messages"))
                .body("detail", org.hamcrest.Matchers.containsString("start with the user"));
    }
}
