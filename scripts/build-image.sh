#!/usr/bin/env bash
# Build the sandtier sandbox image locally, with no registry. Idempotent; a no-op (two `docker image inspect`s)
# when nothing changed.
#
#   sandtier-base:<hash>       debootstrap minbase + python3 + ca-certificates + host node + user sandbox + /work
#                              + the preloads, the NSS module and the containers' init (sandtier-keeper)
#                              (recipe: images/base/; <hash> = sha256 of its files' text + node version + arch)
#   sandtier-sandbox:latest    FROM the base, + images/sandbox/harness/ at /opt/sandtier, USER 1000:1000, WORKDIR /work
#                              label sandtier.recipe = sha256 of the base tag + images/sandbox contents
#
# With --data, instead of sandtier-sandbox:latest (opt-in: docs/data-image.md):
#   sandtier-base-data:<hash>  the base's rootfs + the Debian packages of images/data/packages.txt (numpy, pandas,
#                              matplotlib, scipy, ...) installed in a chroot (recipe: images/data/mkdata.sh;
#                              <hash> = sha256 of the base tag + images/data/ files)
#   sandtier-sandbox-data:latest  FROM that, + the same images/sandbox context (harness, runner label)
#
# Environment: SANDTIER_DEBIAN_MIRROR overrides the mirror (default: the host's apt sources, else deb.debian.org).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # debootstrap, chroot

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
base_dir=$root/images/base
base_recipe=$base_dir/mkrootfs.sh
context=$root/images/sandbox
data_dir=$root/images/data
cache=/var/cache/sandtier
final=sandtier-sandbox:latest
data=""
case "${1:-}" in
  "") ;;
  --data) data=1 final=sandtier-sandbox-data:latest ;;
  *) printf 'usage: %s [--data]\n' "$0" >&2; exit 2 ;;
esac

say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v docker >/dev/null || die "docker client not found (run scripts/engine-up.sh)"
node_bin=$(command -v node) || die "node not found on PATH (the image embeds the host's node binary)"
node_bin=$(readlink -f "$node_bin")
node_version=$("$node_bin" --version)

base_hash=$({ for f in "$base_dir"/*; do printf '%s\n' "${f##*/}"; cat "$f"; done; printf 'node=%s\narch=%s\n' "$node_version" "$(uname -m)"; } | sha256sum | cut -c1-16)
base=sandtier-base:$base_hash
# The image the final one is built FROM: the base, or with --data the base plus the data packages.
from=$base
if [[ -n "$data" ]]; then
  data_hash=$({ echo "$base"; for f in "$data_dir"/*; do printf '%s\n' "${f##*/}"; cat "$f"; done; } | sha256sum | cut -c1-16)
  from=sandtier-base-data:$data_hash
fi

# Recipe of the final image: base tag + path, mode and content of every file in the build context.
# __pycache__ folders (left by a local py_compile) are neither hashed nor copied.
context_recipe() {
  {
    echo "$from"
    cd "$context"
    find . -name __pycache__ -prune -o \( -type f -o -type l \) -printf '%m %p\n' | LC_ALL=C sort
    find . -name __pycache__ -prune -o \( -type f -o -type l \) -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  } | sha256sum | cut -c1-16
}
recipe=$(context_recipe)

label_of() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

if [[ "$(label_of "$final" sandtier.recipe)" == "$recipe" ]]; then
  say "$final up to date (recipe $recipe, base $from)"
  exit 0
fi

# Something must be built: serialise concurrent builders, then look again.
[[ $(id -u) == 0 ]] || die "$final is missing or stale and building it needs root (debootstrap, chroot)"
mkdir -p "$cache"
exec 8>"$cache/.build.lock"
flock -w 900 8 || die "timed out waiting for another build ($cache/.build.lock)"
if [[ "$(label_of "$final" sandtier.recipe)" == "$recipe" ]]; then
  say "$final up to date (built concurrently)"
  exit 0
fi

# Remove a rootfs directory safely: never descend into something still mounted inside it (e.g. /proc after a
# failed debootstrap).
remove_tree() {
  local d=$1 m
  [[ -d "$d" ]] || return 0
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$d"
}

debian_mirror() {
  if [[ -n "${SANDTIER_DEBIAN_MIRROR:-}" ]]; then echo "$SANDTIER_DEBIAN_MIRROR"; return; fi
  local f uri=""
  # one-line format: deb [opts] URI SUITE COMPONENTS...
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } if ($(i+1) == "bookworm") { print $i; exit } }' "$f")
    [[ -n "$uri" ]] && break
  done
  # deb822 format: stanzas with URIs: and Suites:
  if [[ -z "$uri" ]]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f "$f" ]] || continue
      uri=$(awk '
        /^[[:space:]]*#/ { next }
        /^[[:space:]]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0; next }
        tolower($1) == "uris:" { u = $2 }
        tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") s = 1 }
        END { if (u != "" && s) print u }' "$f" | head -n1)
      [[ -n "$uri" ]] && break
    done
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# 1. base image
if docker image inspect "$base" >/dev/null 2>&1; then
  say "base $base present"
else
  for bin in debootstrap gcc; do
    command -v "$bin" >/dev/null || die "$bin not installed (run scripts/engine-up.sh, which installs it)"
  done
  for stale in "$cache"/rootfs-*; do remove_tree "$stale"; done
  rootfs=$(mktemp -d "$cache/rootfs-$base_hash.XXXXXX")
  trap 'remove_tree "$rootfs"' EXIT
  mirror=$(debian_mirror)
  say "building base $base (node $node_version, mirror $mirror) in $rootfs"
  t=$SECONDS
  if ! bash "$base_recipe" "$base" "$rootfs" "$mirror" "$node_bin" >"$cache/base-build.log" 2>&1; then
    tail -n 30 "$cache/base-build.log" | sed 's/^/    /' >&2
    die "building $base failed (full log: $cache/base-build.log)"
  fi
  remove_tree "$rootfs"
  trap - EXIT
  say "base $base built in $((SECONDS - t)) s"
fi

# 1b. data base image (--data): the base's rootfs + Debian's data packages, in a chroot
if [[ -n "$data" ]]; then
  if docker image inspect "$from" >/dev/null 2>&1; then
    say "data base $from present"
  else
    for stale in "$cache"/rootfs-data-*; do remove_tree "$stale"; done
    rootfs=$(mktemp -d "$cache/rootfs-data-$data_hash.XXXXXX")
    trap 'remove_tree "$rootfs"' EXIT
    mirror=$(debian_mirror)
    say "building data base $from (from $base, mirror $mirror) in $rootfs"
    t=$SECONDS
    if ! bash "$data_dir/mkdata.sh" "$base" "$from" "$rootfs" "$mirror" >"$cache/data-build.log" 2>&1; then
      tail -n 30 "$cache/data-build.log" | sed 's/^/    /' >&2
      die "building $from failed (full log: $cache/data-build.log)"
    fi
    remove_tree "$rootfs"
    trap - EXIT
    say "data base $from built in $((SECONDS - t)) s"
  fi
fi

# 2. final image (legacy builder: no BuildKit/buildx needed, FROM resolves to the local image, nothing is pulled)
old_id=$(docker image inspect -f '{{.Id}}' "$final" 2>/dev/null || true)
say "building $final (recipe $recipe)"
if ! out=$(tar -C "$context" --exclude=__pycache__ --sort=name --owner=0 --group=0 --numeric-owner --mode='a+rX,go-w' -c . |
  DOCKER_BUILDKIT=0 docker build -q --pull=false --build-arg "BASE=$from" \
    --label "sandtier.recipe=$recipe" --label "sandtier.base=$from" -t "$final" - 2>&1 >/dev/null); then
  die "docker build failed: $out"
fi
[[ "$(label_of "$final" sandtier.recipe)" == "$recipe" ]] || die "docker build did not produce $final with recipe $recipe"

# Drop what the new build superseded (ignored if a container still uses it).
new_id=$(docker image inspect -f '{{.Id}}' "$final")
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
docker image ls --format '{{.Repository}}:{{.Tag}}' sandtier-base | while read -r ref; do
  [[ "$ref" == "$base" ]] || docker image rm "$ref" >/dev/null 2>&1 || true
done
if [[ -n "$data" ]]; then
  docker image ls --format '{{.Repository}}:{{.Tag}}' sandtier-base-data | while read -r ref; do
    [[ "$ref" == "$from" ]] || docker image rm "$ref" >/dev/null 2>&1 || true
  done
fi
say "built $final (recipe $recipe, base $from)"
