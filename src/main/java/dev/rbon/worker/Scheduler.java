package dev.rbon.worker;

import dev.rbon.sample.DecodeBatch;
import dev.rbon.sample.SamplingRequest;
import dev.rbon.score.ScoringPass;
import dev.rbon.score.SharedRows;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The loop of one device's worker thread: continuous batching. Each iteration it
 * <ol>
 *   <li>starts waiting jobs in arrival order while their rows fit ({@code max-batch-rows}; the memory budget of the
 *       running requests together): a job's first part (prompt, admission) runs, and its rows wait for their
 *       prefill, or its scoring passes for their turn (supplied candidates, the pooling routes); a task with neither
 *       runs there whole;</li>
 *   <li>prefills one chunk of the oldest waiting prompt, as many tokens as the step's budget leaves
 *       ({@code max-batch-tokens} minus the running rows);</li>
 *   <li>runs ONE decoding step over every running row of every request;</li>
 *   <li>retires finished rows, failed and abandoned requests; a request whose rows are all done queues its
 *       scoring passes;</li>
 *   <li>runs scoring passes within what is left of the step's budget (at least one), taking the waiting scoring
 *       jobs in turn, one pass each, so a short job never waits behind a long one's passes; a job whose passes are
 *       done selects and answers (the rest of its task).</li>
 * </ol>
 * A request's own failure (its parameters, stop strings, callbacks, scoring or answer) fails that request alone; only
 * a forward pass that fails takes the batch's requests with it.
 * Arrival order is kept: a job that does not fit yet holds back the ones behind it, so none starves. A request
 * whose caller gave up leaves at the next step.
 */
final class Scheduler {

    private static final Logger LOG = Logger.getLogger(Scheduler.class);

    /** A job's sampling phase: the request's rows and what runs once they are sampled. */
    private record Active<T>(WorkerPool.Job<T> job, Phase.Sample<T> phase) {
        Phase<T> next(SamplingRequest sampled) {
            return job.advance(() -> phase.then().apply(sampled));
        }
    }

    /** A job's scoring phase: the passes still to run, and what runs once they have. */
    private record Scoring<T>(WorkerPool.Job<T> job, Deque<ScoringPass> passes, Supplier<T> then) {}

    /** Rows decoding at once, and tokens per step (decoding rows plus a prefill chunk). */
    record Limits(int maxRows, int maxTokens) {}

    private static final long IDLE_WAIT_MILLIS = 100;

    private final ModelSet models;
    private final BlockingQueue<WorkerPool.Job<?>> queue;
    private final Limits limits;
    private final SchedulerMetrics metrics;
    private final BooleanSupplier stopping;
    private final Deque<Active<?>> prefilling = new ArrayDeque<>(); // started, rows not yet in the batch
    private final Map<SamplingRequest, Active<?>> running = new IdentityHashMap<>();
    private final Deque<Scoring<?>> scoring = new ArrayDeque<>(); // in turn: a job that ran a pass goes to the back
    private WorkerPool.Job<?> head; // taken off the queue, not started: it waits for room

    Scheduler(ModelSet models, BlockingQueue<WorkerPool.Job<?>> queue, Limits limits, SchedulerMetrics metrics,
            BooleanSupplier stopping) {
        this.models = models;
        this.queue = queue;
        this.limits = limits;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    void run() throws InterruptedException {
        DecodeBatch batch = newBatch();
        try {
            while (!stopping.getAsBoolean()) {
                boolean idle = batch.rows() == 0 && prefilling.isEmpty() && scoring.isEmpty();
                if (head == null) {
                    head = idle ? queue.poll(IDLE_WAIT_MILLIS, TimeUnit.MILLISECONDS) : queue.poll();
                    if (idle && head == null) {
                        continue; // an idle worker looks up now and then to see whether it should stop
                    }
                }
                long start = System.nanoTime();
                startWhileRoom(batch.rows());
                int prefillTokens = prefill(batch);
                List<SamplingRequest> left;
                try {
                    if (batch.rows() > 0) {
                        metrics.step(batch.rows(), batch.rows() + prefillTokens);
                        batch.step();
                    }
                    left = batch.retire();
                } catch (RuntimeException | Error e) { // the forward pass itself: no one request's fault
                    LOG.error("a decoding step's forward pass failed: every request in the batch fails with it", e);
                    running.values().forEach(active -> active.job().fail(e));
                    running.clear();
                    batch.close();
                    batch = newBatch();
                    left = List.of();
                }
                for (SamplingRequest request : left) { // the task's next part is guarded: its failure is its own
                    Active<?> active = running.remove(request);
                    if (request.failure() != null) { // its own parameters or callbacks: the others went on
                        active.job().fail(request.failure());
                    } else if (request.finished()) {
                        sampled(active, request);
                    } else {
                        active.job().abandon(new CancellationException("request abandoned between decoding steps"));
                    }
                }
                int scoringTokens = score(limits.maxTokens() - batch.rows() - prefillTokens);
                metrics.scored(scoringTokens);
                metrics.running(batch.rows());
                metrics.busy(System.nanoTime() - start);
            }
        } finally { // stopping: what this worker holds gets 503, the queue's rest is the pool's to answer
            batch.close();
            for (Active<?> active : prefilling) {
                active.phase().request().closePrefill();
                active.job().fail(unfinished());
            }
            running.values().forEach(active -> active.job().fail(unfinished()));
            scoring.forEach(waiting -> {
                waiting.job().fail(unfinished());
                release(waiting);
            });
            if (head != null) {
                head.fail(unfinished());
            }
        }
    }

    private static NotReadyException unfinished() {
        return new NotReadyException("the server is shutting down: the request did not finish within the grace period");
    }

    /**
     * The batch of the local policy's rows. With a remote policy there is none to decode here: every job's first
     * part answers it, and an empty batch over no model stands in.
     */
    private DecodeBatch newBatch() {
        return models.policy() == null ? DecodeBatch.none() : new DecodeBatch(models.policy());
    }

    /** Starts jobs at the head of the queue, in arrival order, while the batch has room for their rows. */
    private void startWhileRoom(int runningRows) {
        while (head != null && fits(head.rows(), runningRows)) {
            WorkerPool.Job<?> job = head;
            head = queue.poll();
            start(job);
        }
    }

    private boolean fits(int rows, int runningRows) {
        int reserved = runningRows + prefilling.stream().mapToInt(a -> a.phase().request().n()).sum();
        return rows == 0 || reserved == 0 || reserved + rows <= limits.maxRows();
    }

    private <T> void start(WorkerPool.Job<T> job) {
        metrics.started(job);
        enter(job, job.start(models));
    }

    private <T> void sampled(Active<T> active, SamplingRequest request) {
        enter(active.job(), active.next(request));
    }

    /** Queues {@code job} for its phase: its rows' prefill, or its scoring passes' turn (null: it is over). */
    private <T> void enter(WorkerPool.Job<T> job, Phase<T> phase) {
        if (phase instanceof Phase.Sample<T> sample) {
            prefilling.add(new Active<>(job, sample));
        } else if (phase instanceof Phase.Score<T> score) {
            scoring.add(new Scoring<>(job, new ArrayDeque<>(score.passes()), score.then()));
        }
    }

    /**
     * Runs scoring passes of the waiting jobs in turn, one pass per turn, while they fit in {@code budget} tokens
     * (at least one pass, so scoring always moves); a job whose last pass ran selects and answers. Returns the tokens
     * scored.
     */
    private int score(int budget) {
        int spent = 0;
        while (!scoring.isEmpty()) {
            Scoring<?> next = scoring.peek();
            ScoringPass pass = next.passes().peek();
            if (pass != null && spent > 0 && spent + pass.tokens() > budget) {
                break;
            }
            scoring.poll();
            if (next.job().abandoned()) { // answered by its deadline, or its caller left
                next.job().abandon(new CancellationException("request abandoned while it was scored"));
                release(next);
                continue;
            }
            if (pass == null) {
                answer(next);
                continue;
            }
            next.passes().poll();
            List<Scoring<?>> joined = joining(pass, budget - spent);
            spent += Math.max(1, joined.isEmpty() ? pass.tokens()
                    : pass.shared().tokensWith(joined.stream().map(s -> s.passes().peek().shared()).toList()));
            turn(next, pass);
            for (Scoring<?> other : joined) { // their rows went through that forward pass: theirs finds them scored
                scoring.remove(other);
                turn(other, other.passes().poll());
            }
        }
        return spent;
    }

    /** Runs {@code pass}, {@code job}'s next, and puts the job back in turn, answers it, or drops it if it failed. */
    private void turn(Scoring<?> job, ScoringPass pass) {
        if (!run(job.job(), pass)) {
            pass.release().run();
            release(job);
        } else if (job.passes().isEmpty()) {
            answer(job);
        } else {
            scoring.add(job);
        }
    }

    /**
     * The waiting jobs whose next pass shares {@code pass}'s forward pass: reward passes over the same model, in turn
     * order, while the rows together fit in {@code room} tokens (or the pass's own).
     */
    private List<Scoring<?>> joining(ScoringPass pass, int room) {
        if (pass.shared() == null) {
            return List.of();
        }
        List<Scoring<?>> joined = new ArrayList<>();
        List<SharedRows> rows = new ArrayList<>();
        for (Scoring<?> other : scoring) {
            ScoringPass theirs = other.passes().peek();
            if (theirs == null || theirs.shared() == null || other.job().abandoned()
                    || !pass.shared().canJoin(theirs.shared())) {
                continue;
            }
            rows.add(theirs.shared());
            if (pass.shared().fitsWith(rows, Math.max(room, pass.tokens()))) {
                joined.add(other);
            } else {
                rows.remove(rows.size() - 1);
            }
        }
        if (!rows.isEmpty()) {
            pass.shared().join(rows);
        }
        return joined;
    }

    /** Frees what the passes a job will not run hold (a long row's read in parts). */
    private static void release(Scoring<?> dropped) {
        dropped.passes().forEach(pass -> pass.release().run());
        dropped.passes().clear();
    }

    /** Runs one pass of {@code job}'s; a pass that throws fails that job alone. */
    private static boolean run(WorkerPool.Job<?> job, ScoringPass pass) {
        try {
            pass.run().run();
            return true;
        } catch (CancellationException e) {
            job.abandon(e);
        } catch (RuntimeException | Error e) {
            job.fail(e);
        }
        return false;
    }

    private static <T> void answer(Scoring<T> done) {
        done.job().complete(done.then());
    }

    /**
     * One chunk of the oldest waiting prompt, once the memory of the requests already decoding leaves room for
     * it (or nothing decodes). Returns the prompt tokens prefilled.
     */
    private int prefill(DecodeBatch batch) {
        Active<?> active = prefilling.peek();
        while (active != null && active.job().abandoned()) {
            prefilling.poll();
            active.phase().request().closePrefill();
            active.job().abandon(new CancellationException("request abandoned before its prefill"));
            active = prefilling.peek();
        }
        if (active == null) {
            return 0;
        }
        if (!memoryAllows(active.phase().request())) {
            pruneForRoom(active.phase().request());
            return 0; // the pruned rows leave at the next retire, and their memory with them
        }
        SamplingRequest request = active.phase().request();
        int tokens = Math.max(limits.maxTokens() - batch.rows(), 16);
        int before = request.prefilledTokens();
        try {
            if (batch.prefill(request, tokens)) {
                prefilling.poll();
                running.put(request, active);
                metrics.firstToken(active.job());
            }
        } catch (RuntimeException | Error e) {
            prefilling.poll();
            request.closePrefill();
            active.job().fail(e);
        }
        return request.prefilledTokens() - before;
    }

    /**
     * Decision points out of turn for the running requests that prune, oldest first, until {@code waiting} would fit:
     * pruning's own rule (the best fraction goes on) makes the room rather than the waiting request waiting.
     */
    private void pruneForRoom(SamplingRequest waiting) {
        for (SamplingRequest request : running.keySet().stream()
                .sorted(Comparator.comparingLong(r -> running.get(r).job().submittedNanos())).toList()) {
            if (memoryAllows(waiting)) {
                return;
            }
            request.pruneNow();
        }
    }

    /** The running requests' estimated peaks and this one's, together within its budget (each fits alone). */
    private boolean memoryAllows(SamplingRequest request) {
        if (running.isEmpty() || request.memoryBudget() <= 0) {
            return true;
        }
        long used = running.keySet().stream().mapToLong(SamplingRequest::memoryBytes).sum();
        return used + request.memoryBytes() <= request.memoryBudget();
    }
}
