package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * {@link RequestSpaceTest}'s generator and oracle, checked by jqwik's own engine (no server): a seed always draws the
 * same request, so a printed seed replays it; an invalid case always names a field and a valid one none; every body
 * but the deliberately malformed ones is a JSON object; a stream is never expected to be refused. (A separate class:
 * jqwik does not discover properties in a {@code @QuarkusTest} class.)
 */
class RequestSpaceGeneratorTest {

    @Property(tries = 3000)
    void aSeedDrawsOneRequestAndItsOracleIsConsistent(@ForAll long seed) {
        RequestSpaceTest.Env env = new RequestSpaceTest.Env("policy", "reward");
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
