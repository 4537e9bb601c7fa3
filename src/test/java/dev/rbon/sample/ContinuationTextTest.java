package dev.rbon.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.rbon.Shared;
import dev.rbon.model.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pieces each generated token adds, decoded incrementally with a few tokens of context, join to the whole
 * continuation decoded at once, on the hf-tiny llama's SentencePiece tokenizer: words with their leading spaces,
 * multi-byte characters split over byte-fallback tokens, and random token ids.
 */
class ContinuationTextTest {

    @Test
    void piecesJoinToTheContinuation() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.open(Shared.hfTiny("llama").resolve("tokenizer.json"))) {
            long[] prompt = tokenizer.encode("The licence grants you", true);
            String promptText = tokenizer.decode(prompt, true);
            for (String text : List.of(" the right to copy.", " naïve café, 日本語 and 🙂 too", "\n\n  spaced   out ")) {
                long[] all = tokenizer.encode("The licence grants you" + text, true);
                long[] generated = Arrays.copyOfRange(all, prompt.length, all.length);
                assertJoins(tokenizer, prompt, promptText, generated);
            }
            SplittableRandom random = new SplittableRandom(7);
            for (int trial = 0; trial < 20; trial++) {
                long[] generated = random.longs(40, 3, 512).toArray();
                assertJoins(tokenizer, prompt, promptText, generated);
            }
        }
    }

    private static void assertJoins(TextTokenizer tokenizer, long[] prompt, String promptText, long[] generated) {
        List<String> pieces = ContinuationText.pieces(tokenizer, prompt, generated);
        assertNotNull(pieces, Arrays.toString(generated));
        assertEquals(generated.length, pieces.size());
        assertEquals(ContinuationText.of(tokenizer, prompt, promptText, generated), String.join("", pieces),
                Arrays.toString(generated));
    }
}
