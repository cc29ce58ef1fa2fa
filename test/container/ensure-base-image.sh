#!/usr/bin/env bash
# Makes sure every base image named in a Dockerfile's FROM lines is in local
# container storage (see podman-env.sh for where that is).
#
#   test/container/ensure-base-image.sh [path/to/Dockerfile]
#
# These machines reach no container registry, so when a base image is missing a
# local stand-in is made under the exact name the FROM uses:
#   - a `debootstrap --variant=minbase bookworm` root (from the Debian mirror this
#     machine's apt uses, through apt's proxy if it has one), trimmed like a slim image;
#   - the official Linux build of the Node version the FROM names, from the npm
#     registry (scripts/ensure-image-node.sh), at /usr/local/bin/node (plus any
#     shared library the root lacks); this machine's npm (and corepack) under
#     /usr/local/lib/node_modules, and a docker-entrypoint.sh, laid out as in the
#     official node image;
#   - the `node` user and group with uid/gid 1000;
#   - this machine's CA bundle and extra CA certificates, with a global npmrc
#     (/usr/local/etc/npmrc: cafile=...) so that `npm ci` in a RUN step trusts the
#     TLS-intercepting egress proxy; nothing is added to the image's ENV, so the
#     Dockerfile behaves as it does on the real base image;
# then `podman import`ed with the official image's ENTRYPOINT/CMD/ENV.
# The root file system is cached as a tarball keyed by the Node/npm versions and
# the CA certificates, and the image carries that key in a label: later runs reuse
# it (import from the tarball when storage was wiped). A real image of that name
# (without our label) is always used as is.
#
# So the image test runs the image's Node (24), as the rest of the suite does (scripts/node.sh
# --image), whatever Node this machine has.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=test/container/podman-env.sh
source "$HERE/podman-env.sh"

DOCKERFILE="${1:-$REPO/Dockerfile}"
[ -f "$DOCKERFILE" ] || kb_die "no Dockerfile at $DOCKERFILE"
[ "$(id -u)" -eq 0 ] || kb_die "needs root: buildah, podman and debootstrap run as root here"
kb_ensure_tools

STANDIN_FORMAT=1
STANDIN_DIR="$KB_CT_CACHE/standin"
mkdir -p "$STANDIN_DIR"
WORK_ROOTFS=""

cleanup_rootfs() {
  [ -n "$WORK_ROOTFS" ] && [ -d "$WORK_ROOTFS" ] || return 0
  # debootstrap mounts /proc and /sys in the target; never rm -rf through a mount.
  local m
  for m in $(awk -v r="$WORK_ROOTFS" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if awk -v r="$WORK_ROOTFS" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    kb_log "WARNING: $WORK_ROOTFS still has mounts; leaving it in place"
  else
    rm -rf "$WORK_ROOTFS"
  fi
}
trap cleanup_rootfs EXIT

# Base images of the Dockerfile: FROM arguments that are not earlier stage names.
dockerfile_bases() {
  awk '
    toupper($1) == "FROM" {
      img = ""; stage = ""
      for (i = 2; i <= NF; i++) { if ($i ~ /^--/) continue; img = $i; break }
      for (i = 2; i < NF; i++) if (toupper($i) == "AS") stage = tolower($(i + 1))
      if (!(tolower(img) in stages) && tolower(img) != "scratch") print img
      if (stage != "") stages[stage] = 1
    }' "$1" | sort -u
}

# Docker's reference normalisation: node:24 -> docker.io/library/node:24.
normalize_ref() {
  local ref="$1" first="${1%%/*}"
  if [ "$first" = "$ref" ]; then
    echo "docker.io/library/$ref"
  elif [[ "$first" == *.* || "$first" == *:* || "$first" == localhost ]]; then
    echo "$ref"
  else
    echo "docker.io/$ref"
  fi
}

# The Debian mirror this machine's apt uses for bookworm (DEBIAN_MIRROR overrides).
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local f m
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    m="$(awk '$1 == "deb" {
             i = 2
             if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
             if ($(i + 1) == "bookworm") { print $i; exit }
           }' "$f")"
    if [ -n "$m" ]; then echo "$m"; return; fi
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    m="$(awk 'BEGIN { RS = "" }
             {
               types = ""; suites = ""; uris = ""
               n = split($0, lines, "\n")
               for (j = 1; j <= n; j++) {
                 line = lines[j]
                 if (line ~ /^Types:/)  types  = " " substr(line, 7)  " "
                 if (line ~ /^Suites:/) suites = " " substr(line, 8) " "
                 if (line ~ /^URIs:/)   uris   = substr(line, 6)
               }
               gsub(/\t/, " ", types); gsub(/\t/, " ", suites)
               if (types ~ / deb / && suites ~ / bookworm / && uris != "") {
                 split(uris, u, " "); for (k in u) if (u[k] != "") { print u[k]; exit }
               }
             }' "$f")"
    if [ -n "$m" ]; then echo "$m"; return; fi
  done
  echo "http://deb.debian.org/debian"
}

# CA certificates that node/npm on this machine trust, as one PEM bundle.
write_ca_bundle() {
  local out="$1" f cafile
  : >"$out"
  cafile="$(npm config get cafile 2>/dev/null || true)"
  for f in "$cafile" "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$f" ] && [ "$f" != "null" ] && [ "$f" != "undefined" ] && [ -s "$f" ]; then
      cat "$f" >>"$out"; printf '\n' >>"$out"
      break
    fi
  done
  # The machine's extra CAs (the egress proxy's), in case the bundle lacks them.
  while IFS= read -r -d '' f; do
    cat "$f" >>"$out"; printf '\n' >>"$out"
  done < <(find /usr/local/share/ca-certificates -type f -name '*.crt' -print0 2>/dev/null | sort -z)
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
    cat "$NODE_EXTRA_CA_CERTS" >>"$out"; printf '\n' >>"$out"
  fi
}

NODE_BIN="$(bash "$REPO/scripts/ensure-image-node.sh" "$DOCKERFILE")" || kb_die "cannot get the Node version $DOCKERFILE names"
NPM_DIR="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)" || kb_die "no npm on this machine"
[ "$(node -p "require('$NPM_DIR/package.json').name" 2>/dev/null)" = npm ] || kb_die "cannot find npm's package directory (got $NPM_DIR)"
NODE_VERSION="$("$NODE_BIN" --version)"
NPM_VERSION="$(node -p "require('$NPM_DIR/package.json').version")"
MIRROR="$(debian_mirror)"
CA_BUNDLE="$STANDIN_DIR/ca-bundle.pem"
write_ca_bundle "$CA_BUNDLE.new" && mv "$CA_BUNDLE.new" "$CA_BUNDLE"
KEY="$(printf '%s\n' "format=$STANDIN_FORMAT" "node=$NODE_VERSION" "npm=$NPM_VERSION" "mirror=$MIRROR" \
        "ca=$(sha256sum <"$CA_BUNDLE" | cut -c1-64)" | sha256sum | cut -c1-16)"

build_rootfs_tar() {
  local tar="$1" R apt_proxy="" lib
  WORK_ROOTFS="$STANDIN_DIR/rootfs.$$"
  R="$WORK_ROOTFS"
  rm -rf "$R"; mkdir -p "$R"
  eval "$(apt-config shell apt_proxy Acquire::http::Proxy 2>/dev/null || true)"
  if [ -n "$apt_proxy" ] && [ -z "${http_proxy:-}" ]; then export http_proxy="$apt_proxy"; fi
  kb_log "debootstrap --variant=minbase bookworm from $MIRROR${http_proxy:+ (proxy $http_proxy)}"
  mkdir -p "$STANDIN_DIR/debs"   # downloaded packages, kept for the next stand-in
  if ! timeout 900 debootstrap --variant=minbase --cache-dir="$STANDIN_DIR/debs" bookworm "$R" "$MIRROR" \
       >"$STANDIN_DIR/debootstrap.log" 2>&1; then
    tail -n 30 "$STANDIN_DIR/debootstrap.log" >&2
    [ -f "$R/debootstrap/debootstrap.log" ] && tail -n 30 "$R/debootstrap/debootstrap.log" >&2
    kb_die "debootstrap failed (log: $STANDIN_DIR/debootstrap.log)"
  fi

  # Slim it down the way the slim images are.
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
         "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/var/log/*.log
  find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  : >"$R/etc/resolv.conf"; : >"$R/etc/hostname"

  # Node, npm and corepack, where the official image has them.
  install -D -m 0755 "$NODE_BIN" "$R/usr/local/bin/node"
  for lib in $(ldd "$NODE_BIN" | grep -o '/[^ ]*'); do
    if [ ! -e "$R$lib" ]; then
      kb_log "adding shared library $lib"
      mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
    fi
  done
  mkdir -p "$R/usr/local/lib/node_modules" "$R/usr/local/etc"
  cp -a "$NPM_DIR" "$R/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  if [ -d "$(dirname "$NPM_DIR")/corepack" ]; then
    cp -a "$(dirname "$NPM_DIR")/corepack" "$R/usr/local/lib/node_modules/corepack"
    ln -sf ../lib/node_modules/corepack/dist/corepack.js "$R/usr/local/bin/corepack"
  fi
  cat >"$R/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# As in the official node image: run the command with node if the first argument
# is an option or not a command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$R/usr/local/bin/docker-entrypoint.sh"
  chroot "$R" /usr/local/bin/node --version >/dev/null || kb_die "node does not run inside the stand-in root"

  # The official image's non-root user.
  chroot "$R" /usr/sbin/groupadd --gid 1000 node
  chroot "$R" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Trust what this machine trusts (its egress proxy's CA) for npm in RUN steps.
  mkdir -p "$R/usr/local/share/ca-certificates" "$R/etc/ssl/certs"
  find /usr/local/share/ca-certificates -type f -name '*.crt' -exec cp {} "$R/usr/local/share/ca-certificates/" \; 2>/dev/null || true
  cp "$CA_BUNDLE" "$R/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' '# kubeblog stand-in base image: trust the CAs of the machine that built it.' \
    'cafile=/etc/ssl/certs/ca-certificates.crt' 'update-notifier=false' 'fund=false' >"$R/usr/local/etc/npmrc"

  rm -rf "$R/debootstrap" "$R"/tmp/* "$R"/root/.npm
  tar --numeric-owner --one-file-system -C "$R" -cf "$tar.new" .
  mv "$tar.new" "$tar"
  cleanup_rootfs
  WORK_ROOTFS=""
}

ensure_base() {
  local from="$1" name label tar t0
  name="$(normalize_ref "$from")"
  label="$(podman image inspect --format '{{ index .Labels "dev.kubeblog.standin-key" }}' "$name" 2>/dev/null || echo MISSING)"
  case "$label" in
    "$KEY") kb_log "base image $from: stand-in $KEY already in local storage"; echo "cached" >"$STANDIN_DIR/last-status"; return 0 ;;
    MISSING) ;;
    ""|"<no value>") kb_log "base image $from: a real image is in local storage, using it"; echo "real" >"$STANDIN_DIR/last-status"; return 0 ;;
    *) kb_log "base image $from: stale stand-in ($label), replacing it"; podman rmi --force "$name" >/dev/null 2>&1 || true ;;
  esac

  t0=$SECONDS
  tar="$STANDIN_DIR/rootfs-$KEY.tar"
  if [ -s "$tar" ]; then
    echo "imported" >"$STANDIN_DIR/last-status"
  else
    kb_log "building a stand-in for $from (Node $NODE_VERSION, npm $NPM_VERSION from this machine)"
    find "$STANDIN_DIR" -maxdepth 1 -name 'rootfs-*.tar' -delete
    build_rootfs_tar "$tar"
    echo "built" >"$STANDIN_DIR/last-status"
  fi
  kb_log "podman import $tar as $name"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    --change "LABEL dev.kubeblog.standin-key=$KEY" \
    --change "LABEL dev.kubeblog.standin=\"local stand-in for $from: debootstrap bookworm minbase + Node $NODE_VERSION\"" \
    --message "kubeblog stand-in for $from" \
    "$tar" "$name" >/dev/null
  podman image exists "$name" || kb_die "import of $name failed"
  kb_log "base image $from ready in $((SECONDS - t0))s"
}

mapfile -t BASES < <(dockerfile_bases "$DOCKERFILE")
[ "${#BASES[@]}" -gt 0 ] || kb_die "no FROM image in $DOCKERFILE"
for base in "${BASES[@]}"; do
  [[ "$base" == *'$'* ]] && kb_die "FROM $base uses a build argument; name the base image literally"
  ensure_base "$base"
done
