package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real server, offline, on the hf-tiny checkpoints: it loads them and says what runs where. */
@QuarkusTest
class ModelsResourceTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void listsTheLoadedModels() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data[0].id", equalTo("llama"))
                .body("data[0].object", equalTo("model"))
                .body("data[0].owned_by", equalTo("rbon"))
                .body("data[0].role", equalTo("policy"))
                .body("data[0].dtype", equalTo("float32"))
                .body("data.role", hasItems("policy", "reward", "embedding"))
                .body("data.id", hasItems("llama", "reward-llama"))
                .body("data.find { it.role == 'policy' }.architecture", equalTo("LlamaForCausalLM"))
                .body("data.find { it.role == 'reward' }.architecture", equalTo("LlamaForSequenceClassification"))
                .body("data.find { it.role == 'policy' }.device", equalTo("cpu()"));
    }

    @Test
    void reportsLiveAndReady() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'models' }.status", equalTo("UP"));
    }
}
