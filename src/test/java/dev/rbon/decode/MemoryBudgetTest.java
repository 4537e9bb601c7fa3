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

    @Test
    void theReferencePassOf16By150MatchesWhatWasMeasured() {
        // measured: 16 x 150 through the reference and the reward model peaked ~15 GB above idle (issue "Real scale")
        long reference = MemoryBudget.reference(QWEN05B, 16, 1, 149);
        assertTrue(reference > 8e9 && reference < 20e9, MemoryBudget.human(reference));
        // attention is quadratic in the length, the logits linear: 1000 tokens costs far more than 6.7x
        assertTrue(MemoryBudget.reference(QWEN05B, 16, 1, 999) > 10 * reference);
    }

    @Test
    void scoringPassesOf16RowsBoundTheEstimateWhateverN() {
        assertEquals(MemoryBudget.encoder(QWEN05B, 16, 200, true), MemoryBudget.encoder(QWEN05B, 64, 200, true));
        assertTrue(MemoryBudget.encoder(QWEN05B, 64, 200, false) > 3 * MemoryBudget.encoder(QWEN05B, 16, 200, true));
    }

    @Test
    void samplingGrowsWithNAndLength() {
        long small = MemoryBudget.sampling(QWEN05B, 16, 10, 32);
        assertTrue(MemoryBudget.sampling(QWEN05B, 64, 10, 32) > 3 * small);
        assertTrue(MemoryBudget.sampling(QWEN05B, 16, 10, 1000) > 10 * small);
    }

    @Test
    void theDefaultSharesWhatTheWeightsAndHeapLeaveAmongTheWorkers() {
        long gib = 1L << 30;
        assertEquals((long) (0.8 * (24 - 6 - 4) * gib), MemoryBudget.defaultLimit(24 * gib, 6 * gib, 4 * gib, 1));
        assertEquals((long) (0.8 * (24 - 6 - 8) * gib / 2), MemoryBudget.defaultLimit(24 * gib, 6 * gib, 4 * gib, 2));
        assertEquals(256L << 20, MemoryBudget.defaultLimit(4 * gib, 6 * gib, 4 * gib, 1));
    }
}
