package dev.rbon.sample;

import dev.rbon.model.CausalLM;
import dev.rbon.model.KvCache;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * One request's N continuations of one prompt, as rows of a {@link DecodeBatch}: its parameters, each row's own
 * generator and stop rule, what the rows have generated so far, and when its prefill and decoding ran.
 *
 * <p>Seeds: row r draws from its own generator, an L64X128MixRandom seeded with the r-th {@code nextLong()} of
 * the request's generator. Row r's tokens therefore depend only on the seed, r, the prompt and the parameters: not
 * on N, on when the other rows finish, nor on which other requests share the batch, up to the float rounding of a
 * batched matmul (see {@link DecodeBatch}).
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

        void append(long token, double tokenLogprob) {
            if (token < 0) { // e.g. no_repeat_ngram_size 1 has banned the whole vocabulary
                finish = SampledSequence.FinishReason.STOP;
                return;
            }
            logprob += tokenLogprob;
            ids[length++] = token;
            if (request.lm.isEos(token) || stops.append(ids, length)) {
                finish = SampledSequence.FinishReason.STOP;
            } else if (length - request.promptIds.length == request.params.maxNewTokens()) {
                finish = SampledSequence.FinishReason.LENGTH;
            }
        }
    }

    private final CausalLM lm;
    private final long[] promptIds;
    private final SamplingParams params;
    private final BooleanSupplier cancelled;
    final Row[] rows;
    private Throwable failure;
    private long memoryBytes;
    private long memoryBudget;

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

    public long memoryBytes() {
        return memoryBytes;
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

    /** Every row has finished (a stop, an end-of-sequence token or max_new_tokens). */
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

    /** The finished rows in candidate order, their texts decoded (once per row, here). */
    public List<SampledSequence> sequences() {
        List<SampledSequence> out = new ArrayList<>(rows.length);
        String promptText = lm.tokenizer().decode(promptIds, true);
        for (Row row : rows) {
            long[] generated = Arrays.copyOfRange(row.ids, promptIds.length, row.length);
            String text = continuation(row, promptText);
            int stopAt = StopStringMatcher.firstStop(text, params.stop());
            out.add(new SampledSequence(generated, stopAt >= 0 ? text.substring(0, stopAt) : text, row.finish,
                    row.logprob));
        }
        return out;
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
