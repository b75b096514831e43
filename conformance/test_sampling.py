"""ModelForge's sampling filters against Transformers' logits processors, position by position.

At every prefix of a prompt, the distribution our sampler draws from (`score --sampling-out`) is
compared with softmax of Hugging Face's processors applied to the same model's logits, in the
order `generate` applies them: repetition penalty over the tokens so far, then temperature, top-k,
top-p and min-p warpers. Which tokens survive must be the same set; their probabilities equal
within the F32 bound.
"""

import numpy as np
import pytest
import torch
from transformers import (
    LogitsProcessorList,
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

import modelforge

# repeated ids, so the repetition penalty has tokens to act on
PROMPT = [1, 17, 250, 33, 5, 98, 361, 42, 7, 7, 120, 64, 300, 11, 17, 90, 45, 250, 13, 77, 150, 9, 31, 7]
BOUND = 1e-5

SETTINGS = {
    "temperature 0.7": dict(temperature=0.7),
    "temperature 1.6": dict(temperature=1.6),
    "top_k 20": dict(temperature=1.0, top_k=20),
    "top_k 1": dict(temperature=1.0, top_k=1),
    "top_p 0.9": dict(temperature=1.0, top_p=0.9),
    "top_p 0.01": dict(temperature=1.0, top_p=0.01),
    "min_p 0.1": dict(temperature=1.0, min_p=0.1),
    "repetition_penalty 1.3": dict(temperature=1.0, repetition_penalty=1.3),
    "repetition_penalty 0.8": dict(temperature=1.0, repetition_penalty=0.8),
    "all together": dict(temperature=0.8, top_k=50, top_p=0.8, min_p=0.05, repetition_penalty=1.2),
}


def hf_distribution(model, ids, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0,
                    repetition_penalty=1.0):
    processors = LogitsProcessorList()
    if repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(repetition_penalty))
    processors.append(TemperatureLogitsWarper(temperature))
    if top_k > 0:
        processors.append(TopKLogitsWarper(top_k))
    if top_p < 1.0:
        processors.append(TopPLogitsWarper(top_p))
    if min_p > 0:
        processors.append(MinPLogitsWarper(min_p))
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
        rows = []
        for t in range(len(ids)):
            scores = processors(torch.tensor([ids[: t + 1]]), logits[t : t + 1].clone())
            rows.append(torch.softmax(scores, dim=-1)[0])
    return torch.stack(rows).numpy()


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("name", ["llama", "gpt2"])
def test_sampling_distribution_matches_logits_processors(name, setting, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    filters = SETTINGS[setting]
    ours = modelforge.sampling_distribution(directory, PROMPT, tmp_path / "ours.f32", **filters)
    theirs = hf_distribution(reference, PROMPT, **filters)
    kept_ours, kept_theirs = ours > 0, theirs > 0
    differing = np.argwhere(kept_ours != kept_theirs)
    report.check(name, f"sampling distribution, {setting}: tokens kept that the other drops",
                 len(differing), 0,
                 f"kept per position {kept_theirs.sum(-1).min()}-{kept_theirs.sum(-1).max()}"
                 + (f"; first at (position, token) {tuple(map(int, differing[0]))}"
                    if len(differing) else ""))
    report.check(name, f"sampling distribution, {setting}: probabilities",
                 np.abs(ours - theirs).max(), BOUND)
