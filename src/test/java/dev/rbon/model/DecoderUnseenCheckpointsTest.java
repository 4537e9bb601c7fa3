package dev.rbon.model;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The families on checkpoints fixtures/hf-tiny-2 does not have (other shapes, RoPE variants and parameters,
 * windows, layer types, both config layouts), made by src/test/python/make_unseen_checkpoints.py with
 * transformers 5.17.0: the code must not be tuned to the fixtures. Each prompt is longer than the windows and than
 * the lengths where dynamic and longrope RoPE change regime.
 */
class DecoderUnseenCheckpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-dynamic", "llama-yarn-mscale", "qwen2-window", "mistral-llama3", "phi3-longrope",
            "qwen3-window-bias", "gemma2-layers", "gemma3-v4-linear"})
    void matchesTransformers(String name) throws Exception {
        DecoderFamiliesTest.assertMatchesGolden(resource(name), name);
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(DecoderUnseenCheckpointsTest.class.getResource("/unseen-checkpoints/" + name).toURI());
    }
}
