#!/usr/bin/env bash
# Ensures the local control-plane binaries (kube-apiserver and etcd) used by the tests in
# test/kube exist, building them from the Go module proxy when they are missing.
#
#   bash scripts/ensure-envtest.sh        # prints the directory holding kube-apiserver and etcd
#
# The binaries are built from the wrapper modules in test/envtest/{kube-apiserver,etcd}
# (see the comments there) with CGO_ENABLED=0 and -trimpath, and cached outside the repo in
#   ${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/envtest/<k8s-version>/
# keyed by the Kubernetes version; a stamp (versions, build recipe and a hash of the wrapper
# modules) makes a change of the etcd version, of a go.sum or of the flags rebuild them too.
# When the stamp matches this is a no-op (it does not even need Go).
# The first build downloads ~1 GB of modules and compiles kube-apiserver: expect 10-30 minutes
# on a 2-core machine. Needs Go (>= the `go` line of test/envtest/etcd/go.mod); set GO to
# choose the binary. Build output goes to stderr; only the directory is printed on stdout.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo_root/test/envtest"

GO="${GO:-}"
if [[ -z "$GO" ]]; then
  if command -v go >/dev/null 2>&1; then
    GO="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then
    GO=/usr/local/go/bin/go
  else
    echo "ensure-envtest: Go is required to build kube-apiserver and etcd (set GO=/path/to/go)" >&2
    exit 1
  fi
fi

# Versions come from the wrapper modules' go.mod files: they are the single source of truth.
required_version() { # MODULE GO.MOD -> the version GO.MOD requires (single-line or block form)
  awk -v m="$1" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$2"
}
kube_version="$(required_version k8s.io/kubernetes "$src/kube-apiserver/go.mod")"
etcd_version="$(required_version go.etcd.io/etcd/server/v3 "$src/etcd/go.mod")"
if [[ ! "$kube_version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
  echo "ensure-envtest: cannot read the k8s.io/kubernetes version from $src/kube-apiserver/go.mod" >&2
  exit 1
fi
kube_major="${BASH_REMATCH[1]}"
kube_minor="${BASH_REMATCH[2]}"
if [[ -z "$etcd_version" ]]; then
  echo "ensure-envtest: cannot read the etcd version from $src/etcd/go.mod" >&2
  exit 1
fi

cache_root="${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}"
dir="$cache_root/envtest/$kube_version"

# Bump when the way the binaries are built below changes, so that cached builds are redone.
recipe="recipe 1: CGO_ENABLED=0 -trimpath -buildvcs=false -ldflags '-s -w' + component-base/version -X flags"
stamp="kube-apiserver $kube_version, etcd $etcd_version, $recipe, $(cd "$src" && cat kube-apiserver/go.mod kube-apiserver/go.sum kube-apiserver/main.go etcd/go.mod etcd/go.sum etcd/main.go | sha256sum | cut -d' ' -f1)"

up_to_date() {
  [[ -x "$dir/kube-apiserver" && -x "$dir/etcd" && -f "$dir/.stamp" ]] && [[ "$(cat "$dir/.stamp")" == "$stamp" ]]
}

if up_to_date; then
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
# Several Jest workers (or a pretest step and a test) may get here at once: build only once.
exec 9>"$dir/.lock"
flock 9
if up_to_date; then
  echo "$dir"
  exit 0
fi

echo "ensure-envtest: building kube-apiserver $kube_version and etcd $etcd_version into $dir (the first build takes many minutes)" >&2
start=$SECONDS
tmp="$(mktemp -d "$dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

export CGO_ENABLED=0
# No VCS stamping: the wrapper modules sit inside this repo, and the binaries should not
# depend on its state. -mod=readonly: go.mod/go.sum are committed and must not change here.
build_flags=(-trimpath -buildvcs=false -mod=readonly)

# Same -X flags as kubernetes' hack/lib/version.sh, so `kube-apiserver --version` and /version
# report the real release. The source is the published module, which is the tagged tree;
# buildDate is the module's publication time so that the build is reproducible.
build_date="$(cd "$src/kube-apiserver" && "$GO" list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes 2>/dev/null || true)"
build_date="${build_date:-1970-01-01T00:00:00Z}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version"
  ldflags+=" -X $pkg.gitMajor=$kube_major"
  ldflags+=" -X $pkg.gitMinor=$kube_minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
  ldflags+=" -X $pkg.gitCommit="
  ldflags+=" -X $pkg.buildDate=$build_date"
done

(cd "$src/etcd" && "$GO" build "${build_flags[@]}" -ldflags "-s -w" -o "$tmp/etcd" .) >&2
(cd "$src/kube-apiserver" && "$GO" build "${build_flags[@]}" -ldflags "$ldflags" -o "$tmp/kube-apiserver" .) >&2

"$tmp/kube-apiserver" --version >&2
"$tmp/etcd" --version >&2

mv -f "$tmp/etcd" "$dir/etcd"
mv -f "$tmp/kube-apiserver" "$dir/kube-apiserver"
printf '%s' "$stamp" > "$dir/.stamp"
echo "ensure-envtest: built in $((SECONDS - start))s" >&2
echo "$dir"
