#!/usr/bin/env bash
# Installs (once) the npm packages of a package.json and prints their node_modules folder: by
# default the official `openai` client OpenAiNodeClientTest drives the server with
# (runtime-image/src/test/node/package.json); `.ci/node-env.sh conformance/tokenizers/package.json`
# brings the real tokenizer files the conformance suite compares on.
# Cached under ~/.cache/modelforge by the package file's hash: a second run is a directory check.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:-runtime-image/src/test/node/package.json}
hash=$(sha256sum "$pkg" | cut -c1-12)
dir="${MODELFORGE_CACHE:-$HOME/.cache/modelforge}/node-$hash"
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$pkg" "$dir/package.json"
  (cd "$dir" && npm install --silent --no-audit --no-fund >&2)
  touch "$dir/.complete"
fi
echo "$dir/node_modules"
