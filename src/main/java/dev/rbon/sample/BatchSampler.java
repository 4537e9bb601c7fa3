package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.CausalLM;
import dev.rbon.model.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Samples N continuations of one prompt as one batch: the prompt is prefilled once and its KV cache copied to N
 * rows; then one forward step per token for the rows still running (finished rows leave the batch and stop
 * costing work). Each step's logits stay on the device: the processor chain, the softmax and the draw run there
 * as tensor ops over the batch ({@link LogitsProcessorList}, {@link TokenSampler}); only the chosen ids and their
 * log-probs come back.
 *
 * <p>Seeds: row r draws from its own generator, an L64X128MixRandom seeded with the r-th {@code nextLong()} of
 * the request's generator. A seeded request is therefore reproducible, and row r's tokens depend only on the seed,
 * r, the prompt and the parameters: not on N, nor on when the other rows finish.
 */
public final class BatchSampler {

    private static final String ROW_GENERATOR = "L64X128MixRandom";

    private BatchSampler() {}

    /** One row being decoded. */
    private static final class Row {
        final long[] ids; // prompt ++ generated
        final RandomGenerator rng;
        final StopStringMatcher stops;
        final int promptLength;
        int length;
        double logprob;
        SampledSequence.FinishReason finish;

        Row(long[] promptIds, int capacity, RandomGenerator rng, StopStringMatcher stops) {
            this.ids = Arrays.copyOf(promptIds, promptIds.length + capacity);
            this.promptLength = promptIds.length;
            this.length = promptIds.length;
            this.rng = rng;
            this.stops = stops;
        }
    }

    /** The running rows as the processors see them: one request, so one parameter set. */
    private record Running(Row[] rows, int[] active, SamplingParams params) implements SamplingBatch {
        @Override
        public int size() {
            return active.length;
        }

        @Override
        public SamplingParams params(int row) {
            return params;
        }

        @Override
        public long[] ids(int row) {
            return rows[active[row]].ids;
        }

        @Override
        public int length(int row) {
            return rows[active[row]].length;
        }
    }

    /**
     * @param rng the request's generator: it seeds the rows' generators (one {@code nextLong()} per row)
     * @param cancelled checked between decoding steps; when it answers true the request is abandoned with a
     *     {@link CancellationException}, so the worker is free for the next one
     */
    public static List<SampledSequence> sample(CausalLM lm, long[] promptIds, int n, SamplingParams params,
            RandomGenerator rng, BooleanSupplier cancelled) {
        Row[] rows = new Row[n];
        RandomGeneratorFactory<RandomGenerator> generators = RandomGeneratorFactory.of(ROW_GENERATOR);
        for (int r = 0; r < n; r++) {
            rows[r] = new Row(promptIds, params.maxNewTokens(), generators.create(rng.nextLong()),
                    new StopStringMatcher(lm.tokenizer(), params.stop(), promptIds.length));
        }
        try (NDManager request = lm.newRequestManager(); KvCache cache = lm.newCache(request)) {
            int[] active = range(n); // batch row -> candidate
            try (NDManager step = request.newSubManager()) {
                NDArray last = lm.lastLogits(step.create(new long[][] {promptIds}),
                        step.ones(new Shape(1, promptIds.length), DataType.INT64), cache); // (1, V)
                cache.expand(n);
                choose(lm, last.repeat(0, n), new Running(rows, active, params)); // (N, V)
            }
            while (true) {
                int[] running = stillRunning(rows, active); // batch rows still decoding
                if (running.length == 0) {
                    break;
                }
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("request abandoned between decoding steps");
                }
                if (running.length < active.length) {
                    cache.keepRows(request.create(Arrays.stream(running).asLongStream().toArray()));
                }
                int[] next = new int[running.length];
                for (int b = 0; b < running.length; b++) {
                    next[b] = active[running[b]];
                }
                active = next;
                decodeStep(lm, request, cache, new Running(rows, active, params));
            }
        }
        List<SampledSequence> out = new ArrayList<>(n);
        String promptText = lm.tokenizer().decode(promptIds, true);
        for (Row row : rows) {
            out.add(finish(lm, row, promptIds.length, promptText, params));
        }
        return out;
    }

    /** One forward step for the running rows: their last tokens against the cache, then their next tokens. */
    private static void decodeStep(CausalLM lm, NDManager request, KvCache cache, Running batch) {
        long[][] last = new long[batch.size()][1];
        for (int b = 0; b < batch.size(); b++) {
            last[b][0] = batch.ids(b)[batch.length(b) - 1];
        }
        long slots = cache.length() + 1;
        try (NDManager step = request.newSubManager()) {
            NDArray logits = lm.forward(step.create(last), step.ones(new Shape(batch.size(), slots), DataType.INT64),
                    cache); // (B, 1, V)
            choose(lm, logits.reshape(batch.size(), -1), batch); // (B, V)
        }
    }

    /** Processes the step's logits, draws each row's token on the device and appends it to its row. */
    private static void choose(CausalLM lm, NDArray logits, Running batch) { // (B, V)
        RandomGenerator[] rngs = new RandomGenerator[batch.size()];
        for (int b = 0; b < rngs.length; b++) {
            rngs[b] = batch.rows()[batch.active()[b]].rng;
        }
        TokenSampler.Choices choices;
        try (NDArray processed = LogitsProcessorList.of(batch).apply(batch, logits)) { // (B, V)
            choices = TokenSampler.choose(logits, processed, batch, rngs);
        }
        for (int b = 0; b < rngs.length; b++) {
            append(lm, batch.rows()[batch.active()[b]], choices.tokens()[b], choices.logprobs()[b], batch.params());
        }
    }

    private static void append(CausalLM lm, Row row, long token, double logprob, SamplingParams params) {
        if (token < 0) { // e.g. no_repeat_ngram_size 1 has banned the whole vocabulary
            row.finish = SampledSequence.FinishReason.STOP;
            return;
        }
        row.logprob += logprob;
        row.ids[row.length++] = token;
        if (lm.isEos(token) || row.stops.append(row.ids, row.length)) {
            row.finish = SampledSequence.FinishReason.STOP;
        } else if (row.length - row.promptLength == params.maxNewTokens()) {
            row.finish = SampledSequence.FinishReason.LENGTH;
        }
    }

    private static SampledSequence finish(CausalLM lm, Row row, int promptLength, String promptText,
            SamplingParams params) {
        long[] generated = Arrays.copyOfRange(row.ids, promptLength, row.length);
        String text = continuation(lm, row, promptLength, promptText);
        int stopAt = StopStringMatcher.firstStop(text, params.stop());
        return new SampledSequence(generated, stopAt >= 0 ? text.substring(0, stopAt) : text, row.finish, row.logprob);
    }

    /**
     * The generated text as it continues the prompt: decode(prompt ++ generated) minus decode(prompt). Decoding
     * the generated ids alone would drop the leading space SentencePiece tokenizers strip at the start of a text,
     * and split multi-byte characters at the seam. Decoded once per row, when the row is done.
     */
    private static String continuation(CausalLM lm, Row row, int promptLength, String promptText) {
        String whole = lm.tokenizer().decode(Arrays.copyOf(row.ids, row.length), true);
        return whole.startsWith(promptText)
                ? whole.substring(promptText.length())
                : lm.tokenizer().decode(Arrays.copyOfRange(row.ids, promptLength, row.length), true);
    }

    private static int[] stillRunning(Row[] rows, int[] active) {
        int[] running = new int[active.length];
        int count = 0;
        for (int b = 0; b < active.length; b++) {
            if (rows[active[b]].finish == null) {
                running[count++] = b;
            }
        }
        return Arrays.copyOf(running, count);
    }

    private static int[] range(int n) {
        int[] out = new int[n];
        Arrays.setAll(out, i -> i);
        return out;
    }
}
