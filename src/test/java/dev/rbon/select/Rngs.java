package dev.rbon.select;

import java.util.random.RandomGenerator;

/** RandomGenerator stubs that pin the draw, or forbid it. */
final class Rngs {

    private Rngs() {
    }

    /** One nextDouble() that returns u: a second draw, or any other kind of draw, fails the test. */
    static RandomGenerator fixed(double u) {
        return new RandomGenerator() {
            private boolean drawn;

            @Override
            public long nextLong() {
                throw new AssertionError("only nextDouble() is expected");
            }

            @Override
            public double nextDouble() {
                if (drawn) {
                    throw new AssertionError("a stochastic method must draw exactly once");
                }
                drawn = true;
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
