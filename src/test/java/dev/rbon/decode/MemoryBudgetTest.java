package dev.rbon.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.Shared;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    /** Qwen2.5-0.5B's sizes, as ../shared/tools/make_realistic_shapes.py writes them. */
    private static final MemoryBudget.ModelShape QWEN05B = new MemoryBudget.ModelShape(24, 14, 2, 64, 896, 4864, 151_936);

    @Test
    void readsTheShapeFromConfigJson() {
        MemoryBudget.ModelShape llama = MemoryBudget.ModelShape.of(Shared.hfTiny("llama"));
        assertEquals(2, llama.layers());
        assertEquals(4, llama.heads());
        assertEquals(2, llama.kvHeads());
        assertEquals(16, llama.headDim());
        MemoryBudget.ModelShape gpt2 = MemoryBudget.ModelShape.of(Shared.hfTiny("gpt2")); // n_layer, n_head, n_embd
        assertEquals(2, gpt2.layers());
        assertEquals(4, gpt2.heads());
        assertEquals(4, gpt2.kvHeads());
        assertEquals(256, gpt2.intermediate());
    }

    /**
     * Measured on this shape (docs/memory.md, RealScaleBenchmark, 2026-12-02): the bounded reward pass of 16 x 1000
     * peaked 1.0 GB above the loaded model; the 16 x 150 passes and the 16 x 1000 reference pass stayed within what
     * the process already held. The estimates (0.6-1.5 GiB) cover them without refusing what fits.
     */
    @Test
    void theReferencePassMatchesWhatWasMeasured() {
        long short16 = MemoryBudget.reference(QWEN05B, 16, 1, 149);
        long long16 = MemoryBudget.reference(QWEN05B, 16, 1, 999);
        assertTrue(short16 > 0.5e9 && short16 < 3e9, MemoryBudget.human(short16));
        assertTrue(long16 > 0.5e9 && long16 < 3e9, MemoryBudget.human(long16));
    }

    /** Scoring passes are cut by tokens: the estimate does not grow with N, nor (much) with the length. */
    @Test
    void tokenBudgetPassesBoundTheEstimateWhateverNAndLength() {
        assertEquals(MemoryBudget.encoder(QWEN05B, 32, 200), MemoryBudget.encoder(QWEN05B, 64, 200)); // 20 rows a pass
        assertEquals(MemoryBudget.reference(QWEN05B, 16, 10, 1000), MemoryBudget.reference(QWEN05B, 64, 10, 1000));
        long longest = MemoryBudget.encoder(QWEN05B, 64, 4000);
        assertTrue(longest < 2 * MemoryBudget.encoder(QWEN05B, 16, 1000), MemoryBudget.human(longest));
        // one row is never cut: a row over the budget is a pass of its own, and costs what its length costs
        assertTrue(MemoryBudget.encoder(QWEN05B, 1, 32_000) > 4 * longest);
    }

    @Test
    void samplingGrowsWithNAndLength() {
        long small = MemoryBudget.sampling(QWEN05B, 16, 10, 32);
        assertTrue(MemoryBudget.sampling(QWEN05B, 64, 10, 32) > 3 * small);
        assertTrue(MemoryBudget.sampling(QWEN05B, 16, 10, 1000) > 5 * small); // the KV cache grows with the length
    }

    @Test
    void theDefaultSharesWhatTheWeightsAndHeapLeaveAmongTheWorkers() {
        long gib = 1L << 30;
        assertEquals((long) (0.8 * (24 - 6 - 4) * gib), MemoryBudget.defaultLimit(24 * gib, 6 * gib, 4 * gib, 1));
        assertEquals((long) (0.8 * (24 - 6 - 4) * gib / 2), MemoryBudget.defaultLimit(24 * gib, 6 * gib, 4 * gib, 2));
        assertEquals(256L << 20, MemoryBudget.defaultLimit(4 * gib, 6 * gib, 4 * gib, 1));
    }
}
