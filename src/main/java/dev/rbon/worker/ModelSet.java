package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.model.Dtype;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.score.RewardInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The models one worker owns on its device; nothing else touches them. {@code rewardInput} is how the reward model
 * reads a response (rbon.models.reward.input), chosen once here.
 */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, SequenceClassifier reward,
        RewardInput rewardInput, SentenceEmbedder embedder) implements AutoCloseable {

    static ModelSet load(RbonConfig.Models config, Device device) throws IOException {
        Dtype.of(config.dtype().equals("auto") ? "float32" : config.dtype()); // refuse an unknown name first
        List<AutoCloseable> loaded = new ArrayList<>();
        try {
            Path policyPath = config.policy().path();
            CausalLM policy = keep(loaded,
                    CausalLM.load(policyPath, device, Dtype.forCheckpoint(config.dtype(), policyPath, device)));
            CausalLM reference = config.reference().isPresent()
                    ? keep(loaded, CausalLM.load(config.reference().get().path(), device,
                            Dtype.forCheckpoint(config.dtype(), config.reference().get().path(), device)))
                    : null;
            SequenceClassifier reward = keep(loaded, SequenceClassifier.load(config.reward().path(), device));
            RewardInput rewardInput = RewardInput.choose(config.reward().input(), reward);
            SentenceEmbedder embedder = config.embedding().isPresent()
                    ? SentenceEmbedder.load(config.embedding().get().path(), device)
                    : SentenceEmbedder.defaultModel();
            return new ModelSet(device, policy, reference, reward, rewardInput, embedder);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable model : loaded) {
                closeQuietly(model);
            }
            throw e;
        }
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
        reward.close();
        embedder.close();
    }
}
