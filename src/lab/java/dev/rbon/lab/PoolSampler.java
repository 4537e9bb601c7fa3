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
import dev.rbon.score.TokenLogprobs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Samples and scores one {@link Pool} per prompt through the service's own sampler and scorers, and scores the
 * candidates' partial texts that pruning asks for ({@link Partials}).
 */
final class PoolSampler implements Partials.Scorer {

    /** The paper's sampling: epsilon 0.01 at temperature 1. */
    static final double EPSILON = 0.01;
    static final int MAX_NEW_TOKENS = 32;

    private final CausalLM policy;
    private final Map<String, SequenceClassifier> proxies;
    private final SentenceEmbedder embedder;
    /** Embeddings read the response alone, so partial texts shared across prompts are embedded once. */
    private final Map<String, float[]> embedded = new HashMap<>();

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
        proxies.keySet().forEach(name -> rewards.put(name, rewards(name, task, texts)));
        double[] logprobs = samples.stream().mapToDouble(SampledSequence::logprob).toArray();
        List<long[]> tokenIds = samples.stream().map(SampledSequence::tokenIds).toList();
        int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
        Partials partials = new Partials(task, this, policy.tokenizer(), promptIds, tokenIds,
                prefixLogprobs(promptIds, tokenIds));
        return new Pool(task, texts, gold, rewards, logprobs, lengths, SimilarityScorer.similarity(embedder, texts),
                partials);
    }

    @Override
    public double[] rewards(String proxy, Task task, List<String> texts) {
        SequenceClassifier rm = proxies.get(proxy);
        return RewardScorer.rewards(rm, RewardInput.text(rm.tokenizer()), Conversation.of(task.prompt()), texts);
    }

    @Override
    public float[][] embeddings(List<String> texts) {
        List<String> missing = texts.stream().filter(t -> !embedded.containsKey(t)).distinct().toList();
        if (!missing.isEmpty()) {
            float[][] e = embedder.embed(missing);
            for (int k = 0; k < e.length; k++) {
                embedded.put(missing.get(k), e[k]);
            }
        }
        return texts.stream().map(embedded::get).toArray(float[][]::new);
    }

    /**
     * [i][d]: the log-prob of candidate i's first d tokens, teacher-forced on the policy. The service prunes on the
     * sampler's running sum of the same log-probs, which this equals up to float rounding.
     */
    private double[][] prefixLogprobs(long[] promptIds, List<long[]> tokenIds) {
        List<List<TokenLogprobs.Token>> perToken = TokenLogprobs.of(policy, promptIds, tokenIds, 0);
        double[][] sums = new double[tokenIds.size()][];
        for (int i = 0; i < sums.length; i++) {
            List<TokenLogprobs.Token> tokens = perToken.get(i);
            sums[i] = new double[tokens.size() + 1];
            for (int t = 0; t < tokens.size(); t++) {
                sums[i][t + 1] = sums[i][t] + tokens.get(t).logprob();
            }
        }
        return sums;
    }
}
