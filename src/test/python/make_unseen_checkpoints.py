"""Tiny checkpoints of the decoder families in shapes and settings fixtures/hf-tiny-2 does not have, with
transformers 5.17.0's outputs, for DecoderUnseenCheckpointsTest. Writes src/test/resources/unseen-checkpoints/<name>/
(config.json, model.safetensors stored in float16 to stay small, a word-level tokenizer.json, golden.json).

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install torch==2.13.0+cpu transformers==5.17.0 safetensors tokenizers
    /tmp/peer/bin/python src/test/python/make_unseen_checkpoints.py

Each prompt is longer than every window and than the lengths where dynamic and longrope RoPE change regime, so
the goldens exercise them. Goldens are computed in float32 from the float16-stored weights, eager attention.
"""
import json
import pathlib
import shutil

import torch
import transformers
from tokenizers import Tokenizer, models, pre_tokenizers

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources/unseen-checkpoints"
VOCAB = 32
SMALL = dict(vocab_size=VOCAB, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=1, max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0)

CHECKPOINTS = {
    # Llama: dynamic NTK with prompts beyond max_position_embeddings, biases, explicit head_dim
    "llama-dynamic": (transformers.LlamaConfig, transformers.LlamaForCausalLM, dict(
        SMALL, max_position_embeddings=16, head_dim=12, attention_bias=True, mlp_bias=True,
        rope_theta=2000.0, rope_scaling={"rope_type": "dynamic", "factor": 3.0}, tie_word_embeddings=False)),
    # Llama: YaRN with DeepSeek-style mscale / mscale_all_dim, beta_fast/beta_slow and truncate false, v5 layout
    "llama-yarn-mscale": (transformers.LlamaConfig, transformers.LlamaForCausalLM, dict(
        SMALL, rope_parameters={"rope_type": "yarn", "rope_theta": 50000.0, "factor": 8.0,
                                "original_max_position_embeddings": 8, "mscale": 0.8, "mscale_all_dim": 0.5,
                                "beta_fast": 16, "beta_slow": 2, "truncate": False}, tie_word_embeddings=True)),
    # Qwen2: sliding window switched on from layer 1 (max_window_layers), window 3, YaRN with attention_factor
    "qwen2-window": (transformers.Qwen2Config, transformers.Qwen2ForCausalLM, dict(
        SMALL, num_hidden_layers=3, use_sliding_window=True, sliding_window=3, max_window_layers=1,
        rope_theta=30000.0, rope_scaling={"type": "yarn", "factor": 2.0, "original_max_position_embeddings": 32,
                                          "attention_factor": 1.3}, tie_word_embeddings=False)),
    # Mistral: window 4, llama3 RoPE (any family reads any rope type), no grouped KV heads
    "mistral-llama3": (transformers.MistralConfig, transformers.MistralForCausalLM, dict(
        SMALL, num_key_value_heads=2, sliding_window=4, rope_theta=10000.0,
        rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 2.0,
                      "original_max_position_embeddings": 8}, tie_word_embeddings=False)),
    # Phi-3 (Phi-4-mini style): partial_rotary_factor 0.5, longrope beyond original_max_position_embeddings 8,
    # sliding window 5
    "phi3-longrope": (transformers.Phi3Config, transformers.Phi3ForCausalLM, dict(
        SMALL, partial_rotary_factor=0.5, original_max_position_embeddings=8, sliding_window=5,
        rope_scaling={"type": "longrope", "short_factor": [1.0, 1.5], "long_factor": [2.0, 5.0]},
        tie_word_embeddings=False)),
    # Qwen3: sliding on all layers, head_dim 16 != hidden / heads, attention_bias, default RoPE theta from the v4 key
    "qwen3-window-bias": (transformers.Qwen3Config, transformers.Qwen3ForCausalLM, dict(
        SMALL, head_dim=16, attention_bias=True, use_sliding_window=True, sliding_window=5, max_window_layers=0,
        rope_theta=5000.0, tie_word_embeddings=True)),
    # Gemma 2: no attention soft-capping, a final one, windows on layer_types it names explicitly
    "gemma2-layers": (transformers.Gemma2Config, transformers.Gemma2ForCausalLM, dict(
        SMALL, num_hidden_layers=3, head_dim=8, query_pre_attn_scalar=12, attn_logit_softcapping=None,
        final_logit_softcapping=5.0, sliding_window=3,
        layer_types=["full_attention", "sliding_attention", "sliding_attention"])),
    # Gemma 3 text in the transformers-4 layout: rope_theta + rope_local_base_freq + linear rope_scaling on the
    # full-attention layers only, sliding_window_pattern 2, final soft-capping
    "gemma3-v4-linear": (transformers.Gemma3TextConfig, transformers.Gemma3ForCausalLM, dict(
        SMALL, num_hidden_layers=4, head_dim=8, query_pre_attn_scalar=8, sliding_window=4,
        sliding_window_pattern=2, final_logit_softcapping=7.0, rope_theta=100000.0, rope_local_base_freq=500.0,
        rope_scaling={"rope_type": "linear", "factor": 2.0})),
}


def tokenizer():
    vocab = {f"t{i}": i for i in range(VOCAB)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="t3"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return tok


def spread(model, seed):
    """Weights spread wide enough that logits are not flat; norms away from their identity."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3 + (0.0 if "gemma" in model.config.model_type else 1.0))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.25)


def transformers4_layout(out, drop_layer_types):
    """Rewrites config.json as most Hub checkpoints still are: rope_theta at the top, scaling under rope_scaling
    (Gemma 3: rope_local_base_freq for the sliding layers), layer_types left to the config's own rule."""
    path = out / "config.json"
    config = json.loads(path.read_text())
    rope = config.pop("rope_parameters")
    if "full_attention" in rope:  # Gemma 3
        full, sliding = dict(rope["full_attention"]), rope["sliding_attention"]
        config["rope_theta"] = full.pop("rope_theta")
        config["rope_local_base_freq"] = sliding["rope_theta"]
        config["rope_scaling"] = full if full.get("rope_type", "default") != "default" else None
    else:
        rope = {k: v for k, v in rope.items() if k != "type"}
        config["rope_theta"] = rope.pop("rope_theta")
        rope.pop("partial_rotary_factor", None)
        config["rope_scaling"] = rope if rope.get("rope_type", "default") != "default" else None
    if drop_layer_types:
        config.pop("layer_types", None)
    path.write_text(json.dumps(config, indent=2))


V4_LAYOUT = {"llama-dynamic": False, "qwen2-window": True, "mistral-llama3": False, "phi3-longrope": False,
             "gemma3-v4-linear": True}


def fresh(model_class, out):
    return model_class.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()


def main():
    torch.manual_seed(0)
    for seed, (name, (config_class, model_class, kwargs)) in enumerate(CHECKPOINTS.items()):
        out = OUT / name
        shutil.rmtree(out, ignore_errors=True)
        config = config_class(**kwargs)
        config._attn_implementation = "eager"
        model = model_class(config).eval()
        spread(model, 100 + seed)
        model.half().save_pretrained(out)  # float16 on disk: half the bytes
        (out / "generation_config.json").unlink(missing_ok=True)
        tokenizer().save(str(out / "tokenizer.json"))
        if name in V4_LAYOUT:
            transformers4_layout(out, V4_LAYOUT[name])
        g = torch.Generator().manual_seed(seed)
        cases = []
        for length in (21, 29):
            prompt = torch.randint(3, VOCAB, (1, length), generator=g)
            response = torch.randint(3, VOCAB, (1, 6), generator=g)
            with torch.no_grad():
                # a fresh model per quantity: dynamic RoPE keeps state from one call to the next
                last = fresh(model_class, out)(prompt).logits[0, -1].float()
                logits = fresh(model_class, out)(torch.cat([prompt, response], 1)).logits[0].float()
                logprobs = torch.log_softmax(logits, -1)
                token_logprobs = [logprobs[length - 1 + t, response[0, t]].item() for t in range(6)]
                greedy = fresh(model_class, out).generate(
                    prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=12,
                    min_new_tokens=12, eos_token_id=None, pad_token_id=0)
            cases.append({"prompt_ids": prompt[0].tolist(), "response_ids": response[0].tolist(),
                          "last_prompt_logits": last.tolist(),
                          "response_token_logprobs": token_logprobs,
                          "greedy_ids": greedy[0, length:].tolist()})
        golden = {"architecture": model_class.__name__, "transformers": transformers.__version__, "cases": cases}
        (out / "golden.json").write_text(json.dumps(golden))
        print(name, sum(f.stat().st_size for f in out.iterdir()), "bytes")


main()
