package dev.rbon.api;

import dev.rbon.remote.BackendException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A remote engine's failure as problem+json with the status of its kind: 503 unreachable or unavailable (with
 * Retry-After), 504 past the deadline, 422 when the engine refused the request as invalid (its message quoted, under
 * the engine's role), 429 when it rate-limits, 502 for its errors, malformed answers and rbon's misconfiguration.
 * The OpenAI routes give the same status in OpenAI's error shape (their own mapper, api.openai.OpenAiErrors).
 */
public class BackendProblems {

    @ServerExceptionMapper
    public Response backend(BackendException e) {
        int status = e.kind().status();
        List<Problem.FieldError> errors = e.kind() == BackendException.Kind.REFUSED
                ? List.of(new Problem.FieldError(e.backend(), e.getMessage()))
                : List.of();
        return retryAfter(e, ProblemMappers.problem(status, title(status), e.getMessage(), errors));
    }

    /** 503 and 429 tell the client when to come back, on every route. */
    public static Response retryAfter(BackendException e, Response response) {
        int status = e.kind().status();
        return status == 503 || status == 429
                ? Response.fromResponse(response).header("Retry-After", status == 503 ? "5" : "1").build()
                : response;
    }
    private static String title(int status) {
        return switch (status) {
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }
}
