package dev.rbon.remote;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The message of an engine's error answer, whichever of the shapes it uses: OpenAI's and current vLLM's
 * {@code {"error": {"message"}}}, older vLLM's {@code {"object": "error", "message"}}, TGI's {@code {"error": "..."}},
 * FastAPI's and SGLang's {@code {"detail"}} (also rbon's problem+json), else the body's first line of text.
 */
final class EngineErrors {

    private static final int MAX_LENGTH = 400;

    private EngineErrors() {}

    static String message(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode json = Backend.JSON.readTree(text);
            if (json != null && json.isObject()) {
                JsonNode error = json.path("error");
                String found = error.isObject() ? error.path("message").asText("")
                        : error.isTextual() ? error.asText()
                        : json.path("message").isTextual() ? json.path("message").asText()
                        : json.path("detail").isTextual() ? json.path("detail").asText()
                        : json.path("detail").toString();
                if (!found.isEmpty() && !found.equals("\"\"")) {
                    return shorten(found);
                }
            }
        } catch (IOException e) {
            // not JSON: the text itself
        }
        return shorten(text.lines().findFirst().orElse("").strip());
    }

    private static String shorten(String s) {
        return s.length() <= MAX_LENGTH ? s : s.substring(0, MAX_LENGTH) + "...";
    }
}
