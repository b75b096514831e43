"""Hugging Face models holding exactly the weights ModelForge's `--quantize` leaves, made with `gguf`.

`gguf` is llama.cpp's own Python package; its Q8_0 / Q4_0 quantizers follow ggml's reference code.
Quantizing a matrix along its input dimension and dequantizing it gives the values the engine's
block kernels multiply by, so Transformers running those values in F32 is the reference for
`--quantize` itself, beside the drift from the F32 model that the format costs.
"""

import copy

import numpy as np
import torch
from gguf import GGMLQuantizationType, quants
from transformers.pytorch_utils import Conv1D

TYPES = {"q8_0": GGMLQuantizationType.Q8_0, "q4_0": GGMLQuantizationType.Q4_0}
BLOCK = 32


def round_trip(matrix, quantize):
    """[rows, cols] float32 through the block format and back, blocks along each row."""
    kind = TYPES[quantize]
    values = np.ascontiguousarray(matrix, dtype=np.float32)
    return quants.dequantize(quants.quantize(values, kind), kind).reshape(values.shape)


def fake_quantized(model, quantize):
    """A copy of `model` whose projections and output head hold what `--quantize` keeps.

    The engine re-encodes every attention and MLP projection and the output head whose input
    dimension is a multiple of 32; the token (and GPT-2 position) embeddings it looks up stay F32,
    so a head tied to the embeddings is untied here first.
    """
    copied = copy.deepcopy(model)
    with torch.no_grad():
        head = copied.get_output_embeddings()
        if head.weight is copied.get_input_embeddings().weight:
            head.weight = torch.nn.Parameter(head.weight.detach().clone())
        for module in copied.modules():
            if isinstance(module, torch.nn.Linear):
                weight = module.weight  # [out, in]
                if weight.shape[1] % BLOCK == 0:
                    weight.copy_(torch.from_numpy(round_trip(weight.numpy(), quantize)))
            elif isinstance(module, Conv1D):
                weight = module.weight  # [in, out]: GPT-2 multiplies x @ W
                if weight.shape[0] % BLOCK == 0:
                    rows = round_trip(weight.numpy().T, quantize)
                    weight.copy_(torch.from_numpy(np.ascontiguousarray(rows.T)))
    return copied
