package dev.rbon.model;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Each new family as the service's policy, over HTTP: {@code /v1/generate} at temperature 0 returns transformers'
 * greedy ids (up to the first EOS, where the service stops) for every golden prompt. One Quarkus start per family
 * (the subclasses below); the model-level parity is DecoderFamiliesTest.
 */
abstract class FamiliesOverHttpTest {

    /** The family the subclass's test profile serves: named once, in its profile. */
    String family() throws ReflectiveOperationException {
        return ((Policy) getClass().getAnnotation(TestProfile.class).value().getDeclaredConstructor().newInstance())
                .family();
    }

    /** The policy under test; the reward and embedding stay the test defaults. */
    abstract static class Policy implements QuarkusTestProfile {
        abstract String family();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.models.policy.path", DecoderFamiliesTest.folder(family()).toString());
        }
    }

    @Test
    void greedyGenerationReproducesTransformersGreedyIds() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        Path dir = DecoderFamiliesTest.folder(family());
        long[] eos;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            eos = checkpoint.eosTokenIds();
        }
        for (JsonNode c : Shared.json(dir.resolve("golden.json")).get("cases")) {
            List<Long> expected = new ArrayList<>();
            for (JsonNode id : c.get("greedy_ids")) {
                expected.add(id.asLong());
                if (Arrays.stream(eos).anyMatch(e -> e == id.asLong())) {
                    break;
                }
            }
            JsonPath body = given().contentType(ContentType.JSON)
                    .body(Map.of("prompt", c.get("prompt").asText(), "temperature", 0, "n", 1,
                            "max_new_tokens", c.get("greedy_ids").size(), "return_token_ids", true))
                    .post("/v1/generate").then().statusCode(200).extract().jsonPath();
            assertEquals(c.get("prompt_ids").size(), body.getInt("usage.prompt_tokens"), family() + " prompt tokens");
            assertEquals(expected, body.getList("chosen.token_ids", Long.class), family() + ": " + c.get("prompt"));
        }
    }
}

@QuarkusTest
@TestProfile(Llama31OverHttpTest.Profile.class)
class Llama31OverHttpTest extends FamiliesOverHttpTest {
    public static class Profile extends Policy {
        @Override
        String family() {
            return "llama31";
        }
    }
}

@QuarkusTest
@TestProfile(Qwen3OverHttpTest.Profile.class)
class Qwen3OverHttpTest extends FamiliesOverHttpTest {
    public static class Profile extends Policy {
        @Override
        String family() {
            return "qwen3";
        }
    }
}

@QuarkusTest
@TestProfile(Gemma2OverHttpTest.Profile.class)
class Gemma2OverHttpTest extends FamiliesOverHttpTest {
    public static class Profile extends Policy {
        @Override
        String family() {
            return "gemma2";
        }
    }
}

@QuarkusTest
@TestProfile(Phi3OverHttpTest.Profile.class)
class Phi3OverHttpTest extends FamiliesOverHttpTest {
    public static class Profile extends Policy {
        @Override
        String family() {
            return "phi3";
        }
    }
}

@QuarkusTest
@TestProfile(MistralSlidingOverHttpTest.Profile.class)
class MistralSlidingOverHttpTest extends FamiliesOverHttpTest {
    public static class Profile extends Policy {
        @Override
        String family() {
            return "mistral-sliding";
        }
    }
}
