package dev.rbon.decode;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A request's generator: it seeds the rows' generators and then draws the stochastic methods' picks, so a seeded
 * request is reproducible, and the same seed gives the same pool on every route.
 */
public final class RequestRandom {

    private static final SecureRandom SEEDS = new SecureRandom();

    private RequestRandom() {}

    /** {@code seed} null: fresh randomness. */
    public static RandomGenerator of(Long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed != null ? seed : SEEDS.nextLong());
    }
}
