package dev.rbon.decode;

import dev.rbon.sample.SamplingParams;
import dev.rbon.select.Method;
import dev.rbon.select.RewardNormalization;
import java.util.List;

/** What one request asks of the decoder: sample N candidates of a prompt (or take the client's), then select. */
public record Generation(
        String prompt,
        List<String> suppliedCandidates,
        Method method,
        double beta,
        int n,
        SamplingParams sampling,
        RewardNormalization rewardNormalization) {

    /** /v1/rerank: the client supplied the candidates; nothing is sampled. */
    public boolean rerank() {
        return suppliedCandidates != null;
    }
}
