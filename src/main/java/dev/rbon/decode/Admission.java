package dev.rbon.decode;

import com.sun.management.OperatingSystemMXBean;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.worker.ModelSet;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * What a request must pass before any sampling or scoring: every model's context (reward, reference) and the
 * memory budget ({@link MemoryBudget}, rbon.limits.max-request-memory). Over either, a {@link FieldException}
 * (422) naming the field the client can change, so the worker never starts what it cannot finish.
 */
final class Admission {

    private final Map<Path, MemoryBudget.ModelShape> shapes = new ConcurrentHashMap<>();
    private final Long configuredLimit;
    private final IntSupplier workers;
    private volatile long limit = -1;

    /**
     * @param configuredLimit rbon.limits.max-request-memory in bytes, or null for the default
     * @param workers how many workers hold a copy of the models (each runs one request at a time)
     */
    Admission(Long configuredLimit, IntSupplier workers) {
        this.configuredLimit = configuredLimit;
        this.workers = workers;
    }

    /**
     * /v1/generate: candidates of at most max_new_tokens, not yet sampled. Returns the request's estimated peak,
     * which the device's batch counts against the same limit with the other requests decoding there.
     */
    long sampling(ModelSet models, String prompt, int promptTokens, int n, int maxNewTokens) {
        SequenceClassifier reward = models.reward(); // null when remote: the engine enforces its own context
        int rewardPrompt = reward == null ? 0 : reward.tokenizer().encode(prompt, true).length;
        if (reward != null && rewardPrompt + maxNewTokens > reward.maxPositionEmbeddings()) {
            throw new FieldException("max_new_tokens", "prompt (" + rewardPrompt + " tokens of the reward model) + "
                    + "max_new_tokens (" + maxNewTokens + ") exceeds the reward model " + reward.name()
                    + "'s context of " + reward.maxPositionEmbeddings() + "; rbon does not truncate");
        }
        CausalLM reference = models.reference();
        if (reference != null) {
            int referencePrompt = reference.tokenizer().encode(prompt, true).length;
            if (referencePrompt + maxNewTokens > reference.maxPositionEmbeddings()) {
                throw new FieldException("max_new_tokens", "prompt + max_new_tokens (" + (referencePrompt + maxNewTokens)
                        + " tokens) exceeds the reference model " + reference.name() + "'s context of "
                        + reference.maxPositionEmbeddings() + "; rbon does not truncate");
            }
        }
        // a remote policy samples on its engine: only the scoring here needs memory
        long sampling = models.policy() == null ? 0
                : MemoryBudget.sampling(shape(models.policy().info().path()), n, promptTokens, maxNewTokens);
        long need = Math.max(sampling, scoring(models, n, promptTokens, maxNewTokens));
        check(models, need, n > 1 ? "n" : "max_new_tokens",
                "n=" + n + " x (prompt " + promptTokens + " + max_new_tokens " + maxNewTokens + ") tokens");
        return need;
    }

    /** /v1/rerank: the client's candidates, tokenized by the policy. */
    void rerank(ModelSet models, String prompt, int promptTokens, List<String> candidates, List<long[]> ids) {
        SequenceClassifier reward = models.reward(); // null when remote: the engine enforces its own context
        for (int i = 0; reward != null && i < candidates.size(); i++) {
            int tokens = reward.tokenizer().encode(prompt + candidates.get(i), true).length;
            if (tokens > reward.maxPositionEmbeddings()) {
                throw new FieldException("candidates[" + i + "]", "prompt + candidate " + i + " is " + tokens
                        + " tokens; the reward model " + reward.name() + " takes at most "
                        + reward.maxPositionEmbeddings() + " and rbon does not truncate");
            }
        }
        int longest = ids.stream().mapToInt(t -> t.length).max().orElse(0);
        check(models, scoring(models, ids.size(), promptTokens, longest), "candidates",
                ids.size() + " candidates of up to " + longest + " tokens after a prompt of " + promptTokens);
    }

    private long scoring(ModelSet models, int n, int promptTokens, int responseTokens) {
        CausalLM reference = models.referenceOrPolicy(); // null when l_i comes from an engine
        long reward = models.reward() == null ? 0
                : MemoryBudget.encoder(shape(models.reward().info().path()), n, promptTokens + responseTokens);
        long logprobs = reference == null ? 0
                : MemoryBudget.reference(shape(reference.info().path()), n, promptTokens, responseTokens);
        return Math.max(reward, logprobs);
    }

    private void check(ModelSet models, long need, String field, String shape) {
        long budget = limit(models);
        if (need > budget) {
            throw new FieldException(field, "this request needs an estimated " + MemoryBudget.human(need) + " (" + shape
                    + "), over rbon.limits.max-request-memory of " + MemoryBudget.human(budget)
                    + "; send fewer or shorter candidates");
        }
    }

    /** rbon.limits.max-request-memory, or its default for these models. */
    long limit(ModelSet models) {
        if (limit < 0) {
            long weights = 4L * ((models.policy() == null ? 0 : models.policy().info().parameters())
                    + (models.reward() == null ? 0 : models.reward().info().parameters())
                    + (models.reference() == null ? 0 : models.reference().info().parameters()));
            long physical = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
            limit = configuredLimit != null ? configuredLimit
                    : MemoryBudget.defaultLimit(physical, Runtime.getRuntime().maxMemory(), weights,
                            Math.max(1, workers.getAsInt()));
        }
        return limit;
    }

    private MemoryBudget.ModelShape shape(Path dir) {
        return shapes.computeIfAbsent(dir, MemoryBudget.ModelShape::of);
    }

    /** The limit in force, once a request has been admitted (for logs and tests). */
    long limit() {
        return limit;
    }
}
