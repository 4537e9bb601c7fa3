package dev.rbon.load;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.forAll;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Steady load at saturation: a fixed number of clients, each sending its next request when the last one is
 * answered (closed model: Gatling starts a new client as soon as one finishes, keeping the count constant), so the
 * server is always busy but its queue (rbon.workers.queue-capacity) never fills.
 * Throughput here is the service's capacity; the latencies are those of a saturated server at that concurrency.
 * Every request must succeed: no 429, no 5xx.
 *
 * <p>-Drbon.steady.users=4 (concurrent clients), -Drbon.steady.seconds=60.
 */
public class SteadyLoadSimulation extends Simulation {

    static final int USERS = Integer.getInteger("rbon.steady.users", 4);
    static final int SECONDS = Integer.getInteger("rbon.steady.seconds", 60);

    {
        setUp(scenario("steady").exec(Load.generate(200)).injectClosed(
                        constantConcurrentUsers(USERS).during(Duration.ofSeconds(SECONDS))))
                .protocols(Load.protocol())
                // bounded: the run stops at this time whatever happens, requests in flight included
                .maxDuration(Duration.ofSeconds(SECONDS + 30))
                .assertions(global().failedRequests().count().is(0L), forAll().failedRequests().percent().is(0.0));
    }

    @Override
    public void after() {
        Load.report("steady (" + USERS + " concurrent clients, " + SECONDS + " s)");
    }
}
