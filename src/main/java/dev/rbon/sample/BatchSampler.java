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

/**
 * Samples N continuations of one prompt as one batch: the prompt is prefilled once and its KV cache copied to N
 * rows; then one forward step per token for the rows still running (finished rows leave the batch and stop
 * costing work). Each row's logits go through transformers' processor chain, then a float32 softmax and a draw
 * from the request's seeded generator (argmax when greedy).
 */
public final class BatchSampler {

    private BatchSampler() {}

    /** One row being decoded. */
    private static final class Row {
        final long[] ids;       // prompt ++ generated
        final String promptText; // decode(prompt), the same for every row: decoded once
        int length;
        double logprob;
        SampledSequence.FinishReason finish;

        Row(long[] promptIds, String promptText, int capacity) {
            this.ids = Arrays.copyOf(promptIds, promptIds.length + capacity);
            this.promptText = promptText;
            this.length = promptIds.length;
        }
    }

    /**
     * @param cancelled checked between decoding steps; when it answers true the request is abandoned with a
     *     {@link CancellationException}, so the worker is free for the next one
     */
    public static List<SampledSequence> sample(CausalLM lm, long[] promptIds, int n, SamplingParams params,
            RandomGenerator rng, BooleanSupplier cancelled) {
        LogitsProcessorList processors = LogitsProcessorList.of(params);
        Row[] rows = new Row[n];
        String promptText = lm.tokenizer().decode(promptIds, true);
        for (int r = 0; r < n; r++) {
            rows[r] = new Row(promptIds, promptText, params.maxNewTokens());
        }
        try (NDManager request = lm.newRequestManager(); KvCache cache = lm.newCache(request)) {
            float[][] logits = prefill(lm, request, cache, promptIds, n);  // (N, vocab)
            int[] active = range(n);                                        // batch row -> candidate
            while (true) {
                for (int b = 0; b < active.length; b++) {
                    step(lm, rows[active[b]], logits[b], processors, params, rng, promptIds.length);
                }
                int[] running = stillRunning(rows, active);                  // batch rows still decoding
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
                logits = decodeStep(lm, request, cache, rows, active);
            }
        }
        List<SampledSequence> out = new ArrayList<>(n);
        for (Row row : rows) {
            out.add(finish(lm, row, promptIds.length, params));
        }
        return out;
    }

    private static float[][] prefill(CausalLM lm, NDManager request, KvCache cache, long[] promptIds, int n) {
        float[] last;
        try (NDManager step = request.newSubManager()) {
            last = lm.lastLogits(step.create(new long[][] {promptIds}),
                    step.ones(new Shape(1, promptIds.length), DataType.INT64), cache).toFloatArray(); // (1, vocab)
        }
        cache.expand(n);
        float[][] rows = new float[n][];
        Arrays.fill(rows, last); // processors never modify their input, so the rows may share it
        return rows;
    }

    /** One forward step for the running rows: their last tokens against the cache. */
    private static float[][] decodeStep(CausalLM lm, NDManager request, KvCache cache, Row[] rows, int[] running) {
        long[][] last = new long[running.length][1];
        for (int b = 0; b < running.length; b++) {
            Row row = rows[running[b]];
            last[b][0] = row.ids[row.length - 1];
        }
        long slots = cache.length() + 1;
        try (NDManager step = request.newSubManager()) {
            NDArray logits = lm.forward(step.create(last), step.ones(new Shape(running.length, slots), DataType.INT64),
                    cache); // (B, 1, vocab)
            float[] flat = logits.toFloatArray();
            int vocab = (int) logits.getShape().get(2);
            float[][] out = new float[running.length][];
            for (int b = 0; b < running.length; b++) {
                out[b] = Arrays.copyOfRange(flat, b * vocab, (b + 1) * vocab);
            }
            return out;
        }
    }

    private static void step(CausalLM lm, Row row, float[] rawLogits, LogitsProcessorList processors,
            SamplingParams params, RandomGenerator rng, int promptLength) {
        int[] history = Arrays.stream(row.ids, 0, row.length).mapToInt(id -> (int) id).toArray();
        float[] scores = processors.apply(history, rawLogits);
        if (noTokenLeft(scores)) { // e.g. no_repeat_ngram_size 1 has banned the whole vocabulary
            row.finish = SampledSequence.FinishReason.STOP;
            return;
        }
        int token = params.greedy() ? TokenSampler.argmax(scores) : TokenSampler.sample(scores, rng);
        row.logprob += TokenSampler.logProb(rawLogits, token);
        row.ids[row.length++] = token;
        int generated = row.length - promptLength;
        if (lm.isEos(token) || stopStringAt(lm, row, promptLength, params) >= 0) {
            row.finish = SampledSequence.FinishReason.STOP;
        } else if (generated == params.maxNewTokens()) {
            row.finish = SampledSequence.FinishReason.LENGTH;
        }
    }

    private static boolean noTokenLeft(float[] scores) {
        for (float score : scores) {
            if (score != Float.NEGATIVE_INFINITY) {
                return false;
            }
        }
        return true;
    }

    /** Where the first stop string starts in the row's text, or -1. */
    private static int stopStringAt(CausalLM lm, Row row, int promptLength, SamplingParams params) {
        if (params.stop().isEmpty()) {
            return -1;
        }
        String text = continuation(lm, row, promptLength);
        int first = -1;
        for (String stop : params.stop()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    private static SampledSequence finish(CausalLM lm, Row row, int promptLength, SamplingParams params) {
        long[] generated = Arrays.copyOfRange(row.ids, promptLength, row.length);
        String text = continuation(lm, row, promptLength);
        int stopAt = stopStringAt(lm, row, promptLength, params);
        return new SampledSequence(generated, stopAt >= 0 ? text.substring(0, stopAt) : text, row.finish, row.logprob);
    }

    /**
     * The generated text as it continues the prompt: decode(prompt ++ generated) minus decode(prompt). Decoding
     * the generated ids alone would drop the leading space SentencePiece tokenizers strip at the start of a text,
     * and split multi-byte characters at the seam.
     */
    private static String continuation(CausalLM lm, Row row, int promptLength) {
        String whole = lm.tokenizer().decode(Arrays.copyOf(row.ids, row.length), true);
        return whole.startsWith(row.promptText)
                ? whole.substring(row.promptText.length())
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
