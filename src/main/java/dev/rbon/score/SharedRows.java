package dev.rbon.score;

import dev.rbon.model.SequenceClassifier;
import java.util.ArrayList;
import java.util.List;

/**
 * One reward pass's rows, which may share a forward pass with other requests' rows of the same reward model: a
 * pass over a few short rows costs about what a pass over many costs (the weights are read once either way), so the
 * scheduler joins the waiting requests' passes ({@link #join}) while they fit in a step's tokens. The first pass of
 * a joined group to run scores every row of the group and fills each request's results; the others then find theirs
 * done.
 */
public final class SharedRows {

    private final SequenceClassifier model;
    private final List<long[]> ids;
    private final double[] out;
    private final int[] at;
    private List<SharedRows> group = List.of(this);
    private boolean done;

    SharedRows(SequenceClassifier model, List<long[]> ids, double[] out, int[] at) {
        this.model = model;
        this.ids = ids;
        this.out = out;
        this.at = at;
    }

    /**
     * Whether this pass and {@code others} together stay within {@code room} tokens and a scoring pass's budget
     * ({@link TokenBudget}: what bounds a pass's memory).
     */
    public boolean fitsWith(List<SharedRows> others, int room) {
        return tokensWith(others) <= Math.min(room, TokenBudget.tokensPerPass);
    }

    /** Rows x padded length of this pass and {@code others} together, right-padded to the longest. */
    public int tokensWith(List<SharedRows> others) {
        int rows = ids.size();
        int longest = ids.stream().mapToInt(r -> r.length).max().orElse(0);
        for (SharedRows other : others) {
            rows += other.ids.size();
            longest = Math.max(longest, other.ids.stream().mapToInt(r -> r.length).max().orElse(0));
        }
        return rows * longest;
    }

    /** Whether {@code other}'s rows can join this pass: the same reward model, neither run nor joined yet. */
    public boolean canJoin(SharedRows other) {
        return other != this && other.model == model && !done && !other.done && group.size() == 1
                && other.group.size() == 1;
    }

    /** Makes this pass and {@code others} one forward pass, run by whichever runs first. */
    public void join(List<SharedRows> others) {
        List<SharedRows> all = new ArrayList<>(List.of(this));
        all.addAll(others);
        all.forEach(rows -> rows.group = all);
    }

    /** Scores the group's rows in one right-padded pass, unless another member already did. */
    void run() {
        if (done) {
            return;
        }
        List<long[]> together = new ArrayList<>();
        group.forEach(rows -> together.addAll(rows.ids));
        float[] scores = model.score(together);
        int k = 0;
        for (SharedRows rows : group) {
            for (int i = 0; i < rows.at.length; i++) {
                rows.out[rows.at[i]] = scores[k++];
            }
            rows.done = true;
        }
    }
}
