package dev.rbon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.rbon.decode.FieldException;
import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.QueueFullException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure as a 4xx or 5xx naming the field at fault, never a 500 for bad input, in RFC 9457
 * application/problem+json. These are the global mappers: rbon's routes and the pooling routes answer with them. A
 * dialect with its own error shape declares a resource-local {@code @ServerExceptionMapper} in its resources, which
 * RESTEasy Reactive consults first for the endpoints of that resource (OpenAI's routes: api.openai.OpenAiErrors).
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e) {
        return problem(422, "Unprocessable Content", e.getMessage(), e.errors());
    }

    @ServerExceptionMapper
    public Response invalidField(FieldException e) {
        return problem(422, "Unprocessable Content", e.field() + ": " + e.getMessage(),
                List.of(new Problem.FieldError(e.field(), e.getMessage())));
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        String field = path(e);
        return problem(422, "Unprocessable Content", "unknown field " + field,
                List.of(new Problem.FieldError(field, unknown(field))));
    }

    /** Fields of the decoding routes that a route on supplied candidates refuses, and why. */
    private static final Map<String, String> DECODING_ONLY = Map.of("prune", "nothing is decoded here (the candidates"
            + " are supplied), so nothing is pruned; prune is a field of /v1/generate, /v1/chat/completions and "
            + "/v1/completions");

    /** What is wrong with an unknown field: that it is not this request's, and for a decoding route's, why. */
    public static String unknown(String field) {
        String why = DECODING_ONLY.get(field);
        return "is not a field of this request" + (why == null ? "" : ": " + why);
    }

    /** Wrong JSON types (a string for a number); declared for this subtype to win over Quarkus's own mapper. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        return malformed(e);
    }

    @ServerExceptionMapper
    public Response malformed(JsonProcessingException e) {
        String field = field(e);
        if (field != null) {
            return problem(400, "Bad Request", field + " " + fault(e),
                    List.of(new Problem.FieldError(field, fault(e))));
        }
        return problem(400, "Bad Request", "malformed JSON: " + e.getOriginalMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response queueFull(QueueFullException e) {
        return Response.fromResponse(problem(429, "Too Many Requests", e.getMessage(), List.of()))
                .header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response deadline(TimeoutException e) {
        return problem(504, "Gateway Timeout", "the request did not finish within its deadline", List.of());
    }

    /** Only a client that has already gone cancels; the status is for the log. */
    @ServerExceptionMapper
    public Response cancelled(CancellationException e) {
        return problem(499, "Client Closed Request", "the client went away", List.of());
    }

    @ServerExceptionMapper
    public Response notReady(NotReadyException e) {
        return Response.fromResponse(problem(503, "Service Unavailable", e.getMessage(), List.of()))
                .header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) { // the body reader's wrapping of a parse error
            return malformed(json);
        }
        int status = e.getResponse().getStatus();
        return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(), List.of());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("request failed", e);
        return problem(500, "Internal Server Error", "the request failed on the server; see its log",
                List.of());
    }

    /**
     * The field a JSON failure is about, e.g. {@code stop[1]}: the mapping's path, or where the parser stood when a
     * number did not fit its type (a seed past the long range) or was NaN or Infinity; null when the body itself is
     * not JSON.
     */
    public static String field(JsonProcessingException e) {
        StreamReadException notANumber = notANumber(e);
        if (notANumber == null && e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return path(mapping);
        }
        StreamReadException read = notANumber != null ? notANumber
                : e instanceof InputCoercionException coercion ? coercion : null;
        if (read != null && read.getProcessor() != null) {
            StringBuilder path = new StringBuilder();
            for (JsonStreamContext c = read.getProcessor().getParsingContext(); c != null && !c.inRoot();
                    c = c.getParent()) {
                path.insert(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
            }
            if (path.length() > 0) {
                return path.toString().replaceFirst("^\\.", "");
            }
        }
        return e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty() ? path(mapping) : null;
    }

    /** What is wrong with {@link #field}'s value. */
    public static String fault(JsonProcessingException e) {
        if (notANumber(e) != null) {
            return "must be a number: JSON has no NaN or Infinity";
        }
        return (e instanceof InputCoercionException ? "is out of range: " : "has the wrong type: ")
                + e.getOriginalMessage();
    }

    /**
     * The parser's refusal of a NaN, Infinity or -Infinity literal (JSON has no such numbers), itself or as the cause
     * of a mapping failure (which names only the object it was reading); else null. Its parser still stands on the
     * field.
     */
    private static StreamReadException notANumber(JsonProcessingException e) {
        Throwable t = e instanceof JsonMappingException && e.getCause() != null ? e.getCause() : e;
        return t instanceof StreamReadException read && read.getOriginalMessage() != null
                && read.getOriginalMessage().startsWith("Non-standard token") ? read : null;
    }

    /** The JSON path of the offending field, e.g. {@code stop[1]}. */
    public static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining()).replaceFirst("^\\.", "");
    }

    public static Response problem(int status, String title, String detail, List<Problem.FieldError> errors) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title, detail, errors)).build();
    }
}
