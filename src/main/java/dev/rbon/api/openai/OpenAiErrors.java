package dev.rbon.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.rbon.api.BackendProblems;
import dev.rbon.api.InvalidRequestException;
import dev.rbon.api.Problem;
import dev.rbon.api.ProblemMappers;
import dev.rbon.decode.FieldException;
import dev.rbon.remote.BackendException;
import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.QueueFullException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Every failure of an OpenAI-compatible route in OpenAI's {@code {"error": {...}}}, with 400 for every invalid value
 * as OpenAI answers (rbon's own routes say 422), so the SDKs raise their typed errors. The same statuses, messages
 * and Retry-After headers as the problem+json mappers ({@link ProblemMappers}, {@link BackendProblems}) give.
 *
 * <p>Each OpenAI resource hands its failures here from a resource-local {@code @ServerExceptionMapper} on
 * {@link Throwable}: RESTEasy Reactive consults a resource's own mappers before the global ones, for whatever fails
 * once that resource is matched (the body's deserialization, the request filters such as the ShutdownFilter, the
 * method, its CompletionStage or stream), so the resource, not the request path, chooses the shape.
 */
final class OpenAiErrors {

    private static final Logger LOG = Logger.getLogger(OpenAiErrors.class);

    private OpenAiErrors() {}

    static Response of(Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (e instanceof OpenAiBodies.BadJson bad) {
            e = bad.json();
        } else if (e instanceof WebApplicationException web && web.getCause() instanceof JsonProcessingException json) {
            e = json; // the body reader's wrapping of a parse error
        }
        if (e instanceof OpenAiException openAi) {
            return respond(openAi.status(), openAi.getMessage(), openAi.param(), openAi.code());
        } else if (e instanceof InvalidRequestException invalid) {
            return invalid(invalid.getMessage(), invalid.errors());
        } else if (e instanceof FieldException field) {
            return respond(400, field.field() + ": " + field.getMessage(), field.field(), null);
        } else if (e instanceof UnrecognizedPropertyException unknown) {
            String field = ProblemMappers.path(unknown);
            return respond(400, "unknown field " + field + ": " + ProblemMappers.unknown(field), field, null);
        } else if (e instanceof JsonProcessingException json) {
            String field = ProblemMappers.field(json);
            return field != null ? respond(400, field + " " + ProblemMappers.fault(json), field, null)
                    : respond(400, "malformed JSON: " + json.getOriginalMessage(), null, null);
        } else if (e instanceof QueueFullException) {
            return retryAfter(respond(429, e.getMessage(), null, null), "1");
        } else if (e instanceof TimeoutException) {
            return respond(504, "the request did not finish within its deadline", null, null);
        } else if (e instanceof CancellationException) { // only a client that has already gone cancels
            return respond(499, "the client went away", null, null);
        } else if (e instanceof NotReadyException) {
            return retryAfter(respond(503, e.getMessage(), null, null), "5");
        } else if (e instanceof BackendException backend) {
            return BackendProblems.retryAfter(backend, Response.status(OpenAiError.status(backend))
                    .type(MediaType.APPLICATION_JSON).entity(OpenAiError.of(backend)).build());
        } else if (e instanceof WebApplicationException web) {
            return respond(web.getResponse().getStatus(), web.getMessage(), null, null);
        }
        LOG.error("request failed", e);
        return respond(500, "the request failed on the server; see its log", null, null);
    }

    /** Several refused fields in one message; the first is the param. */
    private static Response invalid(String detail, List<Problem.FieldError> errors) {
        String message = errors.size() > 1
                ? errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "))
                : detail;
        return respond(400, message, errors.isEmpty() ? null : errors.get(0).field(), null);
    }

    private static Response respond(int status, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new OpenAiError(new OpenAiError.Body(message, OpenAiError.typeOf(status), param, code)))
                .build();
    }

    private static Response retryAfter(Response response, String seconds) {
        return Response.fromResponse(response).header("Retry-After", seconds).build();
    }
}
