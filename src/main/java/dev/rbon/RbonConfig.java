package dev.rbon;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** rbon's configuration: application.properties, or environment variables by MicroProfile rules. */
@ConfigMapping(prefix = "rbon")
public interface RbonConfig {

    Models models();

    Workers workers();

    Limits limits();

    Shutdown shutdown();

    Passes passes();

    interface Models {
        /** The policy: a HuggingFace causal LM folder (Llama, Mistral, Qwen2, GPT-2). */
        ModelPath policy();

        /** The reward model: a *ForSequenceClassification folder with one label (decoder families, DeBERTa-v3). */
        RewardModel reward();

        /** The reference for log pi_ref(y|x); absent, the policy is the reference (no second forward pass). */
        Optional<ModelPath> reference();

        /** A HF BERT / sentence-transformers folder or an .onnx file; absent, all-MiniLM-L6-v2 from its jar. */
        Optional<ModelPath> embedding();

        /**
         * The local models' compute dtype (policy, reference and a decoder reward model; DeBERTa reward models and
         * the embedder stay float32): float32, bfloat16, float16, int8 (CPU: int8 weights, bfloat16 activations),
         * or auto (the checkpoint's dtype on a GPU, float32 on a CPU; see docs/models.md). Weights are stored in it;
         * norms and softmax run in float32.
         */
        @WithDefault("auto")
        String dtype();
    }

    /**
     * A model: a local HuggingFace folder, or a remote engine at {@code url} (docs/remote.md). With a url, only the
     * tokenizer files of {@code path} are read, when it is given; without one, {@code path} is required.
     */
    interface ModelPath {
        Optional<Path> path();

        /** The policy's, reference's and embedding's: an OpenAI base URL (http://vllm:8000/v1); the reward's: the server root. */
        Optional<URI> url();

        /** The model name sent to the engine; absent, the engine's only served model. */
        Optional<String> model();

        /** Sent as {@code Authorization: Bearer <api-key>}. */
        Optional<String> apiKey();

        // no @WithDefault in this group: a default would make an absent reference or embedding look configured;
        // the defaults are applied where the client is built (dev.rbon.remote.Backend) and documented here

        /** Default 2s. */
        Optional<Duration> connectTimeout();

        /** One call's timeout, default 60s; the request's own deadline shortens it. */
        Optional<Duration> timeout();

        /** Retries of a failed call where repeating it is safe (docs/remote.md), default 2; 0 disables them. */
        Optional<Integer> retries();

        /** Calls in flight to this engine at most (so connections at most), default 32; more wait for a free one. */
        Optional<Integer> maxConnections();
    }

    /**
     * The reward model, or an ensemble of them (docs/methods.md#reward-ensembles): {@code path} and {@code url} are
     * comma-separated lists, one entry per member in the order responses report their rewards. With a url every
     * member is an engine, one per url (the paths, then one per url or a single one, name only tokenizer folders);
     * local and remote members do not mix ({@link RewardMembers} splits them). The other keys are {@link ModelPath}'s,
     * shared by the members.
     */
    interface RewardModel {
        /** Folders of *ForSequenceClassification checkpoints, comma-separated; absent with url. */
        Optional<List<Path>> path();

        /** The engines' server roots (vLLM's /classify is at the root, not under /v1), comma-separated. */
        Optional<List<URI>> url();

        /** The model name sent to each engine, one per url (or one for all); absent, each engine's only model. */
        Optional<List<String>> model();

        Optional<String> apiKey();

        Optional<Duration> connectTimeout();

        Optional<Duration> timeout();

        Optional<Integer> retries();

        Optional<Integer> maxConnections();

        /**
         * How the reward model reads a response: auto (its chat template if it has one, a question/answer pair for
         * a cross-encoder such as DeBERTa, else prompt + response text), chat-template, pair or text.
         */
        @WithDefault("auto")
        String input();
    }

    interface Workers {
        /** cpu, gpu0,gpu1, or auto (every GPU DJL sees, else the CPU). */
        @WithDefault("cpu")
        List<String> devices();

        /** Requests that may wait for a worker; beyond it they are refused at once with 429. */
        @WithDefault("16")
        int queueCapacity();

        /**
         * CPU workers when the devices include the CPU, each with its own batch over the one copy of the models.
         * Absent, what measured best (docs/scheduler.md): one per core for a policy under 256 MB of weights (or a
         * remote one), whose steps are too small to use several threads; else one worker using every core.
         */
        Optional<Integer> cpuWorkers();

        /** PyTorch intra-op threads (process-wide); absent, the cores divided among the CPU workers. */
        Optional<Integer> intraOpThreads();

        /** Rows decoding at once on one device, over every running request (continuous batching). */
        @WithDefault("64")
        int maxBatchRows();

        /** Tokens in one step on one device: one per decoding row plus a chunk of a prompt being prefilled. */
        @WithDefault("512")
        int maxBatchTokens();
    }

    interface Limits {
        @WithDefault("64")
        int maxN();

        @WithDefault("256")
        int maxNewTokens();

        @WithDefault("1024")
        int maxPromptTokens();

        /** Largest request body; larger ones get 413 (quarkus.http.limits.max-body-size follows it). */
        @WithDefault("1M")
        MemorySize maxBodySize();

        /**
         * A request's estimated peak memory (decode/MemoryBudget); over it, a 422 before any work. Absent: 80% of
         * (physical memory - max heap - every worker's weights) / workers.
         */
        Optional<MemorySize> maxRequestMemory();

        /** A request's deadline; a request's own timeout_ms may only shorten it. */
        @WithDefault("60s")
        Duration requestTimeout();
    }

    /** What SIGTERM does (docs/operations.md#shutdown). */
    interface Shutdown {
        /**
         * How long the requests already admitted (queued or running) may take to finish once SIGTERM arrives; those
         * unfinished then get 503. New requests get 503 from the signal on. The pod's terminationGracePeriodSeconds
         * must exceed the preStop delay plus this plus quarkus.shutdown.timeout plus the workers' stop (10 s).
         */
        @WithDefault("30s")
        Duration gracePeriod();
    }

    /**
     * How large one forward pass may grow (docs/memory.md): process-wide, applied before any model loads. Smaller
     * bounds hold less memory per pass and run more, smaller passes.
     */
    interface Passes {
        /** Elements of one (B, heads, T_chunk, S) block of attention scores: queries run in chunks that fit. */
        @WithDefault("16777216")
        long attentionBlockElements();

        /** Tokens (rows x padded length) per scoring pass. */
        @WithDefault("4096")
        int scoringTokens();

        /** Elements of one (B, L_chunk, vocab) block of a reference pass's logits. */
        @WithDefault("33554432")
        long logitElements();
    }
}
