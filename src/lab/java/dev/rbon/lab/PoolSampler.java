package dev.rbon.lab;

import dev.rbon.model.CausalLM;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.sample.BatchSampler;
import dev.rbon.sample.SampledSequence;
import dev.rbon.sample.SamplingParams;
import dev.rbon.score.Conversation;
import dev.rbon.score.RewardInput;
import dev.rbon.score.RewardScorer;
import dev.rbon.score.SimilarityScorer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Samples and scores one {@link Pool} per prompt through the service's own sampler and scorers. */
final class PoolSampler {

    /** The paper's sampling: epsilon 0.01 at temperature 1. */
    static final double EPSILON = 0.01;
    static final int MAX_NEW_TOKENS = 32;

    private final CausalLM policy;
    private final Map<String, SequenceClassifier> proxies;
    private final SentenceEmbedder embedder;

    PoolSampler(CausalLM policy, Map<String, SequenceClassifier> proxies, SentenceEmbedder embedder) {
        this.policy = policy;
        this.proxies = proxies;
        this.embedder = embedder;
    }

    Pool sample(Task task, int n, long seed) {
        SamplingParams params = new SamplingParams(1.0, 1.0, 0, EPSILON, 0, MAX_NEW_TOKENS, List.of(), seed);
        long[] promptIds = policy.tokenizer().encode(task.prompt(), true);
        List<SampledSequence> samples =
                BatchSampler.sample(policy, promptIds, n, params, new SplittableRandom(seed), () -> false);
        List<String> texts = samples.stream().map(SampledSequence::text).toList();
        double[] gold = texts.stream().mapToDouble(t -> GoldJudge.score(task, t)).toArray();
        Map<String, double[]> rewards = new LinkedHashMap<>();
        proxies.forEach((name, rm) -> rewards.put(name, RewardScorer.rewards(rm, RewardInput.text(rm.tokenizer()), Conversation.of(task.prompt()), texts)));
        double[] logprobs = samples.stream().mapToDouble(SampledSequence::logprob).toArray();
        int[] lengths = samples.stream().mapToInt(s -> s.tokenIds().length).toArray();
        return new Pool(task, texts, gold, rewards, logprobs, lengths, SimilarityScorer.similarity(embedder, texts));
    }
}
