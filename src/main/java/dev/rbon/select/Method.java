package dev.rbon.select;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The selection methods, with the facts a caller needs before scoring: the wire name, how beta is checked,
 * whether the pick is sampled, and which optional scores the rule reads (rewards are always needed).
 * The rules themselves live in {@link Selector}.
 */
public enum Method {
    //              wire              beta               stochastic refLogprobs similarity lengths selfCertainty
    BON(           "bon",            Beta.IGNORED,      false,     false,      false,     false,  false),
    RBON_KL(       "rbon_kl",        Beta.NON_NEGATIVE, false,     true,       false,     false,  false),
    RBON_WD(       "rbon_wd",        Beta.NON_NEGATIVE, false,     false,      true,      false,  false),
    MBR(           "mbr",            Beta.IGNORED,      false,     false,      true,      false,  false),
    SRBON_KL(      "srbon_kl",       Beta.POSITIVE,     true,      true,       false,     false,  false),
    SRBON_WD(      "srbon_wd",       Beta.NON_NEGATIVE, true,      false,      true,      false,  false),
    RBON_LEN(      "rbon_len",       Beta.NON_NEGATIVE, false,     false,      false,     true,   false),
    RANDOM(        "random",         Beta.IGNORED,      true,      false,      false,     false,  false),
    SOFT_BON(      "soft_bon",       Beta.POSITIVE,     true,      false,      false,     false,  false),
    /** Best-of-Poisson: beta is mu; the pool the rule reads is already the 1 + Poisson(mu) candidates decoded. */
    BOP(           "bop",            Beta.NON_NEGATIVE, false,     false,      false,     false,  false),
    SELF_CERTAINTY("self_certainty", Beta.IGNORED,      false,     false,      false,     false,  true);

    /** What a method accepts as beta. */
    public enum Beta {
        /** beta is not read; any value passes. */
        IGNORED,
        /** finite and >= 0; 0 turns the regulariser off. */
        NON_NEGATIVE,
        /** finite and > 0 (srbon_kl and soft_bon divide by beta). */
        POSITIVE
    }

    private final String wireName;
    private final Beta beta;
    private final boolean stochastic;
    private final boolean needsRefLogprobs;
    private final boolean needsSimilarity;
    private final boolean needsLengths;
    private final boolean needsSelfCertainty;

    Method(String wireName, Beta beta, boolean stochastic, boolean needsRefLogprobs, boolean needsSimilarity,
            boolean needsLengths, boolean needsSelfCertainty) {
        this.wireName = wireName;
        this.beta = beta;
        this.stochastic = stochastic;
        this.needsRefLogprobs = needsRefLogprobs;
        this.needsSimilarity = needsSimilarity;
        this.needsLengths = needsLengths;
        this.needsSelfCertainty = needsSelfCertainty;
    }

    /** The name used in requests and responses, e.g. {@code "rbon_kl"}. */
    public String wireName() {
        return wireName;
    }

    /** The method with this exact wire name; IllegalArgumentException listing the valid names otherwise. */
    public static Method fromWire(String name) {
        for (Method m : values()) {
            if (m.wireName.equals(name)) {
                return m;
            }
        }
        String valid = Arrays.stream(values()).map(Method::wireName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown method '" + name + "'; expected one of " + valid);
    }

    public Beta beta() {
        return beta;
    }

    public boolean usesBeta() {
        return beta != Beta.IGNORED;
    }

    /**
     * True when the pick is drawn from a distribution with the request's RNG (srbon_kl, srbon_wd, random, soft_bon).
     * bop draws too, but before sampling (how many candidates to decode), and picks deterministically.
     */
    public boolean stochastic() {
        return stochastic;
    }

    /** True when the rule reads l_i = log pi_ref(y_i|x). */
    public boolean needsRefLogprobs() {
        return needsRefLogprobs;
    }

    /** True when the rule reads the cosine similarity matrix S (needs the embeddings). */
    public boolean needsSimilarity() {
        return needsSimilarity;
    }

    /** True when the rule reads the token counts L_i. */
    public boolean needsLengths() {
        return needsLengths;
    }

    /** True when the rule reads each candidate's self-certainty (the sampler's mean KL(uniform ‖ p_t)). */
    public boolean needsSelfCertainty() {
        return needsSelfCertainty;
    }

    /**
     * True when the pick is the argmax of a score of each candidate alone (not of the pool), so the chosen
     * candidate is distributed as the best of N draws of that score: KL to the policy log N - (N - 1) / N.
     */
    public boolean argmaxOfOwnScore() {
        return this == BON || this == RBON_KL || this == RBON_LEN || this == BOP || this == SELF_CERTAINTY;
    }

    /**
     * Throws IllegalArgumentException when beta is not valid for this method: non-finite, negative, or (srbon_kl,
     * soft_bon) zero. Methods that ignore beta accept any value.
     */
    public void checkBeta(double value) {
        if (beta == Beta.IGNORED) {
            return;
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("beta must be finite for " + wireName + ", got " + value);
        }
        if (beta == Beta.POSITIVE && value <= 0) {
            throw new IllegalArgumentException("beta must be > 0 for " + wireName + ", got " + value);
        }
        if (value < 0) {
            throw new IllegalArgumentException("beta must be >= 0 for " + wireName + ", got " + value);
        }
    }
}
