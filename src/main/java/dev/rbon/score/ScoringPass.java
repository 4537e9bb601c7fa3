package dev.rbon.score;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One forward pass of a scoring model over a few rows, sized in tokens (rows x padded length): the unit a worker's
 * scheduler runs between decoding steps, so that scoring a long pool never stalls the batch for more than one pass.
 * Running it fills its rows of the result arrays it was made with. A row longer than a pass is read in parts, one
 * pass each, that carry a KV cache from one to the next; {@code release} frees it when the passes are dropped
 * before the last one ran (the request failed or was abandoned).
 *
 * @param stage what it scores: {@code reward}, {@code reference} or {@code embed}
 * @param tokens the pass's size (0 for a call to a remote engine, which costs this device nothing)
 * @param shared a reward pass's rows, which other requests' rows of the same model may join; null for the others
 */
public record ScoringPass(String stage, int tokens, Runnable run, Runnable release, SharedRows shared) {

    public ScoringPass(String stage, int tokens, Runnable run) {
        this(stage, tokens, run, () -> { }, null);
    }

    public ScoringPass(String stage, int tokens, Runnable run, Runnable release) {
        this(stage, tokens, run, release, null);
    }

    /** The same pass, run through {@code around} (a deadline, a timer, an error mapping). */
    public ScoringPass around(UnaryOperator<Runnable> around) {
        return new ScoringPass(stage, tokens, around.apply(run), release, shared);
    }

    /** Runs the passes one after the other: scoring at once, on the caller's thread. */
    public static void runAll(List<ScoringPass> passes) {
        try {
            passes.forEach(pass -> pass.run().run());
        } finally {
            passes.forEach(pass -> pass.release().run());
        }
    }

    /**
     * The passes that read one long row in parts of at most {@code tokens}: {@code open} starts the read, each pass
     * reads the next part, and the last one hands the finished read to {@code finish}.
     */
    static <P extends AutoCloseable> List<ScoringPass> inParts(String stage, int length, int tokens,
            java.util.function.Supplier<P> open, java.util.function.ObjIntConsumer<P> next,
            java.util.function.Consumer<P> finish) {
        List<ScoringPass> passes = new ArrayList<>();
        List<P> read = new ArrayList<>(1); // the read in progress, opened by the first pass
        Runnable release = () -> {
            for (P p : read) {
                try {
                    p.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            read.clear();
        };
        for (int from = 0; from < length; from += tokens) {
            int part = Math.min(tokens, length - from);
            boolean last = from + part >= length;
            passes.add(new ScoringPass(stage, part, () -> {
                if (read.isEmpty()) {
                    read.add(open.get());
                }
                next.accept(read.get(0), part);
                if (last) {
                    try {
                        finish.accept(read.get(0));
                    } finally {
                        release.run();
                    }
                }
            }, release));
        }
        return passes;
    }
}
