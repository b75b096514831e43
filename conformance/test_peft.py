"""LoRA adapters both ways between ModelForge and PEFT.

Adapters PEFT makes (`LoraConfig` / `get_peft_model`, nonzero B, several target modules, rsLoRA
on and off, GPT-2's fused Conv1D) must run in the engine (`score --adapter`, and `serve
--adapter`'s prompt log-probabilities through the OpenAI API) and fold in with `export --merge`
exactly as PEFT's `merge_and_unload()` folds them; an adapter `bin/modelforge train` writes must
load with `PeftModel.from_pretrained` and give the log-probabilities the engine and the server
give with it. Where the two disagree on the format, PEFT is right.
"""

import copy
import json

import numpy as np
import pytest
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.numpy import load_file

import hf_models
import modelforge
from test_causal_lm import F32_BOUND, PROMPT, hf_logprobs

ARITHMETIC = [f"{a} plus {b} is {a + b}." for a in range(40) for b in range(0, 40, 3)]
LLAMA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
MADE = [
    ("llama", dict(r=4, lora_alpha=8, target_modules=LLAMA_TARGETS)),
    ("llama", dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], use_rslora=True)),
    ("qwen2", dict(r=8, lora_alpha=4, target_modules=["q_proj", "k_proj", "up_proj", "down_proj"])),
    ("qwen3", dict(r=2, lora_alpha=16, target_modules=["o_proj", "gate_proj"], use_rslora=True)),
    ("gpt2", dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True)),
]


def _label(name, settings):
    rs = " rslora" if settings.get("use_rslora") else ""
    return f"{name} r{settings['r']}{rs} {'+'.join(settings['target_modules'])}"


def _chosen(rows):
    """Each prompt token's log-probability given those before it, from [T, V] rows."""
    return np.array([rows[t - 1, PROMPT[t]] for t in range(1, len(PROMPT))], dtype=np.float64)


def peft_adapter(reference, settings, directory, seed=7):
    """A PEFT model over a copy of `reference` with random A and B, saved to `directory`."""
    model = get_peft_model(copy.deepcopy(reference), LoraConfig(lora_dropout=0.0, **settings))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_" in name:
                p.copy_(0.2 * torch.randn(p.shape, generator=generator))
    model.eval()
    model.save_pretrained(directory)
    return model


@pytest.mark.parametrize("name,settings", MADE, ids=[_label(n, s) for n, s in MADE])
def test_peft_adapter_runs_and_merges_in_modelforge(name, settings, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    # the server needs a tokenizer beside the weights; the ids scored are the same either way
    directory = hf_models.with_tokenizer(directory, tmp_path / "base", ARITHMETIC)
    case = _label(name, settings)
    peft_model = peft_adapter(reference, settings, tmp_path / "adapter")
    theirs = hf_logprobs(peft_model, PROMPT)
    assert np.abs(theirs - hf_logprobs(reference, PROMPT)).max() > 1e-2, "the adapter changes nothing"

    ours = modelforge.score(directory, PROMPT, tmp_path / "ours.f32", "--adapter", tmp_path / "adapter")
    report.check(case, "log-probs through the adapter (score --adapter) vs PEFT",
                 float(np.abs(ours - theirs).max()), F32_BOUND)
    with modelforge.serve(directory, f"peft={tmp_path / 'adapter'}") as url:
        served = modelforge.prompt_logprobs(url, "peft", PROMPT)
    report.check(case, "prompt log-probs from serve --adapter vs PEFT",
                 float(np.abs(served - _chosen(theirs)).max()), F32_BOUND,
                 f"{len(served)} tokens, echo + logprobs")

    modelforge.run("export", "--model", directory, "--adapter", tmp_path / "adapter", "--merge",
                   "--format", "safetensors", "--out", tmp_path / "merged")
    merged = peft_model.merge_and_unload().state_dict()
    written = {}
    for file in sorted((tmp_path / "merged").glob("*.safetensors")):
        written.update(load_file(file))
    tied = getattr(reference.config, "tie_word_embeddings", False)
    expected = {k: v for k, v in merged.items() if not (tied and k == "lm_head.weight")}
    report.same(case, "merged export: tensor names vs merge_and_unload()", sorted(written),
                sorted(expected))
    worst = max(float(np.abs(written[k] - expected[k].numpy()).max()) for k in expected)
    report.check(case, "merged export: weights vs merge_and_unload()", worst, 1e-6,
                 f"{len(expected)} tensors")
    merged_scores = modelforge.score(tmp_path / "merged", PROMPT, tmp_path / "merged.f32")
    report.check(case, "log-probs of the merged export vs PEFT", float(np.abs(merged_scores - theirs).max()),
                 F32_BOUND)


@pytest.mark.parametrize("name", ["llama", "qwen3", "gpt2"])
def test_adapter_trained_by_modelforge_loads_in_peft(name, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    texts = ARITHMETIC
    base = hf_models.with_tokenizer(directory, tmp_path / "base", texts)
    dataset = tmp_path / "data.jsonl"
    dataset.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts[:64]))
    config = tmp_path / "train.json"
    config.write_text(json.dumps({
        "method": {"type": "lora", "lora": {"rank": 4, "alpha": 8, "dropout": 0.0}},
        "hyperparameters": {"learningRate": 0.02, "batchSize": 8, "maxSteps": 4, "seed": 3,
                            "maxSequenceLength": 64},
    }))
    modelforge.run("train", "--base", base, "--dataset", dataset, "--config", config,
                   "--output", tmp_path / "out", timeout=600)

    # PeftModel injects its layers into the model it is given: a copy, so the session's
    # reference stays the base model for the other tests
    loaded = PeftModel.from_pretrained(copy.deepcopy(reference), tmp_path / "out")
    loaded.eval()
    theirs = hf_logprobs(loaded, PROMPT)
    ours = modelforge.score(base, PROMPT, tmp_path / "ours.f32", "--adapter", tmp_path / "out")
    base_scores = modelforge.score(base, PROMPT, tmp_path / "base.f32")
    assert np.abs(ours - base_scores).max() > 1e-3, "training left the adapter at zero"
    report.check(name, "our trained adapter in PeftModel.from_pretrained vs the engine with it",
                 float(np.abs(ours - theirs).max()), F32_BOUND,
                 f"adapter moves log-probs by up to {float(np.abs(ours - base_scores).max()):.3g}")
    with modelforge.serve(base, f"trained={tmp_path / 'out'}") as url:
        served = modelforge.prompt_logprobs(url, "trained", PROMPT)
    report.check(name, "our trained adapter: PEFT vs the server's prompt log-probs with it",
                 float(np.abs(served - _chosen(theirs)).max()), F32_BOUND,
                 f"{len(served)} tokens, echo + logprobs")
