"""`modelforge export --format gguf` read by llama.cpp's own Python package and by Transformers.

For each model Transformers wrote (hf_models.CASES) and each type the export offers, the file is
opened with `gguf.GGUFReader` and held to what llama.cpp's converter (convert_hf_to_gguf) writes
for the same checkpoint, using the `gguf` package's own tables: the architecture name, every
hyperparameter key with its GGUF value type (the types `gguf.GGUFWriter` gives them), the tensor
names `gguf.TensorNameMap` maps the Hugging Face names to, each tensor's shape in llama.cpp's
layout (Llama's q/k rows permuted for its rotary embedding, GPT-2's Conv1D matrices transposed),
and each tensor's bytes: equal to the Hugging Face weights in F32 and F16, and equal to what
`gguf.quants.quantize` makes of them in Q8_0 and Q4_0. Then Transformers loads the file's
tensors (`from_pretrained(gguf_file=...)`, its own dequantizer) and must give the log-probabilities
the engine gives on that same file.
"""

import copy

import numpy as np
import pytest
import torch
import gguf
from gguf import GGMLQuantizationType as Q
from transformers import AutoModelForCausalLM, LlamaConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

import modelforge
from test_causal_lm import F32_BOUND, PROMPT, hf_logprobs

# The architecture llama.cpp's converter writes each Hugging Face model type as.
ARCH = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "gpt2": "gpt2"}
QUANTIZED = {"q8_0": Q.Q8_0, "q4_0": Q.Q4_0}
FILE_TYPE = {
    "f32": gguf.LlamaFileType.ALL_F32,
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0,
}
GPT2_CONV1D = (".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight")
EXPORTS = [(name, "f32") for name in ("llama", "llama-tied", "llama-rope-linear", "llama-rope-llama3",
                                      "mistral", "qwen2",
                                      "qwen2-tied", "qwen3", "gpt2")]
EXPORTS += [(name, dtype) for name in ("llama", "qwen3", "gpt2") for dtype in ("f16", "q8_0", "q4_0")]


def expected_metadata(config, arch, dtype):
    """The hyperparameter keys the converter writes, as GGUFWriter types them: {key: (value, type)}."""
    w = gguf.GGUFWriter(None, arch)
    w.add_context_length(config.max_position_embeddings if arch != "gpt2" else config.n_positions)
    w.add_embedding_length(config.hidden_size)
    w.add_block_count(config.num_hidden_layers)
    w.add_head_count(config.num_attention_heads)
    w.add_file_type(FILE_TYPE[dtype])
    if arch == "gpt2":
        w.add_feed_forward_length(config.n_inner or 4 * config.hidden_size)
        w.add_layer_norm_eps(config.layer_norm_epsilon)
    else:
        w.add_feed_forward_length(config.intermediate_size)
        w.add_head_count_kv(config.num_key_value_heads)
        w.add_layer_norm_rms_eps(config.rms_norm_eps)
        rope = config.rope_parameters
        w.add_rope_freq_base(rope["rope_theta"])
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        if arch == "llama":
            w.add_rope_dimension_count(head_dim)
        if arch == "qwen3":
            w.add_key_length(head_dim)
            w.add_value_length(head_dim)
        if rope.get("rope_type") == "linear":
            w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
            w.add_rope_scaling_factor(rope["factor"])
    return {key: (v.value, v.type) for key, v in w.kv_data[0].items()}


def permute(weights, heads):
    """llama.cpp's row order for a Llama q/k projection: each head's two rotary halves interleaved."""
    rows = weights.shape[0]
    return weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def expected_tensors(model, arch):
    """{gguf name: float32 array in llama.cpp's layout} for the converter's view of `model`."""
    config = model.config
    names = gguf.TensorNameMap(gguf.MODEL_ARCH[arch.upper()], config.num_hidden_layers)
    tied = getattr(config, "tie_word_embeddings", False)
    out = {}
    for hf_name, value in model.state_dict().items():
        if tied and hf_name == "lm_head.weight":
            continue
        array = value.detach().float().numpy()
        if arch == "gpt2" and hf_name.endswith(GPT2_CONV1D):
            array = array.T
        if arch == "llama" and hf_name.endswith("self_attn.q_proj.weight"):
            array = permute(array, config.num_attention_heads)
        if arch == "llama" and hf_name.endswith("self_attn.k_proj.weight"):
            array = permute(array, config.num_key_value_heads)
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        assert name, f"the gguf package has no name for {hf_name}"
        out[name] = np.ascontiguousarray(array)
    rope = getattr(config, "rope_parameters", None) or {}
    if rope.get("rope_type") == "llama3":
        # llama.cpp applies Llama 3's frequency scaling as a tensor of divisors of the base
        # frequencies: Transformers' unscaled inverse frequencies over its llama3 ones
        base, _ = LlamaRotaryEmbedding.compute_default_rope_parameters(config)
        scaled, _ = ROPE_INIT_FUNCTIONS["llama3"](config)
        out["rope_freqs.weight"] = (base / scaled).float().numpy()
    return out


def read_value(field):
    value = field.contents()
    return value.value if hasattr(value, "value") else value


@pytest.mark.parametrize("name,dtype", EXPORTS, ids=[f"{n}-{d}" for n, d in EXPORTS])
def test_gguf_export_as_llama_cpp_reads_it(name, dtype, hf_model, tmp_path, report):
    directory, reference = hf_model(name)
    case = f"{name} {dtype}"
    modelforge.run("export", "--model", directory, "--format", "gguf", "--dtype", dtype,
                   "--out", tmp_path)
    file = tmp_path / f"{directory.name}.gguf"
    reader = gguf.GGUFReader(file)
    arch = ARCH[reference.config.model_type]

    # every key the converter writes, with its value type and value
    fields = reader.fields
    written_arch = read_value(fields["general.architecture"])
    report.same(case, "general.architecture", [written_arch], [arch])
    wrong = []
    for key, (value, kind) in expected_metadata(reference.config, arch, dtype).items():
        if key == "general.architecture":
            continue
        field = fields.get(key)
        if field is None:
            wrong.append(f"{key} missing")
            continue
        if field.types[0] != kind:
            wrong.append(f"{key} is {field.types[0].name}, llama.cpp writes {kind.name}")
        got = read_value(field)
        if isinstance(value, float) and not np.isclose(got, value, rtol=1e-6):
            wrong.append(f"{key} = {got}, expected {value}")
        elif not isinstance(value, float) and got != value:
            wrong.append(f"{key} = {got}, expected {value}")
    report.check(case, "metadata keys, types and values", len(wrong), 0, "; ".join(wrong[:4]))

    # tensor names, shapes, types and bytes
    expected = expected_tensors(reference, arch)
    tensors = {t.name: t for t in reader.tensors}
    tied_output = "output.weight" not in expected and "output.weight" in tensors
    names_ours = set(tensors) - ({"output.weight"} if tied_output else set())
    report.same(case, "tensor names", sorted(names_ours), sorted(expected))
    worst = 0.0
    problems = []
    # embeddings are looked up by row and stay F32, except a tied token embedding: it is the
    # output matrix too, and llama.cpp's converter gives it the block type
    tied = getattr(reference.config, "tie_word_embeddings", False)
    lookup = ("position_embd.weight",) if tied else ("token_embd.weight", "position_embd.weight")
    for tensor_name, want in expected.items():
        t = tensors[tensor_name]
        shape = tuple(int(n) for n in reversed(t.shape.tolist()))
        if shape != want.shape:
            problems.append(f"{tensor_name} shape {shape}, expected {want.shape}")
            continue
        kind = t.tensor_type
        matrix = want.ndim == 2 and not tensor_name.endswith(lookup)
        if dtype in QUANTIZED and matrix and want.shape[1] % 32 == 0:
            allowed = {QUANTIZED[dtype]}
        elif dtype == "f16" and want.ndim == 2:
            allowed = {Q.F16}
        else:
            allowed = {Q.F32}
        if kind not in allowed:
            problems.append(f"{tensor_name} is {kind.name}, expected {sorted(a.name for a in allowed)}")
            continue
        if kind in QUANTIZED.values():
            bytes_theirs = gguf.quants.quantize(want, kind)
            if not np.array_equal(np.asarray(t.data).view(np.uint8).reshape(-1), bytes_theirs.view(np.uint8).reshape(-1)):
                problems.append(f"{tensor_name}: {kind.name} blocks differ from gguf.quants.quantize")
            want = gguf.quants.dequantize(bytes_theirs, kind).reshape(want.shape)
        elif kind == Q.F16:
            want = want.astype(np.float16).astype(np.float32)
        got = gguf.quants.dequantize(t.data, kind).reshape(want.shape).astype(np.float32)
        if tensor_name == "rope_freqs.weight":
            # computed, not stored: Transformers' float32 frequencies against ours
            report.check(case, "rope_freqs (Llama 3 scaling) vs Transformers' frequencies",
                         float(np.abs(got / want - 1).max()), 1e-6, f"{want.size} divisors")
            continue
        worst = max(worst, float(np.abs(got - want).max()))
    if tied_output:
        got = gguf.quants.dequantize(tensors["output.weight"].data, tensors["output.weight"].tensor_type)
        worst = max(worst, float(np.abs(got.reshape(expected["token_embd.weight"].shape) - expected["token_embd.weight"]).max()))
    report.check(case, "tensor shapes, types and blocks", len(problems), 0, "; ".join(problems[:3]))
    report.check(case, "dequantized tensors vs the converter's", worst, 0.0,
                 f"{len(expected)} tensors")

    # Transformers reads the file's tensors (its GGUF loader dequantizes them and undoes llama.cpp's
    # q/k order) and agrees with the engine on the same file. The model's config is passed: the
    # loader's own metadata table is narrower than llama.cpp's (it reads no rope scaling, no
    # Qwen3 key_length and no GPT-2 context length, taking the config classes' defaults), and the
    # keys themselves are held to llama.cpp's above.
    config = copy.deepcopy(reference.config)
    if config.model_type == "mistral":
        # llama.cpp writes Mistral as llama, and Transformers' loader knows it only by that name
        config = LlamaConfig.from_dict({k: v for k, v in config.to_dict().items() if k != "model_type"})
    if tied_output:
        # the file holds its own output matrix (quantized where token_embd is not), as llama.cpp's
        # converter writes GPT-2; llama.cpp and the engine multiply by it, so Transformers must too
        config.tie_word_embeddings = False
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file=file.name, config=config,
                                                  dtype=torch.float32, attn_implementation="eager")
    loaded.eval()
    theirs = hf_logprobs(loaded, PROMPT)
    ours = modelforge.score(file, PROMPT, tmp_path / "ours.f32")
    report.check(case, "log-probs: Transformers on our GGUF vs the engine on it",
                 float(np.abs(ours - theirs).max()), F32_BOUND)
    if dtype == "f32":
        report.check(case, "log-probs: Transformers on our GGUF vs the original model",
                     float(np.abs(theirs - hf_logprobs(reference, PROMPT)).max()), F32_BOUND)
