package dev.rbon.select;

import java.util.random.RandomGenerator;

/** RandomGenerator stubs that pin the draw, or forbid it. */
final class Rngs {

    private Rngs() {
    }

    /** Every nextDouble() returns u; any other draw fails the test. */
    static RandomGenerator fixed(double u) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("only nextDouble() is expected");
            }

            @Override
            public double nextDouble() {
                return u;
            }
        };
    }

    /** Any draw fails the test: for the deterministic methods. */
    static RandomGenerator forbidden() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("a deterministic method drew from the RNG");
            }

            @Override
            public double nextDouble() {
                throw new AssertionError("a deterministic method drew from the RNG");
            }
        };
    }
}
