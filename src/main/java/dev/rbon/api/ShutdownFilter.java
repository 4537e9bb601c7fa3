package dev.rbon.api;

import dev.rbon.worker.NotReadyException;
import dev.rbon.worker.WorkerPool;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * From SIGTERM on, every API request (rbon's, OpenAI's and the pooling routes; not /q/*) is refused before any work
 * with 503 and Retry-After, while the requests admitted before the signal drain (WorkerPool#drain). The filter runs
 * after RESTEasy has matched the resource (not pre-matching), so the NotReadyException reaches that resource's
 * mappers: problem+json ({@link ProblemMappers#notReady}), or OpenAI's error shape on the OpenAI routes.
 */
public class ShutdownFilter {

    private final WorkerPool pool;

    public ShutdownFilter(WorkerPool pool) {
        this.pool = pool;
    }

    @ServerRequestFilter
    public void refuseWhileStopping() {
        if (pool.stopping()) {
            throw new NotReadyException("the server is shutting down");
        }
    }
}
