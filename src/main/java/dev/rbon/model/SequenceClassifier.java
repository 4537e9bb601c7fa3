package dev.rbon.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A reward model: transformers' *ForSequenceClassification with one label. Either a decoder body with a
 * {@code score} head read at the last non-pad token of each row, chosen as transformers chooses it (the rightmost
 * token whose id is not {@code pad_token_id}), the layout of open chat reward models (Skywork-Reward, ...); or
 * DeBERTa-v3 ({@link DebertaV2}), a cross-encoder read at its first token (OpenAssistant's reward models). The
 * folder's chat template, if any, comes along: it says how the model's authors fed it a conversation.
 */
public final class SequenceClassifier implements AutoCloseable {

    /** The network itself: the first logit of each row of a right-padded batch. */
    interface Body {
        /** Every array it makes belongs to {@code request}. */
        float[] scores(PaddedBatch batch, NDManager request);

        int maxPositionEmbeddings();

        /** The id rows are right-padded with (its value only matters where a body looks for padding). */
        long paddingId();
    }

    private static final String DEBERTA_V2 = "DebertaV2ForSequenceClassification";

    private final ModelInfo info;
    private final NDManager manager;
    private final Body body;
    private final TextTokenizer tokenizer;
    private final Optional<ChatTemplate> chatTemplate;

    private SequenceClassifier(ModelInfo info, NDManager manager, Body body, TextTokenizer tokenizer,
            Optional<ChatTemplate> chatTemplate) {
        this.info = info;
        this.manager = manager;
        this.body = body;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
    }

    /** The checkpoint in {@code dir}, computing in float32. */
    public static SequenceClassifier load(Path dir, Device device) throws IOException {
        return load(dir, device, Dtype.FLOAT32);
    }

    /**
     * The checkpoint in {@code dir}, a decoder body and its head computing in {@code dtype} (as a causal LM does);
     * DeBERTa computes in float32 whatever the setting: its disentangled attention and LayerNorms are written for it.
     */
    public static SequenceClassifier load(Path dir, Device device, Dtype dtype) throws IOException {
        Path config = dir.resolve("config.json");
        boolean deberta = Files.isRegularFile(config)
                && Checkpoint.JSON.readTree(config.toFile()).path("architectures").path(0).asText().equals(DEBERTA_V2);
        Dtype computeDtype = deberta ? Dtype.FLOAT32 : dtype;
        return Checkpoint.build(dir, device, computeDtype, (checkpoint, manager) -> {
            String architecture = checkpoint.architecture();
            if (!architecture.endsWith("ForSequenceClassification")) {
                throw new IllegalArgumentException(dir + " holds a " + architecture
                        + ", not a *ForSequenceClassification reward model");
            }
            Body body = architecture.equals(DEBERTA_V2)
                    ? DebertaV2.load(checkpoint, manager)
                    : DecoderHead.load(checkpoint, manager);
            return new SequenceClassifier(ModelInfo.of(checkpoint), manager, body, checkpoint.tokenizer(),
                    ChatTemplate.of(dir));
        });
    }

    /** One score (logits[i][0]) per sequence, all in one right-padded batch. */
    public float[] score(List<long[]> sequences) {
        if (sequences.isEmpty()) {
            return new float[0];
        }
        PaddedBatch batch = PaddedBatch.of(sequences, body.paddingId());
        try (NDManager request = NDManager.newBaseManager(manager.getDevice())) {
            return body.scores(batch, request);
        }
    }

    /**
     * One sequence read in parts, its KV cache carried from one part to the next (as a prompt's chunked prefill), so
     * that scoring a long response never holds the device for more than one part; a cross-encoder reads its pair
     * whole ({@link #readsInParts}). The score is {@link #score}'s for the sequence alone, up to float
     * summation order.
     */
    public Parts inParts(long[] sequence) {
        if (!(body instanceof DecoderHead head)) {
            throw new IllegalStateException(name() + " is a cross-encoder: it reads a sequence whole");
        }
        int last = head.lastNonPadToken(sequence); // later positions cannot change it (causal): they are not read
        return new Parts(head, Arrays.copyOf(sequence, last + 1), NDManager.newBaseManager(manager.getDevice()));
    }

    /** Whether {@link #inParts} can read a sequence in parts: a decoder can, a cross-encoder cannot. */
    public boolean readsInParts() {
        return body instanceof DecoderHead;
    }

    /** A sequence being read in parts: {@link #next} until {@link #done}, then {@link #score}; close it either way. */
    public static final class Parts implements AutoCloseable {
        private final DecoderHead head;
        private final long[] ids;
        private final NDManager manager;
        private final KvCache cache;
        private int read;
        private float score;

        private Parts(DecoderHead head, long[] ids, NDManager manager) {
            this.head = head;
            this.ids = ids;
            this.manager = manager;
            this.cache = new KvCache(manager, head.model().numHiddenLayers());
        }

        /** Reads at most {@code tokens} more; the last part computes the score. */
        public void next(int tokens) {
            if (done()) {
                return; // the pad ids at its end, which the score does not read
            }
            int end = Math.min(ids.length, read + Math.max(1, tokens));
            try (NDManager part = manager.newSubManager()) {
                NDArray input = part.create(new long[][] {Arrays.copyOfRange(ids, read, end)});
                NDArray mask = part.ones(new Shape(1, end), DataType.INT64);
                NDArray hidden = head.model().forward(input, mask, cache); // (1, T, hidden)
                if (end == ids.length) {
                    score = head.score().forward(hidden.get(":, -1:, :")).toType(DataType.FLOAT32, false)
                            .toFloatArray()[0];
                }
            }
            read = end;
        }

        public boolean done() {
            return read == ids.length;
        }

        public float score() {
            if (!done()) {
                throw new IllegalStateException("read " + read + " of " + ids.length + " tokens");
            }
            return score;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** The decoder families: the body's hidden states through {@code score} at each row's last real token. */
    private record DecoderHead(DecoderModel model, Linear score, Long padTokenId) implements Body {

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Config(@JsonProperty("pad_token_id") Long padTokenId) {}

        static DecoderHead load(Checkpoint checkpoint, NDManager manager) {
            DecoderModel model = AutoModel.decoder(checkpoint, manager);
            Linear score = Linear.load(checkpoint, manager, "score", checkpoint.has("score.bias"));
            checkOneLabel(checkpoint, score, "score");
            return new DecoderHead(model, score, checkpoint.config(Config.class).padTokenId());
        }

        @Override
        public float[] scores(PaddedBatch batch, NDManager request) {
            NDArray hidden = model.forward(batch.inputIds(request), batch.attentionMask(request), null); // (B, T, hidden)
            float[] scores = score.forward(hidden).toType(DataType.FLOAT32, false).toFloatArray();      // (B, T, 1)
            float[] out = new float[batch.batchSize()];
            for (int r = 0; r < out.length; r++) {
                out[r] = scores[r * batch.length() + lastNonPadToken(batch, r)];
            }
            return out;
        }

        /** transformers' rule for one unpadded sequence: its last token that is not the pad id. */
        int lastNonPadToken(long[] sequence) {
            for (int t = sequence.length - 1; t > 0; t--) {
                if (padTokenId == null || sequence[t] != padTokenId) {
                    return t;
                }
            }
            return 0;
        }

        /** transformers: argmax over positions of (position * (id != pad)); without a pad id, the last real token. */
        private int lastNonPadToken(PaddedBatch batch, int row) {
            int last = 0;
            for (int t = 0; t < batch.length(); t++) {
                boolean real = padTokenId == null
                        ? batch.attentionMask()[row * batch.length() + t] == 1
                        : batch.id(row, t) != padTokenId;
                if (real) {
                    last = t;
                }
            }
            return last;
        }

        @Override
        public int maxPositionEmbeddings() {
            return model.maxPositionEmbeddings();
        }

        @Override
        public long paddingId() {
            return padTokenId == null ? 0 : padTokenId;
        }
    }

    /** A reward model gives one number: num_labels 1. */
    static void checkOneLabel(Checkpoint checkpoint, Linear head, String key) {
        if (head.weight().getShape().get(0) != 1) {
            throw new IllegalArgumentException(checkpoint.dir() + ": " + key + ".weight has "
                    + head.weight().getShape().get(0) + " rows; a reward model has num_labels 1");
        }
    }

    /**
     * A cross-encoder reads the question and the answer as one pair ({@code [CLS] q [SEP] a [SEP]}) and pools its
     * first token; a decoder reads one text to its last token.
     */
    public boolean crossEncoder() {
        return info.architecture().equals(DEBERTA_V2);
    }

    /** The chat template of the reward model's folder (chat_template.jinja or tokenizer_config.json), if any. */
    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public int maxPositionEmbeddings() {
        return body.maxPositionEmbeddings();
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
