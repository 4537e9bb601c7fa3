package dev.rbon.lab;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rbon.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Supervised fine-tuning of the policy on the task's responses in their style mixture: next-token cross-entropy
 * over the response tokens and the closing {@code </s>}, the prompt masked out. Each step draws a fresh batch.
 */
final class PolicyTrainer {

    /** Training rows: {@code <s> prompt response </s>}, and where the response starts. */
    record Example(long[] ids, int promptLength) {}

    private final TrainableLlama model;
    private final TextTokenizer tokenizer;
    private final List<Task> tasks;
    private final Random rng;
    private final Adam adam;

    PolicyTrainer(TrainableLlama model, TextTokenizer tokenizer, List<Task> tasks, long seed) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tasks = tasks;
        this.rng = new Random(seed);
        this.adam = new Adam(model.parameters(), 1.0);
    }

    Example example(Task task, String response) {
        long[] prompt = tokenizer.encode(task.prompt(), true);
        long[] whole = tokenizer.encode(task.prompt() + " " + response, true);
        return new Example(Batches.concat(whole, new long[] {WordTokenizer.EOS_ID}), prompt.length);
    }

    List<Example> batch(int size) {
        List<Example> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Task task = tasks.get(rng.nextInt(tasks.size()));
            out.add(example(task, TaskGenerator.response(task, Style.draw(rng.nextDouble()), rng)));
        }
        return out;
    }

    /** One Adam step on a fresh batch; returns the batch's mean loss per response token before the step. */
    double step(int batchSize, double lr) {
        List<Example> batch = batch(batchSize);
        try (NDManager step = NDManager.newBaseManager()) {
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss(step, batch);
                gc.backward(l);
                loss = l.getFloat();
            }
            adam.step(lr, step);
            return loss;
        }
    }

    /** Mean negative log-likelihood of the response tokens; the arrays belong to {@code manager}. */
    NDArray loss(NDManager manager, List<Example> batch) {
        List<long[]> inputs = batch.stream().map(e -> Arrays.copyOf(e.ids(), e.ids().length - 1)).toList();
        int width = Batches.width(inputs);
        int vocab = (int) model.parameters().get(0).getShape().get(0);
        float[] targets = new float[batch.size() * width * vocab]; // one-hot of the next token where it is scored
        int count = 0;
        for (int r = 0; r < batch.size(); r++) {
            Example e = batch.get(r);
            for (int t = e.promptLength() - 1; t < e.ids().length - 1; t++) {
                targets[(r * width + t) * vocab + (int) e.ids()[t + 1]] = 1;
                count++;
            }
        }
        NDArray ids = manager.create(Batches.ids(inputs, width));                  // (B, T)
        NDArray mask = manager.create(Batches.mask(inputs, width));                // (B, T)
        NDArray logp = model.logits(model.hidden(ids, mask)).logSoftmax(2);        // (B, T, vocab)
        NDArray picked = logp.mul(manager.create(targets, new Shape(batch.size(), width, vocab))).sum();
        return picked.neg().div(count);
    }
}
