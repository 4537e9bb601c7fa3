package dev.rbon.api.openai;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The error answers of the OpenAI-compatible routes, each in OpenAI's {"error": {...}} shape. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@APIResponse(responseCode = "400", description = "Malformed JSON, a wrong type, an invalid or unsupported field",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@APIResponse(responseCode = "404", description = "model_not_found: the model is not the one served",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@APIResponse(responseCode = "413", description = "The body is over the size limit",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@APIResponse(responseCode = "429", description = "The queue is full; retry after the Retry-After seconds",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@APIResponse(responseCode = "503", description = "Models still loading, or the server is shutting down",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@APIResponse(responseCode = "504", description = "The request's deadline passed",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
public @interface OpenAiErrorResponses {}
