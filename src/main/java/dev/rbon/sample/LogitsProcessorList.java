package dev.rbon.sample;

import java.util.ArrayList;
import java.util.List;

// Mirrors transformers' LogitsProcessorList and the order GenerationMixin._get_logits_processor builds it in.

/**
 * A chain of processors applied in order. {@link #of(SamplingParams)} builds transformers' chain: NoRepeatNGram (also
 * when greedy), then, only when sampling, Temperature (skipped at 1), TopK (skipped at 0), TopP (skipped at 1) and
 * Epsilon (skipped at 0).
 */
public final class LogitsProcessorList implements LogitsProcessor {

    private final List<LogitsProcessor> processors;

    public LogitsProcessorList(List<LogitsProcessor> processors) {
        this.processors = List.copyOf(processors);
    }

    /** The chain for one request; an empty chain when every parameter is neutral. */
    public static LogitsProcessorList of(SamplingParams params) {
        List<LogitsProcessor> chain = new ArrayList<>();
        if (params.noRepeatNgramSize() > 0) {
            chain.add(new NoRepeatNGramLogitsProcessor(params.noRepeatNgramSize()));
        }
        if (!params.greedy()) {
            if (params.temperature() != 1.0) {
                chain.add(new TemperatureLogitsWarper(params.temperature()));
            }
            if (params.topK() != 0) {
                chain.add(new TopKLogitsWarper(params.topK()));
            }
            if (params.topP() < 1.0) {
                chain.add(new TopPLogitsWarper(params.topP()));
            }
            if (params.epsilon() > 0.0) {
                chain.add(new EpsilonLogitsWarper(params.epsilon()));
            }
        }
        return new LogitsProcessorList(chain);
    }

    public List<LogitsProcessor> processors() {
        return processors;
    }

    /** Applies every processor in order; returns a new array even when the chain is empty. */
    @Override
    public float[] apply(int[] inputIds, float[] scores) {
        float[] processed = scores.clone();
        for (LogitsProcessor processor : processors) {
            processed = processor.apply(inputIds, processed);
        }
        return processed;
    }
}
