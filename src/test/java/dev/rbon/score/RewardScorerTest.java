package dev.rbon.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import dev.rbon.model.ChatTemplate;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.TextTokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rewards in each reward model's own convention, against transformers 5.17 (fixtures/hf-tiny-2/reward-*): the
 * chat-template models' rendered text and ids exact (from their template and tokenizer files alone), every score
 * within 1e-3, and {@code auto} choosing the convention the model's authors use.
 */
class RewardScorerTest {

    static Path folder(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny-2").resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reward-qwen3", "reward-llama31", "reward-gemma2"})
    void chatTemplateInputIsTheModelCardsRenderingAndIds(String name) throws Exception {
        Path dir = folder(name);
        ChatTemplate template = ChatTemplate.of(dir).orElseThrow();
        try (TextTokenizer tokenizer = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            RewardInput input = RewardInput.chatTemplate(template, tokenizer);
            for (JsonNode c : Shared.json(dir.resolve("golden.json")).get("cases")) {
                Conversation conversation = Conversation.of(c.get("prompt").asText());
                String response = c.get("response").asText();
                assertEquals(c.get("rendered").asText(), template.render(conversation.answeredBy(response), false));
                assertArrayEquals(Shared.longs(c.get("ids")), input.encode(conversation, response), name + " ids");
            }
        }
    }

    /** Decoder reward models read in their own chat template: scores as transformers gives them. */
    @ParameterizedTest
    @ValueSource(strings = {"reward-qwen3", "reward-llama31", "reward-gemma2"})
    void chatTemplateRewardsMatchTransformers(String name) throws Exception {
        Path dir = folder(name);
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            RewardInput input = RewardInput.choose("auto", rm);
            assertEquals("chat-template", input.name());
            checkScores(rm, input, golden.get("cases"), "prompt", "response");
        }
    }

    /**
     * The chat-template convention end to end on a family rbon runs today: fixtures/hf-tiny/reward-llama with the
     * Llama-3-style template of hf-tiny-2/reward-llama31, laid out in a temporary folder as the goldens' script
     * (src/test/resources/fixtures/reward-llama-chat) laid it out for transformers: conversations with a
     * system turn, content holding template syntax, several responses in one padded batch.
     */
    @Test
    void chatTemplateRewardsOfAConversationMatchTransformers(@TempDir Path dir) throws Exception {
        Path llama = Shared.hfTiny("reward-llama");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(llama.resolve(file), dir.resolve(file));
        }
        ObjectNode config = (ObjectNode) Shared.json(llama.resolve("tokenizer_config.json"));
        config.set("chat_template",
                Shared.json(folder("reward-llama31").resolve("tokenizer_config.json")).get("chat_template"));
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        JsonNode golden = Shared.json(Path.of("src/test/resources/fixtures/reward-llama-chat/golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            RewardInput input = RewardInput.choose("auto", rm);
            assertEquals("chat-template", input.name());
            for (JsonNode c : golden.get("cases")) {
                List<ChatTemplate.Message> messages = new ArrayList<>();
                c.get("messages").forEach(m -> messages.add(
                        new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText())));
                Conversation conversation = new Conversation("unused by this convention", messages);
                List<String> responses = new ArrayList<>();
                c.get("responses").forEach(r -> responses.add(r.asText()));
                double[] scores = RewardScorer.rewards(rm, input, conversation, responses);
                for (int i = 0; i < responses.size(); i++) {
                    assertEquals(c.get("rendered").get(i).asText(),
                            rm.chatTemplate().orElseThrow().render(conversation.answeredBy(responses.get(i)), false));
                    assertArrayEquals(Shared.longs(c.get("ids").get(i)), input.encode(conversation, responses.get(i)));
                    assertEquals(c.get("scores").get(i).asDouble(), scores[i], 1e-3, "response " + i);
                }
            }
        }
    }

    @Test
    void debertaReadsAQuestionAnswerPair() throws Exception {
        Path dir = folder("reward-deberta-v3");
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            RewardInput input = RewardInput.choose("auto", rm);
            assertEquals("pair", input.name());
            for (JsonNode c : golden.get("cases")) {
                assertArrayEquals(Shared.longs(c.get("ids")),
                        input.encode(Conversation.of(c.get("question").asText()), c.get("answer").asText()));
            }
            checkScores(rm, input, golden.get("cases"), "question", "answer");
        }
    }

    /** A cross-encoder's question is the conversation's last user turn. */
    @Test
    void aPairsQuestionIsTheLastUserTurn() throws Exception {
        Path dir = folder("reward-deberta-v3");
        try (TextTokenizer tokenizer = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            RewardInput pair = RewardInput.pair(tokenizer);
            Conversation chat = new Conversation("rendered by the policy", List.of(
                    new ChatTemplate.Message("system", "Answer briefly."),
                    new ChatTemplate.Message("user", "Copyright holders may")));
            assertArrayEquals(tokenizer.encodePair("Copyright holders may", " add"), pair.encode(chat, " add"));
        }
    }

    @Test
    void aRewardModelWithoutATemplateReadsPlainText() throws Exception {
        Path dir = Shared.hfTiny("reward-llama");
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            RewardInput input = RewardInput.choose("auto", rm);
            assertEquals("text", input.name());
            String text = golden.get("texts").get(0).asText();
            assertArrayEquals(Shared.longs(golden.get("ids").get(0)), input.encode(Conversation.of(""), text));
            assertEquals(golden.get("scores").get(0).asDouble(),
                    RewardScorer.rewards(rm, input, Conversation.of(""), List.of(text))[0], 1e-3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RewardInput.choose("chat-template", rm));
            assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RewardInput.choose("chat", rm));
            assertTrue(e.getMessage().contains(RewardInput.CHOICES), e.getMessage());
        }
    }

    /** Forcing a convention overrides auto: the DeBERTa fixture read as plain text is another (valid) input. */
    @Test
    void theConfiguredConventionWins() throws Exception {
        try (SequenceClassifier rm = SequenceClassifier.load(folder("reward-deberta-v3"), Device.cpu())) {
            RewardInput text = RewardInput.choose("text", rm);
            assertEquals("text", text.name());
            assertArrayEquals(rm.tokenizer().encode("Copyright holders may add", true),
                    text.encode(Conversation.of("Copyright holders may"), " add"));
        }
    }

    /** One pair at a time and all in one padded batch, as the scorer batches them. */
    private static void checkScores(SequenceClassifier rm, RewardInput input, JsonNode cases, String prompt,
            String response) {
        List<String> responses = new ArrayList<>();
        for (JsonNode c : cases) {
            Conversation conversation = Conversation.of(c.get(prompt).asText());
            double score = RewardScorer.rewards(rm, input, conversation, List.of(c.get(response).asText()))[0];
            assertEquals(c.get("score").asDouble(), score, 1e-3, rm.name() + " " + c.get(prompt));
            responses.add(c.get(response).asText());
        }
        // cases with different prompts cannot share one call; the batch is checked per prompt above and here with
        // every response to the first prompt, each against its own single-row score
        Conversation first = Conversation.of(cases.get(0).get(prompt).asText());
        double[] batched = RewardScorer.rewards(rm, input, first, responses);
        for (int i = 0; i < responses.size(); i++) {
            assertEquals(RewardScorer.rewards(rm, input, first, List.of(responses.get(i)))[0], batched[i], 1e-4,
                    "row " + i + " in a padded batch");
        }
    }
}
