package dev.rbon.load;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * A spike past capacity (open model: arrivals do not wait for answers): a burst of simultaneous requests, then an
 * arrival rate several times what the server can serve, then quiet. The bounded queue must refuse the excess with
 * 429 at once; nothing may fail otherwise (no 5xx, no timeouts), and the admitted requests' latency is reported
 * separately from the refusals'.
 *
 * <p>-Drbon.spike.burst=40 (simultaneous requests), -Drbon.spike.rate=10 (requests/s after the burst),
 * -Drbon.spike.seconds=20. At most burst + rate x seconds requests.
 */
public class SpikeSimulation extends Simulation {

    static final int BURST = Integer.getInteger("rbon.spike.burst", 40);
    static final double RATE = Double.parseDouble(System.getProperty("rbon.spike.rate", "10"));
    static final int SECONDS = Integer.getInteger("rbon.spike.seconds", 20);

    {
        setUp(scenario("spike").exec(Load.generate(200, 429)).injectOpen(
                        nothingFor(Duration.ofSeconds(1)),
                        atOnceUsers(BURST),
                        constantUsersPerSec(RATE).during(Duration.ofSeconds(SECONDS))))
                .protocols(Load.protocol())
                .maxDuration(Duration.ofSeconds(SECONDS + 90))
                // 200 and 429 are the only acceptable answers: anything else (5xx, a timeout) fails the run
                .assertions(global().failedRequests().count().is(0L));
    }

    @Override
    public void after() {
        Load.report("spike (burst " + BURST + ", then " + RATE + "/s for " + SECONDS + " s)");
    }
}
