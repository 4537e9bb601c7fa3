package dev.rbon.remote;

import dev.rbon.RbonConfig;
import dev.rbon.RewardMembers;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The remote engines rbon is configured with ({@code rbon.models.<role>.url}), one client each, shared by every
 * worker: the clients are thread-safe and bound their own connections.
 */
@ApplicationScoped
public class RemoteBackends {

    private final Optional<RemotePolicy> policy;
    private final Optional<RemoteReference> reference;
    private final List<RemoteReward> rewards;
    private final Optional<RemoteEmbedder> embedding;
    private final List<Probe> probes = new ArrayList<>();

    /** How readiness checks one engine: a GET that must answer 2xx. */
    public record Probe(Backend backend, String route) {}

    public RemoteBackends(RbonConfig config, MeterRegistry registry) {
        RbonConfig.Models models = config.models();
        policy = backend("policy", Optional.of(models.policy()), registry, "/models").map(RemotePolicy::new);
        reference = backend("reference", models.reference(), registry, "/models").map(RemoteReference::new);
        // vLLM, SGLang and TGI all serve GET /health at the root the reward url names
        List<RbonConfig.ModelPath> members = models.reward().url().isEmpty() ? List.of()
                : RewardMembers.of(models.reward());
        rewards = IntStream.range(0, members.size()).mapToObj(k -> backend(rewardRole(k, members.size()),
                Optional.of(members.get(k)), registry, "/health").map(RemoteReward::new).orElseThrow()).toList();
        embedding = backend("embedding", models.embedding(), registry, "/models").map(RemoteEmbedder::new);
    }

    private Optional<Backend> backend(String role, Optional<RbonConfig.ModelPath> model, MeterRegistry registry,
            String probe) {
        Optional<Backend> backend = model.filter(m -> m.url().isPresent()).map(m -> new Backend(role, m, registry));
        backend.ifPresent(b -> probes.add(new Probe(b, probe)));
        return backend;
    }

    public Optional<RemotePolicy> policy() {
        return policy;
    }

    public Optional<RemoteReference> reference() {
        return reference;
    }

    /** The reward ensemble's engines, in configuration order; empty when its members are local. */
    public List<RemoteReward> rewards() {
        return rewards;
    }

    /** A reward engine's role in errors and metrics: reward, or reward[k] for member k of an ensemble. */
    static String rewardRole(int member, int members) {
        return members == 1 ? "reward" : "reward[" + member + "]";
    }

    public Optional<RemoteEmbedder> embedding() {
        return embedding;
    }

    /** Every configured engine, with the route readiness probes. */
    public List<Probe> probes() {
        return List.copyOf(probes);
    }
}
