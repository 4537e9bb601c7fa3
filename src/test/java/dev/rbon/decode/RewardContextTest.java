package dev.rbon.decode;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.Shared;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.score.Conversation;
import dev.rbon.score.RewardInput;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission counts the reward model's context as the reward model will read the candidates: with a chat reward
 * model (reward-qwen3, 256 positions, its chat template adds a system turn and the turn markers), a request whose
 * plain prompt + max_new_tokens fits but whose rendered conversation + max_new_tokens does not is refused before
 * anything is sampled.
 */
@QuarkusTest
@TestProfile(RewardContextTest.ChatRewardModel.class)
class RewardContextTest {

    static Path folder(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny-2").resolve(name);
    }

    public static class ChatRewardModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", folder("qwen3").toString(),
                    "rbon.models.reward.path", folder("reward-qwen3").toString());
        }
    }

    @BeforeEach
    void ready() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void theRenderedConversationCountsAgainstTheRewardModelsContext() throws Exception {
        int rendered;
        int plain;
        try (SequenceClassifier reward = SequenceClassifier.load(folder("reward-qwen3"), Device.cpu())) {
            rendered = RewardInput.choose("auto", reward).encode(Conversation.of("hello"), "").length;
            plain = reward.tokenizer().encode("hello", true).length;
        }
        int fits = 256 - rendered;
        int overPlainFits = 256 - plain - 1;
        assertTrue(overPlainFits > fits, "the template adds tokens: rendered " + rendered + ", plain " + plain);

        double tokensBefore = AdmissionTest.generatedTokens();
        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"hello\", \"n\": 2, \"max_new_tokens\": " + overPlainFits + "}")
                .post("/v1/generate")
                .then().statusCode(422)
                .body("errors.field", hasItem("max_new_tokens"))
                .body("detail", containsString("read as chat-template"));
        assertEquals(tokensBefore, AdmissionTest.generatedTokens(), "tokens were sampled for a refused request");

        given().contentType(ContentType.JSON)
                .body("{\"prompt\": \"hello\", \"n\": 2, \"max_new_tokens\": " + Math.min(fits, 16) + "}")
                .post("/v1/generate")
                .then().statusCode(200);
    }
}
