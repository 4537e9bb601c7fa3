package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * POST /v1/tune on the lab's committed calibration pools (src/lab/results/tune-request-*.json, written by
 * {@code src/lab/lab.sh tune}) answers exactly the parameters the lab committed in tune-hedgetune.csv: both run
 * HedgeTune on the same doubles.
 */
@QuarkusTest
class LabTuneTest {

    private static final Path RESULTS = Path.of("src/lab/results");

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @ParameterizedTest(name = "{0} N = {1} {2}")
    @CsvSource({"noisy, 16, bon", "noisy, 16, soft_bon", "noisy, 16, bop", "noisy, 64, bon", "noisy, 64, soft_bon",
        "noisy, 64, bop"})
    void answersTheLabsHedgeTuneParameters(String proxy, int n, String method) throws IOException {
        String request = Files.readString(RESULTS.resolve("tune-request-" + proxy + "-n" + n + ".json"));
        String body = request.replaceFirst("^\\{\"method\":\"bon\"", "{\"method\":\"" + method + "\"");
        JsonPath answer = given().contentType(ContentType.JSON).body(body).post("/v1/tune").then().statusCode(200)
                .extract().jsonPath();
        String[] lab = labRow(proxy, n, method);
        assertEquals(method, answer.getString("method"));
        assertEquals(Double.parseDouble(lab[3]), answer.getDouble("parameter"), 0.0, "parameter");
        assertEquals(Double.parseDouble(lab[4]), answer.getDouble("predicted_gold"), 0.0, "predicted_gold");
    }

    /** The row of tune-hedgetune.csv: proxy,n,method,parameter,predicted_gold,pools. */
    private static String[] labRow(String proxy, int n, String method) throws IOException {
        return Files.readAllLines(RESULTS.resolve("tune-hedgetune.csv")).stream().map(l -> l.split(","))
                .filter(f -> f[0].equals(proxy) && f[1].equals(String.valueOf(n)) && f[2].equals(method))
                .findFirst().orElseThrow(() -> new AssertionError("no lab row for " + proxy + " " + n + " " + method));
    }
}
