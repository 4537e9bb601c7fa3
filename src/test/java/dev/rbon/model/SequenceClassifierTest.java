package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rbon.Shared;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reward models against transformers' scores, one text at a time and in one right-padded batch. */
class SequenceClassifierTest {

    @ParameterizedTest
    @ValueSource(strings = {"reward-gpt2", "reward-llama"})
    void matchesGoldenScores(String name) throws Exception {
        Path dir = Shared.hfTiny(name);
        JsonNode golden = Shared.json(dir.resolve("golden.json"));
        try (SequenceClassifier rm = SequenceClassifier.load(dir, Device.cpu())) {
            List<long[]> batch = new ArrayList<>();
            for (int i = 0; i < golden.get("texts").size(); i++) {
                long[] ids = rm.tokenizer().encode(golden.get("texts").get(i).asText(), true);
                assertArrayEquals(Shared.longs(golden.get("ids").get(i)), ids, name + " ids of text " + i);
                float single = rm.score(List.of(ids))[0];
                assertEquals(golden.get("scores").get(i).asDouble(), single, 1e-4, name + " score of text " + i);
                batch.add(ids);
            }
            assertArrayEquals(Shared.floats(golden.get("scores_right_padded_batch")), rm.score(batch), 1e-4f);
        }
    }

    @Test
    void refusesACausalLmAsARewardModel() {
        assertThrows(IllegalArgumentException.class, () -> SequenceClassifier.load(Shared.hfTiny("llama"), Device.cpu()));
    }
}
