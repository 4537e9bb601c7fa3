package dev.rbon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.RbonConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * Refuses a body over rbon.limits.max-body-size with a 413 problem (OpenAI's error shape on its routes) before it
 * is read. Vert.x enforces the same limit on bodies that do not declare their length, with a bare 413.
 */
@ApplicationScoped
public class BodyLimit {

    private final long maxBytes;
    private final ObjectMapper json;

    public BodyLimit(RbonConfig config, ObjectMapper json) {
        this.maxBytes = config.limits().maxBodySize().asLongValue();
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(-100).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBytes) {
                String detail = "the body is " + length + " bytes, over the limit of " + maxBytes;
                boolean openAi = OpenAiError.owns(context.request().path());
                Object body = openAi
                        ? new OpenAiError(new OpenAiError.Body(detail, OpenAiError.typeOf(413), null, "request_too_large"))
                        : Problem.of(413, "Content Too Large", detail, List.of());
                try {
                    context.response().setStatusCode(413)
                            .putHeader(HttpHeaders.CONTENT_TYPE, openAi ? "application/json" : Problem.MEDIA_TYPE)
                            .putHeader(HttpHeaders.CONNECTION, "close").end(json.writeValueAsString(body));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    context.fail(e);
                }
            } else {
                context.next();
            }
        });
    }
}
