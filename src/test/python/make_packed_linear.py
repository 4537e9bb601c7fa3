"""Writes src/main/resources/dev/rbon/model/{pack_linear,packed_linear}.pt: nn.Linear on a weight in oneDNN's layout.

On a CPU, libtorch's linear runs float32 through MKL's sgemm, which on an AMD EPYC streams a decode step's weights
at half the memory's speed and multiplies a prefill's rows at a third of the cores' (measured in docs/benchmarks.md).
oneDNN's own kernels, the ones torch.compile's CPU backend uses on frozen weights, do neither: the weight is
reordered once, at load, into oneDNN's blocked layout (pack_linear.pt), and every matmul then reads it as it lies
(packed_linear.pt). The blocked layout is picked for one row a call, a decode step's case. DJL 0.36 binds neither
op, but runs TorchScript. Run with the peer venv: python src/test/python/make_packed_linear.py
"""
import pathlib
from typing import List

import torch


class PackLinear(torch.nn.Module):
    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        # weight (out, in) float32 or bfloat16 -> the same matrix in oneDNN's layout, an opaque (out, in) tensor
        return torch.ops.mkldnn._reorder_linear_weight(weight, 1)


class PackedLinear(torch.nn.Module):
    def forward(self, x: torch.Tensor, weight: torch.Tensor, bias: List[torch.Tensor]) -> torch.Tensor:
        # x (M, in); weight packed by PackLinear; bias: none or one (out,), as DJL cannot pass an optional tensor
        b = bias[0] if len(bias) > 0 else None
        return torch.ops.mkldnn._linear_pointwise(x.contiguous(), weight, b, "none", [], "")


resources = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/model"
for name, module in [("pack_linear", PackLinear()), ("packed_linear", PackedLinear())]:
    out = resources / f"{name}.pt"
    torch.jit.script(module).save(str(out))
    print(out, out.stat().st_size, "bytes")
