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
import java.util.stream.DoubleStream;

/**
 * Samples and scores one {@link Pool} per prompt through the service's own sampler and scorers, and scores the
 * candidates' partial texts that pruning asks for ({@link Partials}). Ensemble proxies ({@link Ensemble}) are
 * aggregated from the member proxies' rewards.
 */
final class PoolSampler implements Partials.Scorer {

    /** The paper's sampling: epsilon 0.01 at temperature 1. */
    static final double EPSILON = 0.01;
    static final int MAX_NEW_TOKENS = 32;

    private final CausalLM policy;
    private final Map<String, SequenceClassifier> proxies;
    private final List<String> ensembles;
    private final SentenceEmbedder embedder;
    /** Embeddings read the response alone, so partial texts shared across prompts are embedded once. */
    private final Map<String, float[]> embedded = new HashMap<>();

    PoolSampler(CausalLM policy, Map<String, SequenceClassifier> proxies, SentenceEmbedder embedder) {
        this(policy, proxies, List.of(), embedder);
    }

    /** @param ensembles ensemble proxy names, e.g. {@code ensemble-min}, over all of {@code proxies} */
    PoolSampler(CausalLM policy, Map<String, SequenceClassifier> proxies, List<String> ensembles,
            SentenceEmbedder embedder) {
        this.policy = policy;
        this.proxies = proxies;
        this.ensembles = ensembles;
        this.embedder = embedder;
    }

    Pool sample(Task task, int n, long seed) {
        SamplingParams params = new SamplingParams(1.0, 1.0, 0, EPSILON, 0, MAX_NEW_TOKENS, List.of(), seed);
        long[] promptIds = policy.tokenizer().encode(task.prompt(), true);
        List<SampledSequence> samples =
                BatchSampler.sample(policy, promptIds, n, params, new SplittableRandom(seed), () -> false);
        List<String> texts = samples.stream().map(SampledSequence::text).toList();
        double[] gold = texts.stream().mapToDouble(t -> GoldJudge.score(task, t)).toArray();
        Map<String, double[]> members = new LinkedHashMap<>();
        proxies.keySet().forEach(name -> members.put(name, rewards(name, task, texts)));
        double[] logprobs = samples.stream().mapToDouble(SampledSequence::logprob).toArray();
        List<long[]> tokenIds = samples.stream().map(SampledSequence::tokenIds).toList();
        int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
        double[][][] teacherForced = prefixSums(promptIds, tokenIds);
        double[] selfCertainty = new double[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            selfCertainty[i] = lengths[i] == 0 ? 0 : teacherForced[1][i][lengths[i]] / lengths[i];
        }
        Partials partials = new Partials(task, this, policy.tokenizer(), promptIds, tokenIds, teacherForced[0],
                teacherForced[1]);
        return new Pool(task, texts, gold, Ensemble.withEnsembles(members, ensembles), logprobs, lengths,
                SimilarityScorer.similarity(embedder, texts), selfCertainty, partials);
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
     * One teacher-forced pass of the policy over every candidate, with the whole raw (temperature 1) next-token
     * distribution at each position: [0][i][d] the log-prob of candidate i's first d tokens (the service prunes on
     * the sampler's running sum of the same log-probs, which this equals up to float rounding), and [1][i][d] the
     * sum over those tokens of KL(uniform ‖ p_t) = -log V - (1/V) sum_v log p_t(v), the self-certainty's terms.
     */
    private double[][][] prefixSums(long[] promptIds, List<long[]> tokenIds) {
        int vocab = policy.vocabSize();
        List<List<TokenLogprobs.Token>> perToken = TokenLogprobs.of(policy, promptIds, tokenIds, vocab);
        double[][][] sums = new double[2][tokenIds.size()][];
        for (int i = 0; i < tokenIds.size(); i++) {
            List<TokenLogprobs.Token> tokens = perToken.get(i);
            sums[0][i] = new double[tokens.size() + 1];
            sums[1][i] = new double[tokens.size() + 1];
            for (int t = 0; t < tokens.size(); t++) {
                TokenLogprobs.Token token = tokens.get(t);
                if (token.topLogprobs().length != vocab) {
                    throw new IllegalStateException("expected all " + vocab + " log-probs, got "
                            + token.topLogprobs().length);
                }
                double meanLogprob = DoubleStream.of(token.topLogprobs()).sum() / vocab;
                sums[0][i][t + 1] = sums[0][i][t] + token.logprob();
                sums[1][i][t + 1] = sums[1][i][t] - Math.log(vocab) - meanLogprob;
            }
        }
        return sums;
    }
}
