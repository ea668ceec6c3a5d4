#!/usr/bin/env bash
# Stop the dockerd that scripts/engine-up.sh started (pid in /run/sandtier-dockerd.pid), e.g. for tests that
# simulate the engine going away. Running containers are stopped by dockerd's own shutdown. Bring it back with
# scripts/engine-up.sh (images, daemon.json and packages stay; the restart takes a few seconds).
#
#   engine-down.sh           stop only our dockerd; exit 3 if a dockerd we did not start is still answering
#   engine-down.sh --force   also stop a dockerd we did not start (from /var/run/docker.pid)
#
# Exit 0 when, afterwards, no engine answers on the socket.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

our_pidfile=/run/sandtier-dockerd.pid
force=0
[[ "${1:-}" == --force ]] && force=1

say() { printf 'engine-down: %s\n' "$*" >&2; }
is_dockerd() { # $1 = pid: is it a dockerd that is not a zombie?
  [[ -n "$1" && "$(cat "/proc/$1/comm" 2>/dev/null)" == dockerd ]] || return 1
  [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" =~ ^[RSDTtWP]$ ]]
}
answering() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

stop_pid() { # $1 = dockerd pid; SIGTERM, then SIGKILL after 45 s (dockerd waits up to ~15 s for containers)
  local pid=$1 containerd_pid
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 225); do is_dockerd "$pid" || return 0; sleep 0.2; done
  say "dockerd $pid did not exit after SIGTERM: killing it"
  containerd_pid=$(cat /var/run/docker/containerd/containerd.pid 2>/dev/null || true)
  kill -KILL "$pid" 2>/dev/null || true
  [[ -n "$containerd_pid" && "$(cat "/proc/$containerd_pid/comm" 2>/dev/null)" == containerd ]] &&
    kill -KILL "$containerd_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do is_dockerd "$pid" || return 0; sleep 0.1; done
}

pid=$(cat "$our_pidfile" 2>/dev/null || true)
if is_dockerd "$pid"; then
  [[ $(id -u) == 0 ]] || { say "error: stopping dockerd needs root"; exit 1; }
  say "stopping dockerd $pid"
  stop_pid "$pid"
  rm -f "$our_pidfile"
else
  rm -f "$our_pidfile"
  other=$(cat /var/run/docker.pid 2>/dev/null || true)
  if is_dockerd "$other" && ((force)); then
    [[ $(id -u) == 0 ]] || { say "error: stopping dockerd needs root"; exit 1; }
    say "stopping dockerd $other (not started by engine-up; --force)"
    stop_pid "$other"
  elif answering; then
    say "error: a Docker engine is answering but was not started by engine-up${other:+ (pid $other)}; use --force to stop it"
    exit 3
  else
    say "no dockerd started by engine-up is running"
  fi
fi

if answering; then say "error: the Docker engine still answers"; exit 1; fi
say "engine stopped"
