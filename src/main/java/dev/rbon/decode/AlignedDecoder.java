package dev.rbon.decode;

import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLMText;
import dev.rbon.model.ChatTemplate;
import dev.rbon.model.InputTooLongException;
import dev.rbon.remote.CallContext;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingRequest;
import dev.rbon.score.Conversation;
import dev.rbon.score.ReferenceScorer;
import dev.rbon.score.SimilarityScorer;
import dev.rbon.select.Scores;
import dev.rbon.select.Selection;
import dev.rbon.select.Selector;
import dev.rbon.select.TopN;
import dev.rbon.worker.ModelSet;
import dev.rbon.worker.Phase;
import dev.rbon.worker.WorkerPool;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One request's path on a worker: sample N candidates (or take the client's), score them with the reward model,
 * the reference log-prob and the embeddings the method needs, and select.
 */
@ApplicationScoped
public class AlignedDecoder {

    private final WorkerPool pool;
    private final RbonConfig.Limits limits;
    private final DecodeMetrics metrics;
    private final Admission admission;

    public AlignedDecoder(WorkerPool pool, RbonConfig config, DecodeMetrics metrics) {
        this.pool = pool;
        this.limits = config.limits();
        this.metrics = metrics;
        this.admission = new Admission(limits.maxRequestMemory().map(MemorySize::asLongValue).orElse(null),
                () -> pool.loaded().size());
    }

    /**
     * Queues the request for a worker. The future fails with {@link java.util.concurrent.TimeoutException} past
     * {@code timeout} (capped by rbon.limits.request-timeout); completing or cancelling it early (a client that
     * disconnected) makes the worker abandon the request between decoding steps.
     */
    public CompletableFuture<Outcome> decode(Generation generation, Duration timeout) {
        return decode(generation, timeout, Progress.NONE);
    }

    /** As {@link #decode(Generation, Duration)}, reporting to {@code progress} from the worker's thread. */
    public CompletableFuture<Outcome> decode(Generation generation, Duration timeout, Progress progress) {
        long submitted = System.nanoTime();
        RequestDeadline deadline = RequestDeadline.of(timeout, limits.requestTimeout());
        CompletableFuture<Outcome> result = deadline.bound(pool.submitSampling(generation.supplied() ? 0 : generation.n(),
                (models, cancelled) -> CallContext.during(deadline.nanos(), cancelled,
                        () -> start(models, generation, submitted, steps(cancelled, progress), progress,
                                rest -> CallContext.during(deadline.nanos(), cancelled, rest)))));
        result.thenAccept(outcome -> metrics.decoded(generation.method().wireName(), outcome));
        return result;
    }

    /** The candidates of one request: sampled, or supplied by the client (/v1/select, /v1/rerank). */
    private record Pool(List<String> texts, List<long[]> ids, List<String> finishReasons, double[] recordedLogprobs) {

        static Pool sampled(List<SampledSequence> rows, boolean policyIsReference) {
            return new Pool(rows.stream().map(SampledSequence::text).toList(),
                    rows.stream().map(SampledSequence::tokenIds).toList(),
                    rows.stream().map(s -> s.finishReason().wireName()).toList(),
                    policyIsReference ? rows.stream().mapToDouble(SampledSequence::logprob).toArray() : null);
        }

        static Pool supplied(List<String> texts, CausalLMText policy, Prompt prompt, long[] promptIds) {
            return new Pool(texts, texts.stream().map(t -> policy.tokenizer()
                            .encodeContinuation(prompt.text(), promptIds, prompt.specialTokens(), t)).toList(),
                    Collections.nCopies(texts.size(), null), null);
        }
    }

    /** The sampler polls for cancellation once per decoding step: that poll is also the step clock. */
    private static BooleanSupplier steps(BooleanSupplier cancelled, Progress progress) {
        int[] step = {0};
        return () -> {
            progress.step(++step[0]);
            return cancelled.getAsBoolean();
        };
    }

    /**
     * The request's first part on its worker: the prompt, every limit, then either the client's candidates scored
     * at once (supplied candidates) or a sampling phase whose rows join the device's batch; {@code later} wraps the part that
     * runs once they are sampled (the request's deadline and cancellation again).
     */
    private Phase<Outcome> start(ModelSet models, Generation g, long submitted, BooleanSupplier cancelled,
            Progress progress, Function<Supplier<Outcome>, Outcome> later) {
        Stopwatch clock = new Stopwatch(submitted);
        clock.lap(); // queue
        CausalLMText policy = models.policyText();
        if (g.logprobs() != null && models.policy() == null) { // an engine's log-probs come summed, not per token
            throw new FieldException("logprobs", "not available with a remote policy (" + models.policyName()
                    + "); ask the engine itself for per-token log-probs");
        }
        Prompt prompt = prompt(policy, g);
        long[] promptIds = policy.tokenizer().encode(prompt.text(), prompt.specialTokens());
        checkPromptLength(policy, g, promptIds.length, g.supplied() ? 0 : g.sampling().maxNewTokens());
        RandomGenerator rng = RequestRandom.of(g.seed());
        Conversation conversation = g.messages() == null
                ? Conversation.of(g.prompt())
                : new Conversation(prompt.text(), chatMessages(g));
        Request request = new Request(models, g, prompt, conversation, promptIds, rng, clock, progress);
        if (g.supplied()) { // every model's limit and the memory budget, before any work
            Pool pool = Pool.supplied(g.suppliedCandidates(), policy, prompt, promptIds);
            List<long[]> rewardIds = tooLongIs422(g, () -> models.rewardIds(conversation, pool.texts()));
            admission.supplied(models, rewardIds, promptIds.length, pool.ids());
            progress.started(g.n(), 0); // only once admitted: a stream opens its 200 here
            return Phase.done(score(request, pool, rewardIds, 0, 0));
        }
        long memory = tooLongIs422(g, () -> admission.sampling(models, conversation, promptIds.length, g.n(),
                g.sampling().maxNewTokens()));
        progress.started(g.n(), g.sampling().maxNewTokens()); // only once admitted: a stream opens its 200 here
        if (models.remotePolicy() != null) { // the engine samples; this thread waits for its answer
            Pool pool = Pool.sampled(RemoteDecoding.sample(models.remotePolicy(), promptIds, g, rng),
                    models.policyIsReference());
            return Phase.done(score(request, pool, null, 0, 0));
        }
        SamplingRequest sampling = new SamplingRequest(models.policy(), promptIds, g.n(), g.sampling(), rng, cancelled)
                .withMemory(memory, admission.limit(models));
        return Phase.sample(sampling, sampled -> later.apply(() -> {
            Pool pool = Pool.sampled(sampled.sequences(), models.policyIsReference());
            return score(request, pool, null, sampled.prefillMs(), sampled.decodeMs());
        }));
    }

    /**
     * One request as its first half (prompt, admission, rows) hands it to its second (scores, selection, answer), on
     * its worker: the models, what was asked, the prompt as the policy reads it, the conversation as the scoring
     * models read it, the request's generator, its clock and its progress listener.
     */
    private record Request(ModelSet models, Generation generation, Prompt prompt, Conversation conversation,
            long[] promptIds, RandomGenerator rng, Stopwatch clock, Progress progress) {}

    /**
     * The rest of a request, on its worker once the candidates are there: score, select, answer. {@code rewardIds}
     * are the reward model's ids of the candidates when admission already encoded them, else null.
     */
    private Outcome score(Request request, Pool pool, List<long[]> rewardIds, double prefillMs, double decodeMs) {
        Generation g = request.generation();
        ModelSet models = request.models();
        Stopwatch clock = request.clock();
        double sampleMs = clock.lap();
        request.progress().sampled(g.n());

        double[] rewards = tooLongIs422(g, () -> models.rewards(request.conversation(), pool.texts(), rewardIds));
        double rewardMs = clock.lap();
        double[] refLogprobs = refLogprobs(request, pool);
        double referenceMs = clock.lap();
        double[][] similarity = g.supplied() || g.method().needsSimilarity()
                ? tooLongIs422(g, () -> SimilarityScorer.similarity(models.embedder(), pool.texts()))
                : null;
        double embedMs = clock.lap();
        request.progress().scored();

        int[] lengths = pool.ids().stream().mapToInt(t -> t.length).toArray();
        Selection selection = select(g, new Scores(rewards, refLogprobs, lengths, similarity), request.rng());
        // the 2nd to n-th draws of a stochastic method continue the request's stream
        int[] order = TopN.of(selection, g.returned(), request.rng());
        List<Outcome.Candidate> candidates = candidates(pool, rewards, refLogprobs, lengths, selection);
        List<ReturnedTokens.Answer> returned = g.logprobs() == null ? null : ReturnedTokens.of(models.policy(),
                request.promptIds(), Arrays.stream(order).mapToObj(candidates::get).toList(), g.logprobs());
        double selectMs = clock.lap();

        Outcome.Timings timings = new Outcome.Timings(clock.first(), sampleMs, prefillMs, decodeMs, 0, rewardMs,
                referenceMs, embedMs, selectMs, clock.total());
        return new Outcome(selection.chosen(), candidates, order, returned, request.promptIds().length,
                g.supplied() ? 0 : Arrays.stream(lengths).sum(), timings, names(models));
    }

    /**
     * l_i, where the method reads it (every score is computed for supplied candidates): the sum the sampler recorded
     * when the policy is the reference, else a teacher-forced pass of the reference, local or on its engine.
     */
    private static double[] refLogprobs(Request request, Pool pool) {
        Generation g = request.generation();
        ModelSet models = request.models();
        if (pool.recordedLogprobs() != null || !(g.supplied() || g.method().needsRefLogprobs())) {
            return pool.recordedLogprobs();
        }
        if (models.remoteReferenceOrPolicy() != null) {
            return tooLongIs422(g, () -> remoteLogprobs(models, g, request.prompt(), request.promptIds(), pool));
        }
        if (models.reference() == null) {
            return tooLongIs422(g, () -> ReferenceScorer.logprobs(models.policy(), request.promptIds(), pool.ids()));
        }
        return tooLongIs422(g, () -> {
            Prompt own = referencePrompt(models.referenceText(), g, request.prompt());
            return ReferenceScorer.logprobs(models.reference(), own.text(), own.specialTokens(), pool.texts());
        });
    }

    /**
     * The scoring models refuse texts longer than their context (the reward model, the reference, the embedder),
     * and their chat templates may refuse the conversation (raise_exception) or pass a bound: for the client that
     * is a request this deployment cannot take, not a server fault.
     */
    private static <T> T tooLongIs422(Generation g, Supplier<T> scoring) {
        try {
            return scoring.get();
        } catch (InputTooLongException e) {
            throw new FieldException(g.supplied() ? "candidates[" + e.row() + "]" : "max_new_tokens", e.getMessage());
        } catch (ChatTemplate.TemplateException e) {
            throw new FieldException(g.messages() != null ? "messages" : "prompt",
                    "a scoring model's chat template refused the conversation: " + e.getMessage());
        }
    }

    /** l_i from an engine: a separate remote reference reads the texts in its own convention, as a local one does. */
    private static double[] remoteLogprobs(ModelSet models, Generation g, Prompt prompt, long[] promptIds, Pool pool) {
        if (models.policyIsReference()) {
            return RemoteDecoding.logprobs(models.remoteReferenceOrPolicy(), models.policyText(), promptIds, pool.ids());
        }
        Prompt own = referencePrompt(models.referenceText(), g, prompt);
        return RemoteDecoding.logprobs(models.remoteReferenceOrPolicy(), models.referenceText(), own.text(),
                own.specialTokens(), pool.texts());
    }

    private static List<Outcome.Candidate> candidates(Pool pool, double[] rewards, double[] refLogprobs,
            int[] lengths, Selection selection) {
        List<Outcome.Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            candidates.add(new Outcome.Candidate(i, pool.texts().get(i), pool.ids().get(i), lengths[i],
                    pool.finishReasons().get(i), rewards[i], refLogprobs == null ? null : refLogprobs[i],
                    selection.meanSimilarity() == null ? null : selection.meanSimilarity()[i],
                    selection.objectives()[i],
                    selection.probabilities() == null ? null : selection.probabilities()[i], null));
        }
        return candidates;
    }

    /**
     * The prompt text: the client's, tokenized with the policy's special tokens, or a conversation rendered by the
     * policy's chat template, which carries its own (as transformers' apply_chat_template tokenizes it).
     */
    private record Prompt(String text, boolean specialTokens) {}

    private static Prompt prompt(CausalLMText policy, Generation g) {
        if (g.messages() == null) {
            return new Prompt(g.prompt(), true);
        }
        ChatTemplate template = policy.chatTemplate().orElseThrow(() -> new FieldException("messages",
                "the policy " + policy.name() + " has no chat template (chat_template.jinja or tokenizer_config.json's"
                        + " chat_template); send a prompt"));
        try {
            return new Prompt(template.render(chatMessages(g)), false);
        } catch (ChatTemplate.TemplateException e) {
            throw new FieldException("messages", e.getMessage());
        }
    }

    /**
     * The prompt a separate reference model conditions on: a conversation rendered with the reference's own chat
     * template when it has one (it was trained on that layout, not the policy's), else the policy's prompt text.
     */
    private static Prompt referencePrompt(CausalLMText reference, Generation g, Prompt policyPrompt) {
        if (g.messages() == null || reference.chatTemplate().isEmpty()) {
            return policyPrompt;
        }
        return new Prompt(reference.chatTemplate().get().render(chatMessages(g)), false);
    }

    private static List<ChatTemplate.Message> chatMessages(Generation g) {
        return g.messages().stream().map(m -> new ChatTemplate.Message(m.role(), m.content())).toList();
    }

    private static Selection select(Generation g, Scores scores, RandomGenerator rng) {
        try {
            return Selector.select(g.method(), g.beta(), g.rewardNormalization(), scores, rng);
        } catch (IllegalArgumentException e) {
            throw new FieldException("beta", e.getMessage());
        }
    }

    private void checkPromptLength(CausalLMText policy, Generation g, int promptTokens, int maxNewTokens) {
        PromptLimits.nonEmpty(g.messages() != null ? "messages" : "prompt", promptTokens);
        PromptLimits.fits("prompt", promptTokens, limits.maxPromptTokens(), "max_new_tokens", maxNewTokens,
                policy.maxPositionEmbeddings(), "policy");
    }

    private static Outcome.ModelNames names(ModelSet models) {
        return new Outcome.ModelNames(models.policyName(), models.rewardName(), models.referenceName(),
                models.embedder().name());
    }

    /** Milliseconds between laps. */
    private static final class Stopwatch {
        private final long start;
        private long last;
        private double first = -1;

        Stopwatch(long start) {
            this.start = start;
            this.last = start;
        }

        double lap() {
            long now = System.nanoTime();
            double ms = (now - last) / 1e6;
            last = now;
            if (first < 0) {
                first = ms;
            }
            return ms;
        }

        double first() {
            return first;
        }

        double total() {
            return (System.nanoTime() - start) / 1e6;
        }
    }
}
