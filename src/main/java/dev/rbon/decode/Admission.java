package dev.rbon.decode;

import com.sun.management.OperatingSystemMXBean;
import dev.rbon.model.CausalLM;
import dev.rbon.model.Dtype;
import dev.rbon.model.ModelInfo;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.score.Conversation;
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
     * @param workers how many workers run at once (the default budget is shared among them)
     */
    Admission(Long configuredLimit, IntSupplier workers) {
        this.configuredLimit = configuredLimit;
        this.workers = workers;
    }

    /**
     * /v1/generate: candidates of at most max_new_tokens, not yet sampled. Returns the request's estimated peak,
     * which the device's batch counts against the same limit with the other requests decoding there.
     */
    long sampling(ModelSet models, Conversation conversation, int promptTokens, int n, int maxNewTokens) {
        long rewardMemory = 0;
        for (ModelSet.RewardMember member : models.rewards()) {
            SequenceClassifier reward = member.model(); // null when remote: the engine enforces its own context
            if (reward == null) {
                continue;
            }
            // the conversation as the reward model will read it, with an empty response where a candidate will be
            int rewardPrompt = member.input().encode(conversation, "").length;
            if (rewardPrompt + maxNewTokens > reward.maxPositionEmbeddings()) {
                throw new FieldException("max_new_tokens", "the conversation (" + rewardPrompt + " tokens of the "
                        + "reward model, read as " + member.input().name() + ") + max_new_tokens (" + maxNewTokens
                        + ") exceeds the reward model " + reward.name() + "'s context of "
                        + reward.maxPositionEmbeddings() + "; rbon does not truncate");
            }
            rewardMemory = Math.max(rewardMemory, rewardPass(reward, n, rewardPrompt + maxNewTokens));
        }
        CausalLM reference = models.reference();
        if (reference != null) {
            int referencePrompt = reference.tokenizer().encode(conversation.prompt(), true).length;
            if (referencePrompt + maxNewTokens > reference.maxPositionEmbeddings()) {
                throw new FieldException("max_new_tokens", "prompt + max_new_tokens (" + (referencePrompt + maxNewTokens)
                        + " tokens) exceeds the reference model " + reference.name() + "'s context of "
                        + reference.maxPositionEmbeddings() + "; rbon does not truncate");
            }
        }
        // a remote policy samples on its engine: only the scoring here needs memory
        long sampling = models.policy() == null ? 0
                : MemoryBudget.sampling(shape(models.policy().info().path()), n, promptTokens, maxNewTokens);
        long need = Math.max(sampling, scoring(models, rewardMemory, n, promptTokens, maxNewTokens));
        check(models, need, n > 1 ? "n" : "max_new_tokens",
                "n=" + n + " x (prompt " + promptTokens + " + max_new_tokens " + maxNewTokens + ") tokens");
        return need;
    }

    /**
     * /v1/select: the client's candidates, tokenized by the policy ({@code ids}) and by each reward member in its
     * convention ({@code rewardIds}, already checked against its context; a remote member's entry is null).
     */
    void supplied(ModelSet models, List<List<long[]>> rewardIds, int promptTokens, List<long[]> ids) {
        int longest = longest(ids);
        long rewardMemory = 0;
        for (int k = 0; k < models.rewards().size(); k++) {
            SequenceClassifier reward = models.rewards().get(k).model();
            if (reward != null) {
                rewardMemory = Math.max(rewardMemory, rewardPass(reward, ids.size(), longest(rewardIds.get(k))));
            }
        }
        check(models, scoring(models, rewardMemory, ids.size(), promptTokens, longest),
                "candidates", ids.size() + " candidates of up to " + longest + " tokens after a prompt of "
                        + promptTokens);
    }

    private static int longest(List<long[]> ids) {
        return ids.stream().mapToInt(t -> t.length).max().orElse(0);
    }

    /** A local reward member's passes over n rows of rewardTokens; the members run one after the other. */
    private long rewardPass(SequenceClassifier reward, int n, int rewardTokens) {
        return MemoryBudget.encoder(shape(reward.info().path()), n, rewardTokens);
    }

    /** The scoring passes: the largest reward member's ({@code reward}), the reference's over prompt + response. */
    private long scoring(ModelSet models, long reward, int n, int promptTokens, int responseTokens) {
        CausalLM reference = models.referenceOrPolicy(); // null when l_i comes from an engine
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
            long weights = (models.policy() == null ? 0 : weightBytes(models.policy().info()))
                    + models.rewards().stream().filter(m -> m.model() != null)
                            .mapToLong(m -> weightBytes(m.model().info())).sum()
                    + (models.reference() == null ? 0 : weightBytes(models.reference().info()));
            long physical = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
            limit = configuredLimit != null ? configuredLimit
                    : MemoryBudget.defaultLimit(physical, Runtime.getRuntime().maxMemory(), weights,
                            Math.max(1, workers.getAsInt()));
        }
        return limit;
    }

    /** A model's weights as loaded: its parameters in its compute dtype. */
    private static long weightBytes(ModelInfo info) {
        return (long) Dtype.of(info.computeDtype()).bytes() * info.parameters();
    }

    private MemoryBudget.ModelShape shape(Path dir) {
        return shapes.computeIfAbsent(dir, MemoryBudget.ModelShape::of);
    }

    /** The limit in force, once a request has been admitted (for logs and tests). */
    long limit() {
        return limit;
    }
}
