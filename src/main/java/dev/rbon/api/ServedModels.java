package dev.rbon.api;

import dev.rbon.RbonConfig;
import dev.rbon.RewardMembers;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;

/**
 * The ids clients send as {@code model}: the folder names of the configured checkpoints, known before the workers
 * finish loading (so a wrong id is a 404 even while the server warms up). The policy is the model the completion
 * routes serve; the reward model is the one /v1/rerank ranks with (api.openai.ModelIds checks what clients send).
 */
@ApplicationScoped
public class ServedModels {

    private final String policy;
    private final String reward;
    /** A local reference's id (it serves prompt log-probs as an engine); null without one. */
    private final String reference;

    public ServedModels(RbonConfig config) {
        this.policy = id(config.models().policy());
        this.reward = String.join(",", RewardMembers.of(config.models().reward()).stream().map(ServedModels::id)
                .toList());
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

    /** The reward model's id; an ensemble's members' ids joined with commas (as responses name it). */
    public String reward() {
        return reward;
    }

    /** A local reference's id (it serves prompt log-probs as an engine); null without one. */
    public String reference() {
        return reference;
    }

    /** The name ModelInfo gives a checkpoint: its folder's name. */
    static String folderName(Path path) {
        Path normalized = path.toAbsolutePath().normalize();
        return normalized.getFileName() == null ? normalized.toString() : normalized.getFileName().toString();
    }
}
