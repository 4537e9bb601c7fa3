package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.rbon.model.CausalLM;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few steps lower the loss; save, then reload through the HF loaders, gives the same outputs. */
class TrainingSmokeTest {

    private static final TrainableLlama.Size TINY = new TrainableLlama.Size(32, 64, 1, 2);
    private static final List<String> VOCAB = WordTokenizer.vocabulary(TaskGenerator.vocabulary());
    private static final List<Task> TRAIN = TaskGenerator.split(Split.TRAIN, 1);

    @TempDir
    static Path dir;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void tokenizer() throws Exception {
        WordTokenizer.write(dir.resolve("tokenizer.json"), VOCAB);
        tokenizer = TextTokenizer.open(dir.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void everyParameterGetsAGradient() {
        try (TrainableLlama model = TrainableLlama.init(TINY, VOCAB, false, 3);
                NDManager manager = NDManager.newBaseManager()) {
            PolicyTrainer trainer = new PolicyTrainer(model, tokenizer, TRAIN, 4);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(trainer.loss(manager, trainer.batch(4)));
            }
            List<String> without = new ArrayList<>();
            model.namedParameters().forEach((name, p) -> {
                try (NDArray g = p.getGradient()) {
                    if (g.abs().sum().getFloat() == 0f) {
                        without.add(name);
                    }
                }
            });
            assertTrue(without.isEmpty(), "no gradient reached " + without);
        }
    }

    @Test
    void policyLearnsAndRoundTripsThroughCausalLM() throws Exception {
        try (TrainableLlama model = TrainableLlama.init(TINY, VOCAB, false, 3);
                NDManager manager = NDManager.newBaseManager()) {
            PolicyTrainer trainer = new PolicyTrainer(model, tokenizer, TRAIN, 4);
            List<PolicyTrainer.Example> fixed = trainer.batch(32);
            double before = trainer.loss(manager, fixed).getFloat();
            for (int s = 0; s < 25; s++) {
                trainer.step(16, 1e-2);
            }
            double after = trainer.loss(manager, fixed).getFloat();
            assertTrue(after < before - 0.5, "loss " + before + " -> " + after);

            Path saved = dir.resolve("policy");
            model.save(saved);
            long[][] ids = {fixed.get(0).ids(), java.util.Arrays.copyOf(fixed.get(1).ids(), fixed.get(0).ids().length)};
            long[][] mask = new long[2][ids[0].length];
            for (long[] row : mask) {
                java.util.Arrays.fill(row, 1);
            }
            float[] expected = model.logits(model.hidden(manager.create(ids), manager.create(mask))).toFloatArray();
            try (CausalLM lm = CausalLM.load(saved, Device.cpu()); NDManager request = lm.newRequestManager()) {
                float[] actual = lm.forward(request.create(ids), request.create(mask), null).toFloatArray();
                assertArrayEquals(expected, actual, 1e-5f);
                assertArrayEquals(new long[] {WordTokenizer.EOS_ID}, lm.eosTokenIds());
                assertEquals(VOCAB.size(), lm.vocabSize());
            }
        }
    }

    @Test
    void rewardModelLearnsAndRoundTripsThroughSequenceClassifier() throws Exception {
        try (TrainableLlama model = TrainableLlama.init(TINY, VOCAB, true, 5);
                NDManager manager = NDManager.newBaseManager()) {
            RewardTrainer trainer = new RewardTrainer(model, tokenizer, TRAIN, Annotator.CLEAN, 6);
            List<RewardTrainer.Pair> fixed = trainer.batch(32);
            double before = lossOf(trainer, manager, fixed);
            for (int s = 0; s < 40; s++) {
                trainer.step(16, 1e-2);
            }
            double after = lossOf(trainer, manager, fixed);
            assertTrue(after < before - 0.02, "Bradley-Terry loss " + before + " -> " + after);

            Path saved = dir.resolve("reward");
            model.save(saved);
            List<long[]> rows = new ArrayList<>();
            fixed.subList(0, 6).forEach(p -> {
                rows.add(p.chosen());
                rows.add(p.rejected());
            });
            float[] expected = trainer.rewards(manager, rows).toFloatArray();
            try (SequenceClassifier rm = SequenceClassifier.load(saved, Device.cpu())) {
                assertArrayEquals(expected, rm.score(rows), 1e-5f);
            }
        }
    }

    @Test
    void rewardModelStartsFromThePolicyBody() throws Exception {
        Path saved = dir.resolve("policy-for-reward");
        long[][] ids = {tokenizer.encode(TRAIN.get(0).prompt() + " 8 .", true)};
        long[][] mask = {new long[ids[0].length]};
        java.util.Arrays.fill(mask[0], 1);
        try (TrainableLlama policy = TrainableLlama.init(TINY, VOCAB, false, 7);
                NDManager manager = NDManager.newBaseManager()) {
            policy.save(saved);
            float[] expected = policy.hidden(manager.create(ids), manager.create(mask)).toFloatArray();
            try (TrainableLlama reward = TrainableLlama.rewardFromPolicy(saved, TINY, VOCAB, 8)) {
                assertArrayEquals(expected, reward.hidden(manager.create(ids), manager.create(mask)).toFloatArray(), 0f);
                assertEquals(policy.parameterCount() + TINY.hiddenSize(), reward.parameterCount(), "plus the score head");
            }
        }
    }

    private static double lossOf(RewardTrainer trainer, NDManager manager, List<RewardTrainer.Pair> pairs) {
        NDArray margin = trainer.margins(manager, pairs);
        return ai.djl.nn.Activation.softPlus(margin.neg()).mean().getFloat();
    }
}
