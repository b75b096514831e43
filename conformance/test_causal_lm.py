"""ModelForge's engine against Transformers on models Transformers wrote: logits, greedy, beams.

Each case is a small model of a family the engine runs (hf_models.CASES), saved by
`save_pretrained`. The engine reads the directory as a user's download; Transformers runs the same
weights in F32 with eager attention.
"""

import numpy as np
import pytest
import torch

import hf_models
import modelforge
import quantized

CASES = [case.name for case in hf_models.CASES]
PROMPT = [1, 17, 250, 33, 5, 98, 361, 42, 7, 7, 120, 64, 300, 11, 2, 90, 45, 200, 13, 77, 150, 9, 31, 260]

# F32 log-probabilities: the bound; it holds for `--quantize` too against Transformers
# running the dequantized weights (quantized.py). The drift a block format costs against the F32
# model is stated as bounds on the mean KL divergence over all positions and on the worst
# log-probability difference, measured on these models (random weights, 64 wide: a harder case for
# 4 bits than a trained model's rows) with about 2x headroom.
F32_BOUND = 1e-4
DRIFT_KL_BOUND = {"q8_0": 2e-4, "q4_0": 5e-2}
DRIFT_WORST_BOUND = {"q8_0": 0.1, "q4_0": 1.5}

def hf_logprobs(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
    return torch.log_softmax(logits, dim=-1).numpy()


@pytest.mark.parametrize("name", CASES)
def test_logprobs_at_every_position(name, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    ours = modelforge.score(directory, PROMPT, tmp_path / "ours.f32")
    theirs = hf_logprobs(reference, PROMPT)
    assert ours.shape == theirs.shape
    worst = np.abs(ours - theirs).max()
    where = np.unravel_index(np.abs(ours - theirs).argmax(), ours.shape)
    report.check(name, "log-probs, every position (F32)", worst, F32_BOUND,
                 f"{ours.shape[0]} positions x {ours.shape[1]} tokens; worst at {tuple(map(int, where))}")


@pytest.mark.parametrize("quantize", ["q8_0", "q4_0"])
@pytest.mark.parametrize("name", ["llama", "llama-tied", "qwen3", "gpt2"])
def test_quantized_logprobs(name, quantize, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    ours = modelforge.score(directory, PROMPT, tmp_path / "ours.f32", quantize=quantize)

    # the same block values in Transformers: equal within the F32 bound
    dequantized = hf_logprobs(quantized.fake_quantized(reference, quantize), PROMPT)
    report.check(name, f"log-probs, every position (--quantize {quantize} vs HF on the "
                 "dequantized weights)", np.abs(ours - dequantized).max(), F32_BOUND)

    # and the drift from the F32 model, within the stated bounds
    f32 = hf_logprobs(reference, PROMPT)
    kl = float((np.exp(f32) * (f32 - ours)).sum(-1).mean())
    agree = float((ours.argmax(-1) == f32.argmax(-1)).mean())
    report.check(name, f"mean KL(HF F32 || --quantize {quantize})", kl, DRIFT_KL_BOUND[quantize],
                 f"argmax agrees at {agree:.0%} of positions")
    report.check(name, f"worst log-prob drift (--quantize {quantize} vs HF F32)",
                 np.abs(ours - f32).max(), DRIFT_WORST_BOUND[quantize])


def _hf_generate(model, ids, new_tokens, **kwargs):
    with torch.no_grad():
        out = model.generate(
            torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=new_tokens,
            pad_token_id=0,
            **kwargs,
        )
    return out


@pytest.mark.parametrize("name", CASES)
def test_greedy_generation_is_token_identical(name, hf_model, report):
    directory, reference = hf_model(name)
    prompt = PROMPT[:8]
    theirs = _hf_generate(reference, prompt, 24, do_sample=False, eos_token_id=None)
    theirs = theirs[0, len(prompt):].tolist()
    ours = modelforge.generate(directory, prompt, 24, "--temperature", "0")
    report.same(name, "greedy, 24 tokens", [t["id"] for t in ours["tokens"]], theirs)


def _eos_for_beams(reference, prompt):
    """An end token the model reaches within a few steps, so beams end at different lengths."""
    with torch.no_grad():
        out = _hf_generate(reference, prompt, 6, do_sample=False, eos_token_id=None)
    return int(out[0, len(prompt) + 3])


@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("length_penalty", [1.0, 0.0, 2.0])
@pytest.mark.parametrize("name", ["llama", "qwen2", "gpt2"])
def test_beam_search_is_token_identical(name, length_penalty, early_stopping, hf_model, report):
    directory, reference = hf_model(name)
    prompt = PROMPT[:6]
    eos = _eos_for_beams(reference, prompt)
    with torch.no_grad():
        out = reference.generate(
            torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
            max_new_tokens=12, pad_token_id=0, do_sample=False, num_beams=4,
            num_return_sequences=4, length_penalty=length_penalty, early_stopping=early_stopping,
            eos_token_id=eos, return_dict_in_generate=True, output_scores=True,
        )
    theirs = [_strip(seq[len(prompt):].tolist(), eos) for seq in out.sequences]
    flags = ["--num-beams", "4", "--length-penalty", length_penalty, "--stop-id", eos]
    if early_stopping:
        flags.append("--early-stopping")
    ours = modelforge.generate(directory, prompt, 12, *flags)["beams"]
    # our ids leave the end token out; Hugging Face's sequences end with it
    ours_ids = [b["ids"] + ([eos] if b["finish_reason"] == "stop" else []) for b in ours]
    label = f"beam search, 4 beams, length_penalty {length_penalty}, early_stopping {early_stopping}"
    report.same(name, f"{label}: all 4 beams, in order", ours_ids, theirs, f"eos {eos}")
    worst = max(abs(b["score"] - float(s)) for b, s in zip(ours, out.sequences_scores))
    report.check(name, f"{label}: beam scores", worst, 1e-4)


def _strip(ids, eos):
    """A beam's tokens up to and including its end token, without HF's padding after it."""
    ids = list(ids)
    return ids[: ids.index(eos) + 1] if eos in ids else ids
