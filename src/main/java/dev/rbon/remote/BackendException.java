package dev.rbon.remote;

/**
 * A remote engine failed one of rbon's calls. It is the deployment's fault, not the client's request (except
 * {@link Kind#REFUSED}), so it maps to a gateway status: {@link Kind#status()}, always problem+json.
 */
public final class BackendException extends RuntimeException {

    /** What went wrong, with the status the client gets and the tag the metrics count it under. */
    public enum Kind {
        /** Connection refused, DNS failure, connect timeout: nothing reached the engine. */
        UNREACHABLE(503),
        /** The engine answered 503: loading, draining or overloaded. */
        UNAVAILABLE(503),
        /** No answer within the call's deadline (or the engine answered 408/504). */
        TIMEOUT(504),
        /** The engine refused the request as invalid (400, 413, 422): the client's input, as the engine saw it. */
        REFUSED(422),
        /** The engine is rate-limiting (429). */
        BUSY(429),
        /** The engine failed (5xx) or dropped the connection. */
        FAILED(502),
        /** The engine answered 2xx with a body that is not the documented shape. */
        MALFORMED(502),
        /** 401, 403, 404, 405: a wrong url, model name or api-key in rbon's configuration. */
        MISCONFIGURED(502);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }

        /** The metrics tag. */
        public String tag() {
            return name().toLowerCase();
        }
    }

    private final Kind kind;
    private final String backend;

    public BackendException(Kind kind, String backend, String message) {
        super(message);
        this.kind = kind;
        this.backend = backend;
    }

    public BackendException(Kind kind, String backend, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.backend = backend;
    }

    public Kind kind() {
        return kind;
    }

    /** The role of the engine that failed: policy, reference, reward or embedding. */
    public String backend() {
        return backend;
    }
}
