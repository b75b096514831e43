#!/usr/bin/env bash
# Builds the runtime and operator images with podman from the documented Containerfiles and runs
# the runtime image: `modelforge --version`, then `generate` on a tiny model mounted read-only,
# whose tokens must equal the same command's on this machine. For hosts that cannot pull from any
# registry, the Containerfiles' JRE base (eclipse-temurin:25-jre) is replaced by one assembled
# here from local files (Containerfile.local-jre): a jlink'd JDK 25 plus the few tools and shared
# libraries the images need.
#
#   ./mvnw -q package -DskipTests && runtime-image/src/main/container/podman-check.sh
#
# Exits 0 when every step passed, 1 when one failed, 2 when podman or the build is missing.
# MODELFORGE_PODMAN_KEEP=1 keeps the images (localhost/modelforge-check/...) afterwards.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../.." && pwd)
cd "$root"
containers=runtime-image/src/main/container
work=runtime-image/target/podman-check
rootfs=$work/rootfs
tag=localhost/modelforge-check
# crun fails in nested containers such as CI runners; the ulimits keep runc within what the
# outer container allows.
run_flags=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

fail() {
  echo "podman-check: FAILED: $*" >&2
  exit 1
}
step() { echo "== podman-check: $* ($((SECONDS - started)) s)"; }
started=$SECONDS

if ! command -v podman >/dev/null 2>&1; then
  echo "podman-check: podman is not installed (Debian: apt-get install -y podman runc)." >&2
  exit 2
fi
for f in runtime-image/target/modelforge-runtime.jar runtime-image/target/quarkus-app/quarkus-run.jar \
  operator/target/quarkus-app/quarkus-run.jar; do
  if [ ! -f "$f" ]; then
    echo "podman-check: $f is missing; build first: ./mvnw -q package -DskipTests" >&2
    exit 2
  fi
done
. .mvn/find-jdk.sh
modelforge_find_jdk || exit 2
[ -x "$JAVA_HOME/bin/jlink" ] || { echo "podman-check: $JAVA_HOME has no jlink" >&2; exit 2; }

step "assembling the JRE root filesystem in $rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"/{etc,tmp,opt/java,usr}
chmod 1777 "$rootfs/tmp"
# Mirror the host's /usr merge so library paths printed by ldd resolve the same way inside.
for d in bin sbin lib lib64; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$rootfs/$d"
  else
    mkdir -p "$rootfs/$d"
  fi
done
mkdir -p "$rootfs"/usr/{bin,sbin,lib,lib64}
# The runtime's modules (java.se, the Vector API) and what Quarkus and JFR reach for.
"$JAVA_HOME/bin/jlink" --output "$rootfs/opt/java/openjdk" \
  --add-modules java.se,jdk.incubator.vector,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.charsets,jdk.management,jdk.management.jfr,jdk.jfr,jdk.net,jdk.naming.dns,jdk.zipfs,jdk.httpserver,jdk.security.auth,jdk.security.jgss,jdk.nio.mapmode \
  --strip-debug --no-man-pages --no-header-files 2>&1 | grep -v 'incubator modules' || true
# bin/modelforge (#!/usr/bin/env bash) and .mvn/find-jdk.sh use env, bash, sed, head, dirname, readlink and grep; the
# Containerfiles' RUN lines use sh, useradd and chmod.
for tool in env bash sed head dirname readlink grep chmod useradd; do
  path=$(command -v "$tool") || fail "the host has no $tool to copy into the image"
  real=$(readlink -f "$path")
  install -D -m 0755 "$real" "$rootfs$path"
done
ln -sf bash "$rootfs/usr/bin/sh"
# Every shared library the copied programs link, at the path the loader looks for it.
elves=$(find "$rootfs/usr" "$rootfs/opt" -type f \( -perm -u+x -o -name '*.so' \))
for lib in $(for e in $elves; do ldd "$e" 2>/dev/null || true; done |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u); do
  [ -e "$rootfs$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done
# Users: root, and group 0 for the image's user (uid 10001, gid 0).
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
printf 'root:*:20000:0:99999:7:::\n' >"$rootfs/etc/shadow"
printf 'root:*::\n' >"$rootfs/etc/gshadow"
chmod 0640 "$rootfs/etc/shadow" "$rootfs/etc/gshadow"
cp /etc/login.defs "$rootfs/etc/login.defs" 2>/dev/null || : >"$rootfs/etc/login.defs"
echo "   $(du -sh "$rootfs" | cut -f1) root filesystem"

step "building $tag/jre:25 (Containerfile.local-jre)"
podman build -q "${run_flags[@]}" --network none -f "$containers/Containerfile.local-jre" \
  -t "$tag/jre:25" "$rootfs" >/dev/null || fail "podman build of the JRE base"

build() { # $1 = Containerfile, $2 = tag; the documented build with the local JRE base
  podman build -q "${run_flags[@]}" --network none --build-arg "JRE_IMAGE=$tag/jre:25" \
    -f "$1" -t "$2" . >/dev/null || fail "podman build -f $1"
}
step "building $tag/runtime:cpu ($containers/Containerfile)"
build "$containers/Containerfile" "$tag/runtime:cpu"
step "building $tag/operator (operator/src/main/container/Containerfile)"
build operator/src/main/container/Containerfile "$tag/operator"

server=modelforge-check-serve-$$
cleanup() {
  podman rm -f "$server" >/dev/null 2>&1 || true
  if [ "${MODELFORGE_PODMAN_KEEP:-0}" != 1 ]; then
    podman rmi -f "$tag/runtime:cpu" "$tag/operator" "$tag/jre:25" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
run() { podman run "${run_flags[@]}" --rm --network none "$@"; }

step "modelforge --version in the runtime image"
version=$(run "$tag/runtime:cpu" --version 2>&1) || fail "modelforge --version: $version"
echo "$version" | sed 's/^/   /'
grep -q '^modelforge ' <<<"$version" || fail "--version printed no 'modelforge VERSION' line"
grep -q '^Java 25' <<<"$version" || fail "--version does not report Java 25"

step "modelforge generate on a tiny model mounted read-only"
model=$work/tiny
rm -rf "$model" "$work/tokenizer"
bin/modelforge data arithmetic --count 1 --out "$work/one.jsonl" --tokenizer "$work/tokenizer" \
  >/dev/null 2>&1 || fail "bin/modelforge data arithmetic on this machine"
bin/modelforge init --preset tiny --dim 64 --layers 2 --heads 4 --tokenizer "$work/tokenizer" \
  --seed 1 --out "$model" >/dev/null 2>&1 || fail "bin/modelforge init on this machine"
chmod -R a+rX "$work"
generate=(generate --prompt "12+30=" --max-tokens 8 --ignore-eos --seed 7 --json)
expected=$(bin/modelforge "${generate[@]}" --model "$model" 2>/dev/null) ||
  fail "bin/modelforge generate on this machine"
actual=$(run -v "$(readlink -f "$model"):/models/tiny:ro" "$tag/runtime:cpu" \
  "${generate[@]}" --model /models/tiny 2>&1) || fail "generate in the image: $actual"
actual=$(grep '^{' <<<"$actual" || true)
echo "   $actual"
grep -q '"finish_reason":"length"' <<<"$actual" || fail "generate in the image did not produce 8 tokens"
[ "$actual" = "$expected" ] ||
  fail "the image generated other tokens than this machine: expected $expected"

step "modelforge serve in the runtime image, read-only root as in a pod, answering /v1/completions"
run -d --name "$server" --read-only -v "$(readlink -f "$model"):/models/tiny:ro" "$tag/runtime:cpu" \
  serve --model /models/tiny --port 8000 >/dev/null || fail "podman run serve"
# The image has no HTTP client; bash's /dev/tcp asks from inside the container's own network.
ask='exec 3<>/dev/tcp/127.0.0.1/8000
body={\"model\":\"tiny\",\"prompt\":\"12+30=\",\"max_tokens\":4,\"temperature\":0}
printf "POST /v1/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${#body}\r\n\r\n%s" "$body" >&3
while IFS= read -r line || [ -n "$line" ]; do printf "%s\n" "$line"; done <&3'
answer=""
for _ in $(seq 1 60); do
  # 503 until the model is loaded, as the readiness probe sees it.
  answer=$(podman exec "$server" bash -c "$ask" 2>/dev/null) && grep -q '^HTTP/1.[01] 200' <<<"$answer" && break
  podman container exists "$server" || break
  sleep 1
done
grep -q '^HTTP/1.[01] 200' <<<"$answer" && grep -q '"choices"' <<<"$answer" || {
  podman logs "$server" 2>&1 | tail -20 | sed 's/^/   serve: /' >&2
  fail "serve in the image did not answer /v1/completions with 200: ${answer:-(no answer in 60 s)}"
}
echo "   $(tail -n 1 <<<"$answer")"

step "passed: both images build; the runtime image prints its version, generates the same 8 tokens as this machine and serves completions"
