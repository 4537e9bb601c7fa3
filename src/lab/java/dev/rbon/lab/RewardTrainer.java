package dev.rbon.lab;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.rbon.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A reward model from preference pairs: two responses to one prompt drawn from the style mixture, labelled by an
 * {@link Annotator}; Bradley-Terry loss {@code -log sigmoid(r_chosen - r_rejected)}, the reward read at the last
 * token of {@code <s> prompt response} as {@code SequenceClassifier} reads it.
 */
final class RewardTrainer {

    /** One labelled pair, as token rows. */
    record Pair(long[] chosen, long[] rejected) {}

    private final TrainableLlama model;
    private final TextTokenizer tokenizer;
    private final List<Task> tasks;
    private final Annotator annotator;
    private final Random rng;
    private final Adam adam;

    RewardTrainer(TrainableLlama model, TextTokenizer tokenizer, List<Task> tasks, Annotator annotator, long seed) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tasks = tasks;
        this.annotator = annotator;
        this.rng = new Random(seed);
        this.adam = new Adam(model.parameters(), 1.0);
    }

    List<Pair> batch(int pairs) {
        List<Pair> out = new ArrayList<>(pairs);
        while (out.size() < pairs) {
            Task task = tasks.get(rng.nextInt(tasks.size()));
            String a = TaskGenerator.response(task, Style.draw(rng.nextDouble()), rng);
            String b = TaskGenerator.response(task, Style.draw(rng.nextDouble()), rng);
            if (a.equals(b)) {
                continue;
            }
            long[] ia = tokenizer.encode(task.prompt() + " " + a, true);
            long[] ib = tokenizer.encode(task.prompt() + " " + b, true);
            out.add(annotator.prefersFirst(task, a, b, rng) ? new Pair(ia, ib) : new Pair(ib, ia));
        }
        return out;
    }

    /** One Adam step; returns {loss, accuracy} of the batch before the step. */
    double[] step(int pairs, double lr) {
        List<Pair> batch = batch(pairs);
        try (NDManager step = NDManager.newBaseManager()) {
            double[] out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray margin = margins(step, batch);                         // (pairs)
                NDArray loss = Activation.softPlus(margin.neg()).mean();       // -log sigmoid(margin)
                gc.backward(loss);
                float[] m = margin.toFloatArray();
                int right = 0;
                for (float x : m) {
                    right += x > 0 ? 1 : 0;
                }
                out = new double[] {loss.getFloat(), right / (double) m.length};
            }
            adam.step(lr, step);
            return out;
        }
    }

    /** r(chosen) - r(rejected) per pair; the rows go through as one batch, chosen first. */
    NDArray margins(NDManager manager, List<Pair> batch) {
        List<long[]> rows = new ArrayList<>();
        batch.forEach(p -> rows.add(p.chosen()));
        batch.forEach(p -> rows.add(p.rejected()));
        NDArray r = rewards(manager, rows);                                    // (2 pairs)
        int k = batch.size();
        return r.get("0:" + k).sub(r.get(k + ":"));
    }

    /** The reward of each row at its last token. */
    NDArray rewards(NDManager manager, List<long[]> rows) {
        int width = Batches.width(rows);
        float[] last = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            last[r * width + rows.get(r).length - 1] = 1;
        }
        NDArray hidden = model.hidden(manager.create(Batches.ids(rows, width)), manager.create(Batches.mask(rows, width)));
        return model.scores(hidden).mul(manager.create(last, new Shape(rows.size(), width))).sum(new int[] {1}); // (B)
    }
}
