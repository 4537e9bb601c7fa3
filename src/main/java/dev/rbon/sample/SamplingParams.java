package dev.rbon.sample;

import java.util.List;

/**
 * One request's sampling parameters, validated on construction. rbon's defaults are explicit (see the constants) and
 * do not follow transformers' {@code top_k = 50} nor any model's generation_config.json.
 *
 * @param temperature 0 for greedy decoding (argmax, the warpers skipped), otherwise {@code > 0}; 1 leaves the scores
 *     as they are. Default {@value #DEFAULT_TEMPERATURE}.
 * @param topP nucleus mass in (0, 1]; 1 disables top-p. Default {@value #DEFAULT_TOP_P}.
 * @param topK keep the k best tokens (ties with the k-th stay); 0 disables top-k. Default {@value #DEFAULT_TOP_K}.
 * @param epsilon epsilon-sampling cutoff in [0, 1); 0 disables it. Default {@value #DEFAULT_EPSILON}.
 * @param noRepeatNgramSize forbid repeating any n-gram of this size, prompt included, also when greedy; 0 disables
 *     it. Default {@value #DEFAULT_NO_REPEAT_NGRAM_SIZE}.
 * @param maxNewTokens at most this many generated tokens, {@code >= 1}. Default {@value #DEFAULT_MAX_NEW_TOKENS}.
 * @param stop strings that end a generation; none may be empty; {@code null} means none. Default empty.
 * @param seed seed of the request's random generator; {@code null} lets the service pick one. Default null.
 */
public record SamplingParams(
        double temperature,
        double topP,
        int topK,
        double epsilon,
        int noRepeatNgramSize,
        int maxNewTokens,
        List<String> stop,
        Long seed) {

    public static final double DEFAULT_TEMPERATURE = 1.0;
    public static final double DEFAULT_TOP_P = 1.0;
    public static final int DEFAULT_TOP_K = 0;
    public static final double DEFAULT_EPSILON = 0.0;
    public static final int DEFAULT_NO_REPEAT_NGRAM_SIZE = 0;
    public static final int DEFAULT_MAX_NEW_TOKENS = 64;

    public SamplingParams {
        require(temperature >= 0 && Double.isFinite(temperature),
                "temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        require(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        require(topK >= 0, "top_k must be >= 0 (0 = disabled), got " + topK);
        require(epsilon >= 0 && epsilon < 1, "epsilon must be in [0, 1) (0 = disabled), got " + epsilon);
        require(noRepeatNgramSize >= 0, "no_repeat_ngram_size must be >= 0 (0 = disabled), got " + noRepeatNgramSize);
        require(maxNewTokens >= 1, "max_new_tokens must be >= 1, got " + maxNewTokens);
        stop = stop == null ? List.of() : List.copyOf(stop); // List.copyOf rejects null elements
        require(stop.stream().noneMatch(String::isEmpty), "stop strings must not be empty");
    }

    /** All defaults: plain sampling from the model's distribution, 64 new tokens, no stop string, no seed. */
    public static SamplingParams defaults() {
        return new SamplingParams(DEFAULT_TEMPERATURE, DEFAULT_TOP_P, DEFAULT_TOP_K, DEFAULT_EPSILON,
                DEFAULT_NO_REPEAT_NGRAM_SIZE, DEFAULT_MAX_NEW_TOKENS, List.of(), null);
    }

    /** Temperature 0: argmax decoding; the warpers are skipped, no_repeat_ngram_size still applies. */
    public boolean greedy() {
        return temperature == 0;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
