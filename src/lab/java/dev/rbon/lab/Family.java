package dev.rbon.lab;

/** The kinds of instruction the lab's task asks, each with answers that code can check. */
public enum Family {
    /** "add 3 and 5 ." -> 8 (operands 0..9). */
    ADD,
    /** "which is larger : 7 or 4 ?" -> 7. */
    COMPARE,
    /** "how many letters in cat ?" -> 3. */
    COUNT,
    /** "reverse the word dog ." -> god. */
    REVERSE,
    /** "what colour is snow ?" -> white, from {@link Facts#COLOURS}. */
    COLOUR,
    /** "what sound does a cow make ?" -> moo, from {@link Facts#SOUNDS}. */
    SOUND
}
