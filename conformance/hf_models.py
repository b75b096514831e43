"""Small causal language models made by Hugging Face Transformers itself, with seeded random weights.

Each is built from its config class through `AutoModelForCausalLM.from_config` and written with
`save_pretrained`, so every file ModelForge reads (config.json, safetensors, the shard index) is
Hugging Face's own. Every parameter is drawn from a seeded generator (norm scales around 1, biases
small), so no weight keeps a default that would hide a mistake in how it is read or applied.
"""

import dataclasses

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, MistralConfig
from transformers import Qwen2Config, Qwen3Config

VOCAB = 384


def _decoder(cls, **overrides):
    settings = dict(
        vocab_size=VOCAB,
        hidden_size=64,
        intermediate_size=160,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        bos_token_id=1,
        eos_token_id=2,
    )
    settings.update(overrides)
    return cls(**settings)


@dataclasses.dataclass(frozen=True)
class Case:
    """One model to build: its name in reports, its config, how it is saved."""

    name: str
    make_config: object
    dtype: torch.dtype = torch.float32
    max_shard_size: str | None = None

    def config(self):
        return self.make_config()


CASES = [
    Case("llama", lambda: _decoder(LlamaConfig)),
    Case("llama-tied", lambda: _decoder(LlamaConfig, tie_word_embeddings=True)),
    Case("llama-bf16", lambda: _decoder(LlamaConfig), dtype=torch.bfloat16),
    Case("llama-sharded", lambda: _decoder(LlamaConfig), max_shard_size="60KB"),
    Case(
        "llama-rope-llama3",
        lambda: _decoder(
            LlamaConfig,
            rope_parameters={
                "rope_type": "llama3",
                "rope_theta": 500000.0,
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 16,
            },
        ),
    ),
    Case(
        "llama-rope-linear",
        lambda: _decoder(
            LlamaConfig, rope_parameters={"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}
        ),
    ),
    Case("mistral", lambda: _decoder(MistralConfig, sliding_window=None)),
    Case("qwen2", lambda: _decoder(Qwen2Config, use_sliding_window=False)),
    Case("qwen2-tied", lambda: _decoder(Qwen2Config, use_sliding_window=False, tie_word_embeddings=True)),
    Case("qwen3", lambda: _decoder(Qwen3Config, head_dim=16, use_sliding_window=False)),
    Case(
        "gpt2",
        lambda: GPT2Config(
            vocab_size=VOCAB,
            n_embd=64,
            n_layer=2,
            n_head=4,
            n_positions=256,
            bos_token_id=1,
            eos_token_id=2,
        ),
    ),
]

BY_NAME = {case.name: case for case in CASES}


def randomize(model, seed):
    """Draws every parameter from a seeded generator: matrices N(0, 0.08), norm scales 1 + N(0, 0.1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            if p.dim() == 1 and ("norm" in name or name.split(".")[-2].startswith("ln")):
                value = 1.0 + 0.1 * noise if name.endswith("weight") else 0.05 * noise
            elif p.dim() == 1:
                value = 0.05 * noise
            else:
                value = 0.08 * noise
            p.copy_(value.to(p.dtype))


def build(case, directory, seed=1234):
    """Writes the case's model to `directory` with save_pretrained; returns the F32 reference model."""
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(case.config(), attn_implementation="eager")
    randomize(model, seed)
    model.eval()
    saved = model.to(case.dtype)
    kwargs = {}
    if case.max_shard_size:
        kwargs["max_shard_size"] = case.max_shard_size
    saved.save_pretrained(directory, **kwargs)
    reference = AutoModelForCausalLM.from_pretrained(
        directory, dtype=torch.float32, attn_implementation="eager"
    )
    reference.eval()
    return reference


def byte_level_tokenizer(texts, vocab_size=VOCAB):
    """A byte-level BPE tokenizer trained by the `tokenizers` library, within the models' vocab."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    assert tok.get_vocab_size() <= vocab_size, tok.get_vocab_size()
    return tok


def with_tokenizer(directory, dest, texts):
    """A copy of a saved model at `dest` with a tokenizer.json trained on `texts`, for training."""
    dest.mkdir()
    for file in directory.iterdir():
        (dest / file.name).write_bytes(file.read_bytes())
    byte_level_tokenizer(texts).save(str(dest / "tokenizer.json"))
    return dest
