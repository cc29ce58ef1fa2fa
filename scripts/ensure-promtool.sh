#!/usr/bin/env bash
# Idempotently provides promtool (Prometheus' rule checker and rule unit-test runner) for the deploy tests.
# promtool comes from Debian's `prometheus` package; when it is not on PATH this installs that package with
# apt-get (as root; `apt-get update` first when the package lists are missing or stale).
#
# Prints one shell assignment on stdout (progress goes to stderr):
#   KUBEBLOG_PROMTOOL='/usr/bin/promtool'
# so a caller can do: eval "$(scripts/ensure-promtool.sh)"
set -euo pipefail

log() { printf 'ensure-promtool: %s\n' "$*" >&2; }

find_promtool() {
  if [[ -n "${KUBEBLOG_PROMTOOL:-}" && -x "${KUBEBLOG_PROMTOOL}" ]]; then
    printf '%s\n' "$KUBEBLOG_PROMTOOL"
  else
    command -v promtool 2>/dev/null || true
  fi
}

promtool_path="$(find_promtool)"
if [[ -z "$promtool_path" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    log "promtool is missing; install Debian's 'prometheus' package (apt-get install -y prometheus) as root"
    exit 1
  fi
  command -v flock >/dev/null 2>&1 || { log "missing required command: flock"; exit 1; }
  # Test workers may start at once: only one runs apt-get, the others wait for it.
  exec 9>/tmp/kubeblog-ensure-promtool.lock
  flock 9
  promtool_path="$(find_promtool)"
  if [[ -z "$promtool_path" ]]; then
    export DEBIAN_FRONTEND=noninteractive
    log "installing Debian package 'prometheus' for promtool ..."
    if ! apt-get install -y --no-install-recommends prometheus >/tmp/kubeblog-apt-prometheus.log 2>&1; then
      log "first attempt failed; running apt-get update and retrying"
      apt-get update >>/tmp/kubeblog-apt-prometheus.log 2>&1 || true
      apt-get install -y --no-install-recommends prometheus >>/tmp/kubeblog-apt-prometheus.log 2>&1 || {
        tail -n 30 /tmp/kubeblog-apt-prometheus.log >&2
        log "apt-get install prometheus failed"
        exit 1
      }
    fi
    promtool_path="$(find_promtool)"
    [[ -n "$promtool_path" ]] || { log "prometheus installed but promtool not found"; exit 1; }
    log "$("$promtool_path" --version 2>&1 | head -n1)"
  fi
  flock -u 9
fi
printf "KUBEBLOG_PROMTOOL='%s'\n" "$promtool_path"
printf 'export KUBEBLOG_PROMTOOL\n'
