#!/usr/bin/env bash
# Creates (once) a Python virtual environment from a pinned requirements file and prints its python:
# by default the one the tests that drive the server with the official `openai` client need
# (runtime-image/src/test/python/requirements.txt); `.ci/python-env.sh conformance/requirements.txt`
# makes the Hugging Face stack of the conformance suite. Cached under ~/.cache/modelforge by the
# requirements' hash: a second run is a directory check.
set -euo pipefail
cd "$(dirname "$0")/.."
req=${1:-runtime-image/src/test/python/requirements.txt}
hash=$(sha256sum "$req" | cut -c1-12)
venv="${MODELFORGE_CACHE:-$HOME/.cache/modelforge}/venv-$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
