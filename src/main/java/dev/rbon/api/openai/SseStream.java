package dev.rbon.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.nio.charset.StandardCharsets;

/**
 * One server-sent-event stream in OpenAI's framing ({@code data: {json}}, {@code : comment}, {@code data: [DONE]}).
 * Writers (the worker's thread, completion callbacks) never block: events queue until the HTTP layer, which writes
 * one at a time as the client reads, takes them.
 */
final class SseStream {

    private final UnicastProcessor<byte[]> events = UnicastProcessor.create();
    private final ObjectMapper json;
    private boolean closed;

    SseStream(ObjectMapper json) {
        this.json = json;
    }

    Multi<byte[]> multi() {
        return events;
    }

    /** A comment line: SSE clients (the OpenAI SDKs) skip it; gateways see the connection is alive. */
    synchronized void comment(String text) {
        send(": " + text + "\n\n");
    }

    synchronized void data(Object event) {
        try {
            send("data: " + json.writeValueAsString(event) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code data: [DONE]}, then the end of the response. */
    synchronized void done() {
        send("data: [DONE]\n\n");
        closed = true;
        events.onComplete();
    }

    private void send(String text) {
        if (!closed) {
            events.onNext(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
