package dev.rbon.api.openai;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.api.Http;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Cohere/Jina-shaped /v1/rerank through a plain HTTP client, checked against /v1/select's scores. */
@QuarkusTest
class RerankResourceTest {

    static final String QUERY = "The licence grants you";
    static final List<String> DOCUMENTS = List.of(" the right to copy.", " nothing", " a licence to use it",
            " permission to share and adapt");

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void ranksDocumentsByTheRewardModelBestFirst() {
        JsonPath select = Http.post("/v1/select", Map.of("prompt", QUERY, "candidates", DOCUMENTS)).then()
                .statusCode(200).extract().jsonPath();
        JsonPath ranked = Http.post("/v1/rerank", Map.of("model", "reward-llama", "query", QUERY,
                "documents", DOCUMENTS)).then().statusCode(200)
                .body("model", equalTo("reward-llama"))
                .body("results.size()", equalTo(4)).extract().jsonPath();
        double previous = Double.POSITIVE_INFINITY;
        for (int r = 0; r < 4; r++) {
            int index = ranked.getInt("results[" + r + "].index");
            double score = ranked.getDouble("results[" + r + "].relevance_score");
            assertEquals(select.getDouble("candidates[" + index + "].reward"), score, 1e-9, "document " + index);
            assertEquals(DOCUMENTS.get(index), ranked.getString("results[" + r + "].document.text"));
            assertTrue(score <= previous, "sorted by relevance_score");
            previous = score;
        }
    }

    @Test
    void topNJinaDocumentsAndAMethodsObjective() {
        List<Map<String, String>> objects = DOCUMENTS.stream().map(d -> Map.of("text", d)).toList();
        JsonPath kl = Http.post("/v1/select", Map.of("prompt", QUERY, "candidates", DOCUMENTS, "method", "rbon_kl",
                "beta", 0.5)).then().statusCode(200).extract().jsonPath();
        JsonPath ranked = Http.post("/v1/rerank", Map.of("query", QUERY, "documents", objects, "top_n", 2,
                "method", "rbon_kl", "beta", 0.5, "return_documents", false)).then().statusCode(200)
                .body("results.size()", equalTo(2))
                .body("results[0].document", nullValue()).extract().jsonPath();
        int best = kl.getInt("chosen_index");
        assertEquals(best, ranked.getInt("results[0].index"), "the top document is the one rbon_kl selects");
        assertEquals(kl.getDouble("candidates[" + best + "].objective"), ranked.getDouble("results[0].relevance_score"),
                1e-9);
    }

    @Test
    void errorsComeInOpenAisShape() {
        Http.post("/v1/rerank", Map.of("model", "gpt-4", "query", QUERY, "documents", DOCUMENTS)).then()
                .statusCode(404).body("error.code", equalTo("model_not_found")).body("error.param", equalTo("model"));
        Http.post("/v1/rerank", Map.of("query", QUERY, "documents", List.of())).then()
                .statusCode(400).body("error.param", equalTo("documents"))
                .body("error.type", equalTo("invalid_request_error"));
        Http.post("/v1/rerank", Map.of("query", QUERY, "documents", DOCUMENTS, "top_n", 0)).then()
                .statusCode(400).body("error.param", equalTo("top_n"));
        Http.post("/v1/rerank", Map.of("query", "", "documents", DOCUMENTS)).then()
                .statusCode(400).body("error.param", equalTo("query"));
    }
}
