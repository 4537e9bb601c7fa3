package dev.rbon.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Speculative rejection's decision: who decodes on, over seeded random pools and at the limits. */
class PruneTest {

    @Test
    void decisionPointsComeEveryEveryTokens() {
        Prune prune = new Prune(16, 0.5);
        assertFalse(prune.decides(0));
        assertFalse(prune.decides(15));
        assertTrue(prune.decides(16));
        assertTrue(prune.decides(48));
        assertTrue(new Prune(1, 0.5).decides(1));
    }

    @Test
    void theBestCeilOfKeepTimesRunningGoOnAndFinishedOnesAreNeverPruned() {
        Random random = new Random(1);
        for (int seed = 0; seed < 2000; seed++) {
            int n = 1 + random.nextInt(40);
            double keep = random.nextInt(4) == 0 ? 1.0 : Math.max(1e-3, random.nextDouble());
            Prune prune = new Prune(1 + random.nextInt(20), keep);
            double[] objectives = random.doubles(n, -3, 3).map(v -> random.nextInt(5) == 0 ? Math.rint(v) : v)
                    .toArray();
            boolean[] running = new boolean[n];
            int runningCount = 0;
            for (int i = 0; i < n; i++) {
                running[i] = random.nextInt(4) != 0;
                runningCount += running[i] ? 1 : 0;
            }
            boolean[] on = prune.decodeOn(objectives, running);
            int kept = 0;
            double worstKept = Double.POSITIVE_INFINITY;
            double bestPruned = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (!running[i]) {
                    assertFalse(on[i], "seed " + seed + ": a finished candidate is not running on");
                } else if (on[i]) {
                    kept++;
                    worstKept = Math.min(worstKept, objectives[i]);
                } else {
                    bestPruned = Math.max(bestPruned, objectives[i]);
                }
            }
            int expected = runningCount == 0 ? 0 : Math.max(1, (int) Math.ceil(keep * runningCount - 1e-9));
            assertEquals(expected, kept, "seed " + seed);
            assertTrue(worstKept >= bestPruned, "seed " + seed + ": a pruned candidate beat a kept one");
        }
    }

    @Test
    void keepOneKeepsEveryRunningCandidateAndTiesGoToTheLowerIndex() {
        boolean[] running = {true, true, false, true};
        assertArrayEquals(new boolean[] {true, true, false, true},
                new Prune(4, 1.0).decodeOn(new double[] {0, -1, 9, 5}, running));
        assertArrayEquals(new boolean[] {true, false, false, false},
                new Prune(4, 0.3).decodeOn(new double[] {2, 2, 9, 2}, running));
    }

    @Test
    void atLeastKeepsEnoughCandidatesInThePool() {
        boolean[] running = {true, true, true, true, false};
        boolean[] on = new Prune(4, 0.25).decodeOn(new double[] {1, 4, 3, 2, 0}, running, 3);
        assertArrayEquals(new boolean[] {false, true, true, false, false}, on); // the finished one counts too
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Prune(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Prune(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new Prune(4, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new Prune(4, Double.NaN));
        assertEquals("every=4;keep=0.5", new Prune(4, 0.5).toString());
    }
}
