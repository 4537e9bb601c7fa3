package dev.rbon.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tokenizer.json through DJL's HuggingFace tokenizers (the Rust {@code tokenizers} library), with the file's
 * own special-token rules and nothing else: no truncation (DJL truncates at 512 by default) and no padding
 * (the MiniLM tokenizer.json pads to 128); batching pads explicitly.
 */
public final class TextTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static TextTokenizer open(Path tokenizerJson) throws IOException {
        return new TextTokenizer(HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerJson)
                .optTruncation(false)
                .optPadding(false)
                .build());
    }

    /**
     * A tokenizer that truncates every text to {@code maxLength} tokens, special tokens included (the last ones
     * kept), as transformers' {@code tokenizer(text, truncation=True, max_length=...)}: sentence embedders only.
     */
    public static TextTokenizer open(Path tokenizerJson, int maxLength) throws IOException {
        return new TextTokenizer(HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerJson)
                .optTruncation(true)
                .optMaxLength(maxLength)
                .optPadding(false)
                .build());
    }

    /** Token ids of {@code text}, with the tokenizer's special tokens (BOS, [CLS]...[SEP]) when asked. */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /**
     * Ids of a text pair as transformers' {@code tokenizer(text, pair)} gives them: the tokenizer.json's pair template
     * (a cross-encoder's {@code [CLS] text [SEP] pair [SEP]}) around both texts.
     */
    public long[] encodePair(String text, String pair) {
        return tokenizer.encode(text, pair, true, false).getIds();
    }

    /**
     * Ids of {@code continuation} as it follows the prompt: the tail of encode(prompt + continuation) after the
     * prompt's own ids ({@code promptIds}, encoded with or without special tokens as {@code specialTokens} says).
     * Encoding the continuation alone differs for SentencePiece
     * tokenizers, which prepend "▁" to every text they encode. Where the two merge across the seam the tail is
     * not defined, and the continuation is encoded alone.
     */
    public long[] encodeContinuation(String prompt, long[] promptIds, boolean specialTokens, String continuation) {
        long[] whole = encode(prompt + continuation, specialTokens);
        boolean prefix = whole.length >= promptIds.length
                && Arrays.equals(whole, 0, promptIds.length, promptIds, 0, promptIds.length);
        return prefix ? Arrays.copyOfRange(whole, promptIds.length, whole.length) : encode(continuation, false);
    }

    /** The text of {@code ids}; decoding whole sequences keeps every byte of byte-level and byte-fallback pieces. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
