package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.remote.RemoteBackends;
import dev.rbon.remote.RemoteReward;
import dev.rbon.score.RewardScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The models one worker owns on its device; nothing else touches them. */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, SequenceClassifier reward,
        SentenceEmbedder embedder, RemoteReward remoteReward) implements AutoCloseable {

    /**
     * Loads the local models onto {@code device}; a model with a url is the remote engine's client instead (the
     * reward's takes the place of {@code reward}, the embedding's of {@code embedder}).
     */
    static ModelSet load(RbonConfig.Models config, Device device, RemoteBackends remote) throws IOException {
        if (!config.dtype().equals("auto") && !config.dtype().equals("float32")) {
            // half-precision compute is not implemented; on CPU it would also be ~30x slower (STACK.md)
            throw new IllegalArgumentException("rbon.models.dtype=" + config.dtype()
                    + " is not supported: rbon computes in float32 (auto or float32)");
        }
        List<AutoCloseable> loaded = new ArrayList<>();
        try {
            CausalLM policy = keep(loaded, CausalLM.load(local(config.policy(), "policy"), device));
            CausalLM reference = config.reference().isPresent()
                    ? keep(loaded, CausalLM.load(local(config.reference().get(), "reference"), device))
                    : null;
            RemoteReward remoteReward = remote.reward().orElse(null);
            SequenceClassifier reward = remoteReward != null ? null
                    : keep(loaded, SequenceClassifier.load(local(config.reward(), "reward"), device));
            Optional<Path> embedding = config.embedding().flatMap(RbonConfig.ModelPath::path);
            SentenceEmbedder embedder = remote.embedding().isPresent() ? remote.embedding().get()
                    : embedding.isPresent() ? SentenceEmbedder.load(embedding.get(), device)
                    : SentenceEmbedder.defaultModel();
            return new ModelSet(device, policy, reference, reward, embedder, remoteReward);
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

    /** R_i of each response: the local reward head, or the remote engine's. */
    public double[] rewards(String prompt, List<String> responses) {
        return remoteReward != null ? remoteReward.rewards(prompt, responses)
                : RewardScorer.rewards(reward, prompt, responses);
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
