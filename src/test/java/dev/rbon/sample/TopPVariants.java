package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import dev.rbon.model.Dtype;
import java.util.Arrays;
import java.util.List;

/** For benchmarks outside this package: top-p through the full sort only, and how many rows the edge search takes. */
public final class TopPVariants {

    private TopPVariants() {}

    /** The chain {@code of(batch, FLOAT32)} builds, its top-p sorting every row in full. */
    public static LogitsProcessorList fullSortChain(SamplingBatch batch) {
        List<LogitsProcessor> chain = LogitsProcessorList.of(batch, Dtype.FLOAT32).processors().stream()
                .map(p -> p instanceof TopPLogitsWarper ? TopPLogitsWarper.alwaysSorting() : p)
                .toList();
        return new LogitsProcessorList(chain);
    }

    /** How many rows the edge search decides at one top_p, in the chain for a model computing in {@code dtype}. */
    public static int rowsFromEdgeSearch(NDArray scores, double topP, Dtype modelDtype) {
        float[] thresholds = new float[(int) scores.getShape().get(0)];
        Arrays.fill(thresholds, (float) (1.0 - topP));
        try (TopPLogitsWarper.Removal removal = new TopPLogitsWarper(modelDtype).removal(scores, thresholds)) {
            int rows = 0;
            for (boolean sorted : removal.sorted()) {
                rows += sorted ? 0 : 1;
            }
            return rows;
        }
    }
}
