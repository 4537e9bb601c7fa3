package dev.rbon.sample;

import ai.djl.ndarray.NDArray;
import dev.rbon.model.Dtype;
import java.util.ArrayList;
import java.util.List;

// Mirrors transformers' LogitsProcessorList and the order GenerationMixin._get_logits_processor builds it in.

/**
 * A chain of processors applied in order. {@link #of(SamplingBatch)} builds transformers' chain: NoRepeatNGram
 * (also for greedy rows), then, for sampled rows only, Temperature, TopK, TopP and Epsilon. A processor goes into
 * the chain when at least one row needs it; the other rows pass through it unchanged (transformers skips it).
 */
public final class LogitsProcessorList implements LogitsProcessor {

    private final List<LogitsProcessor> processors;

    public LogitsProcessorList(List<LogitsProcessor> processors) {
        this.processors = List.copyOf(processors);
    }

    /**
     * The chain for one step's rows of logits from a model computing in {@code modelDtype} (top-p's path depends on
     * their resolution); an empty chain when every row's parameters are neutral.
     */
    public static LogitsProcessorList of(SamplingBatch batch, Dtype modelDtype) {
        List<LogitsProcessor> chain = new ArrayList<>();
        if (batch.any(p -> p.noRepeatNgramSize() > 0)) {
            chain.add(new NoRepeatNGramLogitsProcessor());
        }
        if (batch.any(p -> !p.greedy() && p.temperature() != 1.0)) {
            chain.add(new TemperatureLogitsWarper());
        }
        if (batch.any(p -> !p.greedy() && p.topK() != 0)) {
            chain.add(new TopKLogitsWarper());
        }
        if (batch.any(p -> !p.greedy() && p.topP() < 1.0)) {
            chain.add(new TopPLogitsWarper(modelDtype));
        }
        if (batch.any(p -> !p.greedy() && p.epsilon() > 0.0)) {
            chain.add(new EpsilonLogitsWarper());
        }
        return new LogitsProcessorList(chain);
    }

    public List<LogitsProcessor> processors() {
        return processors;
    }

    /** Applies every processor in order; returns a new array even when the chain is empty. */
    @Override
    public NDArray apply(SamplingBatch batch, NDArray scores) {
        NDArray processed = scores.duplicate();
        for (LogitsProcessor processor : processors) {
            NDArray next = processor.apply(batch, processed);
            processed.close();
            processed = next;
        }
        return processed;
    }
}
