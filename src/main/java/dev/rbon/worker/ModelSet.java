package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.model.Dtype;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.remote.RemoteBackends;
import dev.rbon.remote.RemoteReward;
import dev.rbon.score.Conversation;
import dev.rbon.score.RewardInput;
import dev.rbon.score.RewardScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The models one worker owns on its device; nothing else touches them. {@code rewardInput} is how the reward model
 * reads a response (rbon.models.reward.input), chosen once here.
 */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, SequenceClassifier reward,
        RewardInput rewardInput, SentenceEmbedder embedder, RemoteReward remoteReward) implements AutoCloseable {

    /**
     * Loads the local models onto {@code device}; a model with a url is the remote engine's client instead (the
     * reward's takes the place of {@code reward} and {@code rewardInput}, the embedding's of {@code embedder}).
     */
    static ModelSet load(RbonConfig.Models config, Device device, RemoteBackends remote) throws IOException {
        Dtype.of(config.dtype().equals("auto") ? "float32" : config.dtype()); // refuse an unknown name first
        List<AutoCloseable> loaded = new ArrayList<>();
        try {
            Path policyPath = local(config.policy(), "policy");
            CausalLM policy = keep(loaded,
                    CausalLM.load(policyPath, device, Dtype.forCheckpoint(config.dtype(), policyPath, device)));
            CausalLM reference = null;
            if (config.reference().isPresent()) {
                Path referencePath = local(config.reference().get(), "reference");
                reference = keep(loaded, CausalLM.load(referencePath, device,
                        Dtype.forCheckpoint(config.dtype(), referencePath, device)));
            }
            RemoteReward remoteReward = remote.reward().orElse(null);
            SequenceClassifier reward = remoteReward != null ? null
                    : keep(loaded, SequenceClassifier.load(local(config.reward(), "reward"), device));
            RewardInput rewardInput = reward == null ? null : RewardInput.choose(config.reward().input(), reward);
            Optional<Path> embedding = config.embedding().flatMap(RbonConfig.ModelPath::path);
            SentenceEmbedder embedder = remote.embedding().isPresent() ? remote.embedding().get()
                    : embedding.isPresent() ? SentenceEmbedder.load(embedding.get(), device)
                    : SentenceEmbedder.defaultModel();
            return new ModelSet(device, policy, reference, reward, rewardInput, embedder, remoteReward);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable model : loaded) {
                closeQuietly(model);
            }
            throw e;
        }
    }

    /** The folder of a model that runs here. */
    private static Path local(RbonConfig.ModelPath model, String role) {
        if (model.url().isPresent()) {
            // the remote policy and reference clients exist (dev.rbon.remote) but are not wired into decoding yet
            throw new IllegalArgumentException("rbon.models." + role + ".url: a remote " + role
                    + " is not supported yet; remote engines serve the reward and the embeddings");
        }
        return model.path().orElseThrow(() -> new IllegalArgumentException("rbon.models." + role
                + ".path is required (a HuggingFace folder), or rbon.models." + role + ".url for a remote engine"));
    }

    /**
     * R_i of each response: the local reward head read by its {@link RewardInput}, or the remote engine's, which is
     * sent the rendered prompt text and each response (the engine applies its own convention).
     */
    public double[] rewards(Conversation conversation, List<String> responses) {
        return remoteReward != null ? remoteReward.rewards(conversation.prompt(), responses)
                : RewardScorer.rewards(reward, rewardInput, conversation, responses);
    }

    public String rewardName() {
        return remoteReward != null ? remoteReward.name() : reward.name();
    }

    private static <T extends AutoCloseable> T keep(List<AutoCloseable> loaded, T model) {
        loaded.add(model);
        return model;
    }

    private static void closeQuietly(AutoCloseable model) {
        try {
            model.close();
        } catch (Exception e) {
            // already failing: the first error is the one to report
        }
    }

    /** log pi_ref comes from the policy itself unless a separate reference is configured. */
    public CausalLM referenceOrPolicy() {
        return reference != null ? reference : policy;
    }

    @Override
    public void close() {
        policy.close();
        if (reference != null) {
            reference.close();
        }
        if (reward != null) {
            reward.close();
        }
        embedder.close();
    }
}
