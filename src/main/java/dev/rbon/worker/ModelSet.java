package dev.rbon.worker;

import ai.djl.Device;
import dev.rbon.RbonConfig;
import dev.rbon.RewardMembers;
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
 * The models loaded on one device, shared by the workers bound to it (read-only once loaded). {@code rewards} are the
 * reward model, or the members of a reward ensemble, in configuration order. A remote policy or reference is its
 * engine's client ({@code policy}, {@code reference} null) with its text side read from its tokenizer folder:
 * {@code policyText} is the policy's either way, {@code referenceText} a separate reference's (null without one).
 */
public record ModelSet(Device device, CausalLM policy, CausalLM reference, List<RewardMember> rewards,
        SentenceEmbedder embedder, RemotePolicy remotePolicy, RemoteReference remoteReference,
        CausalLMText policyText, CausalLMText referenceText) implements AutoCloseable {

    /**
     * One reward model: loaded here ({@code model}, read in the {@code input} convention that rbon.models.reward.input
     * chose once at load), or a remote engine's client ({@code remote}; the other two null).
     */
    public record RewardMember(SequenceClassifier model, RewardInput input, RemoteReward remote) {

        public String name() {
            return remote != null ? remote.name() : model.name();
        }
    }

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
            List<RewardMember> rewards = rewardMembers(loaded, config, device, remote);
            Optional<Path> embedding = config.embedding().flatMap(RbonConfig.ModelPath::path);
            SentenceEmbedder embedder = remote.embedding().isPresent() ? remote.embedding().get()
                    : embedding.isPresent() ? SentenceEmbedder.load(embedding.get(), device)
                    : SentenceEmbedder.defaultModel();
            return new ModelSet(device, policy, reference, rewards, embedder, remotePolicy, remoteReference,
                    policyText, referenceText);
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

    /** The engines' clients when the reward has urls, else each member's folder loaded onto {@code device}. */
    private static List<RewardMember> rewardMembers(List<AutoCloseable> loaded, RbonConfig.Models config,
            Device device, RemoteBackends remote) throws IOException {
        if (!remote.rewards().isEmpty()) {
            return remote.rewards().stream().map(engine -> new RewardMember(null, null, engine)).toList();
        }
        List<RewardMember> members = new ArrayList<>();
        for (RbonConfig.ModelPath member : RewardMembers.of(config.reward())) {
            Path path = local(member, "reward");
            SequenceClassifier model = keep(loaded, SequenceClassifier.load(path, device,
                    Dtype.forCheckpoint(config.dtype(), path, device)));
            members.add(new RewardMember(model, RewardInput.choose(config.reward().input(), model), null));
        }
        return List.copyOf(members);
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
     * The scoring passes that put member k's R of response i into {@code out[k][i]}, member after member: a local
     * member's token-budget passes over its {@link RewardInput} ids ({@code rewardIds.get(k)}, the
     * {@link #rewardIds} of the responses when already encoded, else null), which join other requests' passes over
     * the same model; or one call to a remote member's engine, which is sent the rendered prompt text and each
     * response (the engine applies its own convention).
     */
    public List<ScoringPass> rewardPasses(Conversation conversation, List<String> responses,
            List<List<long[]>> rewardIds, double[][] out) {
        List<List<long[]>> ids = rewardIds != null ? rewardIds : rewardIds(conversation, responses);
        List<ScoringPass> passes = new ArrayList<>();
        for (int k = 0; k < rewards.size(); k++) {
            RewardMember member = rewards.get(k);
            double[] into = out[k];
            passes.addAll(member.remote() != null
                    ? List.of(new ScoringPass("reward", 0, () -> System.arraycopy(
                            member.remote().rewards(conversation.prompt(), responses), 0, into, 0, into.length)))
                    : RewardScorer.passes(member.model(), ids.get(k), into));
        }
        return passes;
    }

    /**
     * Each reward member's input ids of each response, checked against its context; a remote member's entry is
     * null (its engine reads the texts and enforces its own context).
     */
    public List<List<long[]>> rewardIds(Conversation conversation, List<String> responses) {
        List<List<long[]>> ids = new ArrayList<>();
        for (RewardMember member : rewards) {
            ids.add(member.remote() != null ? null
                    : RewardScorer.encode(member.model(), member.input(), conversation, responses));
        }
        return ids;
    }

    /** The reward model's name; an ensemble's members' names joined with commas. */
    public String rewardName() {
        return String.join(",", rewardNames());
    }

    /** The reward members' names in configuration order. */
    public List<String> rewardNames() {
        return rewards.stream().map(RewardMember::name).toList();
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
        for (RewardMember member : rewards == null ? List.<RewardMember>of() : rewards) {
            if (member.model() != null) {
                member.model().close();
            }
        }
        embedder.close();
    }
}
