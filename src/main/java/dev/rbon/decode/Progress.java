package dev.rbon.decode;

/**
 * What a request's worker reports while it runs, for a client that streams (SSE comments keep gateways from timing
 * out while the pool is sampled and scored). Called on the worker's thread: implementations must not block.
 */
public interface Progress {

    /** Does nothing. */
    Progress NONE = new Progress() {};

    /** A worker took the request and its prompt fits: sampling starts. */
    default void started(int candidates, int maxNewTokens) {}

    /** One decoding step of the pool is done ({@code step} counts from 1). */
    default void step(int step) {}

    /**
     * Pruning has left one candidate, and none finished: it is the answer, and {@code text} is its text so far (called
     * after each step until it ends, each text extending the last one's tokens; a tail that a later token or a stop
     * string changes is the caller's to hold back). Never called for a request that returns more than one answer.
     */
    default void winner(String text) {}

    /** Every candidate is sampled (or supplied). */
    default void sampled(int candidates) {}

    /** Rewards, reference log-probs and embeddings are computed; selection follows. */
    default void scored() {}
}
