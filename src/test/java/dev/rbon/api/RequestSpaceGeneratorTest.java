package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestSpaceTest}'s generator and oracle on their own (no server), over 3000 seeds: a seed always draws the
 * same request, so a printed seed replays it; an invalid case always names a field and a valid one none; every body
 * but the deliberately malformed ones is a JSON object; a stream is never expected to be refused.
 */
class RequestSpaceGeneratorTest {

    @Test
    void aSeedDrawsOneRequestAndItsOracleIsConsistent() {
        RequestSpaceTest.Env env = new RequestSpaceTest.Env("policy", "reward");
        SplittableRandom seeds = new SplittableRandom(3000);
        for (int i = 0; i < 3000; i++) {
            long seed = seeds.nextLong();
            RequestSpaceTest.Case a = RequestSpaceTest.draw(seed, env);
            assertEquals(a, RequestSpaceTest.draw(seed, env));
            switch (a.expect()) {
                case VALID -> assertTrue(a.fields().isEmpty(), a.describe());
                case INVALID, EITHER -> assertFalse(a.fields().isEmpty(), a.describe());
                case MALFORMED -> assertFalse(a.stream(), a.describe());
            }
            if (a.expect() != RequestSpaceTest.Expect.MALFORMED) {
                JsonNode body = RequestSpaceTest.parse(a.body());
                assertTrue(body != null && body.isObject(), a.describe());
            }
            if (a.stream()) {
                assertTrue(a.expect() != RequestSpaceTest.Expect.INVALID, a.describe());
            }
        }
    }
}
