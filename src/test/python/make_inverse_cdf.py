"""Writes src/main/resources/dev/rbon/sample/inverse_cdf.pt: TokenSampler's draw by inverse CDF, one call a step.

Each sampled row takes the first token whose cumulative probability (float32 softmax, summed in double) exceeds
u * total, and never a token past the first one that reaches the total. Counting the sums below each bound takes
two (B, V) comparisons, casts and sums; the sums are sorted, so searchsorted finds the same two counts in log V
(DJL 0.36 binds no searchsorted). Run with the peer venv: python src/test/python/make_inverse_cdf.py
"""
import pathlib

import torch


class InverseCdf(torch.nn.Module):
    def forward(self, processed: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
        # processed (B, V) float32 scores, uniforms (B, 1) float64 in [0, 1) -> (B) int64
        cumulative = processed.softmax(1).double().cumsum(1)
        total = cumulative[:, -1:].contiguous()
        below = torch.searchsorted(cumulative, uniforms * total, right=True)  # sums <= u * total
        before_total = torch.searchsorted(cumulative, total)                  # sums < total
        # a row with no token left sums to NaN, which searches to V: kept an index (TokenSampler reports it as -1)
        return torch.minimum(below, before_total).squeeze(1).clamp_max(cumulative.size(1) - 1)


out = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/sample/inverse_cdf.pt"
torch.jit.script(InverseCdf()).save(str(out))
print(out, out.stat().st_size, "bytes")
