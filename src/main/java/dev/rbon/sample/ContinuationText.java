package dev.rbon.sample;

import dev.rbon.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The text that generated tokens add after a prompt, in one place. Decoding the generated ids alone would drop the
 * leading space SentencePiece tokenizers strip at the start of a text, and split multi-byte characters at the seam,
 * so the text is read off a decode that includes what precedes it.
 */
public final class ContinuationText {

    /** Tokens of context before the ones decoded, as vLLM's incremental detokenizer keeps (its initial offset). */
    private static final int CONTEXT_TOKENS = 5;

    private ContinuationText() {}

    /**
     * decode(prompt ++ generated) minus {@code promptText} (= decode(prompt)); the generated ids decoded alone when
     * the tokenizer does not keep the prompt's text as a prefix.
     */
    public static String of(TextTokenizer tokenizer, long[] promptIds, String promptText, long[] generated) {
        long[] ids = Arrays.copyOf(promptIds, promptIds.length + generated.length);
        System.arraycopy(generated, 0, ids, promptIds.length, generated.length);
        String whole = tokenizer.decode(ids, true);
        return whole.startsWith(promptText)
                ? whole.substring(promptText.length())
                : tokenizer.decode(generated, true);
    }

    /**
     * What each generated token adds, in one pass (vLLM's incremental detokenization): each new token is decoded
     * with the few tokens before it rather than the whole prefix, so the cost grows linearly with the answer. A
     * token that ends inside a multi-byte character adds "" and the next one carries the character. Null when the
     * tokenizer's seams do not allow cutting the text per token.
     */
    public static List<String> pieces(TextTokenizer tokenizer, long[] promptIds, long[] generated) {
        long[] ids = Arrays.copyOf(promptIds, promptIds.length + generated.length);
        System.arraycopy(generated, 0, ids, promptIds.length, generated.length);
        List<String> pieces = new ArrayList<>(generated.length);
        int prefix = Math.max(0, promptIds.length - CONTEXT_TOKENS);
        int read = promptIds.length;
        for (int end = read + 1; end <= ids.length; end++) {
            String before = tokenizer.decode(Arrays.copyOfRange(ids, prefix, read), true);
            String after = tokenizer.decode(Arrays.copyOfRange(ids, prefix, end), true);
            if (!after.startsWith(before)) {
                return null;
            }
            if (end < ids.length && after.endsWith("\uFFFD")) { // wait for the character's last byte
                pieces.add("");
                continue;
            }
            pieces.add(after.substring(before.length()));
            prefix = read;
            read = end;
        }
        return pieces;
    }
}
