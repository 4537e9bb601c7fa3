package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.model.CausalLM;
import dev.rbon.model.CausalLMText;
import dev.rbon.model.Dtype;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.remote.RemoteBackends;
import dev.rbon.remote.RemotePolicy;
import dev.rbon.remote.RemoteReference;
import dev.rbon.remote.RemoteReward;
import dev.rbon.score.Conversation;
import dev.rbon.score.RewardInput;
import dev.rbon.score.RewardScorer;
import dev.rbon.score.ScoringPass;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The models loaded on one device, shared by the workers bound to it (read-only once loaded). {@code rewardInput} is how the reward model
 * reads a response (rbon.models.reward.input), chosen once here. A remote policy or reference is its engine's client
 * ({@code policy}, {@code reference} null) with its text side read from its tokenizer folder: {@code policyText} is
 * the policy's either way, {@code referenceText} a separate reference's (null without one).
 */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, SequenceClassifier reward,
        RewardInput rewardInput, SentenceEmbedder embedder, RemoteReward remoteReward, RemotePolicy remotePolicy,
        RemoteReference remoteReference, CausalLMText policyText, CausalLMText referenceText)
        implements AutoCloseable {

    /**
     * Loads the local models onto {@code device}; a model with a url is the remote engine's client instead (the
     * reward's takes the place of {@code reward} and {@code rewardInput}, the embedding's of {@code embedder}, the
     * policy's and the reference's of their weights, whose tokenizer files alone are read).
     */
    static ModelSet load(RbonConfig.Models config, Device device, RemoteBackends remote) throws IOException {
        Dtype.of(config.dtype().equals("auto") ? "float32" : config.dtype()); // refuse an unknown name first
        List<AutoCloseable> loaded = new ArrayList<>();
        try {
            RemotePolicy remotePolicy = remote.policy().orElse(null);
            CausalLM policy = remotePolicy != null ? null : causalLM(loaded, config, config.policy(), "policy", device);
            CausalLMText policyText = policy != null ? CausalLMText.of(policy)
                    : CausalLMText.read(tokenizerFolder(config.policy(), "policy"));
            RemoteReference remoteReference = remote.reference().orElse(null);
            CausalLM reference = config.reference().isEmpty() || remoteReference != null ? null
                    : causalLM(loaded, config, config.reference().get(), "reference", device);
            CausalLMText referenceText = reference != null ? CausalLMText.of(reference)
                    : remoteReference == null ? null
                    : config.reference().get().path().isPresent()
                    ? CausalLMText.read(config.reference().get().path().get())
                    : policyText; // the engine's reference reads the policy's tokens
            RemoteReward remoteReward = remote.reward().orElse(null);
            SequenceClassifier reward = remoteReward != null ? null : rewardModel(loaded, config, device);
            RewardInput rewardInput = reward == null ? null : RewardInput.choose(config.reward().input(), reward);
            Optional<Path> embedding = config.embedding().flatMap(RbonConfig.ModelPath::path);
            SentenceEmbedder embedder = remote.embedding().isPresent() ? remote.embedding().get()
                    : embedding.isPresent() ? SentenceEmbedder.load(embedding.get(), device)
                    : SentenceEmbedder.defaultModel();
            return new ModelSet(device, policy, reference, reward, rewardInput, embedder, remoteReward, remotePolicy,
                    remoteReference, policyText, referenceText);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable model : loaded) {
                closeQuietly(model);
            }
            throw e;
        }
    }

    private static CausalLM causalLM(List<AutoCloseable> loaded, RbonConfig.Models config, RbonConfig.ModelPath model,
            String role, Device device) throws IOException {
        Path path = local(model, role);
        return keep(loaded, CausalLM.load(path, device, Dtype.forCheckpoint(config.dtype(), path, device)));
    }

    private static SequenceClassifier rewardModel(List<AutoCloseable> loaded, RbonConfig.Models config,
            Device device) throws IOException {
        Path path = local(config.reward(), "reward");
        return keep(loaded, SequenceClassifier.load(path, device, Dtype.forCheckpoint(config.dtype(), path, device)));
    }

    /** The folder of a model that runs here. */
    private static Path local(RbonConfig.ModelPath model, String role) {
        return model.path().orElseThrow(() -> new IllegalArgumentException("rbon.models." + role
                + ".path is required (a HuggingFace folder), or rbon.models." + role + ".url for a remote engine"));
    }

    /** A remote causal LM's tokenizer folder: rbon renders and tokenizes its prompts, so it is required. */
    private static Path tokenizerFolder(RbonConfig.ModelPath model, String role) {
        return model.path().orElseThrow(() -> new IllegalArgumentException("rbon.models." + role + ".path is required"
                + " with rbon.models." + role + ".url: the folder of the engine's model's tokenizer files "
                + "(tokenizer.json, tokenizer_config.json, config.json, generation_config.json), which rbon renders "
                + "and tokenizes prompts with"));
    }

    /**
     * The scoring passes that put R_i of response i into {@code out[i]}: the local reward head's token-budget
     * passes over its {@link RewardInput} ids ({@code rewardIds}, the {@link #rewardIds} of the responses when
     * already encoded, else null), or one call to the remote engine, which is sent the rendered prompt text and each
     * response (the engine applies its own convention).
     */
    public List<ScoringPass> rewardPasses(Conversation conversation, List<String> responses, List<long[]> rewardIds,
            double[] out) {
        if (remoteReward != null) {
            return List.of(new ScoringPass("reward", 0, () -> System.arraycopy(
                    remoteReward.rewards(conversation.prompt(), responses), 0, out, 0, out.length)));
        }
        return RewardScorer.passes(reward, rewardIds != null ? rewardIds : rewardIds(conversation, responses), out);
    }

    /**
     * The local reward model's input ids of each response, checked against its context; null when the reward is
     * remote (its engine reads the texts and enforces its own context).
     */
    public List<long[]> rewardIds(Conversation conversation, List<String> responses) {
        return remoteReward != null ? null : RewardScorer.encode(reward, rewardInput, conversation, responses);
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

    /** log pi_ref comes from the policy itself unless a separate reference is configured; null when it is remote. */
    public CausalLM referenceOrPolicy() {
        return reference != null ? reference : remoteReference != null ? null : policy;
    }

    /** Whether the policy is the reference (no separate one, local or remote): its sampled log-probs are l_i. */
    public boolean policyIsReference() {
        return reference == null && remoteReference == null;
    }

    /**
     * The engine that scores l_i remotely: a separate remote reference, else a remote policy serving as the
     * reference (prompt log-probs from the policy's own engine); null when l_i is computed here.
     */
    public RemoteReference remoteReferenceOrPolicy() {
        return remoteReference != null ? remoteReference
                : reference == null && remotePolicy != null ? new RemoteReference(remotePolicy.backend()) : null;
    }

    public String policyName() {
        return policyText.name();
    }

    public String referenceName() {
        return reference != null ? reference.name() : remoteReference != null ? remoteReference.name() : policyName();
    }

    @Override
    public void close() {
        if (policy != null) {
            policy.close();
        }
        if (reference != null) {
            reference.close();
        }
        if (reward != null) {
            reward.close();
        }
        embedder.close();
    }
}
