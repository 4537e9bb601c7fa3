package dev.rbon.sample;

import ai.djl.ndarray.NDManager;
import dev.rbon.model.CausalLM;
import dev.rbon.model.KvCache;
import dev.rbon.select.Prune;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One request's N continuations of one prompt, as rows of a {@link DecodeBatch}: its parameters, each row's own
 * generator and stop rule, what the rows have generated so far, and when its prefill and decoding ran.
 *
 * <p>Seeds: row r draws from its own generator, an L64X128MixRandom seeded with the r-th {@code nextLong()} of
 * the request's generator. Row r's tokens therefore depend only on the seed, r, the prompt and the parameters: not
 * on N, on when the other rows finish, nor on which other requests share the batch, up to the float rounding of a
 * batched matmul (see {@link DecodeBatch}). So pruning some rows ({@link #withPruning}) never changes the others.
 */
public final class SamplingRequest {

    private static final String ROW_GENERATOR = "L64X128MixRandom";

    /** One candidate being decoded. */
    static final class Row {
        final SamplingRequest request;
        final long[] ids; // prompt ++ generated
        final RandomGenerator rng;
        final StopStringMatcher stops;
        int length;
        double logprob;
        double selfCertaintySum; // over the generated tokens: their mean is the sequence's self-certainty
        SampledSequence.FinishReason finish;
        long padding; // empty slots before this row's first token in the batch's cache

        Row(SamplingRequest request, RandomGenerator rng) {
            this.request = request;
            this.ids = Arrays.copyOf(request.promptIds, request.promptIds.length + request.params.maxNewTokens());
            this.length = request.promptIds.length;
            this.rng = rng;
            this.stops = new StopStringMatcher(request.lm.tokenizer(), request.params.stop(), request.promptIds.length);
        }

        /** Finished, or its request failed: it takes no more tokens. */
        boolean done() {
            return finish != null || request.failure != null;
        }

        void append(long token, double tokenLogprob, double tokenSelfCertainty) {
            if (token < 0) { // e.g. no_repeat_ngram_size 1 has banned the whole vocabulary
                finish = SampledSequence.FinishReason.STOP;
                return;
            }
            logprob += tokenLogprob;
            selfCertaintySum += tokenSelfCertainty;
            ids[length++] = token;
            if (request.lm.isEos(token) || stops.append(ids, length)) {
                finish = SampledSequence.FinishReason.STOP;
            } else if (length - request.promptIds.length == request.params.maxNewTokens()) {
                finish = SampledSequence.FinishReason.LENGTH;
            }
        }
    }

    /** Ranks a request's candidates at a decision point of its pruning, by the method's objective. */
    @FunctionalInterface
    public interface Ranking {
        /**
         * @param rows the rows not pruned so far, in row order
         * @param alive their sequences: finished ones whole, running ones (finish reason null) as decoded so far,
         *     with the log-prob sum and the self-certainty (a running mean) of their tokens so far
         * @return the objective of each, in the same order
         */
        double[] objectives(int[] rows, List<SampledSequence> alive);
    }

    private final CausalLM lm;
    private final long[] promptIds;
    private final SamplingParams params;
    private final BooleanSupplier cancelled;
    final Row[] rows;
    private Throwable failure;
    private long memoryBytes;
    private long memoryBudget;
    private Prune prune;
    private int atLeast;
    private Ranking ranking;
    private Consumer<SampledSequence> winner = sequence -> { };
    private String promptText;

    // prefill: the prompt's own one-row cache, filled chunk by chunk before the rows join the batch
    NDManager prefillManager;
    KvCache prefillCache;
    int prefilled;
    long prefillNanos;
    long decodeStartNanos;
    long decodeEndNanos;

    /**
     * @param rng the request's generator: it seeds the rows' generators (one {@code nextLong()} per row)
     * @param cancelled polled once per decoding step: true abandons the request's rows at that step
     */
    public SamplingRequest(CausalLM lm, long[] promptIds, int n, SamplingParams params, RandomGenerator rng,
            BooleanSupplier cancelled) {
        this.lm = lm;
        this.promptIds = promptIds.clone();
        this.params = params;
        this.cancelled = cancelled;
        this.rows = new Row[n];
        RandomGeneratorFactory<RandomGenerator> generators = RandomGeneratorFactory.of(ROW_GENERATOR);
        for (int r = 0; r < n; r++) {
            rows[r] = new Row(this, generators.create(rng.nextLong()));
        }
    }

    /**
     * The request's estimated peak memory and the budget it was admitted under: a scheduler starts it only while
     * the requests already decoding leave that much of the budget.
     */
    public SamplingRequest withMemory(long bytes, long budget) {
        this.memoryBytes = bytes;
        this.memoryBudget = budget;
        return this;
    }

    /**
     * Prunes the rows at the decision points of {@code prune}: all but the best of the running rows by
     * {@code ranking} leave, keeping at least {@code atLeast} rows (finished or running) in the pool.
     */
    public SamplingRequest withPruning(Prune prune, int atLeast, Ranking ranking) {
        this.prune = prune;
        this.atLeast = atLeast;
        this.ranking = ranking;
        return this;
    }

    /**
     * Called after each step, once pruning has left one row running and none finished, with that row as decoded so
     * far: it is the answer whatever the method (the selection runs over the finished rows, and it will be the only
     * one), so its tokens can be streamed before it ends.
     */
    public SamplingRequest withWinner(Consumer<SampledSequence> winner) {
        this.winner = winner;
        return this;
    }

    /** The estimated peak memory of the rows still decoding or finished (a pruned row's share is freed). */
    public long memoryBytes() {
        long pruned = Arrays.stream(rows).filter(row -> row.finish == SampledSequence.FinishReason.PRUNED).count();
        return memoryBytes - memoryBytes * pruned / rows.length;
    }

    /** 0: none. */
    public long memoryBudget() {
        return memoryBudget;
    }

    /** Prompt tokens in the request's own cache so far. */
    public int prefilledTokens() {
        return prefilled;
    }

    public int n() {
        return rows.length;
    }

    public CausalLM lm() {
        return lm;
    }

    long[] promptIds() {
        return promptIds;
    }

    public SamplingParams params() {
        return params;
    }

    /** Its caller gave up; a check that throws fails this request (and only it). */
    boolean cancelled() {
        try {
            return cancelled.getAsBoolean();
        } catch (RuntimeException e) {
            fail(e);
            return true;
        }
    }

    /** What failed this request's decoding (its parameters, stop strings or cancellation check), else null. */
    public Throwable failure() {
        return failure;
    }

    void fail(Throwable e) {
        if (failure == null) {
            failure = e;
        }
    }

    /**
     * At a decision point (the running rows have generated a multiple of {@code every} tokens, and more than one
     * runs), ranks the rows not pruned so far and prunes the running ones that lose. The running rows of a request
     * always have the same count: they join the batch together and take one token per step.
     */
    void pruneIfDue() {
        decide(false);
    }

    /**
     * A decision point out of turn, when the device's memory budget would otherwise hold another request back: the
     * running rows are ranked and pruned now. Returns whether any row left (a ranking that throws fails this request,
     * whose rows all leave).
     */
    public boolean pruneNow() {
        try {
            return decide(true);
        } catch (RuntimeException e) {
            fail(e);
            return true;
        }
    }

    private boolean decide(boolean now) {
        if (prune == null || failure != null) {
            return false;
        }
        List<Integer> alive = new ArrayList<>();
        int running = 0;
        int generated = 0;
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].finish != SampledSequence.FinishReason.PRUNED) {
                alive.add(r);
            }
            if (rows[r].finish == null) {
                running++;
                generated = rows[r].length - promptIds.length;
            }
        }
        if (running < 2 || !(now || prune.decides(generated))) {
            return false;
        }
        String promptText = promptText();
        int[] aliveRows = alive.stream().mapToInt(Integer::intValue).toArray();
        List<SampledSequence> sequences = alive.stream().map(r -> sequence(rows[r], promptText)).toList();
        double[] objectives = ranking.objectives(aliveRows, sequences);
        boolean[] runningFlags = new boolean[aliveRows.length];
        for (int i = 0; i < aliveRows.length; i++) {
            runningFlags[i] = rows[aliveRows[i]].finish == null;
        }
        boolean[] on = prune.decodeOn(objectives, runningFlags, atLeast);
        boolean pruned = false;
        for (int i = 0; i < aliveRows.length; i++) {
            if (runningFlags[i] && !on[i]) {
                rows[aliveRows[i]].finish = SampledSequence.FinishReason.PRUNED;
                pruned = true;
            }
        }
        return pruned;
    }

    /** Reports the row that must win ({@link #withWinner}), if pruning has left one. */
    void reportWinner() {
        if (prune == null || failure != null) {
            return;
        }
        Row lone = null;
        for (Row row : rows) {
            if (row.finish != SampledSequence.FinishReason.PRUNED) {
                if (lone != null) {
                    return;
                }
                lone = row;
            }
        }
        if (lone != null && rows.length > 1) {
            winner.accept(sequence(lone, promptText()));
        }
    }

    /** Every row has finished (a stop, an end-of-sequence token or max_new_tokens) or was pruned. */
    public boolean finished() {
        for (Row row : rows) {
            if (row.finish == null) {
                return false;
            }
        }
        return true;
    }

    /** Wall time of the prompt's prefill chunks, in ms. */
    public double prefillMs() {
        return prefillNanos / 1e6;
    }

    /** Wall time from the rows' first token to the last row's last, in ms (other requests' work included). */
    public double decodeMs() {
        return Math.max(0, decodeEndNanos - decodeStartNanos) / 1e6;
    }

    /** The rows in candidate order (pruned ones as they were when they left), their texts decoded once, here. */
    public List<SampledSequence> sequences() {
        String promptText = promptText();
        return Arrays.stream(rows).map(row -> sequence(row, promptText)).toList();
    }

    /** The prompt's text, decoded once: every decision point and every step of a lone survivor read it. */
    private String promptText() {
        if (promptText == null) {
            promptText = lm.tokenizer().decode(promptIds, true);
        }
        return promptText;
    }

    private SampledSequence sequence(Row row, String promptText) {
        long[] generated = Arrays.copyOfRange(row.ids, promptIds.length, row.length);
        String text = continuation(row, promptText);
        int stopAt = StopStringMatcher.firstStop(text, params.stop());
        double selfCertainty = generated.length == 0 ? 0 : row.selfCertaintySum / generated.length;
        return new SampledSequence(generated, stopAt >= 0 ? text.substring(0, stopAt) : text, row.finish,
                row.logprob, selfCertainty);
    }

    /** The generated text as it continues the prompt ({@link ContinuationText#of}). */
    private String continuation(Row row, String promptText) {
        return ContinuationText.of(lm.tokenizer(), promptIds, promptText,
                Arrays.copyOfRange(row.ids, promptIds.length, row.length));
    }

    /** Frees the prompt's cache if the request leaves before its rows joined the batch. */
    public void closePrefill() {
        if (prefillManager != null) {
            prefillManager.close();
            prefillManager = null;
            prefillCache = null;
        }
    }
}
