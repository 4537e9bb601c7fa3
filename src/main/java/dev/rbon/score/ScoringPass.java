package dev.rbon.score;

import java.util.List;

/**
 * One forward pass of a scoring model over a few rows, sized in tokens (rows x padded length): the unit a worker's
 * scheduler runs between decoding steps, so that scoring a long pool never stalls the batch for more than one pass.
 * Running it fills its rows of the result arrays it was made with.
 *
 * @param stage what it scores: {@code reward}, {@code reference} or {@code embed}
 * @param tokens the pass's size (0 for a call to a remote engine, which costs this device nothing)
 */
public record ScoringPass(String stage, int tokens, Runnable run) {

    /** Runs the passes one after the other: scoring at once, on the caller's thread. */
    public static void runAll(List<ScoringPass> passes) {
        passes.forEach(pass -> pass.run().run());
    }
}
