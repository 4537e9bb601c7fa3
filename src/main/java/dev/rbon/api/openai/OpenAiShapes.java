package dev.rbon.api.openai;

import dev.rbon.api.GenerateResponse;
import dev.rbon.decode.Outcome;
import dev.rbon.decode.ReturnedTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One answer in OpenAI's shapes: the whole response, or the same content as SSE chunks (joined, the chunks give the
 * response's text and log-probs exactly).
 */
final class OpenAiShapes {

    private final OpenAiValidation.Call call;
    private final String model;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;

    OpenAiShapes(OpenAiValidation.Call call, String model) {
        this.call = call;
        this.model = model;
        this.id = (call.chat() ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
    }

    Object response(Outcome o) {
        OpenAiResponses.Pool pool = OpenAiResponses.Pool.of(call, o);
        if (call.chat()) {
            List<OpenAiResponses.ChatChoice> choices = new ArrayList<>();
            for (int i = 0; i < o.order().length; i++) {
                Outcome.Candidate c = o.candidates().get(o.order()[i]);
                ReturnedTokens.Answer tokens = o.returnedTokens() == null ? null : o.returnedTokens().get(i);
                choices.add(new OpenAiResponses.ChatChoice(i, new OpenAiResponses.Message("assistant", c.text()),
                        tokens == null ? null : OpenAiResponses.ChatLogprobs.of(tokens.tokens()),
                        c.finishReason(), GenerateResponse.Candidate.of(c, false)));
            }
            return new OpenAiResponses.ChatCompletion(id, "chat.completion", created, model, choices,
                    OpenAiResponses.Usage.of(o), pool);
        }
        List<OpenAiResponses.CompletionChoice> choices = new ArrayList<>();
        for (int i = 0; i < o.order().length; i++) {
            Outcome.Candidate c = o.candidates().get(o.order()[i]);
            ReturnedTokens.Answer tokens = o.returnedTokens() == null ? null : o.returnedTokens().get(i);
            choices.add(new OpenAiResponses.CompletionChoice(i, c.text(), tokens == null ? null
                    : OpenAiResponses.CompletionLogprobs.of(tokens.tokens(), tokens.pieces(), 0),
                    c.finishReason(), GenerateResponse.Candidate.of(c, false)));
        }
        return new OpenAiResponses.Completion(id, "text_completion", created, model, choices,
                OpenAiResponses.Usage.of(o), pool);
    }

    /**
     * The first choice's opening chunks while it is still decoding (pruning left it alone: it is the answer): a role
     * delta (chat) before the first text, then {@code text} as a content delta. {@link #stream} sends the rest.
     */
    void early(SseStream sse, String text, boolean first) {
        if (call.chat() && first) {
            sse.data(chat(new OpenAiResponses.ChunkChoice(0, new OpenAiResponses.Delta("assistant", ""), null, null,
                    null), null));
        }
        sse.data(call.chat()
                ? chat(new OpenAiResponses.ChunkChoice(0, new OpenAiResponses.Delta(null, text), null, null, null),
                        null)
                : completion(new OpenAiResponses.CompletionChoice(0, text, null, null, null), null));
    }

    /**
     * Per choice: (chat: a role delta,) content deltas, a finish chunk; then the usage chunk if asked for. {@code sent}
     * is the first choice's text already streamed by {@link #early} (empty: none).
     */
    void stream(Outcome o, SseStream sse, String sent) {
        OpenAiResponses.Pool pool = OpenAiResponses.Pool.of(call, o);
        for (int i = 0; i < o.order().length; i++) {
            Outcome.Candidate c = o.candidates().get(o.order()[i]);
            ReturnedTokens.Answer tokens = o.returnedTokens() == null ? null : o.returnedTokens().get(i);
            boolean begun = i == 0 && !sent.isEmpty() && c.text().startsWith(sent);
            if (call.chat() && !begun) {
                sse.data(chat(new OpenAiResponses.ChunkChoice(i, new OpenAiResponses.Delta("assistant", ""), null,
                        null, null), null));
            }
            int offset = 0;
            String text = begun ? c.text().substring(sent.length()) : c.text();
            for (Piece p : begun ? (text.isEmpty() ? List.<Piece>of() : List.of(new Piece(text, null, null)))
                    : pieces(c.text(), tokens)) {
                sse.data(call.chat()
                        ? chat(new OpenAiResponses.ChunkChoice(i, new OpenAiResponses.Delta(null, p.text()),
                                p.tokens() == null ? null : OpenAiResponses.ChatLogprobs.of(p.tokens()), null, null),
                                null)
                        : completion(new OpenAiResponses.CompletionChoice(i, p.text(), p.tokens() == null ? null
                                : OpenAiResponses.CompletionLogprobs.of(p.tokens(), p.pieces(), offset), null, null),
                                null));
                offset += p.text().length();
            }
            boolean last = i == o.order().length - 1;
            OpenAiResponses.Pool finalPool = last && !call.includeUsage() ? pool : null;
            GenerateResponse.Candidate scores = GenerateResponse.Candidate.of(c, false);
            sse.data(call.chat()
                    ? chat(new OpenAiResponses.ChunkChoice(i, new OpenAiResponses.Delta(null, null), null,
                            c.finishReason(), scores), finalPool)
                    : completion(new OpenAiResponses.CompletionChoice(i, "", null, c.finishReason(), scores),
                            finalPool));
        }
        if (call.includeUsage()) {
            sse.data(call.chat()
                    ? new OpenAiResponses.ChatChunk(id, "chat.completion.chunk", created, model, List.of(),
                            OpenAiResponses.Usage.of(o), pool)
                    : new OpenAiResponses.Completion(id, "text_completion", created, model, List.of(),
                            OpenAiResponses.Usage.of(o), pool));
        }
    }

    private Object chat(OpenAiResponses.ChunkChoice choice, OpenAiResponses.Pool pool) {
        return new OpenAiResponses.ChatChunk(id, "chat.completion.chunk", created, model, List.of(choice), null, pool);
    }

    private Object completion(OpenAiResponses.CompletionChoice choice, OpenAiResponses.Pool pool) {
        return new OpenAiResponses.Completion(id, "text_completion", created, model, List.of(choice), null, pool);
    }

    /** A content delta and the tokens it carries (null without logprobs). */
    private record Piece(String text, List<ReturnedTokens.Token> tokens, List<String> pieces) {}

    /**
     * One delta per token when the tokens are known and the text cuts at their seams; else one per word (a word
     * with the whitespace before it), and with logprobs the text in one delta that carries every token.
     */
    private static List<Piece> pieces(String text, ReturnedTokens.Answer tokens) {
        List<Piece> out = new ArrayList<>();
        if (tokens != null && tokens.pieces() != null) {
            for (int t = 0; t < tokens.tokens().size(); t++) {
                out.add(new Piece(tokens.pieces().get(t), List.of(tokens.tokens().get(t)),
                        List.of(tokens.pieces().get(t))));
            }
            return out;
        }
        if (tokens != null) {
            out.add(new Piece(text, tokens.tokens(), null));
            return out;
        }
        int from = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || (Character.isWhitespace(text.charAt(i))
                    && !Character.isWhitespace(text.charAt(i - 1)))) {
                out.add(new Piece(text.substring(from, i), null, null));
                from = i;
            }
        }
        return out;
    }
}
