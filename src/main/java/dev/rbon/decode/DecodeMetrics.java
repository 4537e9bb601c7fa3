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
 * ({@code rbon_stage_duration_seconds}) as histograms, candidates and generated tokens, and, by method, what shows
 * reward hacking: the reward rank of the chosen candidate ({@code rbon_chosen_reward_rank}: 0 is what BoN would
 * pick), the selection's KL to the policy ({@code rbon_selection_kl}, as the response's {@code kl}), the pool's
 * reward spread ({@code rbon_pool_reward_spread}: max - min of the finished candidates' rewards) and, with a reward
 * ensemble, its disagreement ({@code rbon_ensemble_disagreement}: the population std of the members' rewards, of
 * the chosen candidate and, averaged, of the pool's finished candidates). A proxy being gamed shows as chosen answers
 * the members disagree on more than before, or more than on the rest of the pool.
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
                .record(outcome.choice().rewardRank());
        DistributionSummary.builder("rbon.selection.kl")
                .description("KL (nats) of the selection to the policy: best-of-N's for the argmax rules, the pool's"
                        + " for the stochastic ones").tag("method", method).serviceLevelObjectives(KL_BUCKETS)
                .register(registry).record(outcome.choice().kl());
        DistributionSummary.builder("rbon.pool.reward.spread")
                .description("Max - min of the finished candidates' rewards in a pool").tag("method", method)
                .publishPercentileHistogram().register(registry).record(rewardSpread(outcome));
        if (outcome.chosen().rewards().length > 1) {
            disagreement(method, "chosen", std(outcome.chosen().rewards()));
            disagreement(method, "pool", outcome.candidates().stream().filter(c -> !c.pruned())
                    .mapToDouble(c -> std(c.rewards())).average().orElse(0));
        }
    }

    private void disagreement(String method, String of, double value) {
        DistributionSummary.builder("rbon.ensemble.disagreement")
                .description("Std of a reward ensemble's members' rewards: of the chosen candidate, or the mean over"
                        + " the pool's candidates").tags("method", method, "of", of).publishPercentileHistogram()
                .register(registry).record(value);
    }

    /** The population std of the members' rewards of one candidate. */
    static double std(double[] rewards) {
        double mean = 0;
        for (double r : rewards) {
            mean += r / rewards.length;
        }
        double squares = 0;
        for (double r : rewards) {
            squares += (r - mean) * (r - mean);
        }
        return Math.sqrt(squares / rewards.length);
    }

    /** Buckets for a KL in nats: best-of-N's is 0.19 at N = 2, 1.83 at N = 16, 3.17 at N = 64, 5.94 at N = 1024. */
    static final double[] KL_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8};

    private static double rewardSpread(Outcome outcome) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Outcome.Candidate c : outcome.candidates()) {
            if (!c.pruned()) {
                min = Math.min(min, c.reward());
                max = Math.max(max, c.reward());
            }
        }
        return max - min;
    }
}
