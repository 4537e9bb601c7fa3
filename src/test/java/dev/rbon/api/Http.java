package dev.rbon.api;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.config.JsonConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.response.Response;
import java.time.Duration;
import org.awaitility.Awaitility;

/** Test helpers for the real HTTP server: JSON numbers as doubles, waiting until the models are loaded, metrics. */
public final class Http {

    private Http() {}

    public static void awaitReady() {
        RestAssured.config = RestAssured.config()
                .jsonConfig(JsonConfig.jsonConfig().numberReturnType(JsonPathConfig.NumberReturnType.DOUBLE));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    public static Response post(String path, Object body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    /** A metric of /q/metrics summed over its series (0 when it has none yet); a {@code _max} takes the largest. */
    public static double metric(String name) {
        return given().get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .reduce(0, name.endsWith("_max") ? Math::max : Double::sum);
    }
}
