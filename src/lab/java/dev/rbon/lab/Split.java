package dev.rbon.lab;

/**
 * Which part of the task a prompt belongs to: a seeded hash of the prompt's text, so the three parts never share a
 * prompt string (they do share facts: "add 3 and 5 ." may be in test while "what is 3 plus 5 ?" is in train).
 */
public enum Split {
    TRAIN, TUNE, TEST;

    static final double TRAIN_SHARE = 0.60;
    static final double TUNE_SHARE = 0.15;

    public static Split of(String prompt, long seed) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < prompt.length(); i++) {
            h = (h ^ prompt.charAt(i)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        double u = (h >>> 11) * 0x1.0p-53;
        return u < TRAIN_SHARE ? TRAIN : u < TRAIN_SHARE + TUNE_SHARE ? TUNE : TEST;
    }
}
