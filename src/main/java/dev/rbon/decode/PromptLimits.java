package dev.rbon.decode;

/**
 * The checks every route makes of a prompt's tokens before any work, in one place: it has tokens, its ids are in
 * the vocabulary, it is within rbon.limits.max-prompt-tokens, and it leaves the model's context room for the
 * tokens to generate. Each refusal is a {@link FieldException} naming the field the client sent.
 */
final class PromptLimits {

    private PromptLimits() {}

    /** Some tokens, each an id of the model's vocabulary (token-id prompts). */
    static void tokens(String field, long[] ids, int vocabSize) {
        nonEmpty(field, ids.length);
        for (long id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new FieldException(field, "token id " + id + " is outside the vocabulary (0.." + (vocabSize - 1)
                        + ")");
            }
        }
    }

    static void nonEmpty(String field, int tokens) {
        if (tokens == 0) { // e.g. whitespace that a tokenizer without BOS encodes to nothing
            throw new FieldException(field, "has no tokens");
        }
    }

    /**
     * {@code promptTokens} within {@code maxPromptTokens}, and with {@code maxNewTokens} after it within the model's
     * {@code context}; {@code tokensField} is the client's name for the generated length.
     */
    static void fits(String field, int promptTokens, int maxPromptTokens, String tokensField, int maxNewTokens,
            int context, String model) {
        if (promptTokens > maxPromptTokens) {
            throw new FieldException(field, "the prompt is " + promptTokens + " tokens, over the limit of "
                    + maxPromptTokens);
        }
        if (promptTokens + maxNewTokens > context) {
            throw new FieldException(tokensField, "prompt (" + promptTokens + " tokens) + " + tokensField + " ("
                    + maxNewTokens + ") exceeds the " + model + "'s context of " + context);
        }
    }
}
