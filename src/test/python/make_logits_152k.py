"""Writes src/test/resources/dev/rbon/sample/logits-processors-152k.json: transformers' logits-processor chain on
rows of a Qwen2-sized vocabulary (151,936), the case the 40-token rows of shared/fixtures/hf-tiny cannot show
(full-vocabulary sorts, cumulative sums over 150k probabilities, ties far from the top).

The logits are not stored: each row is a formula Java recomputes bit for bit (an integer hash, then float32
products, which both languages round the same way; see LogitsProcessor152kTest). Only the kept token ids are
stored, delta-encoded, with the top probabilities of the final softmax.

usage: /tmp/peer/bin/python src/test/python/make_logits_152k.py src/test/resources/dev/rbon/sample/logits-processors-152k.json
"""
import json, sys
import numpy as np
import torch, transformers
from transformers.generation.logits_process import (LogitsProcessorList, NoRepeatNGramLogitsProcessor,
    TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, EpsilonLogitsWarper)

V = 151936
MASK = (1 << 64) - 1

def hash64(seed, i):  # splitmix64 of (seed * 2^32 + i)
    z = (seed * 0x100000000 + i + 0x9E3779B97F4A7C15 * (seed + 1)) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)

def logits(seed, scale, ties):
    u = np.array([hash64(seed, i) >> 40 for i in range(V)], dtype=np.float64).astype(np.float32)  # 24-bit ints, exact
    x = u * np.float32(2.0 ** -24)
    x2 = x * x; x4 = x2 * x2; x8 = x4 * x4
    row = x8 * np.float32(scale)
    if ties:  # steps of 1/8: thousands of equal scores, some at every boundary
        row = np.floor(row * np.float32(8)) / np.float32(8)
    return row.astype(np.float32)

CASES = [  # seed, scale, ties, temperature, top_k, top_p, epsilon, no_repeat_ngram_size
    (1, 30, False, 1.0, 0, 0.9, 0.0, 0),
    (2, 30, False, 0.7, 0, 0.9, 0.0, 0),
    (3, 24, False, 1.3, 0, 0.95, 0.0, 0),
    (4, 30, True, 1.0, 0, 0.9, 0.0, 0),
    (5, 18, True, 1.0, 0, 0.5, 0.0, 0),
    (6, 30, False, 1.0, 50, 1.0, 0.0, 0),
    (7, 30, True, 1.0, 50, 1.0, 0.0, 0),
    (8, 30, False, 1.0, 200, 0.9, 0.0, 0),
    (9, 30, False, 1.0, 0, 1.0, 3e-4, 0),
    (10, 20, True, 0.9, 0, 1.0, 1e-4, 0),
    (11, 30, False, 0.8, 40, 0.8, 1e-3, 2),
    (12, 30, True, 1.0, 0, 0.99, 0.0, 3),
    (13, 12, False, 1.0, 0, 0.999, 0.0, 0),
    (14, 30, False, 0.5, 1000, 0.97, 2e-5, 0),
]

def history(seed, n):  # a short history with repeats, so n-grams ban something
    if n == 0:
        return []
    base = [int(hash64(seed + 100, i) % V) for i in range(6)]
    return base + base[:n]  # ends with base[n-1]: the n-gram (base[0..n)) would repeat with base[n]

def run():
    out = {"generator": "transformers " + transformers.__version__ + ", torch " + torch.__version__,
           "vocab": V, "order": "no_repeat_ngram, temperature, top_k, top_p, epsilon", "cases": []}
    for seed, scale, ties, t, k, p, eps, ngram in CASES:
        row = torch.from_numpy(logits(seed, scale, ties))[None, :]
        ids = history(seed, ngram) or [0]
        chain = LogitsProcessorList()
        if ngram: chain.append(NoRepeatNGramLogitsProcessor(ngram))
        if t != 1.0: chain.append(TemperatureLogitsWarper(t))
        if k: chain.append(TopKLogitsWarper(k))
        if p < 1.0: chain.append(TopPLogitsWarper(p))
        if eps: chain.append(EpsilonLogitsWarper(eps))
        processed = chain(torch.tensor([ids]), row.clone())[0]
        kept = torch.nonzero(processed != float("-inf"))[:, 0].tolist()
        probs = processed.softmax(-1)
        top = torch.topk(probs, 5)
        out["cases"].append({"seed": seed, "scale": scale, "ties": ties, "temperature": t, "top_k": k, "top_p": p,
            "epsilon": eps, "no_repeat_ngram_size": ngram, "input_ids": ids, "kept_count": len(kept),
            "kept_deltas": [kept[0]] + [b - a for a, b in zip(kept, kept[1:])],
            "top_ids": top.indices.tolist(), "top_probabilities": [float(x) for x in top.values],
            "row_checksum": float(row.double().sum())})
        print(seed, "kept", len(kept), file=sys.stderr)
    json.dump(out, open(sys.argv[1], "w"), separators=(",", ":"))

run()
