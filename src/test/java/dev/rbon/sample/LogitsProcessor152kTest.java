package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.model.Dtype;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden test on a Qwen2-sized vocabulary: the chain against transformers' on rows of 151,936 logits
 * (logits-processors-152k.json, made by src/test/python/make_logits_152k.py). The rows are recomputed here from
 * the generator's formula, bit for bit; the fixture holds the ids transformers kept and its top probabilities. Each
 * case runs through the chain of every model dtype. A float32 model's keeps what transformers keeps; any other
 * model's top-p keeps every token tied at its edge, so it may keep more, each extra tied with the lowest score
 * transformers kept.
 */
class LogitsProcessor152kTest {

    static JsonNode fixture() throws IOException {
        try (InputStream in = LogitsProcessor152kTest.class.getResourceAsStream("logits-processors-152k.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (Dtype dtype : Dtype.values()) {
            for (JsonNode c : fixture().get("cases")) {
                cases.add(Arguments.of(String.format("%s model seed=%s ties=%s T=%s k=%s p=%s eps=%s ngram=%s",
                        dtype.configName(), c.get("seed"), c.get("ties"), c.get("temperature"), c.get("top_k"),
                        c.get("top_p"), c.get("epsilon"), c.get("no_repeat_ngram_size")), c, dtype));
            }
        }
        return cases.stream();
    }

    /** The generator's splitmix64 of (seed, i). */
    static long hash64(long seed, long i) {
        long z = seed * 0x100000000L + i + 0x9E3779B97F4A7C15L * (seed + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** scale * x^8 for a 24-bit uniform x, in float32 products (rounded alike in numpy and Java). */
    static float[] logits(JsonNode c, int vocab) {
        float scale = (float) c.get("scale").asDouble();
        float[] row = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            float x = (float) (hash64(c.get("seed").asLong(), i) >>> 40) * 0x1p-24f;
            float x2 = x * x;
            float x4 = x2 * x2;
            float value = x4 * x4 * scale;
            row[i] = c.get("ties").asBoolean() ? (float) Math.floor(value * 8f) / 8f : value;
        }
        return row;
    }

    static SamplingParams params(JsonNode c) {
        return new SamplingParams(c.get("temperature").asDouble(), c.get("top_p").asDouble(), c.get("top_k").asInt(),
                c.get("epsilon").asDouble(), c.get("no_repeat_ngram_size").asInt(), 64, List.of(), null);
    }

    static int[] kept(JsonNode c) {
        int[] ids = new int[c.get("kept_count").asInt()];
        int id = 0;
        for (int i = 0; i < ids.length; i++) {
            id += c.get("kept_deltas").get(i).asInt();
            ids[i] = id;
        }
        return ids;
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void chainKeepsWhatTransformersKeeps(String name, JsonNode c, Dtype dtype) throws IOException {
        int vocab = fixture().get("vocab").asInt();
        float[] row = logits(c, vocab);
        double sum = 0;
        for (float x : row) {
            sum += x;
        }
        assertEquals(c.get("row_checksum").asDouble(), sum, 1e-6 * Math.abs(sum), "the row was not regenerated");
        float[] processed = Rows.chain(params(c), longs(c.get("input_ids")), row, dtype);
        if (!keepsWhatTransformersKeeps(c, row, processed, dtype, name)) {
            return; // ties kept beyond transformers' set: the probabilities differ by design
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] probabilities = manager.create(processed).softmax(0).toFloatArray();
            for (int i = 0; i < 5; i++) {
                int id = c.get("top_ids").get(i).asInt();
                assertEquals(c.get("top_probabilities").get(i).asDouble(), probabilities[id], 1e-6, "probability of " + id);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void everyCaseInOneBatchAndDrawsOnlyKeptTokens(Dtype dtype) throws IOException {
        JsonNode fixture = fixture();
        int vocab = fixture.get("vocab").asInt();
        List<SamplingParams> params = new ArrayList<>();
        List<long[]> histories = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        for (JsonNode c : fixture.get("cases")) {
            params.add(params(c));
            histories.add(longs(c.get("input_ids")));
            rows.add(logits(c, vocab));
        }
        SamplingBatch batch = SamplingBatch.of(params, histories);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray raw = Rows.matrix(manager, rows.toArray(float[][]::new));
            NDArray processed = LogitsProcessorList.of(batch, dtype).apply(batch, raw);
            float[][] out = Rows.split(processed.toFloatArray(), rows.size());
            RandomGenerator[] rngs = IntStream.range(0, rows.size()).mapToObj(SplittableRandom::new)
                    .toArray(RandomGenerator[]::new);
            for (int draw = 0; draw < 20; draw++) {
                TokenSampler.Choices choices = TokenSampler.choose(raw, processed, batch, rngs);
                for (int r = 0; r < rows.size(); r++) {
                    assertNotEquals(Float.NEGATIVE_INFINITY, out[r][(int) choices.tokens()[r]],
                            "row " + r + " drew the removed token " + choices.tokens()[r]);
                }
            }
            int r = 0;
            for (JsonNode c : fixture.get("cases")) {
                keepsWhatTransformersKeeps(c, rows.get(r), out[r], dtype, "batch row " + r);
                r++;
            }
        }
    }

    /**
     * The chain kept what transformers kept, or, for a model computing in less than float32, that and tokens tied
     * with the lowest score transformers kept (top-p's tie rule).
     *
     * @return whether the kept sets are equal
     */
    private static boolean keepsWhatTransformersKeeps(JsonNode c, float[] row, float[] processed, Dtype dtype,
            String name) {
        int[] expected = kept(c);
        int[] actual = keptIds(processed);
        if (dtype == Dtype.FLOAT32 || Arrays.equals(expected, actual)) {
            assertArrayEquals(expected, actual, name);
            return true;
        }
        Set<Integer> ours = Arrays.stream(actual).boxed().collect(Collectors.toSet());
        Set<Integer> theirs = Arrays.stream(expected).boxed().collect(Collectors.toSet());
        assertTrue(ours.containsAll(theirs), name + ": a token transformers keeps was removed");
        float lowest = (float) Arrays.stream(expected).mapToDouble(id -> row[id]).min().orElseThrow();
        for (int id : actual) {
            if (!theirs.contains(id)) {
                assertEquals(lowest, row[id], name + ": token " + id + " is kept beyond transformers' set untied");
            }
        }
        return false;
    }

    private static int[] keptIds(float[] processed) {
        return IntStream.range(0, processed.length).filter(i -> processed[i] != Float.NEGATIVE_INFINITY).toArray();
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
