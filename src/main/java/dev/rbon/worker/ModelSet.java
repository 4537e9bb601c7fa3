package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SequenceClassifier;
import java.io.IOException;

/** The models one worker owns on its device; nothing else touches them. */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, SequenceClassifier reward)
        implements AutoCloseable {

    static ModelSet load(RbonConfig.Models config, Device device) throws IOException {
        CausalLM policy = CausalLM.load(config.policy().path(), device);
        CausalLM reference = null;
        SequenceClassifier reward = null;
        try {
            reference = config.reference().isPresent() ? CausalLM.load(config.reference().get().path(), device) : null;
            reward = SequenceClassifier.load(config.reward().path(), device);
            return new ModelSet(device, policy, reference, reward);
        } catch (IOException | RuntimeException e) {
            policy.close();
            if (reference != null) {
                reference.close();
            }
            throw e;
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
    }
}
