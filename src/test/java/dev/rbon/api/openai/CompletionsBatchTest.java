package dev.rbon.api.openai;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.api.Http;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI routes on ONE worker (a fresh server, so its batch metrics start empty): a plain completion's rows join
 * the device's shared decoding batch beside an aligned request's, and a stream its client closes leaves the batch
 * and is counted as abandoned.
 */
@QuarkusTest
@TestProfile(CompletionsBatchTest.OneWorker.class)
class CompletionsBatchTest {

    public static class OneWorker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rbon.workers.cpu-workers", "1", "rbon.workers.max-batch-rows", "64");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void waitUntilReady() {
        Http.awaitReady();
    }

    @Test
    void aPlainCompletionAndAnAlignedRequestShareDecodingSteps() throws Exception {
        Map<String, Object> aligned = Map.of("prompt", "The licence grants you", "n", 8, "max_new_tokens", 120,
                "seed", 1);
        Map<String, Object> plain = Map.of("model", "llama", "prompt", "You must give", "n", 8, "best_of", 8,
                "max_tokens", 120, "seed", 2);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            Future<Response> a = clients.submit(() -> Http.post("/v1/generate", aligned));
            Future<Response> p = clients.submit(() -> Http.post("/v1/completions", plain));
            assertEquals(200, a.get().statusCode(), a.get().asString());
            assertEquals(200, p.get().statusCode(), p.get().asString());
            assertEquals(8, p.get().jsonPath().getList("choices").size());
        } finally {
            clients.shutdownNow();
        }
        double widest = Http.metric("rbon_batch_step_rows_max");
        assertTrue(widest > 8, "each request decodes 8 rows: a wider step held both (widest: " + widest + ")");
    }

    @Test
    void aStreamItsClientClosesIsAbandonedAtTheNextStep() throws Exception {
        double before = Http.metric("rbon_requests_abandoned_total");
        String body = "{\"model\": \"llama\", \"prompt\": \"The licence grants you\", \"best_of\": 48,"
                + " \"max_tokens\": 240, \"method\": \"bon\", \"seed\": 3, \"stream\": true}";
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String status = in.readLine();
            assertTrue(status.contains(" 200 "), status);
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.contains(": sampling 48 candidates"));
            assertTrue(line != null, "the stream opened with its first comment");
        } // the client goes away mid-stream
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Http.metric("rbon_requests_abandoned_total") > before);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Http.metric("rbon_batch_rows") == 0.0);
    }
}
