package dev.rbon.worker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Probes: started once every worker has loaded its models (model loads can be slow: the startup probe waits for
 * them instead of liveness killing the pod); ready while loaded and not shutting down; live unless loading failed.
 */
@ApplicationScoped
public class ModelsHealth {

    private final WorkerPool pool;

    public ModelsHealth(WorkerPool pool) {
        this.pool = pool;
    }

    @Produces
    @Startup
    HealthCheck started() {
        return () -> response(pool.ready());
    }

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> response(pool.ready());
    }

    @Produces
    @Liveness
    HealthCheck live() {
        return () -> HealthCheckResponse.named("workers").status(!pool.failed()).withData("workers", pool.status())
                .build();
    }

    private HealthCheckResponse response(boolean up) {
        return HealthCheckResponse.named("models").status(up).withData("workers", pool.status())
                .withData("queue_depth", pool.queueDepth()).build();
    }
}
