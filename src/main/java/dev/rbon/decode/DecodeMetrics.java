package dev.rbon.decode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * rbon's request metrics (Prometheus names in parentheses): requests by method and outcome
 * ({@code rbon_requests_total}), latency ({@code rbon_request_duration_seconds}) and per-stage latency
 * ({@code rbon_stage_duration_seconds}) as histograms, candidates and generated tokens, and the reward rank of the
 * chosen candidate ({@code rbon_chosen_reward_rank}: 0 is what BoN would pick), which shows how far a method
 * departs from BoN.
 */
@ApplicationScoped
public class DecodeMetrics {

    /** The stages of {@link Outcome.Timings}. */
    static final String[] STAGES = {"queue", "sample", "prefill", "decode", "reward", "reference", "embed", "select"};

    private final MeterRegistry registry;

    public DecodeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A finished request: outcome is ok, invalid, rejected, unavailable, timeout, cancelled or error. */
    public void request(String endpoint, String method, String outcome, Duration latency) {
        Counter.builder("rbon.requests").description("Requests by endpoint, method and outcome")
                .tags("endpoint", endpoint, "method", method, "outcome", outcome).register(registry).increment();
        Timer.builder("rbon.request.duration").description("Request latency, queue included")
                .tags("endpoint", endpoint, "method", method, "outcome", outcome)
                .publishPercentileHistogram().register(registry).record(latency);
    }

    void decoded(String method, Outcome outcome) {
        Outcome.Timings t = outcome.timings();
        double[] ms = {t.queue(), t.sample(), t.prefill(), t.decode(), t.reward(), t.reference(), t.embed(), t.select()};
        for (int i = 0; i < STAGES.length; i++) {
            Timer.builder("rbon.stage.duration").description("Time per stage of a request")
                    .tags("stage", STAGES[i]).publishPercentileHistogram().register(registry)
                    .record(Duration.ofNanos((long) (ms[i] * 1e6)));
        }
        Counter.builder("rbon.candidates").description("Candidates scored").tag("method", method)
                .register(registry).increment(outcome.candidates().size());
        Counter.builder("rbon.generated.tokens").description("Tokens generated, all candidates")
                .register(registry).increment(outcome.completionTokens());
        DistributionSummary.builder("rbon.chosen.reward.rank")
                .description("Reward rank of the chosen candidate (0 = the highest reward, BoN's pick)")
                .tag("method", method).publishPercentileHistogram().register(registry)
                .record(rewardRank(outcome));
    }

    /** How many candidates have a strictly higher reward than the chosen one. */
    static int rewardRank(Outcome outcome) {
        double chosen = outcome.chosen().reward();
        return (int) outcome.candidates().stream().filter(c -> c.reward() > chosen).count();
    }
}
