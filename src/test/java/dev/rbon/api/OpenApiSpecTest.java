package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Clients are generated from the committed spec, so it must be the one the server serves. When the API changes:
 * {@code ./mvnw -B package -DskipTests && cp target/openapi/openapi.json src/openapi/openapi.json}.
 */
@QuarkusTest
class OpenApiSpecTest {

    /** Compared as JSON trees: the build and the server order keys differently. */
    @Test
    void committedSpecIsTheServedSpec() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode committed = json.readTree(Files.readString(Path.of("src/openapi/openapi.json")));
        JsonNode served = json.readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString());
        assertEquals(committed, served,
                "src/openapi/openapi.json is stale: rebuild and copy target/openapi/openapi.json over it");
    }

    @Test
    void problemResponsesAreDocumented() {
        String spec = given().queryParam("format", "yaml").get("/q/openapi").asString();
        for (String status : new String[] {"\"400\"", "\"422\"", "\"429\"", "\"503\"", "\"504\"", "application/problem+json"}) {
            org.junit.jupiter.api.Assertions.assertTrue(spec.contains(status), "spec lacks " + status);
        }
    }
}
