package dev.rbon.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rbon.RbonConfig;
import dev.rbon.model.Bert;
import dev.rbon.model.OnnxSentenceEmbedder;
import dev.rbon.model.SentenceEmbedder;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.TextTokenizer;
import dev.rbon.remote.CallContext;
import dev.rbon.score.RewardScorer;
import dev.rbon.score.ScoringPass;
import dev.rbon.score.SimilarityScorer;
import dev.rbon.worker.ModelSet;
import dev.rbon.worker.Phase;
import dev.rbon.worker.WorkerPool;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The pooling routes rbon serves so that it can be another rbon's remote engine (vLLM's shapes): scores of the
 * local reward model for texts or token ids ({@code /classify}), and the local embedder's vectors
 * ({@code /v1/embeddings}). Each runs on a worker, like a decoding request, within its deadline.
 */
@ApplicationScoped
public class Pooling {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WorkerPool pool;
    private final RbonConfig.Limits limits;

    public Pooling(WorkerPool pool, RbonConfig config) {
        this.pool = pool;
        this.limits = config.limits();
    }

    /** The reward model's score of each input; {@code activation}: the sigmoid of it, as vLLM's default. */
    public record Classified(String model, String label, double[] scores, int promptTokens) {}

    /** One unit vector per text. */
    public record Embedded(String model, float[][] embeddings, int promptTokens) {}

    /** Exactly one of {@code texts}, {@code ids} is given. */
    public CompletableFuture<Classified> classify(String model, List<String> texts, List<long[]> ids,
            boolean addSpecialTokens, boolean activation, Duration timeout) {
        return submit(timeout, models -> classify(rewardMember(models, model), texts, ids, addSpecialTokens,
                activation));
    }

    public CompletableFuture<Embedded> embed(String model, List<String> texts, Duration timeout) {
        return submit(timeout, models -> {
            servedAs(model, models.embedder().name());
            return embed(models.embedder(), texts);
        });
    }

    /**
     * The reward member a /classify request names (a front rbon's reward url points here with its member's name
     * as model); left out, the only one. An ensemble's members are served one at a time: its aggregate is not a
     * model's score.
     */
    private static ModelSet.RewardMember rewardMember(ModelSet models, String requested) {
        List<ModelSet.RewardMember> members = models.rewards();
        if (requested == null) {
            if (members.size() > 1) {
                throw new FieldException("model", "this server's reward ensemble has " + members.size()
                        + " members: name one of " + String.join(", ", models.rewardNames()));
            }
            return members.get(0);
        }
        return members.stream().filter(m -> m.name().equals(requested)).findFirst()
                .orElseThrow(() -> new FieldException("model", "this server serves "
                        + String.join(", ", models.rewardNames()) + ", not " + requested));
    }

    /** A request may name the model, as OpenAI clients do; it must be the one served. */
    private static void servedAs(String requested, String served) {
        if (requested != null && !requested.equals(served)) {
            throw new FieldException("model", "this server serves " + served + ", not " + requested);
        }
    }

    /**
     * Queues {@code work} for a worker: its checks run when the worker takes it, its passes between decoding steps
     * (as a decoding request's scoring), each within the request's deadline.
     */
    private <T> CompletableFuture<T> submit(Duration timeout, Function<ModelSet, Phase<T>> work) {
        RequestDeadline deadline = RequestDeadline.of(timeout, limits.requestTimeout());
        return deadline.bound(pool.submitSampling(0, (models, cancelled) -> CallContext.during(deadline.nanos(),
                cancelled, () -> within(deadline.nanos(), cancelled, work.apply(models)))));
    }

    private static <T> Phase<T> within(long deadline, BooleanSupplier cancelled, Phase<T> phase) {
        if (!(phase instanceof Phase.Score<T> score)) {
            return phase;
        }
        return Phase.score(score.passes().stream()
                .map(pass -> pass.around(run -> CallContext.around(deadline, cancelled, run))).toList(), score.then());
    }

    private static Phase<Classified> classify(ModelSet.RewardMember member, List<String> texts, List<long[]> ids,
            boolean addSpecialTokens, boolean activation) {
        SequenceClassifier reward = member.model();
        if (reward == null) {
            throw new FieldException("input", "this server's reward model is remote (" + member.name()
                    + "): send /classify to that engine");
        }
        List<long[]> tokens = ids != null ? ids
                : texts.stream().map(t -> reward.tokenizer().encode(t, addSpecialTokens)).toList();
        Head head = Head.of(reward);
        int promptTokens = 0;
        for (int i = 0; i < tokens.size(); i++) {
            long[] row = tokens.get(i);
            PromptLimits.tokens("input[" + i + "]", row, head.vocabSize());
            if (row.length > reward.maxPositionEmbeddings()) {
                throw new FieldException("input[" + i + "]", "is " + row.length + " tokens, over the reward model's "
                        + reward.maxPositionEmbeddings());
            }
            promptTokens += row.length;
        }
        double[] scores = new double[tokens.size()];
        int inputTokens = promptTokens;
        return Phase.score(RewardScorer.passes(reward, tokens, scores), () -> new Classified(reward.name(),
                head.label(), activation ? Arrays.stream(scores).map(s -> 1 / (1 + Math.exp(-s))).toArray() : scores,
                inputTokens));
    }

    private static Phase<Embedded> embed(SentenceEmbedder embedder, List<String> texts) {
        float[][] embeddings = new float[texts.size()][];
        List<ScoringPass> passes = SimilarityScorer.passes(embedder, texts, embeddings).stream()
                .map(pass -> pass.around(run -> () -> {
                    try {
                        run.run();
                    } catch (IllegalArgumentException e) {
                        throw new FieldException("input", e.getMessage());
                    }
                })).toList();
        TextTokenizer tokenizer = embedder instanceof Bert bert ? bert.tokenizer()
                : embedder instanceof OnnxSentenceEmbedder onnx ? onnx.tokenizer()
                : null;
        int promptTokens = tokenizer == null ? 0 : texts.stream().mapToInt(t -> tokenizer.encode(t, true).length).sum();
        return Phase.score(passes, () -> new Embedded(embedder.name(), embeddings, promptTokens));
    }

    /** What config.json says of a reward head: its one label's name, and the vocabulary its ids index. */
    private record Head(String label, int vocabSize) {
        private static final Map<Path, Head> READ = new ConcurrentHashMap<>();

        static Head of(SequenceClassifier reward) {
            return READ.computeIfAbsent(reward.info().path(), dir -> read(reward));
        }

        private static Head read(SequenceClassifier reward) {
            try {
                JsonNode config = JSON.readTree(reward.info().path().resolve("config.json").toFile());
                return new Head(config.path("id2label").path("0").asText("LABEL_0"),
                        config.path("vocab_size").asInt(Integer.MAX_VALUE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
