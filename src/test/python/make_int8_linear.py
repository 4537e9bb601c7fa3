"""Writes src/main/resources/dev/rbon/model/int8_linear.pt: y = x W^T for a weight W stored in int8 with one scale a row.

libtorch's _weight_int8pack_mm (the CPU kernel behind torch.ao's int8 weight-only linear) reads the int8 rows
directly, so a decode step streams a byte a weight. It multiplies a few rows at a time: past ROWS rows a GEMM on
the weight dequantized to the activations' dtype is faster, and its AVX-512 loop loads 16 in-features at a time
from aligned addresses, so other widths take that path too. DJL 0.36 does not bind the op, but runs TorchScript.
Run with the peer venv: python src/test/python/make_int8_linear.py
"""
import pathlib
from typing import List

import torch

ROWS = 32  # Linear.INT8_KERNEL_ROWS


class Int8Linear(torch.nn.Module):
    rows: int

    def __init__(self, rows: int):
        super().__init__()
        self.rows = rows

    def forward(self, x: torch.Tensor, weight: torch.Tensor, scale: torch.Tensor,
                bias: List[torch.Tensor]) -> torch.Tensor:
        # x (..., in) in the compute dtype, its rows flattened; weight (out, in) int8; scale (out,) in the compute
        # dtype; bias: none or one (out,), a list because DJL cannot pass an optional tensor
        rows = x.reshape(-1, x.size(-1)).to(scale.dtype)
        if rows.size(0) <= self.rows and rows.size(1) % 16 == 0:
            rows = rows.contiguous()
            if rows.storage_offset() % 16 != 0:
                rows = rows.clone()  # the kernel's aligned loads need the rows on 32-byte boundaries
            y = torch._weight_int8pack_mm(rows, weight, scale)
        else:
            y = torch.nn.functional.linear(rows, weight.to(scale.dtype) * scale.unsqueeze(1))
        if len(bias) > 0:
            y = y + bias[0]
        return y.reshape(x.shape[:-1] + [y.size(-1)])

out = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/model/int8_linear.pt"
torch.jit.script(Int8Linear(ROWS)).save(str(out))
print(out, out.stat().st_size, "bytes")
