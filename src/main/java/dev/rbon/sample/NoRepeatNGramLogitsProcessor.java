package dev.rbon.sample;

// Mirrors transformers' NoRepeatNGramLogitsProcessor (generation/logits_process.py).

/**
 * Forbids repeating an n-gram: bans (sets to {@code -inf}) every token that, appended to the row, would complete an
 * n-gram already present in the row. The row is the whole unpadded history, prompt included, as transformers does for
 * decoder-only models, and it applies in greedy decoding too.
 *
 * <p>The n-grams already present are the windows {@code ids[s .. s+n)}; the next token completes one iff the row's
 * last {@code n-1} tokens equal the window's first {@code n-1}, and then it bans the window's last token. A row shorter
 * than n holds no complete n-gram, so nothing is banned (transformers' older {@code cur_len + 1 < ngram_size} early
 * return gives the same result: at length n-1 there is still no window). With n = 1 every token already in the row is
 * banned.
 */
public final class NoRepeatNGramLogitsProcessor implements LogitsProcessor {

    private final int ngramSize;

    public NoRepeatNGramLogitsProcessor(int ngramSize) {
        if (ngramSize < 1) {
            throw new IllegalArgumentException(
                    "no_repeat_ngram_size must be >= 1 (0 disables it: leave the processor out), got " + ngramSize);
        }
        this.ngramSize = ngramSize;
    }

    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        float[] processed = scores.clone();
        int length = inputIds.length;
        if (length < ngramSize) {
            return processed;
        }
        int prefixStart = length - (ngramSize - 1); // the row's last n-1 tokens
        for (int start = 0; start + ngramSize <= length; start++) {
            if (regionsEqual(inputIds, start, prefixStart, ngramSize - 1)) {
                int banned = inputIds[start + ngramSize - 1];
                if (banned < 0 || banned >= processed.length) {
                    throw new IllegalArgumentException(
                            "token id " + banned + " is outside the vocabulary of size " + processed.length);
                }
                processed[banned] = Float.NEGATIVE_INFINITY;
            }
        }
        return processed;
    }

    private static boolean regionsEqual(int[] ids, int from, int otherFrom, int count) {
        for (int i = 0; i < count; i++) {
            if (ids[from + i] != ids[otherFrom + i]) {
                return false;
            }
        }
        return true;
    }
}
