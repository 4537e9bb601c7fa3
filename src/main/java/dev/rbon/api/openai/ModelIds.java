package dev.rbon.api.openai;

import dev.rbon.api.ServedModels;

/** The {@code model} an OpenAI client sends, checked against the ids this server serves. */
final class ModelIds {

    private ModelIds() {}

    /** 404 model_not_found unless {@code model} is the policy's id; a missing model is a 400 naming it. */
    static void requirePolicy(ServedModels served, String model) {
        if (model == null || model.isBlank()) {
            throw OpenAiException.badRequest("model", "is required; this server serves `" + served.policy() + "`");
        }
        if (!model.equals(served.policy())) {
            throw OpenAiException.modelNotFound(model, served.policy());
        }
    }

    /**
     * /v1/completions as an engine (samples in order): the policy, or a local reference by its id; left out, the
     * policy, as vLLM serves its only model.
     */
    static void requireEngineModel(ServedModels served, String model) {
        String policy = served.policy();
        String reference = served.reference();
        if (model != null && !model.equals(policy) && !model.equals(reference)) {
            throw OpenAiException.modelNotFound(model, reference == null ? policy : policy + "` or `" + reference);
        }
    }

    /** /v1/rerank: the model may be left out; given, it must be the reward model's id (or the policy's). */
    static void requireRanker(ServedModels served, String model) {
        if (model != null && !model.equals(served.reward()) && !model.equals(served.policy())) {
            throw OpenAiException.modelNotFound(model, served.reward());
        }
    }
}
