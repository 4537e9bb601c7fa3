package dev.rbon.score;

import dev.rbon.model.ChatTemplate;
import dev.rbon.model.SequenceClassifier;
import dev.rbon.model.TextTokenizer;

/**
 * How a reward model reads one response to a conversation: the convention its authors trained and scored it with,
 * chosen once at load ({@code rbon.models.reward.input}) so that the scorer never branches on it.
 * <ul>
 *   <li>{@code chat-template}: the conversation plus {@code [assistant: response]} rendered with the reward model's
 *       own chat template (no generation prompt) and tokenized without adding special tokens (the Skywork-Reward
 *       model cards' code, and most 2025-26 chat reward models);</li>
 *   <li>{@code pair}: {@code tokenizer(question, answer)}, i.e. {@code [CLS] question [SEP] answer [SEP]}, for
 *       cross-encoders (OpenAssistant's DeBERTa reward models);</li>
 *   <li>{@code text}: prompt + response as one string with the tokenizer's special tokens (rbon's own lab models).</li>
 * </ul>
 * {@code auto} picks chat-template for a reward model with a chat template, pair for a cross-encoder, else text.
 */
public interface RewardInput {

    /** The reward model's input ids for {@code response} answering {@code conversation}. */
    long[] encode(Conversation conversation, String response);

    /** chat-template, pair or text. */
    String name();

    /** The values {@code rbon.models.reward.input} takes. */
    String CHOICES = "auto, chat-template, pair, text";

    /**
     * The convention {@code configured} names for {@code reward}; auto looks at the model.
     *
     * @throws IllegalArgumentException for an unknown value, or chat-template on a model without a template
     */
    static RewardInput choose(String configured, SequenceClassifier reward) {
        return switch (configured) {
            case "auto" -> reward.chatTemplate().isPresent() ? chatTemplate(reward)
                    : reward.crossEncoder() ? pair(reward.tokenizer()) : text(reward.tokenizer());
            case "chat-template" -> chatTemplate(reward);
            case "pair" -> pair(reward.tokenizer());
            case "text" -> text(reward.tokenizer());
            default -> throw new IllegalArgumentException("rbon.models.reward.input=" + configured
                    + " is not one of " + CHOICES);
        };
    }

    private static RewardInput chatTemplate(SequenceClassifier reward) {
        return chatTemplate(reward.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
                "rbon.models.reward.input=chat-template, but the reward model " + reward.name()
                        + " has no chat template (chat_template.jinja or tokenizer_config.json's chat_template)")),
                reward.tokenizer());
    }

    static RewardInput chatTemplate(ChatTemplate template, TextTokenizer tokenizer) {
        return new RewardInput() {
            /** @throws ChatTemplate.TemplateException if the template refuses the conversation */
            @Override
            public long[] encode(Conversation conversation, String response) {
                String rendered = template.render(conversation.answeredBy(response), false);
                return tokenizer.encode(rendered, false); // the template wrote its own special tokens
            }

            @Override
            public String name() {
                return "chat-template";
            }
        };
    }

    static RewardInput pair(TextTokenizer tokenizer) {
        return new RewardInput() {
            @Override
            public long[] encode(Conversation conversation, String response) {
                return tokenizer.encodePair(conversation.question(), response);
            }

            @Override
            public String name() {
                return "pair";
            }
        };
    }

    /** The plain-text convention: prompt + response as one string (the lab's reward models). */
    public static RewardInput text(TextTokenizer tokenizer) {
        return new RewardInput() {
            @Override
            public long[] encode(Conversation conversation, String response) {
                return tokenizer.encode(conversation.prompt() + response, true);
            }

            @Override
            public String name() {
                return "text";
            }
        };
    }
}
