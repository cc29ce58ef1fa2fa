# shellcheck shell=bash
# Sourced by the container scripts (and usable by hand: `source test/container/podman-env.sh`).
#
# Sets up buildah/podman for this machine without touching the system's own
# configuration: everything lives in a cache directory outside the repository,
#   ${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/container
# with our own containers.conf, storage.conf and registries.conf, selected through
# CONTAINERS_CONF / CONTAINERS_STORAGE_CONF / CONTAINERS_REGISTRIES_CONF.
#
# Known settings for these machines:
#   - runtime runc: crun 1.8 fails on this kernel's cgroup layout;
#   - default_ulimits nofile/nproc 16384: the containers' defaults exceed the hard
#     limits here and runc then refuses to start the container;
#   - cgroupfs and file event logging: there is no systemd.

KB_CT_CACHE="${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/container"
export KB_CT_CACHE

kb_log() { printf '[container %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
kb_die() { kb_log "ERROR: $*"; exit 1; }

# Installs the Debian packages the container tests need, only when missing.
kb_ensure_tools() {
  local missing=() cmd pkg
  for pkg in buildah:buildah podman:podman runc:runc debootstrap:debootstrap curl:curl flock:util-linux tar:tar; do
    cmd="${pkg%%:*}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg#*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || kb_die "missing ${missing[*]} and not root: install them with apt-get"
  kb_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # An old or empty package list makes the install fail: refresh once and retry.
  if ! timeout 600 apt-get install -y "${missing[@]}" >"$KB_CT_CACHE/apt-install.log" 2>&1; then
    timeout 600 apt-get update >"$KB_CT_CACHE/apt-update.log" 2>&1 \
      || { tail -n 40 "$KB_CT_CACHE/apt-update.log" >&2; kb_die "apt-get update failed"; }
    timeout 900 apt-get install -y "${missing[@]}" >"$KB_CT_CACHE/apt-install.log" 2>&1 \
      || { tail -n 40 "$KB_CT_CACHE/apt-install.log" >&2; kb_die "apt-get install ${missing[*]} failed"; }
  fi
}

# Writes our own container configuration and points podman/buildah at it.
kb_write_config() {
  local etc="$KB_CT_CACHE/etc" run="$KB_CT_CACHE/run" boot_id
  mkdir -p "$etc" "$KB_CT_CACHE/storage" "$run" "$KB_CT_CACHE/tmp"
  # Volatile state (runroot, libpod tmp_dir) belongs on a tmpfs that a reboot
  # clears; /run is not a tmpfs on these machines, so clear it ourselves after a
  # reboot (podman then refreshes its state instead of trusting stale mounts).
  boot_id="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)"
  if [ "$(cat "$run/.boot_id" 2>/dev/null)" != "$boot_id" ]; then
    rm -rf "${run:?}/storage" "${run:?}/libpod"
    printf '%s\n' "$boot_id" >"$run/.boot_id"
  fi

  cat >"$etc/containers.conf.new" <<EOF
# Written by test/container/podman-env.sh; rewritten on every run.
[containers]
default_ulimits = [
  "nofile=16384:16384",
  "nproc=16384:16384",
]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$run/libpod"
image_copy_tmp_dir = "$KB_CT_CACHE/tmp"
EOF
  mv "$etc/containers.conf.new" "$etc/containers.conf"

  cat >"$etc/storage.conf.new" <<EOF
# Written by test/container/podman-env.sh; rewritten on every run.
[storage]
driver = "overlay"
graphroot = "$KB_CT_CACHE/storage"
runroot = "$run/storage"
EOF
  mv "$etc/storage.conf.new" "$etc/storage.conf"

  # No registry is reachable here: short names resolve to Docker Hub's names (as
  # Docker does), and images must already be in local storage.
  cat >"$etc/registries.conf.new" <<'EOF'
# Written by test/container/podman-env.sh; rewritten on every run.
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
EOF
  mv "$etc/registries.conf.new" "$etc/registries.conf"

  export CONTAINERS_CONF="$etc/containers.conf"
  export CONTAINERS_STORAGE_CONF="$etc/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$etc/registries.conf"
  export BUILDAH_ISOLATION=chroot
}

mkdir -p "$KB_CT_CACHE"
kb_write_config
