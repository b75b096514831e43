#!/usr/bin/env bash
# Builds (once) the MinIO server the s3:// tests run against, from the version pinned in the
# go.mod beside this script, through the Go module proxy, and prints the binary's path. Cached
# under ~/.cache/modelforge by the hash of go.mod and go.sum: a second run is a file check.
# Measured cold on 2 cores: module download about 25 s, build about 2 min.
#
#   export MODELFORGE_MINIO=$(bash .ci/minio/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hash=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)
dest="${MODELFORGE_CACHE:-$HOME/.cache/modelforge}/minio-$hash"
if [ ! -x "$dest/minio" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "minio: no Go toolchain here, so no S3-compatible server for the s3:// tests" >&2
    exit 1
  fi
  mkdir -p "$dest"
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$dest/minio.tmp" github.com/minio/minio) >&2
  mv -f "$dest/minio.tmp" "$dest/minio"
fi
echo "$dest/minio"
