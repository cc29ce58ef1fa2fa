#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks run for real (nginx as the Ingress stand-in
# and speed reference, Prometheus and promtool, wrk, Chromium, Jekyll to compare rendering with), but only those missing, so a warm machine
# pays nothing. Needs root on a fresh machine.
set -euo pipefail

declare -A wanted=([nginx]=nginx [prometheus]=prometheus [promtool]=prometheus [wrk]=wrk [chromium]=chromium [jekyll]=jekyll)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${wanted[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-packages: missing ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# The packages start their services; the tests start their own on loopback instead.
for service in nginx prometheus; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$service" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
done
