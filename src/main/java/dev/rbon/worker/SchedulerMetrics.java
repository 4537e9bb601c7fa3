package dev.rbon.worker;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one device's scheduler reports: rows per step, tokens per step (decoding and scoring), queue wait and time to
 * first token.
 */
final class SchedulerMetrics {

    private final AtomicInteger runningRows = new AtomicInteger();
    private final DistributionSummary stepRows;
    private final DistributionSummary stepTokens;
    private final DistributionSummary stepScoringTokens;
    private final Timer queueWait;
    private final Timer firstToken;

    private final Timer busy;

    SchedulerMetrics(MeterRegistry registry, String worker, String device) {
        busy = Timer.builder("rbon.worker.busy").description("Time a worker spent on requests (not waiting for one)")
                .tag("device", device).register(registry);
        registry.gauge("rbon.batch.rows", Tags.of("worker", worker), runningRows);
        stepRows = DistributionSummary.builder("rbon.batch.step.rows")
                .description("Rows in one decoding step, over every running request").tag("worker", worker)
                .publishPercentileHistogram().register(registry);
        stepTokens = DistributionSummary.builder("rbon.batch.step.tokens")
                .description("Tokens in one step: one per decoding row plus the prefill chunk").tag("worker", worker)
                .publishPercentileHistogram().register(registry);
        stepScoringTokens = DistributionSummary.builder("rbon.batch.step.scoring.tokens")
                .description("Tokens of scoring passes run after one step (reward, reference, embeddings)")
                .tag("worker", worker).publishPercentileHistogram().register(registry);
        queueWait = Timer.builder("rbon.queue.wait").description("From arrival to a worker starting the request")
                .tag("worker", worker).publishPercentileHistogram().register(registry);
        firstToken = Timer.builder("rbon.pool.first.token")
                .description("From arrival to the first token of a request's candidates (its prefill done)")
                .tag("worker", worker).publishPercentileHistogram().register(registry);
    }

    void busy(long nanos) {
        busy.record(nanos, TimeUnit.NANOSECONDS);
    }

    void step(int rows, int tokens) {
        stepRows.record(rows);
        stepTokens.record(tokens);
    }

    void scored(int tokens) {
        if (tokens > 0) {
            stepScoringTokens.record(tokens);
        }
    }

    void running(int rows) {
        runningRows.set(rows);
    }

    void started(WorkerPool.Job<?> job) {
        queueWait.record(System.nanoTime() - job.submittedNanos(), TimeUnit.NANOSECONDS);
    }

    void firstToken(WorkerPool.Job<?> job) {
        firstToken.record(System.nanoTime() - job.submittedNanos(), TimeUnit.NANOSECONDS);
    }
}
