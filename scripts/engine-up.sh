#!/usr/bin/env bash
# Bring up everything the container tiers need, from nothing, idempotently:
#   1. packages: docker.io (dockerd, containerd, runc), runsc (gVisor), debootstrap, iproute2, iptables, gcc
#      + libc6-dev (to compile the image's statx shim, see images/base/statx-compat.c)
#   2. /etc/docker/daemon.json: runtime `runsc` with runtimeArgs --network=host --host-uds=open --oci-seccomp
#      (merged into any existing file) and, when we start dockerd ourselves, a storage driver that works here
#      (overlay2, else vfs). --oci-seccomp makes runsc apply the container's seccomp profile inside the sandbox:
#      the gvisor tier relies on it to refuse nested namespaces, netlink uevents, AF_ALG and sync
#   3. dockerd: started in the background if not answering (log /var/log/sandtier-dockerd.log, pid in
#      /run/sandtier-dockerd.pid for scripts/engine-down.sh); reloaded (SIGHUP) or restarted if its runsc runtime
#      is missing or differs (a reload changes only containers created afterwards)
#   4. scripts/build-image.sh: sandtier-base:<hash> and sandtier-sandbox:latest; with --data or
#      SANDTIER_DATA_IMAGE=1 also the opt-in data image sandtier-sandbox-data:latest (build-image.sh --data:
#      numpy, pandas, matplotlib, scipy... from Debian; ~2 min cold here; docs/data-image.md). Its tests build it
#      themselves through the same script (test/integration/container/data-image.test.ts).
#   5. verification: `docker run --rm --network none sandtier-sandbox:latest /bin/true` on runc and runsc
#   6. scripts/build-python-wasm.sh: CPython for WASI, the pywasm tier's artifacts (cached by recipe hash: a
#      no-op when built; ~7-13 min cold on 2 cores). Where it cannot build (not root the first time), it says
#      how and engine-up goes on: the pywasm tests skip with that reason and auto-mode Python uses containers.
# Fast (a couple of seconds) when everything is already up. Safe to re-run after scripts/engine-down.sh.
#
# Environment: SANDTIER_RUNSC_PLATFORM adds --platform=<value> to the runsc runtimeArgs (default: none; the
# runsc default, ptrace on Debian's runsc / systrap on newer ones, works here, KVM does not).
set -euo pipefail

start_ns=$(date +%s%N)
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # dockerd, debootstrap, iptables live in sbin
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=sandtier-sandbox:latest
daemon_json=/etc/docker/daemon.json
dockerd_log=/var/log/sandtier-dockerd.log
our_pidfile=/run/sandtier-dockerd.pid
packages=(docker.io runsc debootstrap iproute2 iptables gpgv debian-archive-keyring ca-certificates gcc libc6-dev)

say() { printf 'engine-up: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
is_root() { [[ $(id -u) == 0 ]]; }

if is_root; then
  mkdir -p /run/lock
  exec 9>/run/lock/sandtier-engine-up.lock
  flock -w 900 9 || die "timed out waiting for another engine-up (/run/lock/sandtier-engine-up.lock)"
fi

# ---------------------------------------------------------------------------------------------------------------
# 1. packages
missing=()
for bin in dockerd containerd runc docker runsc debootstrap ip iptables gpgv gcc; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
compgen -G '/usr/include/*/sys/syscall.h' >/dev/null || [[ -f /usr/include/sys/syscall.h ]] || missing+=(libc6-dev)
if ((${#missing[@]})); then
  if ! is_root; then
    die "missing: ${missing[*]}. As root run: apt-get update && apt-get install -y --no-install-recommends ${packages[*]} (or run this script as root)"
  fi
  command -v apt-get >/dev/null || die "missing: ${missing[*]} and no apt-get; install ${packages[*]} by hand"
  say "installing ${packages[*]} (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  hash -r
  for bin in dockerd runsc debootstrap docker; do
    command -v "$bin" >/dev/null 2>&1 || die "$bin still missing after apt-get install"
  done
fi
command -v node >/dev/null || die "node not found on PATH (the sandbox image embeds the host's node)"

runsc_path=$(command -v runsc)
runsc_args=(--network=host --host-uds=open --oci-seccomp)
[[ -n "${SANDTIER_RUNSC_PLATFORM:-}" ]] && runsc_args+=("--platform=$SANDTIER_RUNSC_PLATFORM")
want_runtime=$(printf '{"path":"%s","runtimeArgs":[' "$runsc_path"; printf '"%s",' "${runsc_args[@]}" | sed 's/,$//'; printf ']}')

# ---------------------------------------------------------------------------------------------------------------
# helpers
engine_runtimes() { # prints the engine's runtimes as JSON; fails if the engine does not answer
  local out
  out=$(timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null) && [[ "$out" == "{"* ]] && echo "$out"
}
has_runsc() { grep -qF "\"runsc\":$want_runtime" <<<"$1"; }

# Merge our runtime (and optionally a storage driver if none is set) into daemon.json; prints "changed" or "same".
merge_daemon_json() { # $1 = storage driver or ""
  mkdir -p "$(dirname "$daemon_json")"
  node -e '
    const fs = require("fs");
    const [file, runtime, driver] = process.argv.slice(1);
    let cfg = {};
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8");
      try { cfg = text.trim() ? JSON.parse(text) : {}; }
      catch (e) { console.error(`engine-up: error: ${file} is not valid JSON (${e.message}); fix or remove it`); process.exit(2); }
    }
    const before = JSON.stringify(cfg);
    cfg.runtimes = { ...(cfg.runtimes || {}), runsc: JSON.parse(runtime) };
    if (driver && !cfg["storage-driver"]) cfg["storage-driver"] = driver;
    if (JSON.stringify(cfg) === before) { console.log("same"); process.exit(0); }
    fs.writeFileSync(file + ".tmp", JSON.stringify(cfg, null, 2) + "\n");
    fs.renameSync(file + ".tmp", file);
    console.log("changed");
  ' "$daemon_json" "$want_runtime" "$1"
}

json_key() { # $1 = key; prints its string value from daemon.json, or nothing
  [[ -f "$daemon_json" ]] || return 0
  node -e 'try { const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]; if (typeof v === "string") console.log(v) } catch {}' "$daemon_json" "$1"
}

# A real test of overlayfs on the filesystem that will hold Docker's data.
overlay_works() {
  local data_root t ok=1
  data_root=$(json_key data-root); data_root=${data_root:-/var/lib/docker}
  mkdir -p "$data_root"
  t=$(mktemp -d "$data_root/.sandtier-overlay-test.XXXXXX")
  mkdir -p "$t"/{lower,upper,work,merged}
  echo x >"$t/lower/f"
  if mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    if echo y >"$t/merged/f" && rm "$t/merged/f" && [[ -e "$t/upper/f" || -c "$t/upper/f" ]]; then ok=0; fi
    umount "$t/merged" || true
  fi
  rm -rf --one-file-system "$t"
  return "$ok"
}

live_dockerd() { # $1 = pid: is it a dockerd that is not a zombie?
  [[ -n "$1" && "$(cat "/proc/$1/comm" 2>/dev/null)" == dockerd ]] || return 1
  [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" =~ ^[RSDTtWP]$ ]]
}
dockerd_pid() { # pid of the running dockerd, from its pid file
  local p
  p=$(cat /var/run/docker.pid 2>/dev/null || true)
  live_dockerd "$p" && echo "$p"
}
ours() { # is the running dockerd the one we started?
  live_dockerd "$(cat "$our_pidfile" 2>/dev/null || true)"
}

wait_engine() { # $1 = pid of the dockerd we just started (or ""); waits up to 60 s
  local pid=$1 deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    engine_runtimes >/dev/null && return 0
    if [[ -n "$pid" ]] && ! live_dockerd "$pid"; then return 1; fi
    sleep 0.2
  done
  return 1
}

start_dockerd() {
  local pid
  [[ -f "$dockerd_log" ]] && printf '\n==== engine-up %s ====\n' "$(date -Is)" >>"$dockerd_log"
  # Fully detached: own session, no inherited stdio (a caller reading our output must get EOF) and not the lock fd.
  setsid nohup dockerd </dev/null >>"$dockerd_log" 2>&1 9>&- 8>&- &
  pid=$!
  echo "$pid" >"$our_pidfile"
  if wait_engine "$pid"; then return 0; fi
  return 1
}

stop_ours() {
  local p
  p=$(cat "$our_pidfile" 2>/dev/null || true)
  [[ -n "$p" ]] || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 200); do live_dockerd "$p" || break; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
  rm -f "$our_pidfile"
}

fail_with_log() {
  say "error: $1"
  if [[ -f "$dockerd_log" ]]; then
    say "last lines of $dockerd_log:"
    tail -n 25 "$dockerd_log" | sed 's/^/    /' >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# 2+3. daemon config and dockerd
started=""
runtimes=$(engine_runtimes || true)
if [[ -n "$runtimes" ]]; then
  if ! has_runsc "$runtimes"; then
    is_root || die "dockerd is running without the runsc runtime ($want_runtime) and fixing $daemon_json needs root"
    say "dockerd lacks runtime runsc as $want_runtime: updating $daemon_json and reloading"
    merge_daemon_json "" >/dev/null
    pid=$(dockerd_pid || true)
    [[ -n "$pid" ]] && kill -HUP "$pid"
    for _ in $(seq 1 50); do has_runsc "$(engine_runtimes || true)" && break; sleep 0.2; done
    if ! has_runsc "$(engine_runtimes || true)"; then
      ours || fail_with_log "dockerd (not started by engine-up) did not pick up runtime runsc after SIGHUP; restart it"
      say "reload did not take effect: restarting our dockerd"
      stop_ours
      start_dockerd || fail_with_log "dockerd did not come back within 60 s"
      started=restarted
    else
      started=reloaded
    fi
  fi
else
  if ! is_root; then
    sock=/var/run/docker.sock
    [[ -S $sock && ! -w $sock ]] && die "cannot use $sock (permission denied): run as root or add $(id -un) to group docker"
    die "dockerd is not running (docker info fails) and starting it needs root: run this script as root"
  fi
  driver=""
  if [[ -z "$(json_key storage-driver)" ]]; then
    if overlay_works; then driver=overlay2; else driver=vfs; fi
  fi
  merge_daemon_json "$driver" >/dev/null
  # A dockerd that exists but does not answer (hung, or half started) is ours to replace only if we started it.
  if pid=$(dockerd_pid); then
    if ours; then say "our dockerd (pid $pid) does not answer: restarting it"; stop_ours
    else fail_with_log "a dockerd (pid $pid, not started by engine-up) exists but does not answer"; fi
  fi
  say "starting dockerd (storage driver $(json_key storage-driver)), log $dockerd_log"
  if ! start_dockerd; then
    if [[ "$driver" == overlay2 ]] && grep -qiE 'overlay|graphdriver|storage.driver' <(tail -n 40 "$dockerd_log"); then
      say "dockerd failed with overlay2: falling back to vfs"
      stop_ours
      node -e 'const fs=require("fs"),f=process.argv[1],c=JSON.parse(fs.readFileSync(f,"utf8"));c["storage-driver"]="vfs";fs.writeFileSync(f,JSON.stringify(c,null,2)+"\n")' "$daemon_json"
      start_dockerd || fail_with_log "dockerd did not answer within 60 s (vfs)"
    else
      fail_with_log "dockerd did not answer within 60 s"
    fi
  fi
  started=started
  runtimes=$(engine_runtimes)
  has_runsc "$runtimes" || fail_with_log "dockerd is up but runtime runsc is missing: $runtimes"
fi

# ---------------------------------------------------------------------------------------------------------------
# 4. image
"$here/build-image.sh"
if [[ "${SANDTIER_DATA_IMAGE:-}" == 1 || " $* " == *" --data "* ]]; then "$here/build-image.sh" --data; fi

# ---------------------------------------------------------------------------------------------------------------
# 5. verification
# Both runtimes at once (keeps the already-up path fast); each prints its own elapsed time.
verify() { # $1 = runtime; writes elapsed ms, or the error, to $2
  local name=sandtier-verify-$$-$1 t0 out
  t0=$(date +%s%N)
  if out=$(timeout 60 docker run --rm --name "$name" --network none --runtime "$1" "$image" /bin/true 2>&1); then
    ms_since "$t0" >"$2"
  else
    docker rm -f "$name" >/dev/null 2>&1 || true
    printf 'FAILED %s\n' "$out" >"$2"
  fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs_=()
verify runc "$tmp/runc" 9>&- & jobs_+=($!)
verify runsc "$tmp/runsc" 9>&- & jobs_+=($!)
docker info --format '{{.ServerVersion}} {{.Driver}}' >"$tmp/info" 2>/dev/null 9>&- & jobs_+=($!)
docker image inspect -f '{{ index .Config.Labels "sandtier.recipe" }}' "$image" >"$tmp/recipe" 2>/dev/null 9>&- & jobs_+=($!)
wait "${jobs_[@]}" || true # never a bare `wait`: the dockerd we may have started is also our child
runc_ms=$(cat "$tmp/runc") runsc_ms=$(cat "$tmp/runsc")
for rt in runc runsc; do
  [[ "$(cat "$tmp/$rt")" == FAILED* ]] && fail_with_log "docker run --runtime $rt $image /bin/true failed: $(cut -c8- "$tmp/$rt")"
done

# ---------------------------------------------------------------------------------------------------------------
# 6. CPython for WASI (the pywasm tier): built where it can be, else the reason and how, and on.
python_wasm=built
if ! python_out=$(bash "$here/build-python-wasm.sh" 9>&- 2>&1); then
  python_wasm=absent
  say "CPython for WASI not built (pywasm tier unavailable; its tests skip): $(tail -n 3 <<<"$python_out")"
  say "build it with: sudo bash scripts/build-python-wasm.sh"
fi

info=$(cat "$tmp/info") recipe=$(cat "$tmp/recipe")
platform=${SANDTIER_RUNSC_PLATFORM:-default}
printf 'engine-up: ok in %s ms: dockerd %s (storage %s%s), runsc %s (%s platform), image %s (recipe %s); /bin/true (concurrently): runc %s ms, runsc %s ms; CPython for WASI %s\n' \
  "$(ms_since "$start_ns")" "${info% *}" "${info#* }" "${started:+, $started}" \
  "$(runsc --version 2>/dev/null | awk 'NR==1 { print $3 }')" "$platform" "$image" "$recipe" "$runc_ms" "$runsc_ms" "$python_wasm"
