package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MethodTest {

    @ParameterizedTest
    @CsvSource({
        // wire,    beta,         stochastic, refLogprobs, similarity, lengths
        "bon,       IGNORED,      false,      false,       false,      false",
        "rbon_kl,   NON_NEGATIVE, false,      true,        false,      false",
        "rbon_wd,   NON_NEGATIVE, false,      false,       true,       false",
        "mbr,       IGNORED,      false,      false,       true,       false",
        "srbon_kl,  POSITIVE,     true,       true,        false,      false",
        "soft_bon,  POSITIVE,     true,       false,       false,      false",
        "srbon_wd,  NON_NEGATIVE, true,       false,       true,       false",
        "rbon_len,  NON_NEGATIVE, false,      false,       false,      true",
        "random,    IGNORED,      true,       false,       false,      false",
        "bop,       NON_NEGATIVE, false,      false,       false,      false",
        "self_certainty, IGNORED, false,      false,       false,      false"})
    void factsPerMethod(String wire, Method.Beta beta, boolean stochastic, boolean refLogprobs, boolean similarity,
            boolean lengths) {
        Method m = Method.fromWire(wire);
        assertEquals(wire, m.wireName());
        assertEquals(beta, m.beta());
        assertEquals(beta != Method.Beta.IGNORED, m.usesBeta());
        assertEquals(stochastic, m.stochastic());
        assertEquals(refLogprobs, m.needsRefLogprobs());
        assertEquals(similarity, m.needsSimilarity());
        assertEquals(lengths, m.needsLengths());
        assertEquals(m == Method.SELF_CERTAINTY, m.needsSelfCertainty());
    }

    @Test
    void wireNamesAreTheDocumentedOnes() {
        List<String> names = Arrays.stream(Method.values()).map(Method::wireName).toList();
        assertEquals(List.of("bon", "rbon_kl", "rbon_wd", "mbr", "srbon_kl", "srbon_wd", "rbon_len", "random",
                "soft_bon", "bop", "self_certainty"), names);
        for (Method m : Method.values()) {
            assertSame(m, Method.fromWire(m.wireName()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"BON", "rbon-kl", "best_of_n", "", " bon"})
    void unknownWireNamesAreRejectedWithTheValidOnes(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Method.fromWire(name));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(
                "bon, rbon_kl, rbon_wd, mbr, srbon_kl, srbon_wd, rbon_len, random, soft_bon, bop, self_certainty"),
                e.getMessage());
    }

    @Test
    void nullWireNameIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Method.fromWire(null));
    }

    @ParameterizedTest
    @EnumSource(names = {"RBON_KL", "RBON_WD", "SRBON_WD", "RBON_LEN"})
    void nonNegativeBeta(Method m) {
        assertDoesNotThrow(() -> m.checkBeta(0));
        assertDoesNotThrow(() -> m.checkBeta(1e6));
        assertEquals("beta must be >= 0 for " + m.wireName() + ", got -0.1", message(m, -0.1));
        assertEquals("beta must be finite for " + m.wireName() + ", got NaN", message(m, Double.NaN));
        assertEquals("beta must be finite for " + m.wireName() + ", got Infinity",
                message(m, Double.POSITIVE_INFINITY));
    }

    @Test
    void srbonKlNeedsAPositiveBeta() {
        assertDoesNotThrow(() -> Method.SRBON_KL.checkBeta(1e-9));
        assertEquals("beta must be > 0 for srbon_kl, got 0.0", message(Method.SRBON_KL, 0));
        assertEquals("beta must be > 0 for srbon_kl, got -0.0", message(Method.SRBON_KL, -0.0));
        assertEquals("beta must be > 0 for srbon_kl, got -2.0", message(Method.SRBON_KL, -2));
        assertEquals("beta must be finite for srbon_kl, got NaN", message(Method.SRBON_KL, Double.NaN));
    }

    @ParameterizedTest
    @EnumSource(names = {"BON", "MBR", "RANDOM"})
    void ignoredBetaAcceptsAnything(Method m) {
        for (double beta : new double[] {-1, 0, Double.NaN, Double.NEGATIVE_INFINITY}) {
            assertDoesNotThrow(() -> m.checkBeta(beta));
        }
    }

    @Test
    void selectorChecksBeta() {
        Scores pool = new Scores(new double[] {1, 2}, new double[] {-1, -2}, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Selector.select(Method.RBON_KL, -1, RewardNormalization.NONE, pool, null));
        assertEquals("beta must be >= 0 for rbon_kl, got -1.0", e.getMessage());
    }

    @Test
    void betaThatOverflowsAnObjectiveIsRejectedNotReturnedAsInfinity() {
        Scores pool = new Scores(new double[] {1, 2}, new double[] {-1, -2}, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Selector.select(Method.SRBON_KL, 1e-310, RewardNormalization.NONE, pool, Rngs.fixed(0.5)));
        assertTrue(e.getMessage().startsWith("beta 1.0E-310 is out of range for these scores"), e.getMessage());
    }

    @Test
    void stochasticMethodsNeedAnRng() {
        Scores pool = Scores.ofRewards(1, 2);
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Selector.select(Method.RANDOM, 0, RewardNormalization.NONE, pool, null));
        assertEquals("rng is required for random", e.getMessage());
    }

    @Test
    void rewardNormalizationWireNames() {
        assertSame(RewardNormalization.NONE, RewardNormalization.fromWire("none"));
        assertSame(RewardNormalization.ZSCORE, RewardNormalization.fromWire("zscore"));
        assertEquals("zscore", RewardNormalization.ZSCORE.wireName());
        assertSame(RewardNormalization.QUANTILE, RewardNormalization.fromWire("quantile"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardNormalization.fromWire("minmax"));
        assertEquals("unknown reward_normalization 'minmax'; expected one of none, zscore, quantile", e.getMessage());
    }

    private static String message(Method m, double beta) {
        return assertThrows(IllegalArgumentException.class, () -> m.checkBeta(beta)).getMessage();
    }
}
