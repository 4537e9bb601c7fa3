package dev.rbon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.errorcategory.BasicTemplateErrorCategory;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint's chat template, rendered with Jinjava as transformers' apply_chat_template renders it
 * (chat_template_utils.render_jinja_template: trim_blocks and lstrip_blocks on; {@code messages},
 * {@code add_generation_prompt} and the tokenizer's named special tokens in the context; {@code raise_exception}
 * and {@code strftime_now} as functions). The rendered text already holds the template's special tokens, so it is
 * tokenized without adding more.
 *
 * <p>Message content is data, never code: Jinjava's nested interpretation (re-rendering output that contains
 * {@code {{}) is off, so {@code {{ 7*7 }}} in a message reaches the model as those characters. A template is code
 * from the checkpoint, run on every request, so one render is bounded in output size, string and list sizes,
 * ranges, macro recursion depth and wall-clock time; past a bound it fails with a {@link TemplateException}.
 */
public final class ChatTemplate {

    /** One turn: role (system, user, assistant) and content. */
    public record Message(String role, String content) {}

    /** Longest rendered text, in characters; a prompt is far smaller (rbon.limits.max-prompt-tokens). */
    static final long MAX_OUTPUT_CHARS = 4_000_000;

    /** Longest one render may run; a real template takes well under a millisecond per turn. */
    static final long MAX_RENDER_NANOS = 2_000_000_000L;

    /** transformers' SPECIAL_TOKENS_ATTRIBUTES: the special tokens a template may read by name. */
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    /** When the render running on this thread must stop (checked before every node Jinjava renders). */
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    private static final Jinjava JINJAVA = jinjava();

    private final String template;
    private final Map<String, String> specialTokens;

    ChatTemplate(String template, Map<String, String> specialTokens) {
        this.template = template;
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /**
     * The template of a checkpoint folder: {@code chat_template.jinja} (as transformers 5 saves it, and which wins
     * as it does in transformers), else tokenizer_config.json's {@code chat_template} (the "default" one of a
     * named list). Special tokens come from tokenizer_config.json either way.
     */
    public static Optional<ChatTemplate> of(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        JsonNode config = Files.exists(file) ? Checkpoint.JSON.readTree(file.toFile()) : Checkpoint.JSON.createObjectNode();
        Path jinja = dir.resolve("chat_template.jinja");
        String template = Files.exists(jinja) ? Files.readString(jinja) : configured(config.path("chat_template"));
        if (template == null) {
            return Optional.empty();
        }
        Map<String, String> tokens = new HashMap<>();
        for (String name : SPECIAL_TOKENS) {
            token(config.path(name)).ifPresent(token -> tokens.put(name, token));
        }
        return Optional.of(new ChatTemplate(template, tokens));
    }

    /** A string, or [{"name": "default", "template": ...}, {"name": "tool_use", ...}]. */
    private static String configured(JsonNode template) {
        if (template.isArray()) {
            JsonNode chosen = null;
            for (JsonNode named : template) {
                if (chosen == null || named.path("name").asText().equals("default")) {
                    chosen = named;
                }
            }
            template = chosen == null ? null : chosen.path("template");
        }
        return template != null && template.isTextual() ? template.asText() : null;
    }

    /** A special token is written as a string or as an AddedToken object with its {@code content}. */
    private static Optional<String> token(JsonNode token) {
        if (token.isTextual()) {
            return Optional.of(token.asText());
        }
        return token.path("content").isTextual() ? Optional.of(token.path("content").asText()) : Optional.empty();
    }

    /** The prompt text for {@code messages}, ending where the assistant's answer begins. */
    public String render(List<Message> messages) {
        return render(messages, true);
    }

    /**
     * {@code messages} rendered as the model reads them; with {@code addGenerationPrompt} the text ends with the
     * header of the assistant's next turn (a prompt to sample from), without it the conversation is complete (what a
     * reward model scores).
     *
     * @throws TemplateException if the template raises, fails, or passes a bound
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        if (messages.isEmpty()) {
            throw new TemplateException("a conversation needs at least one message"); // as transformers refuses it
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        DEADLINE.set(new long[] {System.nanoTime() + MAX_RENDER_NANOS});
        try {
            RenderResult result = JINJAVA.renderForResult(template, context);
            for (TemplateError error : result.getErrors()) {
                // Jinjava only warns where a macro recursed past its depth; Jinja (RecursionError) fails
                if (error.getSeverity() == TemplateError.ErrorType.FATAL
                        || error.getCategory() == BasicTemplateErrorCategory.CYCLE_DETECTED) {
                    throw refusal(error);
                }
            }
            return result.getOutput();
        } catch (OutputTooBigException e) {
            throw new TemplateException("the chat template's output passed " + MAX_OUTPUT_CHARS + " characters");
        } finally {
            DEADLINE.remove();
        }
    }

    /** raise_exception's own message (or a bound's) when that is what failed, else Jinjava's. */
    private static TemplateException refusal(TemplateError error) {
        for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
            if (cause instanceof TemplateException refused) {
                return refused;
            }
            if (cause instanceof OutputTooBigException) {
                return new TemplateException("the chat template's output passed " + MAX_OUTPUT_CHARS + " characters");
            }
        }
        return new TemplateException("the chat template failed: " + error.getMessage());
    }

    /** The template refused the conversation (raise_exception), could not be rendered, or passed a bound. */
    public static final class TemplateException extends IllegalArgumentException {
        public TemplateException(String message) {
            super(message);
        }
    }

    /** Called by templates as {@code raise_exception('...')}, as transformers provides it. */
    public static String raiseException(String message) {
        throw new TemplateException(message);
    }

    /** Called by templates as {@code strftime_now('%d %b %Y')} (Llama 3.1's date line), as transformers provides it. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** Jinjava calls this before rendering each node: the wall-clock bound of a render. */
    private static void checkDeadline() {
        long[] deadline = DEADLINE.get();
        if (deadline != null && System.nanoTime() > deadline[0]) {
            throw new TemplateException("the chat template ran longer than " + MAX_RENDER_NANOS / 1_000_000 + " ms");
        }
    }

    private static Jinjava jinjava() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false) // content is data: never render a message's {{ ... }}
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(100_000)
                .withMaxMapSize(100_000)
                .withRangeLimit(10_000)
                .withMaxRenderDepth(10)
                .withEnableRecursiveMacroCalls(true) // as Jinja allows, to a depth
                .withMaxMacroRecursionDepth(50)
                .withNodePreProcessor((node, interpreter) -> checkDeadline())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
        return jinjava;
    }
}
