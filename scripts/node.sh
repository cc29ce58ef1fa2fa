#!/usr/bin/env bash
# Runs Node.js for the project's npm scripts, so that they run the Node the container image ships and not
# whatever Node this machine has. One version is pinned, in the Dockerfile's `FROM node:<x.y.z>-...`
# lines; scripts/ensure-image-node.sh fetches that exact build from the npm registry once (~50 MB) into
# ~/.cache/kubeblog/node (KUBEBLOG_CACHE).
#
#   bash scripts/node.sh [node options] script.js [args]           # npm start, npm run dev
#   bash scripts/node.sh --image [node options] script.js [args]   # npm test, npm run bench
#
# Without --image: this machine's `node` when its major is at least the pinned one's (any Node 24 or
# newer runs kubeblog), else the pinned build, with one line on stderr saying so.
# With --image: always the pinned build, so the tests test and the bench measures what pods run.
# KUBEBLOG_NODE=/path/to/node runs that one instead, whatever its version (to compare Nodes).
#
# It execs Node: signals reach it directly, and its children see process.execPath as that Node.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -n "${KUBEBLOG_NODE:-}" ]]; then exec "$KUBEBLOG_NODE" "$@"; fi

image=false
if [[ "${1:-}" == --image ]]; then
  image=true
  shift
fi

pinned="$(bash "$repo_root/scripts/ensure-image-node.sh" --version)"
if ! $image; then
  machine="$(node --version 2>/dev/null || true)"
  machine="${machine#v}"
  if [[ "$machine" =~ ^[0-9]+\. ]] && ((${machine%%.*} >= ${pinned%%.*})); then exec node "$@"; fi
fi

pinned_node="$(bash "$repo_root/scripts/ensure-image-node.sh")"
if ! $image; then
  has="no node"
  [[ -n "$machine" ]] && has="Node $machine"
  printf 'kubeblog: this machine has %s, kubeblog needs Node %s or newer: running Node %s from %s\n' \
    "$has" "${pinned%%.*}" "$pinned" "$pinned_node" >&2
fi
exec "$pinned_node" "$@"
