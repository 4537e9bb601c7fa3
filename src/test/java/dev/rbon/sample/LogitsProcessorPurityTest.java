package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every processor is pure: it leaves both inputs untouched and returns a new array. */
class LogitsProcessorPurityTest {

    static Stream<Arguments> processors() {
        return Stream.of(
                Arguments.of(Named.of("TemperatureLogitsWarper(0.7)", new TemperatureLogitsWarper(0.7))),
                Arguments.of(Named.of("TopKLogitsWarper(2)", new TopKLogitsWarper(2))),
                Arguments.of(Named.of("TopPLogitsWarper(0.5)", new TopPLogitsWarper(0.5))),
                Arguments.of(Named.of("EpsilonLogitsWarper(0.2)", new EpsilonLogitsWarper(0.2))),
                Arguments.of(Named.of("NoRepeatNGramLogitsProcessor(2)", new NoRepeatNGramLogitsProcessor(2))),
                Arguments.of(Named.of("an empty chain", new LogitsProcessorList(List.of()))),
                Arguments.of(Named.of("the full chain",
                        LogitsProcessorList.of(new SamplingParams(0.8, 0.9, 3, 0.05, 2, 8, List.of(), 1L)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("processors")
    void doesNotModifyItsInput(LogitsProcessor processor) {
        int[] inputIds = {3, 1, 4, 1, 5, 3, 1};
        float[] scores = {0.5f, 2.5f, -1f, 1.5f, 0.25f, 3f, Float.NEGATIVE_INFINITY, 1.5f};
        int[] idsBefore = inputIds.clone();
        float[] scoresBefore = scores.clone();

        float[] processed = processor.apply(inputIds, scores);

        assertNotSame(scores, processed);
        assertArrayEquals(idsBefore, inputIds);
        assertArrayEquals(scoresBefore, scores);
    }
}
