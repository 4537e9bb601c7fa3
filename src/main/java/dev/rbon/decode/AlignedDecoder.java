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
import dev.rbon.score.ScoringPass;
import dev.rbon.score.SimilarityScorer;
import dev.rbon.select.BestOfPoisson;
import dev.rbon.select.ChoiceStats;
import dev.rbon.select.KlBudget;
import dev.rbon.select.Method;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

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
    public CompletableFuture<Outcome> decode(Generation asked, Duration timeout, Progress progress) {
        long submitted = System.nanoTime();
        RequestDeadline deadline = RequestDeadline.of(timeout, limits.requestTimeout());
        Generation generation = asked.method() == Method.BOP ? bestOfPoisson(asked) : asked;
        int cap = asked.n();
        CompletableFuture<Outcome> result = deadline.bound(pool.submitSampling(generation.supplied() ? 0 : generation.n(),
                (models, cancelled) -> CallContext.during(deadline.nanos(), cancelled,
                        () -> start(models, generation, cap, submitted, steps(cancelled, progress), progress,
                                new Within(deadline.nanos(), cancelled)))));
        result.thenAccept(outcome -> metrics.decoded(generation.method().wireName(), outcome));
        return result;
    }

    /**
     * bop decodes n' = 1 + Poisson(mu) candidates, capped by n: mu is beta, or solved from kl_budget. n' is drawn
     * from a generator of its own seeded by the request's seed, so that the rows' generators, and so the first n'
     * candidates, are those of the same seeded request under any other method. An OpenAI request for the best n > 1
     * decodes at least n.
     */
    private static Generation bestOfPoisson(Generation g) {
        double mu = g.klBudget() != null ? BestOfPoisson.muForKl(g.klBudget(), g.n()) : g.beta();
        int drawn = BestOfPoisson.draw(mu, g.n(), RequestRandom.poolSize(g.seed()));
        return g.bestOfPoisson(Math.max(drawn, g.returned()), mu);
    }

    /**
     * The candidates of one request: sampled, or supplied by the client (/v1/select, /v1/rerank). A sampled
     * candidate that pruning dropped keeps its partial text, and finish reason {@code pruned}. {@code selfCertainty}
     * is the sampler's (NaN for an engine's candidates); null for supplied ones.
     */
    private record Pool(List<String> texts, List<long[]> ids, List<String> finishReasons, double[] recordedLogprobs,
            double[] selfCertainty) {

        static Pool sampled(List<SampledSequence> rows, boolean policyIsReference) {
            return new Pool(rows.stream().map(SampledSequence::text).toList(),
                    rows.stream().map(SampledSequence::tokenIds).toList(),
                    rows.stream().map(s -> s.finishReason() == null ? null : s.finishReason().wireName()).toList(),
                    policyIsReference ? rows.stream().mapToDouble(SampledSequence::logprob).toArray() : null,
                    rows.stream().mapToDouble(SampledSequence::selfCertainty).toArray());
        }

        static Pool supplied(List<String> texts, CausalLMText policy, Prompt prompt, long[] promptIds) {
            return new Pool(texts, texts.stream().map(t -> policy.tokenizer()
                            .encodeContinuation(prompt.text(), promptIds, prompt.specialTokens(), t)).toList(),
                    Collections.nCopies(texts.size(), null), null, null);
        }

        int size() {
            return texts.size();
        }

        boolean pruned(int i) {
            return PRUNED.equals(finishReasons.get(i));
        }

        /** The candidates at {@code indices}, in that order. */
        Pool only(int[] indices) {
            List<Integer> picked = Arrays.stream(indices).boxed().toList();
            return new Pool(picked.stream().map(texts::get).toList(), picked.stream().map(ids::get).toList(),
                    picked.stream().map(finishReasons::get).toList(), pick(recordedLogprobs, indices),
                    pick(selfCertainty, indices));
        }

        /** The values at {@code indices}, in that order; null for null. */
        static double[] pick(double[] values, int[] indices) {
            return values == null ? null : Arrays.stream(indices).mapToDouble(i -> values[i]).toArray();
        }

        /**
         * Each candidate's self-certainty where the method reads it, else null. A raw logit of -inf (a token of
         * probability 0) makes KL(U ‖ p_t) infinite: no ranking, so a 422.
         */
        double[] selfCertaintyFor(Method method) {
            if (!method.needsSelfCertainty()) {
                return null;
            }
            if (Arrays.stream(selfCertainty).anyMatch(x -> !Double.isFinite(x))) {
                throw new FieldException("method", "self_certainty is infinite for a candidate: the policy gave some"
                        + " token probability 0, where KL(uniform || p) is unbounded");
            }
            return selfCertainty;
        }

        /** Candidate i's self-certainty for the answer: null where rbon's sampler did not see it, or infinite. */
        Double selfCertainty(int i) {
            return selfCertainty == null || !Double.isFinite(selfCertainty[i]) ? null : selfCertainty[i];
        }
    }

    private static final String PRUNED = SampledSequence.FinishReason.PRUNED.wireName();

    /** A part of a request on its worker, within the request's deadline and cancellation (remote calls read them). */
    private record Within(long deadlineNanos, BooleanSupplier cancelled) {
        <T> T run(Supplier<T> part) {
            return CallContext.during(deadlineNanos, cancelled, part);
        }

        ScoringPass wrap(ScoringPass pass) {
            return pass.around(run -> CallContext.around(deadlineNanos, cancelled, run));
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
    private Phase<Outcome> start(ModelSet models, Generation g, int cap, long submitted, BooleanSupplier cancelled,
            Progress progress, Within within) {
        Stopwatch clock = new Stopwatch(submitted);
        clock.lap(); // queue
        CausalLMText policy = models.policyText();
        if (g.logprobs() != null && models.policy() == null) { // an engine's log-probs come summed, not per token
            throw new FieldException("logprobs", "not available with a remote policy (" + models.policyName()
                    + "); ask the engine itself for per-token log-probs");
        }
        if (g.method().needsSelfCertainty() && (g.supplied() || models.remotePolicy() != null)) {
            throw new FieldException("method", "self_certainty reads the policy's next-token distributions while rbon"
                    + " samples: " + (g.supplied() ? "not on supplied candidates" : "not with a remote policy ("
                    + models.policyName() + ")"));
        }
        if (models.remotePolicy() != null && g.prune() != null) { // its rows are the engine's, not in this batch
            throw new FieldException("prune", "not available with a remote policy (" + models.policyName()
                    + "): pruning drops rows of the local decoding batch");
        }
        Prompt prompt = prompt(policy, g);
        long[] promptIds = policy.tokenizer().encode(prompt.text(), prompt.specialTokens());
        checkPromptLength(policy, g, promptIds.length, g.supplied() ? 0 : g.sampling().maxNewTokens());
        RandomGenerator rng = RequestRandom.of(g.seed());
        Conversation conversation = g.messages() == null
                ? Conversation.of(g.prompt())
                : new Conversation(prompt.text(), chatMessages(g));
        Request request = new Request(models, g, cap, prompt, conversation, promptIds, rng, clock, progress, within);
        if (g.supplied()) { // every model's limit and the memory budget, before any work
            Pool pool = Pool.supplied(g.suppliedCandidates(), policy, prompt, promptIds);
            List<List<long[]>> rewardIds = tooLongIs422(g, () -> models.rewardIds(conversation, pool.texts()));
            admission.supplied(models, rewardIds, promptIds.length, pool.ids());
            progress.started(g.n(), 0); // only once admitted: a stream opens its 200 here
            return score(request, pool, rewardIds, null, 0, 0);
        }
        long memory = tooLongIs422(g, () -> admission.sampling(models, conversation, promptIds.length, g.n(),
                g.sampling().maxNewTokens()));
        progress.started(g.n(), g.sampling().maxNewTokens()); // only once admitted: a stream opens its 200 here
        if (models.remotePolicy() != null) { // the engine samples; this thread waits for its answer
            Pool pool = Pool.sampled(RemoteDecoding.sample(models.remotePolicy(), promptIds, g, rng),
                    models.policyIsReference());
            return score(request, pool, null, null, 0, 0);
        }
        SamplingRequest sampling = new SamplingRequest(models.policy(), promptIds, g.n(), g.sampling(), rng, cancelled)
                .withMemory(memory, admission.limit(models));
        Partials partials = g.prune() == null ? null : new Partials(g.n());
        if (partials != null) {
            sampling.withPruning(g.prune(), g.returned(), (rows, alive) -> within.run(() -> rank(request, partials,
                    rows, alive))).withWinner(winner -> progress.winner(winner.text()));
        }
        return Phase.sample(sampling, sampled -> within.run(() -> {
            Pool pool = Pool.sampled(sampled.sequences(), models.policyIsReference());
            return score(request, pool, null, partials, sampled.prefillMs(), sampled.decodeMs());
        }));
    }

    /**
     * One request as its first half (prompt, admission, rows) hands it to its second (scores, selection, answer), on
     * its worker: the models, what was asked ({@code cap}: the n asked for, which bop's pool may be under), the prompt
     * as the policy reads it, the conversation as the scoring models read it, the request's generator, its clock and
     * its progress listener.
     */
    private record Request(ModelSet models, Generation generation, int cap, Prompt prompt, Conversation conversation,
            long[] promptIds, RandomGenerator rng, Stopwatch clock, Progress progress, Within within) {}

    /**
     * A pool's scores, filled in by its scoring passes: each reward member's rewards ({@code memberRewards[k][i]}),
     * l_i (null unless the method reads it or it came free) and the unit embeddings (null unless the method reads
     * the similarity). {@code rewards}, R_i, is null until {@link #aggregated} once the passes ran.
     */
    private record PoolScores(double[][] memberRewards, double[] rewards, double[] refLogprobs, float[][] embeddings) {

        double[][] similarity() {
            return embeddings == null ? null : SimilarityScorer.similarity(embeddings);
        }

        /** These scores with R_i, the request's aggregation of the members' rewards. */
        PoolScores aggregated(Generation g) {
            try {
                return new PoolScores(memberRewards, g.rewardAggregation().apply(memberRewards, g.rewardStdWeight()),
                        refLogprobs, embeddings);
            } catch (IllegalArgumentException e) {
                throw new FieldException(g.rewardAggregation().readsStdWeight() ? "reward_std_weight"
                        : "reward_aggregation", e.getMessage());
            }
        }

        /** Candidate i's rewards, one per member in configuration order. */
        double[] memberRewards(int i) {
            return Arrays.stream(memberRewards).mapToDouble(member -> member[i]).toArray();
        }
    }

    /** A candidate's scores at its last decision point: those of its partial text, and its objective. */
    private record Partial(double reward, double[] rewards, Double refLogprob, Double meanSimilarity,
            double objective) {}

    /** What pruning learnt of each candidate (by row), and the milliseconds its rankings took. */
    private static final class Partials {
        final Partial[] byRow;
        double ms;

        Partials(int n) {
            byRow = new Partial[n];
        }
    }

    /** The objective of each candidate alive at a decision point: the method over their partial (or whole) texts. */
    private double[] rank(Request request, Partials partials, int[] rows, List<SampledSequence> alive) {
        long start = System.nanoTime();
        Generation g = request.generation();
        Pool pool = Pool.sampled(alive, request.models().policyIsReference());
        List<ScoringPass> passes = new ArrayList<>();
        PoolScores scored = passes(request, pool, null, passes);
        ScoringPass.runAll(passes);
        PoolScores scores = scored.aggregated(g);
        int[] lengths = pool.ids().stream().mapToInt(t -> t.length).toArray();
        Scores read = new Scores(scores.rewards(), scores.refLogprobs(), lengths, scores.similarity(),
                pool.selfCertaintyFor(g.method()));
        // a stochastic rule's draw is not wanted here: a generator of its own keeps the request's stream untouched
        Selection ranked = select(g, beta(g, read), read, RequestRandom.of(0L));
        for (int i = 0; i < rows.length; i++) {
            partials.byRow[rows[i]] = new Partial(scores.rewards()[i], scores.memberRewards(i),
                    scores.refLogprobs() == null ? null : scores.refLogprobs()[i],
                    ranked.meanSimilarity() == null ? null : ranked.meanSimilarity()[i], ranked.objectives()[i]);
        }
        partials.ms += (System.nanoTime() - start) / 1e6;
        return ranked.objectives();
    }

    /**
     * The rest of a request, on its worker once the candidates are there: the scoring passes of the candidates that
     * finished (the scheduler runs them between decoding steps), then selection among them and the answer.
     * {@code rewardIds} are the reward model's ids of the candidates when admission already encoded them, else null;
     * {@code partials} what pruning scored, else null.
     */
    private Phase<Outcome> score(Request request, Pool pool, List<List<long[]>> rewardIds, Partials partials,
            double prefillMs, double decodeMs) {
        Generation g = request.generation();
        double sampleMs = request.clock().lap();
        request.progress().sampled(g.n());
        int[] finished = IntStream.range(0, pool.size()).filter(i -> !pool.pruned(i)).toArray();
        Pool scored = finished.length == pool.size() ? pool : pool.only(finished);
        Map<String, Double> stageMs = new HashMap<>();
        List<ScoringPass> passes = new ArrayList<>();
        PoolScores scores = passes(request, scored, rewardIds, passes);
        List<ScoringPass> timed = passes.stream().map(request.within()::wrap).map(pass -> pass.around(run -> () -> {
            long start = System.nanoTime();
            run.run();
            stageMs.merge(pass.stage(), (System.nanoTime() - start) / 1e6, Double::sum);
        })).toList();
        return Phase.score(timed, () -> request.within().run(() -> {
            request.clock().lap(); // the passes' turns, between decoding steps: their own time is in stageMs
            request.progress().scored();
            Selected selected = select(request, pool, finished, scores.aggregated(g), partials);
            Outcome.Timings timings = new Outcome.Timings(request.clock().first(), sampleMs, prefillMs, decodeMs,
                    partials == null ? 0 : partials.ms, stageMs.getOrDefault("reward", 0.0),
                    stageMs.getOrDefault("reference", 0.0), stageMs.getOrDefault("embed", 0.0),
                    request.clock().lap(), request.clock().total());
            return new Outcome(selected.chosen(), selected.candidates(), selected.order(), selected.returned(),
                    request.promptIds().length, g.supplied() ? 0 : selected.candidates().stream()
                    .mapToInt(Outcome.Candidate::tokens).sum(), timings, names(request.models()), selected.beta(),
                    selected.choice());
        }));
    }

    /**
     * The chosen candidate, every candidate, the best n in order and their tokens' log-probs if asked; the beta
     * used and what the choice says of reward hacking.
     */
    private record Selected(int chosen, List<Outcome.Candidate> candidates, int[] order,
            List<ReturnedTokens.Answer> returned, double beta, ChoiceStats choice) {}

    /** Selection among the finished candidates; every candidate reported (pruned ones as they left). */
    private Selected select(Request request, Pool pool, int[] finished, PoolScores scores, Partials partials) {
        Generation g = request.generation();
        int[] lengths = pool.ids().stream().mapToInt(t -> t.length).toArray();
        int[] finishedLengths = Arrays.stream(finished).map(i -> lengths[i]).toArray();
        Scores read = new Scores(scores.rewards(), scores.refLogprobs(), finishedLengths, scores.similarity(),
                Pool.pick(pool.selfCertaintyFor(g.method()), finished));
        double beta = beta(g, read);
        Selection selection = select(g, beta, read, request.rng());
        ChoiceStats choice = ChoiceStats.of(g.method(), beta, read, selection, request.cap());
        // the 2nd to n-th draws of a stochastic method continue the request's stream
        int[] order = Arrays.stream(TopN.of(selection, g.returned(), request.rng())).map(k -> finished[k]).toArray();
        List<Outcome.Candidate> candidates = candidates(pool, lengths, finished, scores, selection, partials);
        List<ReturnedTokens.Answer> returned = g.logprobs() == null ? null : ReturnedTokens.of(request.models()
                .policy(), request.promptIds(), Arrays.stream(order).mapToObj(candidates::get).toList(), g.logprobs());
        return new Selected(finished[selection.chosen()], candidates, order, returned, beta, choice);
    }

    /**
     * The scoring passes of {@code pool} (added to {@code passes}) and the scores they fill in: every reward member's
     * rewards always (R_i is their aggregate, once they ran), l_i where the method reads it (every score for supplied
     * candidates), the embeddings where it reads the similarity.
     */
    private static PoolScores passes(Request request, Pool pool, List<List<long[]>> rewardIds,
            List<ScoringPass> passes) {
        Generation g = request.generation();
        ModelSet models = request.models();
        double[][] rewards = new double[models.rewards().size()][pool.size()];
        passes.addAll(tooLongIs422(g, () -> models.rewardPasses(request.conversation(), pool.texts(), rewardIds,
                rewards)));
        double[] refLogprobs = refLogprobs(request, pool, passes);
        float[][] embeddings = g.supplied() || g.method().needsSimilarity() ? new float[pool.size()][] : null;
        if (embeddings != null) {
            passes.addAll(SimilarityScorer.passes(models.embedder(), pool.texts(), embeddings));
        }
        List<ScoringPass> guarded = passes.stream().map(pass -> pass.around(run -> () -> tooLongIs422(g, () -> {
            run.run();
            return null;
        }))).toList();
        passes.clear();
        passes.addAll(guarded);
        return new PoolScores(rewards, null, refLogprobs, embeddings);
    }

    /**
     * l_i, where the method reads it (every score is computed for supplied candidates): the sum the sampler recorded
     * when the policy is the reference, else the passes (added to {@code passes}) of a teacher-forced reference, local
     * or on its engine, that fill in the array returned; null when nothing reads it.
     */
    private static double[] refLogprobs(Request request, Pool pool, List<ScoringPass> passes) {
        Generation g = request.generation();
        ModelSet models = request.models();
        if (pool.recordedLogprobs() != null || !(g.supplied() || g.method().needsRefLogprobs())) {
            return pool.recordedLogprobs();
        }
        double[] out = new double[pool.size()];
        if (models.remoteReferenceOrPolicy() != null) {
            passes.add(new ScoringPass("reference", 0, () -> System.arraycopy(remoteLogprobs(models, g,
                    request.prompt(), request.promptIds(), pool), 0, out, 0, out.length)));
        } else if (models.reference() == null) {
            passes.addAll(tooLongIs422(g, () -> ReferenceScorer.passes(models.policy(), request.promptIds(),
                    pool.ids(), out)));
        } else {
            Prompt own = referencePrompt(models.referenceText(), g, request.prompt());
            passes.addAll(tooLongIs422(g, () -> ReferenceScorer.passes(models.reference(), own.text(),
                    own.specialTokens(), pool.texts(), out)));
        }
        return out;
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

    private static List<Outcome.Candidate> candidates(Pool pool, int[] lengths, int[] finished, PoolScores scores,
            Selection selection, Partials partials) {
        Outcome.Candidate[] candidates = new Outcome.Candidate[pool.size()];
        for (int k = 0; k < finished.length; k++) {
            int i = finished[k];
            candidates[i] = new Outcome.Candidate(i, pool.texts().get(i), pool.ids().get(i), lengths[i],
                    pool.finishReasons().get(i), scores.rewards()[k], scores.memberRewards(k),
                    scores.refLogprobs() == null ? null : scores.refLogprobs()[k],
                    selection.meanSimilarity() == null ? null : selection.meanSimilarity()[k],
                    selection.objectives()[k],
                    selection.probabilities() == null ? null : selection.probabilities()[k], null,
                    pool.selfCertainty(i));
        }
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] == null) { // pruned: the scores of its partial text when it left
                Partial left = partials.byRow[i];
                candidates[i] = new Outcome.Candidate(i, pool.texts().get(i), pool.ids().get(i), lengths[i], PRUNED,
                        left.reward(), left.rewards(), left.refLogprob(), left.meanSimilarity(), left.objective(),
                        null, lengths[i], pool.selfCertainty(i));
            }
        }
        return List.of(candidates);
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

    /** The method at {@code beta} ({@link #beta}: solved once per pool when a kl_budget sets it). */
    private static Selection select(Generation g, double beta, Scores scores, RandomGenerator rng) {
        try {
            return Selector.select(g.method(), beta, g.rewardNormalization(), scores, rng);
        } catch (IllegalArgumentException e) {
            throw new FieldException(g.klBudget() != null ? "kl_budget" : "beta", e.getMessage());
        }
    }

    /** The request's beta, or the one its kl_budget sets for this pool (bop's mu was set before sampling). */
    private static double beta(Generation g, Scores scores) {
        if (g.klBudget() == null || g.method() == Method.BOP) {
            return g.beta();
        }
        try {
            return KlBudget.solve(g.method(), g.klBudget(), g.rewardNormalization(), scores).beta();
        } catch (IllegalArgumentException e) {
            throw new FieldException("kl_budget", e.getMessage());
        }
    }

    private void checkPromptLength(CausalLMText policy, Generation g, int promptTokens, int maxNewTokens) {
        PromptLimits.nonEmpty(g.messages() != null ? "messages" : "prompt", promptTokens);
        PromptLimits.fits("prompt", promptTokens, limits.maxPromptTokens(), "max_new_tokens", maxNewTokens,
                policy.maxPositionEmbeddings(), "policy");
    }

    private static Outcome.ModelNames names(ModelSet models) {
        return new Outcome.ModelNames(models.policyName(), models.rewardName(), models.referenceName(),
                models.embedder().name(), models.rewardNames());
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
