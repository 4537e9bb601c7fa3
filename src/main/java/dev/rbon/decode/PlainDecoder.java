package dev.rbon.decode;

import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.remote.CallContext;
import dev.rbon.sample.BatchSampler;
import dev.rbon.sample.ContinuationText;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import dev.rbon.sample.SamplingRequest;
import dev.rbon.score.TokenLogprobs;
import dev.rbon.worker.ModelSet;
import dev.rbon.worker.Phase;
import dev.rbon.worker.WorkerPool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * rbon as a plain engine, so that it can be another rbon's remote policy or reference: the n samples of each
 * prompt in sample order (no scoring, no selection), with the raw model's log-probs of the sampled tokens and,
 * when asked, of the prompt's own tokens (vLLM's {@code prompt_logprobs}). A prompt's samples are exactly those
 * {@link AlignedDecoder} draws for the same seeded request, so a front rbon sampling here sees the pool this
 * server would have scored.
 */
@ApplicationScoped
public class PlainDecoder {

    /** One prompt: its text (tokenized here with the model's special tokens) or its token ids. */
    public record Prompt(String text, long[] ids) {}

    /**
     * @param model the served model's id (the policy's, or a local reference's)
     * @param logprobs null: none; else the alternatives per sampled token (0: the sampled token's own)
     * @param promptLogprobs null: none; else the alternatives per prompt token
     */
    public record Ask(String model, List<Prompt> prompts, int n, SamplingParams sampling, Integer logprobs,
            Integer promptLogprobs) {}

    /**
     * One sample of one prompt; {@code tokens} (per sampled token) and {@code promptTokens} (per prompt token, the
     * first with a NaN log-prob: nothing precedes it) as asked, null otherwise.
     */
    public record Choice(int prompt, long[] promptIds, String promptText, SampledSequence sample, List<Token> tokens,
            List<Token> promptTokens) {}

    /** A token: its id, its text decoded alone (special tokens kept), its log-prob, the best alternatives. */
    public record Token(long id, String text, double logprob, List<Token> top) {}

    public record Result(String model, List<Choice> choices) {}

    private final WorkerPool pool;
    private final RbonConfig.Limits limits;

    public PlainDecoder(WorkerPool pool, RbonConfig config) {
        this.pool = pool;
        this.limits = config.limits();
    }

    /**
     * Choices prompt by prompt, each prompt's n in sample order; the future ends at the deadline. Each prompt is a
     * job of its own whose rows join the device's shared decoding batch (the other requests keep stepping while it
     * samples); cancelling the future, or one prompt failing, abandons them all.
     */
    public CompletableFuture<Result> complete(Ask ask, Duration timeout) {
        RequestDeadline deadline = RequestDeadline.of(timeout, limits.requestTimeout());
        if (greedyOne(ask)) { // a reference's request: one batched scoring pass over every prompt, nothing sampled
            return deadline.bound(pool.submit((models, cancelled) -> CallContext.during(deadline.nanos(), cancelled,
                    () -> scoredOnly(models, ask))));
        }
        List<CompletableFuture<Result>> parts = new ArrayList<>();
        for (int p = 0; p < ask.prompts().size(); p++) {
            int prompt = p;
            parts.add(pool.submitSampling(ask.n(), (models, cancelled) -> CallContext.during(deadline.nanos(),
                    cancelled, () -> start(models, ask, prompt, cancelled,
                            rest -> CallContext.during(deadline.nanos(), cancelled, rest)))));
        }
        return deadline.bound(combined(parts));
    }

    /** The prompts' choices in prompt order; the first failure fails the whole and abandons the other prompts. */
    private static CompletableFuture<Result> combined(List<CompletableFuture<Result>> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        CompletableFuture<Result> all = new CompletableFuture<>();
        parts.forEach(part -> part.whenComplete((r, e) -> {
            if (e != null) {
                all.completeExceptionally(e);
            }
        }));
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenRun(() -> all.complete(new Result(
                parts.get(0).join().model(), parts.stream().flatMap(part -> part.join().choices().stream()).toList())));
        all.whenComplete((r, e) -> parts.forEach(part -> part.cancel(false))); // no-op for the parts already done
        return all;
    }

    /**
     * One prompt's first part on its worker: its tokens, every limit, its prompt log-probs if asked, then its rows in
     * the device's batch (the policy's); a local reference's samples are drawn here, in a batch of their own.
     */
    private Phase<Result> start(ModelSet models, Ask ask, int p, BooleanSupplier cancelled,
            Function<Supplier<Result>, Result> later) {
        CausalLM lm = model(models, ask.model());
        Prompt prompt = ask.prompts().get(p);
        long[] ids = prompt.ids() != null ? prompt.ids() : lm.tokenizer().encode(prompt.text(), true);
        check(lm, ids, ask.sampling().maxNewTokens(), ask.prompts().size() == 1 ? "prompt" : "prompt[" + p + "]");
        String text = prompt.text() != null ? prompt.text() : lm.tokenizer().decode(ids, true);
        List<Token> promptTokens = ask.promptLogprobs() == null ? null
                : promptTokens(lm, List.of(ids), ask.promptLogprobs(), null).get(0);
        // the generator AlignedDecoder makes of the same seed: the same samples
        RandomGenerator rng = RequestRandom.of(ask.sampling().seed());
        if (lm != models.policy()) { // a local reference has no shared batch: its samples are drawn here
            List<SampledSequence> samples = BatchSampler.sample(lm, ids, ask.n(), ask.sampling(), rng, cancelled);
            return Phase.done(choices(lm, ask, p, ids, text, samples, promptTokens));
        }
        SamplingRequest rows = new SamplingRequest(lm, ids, ask.n(), ask.sampling(), rng, cancelled);
        return Phase.sample(rows, sampled -> Phase.done(later.apply(
                () -> choices(lm, ask, p, ids, text, sampled.sequences(), promptTokens))));
    }

    /** One prompt's samples as choices, with their tokens' log-probs when asked (a teacher-forced pass). */
    private static Result choices(CausalLM lm, Ask ask, int p, long[] ids, String text, List<SampledSequence> samples,
            List<Token> promptTokens) {
        List<List<Token>> tokens = ask.logprobs() == null ? null
                : TokenLogprobs.of(lm, ids, samples.stream().map(SampledSequence::tokenIds).toList(), ask.logprobs())
                        .stream().map(row -> tokens(lm, row)).toList();
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            choices.add(new Choice(p, ids, text, samples.get(i), tokens == null ? null : tokens.get(i), promptTokens));
        }
        return new Result(lm.name(), choices);
    }

    /** Every prompt's greedy next token, read off one batched prompt-scoring pass (see {@link #greedyOne}). */
    private Result scoredOnly(ModelSet models, Ask ask) {
        CausalLM lm = model(models, ask.model());
        List<long[]> prompts = new ArrayList<>();
        for (int p = 0; p < ask.prompts().size(); p++) {
            Prompt prompt = ask.prompts().get(p);
            long[] ids = prompt.ids() != null ? prompt.ids() : lm.tokenizer().encode(prompt.text(), true);
            check(lm, ids, ask.sampling().maxNewTokens(), ask.prompts().size() == 1 ? "prompt" : "prompt[" + p + "]");
            prompts.add(ids);
        }
        List<List<Token>> promptTokens = promptTokens(lm, prompts, ask.promptLogprobs(),
                ask.logprobs() == null ? Integer.valueOf(0) : ask.logprobs());
        List<Choice> choices = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            long[] ids = prompts.get(p);
            String text = ask.prompts().get(p).text() != null ? ask.prompts().get(p).text()
                    : lm.tokenizer().decode(ids, true);
            List<Token> scored = promptTokens.get(p);
            Token next = scored.remove(scored.size() - 1);
            choices.add(new Choice(p, ids, text, greedy(lm, ids, next), ask.logprobs() == null ? null
                    : List.of(next), scored));
        }
        return new Result(lm.name(), choices);
    }

    /**
     * A reference's request (prompt log-probs, one greedy token, one sample, no stop string or n-gram rule): its
     * token is the argmax after the prompt, so it is read off the batched prompt-scoring pass instead of a prefill
     * per prompt.
     */
    private static boolean greedyOne(Ask ask) {
        SamplingParams s = ask.sampling();
        return ask.promptLogprobs() != null && ask.n() == 1 && s.temperature() == 0 && s.maxNewTokens() == 1
                && s.stop().isEmpty() && s.noRepeatNgramSize() == 0;
    }

    /** The one greedy token as the sampler would return it: its text as it continues the prompt. */
    private static SampledSequence greedy(CausalLM lm, long[] promptIds, Token next) {
        String text = ContinuationText.of(lm.tokenizer(), promptIds, lm.tokenizer().decode(promptIds, true),
                new long[] {next.id()});
        return new SampledSequence(new long[] {next.id()}, text, lm.isEos(next.id())
                ? SampledSequence.FinishReason.STOP : SampledSequence.FinishReason.LENGTH, next.logprob(), Double.NaN);
    }

    /**
     * Each prompt's own tokens scored, the first with a NaN log-prob (nothing precedes it), with {@code top}
     * alternatives. Prompts that open with the same token (BOS, as a front's reference batch does) are
     * teacher-forced together in batched passes. {@code nextTop} non-null: one more position per prompt, the
     * greedy next token with {@code nextTop} alternatives, last in each list.
     */
    private static List<List<Token>> promptTokens(CausalLM lm, List<long[]> prompts, int top, Integer nextTop) {
        int asked = nextTop == null ? top : Math.max(1, Math.max(top, nextTop));
        Map<Long, List<Integer>> byFirst = new LinkedHashMap<>();
        for (int p = 0; p < prompts.size(); p++) {
            byFirst.computeIfAbsent(prompts.get(p)[0], first -> new ArrayList<>()).add(p);
        }
        List<List<Token>> out = new ArrayList<>(Collections.nCopies(prompts.size(), null));
        for (Map.Entry<Long, List<Integer>> group : byFirst.entrySet()) {
            long first = group.getKey();
            // with nextTop, any id after the prompt: only the alternatives at its position are read
            int extra = nextTop == null ? 0 : 1;
            List<List<TokenLogprobs.Token>> scored = TokenLogprobs.of(lm, new long[] {first}, group.getValue().stream()
                    .map(p -> Arrays.copyOfRange(prompts.get(p), 1, prompts.get(p).length + extra)).toList(), asked);
            for (int g = 0; g < group.getValue().size(); g++) {
                List<Token> tokens = new ArrayList<>(List.of(new Token(first, text(lm, first), Double.NaN, List.of())));
                List<Token> row = tokens(lm, scored.get(g));
                for (int t = 0; t < row.size() - extra; t++) {
                    tokens.add(trimmed(row.get(t), top));
                }
                if (nextTop != null) {
                    Token after = row.get(row.size() - 1);
                    Token best = after.top().get(0);
                    tokens.add(new Token(best.id(), best.text(), best.logprob(), after.top().subList(0, nextTop)));
                }
                out.set(group.getValue().get(g), tokens);
            }
        }
        return out;
    }

    private static List<Token> tokens(CausalLM lm, List<TokenLogprobs.Token> row) {
        return row.stream().map(t -> {
            List<Token> top = new ArrayList<>(t.topIds().length);
            for (int j = 0; j < t.topIds().length; j++) {
                top.add(new Token(t.topIds()[j], text(lm, t.topIds()[j]), t.topLogprobs()[j], List.of()));
            }
            return new Token(t.id(), text(lm, t.id()), t.logprob(), top);
        }).toList();
    }

    private static Token trimmed(Token t, int top) {
        return t.top().size() <= top ? t : new Token(t.id(), t.text(), t.logprob(), t.top().subList(0, top));
    }

    private static String text(CausalLM lm, long id) {
        return lm.tokenizer().decode(new long[] {id}, false);
    }

    /** The policy, or a local reference by its id: a front's remote reference may be this server's reference. */
    private static CausalLM model(ModelSet models, String model) {
        if (models.reference() != null && models.reference().name().equals(model)
                && !models.policyName().equals(model)) {
            return models.reference();
        }
        if (models.policy() == null) {
            throw new FieldException("model", "this server's policy is remote (" + models.policyName()
                    + "): send the completion to that engine");
        }
        return models.policy();
    }

    private void check(CausalLM lm, long[] ids, int maxNewTokens, String field) {
        PromptLimits.tokens(field, ids, lm.vocabSize());
        PromptLimits.fits(field, ids.length, limits.maxPromptTokens(), "max_tokens", maxNewTokens,
                lm.maxPositionEmbeddings(), "model");
    }
}
