package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.model.Dtype;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every processor is pure: it leaves its input array and the histories untouched and returns a new array. */
class LogitsProcessorPurityTest {

    private static final SamplingParams ALL = new SamplingParams(0.8, 0.5, 3, 0.05, 2, 8, List.of(), 1L);

    static Stream<Arguments> processors() {
        return Stream.of(
                Arguments.of(Named.of("TemperatureLogitsWarper", new TemperatureLogitsWarper())),
                Arguments.of(Named.of("TopKLogitsWarper", new TopKLogitsWarper())),
                Arguments.of(Named.of("TopPLogitsWarper", new TopPLogitsWarper())),
                Arguments.of(Named.of("EpsilonLogitsWarper", new EpsilonLogitsWarper())),
                Arguments.of(Named.of("NoRepeatNGramLogitsProcessor", new NoRepeatNGramLogitsProcessor())),
                Arguments.of(Named.of("an empty chain", new LogitsProcessorList(List.of()))),
                Arguments.of(Named.of("the full chain",
                        LogitsProcessorList.of(SamplingBatch.of(List.of(ALL), List.of(new long[1])), Dtype.FLOAT32))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("processors")
    void doesNotModifyItsInput(LogitsProcessor processor) {
        long[] history = {3, 1, 4, 1, 5, 3, 1};
        float[][] scores = {{0.5f, 2.5f, -1f, 1.5f, 0.25f, 3f, Float.NEGATIVE_INFINITY, 1.5f},
                {1f, 1f, 1f, 1f, 2f, 0f, 0f, 3f}};
        long[] historyBefore = history.clone();
        SamplingBatch batch = SamplingBatch.of(List.of(ALL, ALL), List.of(history, history));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = Rows.matrix(manager, scores);
            float[] before = input.toFloatArray();
            NDArray processed = processor.apply(batch, input);
            assertNotSame(input, processed);
            assertArrayEquals(before, input.toFloatArray());
        }
        assertArrayEquals(historyBefore, history);
    }
}
