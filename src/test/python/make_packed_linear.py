"""Writes src/main/resources/dev/rbon/model/{pack_linear,packed_linear}.pt: nn.Linear through oneDNN.

On a CPU, libtorch's float32 linear is MKL's sgemm, which on an AMD EPYC takes about twice oneDNN's time over many
rows, and its bfloat16 linear lays the stored weight out again in every call. packed_linear.pt calls oneDNN's
linear, the op torch.compile's CPU backend uses: on a float32 weight as stored (oneDNN's JIT GEMM), or on a
bfloat16 weight reordered once, at load, into oneDNN's blocked layout by pack_linear.pt (picked for one row a call,
a decode step's case). float32 is not reordered: libtorch 2.7.1's packed float32 kernel gave wrong sums (Linear's
OneDnn). DJL 0.36 binds neither op, but runs TorchScript. Run with the peer venv:
python src/test/python/make_packed_linear.py
"""
import pathlib
from typing import List

import torch


class PackLinear(torch.nn.Module):
    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        # weight (out, in) bfloat16 -> the same matrix in oneDNN's layout, an opaque (out, in) tensor
        return torch.ops.mkldnn._reorder_linear_weight(weight, 1)


class PackedLinear(torch.nn.Module):
    def forward(self, x: torch.Tensor, weight: torch.Tensor, bias: List[torch.Tensor]) -> torch.Tensor:
        # x (..., in), one GEMM over its rows flattened; weight float32 as stored or bfloat16 packed by PackLinear;
        # bias: none or one (out,), a list because DJL cannot pass an optional tensor
        b = bias[0] if len(bias) > 0 else None
        rows = x.reshape(-1, x.size(-1)).contiguous()
        y = torch.ops.mkldnn._linear_pointwise(rows, weight, b, "none", [], "")
        return y.reshape(x.shape[:-1] + [y.size(-1)])


resources = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/model"
for name, module in [("pack_linear", PackLinear()), ("packed_linear", PackedLinear())]:
    out = resources / f"{name}.pt"
    torch.jit.script(module).save(str(out))
    print(out, out.stat().st_size, "bytes")
