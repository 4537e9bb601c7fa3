package dev.rbon.remote;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: DOWN while a configured engine does not answer its probe (GET /v1/models of an OpenAI base URL, GET
 * /health of a reward server root) with 2xx within a second. Liveness does not depend on it: a restart of rbon
 * would not bring an engine back. Requests that need no missing engine are still served meanwhile.
 */
@ApplicationScoped
public class BackendsHealth {

    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final RemoteBackends backends;

    public BackendsHealth(RemoteBackends backends) {
        this.backends = backends;
    }

    @Produces
    @Readiness
    HealthCheck engines() {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named("remote-engines").up();
            for (RemoteBackends.Probe probe : backends.probes()) {
                boolean up = probe.backend().probe(probe.route(), PROBE_TIMEOUT);
                response.withData(probe.backend().role(), (up ? "UP " : "DOWN ") + probe.backend().url() + probe.route());
                if (!up) {
                    response.down();
                }
            }
            return response.build();
        };
    }
}
