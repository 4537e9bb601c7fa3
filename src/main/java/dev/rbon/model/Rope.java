package dev.rbon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rotary position embedding parameters and their init functions, mirroring transformers 5.17's
 * modeling_rope_utils.py: {@code ROPE_INIT_FUNCTIONS} maps each {@code rope_type} to a function of (parameters,
 * sequence length) returning the inverse frequencies and the attention scaling applied to cos/sin. The arithmetic
 * runs in float32 where transformers' runs on float32 tensors, and in double where it runs on Python floats.
 */
final class Rope {

    private Rope() {}

    /** The inverse frequencies of the rotated half-dimensions and the factor cos/sin are multiplied by. */
    record Frequencies(float[] invFreq, double attentionScaling) {}

    /**
     * One standardized {@code rope_parameters} dict (transformers' {@code standardize_rope_params}) plus what the init
     * functions read from the rest of the config: the rotated width ({@code head_dim * partial_rotary_factor}) and
     * {@code max_position_embeddings}.
     */
    record Parameters(JsonNode dict, int headDim, int maxPositionEmbeddings) {

        String ropeType() {
            return dict.path("rope_type").asText("default");
        }

        double theta() {
            return dict.path("rope_theta").asDouble();
        }

        /** {@code int(head_dim * partial_rotary_factor)}: the leading dimensions of each head that rotate. */
        int dim() {
            return (int) (headDim * dict.path("partial_rotary_factor").asDouble(1.0));
        }

        /** A required key: transformers' validation raises KeyError when it is absent. */
        double required(String key) {
            JsonNode value = dict.get(key);
            if (value == null || !value.isNumber()) {
                throw new IllegalArgumentException("rope_type " + ropeType() + " needs rope_parameters." + key
                        + " (a number); the config has " + dict);
            }
            return value.asDouble();
        }

        /** An optional number, null when absent or null. */
        Double optional(String key) {
            JsonNode value = dict.get(key);
            return value == null || !value.isNumber() ? null : value.asDouble();
        }
    }

    /** An init function of ROPE_INIT_FUNCTIONS; {@code seqLen} is the longest position + 1 of the current call. */
    @FunctionalInterface
    interface InitFunction {
        Frequencies compute(Parameters p, long seqLen);
    }

    /** transformers' ROPE_INIT_FUNCTIONS, plus "default" (each model's compute_default_rope_parameters). */
    static final Map<String, InitFunction> INIT_FUNCTIONS = Map.of(
            "default", Rope::defaultParameters,
            "linear", Rope::linearScaling,
            "dynamic", Rope::dynamicNtk,
            "yarn", Rope::yarn,
            "longrope", Rope::longrope,
            "llama3", Rope::llama3);

    /** The rope types whose frequencies depend on the sequence length: recomputed per call. */
    static final Set<String> LENGTH_DEPENDENT = Set.of("dynamic", "longrope");

    static InitFunction initFunction(String ropeType) {
        InitFunction fn = INIT_FUNCTIONS.get(ropeType);
        if (fn == null) {
            throw new IllegalArgumentException("rope_type " + ropeType + " is not supported; rbon supports "
                    + new TreeSet<>(INIT_FUNCTIONS.keySet()));
        }
        return fn;
    }

    /** 1 / theta^(2i / dim) for i < dim / 2, in float32 as {@code base ** (arange(0, dim, 2).float() / dim)}. */
    static float[] baseInvFreq(double theta, int dim) {
        float[] invFreq = new float[dim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = 1.0f / (float) Math.pow(theta, (float) (2 * i) / dim);
        }
        return invFreq;
    }

    /** compute_default_rope_parameters: plain RoPE. */
    static Frequencies defaultParameters(Parameters p, long seqLen) {
        return new Frequencies(baseInvFreq(p.theta(), p.dim()), 1.0);
    }

    /** _compute_linear_scaling_rope_parameters: positions divided by factor, i.e. inv_freq / factor. */
    static Frequencies linearScaling(Parameters p, long seqLen) {
        float factor = (float) p.required("factor");
        float[] invFreq = baseInvFreq(p.theta(), p.dim());
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] /= factor;
        }
        return new Frequencies(invFreq, 1.0);
    }

    /**
     * _compute_dynamic_ntk_parameters: the base grows with the sequence once it is longer than
     * max_position_embeddings; shorter sequences get plain RoPE (transformers' reset to the original frequencies).
     */
    static Frequencies dynamicNtk(Parameters p, long seqLen) {
        double factor = p.required("factor");
        int maxPositions = p.maxPositionEmbeddings();
        int dim = p.dim();
        if (seqLen <= maxPositions) {
            return new Frequencies(baseInvFreq(p.theta(), dim), 1.0);
        }
        // at run time transformers computes this on tensors: float32
        float grown = (float) factor * seqLen / maxPositions - (float) (factor - 1);
        float base = (float) p.theta() * (float) Math.pow(grown, (double) dim / (dim - 2));
        return new Frequencies(baseInvFreq(base, dim), 1.0);
    }

    /** _compute_yarn_parameters (YaRN, arXiv 2309.00071), including its attention factor (mscale). */
    static Frequencies yarn(Parameters p, long seqLen) {
        double base = p.theta();
        int dim = p.dim();
        int originalMax = (int) p.required("original_max_position_embeddings");
        // the explicit factor wins over max_position_embeddings / original_max_position_embeddings
        Double explicitFactor = p.optional("factor");
        double factor = explicitFactor != null ? explicitFactor : (double) p.maxPositionEmbeddings() / originalMax;
        Double attentionFactor = p.optional("attention_factor");
        Double mscale = p.optional("mscale");
        Double mscaleAllDim = p.optional("mscale_all_dim");
        if (attentionFactor == null) {
            attentionFactor = truthy(mscale) && truthy(mscaleAllDim)
                    ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim)
                    : yarnMscale(factor, 1);
        }
        double betaFast = truthy(p.optional("beta_fast")) ? p.optional("beta_fast") : 32;
        double betaSlow = truthy(p.optional("beta_slow")) ? p.optional("beta_slow") : 1;
        boolean truncate = p.dict().path("truncate").asBoolean(true);
        double low = yarnCorrectionDim(betaFast, dim, base, originalMax);
        double high = yarnCorrectionDim(betaSlow, dim, base, originalMax);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // transformers: prevent singularity
        }
        float[] invFreq = new float[dim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float posFreq = (float) Math.pow(base, (float) (2 * i) / dim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / ((float) factor * posFreq);
            float ramp = (float) Math.min(Math.max((i - (float) low) / (float) (high - low), 0), 1);
            float extrapolationFactor = 1 - ramp;
            invFreq[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return new Frequencies(invFreq, attentionFactor);
    }

    private static boolean truthy(Double value) {
        return value != null && value != 0;
    }

    /** get_mscale: 0.1 * mscale * ln(scale) + 1 above scale 1. */
    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** find_correction_dim: the dimension whose wavelength fits {@code rotations} times in the original context. */
    private static double yarnCorrectionDim(double rotations, int dim, double base, int maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /**
     * _compute_longrope_parameters (Phi-3): per-dimension factors, {@code long_factor} once the sequence is longer
     * than original_max_position_embeddings, else {@code short_factor}.
     */
    static Frequencies longrope(Parameters p, long seqLen) {
        int dim = p.dim();
        int originalMax = (int) p.required("original_max_position_embeddings");
        Double explicitFactor = p.optional("factor");
        double factor = explicitFactor != null ? explicitFactor : (double) p.maxPositionEmbeddings() / originalMax;
        Double attentionFactor = p.optional("attention_factor");
        if (attentionFactor == null) {
            attentionFactor = factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
        }
        JsonNode extFactors = p.dict().path(seqLen > originalMax ? "long_factor" : "short_factor");
        if (!extFactors.isArray() || extFactors.size() != dim / 2) {
            throw new IllegalArgumentException("rope_type longrope needs short_factor and long_factor lists of "
                    + dim / 2 + " numbers; the config has " + p.dict());
        }
        float[] invFreq = new float[dim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float shape = (float) (2 * i) / dim;
            invFreq[i] = 1.0f / ((float) extFactors.get(i).asDouble() * (float) Math.pow(p.theta(), shape));
        }
        return new Frequencies(invFreq, attentionFactor);
    }

    /** _compute_llama3_parameters (Llama 3.1): low frequencies divided by factor, a smooth blend in between. */
    static Frequencies llama3(Parameters p, long seqLen) {
        float factor = (float) p.required("factor");
        float lowFreqFactor = (float) p.required("low_freq_factor");
        float highFreqFactor = (float) p.required("high_freq_factor");
        float oldContextLen = (float) p.required("original_max_position_embeddings");
        float lowFreqWavelen = oldContextLen / lowFreqFactor;
        float highFreqWavelen = oldContextLen / highFreqFactor;
        float[] invFreq = baseInvFreq(p.theta(), p.dim());
        for (int i = 0; i < invFreq.length; i++) {
            float wavelen = (float) (2 * Math.PI) / invFreq[i];
            float scaled = wavelen > lowFreqWavelen ? invFreq[i] / factor : invFreq[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (oldContextLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            invFreq[i] = scaled;
        }
        return new Frequencies(invFreq, 1.0);
    }

    /**
     * transformers' convert_rope_params_to_dict + standardize_rope_params for one global dict: {@code rope_scaling}
     * (transformers 4 layout) or else {@code rope_parameters} (transformers 5), {@code rope_type} from {@code type}
     * when only that is given, {@code rope_theta} and {@code partial_rotary_factor} from the top level when the dict
     * lacks them, and {@code original_max_position_embeddings} for the types that need it.
     *
     * @param defaultTheta the family's default theta when the config names none
     * @param topLevelOriginalMax Phi-3's top-level original_max_position_embeddings, which takes priority; else null
     */
    static ObjectNode standardize(JsonNode config, JsonNode dict, double defaultTheta, Integer topLevelOriginalMax) {
        ObjectNode out = dict != null && dict.isObject() ? ((ObjectNode) dict).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        if (!out.has("rope_type")) {
            out.put("rope_type", out.path("type").asText("default"));
        }
        out.remove("type");
        if (!out.hasNonNull("rope_theta")) {
            out.put("rope_theta", config.path("rope_theta").asDouble(defaultTheta));
        }
        if (!out.has("partial_rotary_factor") && config.path("partial_rotary_factor").isNumber()) {
            out.put("partial_rotary_factor", config.path("partial_rotary_factor").asDouble());
        }
        if (Set.of("llama3", "yarn", "longrope").contains(out.get("rope_type").asText())) {
            if (topLevelOriginalMax != null) {
                out.put("original_max_position_embeddings", topLevelOriginalMax);
            } else if (!out.hasNonNull("original_max_position_embeddings")) {
                out.put("original_max_position_embeddings", config.path("max_position_embeddings").asInt());
            }
        }
        return out;
    }

    /** The config's single rope dict: rope_scaling if set, else rope_parameters (null when neither). */
    static JsonNode ropeDict(JsonNode config) {
        JsonNode scaling = config.get("rope_scaling");
        if (scaling != null && scaling.isObject() && !scaling.isEmpty()) {
            return scaling;
        }
        JsonNode parameters = config.get("rope_parameters");
        return parameters != null && parameters.isObject() ? parameters : null;
    }

    /**
     * Per-layer-type dicts when rope_parameters is keyed by layer type (transformers 5 for Gemma 3), else the one
     * global dict under every layer type.
     */
    static Map<String, ObjectNode> perLayerType(JsonNode config, Set<String> layerTypes, double defaultTheta) {
        JsonNode dict = ropeDict(config);
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        boolean keyed = dict != null && layerTypes.stream().anyMatch(dict::has);
        for (String type : layerTypes) {
            out.put(type, standardize(config, keyed ? dict.get(type) : dict, defaultTheta, null));
        }
        return out;
    }
}
