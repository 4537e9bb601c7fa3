package dev.rbon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** rbon.models.reward's lists split into members: one entry as before, several in order, and what is refused. */
class RewardMembersTest {

    static RbonConfig.RewardModel reward(List<String> paths, List<String> urls, List<String> models) {
        return new RbonConfig.RewardModel() {
            @Override
            public Optional<List<Path>> path() {
                return paths.isEmpty() ? Optional.empty() : Optional.of(paths.stream().map(Path::of).toList());
            }

            @Override
            public Optional<List<URI>> url() {
                return urls.isEmpty() ? Optional.empty() : Optional.of(urls.stream().map(URI::create).toList());
            }

            @Override
            public Optional<List<String>> model() {
                return models.isEmpty() ? Optional.empty() : Optional.of(models);
            }

            @Override
            public Optional<String> apiKey() {
                return Optional.of("key");
            }

            @Override
            public Optional<Duration> connectTimeout() {
                return Optional.empty();
            }

            @Override
            public Optional<Duration> timeout() {
                return Optional.of(Duration.ofSeconds(7));
            }

            @Override
            public Optional<Integer> retries() {
                return Optional.of(1);
            }

            @Override
            public Optional<Integer> maxConnections() {
                return Optional.empty();
            }

            @Override
            public String input() {
                return "auto";
            }
        };
    }

    @Test
    void oneFolderIsTheSingleRewardModel() {
        List<RbonConfig.ModelPath> members = RewardMembers.of(reward(List.of("models/reward-noisy"), List.of(),
                List.of()));
        assertEquals(1, members.size());
        assertEquals(Optional.of(Path.of("models/reward-noisy")), members.get(0).path());
        assertEquals(Optional.empty(), members.get(0).url());
    }

    @Test
    void severalFoldersAreLocalMembersInOrder() {
        List<RbonConfig.ModelPath> members = RewardMembers.of(reward(List.of("a", "b", "c"), List.of(), List.of()));
        assertEquals(List.of(Path.of("a"), Path.of("b"), Path.of("c")),
                members.stream().map(m -> m.path().orElseThrow()).toList());
    }

    @Test
    void urlsAreRemoteMembersSharingTheOtherKeys() {
        List<RbonConfig.ModelPath> members = RewardMembers.of(reward(List.of("tokenizer"),
                List.of("http://a:8000", "http://b:8000"), List.of("ra", "rb")));
        assertEquals(2, members.size());
        assertEquals(URI.create("http://b:8000"), members.get(1).url().orElseThrow());
        assertEquals(Optional.of("rb"), members.get(1).model());
        assertEquals(Optional.of(Path.of("tokenizer")), members.get(1).path(), "one tokenizer folder for all");
        assertEquals(Optional.of("key"), members.get(1).apiKey());
        assertEquals(Optional.of(Duration.ofSeconds(7)), members.get(1).timeout());
        assertEquals(Optional.of(1), members.get(0).retries());
        List<RbonConfig.ModelPath> oneName = RewardMembers.of(reward(List.of(), List.of("http://a", "http://b"),
                List.of("same")));
        assertEquals(Optional.of("same"), oneName.get(1).model());
        assertEquals(Optional.empty(), oneName.get(1).path());
    }

    @Test
    void mixedOrMisalignedListsAreRefusedNamingTheKeys() {
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> RewardMembers.of(
                reward(List.of("a", "b", "c"), List.of("http://x:8000"), List.of())));
        assertTrue(mixed.getMessage().contains("mixes local and remote reward models is not supported"),
                mixed.getMessage());
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class, () -> RewardMembers.of(
                reward(List.of(), List.of("http://a", "http://b", "http://c"), List.of("x", "y"))));
        assertTrue(names.getMessage().startsWith("rbon.models.reward.model lists 2 names for 3 urls"),
                names.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> RewardMembers.of(
                reward(List.of(), List.of(), List.of())));
        assertTrue(none.getMessage().startsWith("rbon.models.reward.path is required"), none.getMessage());
    }
}
