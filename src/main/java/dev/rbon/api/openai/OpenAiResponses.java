package dev.rbon.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rbon.api.GenerateResponse;
import dev.rbon.decode.Outcome;
import dev.rbon.decode.ReturnedTokens;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The response and chunk shapes of vLLM's OpenAI server, with rbon's numbers in {@code rbon} objects. */
public final class OpenAiResponses {

    private OpenAiResponses() {}

    @Schema(description = "Tokens: the prompt once, and every candidate of the pool (best_of of them).")
    public record Usage(int promptTokens, int completionTokens, int totalTokens) {
        static Usage of(Outcome o) {
            return new Usage(o.promptTokens(), o.completionTokens(), o.promptTokens() + o.completionTokens());
        }
    }

    /** rbon's account of the pool the answer came from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pool(
            @Schema(description = "The method that ranked the pool.") String method,
            @Schema(description = "The beta it used: the request's, or the one its kl_budget set (bop: mu).")
                    double beta,
            @Schema(description = GenerateResponse.CHOSEN_RANK) int rewardRank,
            @Schema(description = GenerateResponse.KL) double kl,
            @Schema(description = "The pool size N.") int bestOf,
            @Schema(description = "The pool index of the method's pick (choice 0).") int chosenIndex,
            @Schema(description = "Every candidate, when return_candidates is true.")
                    List<GenerateResponse.Candidate> candidates,
            GenerateResponse.Timings timingsMs,
            GenerateResponse.Models models) {

        static Pool of(OpenAiValidation.Call call, Outcome o) {
            return new Pool(call.generation().method().wireName(), o.beta(), o.choice().rewardRank(), o.choice().kl(),
                    o.candidates().size(),
                    o.chosenIndex(), call.returnCandidates()
                            ? o.candidates().stream().map(c -> GenerateResponse.Candidate.of(c, false)).toList()
                            : null,
                    GenerateResponse.Timings.of(o.timings()), GenerateResponse.Models.of(o.models()));
        }
    }

    // ---- chat completions

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "ChatCompletion")
    public record ChatCompletion(String id, String object, long created, String model, List<ChatChoice> choices,
            Usage usage, Pool rbon) {}

    @Schema(name = "ChatMessageOut")
    public record Message(String role, String content) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChatChoice(int index, Message message, ChatLogprobs logprobs, String finishReason,
            @Schema(description = "This candidate's scores (index = its place in the pool).")
                    GenerateResponse.Candidate rbon) {}

    public record ChatLogprobs(List<ChatToken> content) {
        static ChatLogprobs of(List<ReturnedTokens.Token> tokens) {
            return new ChatLogprobs(tokens.stream().map(ChatToken::of).toList());
        }
    }

    public record ChatToken(String token, double logprob, List<Integer> bytes, List<TopToken> topLogprobs) {
        static ChatToken of(ReturnedTokens.Token t) {
            return new ChatToken(t.text(), t.logprob(), utf8Bytes(t.text()),
                    t.top().stream().map(a -> new TopToken(a.text(), a.logprob(), utf8Bytes(a.text()))).toList());
        }
    }

    public record TopToken(String token, double logprob, List<Integer> bytes) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChatChunk(String id, String object, long created, String model, List<ChunkChoice> choices, Usage usage,
            Pool rbon) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChunkChoice(int index, Delta delta, ChatLogprobs logprobs, String finishReason,
            GenerateResponse.Candidate rbon) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {}

    // ---- text completions

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "TextCompletion")
    public record Completion(String id, String object, long created, String model, List<CompletionChoice> choices,
            Usage usage, Pool rbon) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CompletionChoice(int index, String text, CompletionLogprobs logprobs, String finishReason,
            GenerateResponse.Candidate rbon) {}

    /** The legacy completions logprobs: parallel lists per token, offsets into the returned text. */
    public record CompletionLogprobs(List<Integer> textOffset, List<Double> tokenLogprobs, List<String> tokens,
            List<Map<String, Double>> topLogprobs) {

        static CompletionLogprobs of(List<ReturnedTokens.Token> tokens, List<String> pieces, int from) {
            List<Integer> offsets = new ArrayList<>();
            int offset = from;
            for (int t = 0; t < tokens.size(); t++) {
                offsets.add(offset);
                offset += pieces != null ? pieces.get(t).length() : tokens.get(t).text().length();
            }
            List<Map<String, Double>> top = tokens.stream().map(t -> {
                Map<String, Double> alternatives = new LinkedHashMap<>();
                t.top().forEach(a -> alternatives.putIfAbsent(a.text(), a.logprob()));
                return alternatives;
            }).toList();
            return new CompletionLogprobs(offsets, tokens.stream().map(ReturnedTokens.Token::logprob).toList(),
                    tokens.stream().map(ReturnedTokens.Token::text).toList(), top);
        }
    }

    static List<Integer> utf8Bytes(String text) {
        List<Integer> out = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.add(b & 0xff);
        }
        return out;
    }
}
