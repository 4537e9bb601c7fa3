package dev.rbon.score;

import dev.rbon.model.ChatTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * What the candidates answer, in every form a scoring model may read it.
 *
 * @param prompt the prompt text as the policy was given it: the client's prompt, or the conversation rendered with
 *     the policy's chat template
 * @param messages the conversation: the client's messages, or one user turn holding the prompt
 */
public record Conversation(String prompt, List<ChatTemplate.Message> messages) {

    public Conversation {
        messages = List.copyOf(messages);
    }

    /** A plain prompt: the conversation is one user turn. */
    public static Conversation of(String prompt) {
        return new Conversation(prompt, List.of(new ChatTemplate.Message("user", prompt)));
    }

    /** The conversation followed by the assistant's {@code response}. */
    List<ChatTemplate.Message> answeredBy(String response) {
        List<ChatTemplate.Message> turns = new ArrayList<>(messages);
        turns.add(new ChatTemplate.Message("assistant", response));
        return turns;
    }

    /** The question a (question, answer) cross-encoder reads: the last user turn. */
    String question() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).content();
            }
        }
        return prompt;
    }
}
