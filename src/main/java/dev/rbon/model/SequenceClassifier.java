package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' *ForSequenceClassification with one label, the layout of open reward models: a decoder body and
 * a {@code score} head read at the last non-pad token of each row, chosen as transformers chooses it (the
 * rightmost token whose id is not {@code pad_token_id}).
 */
public final class SequenceClassifier implements AutoCloseable {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Config(@JsonProperty("pad_token_id") Long padTokenId) {}

    private final ModelInfo info;
    private final NDManager manager;
    private final DecoderModel model;
    private final Linear score;
    private final Long padTokenId;
    private final TextTokenizer tokenizer;

    private SequenceClassifier(ModelInfo info, NDManager manager, DecoderModel model, Linear score,
            Long padTokenId, TextTokenizer tokenizer) {
        this.info = info;
        this.manager = manager;
        this.model = model;
        this.score = score;
        this.padTokenId = padTokenId;
        this.tokenizer = tokenizer;
    }

    public static SequenceClassifier load(Path dir, Device device) throws IOException {
        return Checkpoint.build(dir, device, (checkpoint, manager) -> {
            if (!checkpoint.architecture().endsWith("ForSequenceClassification")) {
                throw new IllegalArgumentException(dir + " holds a " + checkpoint.architecture()
                        + ", not a *ForSequenceClassification reward model");
            }
            DecoderModel model = DecoderModel.load(checkpoint, manager);
            Linear score = Linear.load(checkpoint, manager, "score", checkpoint.has("score.bias"));
            if (score.weight().getShape().get(0) != 1) {
                throw new IllegalArgumentException(dir + ": score.weight has " + score.weight().getShape().get(0)
                        + " rows; a reward model has num_labels 1");
            }
            return new SequenceClassifier(ModelInfo.of(checkpoint), manager, model, score,
                    checkpoint.config(Config.class).padTokenId(), checkpoint.tokenizer());
        });
    }

    /** One score per sequence, all in one right-padded batch. */
    public float[] score(List<long[]> sequences) {
        if (sequences.isEmpty()) {
            return new float[0];
        }
        PaddedBatch batch = PaddedBatch.of(sequences, padTokenId == null ? 0 : padTokenId);
        try (NDManager request = NDManager.newBaseManager(manager.getDevice())) {
            NDArray hidden = model.forward(batch.inputIds(request), batch.attentionMask(request), null); // (B, T, hidden)
            float[] scores = score.forward(hidden).toFloatArray();                                      // (B, T, 1)
            float[] out = new float[batch.batchSize()];
            for (int r = 0; r < out.length; r++) {
                out[r] = scores[r * batch.length() + lastNonPadToken(batch, r, sequences.get(r).length)];
            }
            return out;
        }
    }

    /** transformers: argmax over positions of (position * (id != pad)); without a pad id, the last real token. */
    private int lastNonPadToken(PaddedBatch batch, int row, int length) {
        if (padTokenId == null) {
            return length - 1;
        }
        int last = 0;
        for (int t = 0; t < batch.length(); t++) {
            if (batch.id(row, t) != padTokenId) {
                last = t;
            }
        }
        return last;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public int maxPositionEmbeddings() {
        return model.maxPositionEmbeddings();
    }

    public String name() {
        return info.name();
    }

    public ModelInfo info() {
        return info;
    }

    public String architecture() {
        return info.architecture();
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
