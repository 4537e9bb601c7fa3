package dev.rbon.decode;

import dev.rbon.model.CausalLM;
import dev.rbon.model.TextTokenizer;
import dev.rbon.sample.ContinuationText;
import dev.rbon.score.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of the answers a client gets back, for the OpenAI routes' logprobs and for streaming them one token per
 * chunk: a teacher-forced pass of the policy over prompt + each answer, run on the worker right after selection (in
 * the request's own job), with each token's text and what it adds to the answer.
 */
public final class ReturnedTokens {

    /** A token's text (decoded alone, special tokens kept) and log-prob, with the best alternatives. */
    public record Token(String text, double logprob, List<Alternative> top) {}

    public record Alternative(String text, double logprob) {}

    /**
     * One answer's tokens and what each adds to the answer's text: {@code pieces} concatenate to the candidate's
     * text (cut at a stop string), or are null when the tokenizer's seams do not allow cutting it per token.
     */
    public record Answer(List<Token> tokens, List<String> pieces) {}

    private ReturnedTokens() {}

    /** {@code answers}: candidates sampled after {@code promptIds}; {@code top} alternatives per token, 0 to 20. */
    static List<Answer> of(CausalLM policy, long[] promptIds, List<Outcome.Candidate> answers, int top) {
        List<List<TokenLogprobs.Token>> scored = TokenLogprobs.of(policy, promptIds,
                answers.stream().map(Outcome.Candidate::tokenIds).toList(), top);
        TextTokenizer tokenizer = policy.tokenizer();
        List<Answer> out = new ArrayList<>();
        for (int a = 0; a < answers.size(); a++) {
            List<Token> tokens = scored.get(a).stream().map(t -> new Token(text(tokenizer, t.id()), t.logprob(),
                    alternatives(tokenizer, t))).toList();
            out.add(new Answer(tokens, pieces(tokenizer, promptIds, answers.get(a))));
        }
        return out;
    }

    private static List<Alternative> alternatives(TextTokenizer tokenizer, TokenLogprobs.Token t) {
        List<Alternative> top = new ArrayList<>(t.topIds().length);
        for (int j = 0; j < t.topIds().length; j++) {
            top.add(new Alternative(text(tokenizer, t.topIds()[j]), t.topLogprobs()[j]));
        }
        return top;
    }

    private static String text(TextTokenizer tokenizer, long id) {
        return tokenizer.decode(new long[] {id}, false);
    }

    /**
     * What each token adds ({@link ContinuationText#pieces}), cut where the candidate's text ends (a stop string);
     * null when the pieces do not join to that text.
     */
    private static List<String> pieces(TextTokenizer tokenizer, long[] promptIds, Outcome.Candidate answer) {
        List<String> pieces = ContinuationText.pieces(tokenizer, promptIds, answer.tokenIds());
        if (pieces == null) {
            return null;
        }
        String text = answer.text();
        List<String> cut = new ArrayList<>(pieces.size());
        int emitted = 0;
        for (String piece : pieces) {
            int take = Math.max(0, Math.min(piece.length(), text.length() - emitted));
            cut.add(piece.substring(0, take));
            emitted += take;
        }
        return String.join("", cut).equals(text) ? cut : null;
    }
}
