package dev.rbon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.RbonConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.function.Function;

/**
 * Refuses a body over rbon.limits.max-body-size with a 413 problem before it is read. Vert.x enforces the same limit
 * on bodies that do not declare their length, with a bare 413.
 *
 * <p>This runs as a Vert.x route before RESTEasy matches a resource, so it cannot ask the resource for its error
 * shape. A dialect with its own shape registers its own routes for its own paths ahead of this one with
 * {@link #refuse} (api.openai.OpenAiBodyLimit): the dialect, not this class, knows which paths are its.
 */
@ApplicationScoped
public class BodyLimit {

    /** Before everything else on the router; a dialect's own limit routes go just ahead of it. */
    public static final int ORDER = -100;

    private final long maxBytes;
    private final ObjectMapper json;

    public BodyLimit(RbonConfig config, ObjectMapper json) {
        this.maxBytes = config.limits().maxBodySize().asLongValue();
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(context -> refuse(context, "application/problem+json",
                detail -> Problem.of(413, "Content Too Large", detail, List.of())));
    }

    /**
     * Answers 413 with {@code body(detail)} as {@code contentType} and closes the connection when the declared
     * length is over the limit; else passes the request on.
     */
    public void refuse(RoutingContext context, String contentType, Function<String, Object> body) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null || !length.matches("\\d{1,18}") || Long.parseLong(length) <= maxBytes) {
            context.next();
            return;
        }
        String detail = "the body is " + length + " bytes, over the limit of " + maxBytes;
        try {
            context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                    .putHeader(HttpHeaders.CONNECTION, "close").end(json.writeValueAsString(body.apply(detail)));
        } catch (JsonProcessingException e) {
            context.fail(e);
        }
    }
}
