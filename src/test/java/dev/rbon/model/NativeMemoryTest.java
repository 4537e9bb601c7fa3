package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rbon.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DJL leaks silently when an op's result outlives its manager (it belongs to its first operand's manager). 2,000
 * forward passes through every path a request takes (prefill, cached steps, scoring) must keep the resident set
 * flat: the leak this guards against grew RSS by gigabytes over such a run.
 */
class NativeMemoryTest {

    private static final int PASSES = 2000;

    /** int8 too: its matmuls go through a TorchScript module on IValues, each call's handles closed by hand. */
    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"FLOAT32", "INT8"})
    void residentMemoryStaysFlatOverTwoThousandForwardPasses(Dtype dtype) throws Exception {
        try (CausalLM lm = CausalLM.load(Shared.model("stories260K/hf"), Device.cpu(), dtype);
                SequenceClassifier rm = SequenceClassifier.load(Shared.hfTiny("reward-llama"), Device.cpu(), dtype)) {
            long[] prompt = lm.tokenizer().encode("Once upon a time, there was a little dog", true);
            runPasses(lm, rm, prompt, 200); // warm-up: allocator pools and JIT settle
            long before = residentKb();
            runPasses(lm, rm, prompt, PASSES);
            long after = residentKb();
            long grownKb = after - before;
            System.out.printf("%s: RSS before %d MB, after %d MB over %d passes (heap committed %d MB)%n", dtype,
                    before / 1024, after / 1024, PASSES, Runtime.getRuntime().totalMemory() >> 20);
            assertTrue(grownKb < 40 * 1024, "resident memory grew by " + grownKb / 1024 + " MB over " + PASSES + " passes");
        }
    }

    /** Each pass: a prefill and one cached step in a request manager, plus a reward score. */
    private static void runPasses(CausalLM lm, SequenceClassifier rm, long[] prompt, int passes) {
        for (int i = 0; i < passes; i += 3) {
            try (NDManager request = lm.newRequestManager(); KvCache cache = lm.newCache(request)) {
                long[][] mask = new long[1][prompt.length + 1];
                java.util.Arrays.fill(mask[0], 1);
                NDArray logits = lm.forward(request.create(new long[][] {prompt}),
                        request.create(java.util.Arrays.copyOf(mask[0], prompt.length)).reshape(1, -1), cache);
                long next = logits.get(0, prompt.length - 1).argMax().getLong();
                try (NDManager step = request.newSubManager()) {
                    lm.forward(step.create(new long[][] {{next}}), step.create(mask), cache).get(0, 0).toFloatArray();
                }
            }
            rm.score(List.of(prompt, new long[] {1, 5, 9}));
        }
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
