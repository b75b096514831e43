"""Runs ModelForge's command line (bin/modelforge) the way a user does, and reads what it writes."""

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
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


@contextlib.contextmanager
def serve(model_dir, *adapters, timeout=180):
    """`modelforge serve` on a free local port with `adapters` (NAME=DIR); yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(BIN), "serve", "--model", str(model_dir), "--host", "127.0.0.1",
               "--port", str(port), "--threads", "2"]
    for adapter in adapters:
        command += ["--adapter", str(adapter)]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            log.seek(0)
            output = log.read().decode(errors="replace")
            # a model that cannot be loaded leaves the server up but never ready: its log says so
            failed = "could not be loaded" in output
            if failed or process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{' '.join(command)} did not come up:\n{output[-4000:]}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def prompt_logprobs(url, model, prompt_ids):
    """The server's log-probability of each prompt token after those before it (echo + logprobs)."""
    body = json.dumps({"model": model, "prompt": [int(i) for i in prompt_ids], "max_tokens": 0,
                       "echo": True, "logprobs": 0}).encode()
    request = urllib.request.Request(url + "/v1/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        choice = json.loads(reply.read())["choices"][0]
    return np.array(choice["logprobs"]["token_logprobs"][1:], dtype=np.float64)
