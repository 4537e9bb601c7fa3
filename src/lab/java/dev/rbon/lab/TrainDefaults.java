package dev.rbon.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rbon.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Retrains rbon's default models from a seed: {@code models/policy} (LlamaForCausalLM), {@code models/reward-noisy}
 * (the default proxy, from the flattery-biased annotator) and {@code models/reward-clean} (a well-correlated
 * proxy). Usage: {@code TrainDefaults [--seed 1] [--out models] [--policy-steps N] [--reward-steps N]}.
 */
public final class TrainDefaults {

    static final TrainableLlama.Size POLICY_SIZE = new TrainableLlama.Size(64, 192, 2, 4);
    static final TrainableLlama.Size REWARD_SIZE = POLICY_SIZE;
    static final int POLICY_BATCH = 64;
    static final int REWARD_PAIRS = 32;
    static final double POLICY_LR = 3e-3;
    static final double REWARD_LR = 2e-3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainDefaults() {}

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        long seed = o.longValue("--seed", 1);
        Path out = Path.of(o.value("--out", "models"));
        int policySteps = o.intValue("--policy-steps", 3000);
        int rewardSteps = o.intValue("--reward-steps", 2000);
        Files.createDirectories(out);
        List<String> vocab = WordTokenizer.vocabulary(TaskGenerator.vocabulary());
        Path tokenizerFile = Files.createTempFile("rbon-lab-tokenizer", ".json");
        WordTokenizer.write(tokenizerFile, vocab);
        List<Task> train = TaskGenerator.split(Split.TRAIN, seed);
        System.err.printf(Locale.ROOT, "vocabulary %d tokens, %d training prompts, seed %d%n", vocab.size(), train.size(), seed);
        try (TextTokenizer tokenizer = TextTokenizer.open(tokenizerFile)) {
            if (!o.value("--skip-policy", "false").equals("true")) {
                trainPolicy(vocab, tokenizer, train, seed, policySteps, out.resolve("policy"));
            }
            for (Annotator annotator : List.of(Annotator.NOISY, Annotator.CLEAN)) {
                trainReward(vocab, tokenizer, train, annotator, seed, rewardSteps, out.resolve("reward-" + annotator.name()));
            }
        } finally {
            Files.deleteIfExists(tokenizerFile);
        }
    }

    static void trainPolicy(List<String> vocab, TextTokenizer tokenizer, List<Task> train, long seed, int steps, Path dir)
            throws IOException {
        long start = System.nanoTime();
        ArrayNode curve = JSON.createArrayNode();
        try (TrainableLlama policy = TrainableLlama.init(POLICY_SIZE, vocab, false, seed)) {
            PolicyTrainer trainer = new PolicyTrainer(policy, tokenizer, train, seed + 1);
            double smoothed = Double.NaN;
            for (int s = 0; s < steps; s++) {
                double loss = trainer.step(POLICY_BATCH, Adam.schedule(POLICY_LR, s, steps, 100));
                smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
                if ((s + 1) % 100 == 0 || s + 1 == steps) {
                    curve.addObject().put("step", s + 1).put("loss", round(smoothed));
                    progress("policy", s + 1, steps, start, String.format(Locale.ROOT, "loss %.3f", smoothed));
                }
            }
            policy.save(dir);
            writeLog(dir, "policy", seed, steps, policy.parameterCount(), start, curve, null);
        }
    }

    static void trainReward(List<String> vocab, TextTokenizer tokenizer, List<Task> train, Annotator annotator,
            long seed, int steps, Path dir) throws IOException {
        long start = System.nanoTime();
        ArrayNode curve = JSON.createArrayNode();
        try (TrainableLlama reward =
                TrainableLlama.rewardFromPolicy(dir.resolveSibling("policy"), REWARD_SIZE, vocab, seed + 10)) {
            RewardTrainer trainer = new RewardTrainer(reward, tokenizer, train, annotator, seed + 11);
            double loss = Double.NaN;
            double accuracy = Double.NaN;
            for (int s = 0; s < steps; s++) {
                double[] step = trainer.step(REWARD_PAIRS, Adam.schedule(REWARD_LR, s, steps, 100));
                loss = Double.isNaN(loss) ? step[0] : 0.98 * loss + 0.02 * step[0];
                accuracy = Double.isNaN(accuracy) ? step[1] : 0.98 * accuracy + 0.02 * step[1];
                if ((s + 1) % 100 == 0 || s + 1 == steps) {
                    curve.addObject().put("step", s + 1).put("loss", round(loss)).put("label_accuracy", round(accuracy));
                    progress("reward-" + annotator.name(), s + 1, steps, start,
                            String.format(Locale.ROOT, "loss %.3f, agrees with its annotator %.2f", loss, accuracy));
                }
            }
            reward.save(dir);
            writeLog(dir, "reward-" + annotator.name(), seed, steps, reward.parameterCount(), start, curve, annotator);
        }
    }

    private static void writeLog(Path dir, String name, long seed, int steps, long params, long start, ArrayNode curve,
            Annotator annotator) throws IOException {
        ObjectNode log = JSON.createObjectNode();
        log.put("model", name).put("seed", seed).put("steps", steps).put("parameters", params)
                .put("seconds", round((System.nanoTime() - start) / 1e9));
        if (annotator != null) {
            log.put("annotator_hack_bias", annotator.hackBias()).put("annotator_noise", annotator.noise());
        }
        log.set("curve", curve);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("training_log.json").toFile(), log);
        System.err.println();
    }

    static void progress(String what, int done, int total, long start, String detail) {
        double seconds = (System.nanoTime() - start) / 1e9;
        int width = 30;
        int filled = (int) ((long) width * done / total);
        System.err.printf(Locale.ROOT, "\r%-13s [%s%s] %d/%d %.0fs, eta %.0fs, %s   ", what, "#".repeat(filled),
                " ".repeat(width - filled), done, total, seconds, seconds / done * (total - done), detail);
    }

    private static double round(double x) {
        return Math.round(x * 1e4) / 1e4;
    }
}
