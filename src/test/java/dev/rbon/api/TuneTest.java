package dev.rbon.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rbon.select.HedgeTune;
import dev.rbon.select.Method;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** POST /v1/tune over HTTP: HedgeTune's answer on the client's pools, and every bad body refused naming its field. */
@QuarkusTest
class TuneTest {

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bon", "soft_bon", "bop"})
    void answersWhatHedgeTuneFindsOnThePools(String method) {
        SplittableRandom rng = new SplittableRandom(8);
        List<Map<String, List<Double>>> body = new ArrayList<>();
        List<HedgeTune.Pool> pools = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            double[] r = new double[16];
            double[] g = new double[16];
            for (int i = 0; i < 16; i++) {
                r[i] = rng.nextGaussian();
                g[i] = -(r[i] - 1) * (r[i] - 1) + 0.1 * rng.nextGaussian(); // the proxy is hacked past r = 1
            }
            pools.add(new HedgeTune.Pool(r, g));
            body.add(Map.of("rewards", box(r), "gold", box(g)));
        }
        JsonPath answer = Http.post("/v1/tune", Map.of("method", method, "pools", body)).then().statusCode(200)
                .extract().jsonPath();
        HedgeTune.Result expected = HedgeTune.tune(Method.fromWire(method), pools);
        assertEquals(method, answer.getString("method"));
        assertEquals(expected.parameter(), answer.getDouble("parameter"), 0.0);
        assertEquals(expected.predictedGold(), answer.getDouble("predicted_gold"), 0.0);
    }

    private static List<Double> box(double[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"pools": [{"rewards": [1], "gold": [1]}]}                         | 422 | method
            {"method": "rbon_kl", "pools": [{"rewards": [1], "gold": [1]}]}    | 422 | method
            {"method": "best", "pools": [{"rewards": [1], "gold": [1]}]}       | 422 | method
            {"method": "bon"}                                                  | 422 | pools
            {"method": "bon", "pools": []}                                     | 422 | pools
            {"method": "bon", "pools": [null]}                                 | 422 | pools[0]
            {"method": "bon", "pools": [{"gold": [1]}]}                        | 422 | pools[0].rewards
            {"method": "bon", "pools": [{"rewards": [], "gold": []}]}          | 422 | pools[0].rewards
            {"method": "bon", "pools": [{"rewards": [1, 2], "gold": [1]}]}     | 422 | pools[0].gold
            {"method": "bon", "pools": [{"rewards": [1], "gold": [null]}]}     | 422 | pools[0].gold[0]
            {"method": "bon", "pools": [{"rewards": ["NaN"], "gold": [1]}]}    | 422 | pools[0].rewards[0]
            {"method": "bop", "pools": [{"rewards": [1e999], "gold": [1]}]}    | 422 | pools[0].rewards[0]
            {"method": "bon", "pools": [{"rewards": [1], "gold": [1]}], "x": 1} | 422 | x
            {"method": "bon", "pools": [{"rewards": "1", "gold": [1]}]}        | 400 | pools[0].rewards
            {"method": "bon", "pools": {"rewards": [1], "gold": [1]}}          | 400 | pools
            {"method": 3, "pools": [{"rewards": [1], "gold": [1]}]}            | 400 | method
            """)
    void refusesEveryBadBodyNamingTheField(String body, int status, String field) {
        given().contentType(ContentType.JSON).body(body).post("/v1/tune").then().statusCode(status)
                .contentType(containsString("application/problem+json")).body("errors.field", hasItem(field));
    }

    @org.junit.jupiter.api.Test
    void refusesAPoolLargerThanTheServiceSamples() {
        int over = 1 + org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("rbon.limits.max-n", Integer.class);
        given().contentType(ContentType.JSON).body(Map.of("method", "bon", "pools", List.of(Map.of(
                "rewards", java.util.Collections.nCopies(over, 1.0), "gold", java.util.Collections.nCopies(over,
                        1.0))))).post("/v1/tune").then().statusCode(422)
                .body("errors.field", hasItem("pools[0].rewards"));
    }
}
