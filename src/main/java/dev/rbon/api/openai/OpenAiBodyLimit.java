package dev.rbon.api.openai;

import dev.rbon.api.BodyLimit;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * The 413 of {@link BodyLimit} in OpenAI's error shape on this dialect's routes. The size is checked before RESTEasy
 * reads the body, and so before it matches a resource: the one error a resource-local mapper cannot shape. The
 * dialect therefore routes its own paths (those of its resources) to the limit, just ahead of the generic
 * problem+json route.
 */
@ApplicationScoped
public class OpenAiBodyLimit {

    /** The paths of CompletionsResource, ModelsResource and RerankResource. */
    static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/rerank");

    private final BodyLimit limit;

    public OpenAiBodyLimit(BodyLimit limit) {
        this.limit = limit;
    }

    void install(@Observes Router router) {
        for (String path : PATHS) {
            router.route(path).order(BodyLimit.ORDER - 1).handler(context -> limit.refuse(context, "application/json",
                    detail -> new OpenAiError(new OpenAiError.Body(detail, OpenAiError.typeOf(413), null,
                            "request_too_large"))));
        }
    }
}
