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

    /**
     * bop's draw of how many candidates to decode: seeded by the request's seed but apart from {@link #of}'s
     * stream (the seed plus a fixed odd constant), which seeds the rows.
     */
    public static RandomGenerator poolSize(Long seed) {
        return of(seed != null ? seed + 0x9E3779B97F4A7C15L : null);
    }
}
