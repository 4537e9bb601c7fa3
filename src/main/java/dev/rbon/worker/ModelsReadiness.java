package dev.rbon.worker;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when every worker has loaded every model. */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {

    private final WorkerPool pool;

    public ModelsReadiness(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("models").status(pool.ready()).withData("workers", pool.status()).build();
    }
}
