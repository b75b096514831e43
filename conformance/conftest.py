"""Fixtures of the conformance suite, and its report: every comparison with its worst error."""

import json
import os
from pathlib import Path

import pytest

import hf_models

TARGET = Path(os.environ.get("CONFORMANCE_REPORT_DIR", Path(__file__).parent / "target"))
_ROWS = []


class Report:
    """Collects one row per comparison; written as report.md and report.json at the end."""

    def check(self, case, comparison, worst, bound, detail=""):
        """Records `worst` against `bound` and fails the test when it is over."""
        ok = bool(worst <= bound)
        _ROWS.append(
            dict(case=case, comparison=comparison, worst=float(worst), bound=float(bound), ok=ok,
                 detail=detail)
        )
        assert ok, f"{case} {comparison}: worst {worst:.3g} over the bound {bound:.3g} {detail}"

    def same(self, case, comparison, ours, theirs, detail=""):
        """Records whether two sequences are identical (worst: the index of the first difference)."""
        ours, theirs = list(ours), list(theirs)
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
        if first is None and len(ours) != len(theirs):
            first = min(len(ours), len(theirs))
        _ROWS.append(
            dict(case=case, comparison=comparison, worst=0 if first is None else 1, bound=0,
                 ok=first is None,
                 detail=detail if first is None else f"first difference at {first}: {detail}")
        )
        assert first is None, (
            f"{case} {comparison}: differ from index {first}\n ours   {ours}\n theirs {theirs}"
        )


@pytest.fixture(scope="session")
def report():
    return Report()


def pytest_sessionfinish(session, exitstatus):
    if not _ROWS:
        return
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "report.json").write_text(json.dumps(_ROWS, indent=1))
    lines = [
        "# ModelForge vs Hugging Face: every comparison and its worst error",
        "",
        "| case | comparison | worst | bound | result | detail |",
        "|---|---|---|---|---|---|",
    ]
    for r in _ROWS:
        lines.append(
            f"| {r['case']} | {r['comparison']} | {r['worst']:.3g} | {r['bound']:.3g} | "
            f"{'ok' if r['ok'] else 'FAIL'} | {r['detail']} |"
        )
    (TARGET / "report.md").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def hf_model(tmp_path_factory):
    """Builds each case's model once per session: (directory, F32 reference model)."""
    built = {}

    def get(name):
        if name not in built:
            directory = tmp_path_factory.mktemp(name)
            built[name] = (directory, hf_models.build(hf_models.BY_NAME[name], directory))
        return built[name]

    return get
