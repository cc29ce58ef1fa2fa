#!/usr/bin/env bash
# Builds the repository's Dockerfile, unchanged, with buildah and runs the image
# with podman the way a hardened Kubernetes pod would run it, then checks what an
# operator would notice:
#   - the image: numeric non-root USER, exec-form ENTRYPOINT starting node, OCI
#     labels (version, revision, source), production dependencies only, size;
#   - `podman run --read-only --cap-drop=ALL --security-opt no-new-privileges` on
#     loopback ports: /readyz (metrics port) answers 200, the seed post answers 200
#     with its title, /version (metrics port) carries the git revision, /metrics has build info,
#     PID 1 is node running as uid/gid 1000 with no capabilities, the root file
#     system is read-only and /tmp writable, logs are JSON lines;
#   - `podman stop --time 30` (SIGTERM to node as PID 1, no --init): /readyz turns
#     503 at once while pages are still served for SHUTDOWN_DELAY_SECONDS, then the
#     process exits 0, well before podman's kill timeout.
# The last line of output is `KUBEBLOG_CONTAINER_SUMMARY {json}` (also written to
# $KB_CT_SUMMARY_FILE when set); the exit code is 0 only if every check passed.
#
# Needs root. Installs buildah/podman/runc/debootstrap when missing; the base image
# stand-in, the container storage and the build layer cache live under
# ${KUBEBLOG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeblog}/container.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=test/container/podman-env.sh
source "$HERE/podman-env.sh"

T_START=$SECONDS
IMAGE="${KB_CT_IMAGE:-localhost/kubeblog:container-test}"
CT="kubeblog-ct-$$"
SHUTDOWN_DELAY=2
STOP_TIMEOUT=30
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kubeblog-ct.XXXXXX")"
CHECKS="$WORK/checks.tsv"
: >"$CHECKS"
FAILED=0

declare -A S=(
  [standin]="" [standin_seconds]="" [build_seconds]="" [image_size_bytes]="" [image_size]=""
  [readyz_status]="" [post_status]="" [post_title]="" [version_revision]="" [node_version]="" [uid]="" [gid]=""
  [cap_eff]="" [no_new_privs]="" [pid1_cmdline]="" [readyz_during_shutdown]="" [post_during_shutdown]=""
  [stop_seconds]="" [exit_code]="" [log_lines]="" [log_non_json_lines]=""
)

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if podman container exists "$CT" 2>/dev/null; then
    podman rm --force --time 0 "$CT" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() { # name ok(true|false) detail
  local detail="${3//[$'\t\n']/ }"
  printf '%s\t%s\t%s\n' "$1" "$2" "$detail" >>"$CHECKS"
  if [ "$2" = true ]; then kb_log "ok   $1: $detail"; else kb_log "FAIL $1: $detail"; FAILED=1; fi
}

summary() {
  local f="$WORK/summary-fields"
  : >"$f"
  for k in "${!S[@]}"; do printf '%s\t%s\n' "$k" "${S[$k]//[$'\t\n']/ }" >>"$f"; done
  node -e '
    const fs = require("fs");
    const [fieldsFile, checksFile, ok, total, image, revision] = process.argv.slice(1);
    const out = { ok: ok === "0", image, revision, total_seconds: Number(total) };
    const num = new Set(["standin_seconds","build_seconds","image_size_bytes","readyz_status","post_status",
      "uid","gid","no_new_privs","readyz_during_shutdown","post_during_shutdown","stop_seconds","exit_code",
      "log_lines","log_non_json_lines"]);
    for (const line of fs.readFileSync(fieldsFile, "utf8").split("\n")) {
      if (!line) continue;
      const i = line.indexOf("\t"); const k = line.slice(0, i); const v = line.slice(i + 1);
      out[k] = v === "" ? null : num.has(k) && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    out.checks = fs.readFileSync(checksFile, "utf8").split("\n").filter(Boolean).map((l) => {
      const [name, passed, detail] = l.split("\t"); return { name, ok: passed === "true", detail };
    });
    const json = JSON.stringify(out);
    if (process.env.KB_CT_SUMMARY_FILE) fs.writeFileSync(process.env.KB_CT_SUMMARY_FILE, json + "\n");
    console.log("KUBEBLOG_CONTAINER_SUMMARY " + json);
  ' "$f" "$CHECKS" "$FAILED" "$((SECONDS - T_START))" "$IMAGE" "${REVISION:-}"
}

finish() { summary; exit "$FAILED"; }

http_status() { # url [outfile] -> status code, 000 when there is no answer
  curl -s -o "${2:-/dev/null}" -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

[ "$(id -u)" -eq 0 ] || { check root false "must run as root (buildah/podman/debootstrap)"; finish; }

# One run at a time per cache (package installs, storage, stand-in).
exec 9>"$KB_CT_CACHE/lock"
flock -w 1800 9 || { check lock false "another container test held $KB_CT_CACHE/lock for 30 min"; finish; }
kb_ensure_tools

# Leftovers of interrupted runs in our own storage.
podman ps -a --filter label=dev.kubeblog.test=container --format '{{.ID}}' 2>/dev/null \
  | xargs -r podman rm --force --time 0 >/dev/null 2>&1 || true
buildah rm --all >/dev/null 2>&1 || true
# Every new revision leaves the previous image untagged: keep the storage bounded.
storage_mb() { du -sm "$KB_CT_CACHE/storage" 2>/dev/null | cut -f1; }
if [ "$(storage_mb)" -gt 6144 ] 2>/dev/null; then
  kb_log "container storage above 6 GiB: pruning untagged images"
  podman image prune --force >/dev/null 2>&1 || true
  if [ "$(storage_mb)" -gt 6144 ] 2>/dev/null; then
    kb_log "still above 6 GiB: pruning every unused image (the base image is re-imported from its cached tarball)"
    podman image prune --all --force >/dev/null 2>&1 || true
  fi
fi

REVISION="${GIT_REVISION:-$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)}"
VERSION="$(node -p "require('$REPO/package.json').version")"

############################ base image ############################
t0=$SECONDS
if bash "$HERE/ensure-base-image.sh" "$REPO/Dockerfile" 2>"$WORK/standin.log"; then
  S[standin]="$(cat "$KB_CT_CACHE/standin/last-status" 2>/dev/null || echo unknown)"
  S[standin_seconds]=$((SECONDS - t0))
  cat "$WORK/standin.log" >&2
  check base_image true "$(grep -m1 '^FROM' "$REPO/Dockerfile" | awk '{print $2}') ${S[standin]} in ${S[standin_seconds]}s"
else
  cat "$WORK/standin.log" >&2
  check base_image false "could not provide the base image (see above)"
  finish
fi

############################ build ############################
kb_log "buildah bud $REPO/Dockerfile -> $IMAGE (revision $REVISION)"
t0=$SECONDS
if timeout 1500 buildah bud --layers --pull=never --isolation chroot --network host \
     --build-arg "GIT_REVISION=$REVISION" --build-arg "VERSION=$VERSION" \
     --file "$REPO/Dockerfile" --tag "$IMAGE" "$REPO" >"$WORK/build.log" 2>&1; then
  S[build_seconds]=$((SECONDS - t0))
  cp "$WORK/build.log" "$KB_CT_CACHE/last-build.log"
  grep -E '^(STEP|COMMIT|--> Using cache)' "$WORK/build.log" | sed 's/^/  /' >&2
  check build true "buildah bud in ${S[build_seconds]}s"
else
  S[build_seconds]=$((SECONDS - t0))
  cp "$WORK/build.log" "$KB_CT_CACHE/last-build.log"
  grep -m 25 -E '^(npm error|error|Error)' "$WORK/build.log" >&2 || true
  echo '  ...' >&2
  tail -n 40 "$WORK/build.log" >&2
  check build false "buildah bud failed after ${S[build_seconds]}s (last lines above)"
  finish
fi

############################ image ############################
podman image inspect "$IMAGE" >"$WORK/image.json"
node -e '
  const img = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0];
  const c = img.Config || {};
  const l = c.Labels || {};
  const out = {
    size: img.Size, user: c.User || "", workdir: c.WorkingDir || "",
    entrypoint: JSON.stringify(c.Entrypoint || null), cmd: JSON.stringify(c.Cmd || []),
    ports: Object.keys(c.ExposedPorts || {}).sort().join(","),
    env_node_env: (c.Env || []).find((e) => e.startsWith("NODE_ENV=")) || "",
    label_version: l["org.opencontainers.image.version"] || "", label_revision: l["org.opencontainers.image.revision"] || "",
    label_source: l["org.opencontainers.image.source"] || "", label_title: l["org.opencontainers.image.title"] || "",
    label_licenses: l["org.opencontainers.image.licenses"] || "",
  };
  for (const [k, v] of Object.entries(out)) console.log(k + "\t" + v);
' "$WORK/image.json" >"$WORK/image.tsv"
img() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$WORK/image.tsv"; }
S[image_size_bytes]="$(img size)"
S[image_size]="$(numfmt --to=iec-i --suffix=B "${S[image_size_bytes]}" 2>/dev/null || echo "${S[image_size_bytes]}B")"
kb_log "image $IMAGE: ${S[image_size]} (${S[image_size_bytes]} bytes)"
[[ "$(img user)" =~ ^[1-9][0-9]*(:[1-9][0-9]*)?$ ]] && ok=true || ok=false
check image_user "$ok" "USER '$(img user)' (numeric, non-root)"
[ "$(img entrypoint)$(img cmd)" = '["node","dist/src/main.js"][]' ] || [ "$(img entrypoint)$(img cmd)" = 'null["node","dist/src/main.js"]' ] && ok=true || ok=false
check image_entrypoint "$ok" "ENTRYPOINT $(img entrypoint) CMD $(img cmd)"
[ "$(img workdir)" = /app ] && ok=true || ok=false; check image_workdir "$ok" "WORKDIR $(img workdir)"
[ "$(img ports)" = "8080/tcp,9464/tcp" ] && ok=true || ok=false; check image_ports "$ok" "EXPOSE $(img ports)"
[ "$(img env_node_env)" = NODE_ENV=production ] && ok=true || ok=false; check image_node_env "$ok" "$(img env_node_env)"
[ "$(img label_revision)" = "$REVISION" ] && [ "$(img label_version)" = "$VERSION" ] && [ -n "$(img label_source)" ] \
  && [ -n "$(img label_title)" ] && [ -n "$(img label_licenses)" ] && ok=true || ok=false
check image_labels "$ok" "version=$(img label_version) revision=$(img label_revision) source=$(img label_source) licenses=$(img label_licenses)"

# What is inside: production dependencies only, compiled code, posts, build info.
podman run --rm --read-only --cap-drop=ALL --security-opt no-new-privileges --network none \
  --entrypoint node "$IMAGE" -e '
    const fs = require("fs");
    const has = (p) => fs.existsSync(p);
    const info = has("dist/build-info.json") ? JSON.parse(fs.readFileSync("dist/build-info.json", "utf8")) : {};
    console.log(JSON.stringify({
      cwd: process.cwd(), main: has("dist/src/main.js"), express: has("node_modules/express/package.json"),
      dev: ["typescript", "jest", "@jest/globals", "supertest", "pino-pretty", "@types/express"].filter((d) => has("node_modules/" + d)),
      sources: has("src") || has("test") || has(".git") || has("tsconfig.json"),
      posts: has("posts") ? fs.readdirSync("posts").filter((f) => f.endsWith(".md")).length : 0,
      build_info: info,
    }));' >"$WORK/contents.json" 2>"$WORK/contents.err"
node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const ok = c.main && c.express && c.dev.length === 0 && !c.sources && c.posts > 0 && c.build_info.revision === process.argv[2];
  console.log((ok ? "true" : "false") + "\t" + JSON.stringify(c));
' "$WORK/contents.json" "$REVISION" >"$WORK/contents.tsv" 2>>"$WORK/contents.err" \
  || printf 'false\t%s\n' "$(head -c 500 "$WORK/contents.err")" >"$WORK/contents.tsv"
check image_contents "$(cut -f1 "$WORK/contents.tsv")" "$(cut -f2 "$WORK/contents.tsv")"

############################ run ############################
read -r HTTP_PORT METRICS_PORT < <(node -e '
  const net = require("net"); const ports = [];
  for (let i = 0; i < 2; i++) {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); if (ports.length === 2) { console.log(ports.join(" ")); process.exit(0); } });
  }')
kb_log "podman run $IMAGE on 127.0.0.1:$HTTP_PORT (http) and 127.0.0.1:$METRICS_PORT (metrics)"
if ! podman run -d --name "$CT" --label dev.kubeblog.test=container \
     --read-only --cap-drop=ALL --security-opt no-new-privileges \
     -p "127.0.0.1:$HTTP_PORT:8080" -p "127.0.0.1:$METRICS_PORT:9464" \
     -e "SHUTDOWN_DELAY_SECONDS=$SHUTDOWN_DELAY" \
     "$IMAGE" >"$WORK/run.out" 2>&1; then
  cat "$WORK/run.out" >&2
  check run false "podman run failed: $(tail -n 3 "$WORK/run.out")"
  finish
fi

BASE="http://127.0.0.1:$HTTP_PORT"
MBASE="http://127.0.0.1:$METRICS_PORT"
t0=$(now); status=000
for _ in $(seq 1 120); do   # at most ~60 s
  status="$(http_status "$MBASE/readyz" "$WORK/readyz.json")"
  [ "$status" = 200 ] && break
  [ "$(podman inspect --format '{{.State.Running}}' "$CT" 2>/dev/null)" = true ] || break
  sleep 0.5
done
S[readyz_status]="$status"
[ "$status" = 200 ] && ok=true || ok=false
check readyz "$ok" "GET /readyz on the metrics port: $status after $(elapsed "$t0" "$(now)")s $(head -c 200 "$WORK/readyz.json" 2>/dev/null)"
if [ "$ok" != true ]; then
  podman logs "$CT" 2>&1 | tail -n 40 >&2
  finish
fi

S[post_status]="$(http_status "$BASE/posts/kubecon-was-nice" "$WORK/post.html")"
S[post_title]="$(grep -o '<title>[^<]*</title>' "$WORK/post.html" | head -n1 | sed 's/<[^>]*>//g')"
[ "${S[post_status]}" = 200 ] && grep -qF 'KubeCon was nice!' "$WORK/post.html" && ok=true || ok=false
check post "$ok" "GET /posts/kubecon-was-nice: ${S[post_status]}, title '${S[post_title]}'"

status="$(http_status "$MBASE/version" "$WORK/version.json")"
S[version_revision]="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).revision' "$WORK/version.json" 2>/dev/null || true)"
version_version="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$WORK/version.json" 2>/dev/null || true)"
[ "$status" = 200 ] && [ "${S[version_revision]}" = "$REVISION" ] && [ "$version_version" = "$VERSION" ] && ok=true || ok=false
check version "$ok" "GET /version: $status $(head -c 300 "$WORK/version.json" 2>/dev/null)"
# The Node the container runs is the one its Dockerfile names (the stand-in base image included).
S[node_version]="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).nodejs' "$WORK/version.json" 2>/dev/null || true)"
named_node="$("$(bash "$REPO/scripts/ensure-image-node.sh" "$REPO/Dockerfile")" --version 2>/dev/null || true)"
[ -n "$named_node" ] && [ "${S[node_version]}" = "$named_node" ] && ok=true || ok=false
check node_version "$ok" "the container runs Node ${S[node_version]}; the Dockerfile names ${named_node:-no exact version}"

status="$(http_status "$MBASE/metrics" "$WORK/metrics.txt")"
build_info="$(grep -E '^[a-z_]*build_info\{' "$WORK/metrics.txt" 2>/dev/null | head -n1)"
[ "$status" = 200 ] && [[ "$build_info" == *"$REVISION"* ]] && ok=true || ok=false
check metrics_build_info "$ok" "GET /metrics: $status ${build_info:-no *build_info series}"

PID="$(podman inspect --format '{{.State.Pid}}' "$CT")"
if [ -n "$PID" ] && [ -r "/proc/$PID/status" ]; then
  S[uid]="$(awk '/^Uid:/ { print $2 }' "/proc/$PID/status")"
  S[gid]="$(awk '/^Gid:/ { print $2 }' "/proc/$PID/status")"
  uids="$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PID/status")"
  S[cap_eff]="$(awk '/^CapEff:/ { print $2 }' "/proc/$PID/status")"
  cap_bnd="$(awk '/^CapBnd:/ { print $2 }' "/proc/$PID/status")"
  S[no_new_privs]="$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$PID/status")"
  S[pid1_cmdline]="$(tr '\0' ' ' <"/proc/$PID/cmdline" | sed 's/ $//')"
fi
[ "${uids:-}" = "1000 1000 1000 1000" ] && [ "${S[gid]}" = 1000 ] && ok=true || ok=false
check process_user "$ok" "PID 1 uid (real/effective/saved/fs) ${uids:-?}, gid ${S[gid]}; podman top user/group: $(podman top "$CT" user group 2>/dev/null | tail -n +2 | tr -s ' ' | head -n1)"
[ "${S[cap_eff]}" = 0000000000000000 ] && [ "${cap_bnd:-}" = 0000000000000000 ] && [ "${S[no_new_privs]}" = 1 ] && ok=true || ok=false
check process_privileges "$ok" "CapEff ${S[cap_eff]} CapBnd ${cap_bnd:-?} NoNewPrivs ${S[no_new_privs]}"
[ "${S[pid1_cmdline]}" = "node dist/src/main.js" ] && ok=true || ok=false
check process_pid1 "$ok" "PID 1 is '${S[pid1_cmdline]}' (node itself, no shell or npm in between)"

root_write="$(podman exec "$CT" sh -c 'touch /app/.probe 2>/dev/null && echo writable || echo read-only')"
tmp_write="$(podman exec "$CT" sh -c 'touch /tmp/.probe 2>/dev/null && rm -f /tmp/.probe && echo writable || echo read-only')"
[ "$root_write" = read-only ] && [ "$tmp_write" = writable ] && ok=true || ok=false
check filesystem "$ok" "/app is $root_write, /tmp is $tmp_write"

############################ stop ############################
kb_log "podman stop --time $STOP_TIMEOUT (SIGTERM; SHUTDOWN_DELAY_SECONDS=$SHUTDOWN_DELAY)"
t0=$(now)
podman stop --time "$STOP_TIMEOUT" "$CT" >"$WORK/stop.out" 2>&1 &
STOP_PID=$!
# While the shutdown delay runs: readiness must fail at once, pages still be served.
for _ in $(seq 1 60); do   # at most ~3 s
  s="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$MBASE/readyz" 2>/dev/null || true)"
  if [ "$s" != 200 ]; then
    S[readyz_during_shutdown]="$s"
    S[post_during_shutdown]="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/posts/kubecon-was-nice" 2>/dev/null || true)"
    ready_after="$(elapsed "$t0" "$(now)")"
    break
  fi
  sleep 0.05
done
stop_rc=0
wait "$STOP_PID" || stop_rc=$?
t1=$(now)
S[stop_seconds]="$(elapsed "$t0" "$t1")"
S[exit_code]="$(podman inspect --format '{{.State.ExitCode}}' "$CT" 2>/dev/null || echo '?')"
[ "${S[readyz_during_shutdown]}" = 503 ] && [ "${S[post_during_shutdown]}" = 200 ] && ok=true || ok=false
check shutdown_readiness "$ok" "after SIGTERM: /readyz ${S[readyz_during_shutdown]:-stayed 200} (after ${ready_after:-?}s), post ${S[post_during_shutdown]:-?}"
awk -v s="${S[stop_seconds]}" -v d="$SHUTDOWN_DELAY" -v t="$STOP_TIMEOUT" 'BEGIN { exit !(s >= d - 0.5 && s < t / 2) }' \
  && [ "$stop_rc" = 0 ] && [ "${S[exit_code]}" = 0 ] && ok=true || ok=false
check graceful_stop "$ok" "podman stop took ${S[stop_seconds]}s (delay ${SHUTDOWN_DELAY}s, kill after ${STOP_TIMEOUT}s), exit code ${S[exit_code]}, podman stop rc $stop_rc"

podman logs "$CT" >"$WORK/stdout.log" 2>"$WORK/stderr.log" || true
read -r 'S[log_lines]' 'S[log_non_json_lines]' < <(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.trim());
  let bad = 0; for (const l of lines) { try { const o = JSON.parse(l); if (typeof o !== "object" || o === null) bad++; } catch { bad++; } }
  console.log(lines.length, bad);' "$WORK/stdout.log")
[ "${S[log_lines]:-0}" -gt 0 ] && [ "${S[log_non_json_lines]}" = 0 ] && ok=true || ok=false
check logs "$ok" "${S[log_lines]} stdout lines, ${S[log_non_json_lines]} not JSON; stderr $(wc -l <"$WORK/stderr.log") lines; last: $(tail -n1 "$WORK/stdout.log" | head -c 200)"
if [ "$FAILED" != 0 ]; then
  kb_log "container stdout (last 20 lines):"; tail -n 20 "$WORK/stdout.log" >&2
  kb_log "container stderr (last 20 lines):"; tail -n 20 "$WORK/stderr.log" >&2
fi

kb_log "done in $((SECONDS - T_START))s: image ${S[image_size]}, stop ${S[stop_seconds]}s, $( [ "$FAILED" = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED')"
finish
