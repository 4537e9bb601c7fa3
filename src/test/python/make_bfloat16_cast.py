"""Writes src/main/resources/dev/rbon/model/cast_bfloat16.pt: a TorchScript module whose forward is x.to(bfloat16).

DJL 0.36's JNI maps no bfloat16 dtype (toType(BFLOAT16) aborts the JVM), but it runs TorchScript modules, and every
op that does not name a dtype (matmul, linear, embedding, add, mul, tanh, cat, indexing, .to(float32)) works on the
bfloat16 tensors this module returns. Run with the peer venv: python src/test/python/make_bfloat16_cast.py
"""
import pathlib

import torch


class CastBfloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


out = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/model/cast_bfloat16.pt"
torch.jit.script(CastBfloat16()).save(str(out))
print(out, out.stat().st_size, "bytes")
