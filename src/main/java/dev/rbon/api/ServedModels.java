package dev.rbon.api;

import dev.rbon.RbonConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;

/**
 * The ids clients send as {@code model}: the folder names of the configured checkpoints, known before the workers
 * finish loading (so a wrong id is a 404 even while the server warms up). The policy is the model the completion
 * routes serve; the reward model is the one /v1/rerank ranks with.
 */
@ApplicationScoped
public class ServedModels {

    private final String policy;
    private final String reward;
    /** A local reference's id (it serves prompt log-probs as an engine); null without one. */
    private final String reference;

    public ServedModels(RbonConfig config) {
        this.policy = id(config.models().policy());
        this.reward = id(config.models().reward());
        this.reference = config.models().reference().filter(r -> r.url().isEmpty()).map(ServedModels::id)
                .orElse(null);
    }

    /** A local model's folder name; a remote one's engine model name, else its url (as RemoteReward names it). */
    private static String id(RbonConfig.ModelPath model) {
        return model.path().map(ServedModels::folderName)
                .orElseGet(() -> model.model().orElseGet(() -> model.url().map(Object::toString).orElse("")));
    }

    /** The id of the policy, the first model /v1/models lists. */
    public String policy() {
        return policy;
    }

    public String reward() {
        return reward;
    }

    /** 404 model_not_found unless {@code model} is the policy's id; a missing model is a 400 naming it. */
    void requirePolicy(String model) {
        if (model == null || model.isBlank()) {
            throw OpenAiException.badRequest("model", "is required; this server serves `" + policy + "`");
        }
        if (!model.equals(policy)) {
            throw OpenAiException.modelNotFound(model, policy);
        }
    }

    /**
     * /v1/completions as an engine (samples in order): the policy, or a local reference by its id; left out, the
     * policy, as vLLM serves its only model.
     */
    void requireEngineModel(String model) {
        if (model != null && !model.equals(policy) && !model.equals(reference)) {
            throw OpenAiException.modelNotFound(model, reference == null ? policy : policy + "` or `" + reference);
        }
    }

    /** /v1/rerank: the model may be left out; given, it must be the reward model's id (or the policy's). */
    void requireRanker(String model) {
        if (model != null && !model.equals(reward) && !model.equals(policy)) {
            throw OpenAiException.modelNotFound(model, reward);
        }
    }

    /** The name ModelInfo gives a checkpoint: its folder's name. */
    static String folderName(Path path) {
        Path normalized = path.toAbsolutePath().normalize();
        return normalized.getFileName() == null ? normalized.toString() : normalized.getFileName().toString();
    }
}
