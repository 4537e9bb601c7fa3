package dev.rbon;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The members of the reward ensemble ({@code rbon.models.reward}) one by one, in configuration order: each as the
 * single model it is (a folder, or an engine's url with its tokenizer folder and name), the shared keys (api key,
 * timeouts, retries, connections) read from the reward's own. One entry is the single reward model it always was.
 */
public final class RewardMembers {

    private RewardMembers() {}

    /** IllegalArgumentException, naming the keys, when the lists do not line up or mix local and remote members. */
    public static List<RbonConfig.ModelPath> of(RbonConfig.RewardModel reward) {
        List<Path> paths = reward.path().orElse(List.of());
        List<String> models = reward.model().orElse(List.of());
        if (reward.url().isEmpty()) {
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("rbon.models.reward.path is required (a HuggingFace folder, or "
                        + "several comma-separated for an ensemble), or rbon.models.reward.url for a remote engine");
            }
            return paths.stream().map(p -> member(reward, Optional.of(p), Optional.empty(),
                    models.stream().findFirst())).toList();
        }
        List<URI> urls = reward.url().get();
        if (paths.size() > 1 && paths.size() != urls.size()) {
            throw new IllegalArgumentException("rbon.models.reward.path lists " + paths.size() + " folders and "
                    + "rbon.models.reward.url " + urls.size() + " engines: with urls every member is remote and the "
                    + "paths (one per url, or one for all) name only tokenizer folders; an ensemble that mixes local "
                    + "and remote reward models is not supported");
        }
        if (models.size() > 1 && models.size() != urls.size()) {
            throw new IllegalArgumentException("rbon.models.reward.model lists " + models.size() + " names for "
                    + urls.size() + " urls: give one per url, or one for all");
        }
        List<RbonConfig.ModelPath> members = new ArrayList<>();
        for (int k = 0; k < urls.size(); k++) {
            members.add(member(reward, nth(paths, k), Optional.of(urls.get(k)), nth(models, k)));
        }
        return List.copyOf(members);
    }

    /** Entry k of a list that has one entry per member, or one for all; empty when it has none. */
    private static <T> Optional<T> nth(List<T> values, int k) {
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(Math.min(k, values.size() - 1)));
    }

    private static RbonConfig.ModelPath member(RbonConfig.RewardModel reward, Optional<Path> path,
            Optional<URI> url, Optional<String> model) {
        return new RbonConfig.ModelPath() {
            @Override
            public Optional<Path> path() {
                return path;
            }

            @Override
            public Optional<URI> url() {
                return url;
            }

            @Override
            public Optional<String> model() {
                return model;
            }

            @Override
            public Optional<String> apiKey() {
                return reward.apiKey();
            }

            @Override
            public Optional<Duration> connectTimeout() {
                return reward.connectTimeout();
            }

            @Override
            public Optional<Duration> timeout() {
                return reward.timeout();
            }

            @Override
            public Optional<Integer> retries() {
                return reward.retries();
            }

            @Override
            public Optional<Integer> maxConnections() {
                return reward.maxConnections();
            }
        };
    }
}
