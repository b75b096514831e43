#!/usr/bin/env bash
# Installs (once) the official `openai` npm client that OpenAiNodeClientTest drives the server
# with, from runtime-image/src/test/node/package.json, and prints its node_modules folder.
# Cached under ~/.cache/modelforge by the package file's hash: a second run is a directory check.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=runtime-image/src/test/node/package.json
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
