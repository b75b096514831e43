#!/usr/bin/env bash
# Puts the pinned Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl) and etcd where Fabric8 kube-api-test looks for its binaries:
#   ${KUBE_API_TEST_DIR:-~/.kubeapitest}/k8s/<version>-linux-amd64/
# The operator's integration tests and `bin/modelforge local` run them from there.
#
# Built from source through the Go module proxy (the modules beside this script pin the
# versions). Idempotent: a folder built from the same go.mod/go.sum is kept as it is, so a
# second run takes a second. Without a Go toolchain it builds nothing and says so; kube-api-test
# then downloads its own binaries at first use where the machine can reach them.
#
#   bash e2e/control-plane/build.sh          # build if needed, print the folder
#   bash e2e/control-plane/build.sh --print  # only print the folder
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# The versions' one home is each module's require line (`go mod tidy` marks them indirect).
k8s_version=$(sed -n 's/^[[:space:]]*k8s\.io\/kubernetes v\([0-9.]*\).*$/\1/p' "$here/kubernetes/go.mod")
etcd_version=$(sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 v\([0-9.]*\).*$/\1/p' "$here/etcd/go.mod")
if [ -z "$k8s_version" ] || [ -z "$etcd_version" ]; then
  echo "control plane: no k8s.io/kubernetes or etcd version in $here/*/go.mod" >&2
  exit 1
fi
case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
dest="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${k8s_version}-linux-${arch}"

if [ "${1-}" = --print ]; then
  echo "$dest"
  exit 0
fi

binaries="kube-apiserver kube-controller-manager kube-scheduler kubectl etcd"
inputs=$(cat "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$0" |
  sha256sum | cut -c1-16)
stamp="$dest/.built-from"

complete() {
  for b in $binaries; do [ -x "$dest/$b" ] || return 1; done
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]
}

if complete; then
  echo "control plane: Kubernetes $k8s_version and etcd $etcd_version already in $dest"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "control plane: no Go toolchain here; built nothing. kube-api-test downloads Kubernetes" \
    "binaries itself at first use where the machine reaches them." >&2
  exit 0
fi

start=$(date +%s)
mkdir -p "$dest"
tmp=$(mktemp -d "$dest/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The binaries report the pinned release (kubectl's version skew check and /version read it).
v=k8s.io/component-base/version
major=${k8s_version%%.*}
minor=${k8s_version#*.}
minor=${minor%%.*}
ldflags="-s -w -X $v.gitVersion=v$k8s_version -X $v.gitMajor=$major -X $v.gitMinor=$minor"
ldflags="$ldflags -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=v$k8s_version"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitMajor=$major -X k8s.io/client-go/pkg/version.gitMinor=$minor"

echo "control plane: building Kubernetes $k8s_version (kube-apiserver, kube-controller-manager," \
  "kube-scheduler, kubectl) through the Go module proxy into $dest"
(cd "$here/kubernetes" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)

echo "control plane: building etcd $etcd_version"
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)

for b in $binaries; do mv -f "$tmp/$b" "$dest/$b"; done
echo "$inputs" >"$stamp"
echo "control plane: built in $(($(date +%s) - start)) s: $("$dest/kube-apiserver" --version), etcd" \
  "$("$dest/etcd" --version | sed -n 's/^etcd Version: //p')"
