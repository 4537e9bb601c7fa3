package dev.rbon.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.rbon.Shared;
import dev.rbon.model.CausalLM;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.SamplingRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler loop on its own thread over the real stories260K policy: arrival order, the row limit, short
 * requests passing long ones, abandoned requests leaving, and a failing task not taking the worker down.
 */
class SchedulerTest {

    private CausalLM stories;
    private final BlockingQueue<WorkerPool.Job<?>> queue = new ArrayBlockingQueue<>(64);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Counter abandoned = registry.counter("abandoned");
    private final List<String> events = new CopyOnWriteArrayList<>(); // "joined x", "done x", in order
    private Thread worker;
    private volatile boolean stopping;

    @BeforeEach
    void start() throws Exception {
        stories = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu());
    }

    private void run(int maxRows) {
        ModelSet models = new ModelSet(Device.cpu(), stories, null, List.of(), null, null, null,
                dev.rbon.model.CausalLMText.of(stories), null);
        Scheduler scheduler = new Scheduler(models, queue, new Scheduler.Limits(maxRows, 64),
                new SchedulerMetrics(registry, "test", "cpu"), () -> stopping);
        worker = new Thread(() -> {
            try {
                scheduler.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();
    }

    @AfterEach
    void stop() throws Exception {
        stopWorker();
        stories.close();
    }

    private void stopWorker() throws InterruptedException {
        stopping = true;
        if (worker != null) {
            worker.interrupt();
            worker.join();
        }
    }

    /** A request of n rows that samples exactly {@code tokens} tokens each (no end-of-sequence: greedy is not needed). */
    private CompletableFuture<Integer> submit(String name, int n, int tokens) {
        return submit(name, n, tokens, 1L, step -> { }, SamplingRequest::n);
    }

    private CompletableFuture<List<long[]>> submit(String name, int n, int tokens, long seed,
            java.util.function.IntConsumer everyStep) {
        return submit(name, n, tokens, seed, everyStep,
                sampled -> sampled.sequences().stream().map(SampledSequence::tokenIds).toList());
    }

    /**
     * A seeded request of n rows of up to {@code tokens} tokens; {@code everyStep} runs in its per-step check (as a
     * streaming request's progress does). The future holds what {@code answer} makes of the sampled request.
     */
    private <T> CompletableFuture<T> submit(String name, int n, int tokens, long seed,
            java.util.function.IntConsumer everyStep, java.util.function.Function<SamplingRequest, T> answer) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long[] prompt = stories.tokenizer().encode("Once upon a time", true);
        SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, tokens, List.of(), seed);
        int[] steps = {0};
        queue.add(new WorkerPool.Job<>((models, cancelled) -> {
            events.add("joined " + name);
            return Phase.sample(new SamplingRequest(stories, prompt, n, params,
                    RandomGeneratorFactory.of("L64X128MixRandom").create(seed), () -> {
                        everyStep.accept(++steps[0]);
                        return cancelled.getAsBoolean();
                    }), sampled -> {
                        events.add("done " + name);
                        return Phase.done(answer.apply(sampled));
                    });
        }, result, n, abandoned, new AtomicInteger()));
        return result;
    }

    @Test
    void aShortRequestSentDuringALongOneFinishesFirst() throws Exception {
        run(64);
        CompletableFuture<Integer> longOne = submit("long", 16, 400);
        while (!events.contains("joined long")) {
            Thread.onSpinWait();
        }
        CompletableFuture<Integer> shortOne = submit("short", 1, 4);
        assertEquals(1, shortOne.get());
        assertFalse(longOne.isDone(), "the short request waited for the long one");
        assertEquals(16, longOne.get());
        assertEquals(List.of("joined long", "joined short", "done short", "done long"), events);
    }

    @Test
    void requestsStartInArrivalOrderWithinTheRowLimit() throws Exception {
        run(8);
        CompletableFuture<Integer> first = submit("a", 8, 30);
        CompletableFuture<Integer> second = submit("b", 4, 5); // does not fit beside a: waits
        CompletableFuture<Integer> third = submit("c", 1, 5);  // would fit, but may not pass b
        CompletableFuture.allOf(first, second, third).get();
        assertEquals(List.of("joined a", "done a", "joined b", "joined c"), events.subList(0, 4));
    }

    @Test
    void anAbandonedRequestLeavesAndAFailingOneDoesNotStopTheWorker() throws Exception {
        run(64);
        CompletableFuture<Integer> gone = submit("gone", 4, 400);
        CompletableFuture<Integer> failing = new CompletableFuture<>();
        queue.add(new WorkerPool.Job<Integer>((models, cancelled) -> {
            throw new IllegalStateException("broken task");
        }, failing, 1, abandoned, new AtomicInteger()));
        while (!events.contains("joined gone")) {
            Thread.onSpinWait();
        }
        gone.cancel(false); // the caller disconnects
        ExecutionException failure = assertThrows(ExecutionException.class, failing::get);
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        assertEquals(2, submit("after", 2, 5).get());
        assertFalse(events.contains("done gone"));
        assertEquals(1.0, abandoned.count());
        assertTrue(gone.isCancelled());
        assertThrows(CancellationException.class, gone::join);
    }

    @Test
    void aRequestFailingMidBatchFailsAloneAndTheOthersGetWhatTheyGetAlone() throws Exception {
        run(64);
        List<long[]> alone = submit("alone", 16, 40, 42L, step -> { }).get();
        List<long[]> longAlone = submit("long alone", 3, 60, 7L, step -> { }).get();

        CompletableFuture<List<long[]>> canary = submit("canary", 16, 40, 42L, step -> { });
        CompletableFuture<List<long[]>> failing = submit("failing", 4, 60, 5L, step -> {
            if (step == 6) {
                throw new IllegalStateException("injected fault at step 6");
            }
        });
        CompletableFuture<List<long[]>> probe = submit("probe", 2, 1, 9L, step -> { }); // max_tokens 1
        CompletableFuture<List<long[]>> longer = submit("long", 3, 60, 7L, step -> { });

        ExecutionException failure = assertThrows(ExecutionException.class, failing::get);
        assertEquals("injected fault at step 6", failure.getCause().getMessage());
        assertEquals(List.of(1, 1), probe.get().stream().map(ids -> ids.length).toList());
        assertTokens(alone, canary.get());
        assertTokens(longAlone, longer.get());
        assertEquals(0.0, abandoned.count());
    }

    @Test
    void aShortRequestAnswersWhileALongOneIsStillScoredAndTheScoresAreUnchanged() throws Exception {
        long[] prompt = stories.tokenizer().encode("Once upon a time", true);
        List<long[]> responses = new java.util.ArrayList<>();
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 24; i++) {
            responses.add(random.longs(200, 3, stories.vocabSize()).toArray());
        }
        double[] expected = dev.rbon.score.ReferenceScorer.logprobs(stories, prompt, responses);
        double[] scored = new double[responses.size()];
        dev.rbon.score.TokenBudget.configure(256, 1L << 25); // one response per pass: 24 passes
        try {
            List<dev.rbon.score.ScoringPass> passes =
                    dev.rbon.score.ReferenceScorer.passes(stories, prompt, responses, scored);
            assertEquals(responses.size(), passes.size());
            run(64);
            CompletableFuture<double[]> longOne = new CompletableFuture<>();
            int[] ran = {0};
            queue.add(new WorkerPool.Job<>((models, cancelled) -> {
                events.add("joined long");
                return Phase.score(passes.stream().map(pass -> new dev.rbon.score.ScoringPass(pass.stage(),
                        pass.tokens(), () -> {
                            pass.run().run();
                            ran[0]++;
                        })).toList(), () -> {
                            events.add("done long");
                            return scored;
                        });
            }, longOne, 0, abandoned, new AtomicInteger()));
            while (!events.contains("joined long")) {
                Thread.onSpinWait();
            }
            assertEquals(1, submit("short", 1, 4).get());
            assertFalse(longOne.isDone(), "the short request waited for the long one's scoring");
            assertTrue(ran[0] < passes.size() / 2, "passes run before the short request answered: " + ran[0]);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, longOne.get(), 0.0);
            assertEquals(List.of("joined long", "joined short", "done short", "done long"), events);
            stopWorker();
            assertTrue(registry.find("rbon.batch.step.scoring.tokens").summary().count() > 0);
        } finally {
            dev.rbon.score.TokenBudget.configure(4096, 1L << 25);
        }
    }

    @Test
    void aRequestHeldBackByTheMemoryBudgetMakesARunningOnePruneOutOfTurn() throws Exception {
        run(64);
        long[] prompt = stories.tokenizer().encode("Once upon a time", true);
        SamplingParams params = new SamplingParams(1.0, 1.0, 0, 0.0, 0, 200, List.of(), 1L);
        SamplingRequest[] big = new SamplingRequest[1];
        CompletableFuture<List<SampledSequence>> pruned = new CompletableFuture<>();
        queue.add(new WorkerPool.Job<>((models, cancelled) -> {
            events.add("joined big");
            big[0] = new SamplingRequest(stories, prompt, 16, params, RandomGeneratorFactory.of("L64X128MixRandom")
                    .create(1), cancelled).withMemory(1000, 1500)
                    .withPruning(new dev.rbon.select.Prune(10_000, 0.5), 1, (rows, alive) -> alive.stream()
                            .mapToDouble(SampledSequence::logprob).toArray());
            return Phase.sample(big[0], sampled -> Phase.done(sampled.sequences()));
        }, pruned, 16, abandoned, new AtomicInteger()));
        while (!events.contains("joined big")) {
            Thread.onSpinWait();
        }
        CompletableFuture<Integer> held = new CompletableFuture<>();
        queue.add(new WorkerPool.Job<>((models, cancelled) -> Phase.sample(new SamplingRequest(stories, prompt, 2,
                new SamplingParams(1.0, 1.0, 0, 0.0, 0, 4, List.of(), 2L), RandomGeneratorFactory
                        .of("L64X128MixRandom").create(2), cancelled).withMemory(1000, 1500),
                sampled -> Phase.done(sampled.n())), held, 2, abandoned, new AtomicInteger()));
        assertEquals(2, held.get());
        long left = pruned.get().stream().filter(s -> s.finishReason() == SampledSequence.FinishReason.PRUNED)
                .count();
        assertEquals(8, left, "one decision out of turn halved the running rows, which made room");
        assertTrue(pruned.get().stream().filter(s -> s.finishReason() == SampledSequence.FinishReason.PRUNED)
                .allMatch(s -> s.tokenIds().length < 200));
    }

    @Test
    void twoRequestsRewardPassesOverTheSameModelShareOneForwardPass() throws Exception {
        try (dev.rbon.model.SequenceClassifier reward = dev.rbon.model.SequenceClassifier.load(
                dev.rbon.Shared.hfTiny("reward-llama"), Device.cpu())) {
            java.util.Random random = new java.util.Random(4);
            List<long[]> shortRows = List.of(random.longs(5, 3, 200).toArray(), random.longs(5, 3, 200).toArray());
            List<long[]> longRows = List.of(random.longs(9, 3, 200).toArray(), random.longs(9, 3, 200).toArray());
            double[] expectedShort = dev.rbon.score.RewardScorer.rewards(reward, shortRows);
            double[] expectedLong = dev.rbon.score.RewardScorer.rewards(reward, longRows);
            List<CompletableFuture<double[]>> answers = new java.util.ArrayList<>();
            for (List<long[]> rows : List.of(shortRows, longRows)) {
                CompletableFuture<double[]> answer = new CompletableFuture<>();
                double[] out = new double[rows.size()];
                queue.add(new WorkerPool.Job<>((models, cancelled) -> Phase.score(
                        dev.rbon.score.RewardScorer.passes(reward, rows, out), () -> out), answer, 0, abandoned,
                        new AtomicInteger()));
                answers.add(answer);
            }
            run(64); // both wait in the queue: the first iteration starts both, and their passes meet
            org.junit.jupiter.api.Assertions.assertArrayEquals(expectedShort, answers.get(0).get(), 1e-5);
            org.junit.jupiter.api.Assertions.assertArrayEquals(expectedLong, answers.get(1).get(), 1e-5);
            stopWorker(); // the iteration records its scoring tokens after it answered
            io.micrometer.core.instrument.DistributionSummary tokens =
                    registry.find("rbon.batch.step.scoring.tokens").summary();
            assertEquals(1, tokens.count(), "one step's scoring");
            assertEquals(4 * 9, tokens.totalAmount(), 0.0, "4 rows padded to 9 tokens: one forward pass, not 2 x 5 + 2 x 9");
        }
    }

    private static void assertTokens(List<long[]> expected, List<long[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int r = 0; r < expected.size(); r++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(r), actual.get(r), "row " + r);
        }
    }
}
