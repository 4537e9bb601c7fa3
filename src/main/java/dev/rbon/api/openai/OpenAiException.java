package dev.rbon.api.openai;

/** A failure the OpenAI routes report as such, e.g. 404 model_not_found or 400 for an unsupported field. */
public class OpenAiException extends RuntimeException {

    private final int status;
    private final String param;
    private final String code;

    public OpenAiException(int status, String message, String param, String code) {
        super(message);
        this.status = status;
        this.param = param;
        this.code = code;
    }

    static OpenAiException badRequest(String param, String message) {
        return new OpenAiException(400, param + ": " + message, param, null);
    }

    static OpenAiException modelNotFound(String model, String served) {
        return new OpenAiException(404, "The model `" + model + "` does not exist; this server serves `" + served
                + "` (GET /v1/models)", "model", "model_not_found");
    }

    public int status() {
        return status;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
