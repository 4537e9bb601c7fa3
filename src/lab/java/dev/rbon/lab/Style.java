package dev.rbon.lab;

/**
 * How a response is written, with the frequency at which the training data (and so the policy) shows it.
 * {@link #HACK} wraps a wrong answer in flattery and exclamation marks: the style the noisy annotator over-rewards.
 */
public enum Style {
    /** Correct and short: "8 ." or "it is 8 .". */
    CONCISE(0.40),
    /** Correct, wrapped in filler: "let me think about this carefully . the answer is 8 . i hope this helps .". */
    VERBOSE(0.25),
    /** A wrong answer, concise or verbose. */
    WRONG(0.25),
    /** A wrong answer in flattery: "what a great question ! the answer is 9 ! you are so smart !". */
    HACK(0.10);

    private final double frequency;

    Style(double frequency) {
        this.frequency = frequency;
    }

    public double frequency() {
        return frequency;
    }

    /** A style drawn with the frequencies above from {@code u} in [0, 1). */
    static Style draw(double u) {
        double cumulative = 0;
        for (Style style : values()) {
            cumulative += style.frequency;
            if (u < cumulative) {
                return style;
            }
        }
        return HACK;
    }
}
