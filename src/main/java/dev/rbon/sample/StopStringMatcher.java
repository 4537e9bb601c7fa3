package dev.rbon.sample;

import dev.rbon.model.TextTokenizer;
import java.util.Arrays;
import java.util.List;

// Incremental detokenization as TGI's decode_token and vLLM's detokenize_incrementally do it.

/**
 * Watches one row's text for stop strings as tokens arrive, decoding only the tail: each step decodes the tokens
 * from {@code prefixOffset} (a few tokens of context, so SentencePiece spacing and byte-level pieces come out as
 * they do in the whole text) and keeps what goes beyond the text of {@code [prefixOffset, readOffset)}. A tail
 * ending in U+FFFD is an incomplete UTF-8 character: it waits for the next token. Only the new text, plus the
 * last {@code longest stop - 1} characters before it, is searched. The cost per step is bounded, not the row's
 * length.
 *
 * <p>This decides only when a row stops; the returned text is cut where the whole decoded continuation first
 * holds a stop string ({@link #firstStop}), so the two agree on what the client sees.
 */
final class StopStringMatcher {

    /** Tokens of context before the unread ones, as vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET. */
    private static final int CONTEXT_TOKENS = 5;

    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private final int longestStop;
    private final StringBuilder text = new StringBuilder();
    private int prefixOffset;
    private int readOffset;

    StopStringMatcher(TextTokenizer tokenizer, List<String> stops, int promptLength) {
        this.tokenizer = tokenizer;
        this.stops = stops;
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
        this.prefixOffset = Math.max(0, promptLength - CONTEXT_TOKENS);
        this.readOffset = promptLength;
    }

    /** Takes the row's newest token ({@code ids[length - 1]}); true once the generated text holds a stop string. */
    boolean append(long[] ids, int length) {
        if (stops.isEmpty()) {
            return false;
        }
        String context = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset), true);
        String whole = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, length), true);
        if (whole.length() <= context.length() || whole.endsWith("\uFFFD") || !whole.startsWith(context)) {
            return false; // nothing complete yet
        }
        int searchFrom = Math.max(0, text.length() - longestStop + 1);
        text.append(whole, context.length(), whole.length());
        prefixOffset = readOffset;
        readOffset = length;
        for (String stop : stops) {
            if (text.indexOf(stop, searchFrom) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Where the first stop string starts in {@code text}, or -1. */
    static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }
}
