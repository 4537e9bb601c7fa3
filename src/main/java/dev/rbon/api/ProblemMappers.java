package dev.rbon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.rbon.decode.FieldException;
import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.QueueFullException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure as a 4xx or 5xx naming the field at fault, never a 500 for bad input. rbon's routes answer in
 * RFC 9457 application/problem+json; the OpenAI-compatible routes ({@link OpenAiError#ROUTES}) in OpenAI's
 * {@code {"error": {...}}}, with 400 for every invalid value as OpenAI does, so the SDKs raise their typed errors.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, HttpServerRequest request) {
        return respond(request, 422, "Unprocessable Content", e.getMessage(), e.errors());
    }

    @ServerExceptionMapper
    public Response invalidField(FieldException e, HttpServerRequest request) {
        return respond(request, 422, "Unprocessable Content", e.field() + ": " + e.getMessage(),
                List.of(new Problem.FieldError(e.field(), e.getMessage())));
    }

    @ServerExceptionMapper
    public Response openAi(OpenAiException e, HttpServerRequest request) {
        if (OpenAiError.owns(request.path())) {
            return openAi(e.status(), e.getMessage(), e.param(), e.code());
        }
        return problem(e.status(), Response.Status.fromStatusCode(e.status()).getReasonPhrase(), e.getMessage(),
                e.param() == null ? List.of() : List.of(new Problem.FieldError(e.param(), e.getMessage())));
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, HttpServerRequest request) {
        String field = path(e);
        return respond(request, 422, "Unprocessable Content", "unknown field " + field,
                List.of(new Problem.FieldError(field, "is not a field of this request")));
    }

    /** Wrong JSON types (a string for a number); declared for this subtype to win over Quarkus's own mapper. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e, HttpServerRequest request) {
        return malformed(e, request);
    }

    @ServerExceptionMapper
    public Response malformed(JsonProcessingException e, HttpServerRequest request) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = path(mapping);
            return respond(request, 400, "Bad Request", field + " has the wrong type: " + e.getOriginalMessage(),
                    List.of(new Problem.FieldError(field, "has the wrong type: " + e.getOriginalMessage())));
        }
        return respond(request, 400, "Bad Request", "malformed JSON: " + e.getOriginalMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response badJson(OpenAiBodies.BadJson e, HttpServerRequest request) {
        return e.json() instanceof UnrecognizedPropertyException unknown
                ? unknownField(unknown, request)
                : malformed(e.json(), request);
    }

    @ServerExceptionMapper
    public Response queueFull(QueueFullException e, HttpServerRequest request) {
        return Response.fromResponse(respond(request, 429, "Too Many Requests", e.getMessage(), List.of()))
                .header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response deadline(TimeoutException e, HttpServerRequest request) {
        return respond(request, 504, "Gateway Timeout", "the request did not finish within its deadline", List.of());
    }

    /** Only a client that has already gone cancels; the status is for the log. */
    @ServerExceptionMapper
    public Response cancelled(CancellationException e, HttpServerRequest request) {
        return respond(request, 499, "Client Closed Request", "the client went away", List.of());
    }

    @ServerExceptionMapper
    public Response notReady(NotReadyException e, HttpServerRequest request) {
        return Response.fromResponse(respond(request, 503, "Service Unavailable", e.getMessage(), List.of()))
                .header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        return respond(request, status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, HttpServerRequest request) {
        LOG.error("request failed", e);
        return respond(request, 500, "Internal Server Error", "the request failed on the server; see its log",
                List.of());
    }

    /** The JSON path of the offending field, e.g. {@code stop[1]}. */
    static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining()).replaceFirst("^\\.", "");
    }

    /** problem+json, or OpenAI's error shape on the OpenAI routes (where 422 becomes OpenAI's 400). */
    static Response respond(HttpServerRequest request, int status, String title, String detail,
            List<Problem.FieldError> errors) {
        if (request != null && OpenAiError.owns(request.path())) {
            String message = errors.size() > 1
                    ? errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "))
                    : detail;
            return openAi(status == 422 ? 400 : status, message, errors.isEmpty() ? null : errors.get(0).field(),
                    null);
        }
        return problem(status, title, detail, errors);
    }

    static Response openAi(int status, String message, String param, String code) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new OpenAiError(new OpenAiError.Body(message, OpenAiError.typeOf(status), param, code)))
                .build();
    }

    static Response problem(int status, String title, String detail, List<Problem.FieldError> errors) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title, detail, errors)).build();
    }
}
