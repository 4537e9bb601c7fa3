"""Writes src/main/resources/dev/rbon/model/{rms_norm,rotary,eager_attention,cached_attention,gated_act}.pt: a
decoder layer's small ops.

A decode step of one row spends as long in the small ops between the matmuls (norms, rotary, attention over the
cache, the activation) as in the matmuls: each is a dozen tensor ops, and each op through DJL's JNI costs ~10 us
(an NDArray, its manager's bookkeeping, the dispatch), far more than its arithmetic on a few thousand numbers. Each
module here is one of those groups as one call, the same aten ops as transformers' modeling code, which the Java
forward (RmsNorm, RotaryEmbedding, Attention, GatedMlp) uses whenever no gradient is wanted: DJL runs TorchScript
without autograd, so the lab's training keeps the op-by-op path. Run with the peer venv:
python src/test/python/make_fused_ops.py
"""
import pathlib
from typing import List, Tuple

import torch
import torch.nn.functional as F


class RmsNorm(torch.nn.Module):
    def forward(self, x: torch.Tensor, weight: torch.Tensor, eps: float, unit_offset: bool) -> torch.Tensor:
        # LlamaRMSNorm: weight * (x / rms(x)).to(dtype); Gemma2RMSNorm: ((x / rms(x)) * (1 + w)).to(dtype), its
        # weight passed as the float32 1 + w
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
        if unit_offset:
            return (normed * weight).to(x.dtype)
        return weight * normed.to(x.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.size(-1) // 2
    return torch.cat((-x.narrow(-1, half, half), x.narrow(-1, 0, half)), -1)


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # apply_rotary_pos_emb on the first cos.size(-1) dimensions; the rest pass through (Phi-3's partial rotary)
    dim = cos.size(-1)
    if dim == x.size(-1):
        return x * cos + rotate_half(x) * sin
    rot = x.narrow(-1, 0, dim)
    return torch.cat((rot * cos + rotate_half(rot) * sin, x.narrow(-1, dim, x.size(-1) - dim)), -1)


class Rotary(torch.nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor,
                sin: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        # q (B, heads, T, hd), k (B, kvHeads, T, hd), cos and sin (B, 1, T, rotaryDim)
        return rotate(q, cos, sin), rotate(k, cos, sin)


def eager_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, scaling: float,
                    softcap: float) -> torch.Tensor:
    # eager_attention_forward for a chunk of queries: q (B, heads, Tc, hd), k and v (B, kvHeads, S, hd), bias
    # (B, 1, 1, Tc|1, S) float32 additive. The n_rep query heads of a key/value head are stacked along the query
    # axis instead of repeat_kv's copy; softcap > 0 is Gemma 2's tanh capping.
    b, heads, t, hd = q.shape
    kv_heads = k.size(1)
    s = k.size(2)
    n_rep = heads // kv_heads
    # Both products multiply in float32 and round to the compute dtype, as a bfloat16 matmul does (it accumulates
    # in float32): libtorch's bfloat16 batched matmul builds a oneDNN primitive per new shape, and the keys grow
    # by one every decode step.
    scores = torch.matmul(q.float().reshape(b, kv_heads, n_rep * t, hd), k.float().transpose(2, 3))
    scores = scores.to(q.dtype).reshape(b, kv_heads, n_rep, t, s) * scaling
    if softcap > 0:
        scores = torch.tanh(scores / softcap) * softcap
    probs = (scores.float() + bias).softmax(-1).to(q.dtype)
    context = torch.matmul(probs.float().reshape(b, kv_heads, n_rep * t, s), v.float())
    return context.to(q.dtype).reshape(b, heads, t, hd)


class EagerAttention(torch.nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, scaling: float,
                softcap: float) -> torch.Tensor:
        return eager_attention(q, k, v, bias, scaling, softcap)


class CachedAttention(torch.nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
                cache: List[torch.Tensor], start: int, bias: torch.Tensor, head_dim: int, scaling: float,
                softcap: float) -> torch.Tensor:
        # A layer's attention between its projections when all T queries run as one chunk (every decode step):
        # q (B, T, heads * hd), k and v (B, T, kvHeads * hd), or (B, T, n, hd) after Qwen3's q/k norms; the heads
        # split, apply_rotary_pos_emb, the cache's update, eager attention, the heads merged -> (B, T, heads * hd).
        # cache: none, or the layer's key and value arrays (B, kvHeads, capacity, hd), this step's slots written in
        # place from `start` (DynamicCache.update without its copy).
        b, t = q.size(0), q.size(1)
        q = q.reshape(b, t, -1, head_dim)
        k = k.reshape(b, t, -1, head_dim)
        v = v.reshape(b, t, -1, head_dim).transpose(1, 2)
        heads = q.size(2)
        # q and k rotated as one array: each op of the rotation runs once, not twice
        qk = rotate(torch.cat((q, k), 2).transpose(1, 2), cos, sin)  # (B, heads + kvHeads, T, hd)
        q = qk.narrow(1, 0, heads)
        k = qk.narrow(1, heads, qk.size(1) - heads)
        if len(cache) == 2:
            cache[0].narrow(2, start, t).copy_(k)
            cache[1].narrow(2, start, t).copy_(v)
            k = cache[0].narrow(2, 0, start + t)
            v = cache[1].narrow(2, 0, start + t)
        out = eager_attention(q, k, v, bias, scaling, softcap)
        return out.transpose(1, 2).reshape(b, t, -1)


class GatedAct(torch.nn.Module):
    def forward(self, gate: torch.Tensor, up: torch.Tensor, gelu: bool) -> torch.Tensor:
        # LlamaMLP's act_fn(gate_proj(x)) * up_proj(x): silu, or gelu_pytorch_tanh (Gemma)
        act = F.gelu(gate, approximate="tanh") if gelu else F.silu(gate)
        return act * up


resources = pathlib.Path(__file__).resolve().parents[3] / "src/main/resources/dev/rbon/model"
for name, module in [("rms_norm", RmsNorm()), ("rotary", Rotary()), ("eager_attention", EagerAttention()),
                     ("cached_attention", CachedAttention()), ("gated_act", GatedAct())]:
    out = resources / f"{name}.pt"
    torch.jit.script(module).save(str(out))
    print(out, out.stat().st_size, "bytes")
