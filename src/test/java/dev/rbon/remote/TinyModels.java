package dev.rbon.remote;

import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The models the out-of-process tests serve, described once: the hf-tiny llama policy, its reward model and the tiny
 * BERT embedder from ../shared, as environment variables of a local server.
 */
public final class TinyModels {

    private TinyModels() {}

    /** A fixture folder of ../shared/fixtures/hf-tiny. */
    public static String path(String name) {
        return Shared.dir().resolve("fixtures/hf-tiny").resolve(name).toString();
    }

    /** A server running every model itself; {@code overrides} (key, value, ...) replace or add settings. */
    public static Map<String, String> local(String... overrides) {
        Map<String, String> env = new HashMap<>(Map.of(
                "RBON_MODELS_POLICY_PATH", path("llama"),
                "RBON_MODELS_REWARD_PATH", path("reward-llama"),
                "RBON_MODELS_EMBEDDING_PATH", path("bert")));
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return Map.copyOf(env);
    }

    static Path dir() {
        return Shared.dir().resolve("fixtures/hf-tiny");
    }
}
