package dev.rbon.api.openai;

import dev.rbon.remote.BackendException;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An error in OpenAI's shape, which the OpenAI SDKs turn into their typed exceptions (BadRequestError,
 * NotFoundError, RateLimitError, ...). The OpenAI-compatible routes answer with it ({@link OpenAiErrors}); rbon's
 * own routes keep problem+json.
 */
@Schema(description = "An error as the OpenAI API reports it.")
public record OpenAiError(Body error) {

    public record Body(
            @Schema(description = "What went wrong.") String message,
            @Schema(description = "invalid_request_error, not_found_error, rate_limit_error, server_error, ...")
                    String type,
            @Schema(description = "The offending request field, if one is to blame.") String param,
            @Schema(description = "A machine-readable code, e.g. model_not_found.") String code) {}

    /** A failure after a stream began, as the error event vLLM sends before [DONE]. */
    static OpenAiError of(Throwable failure) {
        Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (e instanceof dev.rbon.decode.FieldException field) {
            return new OpenAiError(new Body(field.field() + ": " + field.getMessage(), typeOf(400), field.field(),
                    null));
        }
        if (e instanceof BackendException backend) {
            return of(backend);
        }
        if (e instanceof dev.rbon.worker.NotReadyException) { // shutting down past the grace period
            return new OpenAiError(new Body(e.getMessage(), typeOf(503), null, null));
        }
        if (e instanceof java.util.concurrent.TimeoutException) {
            return new OpenAiError(new Body("the request did not finish within its deadline", typeOf(504), null,
                    null));
        }
        return new OpenAiError(new Body("the request failed on the server; see its log", typeOf(500), null, null));
    }

    /**
     * A remote engine's failure, typed by what went wrong: 503 {@code service_unavailable_error}, 504
     * {@code timeout_error}, 502 {@code server_error}, 429 {@code rate_limit_error}, each with the code
     * {@code engine_<kind>} (engine_unreachable, engine_failed, ...); an engine that refused the request as invalid
     * is the client's 400, its param the engine's role (policy, reward, ...).
     */
    static OpenAiError of(BackendException e) {
        int status = status(e);
        return new OpenAiError(new Body(e.getMessage(), typeOf(status),
                e.kind() == BackendException.Kind.REFUSED ? e.backend() : null, "engine_" + e.kind().tag()));
    }

    /** The status of a remote engine's failure on the OpenAI routes (OpenAI answers invalid input with 400). */
    static int status(BackendException e) {
        return e.kind() == BackendException.Kind.REFUSED ? 400 : e.kind().status();
    }

    /** The type OpenAI gives errors of this status. */
    static String typeOf(int status) {
        return switch (status) {
            case 400, 413, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503 -> "service_unavailable_error";
            case 504 -> "timeout_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }
}
