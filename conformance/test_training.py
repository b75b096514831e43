"""One training step of `bin/modelforge train` redone by torch (and PEFT for LoRA).

The trainer writes what its first optimizer step saw (`--dump-first-step`): every trainable
parameter before the update, its gradient before clipping, the loss, the learning rate and the
token batches. torch then runs the same batches through the Transformers model with those
values: the loss (the mean over every target token of the accumulated micro-batches, as the
Hugging Face Trainer normalises it) and every gradient must agree, and `clip_grad_norm_` plus
`torch.optim.AdamW` (decoupled weight decay on matrices, not on norms and biases) must reach the
weights the trainer saved. LoRA is redone with PEFT's `get_peft_model`, given our A and B.
"""

import json

import numpy as np
import pytest
import torch
from peft import LoraConfig, get_peft_model
from safetensors.numpy import load_file
from transformers import get_linear_schedule_with_warmup

import hf_models
import modelforge

LOSS_BOUND = 1e-5  # relative
GRAD_BOUND = 1e-4  # relative to the tensor's largest gradient
HYPER = dict(learningRate=1e-3, batchSize=4, gradientAccumulationSteps=2, maxSteps=1, seed=5,
             maxSequenceLength=48, weightDecay=0.1, adamBeta1=0.9, adamBeta2=0.95,
             adamEpsilon=1e-6, maxGradNorm=1.0, lrScheduler="linear", warmupSteps=0)
TEXTS = [f"{a} times {b} is {a * b}; {b} minus {a} is {b - a}." for a in range(12) for b in range(2, 9)]


def train_one_step(base, method, tmp_path):
    dataset = tmp_path / "data.jsonl"
    dataset.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS[:24]))
    config = tmp_path / "train.json"
    config.write_text(json.dumps({"method": method, "hyperparameters": HYPER}))
    modelforge.run("train", "--base", base, "--dataset", dataset, "--config", config,
                   "--output", tmp_path / "out", "--dump-first-step", tmp_path / "step",
                   timeout=600)
    step = json.loads((tmp_path / "step" / "step-1.json").read_text())
    tensors = load_file(tmp_path / "step" / "step-1.safetensors")
    return step, tensors


def torch_loss(model, step):
    """The summed cross-entropy over every micro-batch's target tokens, over their count."""
    total, count = 0.0, 0
    for mb in step["micro_batches"]:
        inputs = torch.tensor(mb["inputs"]).reshape(mb["batch"], mb["seq_len"])
        targets = torch.tensor(mb["targets"]).reshape(mb["batch"], mb["seq_len"])
        logits = model(inputs).logits.float()
        total = total + torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1,
            reduction="sum")
        count += int((targets >= 0).sum())
    return total / count


def redo_step(params, decay):
    """clip_grad_norm_ and one AdamW step over `params` ({name: tensor with .grad})."""
    names = sorted(params)
    torch.nn.utils.clip_grad_norm_([params[n] for n in names], HYPER["maxGradNorm"])
    groups = [
        dict(params=[params[n] for n in names if decay(n, params[n])], weight_decay=HYPER["weightDecay"]),
        dict(params=[params[n] for n in names if not decay(n, params[n])], weight_decay=0.0),
    ]
    optimizer = torch.optim.AdamW(groups, lr=HYPER["learningRate"], betas=(HYPER["adamBeta1"], HYPER["adamBeta2"]),
                                  eps=HYPER["adamEpsilon"])
    schedule = get_linear_schedule_with_warmup(optimizer, HYPER["warmupSteps"], HYPER["maxSteps"])
    lr = schedule.get_last_lr()[0]
    optimizer.step()
    return lr


def check_step(report, case, kind, model, step, tensors, params, saved, saved_name):
    """Redoes the dumped step on `params` ({our name: torch parameter}) and compares each stage."""
    loss = torch_loss(model, step)
    loss.backward()
    report.check(case, f"{kind}: loss (mean over target tokens)",
                 abs(step["loss"] - loss.item()) / loss.item(), LOSS_BOUND,
                 f"ours {step['loss']:.7g} torch {loss.item():.7g}")
    grads = {n: p.grad.numpy().copy() for n, p in params.items()}
    worst, where = _grad_errors(tensors, grads)
    report.check(case, f"{kind}: every gradient (relative to its largest)", worst, GRAD_BOUND,
                 f"{len(grads)} tensors; worst {where}")
    norm = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params.values())))
    report.check(case, f"{kind}: global gradient norm", abs(step["grad_norm"] - norm) / norm, 1e-5,
                 f"ours {step['grad_norm']:.6g} torch {norm:.6g}")

    lr = redo_step(params, lambda n, p: p.ndim >= 2)
    report.check(case, f"{kind}: learning rate of step 1 vs transformers' schedule",
                 abs(step["learning_rate"] - lr), 0.0, f"{lr:g}")
    updated = {n: p.detach().numpy() for n, p in params.items() if saved_name(n) in saved}
    assert len(updated) == len(params), "the saved output lacks trained tensors"
    worst, where = _weight_errors(saved, updated, saved_name, lr)
    report.check(case, f"{kind}: weights after clipping + AdamW vs torch (in units of lr)", worst,
                 1e-2, f"{len(updated)} tensors; worst {where}")


def _grad_errors(tensors, grads):
    worst, where = 0.0, ""
    for name, g in grads.items():
        ours = tensors["grad." + name]
        scale = float(np.abs(g).max()) or 1.0
        err = float(np.abs(ours - g).max()) / scale
        if err > worst:
            worst, where = err, name
    return worst, where


def _weight_errors(saved, updated, name_of, lr):
    worst, where = 0.0, ""
    for name, value in updated.items():
        err = float(np.abs(saved[name_of(name)] - value).max()) / lr
        if err > worst:
            worst, where = err, name
    return worst, where


@pytest.mark.parametrize("name", ["llama", "qwen3", "gpt2"])
def test_full_fine_tuning_step_matches_torch(name, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    base = hf_models.with_tokenizer(directory, tmp_path / "base", TEXTS)
    step, tensors = train_one_step(base, {"type": "full"}, tmp_path)

    model = type(reference).from_pretrained(base, dtype=torch.float32, attn_implementation="eager")
    # eval(): dropout off. The engine's trainer applies no dropout of the model config's own
    # (GPT-2's resid/embd/attn_pdrop 0.1), and torch's random masks could not be matched anyway.
    model.eval()
    params = dict(model.named_parameters())
    stored = {n: p for n, p in params.items()}
    for n, p in stored.items():
        assert "value." + n in tensors, f"the dump has no {n}"
        assert np.array_equal(tensors["value." + n], p.detach().numpy()), f"{n} starts elsewhere"
    check_step(report, name, "full", model, step, tensors, params,
               load_file(tmp_path / "out" / "model.safetensors"), lambda n: n)


@pytest.mark.parametrize("name", ["llama", "gpt2"])
def test_lora_step_matches_peft(name, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    base = hf_models.with_tokenizer(directory, tmp_path / "base", TEXTS)
    lora = {"rank": 4, "alpha": 8, "dropout": 0.0}
    step, tensors = train_one_step(base, {"type": "lora", "lora": lora}, tmp_path)
    adapter_config = json.loads((tmp_path / "out" / "adapter_config.json").read_text())

    model = type(reference).from_pretrained(base, dtype=torch.float32, attn_implementation="eager")
    peft_model = get_peft_model(model, LoraConfig(
        r=4, lora_alpha=8, lora_dropout=0.0, target_modules=adapter_config["target_modules"],
        fan_in_fan_out=adapter_config.get("fan_in_fan_out", False)))
    peft_model.eval()  # dropout off, as above; lora_dropout is 0 here
    ours_names = sorted(n.removeprefix("value.") for n in tensors if n.startswith("value."))
    params = {}
    for peft_name, p in peft_model.named_parameters():
        if not p.requires_grad:
            continue
        ours = peft_name.removeprefix("base_model.model.").replace(".default.", ".")
        assert "value." + ours in tensors, f"the dump has no {ours}"
        with torch.no_grad():
            p.copy_(torch.from_numpy(tensors["value." + ours].copy()))
        params[ours] = p
    report.same(name, "lora: trainable parameters vs PEFT's", ours_names, sorted(params))

    check_step(report, name, "lora", peft_model, step, tensors, params,
               load_file(tmp_path / "out" / "adapter_model.safetensors"),
               lambda n: "base_model.model." + n)
