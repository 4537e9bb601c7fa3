"""Writes src/main/resources/dev/rbon/sample/{choose,epsilon_warp}.pt: the sampling steps DJL binds no op for.

choose.pt is TokenSampler's choice of each row's token, one call a step. A greedy row takes the argmax; a sampled
row the first token whose cumulative probability (float32 softmax, summed in double) exceeds u * total, and never a
token past the first one that reaches the total. Counting the sums below each bound takes two (B, V) comparisons,
casts and sums; the sums are sorted, so searchsorted finds the same two counts in log V (DJL 0.36 binds no
searchsorted). The same call records the chosen token's log-prob and the mean log-prob under the raw logits, and
whether any token was left.

epsilon_warp.pt is EpsilonLogitsWarper as one call. Both need a row's maximum: amax, which DJL does not bind either
(its max along an axis also finds the indices, ~15 times amax's time over a 151,936-token row in libtorch 2.7.1).
Run with the peer venv: python src/test/python/make_sampling_ops.py
"""
import pathlib

import torch


def inverse_cdf(processed: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    # processed (B, V) float32 scores, uniforms (B, 1) float64 in [0, 1) -> (B) int64
    cumulative = processed.softmax(1).double().cumsum(1)
    total = cumulative[:, -1:].contiguous()
    below = torch.searchsorted(cumulative, uniforms * total, right=True)  # sums <= u * total
    before_total = torch.searchsorted(cumulative, total)                  # sums < total
    # a row with no token left sums to NaN, which searches to V: kept an index (its flag says none was left)
    return torch.minimum(below, before_total).squeeze(1).clamp_max(cumulative.size(1) - 1)


class Choose(torch.nn.Module):
    def forward(self, raw: torch.Tensor, processed: torch.Tensor, uniforms: torch.Tensor,
                greedy: torch.Tensor) -> torch.Tensor:
        # raw and processed (B, V) float32, uniforms (B, 1) float64 (a greedy row's unread), greedy (B) bool
        # -> (B, 4) float64: the token, its log-prob under log_softmax(raw), 1 if any processed score is above -inf
        # else 0, the mean of log_softmax(raw) (float32, as the scorer's)
        if bool(greedy.all()):
            tokens = processed.argmax(1)
        else:
            tokens = inverse_cdf(processed, uniforms)
            if bool(greedy.any()):
                tokens = torch.where(greedy, processed.argmax(1), tokens)
        log_softmax = raw.log_softmax(1)
        logprobs = log_softmax.gather(1, tokens.unsqueeze(1))
        any_left = processed.amax(1, keepdim=True) > float("-inf")
        mean = log_softmax.mean(1, keepdim=True)
        return torch.cat((tokens.unsqueeze(1).double(), logprobs.double(), any_left.double(), mean.double()), 1)


class EpsilonWarp(torch.nn.Module):
    def forward(self, scores: torch.Tensor, epsilon: torch.Tensor) -> torch.Tensor:
        # transformers' EpsilonLogitsWarper, min_tokens_to_keep = 1: scores (B, V) float32, epsilon (B, 1) float32
        # (0 keeps every token); a token goes if its probability is below epsilon and it scores below the row's top
        probabilities = scores.softmax(1)
        remove = (probabilities < epsilon) & (scores < scores.amax(1, keepdim=True))
        # masked_fill's result; where takes ~15% less time over 16 rows in libtorch 2.7.1 (~15% more on one row)
        return torch.where(remove, float("-inf"), scores)


resources = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/sample"
for name, module in [("choose", Choose()), ("epsilon_warp", EpsilonWarp())]:
    out = resources / f"{name}.pt"
    torch.jit.script(module).save(str(out))
    print(out, out.stat().st_size, "bytes")
