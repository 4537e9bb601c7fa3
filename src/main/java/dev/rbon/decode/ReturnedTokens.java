package dev.rbon.decode;

import dev.rbon.model.CausalLM;
import dev.rbon.model.TextTokenizer;
import dev.rbon.score.TokenLogprobs;
import dev.rbon.worker.WorkerPool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The tokens of the candidates a client gets back, for the OpenAI routes' logprobs and for streaming them one token
 * per chunk: a teacher-forced pass of the policy over prompt + each answer on a worker (after the decoding that
 * chose them), with each token's text.
 */
@ApplicationScoped
public class ReturnedTokens {

    /** A token's text (decoded alone, special tokens kept) and log-prob, with the best alternatives. */
    public record Token(String text, double logprob, List<Alternative> top) {}

    public record Alternative(String text, double logprob) {}

    /**
     * One answer's tokens and what each adds to the answer's text: {@code pieces} concatenate to the candidate's
     * text (cut at a stop string), or are null when the tokenizer's seams do not allow cutting it per token.
     */
    public record Answer(List<Token> tokens, List<String> pieces) {}

    private final WorkerPool pool;

    public ReturnedTokens(WorkerPool pool) {
        this.pool = pool;
    }

    /** {@code answers} are (token ids, text) of candidates of {@code g}'s pool; {@code top} 0 to 20. */
    public CompletableFuture<List<Answer>> of(Generation g, List<Outcome.Candidate> answers, int top) {
        return pool.submit((models, cancelled) -> {
            CausalLM policy = models.policy();
            if (policy == null) { // the engine's log-probs of the sampled tokens are summed, not kept per token
                throw new FieldException("logprobs", "not available with a remote policy ("
                        + models.policyName() + "); ask the engine itself for per-token log-probs");
            }
            long[] promptIds = AlignedDecoder.promptIds(policy, g);
            List<List<TokenLogprobs.Token>> scored = TokenLogprobs.of(policy, promptIds,
                    answers.stream().map(Outcome.Candidate::tokenIds).toList(), top);
            List<Answer> out = new ArrayList<>();
            for (int a = 0; a < answers.size(); a++) {
                TextTokenizer tokenizer = policy.tokenizer();
                List<Token> tokens = scored.get(a).stream().map(t -> new Token(text(tokenizer, t.id()), t.logprob(),
                        alternatives(tokenizer, t))).toList();
                out.add(new Answer(tokens, pieces(tokenizer, promptIds, answers.get(a))));
            }
            return out;
        });
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
     * What each token adds: decode(prompt ++ ids[..k]) minus decode(prompt ++ ids[..k-1]), as the sampler cuts a
     * candidate's text, truncated where the candidate's text ends (a stop string).
     */
    private static List<String> pieces(TextTokenizer tokenizer, long[] promptIds, Outcome.Candidate answer) {
        long[] ids = Arrays.copyOf(promptIds, promptIds.length + answer.tokenIds().length);
        System.arraycopy(answer.tokenIds(), 0, ids, promptIds.length, answer.tokenIds().length);
        String previous = tokenizer.decode(promptIds, true);
        String text = answer.text();
        List<String> pieces = new ArrayList<>();
        int emitted = 0;
        for (int k = 1; k <= answer.tokenIds().length; k++) {
            String current = tokenizer.decode(Arrays.copyOf(ids, promptIds.length + k), true);
            if (!current.startsWith(previous)) {
                return null;
            }
            String piece = current.substring(previous.length());
            int take = Math.max(0, Math.min(piece.length(), text.length() - emitted));
            pieces.add(piece.substring(0, take));
            emitted += take;
            previous = current;
        }
        return String.join("", pieces).equals(text) ? pieces : null;
    }
}
