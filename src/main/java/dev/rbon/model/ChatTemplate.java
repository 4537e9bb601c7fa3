package dev.rbon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint's chat template: {@code chat_template} of tokenizer_config.json, rendered with Jinjava as
 * transformers' apply_chat_template renders it ({@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code raise_exception}). The rendered text already holds the template's special tokens, so it
 * is tokenized without adding more.
 */
public final class ChatTemplate {

    /** One turn: role (system, user, assistant) and content. */
    public record Message(String role, String content) {}

    private static final Jinjava JINJAVA = jinjava();

    private final String template;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The template of a checkpoint folder, if its tokenizer_config.json has one (the "default" one of a list). */
    static Optional<ChatTemplate> of(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode config = Checkpoint.JSON.readTree(file.toFile());
        JsonNode template = config.path("chat_template");
        if (template.isArray()) { // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
            JsonNode chosen = null;
            for (JsonNode named : template) {
                if (chosen == null || named.path("name").asText().equals("default")) {
                    chosen = named;
                }
            }
            template = chosen == null ? null : chosen.path("template");
        }
        if (template == null || !template.isTextual()) {
            return Optional.empty();
        }
        return Optional.of(new ChatTemplate(template.asText(), token(config, "bos_token"), token(config, "eos_token")));
    }

    /** A special token is written as a string or as an AddedToken object with its {@code content}. */
    private static String token(JsonNode config, String name) {
        JsonNode token = config.path(name);
        return token.isTextual() ? token.asText() : token.path("content").asText("");
    }

    /** The prompt text for {@code messages}, ending where the assistant's answer begins. */
    public String render(List<Message> messages) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", true);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = JINJAVA.renderForResult(template, context);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw refusal(error);
            }
        }
        return result.getOutput();
    }

    /** raise_exception's own message when that is what failed, else Jinjava's. */
    private static TemplateException refusal(TemplateError error) {
        for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
            if (cause instanceof TemplateException refused) {
                return refused;
            }
        }
        return new TemplateException("the chat template failed: " + error.getMessage());
    }

    /** The template refused the conversation (raise_exception), or could not be rendered. */
    public static final class TemplateException extends IllegalArgumentException {
        public TemplateException(String message) {
            super(message);
        }
    }

    /** Called by templates as {@code raise_exception('...')}, as transformers provides it. */
    public static String raiseException(String message) {
        throw new TemplateException(message);
    }

    private static Jinjava jinjava() {
        Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).build());
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        return jinjava;
    }
}
