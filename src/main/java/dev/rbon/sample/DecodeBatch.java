package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rbon.model.CausalLM;
import dev.rbon.model.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The running rows of every request on one model, decoded together: one forward step per token over all of them
 * (continuous batching, as TGI's batch concatenation). A request joins after its prompt is prefilled into a cache
 * of its own (in chunks, so a long prompt does not stall the running rows for long), copied to its N rows and
 * appended below the batch's; rows leave as they finish.
 *
 * <p>Rows of different lengths share one cache of S slots: each row is left-padded with empty slots, which its
 * attention mask marks as padding, so positions (counted over real tokens) and attention are what the row would see
 * alone. Slots no row needs any more are dropped when rows leave. Each step's logits stay on the device: the
 * processor chain (each row with its own request's parameters), the softmax and the draw run there as tensor ops
 * ({@link LogitsProcessorList}, {@link TokenSampler}); only the chosen ids, their log-probs and the rows'
 * self-certainties come back.
 *
 * <p>What one request brings stays its own: when its parameters, its stop strings or its cancellation check throw,
 * that request is marked failed and its rows leave at the next {@link #retire()}, while every other row gets the
 * token it would get alone (a batched choice that throws is retried request by request, with the same draws). Only
 * a forward pass that fails is the whole batch's failure.
 *
 * <p>One thread drives a batch; its cache lives in the batch's manager, each step's temporaries in a step manager.
 */
public final class DecodeBatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DecodeBatch.class);

    private final CausalLM lm;
    private final NDManager manager;
    private final KvCache cache;
    private final Function<SamplingBatch, LogitsProcessor> chain; // the step's processors for its rows
    private final List<SamplingRequest.Row> rows = new ArrayList<>(); // batch order: axis 0 of the cache

    public DecodeBatch(CausalLM lm) {
        this(lm, batch -> LogitsProcessorList.of(batch, lm.dtype()));
    }

    /** With another processor chain: tests inject a processor that fails for one request's rows. */
    DecodeBatch(CausalLM lm, Function<SamplingBatch, LogitsProcessor> chain) {
        this.lm = lm;
        this.manager = lm.newRequestManager();
        this.cache = lm.newCache(manager);
        this.chain = chain;
    }

    private DecodeBatch() {
        this.lm = null;
        this.manager = null;
        this.cache = null;
        this.chain = null;
    }

    /** A batch that never holds a row: a worker whose policy samples on a remote engine. */
    public static DecodeBatch none() {
        return new DecodeBatch();
    }

    /** Rows decoding now. */
    public int rows() {
        return rows.size();
    }

    /** Slots of the shared cache: the longest row's, plus the padding of the others. */
    public long slots() {
        return cache.length();
    }

    /** The requests with rows in the batch, in the order they joined. */
    public Set<SamplingRequest> requests() {
        Set<SamplingRequest> requests = new LinkedHashSet<>();
        rows.forEach(row -> requests.add(row.request));
        return requests;
    }

    /**
     * Prefills at most {@code maxTokens} more of {@code request}'s prompt into its own cache. When the prompt is
     * done, the rows draw their first tokens from its last logits and join the batch: the method returns true.
     */
    public boolean prefill(SamplingRequest request, int maxTokens) {
        long start = System.nanoTime();
        long[] prompt = request.promptIds();
        if (request.prefillManager == null) {
            request.prefillManager = lm.newRequestManager();
            request.prefillCache = lm.newCache(request.prefillManager);
        }
        int end = Math.min(prompt.length, request.prefilled + Math.max(1, maxTokens));
        boolean last = end == prompt.length;
        try (NDManager step = request.prefillManager.newSubManager()) {
            NDArray chunk = step.create(new long[][] {Arrays.copyOfRange(prompt, request.prefilled, end)});
            NDArray mask = step.ones(new Shape(1, end), DataType.INT64);
            if (!last) {
                lm.hiddenStates(chunk, mask, request.prefillCache);
                request.prefilled = end;
                request.prefillNanos += System.nanoTime() - start;
                return false;
            }
            NDArray logits = lm.lastLogits(chunk, mask, request.prefillCache); // (1, V)
            request.prefilled = end;
            request.prefillCache.expand(request.n());
            List<SamplingRequest.Row> joining = Arrays.asList(request.rows);
            choose(logits.repeat(0, request.n()), joining); // (N, V)
        }
        prune(request);
        long slots = Math.max(cache.length(), prompt.length);
        for (SamplingRequest.Row row : rows) {
            row.padding += slots - cache.length();
        }
        for (SamplingRequest.Row row : request.rows) {
            row.padding = slots - prompt.length;
        }
        cache.appendRows(request.prefillCache);
        request.prefillManager.close();
        request.prefillManager = null;
        request.prefillCache = null;
        rows.addAll(Arrays.asList(request.rows));
        long now = System.nanoTime();
        request.prefillNanos += now - start;
        request.decodeStartNanos = now;
        return true;
    }

    /**
     * Retires rows that are done (finished, or their request failed or was abandoned) and drops the cache's slots
     * that only padding fills. Returns the requests that left the batch: finished ones, failed ones (their
     * {@link SamplingRequest#failure()} says why) and abandoned ones (their {@code cancelled} answered true at this
     * step).
     */
    public List<SamplingRequest> retire() {
        List<SamplingRequest> left = new ArrayList<>();
        for (SamplingRequest request : requests()) {
            if (request.failure() == null && request.finished()) {
                request.decodeEndNanos = System.nanoTime();
                left.add(request);
            } else if (request.failure() != null || request.cancelled()) { // cancelled() may fail the request
                left.add(request);
            }
        }
        List<Integer> keep = new ArrayList<>();
        for (int b = 0; b < rows.size(); b++) {
            SamplingRequest.Row row = rows.get(b);
            if (row.finish == null && !left.contains(row.request)) {
                keep.add(b);
            }
        }
        if (keep.size() < rows.size()) {
            List<SamplingRequest.Row> kept = keep.stream().map(rows::get).toList();
            rows.clear();
            rows.addAll(kept);
            try (NDManager step = manager.newSubManager()) {
                cache.keepRows(step.create(keep.stream().mapToLong(Integer::longValue).toArray()));
            }
            long unused = rows.stream().mapToLong(row -> row.padding).min().orElse(0);
            cache.dropLeadingSlots(unused);
            rows.forEach(row -> row.padding -= unused);
        }
        return left;
    }

    /**
     * One forward step for every running row: its last token against the cache, then its next token. Rows that are
     * already done (a request that finished or failed at its first token, in {@link #prefill}) ride along in the
     * forward pass until the next {@link #retire()}, and take no token.
     */
    public void step() {
        int batch = rows.size();
        if (rows.stream().allMatch(SamplingRequest.Row::done)) {
            return;
        }
        long slots = cache.length() + 1;
        long[][] last = new long[batch][1];
        long[] mask = new long[batch * (int) slots];
        for (int b = 0; b < batch; b++) {
            SamplingRequest.Row row = rows.get(b);
            last[b][0] = row.ids[row.length - 1];
            Arrays.fill(mask, b * (int) slots + (int) row.padding, (b + 1) * (int) slots, 1L);
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray logits = lm.forward(step.create(last), step.create(mask, new Shape(batch, slots)), cache);
            choose(logits.reshape(batch, -1), rows); // (B, V)
        }
        requests().forEach(DecodeBatch::prune);
    }

    /**
     * A request at a decision point of its pruning loses its worst rows (they leave at the next retire); one whose
     * pruning has left a single row reports it as the winner.
     */
    private static void prune(SamplingRequest request) {
        try {
            request.pruneIfDue();
            request.reportWinner();
        } catch (RuntimeException e) { // its ranking (its scoring models, its parameters): this request's own
            fail(request, e);
        }
    }

    /**
     * Processes the step's logits, draws each running row's token on the device and appends it to its row. Each
     * sampled row draws its one uniform first, so that a choice retried request by request draws the same.
     */
    private void choose(NDArray logits, List<SamplingRequest.Row> batch) { // (B, V)
        List<Integer> running = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            if (!batch.get(b).done()) {
                running.add(b);
            }
        }
        double[] uniforms = new double[batch.size()];
        for (int b : running) {
            SamplingRequest.Row row = batch.get(b);
            uniforms[b] = row.request.params().greedy() ? 0 : row.rng.nextDouble();
        }
        try {
            choose(logits, batch, running, uniforms);
        } catch (RuntimeException e) { // some request's parameters or history: find whose, and fail only that one
            Map<SamplingRequest, List<Integer>> byRequest = new LinkedHashMap<>();
            running.forEach(b -> byRequest.computeIfAbsent(batch.get(b).request, r -> new ArrayList<>()).add(b));
            for (Map.Entry<SamplingRequest, List<Integer>> own : byRequest.entrySet()) {
                try {
                    choose(logits, batch, own.getValue(), uniforms);
                } catch (RuntimeException failure) {
                    fail(own.getKey(), failure);
                }
            }
        }
    }

    /**
     * Bytes of one (rows, V) float64 array the rows chosen together may fill: the chain's and the draw's
     * temporaries, float64 and int64 the largest, then stay under glibc's largest mmap threshold (32 MiB) and reuse
     * arena memory instead of a fresh mapping faulted in page by page at every step (docs/operations.md, "Native
     * memory allocator"). Tests set it small to force blocks of a few rows.
     */
    static volatile long choiceBytes = 24L << 20;

    /** Chooses the tokens of rows {@code which} of {@code batch} and appends each to its row. */
    private void choose(NDArray logits, List<SamplingRequest.Row> batch, List<Integer> which, double[] uniforms) {
        int block = (int) Math.max(1, choiceBytes / (Double.BYTES * logits.getShape().get(1)));
        List<TokenSampler.Choices> blocks = new ArrayList<>();
        for (int from = 0; from < which.size(); from += block) { // each row's choice is its own: blocks change none
            blocks.add(chooseBlock(logits, batch, which.subList(from, Math.min(which.size(), from + block)),
                    uniforms));
        }
        int r = 0; // appended only once every block has chosen, so a failure retried per request appends once
        for (TokenSampler.Choices choices : blocks) {
            for (int i = 0; i < choices.tokens().length; i++, r++) {
                SamplingRequest.Row row = batch.get(which.get(r));
                try {
                    row.append(choices.tokens()[i], choices.logprobs()[i], choices.selfCertainties()[i]);
                } catch (RuntimeException e) { // its stop strings: this request's own
                    fail(row.request, e);
                }
            }
        }
    }

    /** The tokens of rows {@code which} of {@code batch}, processed and drawn on the device. */
    private TokenSampler.Choices chooseBlock(NDArray logits, List<SamplingRequest.Row> batch, List<Integer> which,
            double[] uniforms) {
        List<SamplingRequest.Row> chosen = which.stream().map(batch::get).toList();
        double[] draws = which.stream().mapToDouble(b -> uniforms[b]).toArray();
        try (NDManager scope = logits.getManager().newSubManager()) {
            NDArray own; // (B', V)
            int first = which.get(0);
            if (which.size() == batch.size()) {
                own = logits;
            } else if (which.get(which.size() - 1) - first == which.size() - 1) { // a run of rows: a view
                own = logits.get(first + ":" + (first + which.size()));
                own.attach(scope);
            } else {
                own = logits.get(scope.create(which.stream().mapToLong(Integer::longValue).toArray()));
            }
            SamplingBatch view = new Running(chosen);
            try (NDArray processed = chain.apply(view).apply(view, own)) { // (B', V)
                return TokenSampler.choose(own, processed, view, draws);
            }
        }
    }

    private static void fail(SamplingRequest request, RuntimeException e) {
        if (request.failure() == null) {
            LOG.warnf(e, "a request's decoding step failed; it leaves the batch, the others go on");
            request.fail(e);
        }
    }

    /** The rows as the processors see them: each row with its own request's parameters. */
    private record Running(List<SamplingRequest.Row> rows) implements SamplingBatch {
        @Override
        public int size() {
            return rows.size();
        }

        @Override
        public SamplingParams params(int row) {
            return rows.get(row).request.params();
        }

        @Override
        public long[] ids(int row) {
            return rows.get(row).ids;
        }

        @Override
        public int length(int row) {
            return rows.get(row).length;
        }
    }

    /** Arrays the batch holds between steps: its cache's, 2 per layer while rows run; more would be a leak. */
    int heldArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
