package dev.rbon.api;

import dev.rbon.remote.BackendException;
import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.QueueFullException;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Test-only: a request filter that throws the failure its {@value #HEADER} header names, at the point of the request
 * where the ShutdownFilter throws (after RESTEasy matched the resource, before the body is read or the method runs).
 * Without the header it does nothing.
 */
public class FailOnRequest {

    public static final String HEADER = "X-Test-Fail";

    @ServerRequestFilter
    public void fail(ContainerRequestContext request) throws Exception {
        String failure = request.getHeaderString(HEADER);
        if (failure == null) {
            return;
        }
        throw switch (failure) {
            case "not-ready" -> new NotReadyException("the server is shutting down");
            case "queue-full" -> new QueueFullException(1);
            case "timeout" -> new TimeoutException("deadline");
            case "engine-unreachable" -> new BackendException(BackendException.Kind.UNREACHABLE, "reward", "down");
            case "invalid" -> new InvalidRequestException(List.of(new Problem.FieldError("beta", "is wrong"),
                    new Problem.FieldError("n", "is wrong too")));
            default -> new IllegalStateException("a bug");
        };
    }
}
