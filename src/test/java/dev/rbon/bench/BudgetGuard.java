package dev.rbon.bench;

import dev.rbon.decode.MemoryBudget;
import java.nio.file.Path;

/**
 * Keeps the benchmark from being OOM-killed on a shared machine: a scoring part runs only when rbon's own estimate
 * (MemoryBudget, the estimate the service admits requests by) fits in 80% of the memory available now.
 */
final class BudgetGuard {

    private BudgetGuard() {}

    /** Null when the part fits; else what to print instead of its figures. */
    static String refusal(Path lm, Path rm, int rows, int length) {
        long reward = MemoryBudget.encoder(MemoryBudget.ModelShape.of(rm), rows, length);
        long reference = MemoryBudget.reference(MemoryBudget.ModelShape.of(lm), rows, 1, length - 1);
        long need = Math.max(reward, reference) + 2_100_000_000L; // + the model being scored with
        long available = Rss.available();
        System.out.printf("        (rbon's estimate: reward %s, reference %s; available now %s)%n",
                MemoryBudget.human(reward), MemoryBudget.human(reference), MemoryBudget.human(available));
        return need > 0.8 * available
                ? "skipped: estimated " + MemoryBudget.human(need) + " > 80% of the " + MemoryBudget.human(available)
                        + " available (the service would answer 422)"
                : null;
    }
}
