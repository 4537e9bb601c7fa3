package dev.rbon.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat templates as transformers' apply_chat_template renders them, on the templates models ship. */
class ChatTemplateTest {

    /** Qwen2 / ChatML, as in Qwen2's tokenizer_config.json (without its tool branch). */
    static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Llama 2 chat's template shape: BOS, [INST] turns, and raise_exception on a bad conversation. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'assistant' %}"
            + "{{ raise_exception('Conversation roles must start with user') }}{% endif %}"
            + "{% for message in messages %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + message['content'].strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'].strip() + ' ' + eos_token }}"
            + "{% endif %}{% endfor %}";

    static ChatTemplate write(Path dir, Object template) throws Exception {
        ObjectNode config = Checkpoint.JSON.createObjectNode();
        config.set("chat_template", Checkpoint.JSON.valueToTree(template));
        config.put("bos_token", "<s>");
        config.putObject("eos_token").put("content", "</s>");
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        return ChatTemplate.of(dir).orElseThrow();
    }

    static List<ChatTemplate.Message> user(String content) {
        return List.of(new ChatTemplate.Message("user", content));
    }

    @Test
    void rendersChatMlWithTheGenerationPrompt(@TempDir Path dir) throws Exception {
        ChatTemplate chatml = write(dir, CHATML);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n", chatml.render(List.of(new ChatTemplate.Message("user", "Hi"))));
    }

    @Test
    void rendersLlama2TurnsWithBosAndEos(@TempDir Path dir) throws Exception {
        ChatTemplate llama2 = write(dir, LLAMA2);
        String text = llama2.render(List.of(new ChatTemplate.Message("user", " add 2 and 3 "),
                new ChatTemplate.Message("assistant", "5"), new ChatTemplate.Message("user", "and 4?")));
        assertEquals("<s>[INST] add 2 and 3 [/INST] 5 </s><s>[INST] and 4? [/INST]", text);
    }

    @Test
    void raiseExceptionRefusesTheConversation(@TempDir Path dir) throws Exception {
        ChatTemplate llama2 = write(dir, LLAMA2);
        ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                () -> llama2.render(List.of(new ChatTemplate.Message("assistant", "hello"))));
        assertTrue(e.getMessage().contains("must start with user"), e.getMessage());
    }

    @Test
    void picksTheDefaultOfNamedTemplates(@TempDir Path dir) throws Exception {
        ChatTemplate chosen = write(dir, List.of(java.util.Map.of("name", "tool_use", "template", "TOOLS"),
                java.util.Map.of("name", "default", "template", "{{ messages[0]['content'] }}")));
        assertEquals("Hi", chosen.render(List.of(new ChatTemplate.Message("user", "Hi"))));
    }

    @Test
    void aFolderWithoutATemplateHasNone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        assertTrue(ChatTemplate.of(dir).isEmpty());
    }

    @Test
    void readsChatTemplateJinjaBeforeTokenizerConfig(@TempDir Path dir) throws Exception {
        write(dir, "FROM CONFIG");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}{{ messages[0].content }}");
        assertEquals("<s>Hi", ChatTemplate.of(dir).orElseThrow().render(user("Hi")));
    }

    @Test
    void aTemplateFileAloneIsEnough(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chat_template.jinja"), "[{{ messages[0].content }}]");
        assertEquals("[Hi]", ChatTemplate.of(dir).orElseThrow().render(user("Hi")));
    }

    @Test
    void contentIsDataNeverTemplateCode(@TempDir Path dir) throws Exception {
        ChatTemplate chatml = write(dir, CHATML);
        String content = "{{ 7*7 }} {% raw %}x{% endraw %} {% for i in range(3) %}{{ i }}{% endfor %} {{ bos_token }}";
        assertTrue(chatml.render(user(content)).contains("user\n" + content + "<|im_end|>"));
    }

    @Test
    void withoutTheGenerationPromptTheConversationEndsAfterItsLastTurn(@TempDir Path dir) throws Exception {
        ChatTemplate chatml = write(dir, CHATML);
        String text = chatml.render(List.of(new ChatTemplate.Message("user", "Hi"),
                new ChatTemplate.Message("assistant", "Hello")), false);
        assertTrue(text.endsWith("<|im_start|>assistant\nHello<|im_end|>\n"), text);
    }

    @Test
    void anEmptyConversationIsRefused(@TempDir Path dir) throws Exception {
        ChatTemplate chatml = write(dir, CHATML);
        assertThrows(ChatTemplate.TemplateException.class, () -> chatml.render(List.of()));
    }

    @Test
    void aTemplateThatRunsTooLongFailsWithinItsTimeBound(@TempDir Path dir) throws Exception {
        // 10^12 empty iterations: no output grows, only the clock can stop it
        ChatTemplate runaway = write(dir, "{% for a in range(10000) %}{% for b in range(10000) %}"
                + "{% for c in range(10000) %}{% endfor %}{% endfor %}{% endfor %}");
        long start = System.nanoTime();
        ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                () -> runaway.render(user("Hi")));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(e.getMessage().contains("ran longer than"), e.getMessage());
        assertTrue(seconds < ChatTemplate.MAX_RENDER_NANOS / 1e9 + 3, "stopped after " + seconds + " s");
    }

    @Test
    void aTemplateWhoseOutputGrowsWithoutBoundFails(@TempDir Path dir) throws Exception {
        ChatTemplate growing = write(dir, "{% for a in range(10000) %}{% for b in range(10000) %}"
                + "{{ messages[0].content }}{% endfor %}{% endfor %}");
        ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                () -> growing.render(user("x".repeat(1000))));
        assertTrue(e.getMessage().contains("output passed") || e.getMessage().contains("ran longer than"),
                e.getMessage());
    }

    @Test
    void aMacroMayRecurseToItsBaseCase(@TempDir Path dir) throws Exception {
        ChatTemplate countdown = write(dir,
                "{% macro g(n) %}{% if n > 0 %}{{ n }}{{ g(n - 1) }}{% endif %}{% endmacro %}{{ g(5) }}");
        assertEquals("54321", countdown.render(user("Hi")));
    }

    @Test
    void aTemplateThatRecursesForeverFails(@TempDir Path dir) throws Exception {
        ChatTemplate recursive = write(dir, "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        assertThrows(ChatTemplate.TemplateException.class, () -> recursive.render(user("Hi")));
    }

    /** A string that doubles itself past every size bound. */
    @Test
    void aTemplateThatBuildsAHugeStringFails(@TempDir Path dir) throws Exception {
        ChatTemplate doubling = write(dir, "{% set ns = namespace(s='xxxxxxxxxxxxxxxx') %}{% for i in range(40) %}"
                + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}");
        assertThrows(ChatTemplate.TemplateException.class, () -> doubling.render(user("Hi")));
    }
}
