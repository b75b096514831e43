"""Runs ModelForge's command line (bin/modelforge) the way a user does, and reads what it writes."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("MODELFORGE_BIN", ROOT / "bin" / "modelforge"))


def run(*args, timeout=300):
    """Runs one command; a non-zero exit fails the test with the command's stderr."""
    command = [str(BIN), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return done.stdout


def ids_arg(ids):
    return ",".join(str(int(i)) for i in ids)


def score(model_dir, prompt_ids, out_file, *extra, quantize=None):
    """Log-probabilities [T, V] after every prefix of the prompt (`modelforge score`)."""
    args = ["score", "--model", model_dir, "--prompt-ids", ids_arg(prompt_ids)]
    args += ["--logprobs-out", out_file, *extra]
    if quantize:
        args += ["--quantize", quantize]
    line = json.loads(run(*args).strip().splitlines()[-1])
    rows = np.fromfile(out_file, dtype="<f4")
    return rows.reshape(len(prompt_ids), line["vocab_size"])


def generate(model_dir, prompt_ids, max_tokens, *extra):
    """`modelforge generate --json`: the parsed object."""
    args = ["generate", "--model", model_dir, "--prompt-ids", ids_arg(prompt_ids)]
    args += ["--max-tokens", max_tokens, "--json", *extra]
    return json.loads(run(*args).strip().splitlines()[-1])


def sampling_distribution(model_dir, prompt_ids, out_file, **filters):
    """`modelforge score --sampling-out`: [T, V] probabilities sampling would draw from."""
    args = ["score", "--model", model_dir, "--prompt-ids", ids_arg(prompt_ids)]
    args += ["--sampling-out", out_file]
    for name, value in filters.items():
        args += ["--" + name.replace("_", "-"), value]
    line = json.loads(run(*args).strip().splitlines()[-1])
    rows = np.fromfile(out_file, dtype="<f4")
    return rows.reshape(len(prompt_ids), line["vocab_size"])
