#!/usr/bin/env bash
# sandtier base image recipe: Debian bookworm minbase + python3 + ca-certificates + the host's node binary,
# user `sandbox` (1000:1000, home /home/sandbox), /work owned by it, a preloaded statx() shim for gVisor
# (statx-compat.c), the NSS module "sandbox" (nss-sandbox.c), which names the per-container uids sandtier
# runs sandboxes as (>= 65536, in no /etc/passwd), and the containers' init, /usr/local/sbin/sandtier-keeper
# (keeper.c, with its preloaded half keeper-preload.c); imported with `docker import` (no registry).
#
# scripts/build-image.sh hashes the text of every file in images/base/ (this one and the C sources) plus the node
# version and the architecture into the tag sandtier-base:<hash>, so any edit here produces a new tag and a
# rebuild. Do not call it directly. Needs root, debootstrap, gcc (for the shim) and a running dockerd.
#
# usage: mkrootfs.sh <image-tag> <empty-rootfs-dir> <debian-mirror-url> <node-binary>
set -euo pipefail

tag=$1 dir=$2 mirror=$3 node_bin=$4
suite=bookworm
debs=/var/cache/sandtier/debs

say() { printf 'mkrootfs: %s\n' "$*" >&2; }

# The target directory becomes the image's "/": it must be traversable by the non-root user.
chmod 0755 "$dir"
mkdir -p "$debs"

say "debootstrap $suite (minbase + python3, ca-certificates, libseccomp2) from $mirror"
debootstrap --variant=minbase --include=python3,ca-certificates,libseccomp2 --cache-dir="$debs" \
  "$suite" "$dir" "$mirror" >&2

# The host's node (same version as the host side of sandtier) and any shared library it needs that the rootfs lacks.
install -D -m 0755 "$node_bin" "$dir/usr/local/bin/node"
ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do
  if ! chroot "$dir" /usr/bin/test -e "$lib"; then
    say "adding $lib (needed by node, missing from the rootfs)"
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  fi
done

# statx() shim for the gVisor release in Debian (see statx-compat.c) and the seccomp filter of processes runsc
# starts with `exec` (see seccomp-preload.c; it uses the image's libseccomp), preloaded into every process.
gcc -shared -fPIC -O2 -Wall -o "$dir/usr/local/lib/sandtier-statx-compat.so" "$(dirname "$0")/statx-compat.c"
gcc -shared -fPIC -O2 -Wall -o "$dir/usr/local/lib/sandtier-seccomp.so" "$(dirname "$0")/seccomp-preload.c" -ldl
chroot "$dir" /usr/bin/test -e "$(chroot "$dir" /sbin/ldconfig -p | awk '$1 == "libseccomp.so.2" { print $NF; exit }')" ||
  { say "libseccomp.so.2 is missing from the rootfs (seccomp-preload.c needs it)"; exit 1; }
# The containers' init (see keeper.c): pid 1, non-dumpable, and its preloaded half, which makes the main
# command non-dumpable and holds each exec until the keeper is ready.
gcc -O2 -Wall -o "$dir/usr/local/sbin/sandtier-keeper" "$(dirname "$0")/keeper.c"
gcc -shared -fPIC -O2 -Wall -o "$dir/usr/local/lib/sandtier-keeper.so" "$(dirname "$0")/keeper-preload.c"
printf '%s\n' /usr/local/lib/sandtier-statx-compat.so /usr/local/lib/sandtier-seccomp.so \
  /usr/local/lib/sandtier-keeper.so >"$dir/etc/ld.so.preload"

# Names for the per-container uids and gids (see nss-sandbox.c), next to glibc's own NSS modules.
libdir=$(dirname "$(chroot "$dir" /sbin/ldconfig -p | awk '$1 == "libc.so.6" { print $NF; exit }')")
gcc -shared -fPIC -O2 -Wall -Wl,-soname,libnss_sandbox.so.2 -o "$dir$libdir/libnss_sandbox.so.2" \
  "$(dirname "$0")/nss-sandbox.c"
chroot "$dir" /sbin/ldconfig
sed -i -E 's/^(passwd|group):([[:space:]]+)files$/\1:\2files sandbox/' "$dir/etc/nsswitch.conf"
grep -qE '^passwd:[[:space:]]+files sandbox$' "$dir/etc/nsswitch.conf" || { say "nsswitch.conf: passwd line not as expected"; exit 1; }

# Non-root user and the work directory.
chroot "$dir" /usr/sbin/groupadd --gid 1000 sandbox
chroot "$dir" /usr/sbin/useradd --uid 1000 --gid 1000 --create-home --home-dir /home/sandbox \
  --shell /bin/sh sandbox
install -d -o 1000 -g 1000 -m 0755 "$dir/work"

# Smoke test inside the rootfs before importing (any loader warning, e.g. about the preload, is a failure).
smoke=$( {
  chroot "$dir" /usr/local/bin/node -e 'process.exit(0)'
  chroot "$dir" /usr/bin/python3 -c 'import ssl, json, sys; sys.exit(0)'
  chroot "$dir" /bin/ls -ld / >/dev/null
  [[ "$(chroot "$dir" /usr/bin/getent passwd 1879048192)" == 'sandbox:x:1879048192:1879048192::/work:/bin/sh' ]] ||
    echo "getent passwd 1879048192 does not name the sandbox user"
  [[ "$(chroot "$dir" /usr/bin/getent group 1879048192)" == 'sandbox:x:1879048192:' ]] ||
    echo "getent group 1879048192 does not name the sandbox group"
  [[ "$(chroot "$dir" /usr/bin/getent passwd 1000)" == sandbox:x:1000:1000:* ]] || echo "uid 1000 lost its name"
  # A malformed filter must stop the process (exit 125), never let it run unfiltered.
  rc=0
  SANDTIER_SECCOMP='rule allow' chroot "$dir" /bin/true 2>/dev/null || rc=$?
  [[ $rc == 125 ]] || echo "the seccomp preload does not fail closed (exit $rc)"
  # The keeper's main command runs non-dumpable (PR_GET_DUMPABLE = 3 gives 0) with SANDTIER_KEEP=1 for the
  # programs it starts, and the keeper exits with its status; a command that cannot run gives 127.
  rc=0
  chroot "$dir" /usr/local/sbin/sandtier-keeper /usr/bin/python3 -c 'import ctypes, os, sys
sys.exit(10 * ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) + (os.environ.get("SANDTIER_KEEP") != "1") + 3)' || rc=$?
  [[ $rc == 3 ]] || echo "the keeper's main command is not non-dumpable with SANDTIER_KEEP=1 (exit $rc)"
  rc=0
  chroot "$dir" /usr/local/sbin/sandtier-keeper /nonexistent 2>/dev/null || rc=$?
  [[ $rc == 127 ]] || echo "the keeper does not report a missing main command (exit $rc)"
} 2>&1)
[[ -z "$smoke" ]] || { say "smoke test in the rootfs printed: $smoke"; exit 1; }

# Slim down and drop host specifics (Docker provides resolv.conf, hosts and hostname at run time).
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
  "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* \
  "$dir"/var/log/* "$dir"/tmp/* "$dir"/var/tmp/* "$dir"/root/.bash_history
if ! grep -q " $dir/" /proc/self/mounts; then rm -rf --one-file-system "$dir"/dev/*; fi
: >"$dir/etc/resolv.conf"
echo sandbox >"$dir/etc/hostname"
: >"$dir/etc/machine-id"

say "importing as $tag"
tar --numeric-owner -C "$dir" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
  --change "LABEL sandtier.base=$tag" \
  --change 'CMD ["/bin/sh"]' \
  - "$tag" >/dev/null
