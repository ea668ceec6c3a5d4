#!/usr/bin/env bash
# sandtier data base image recipe: the base image's rootfs (images/base/: keeper, preloads, NSS module, user,
# /work) plus the Debian bookworm packages of packages.txt (numpy, pandas, matplotlib with the Agg backend,
# scipy, ...), installed with apt-get in a chroot from Debian's archive only, and imported with `docker import`
# (no registry, nothing pulled). Also installs matplotlibrc and preload.txt under /etc/sandtier/.
#
# scripts/build-image.sh --data hashes the base tag and every file in images/data/ into the tag
# sandtier-base-data:<hash>; do not call this directly. Needs root, chroot and a running dockerd.
#
# usage: mkdata.sh <base-tag> <data-base-tag> <empty-rootfs-dir> <debian-mirror-url>
set -euo pipefail

base=$1 tag=$2 dir=$3 mirror=$4
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'mkdata: %s\n' "$*" >&2; }

chmod 0755 "$dir"
say "copying the rootfs of $base"
cid=$(docker create "$base" /bin/true)
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
docker export "$cid" | tar -x --numeric-owner -C "$dir"
docker rm -f "$cid" >/dev/null
trap - EXIT
rm -f "$dir/.dockerenv"

# apt inside the chroot: the host's name servers, the same suite and mirror as the base (debootstrap's).
cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$')
say "apt-get install ${packages[*]} from $mirror"
export DEBIAN_FRONTEND=noninteractive
# Maintainer scripts need /dev/null and /proc (the base rootfs ships an empty /dev).
mount --bind /dev "$dir/dev"
mount -t proc proc "$dir/proc"
trap 'umount -l "$dir/proc" "$dir/dev" 2>/dev/null || true' EXIT
# Never unpacked (dpkg's own path-exclude): documentation, and the Boost headers that python3-scipy's
# dependency python3-pythran pulls in (~160 MB; pythran needs them only to compile, and no run does).
cat >"$dir/etc/dpkg/dpkg.cfg.d/sandtier-data" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/include/boost/*
EOF
chroot "$dir" /usr/bin/apt-get -q update >&2
chroot "$dir" /usr/bin/apt-get -q install -y --no-install-recommends "${packages[@]}" >&2

# The Python packages' test suites (pandas/tests, scipy/*/tests, ...: ~185 MB) are never imported by the
# libraries themselves. Removed after the install: the packages' postinst byte-compiles every file they ship.
find "$dir/usr/lib/python3/dist-packages" -depth -type d -name tests -exec rm -rf {} +

install -d -m 0755 "$dir/etc/sandtier"
install -m 0644 "$here/matplotlibrc" "$dir/etc/sandtier/matplotlibrc"
install -m 0644 "$here/preload.txt" "$dir/etc/sandtier/preload.txt"

# Smoke test with the image's environment: the modules import, a figure renders to PNG without a display, and
# the preload leaves the interpreter single-threaded (the runner forks it for every run).
smoke=$(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 MPLBACKEND=Agg MATPLOTLIBRC=/etc/sandtier/matplotlibrc \
  MPLCONFIGDIR=/tmp/matplotlib OPENBLAS_NUM_THREADS=1 "$(command -v chroot)" "$dir" /usr/bin/python3 -c '
import io, os, threading
import numpy, pandas, scipy.stats, sklearn, seaborn, statsmodels.api, openpyxl, tabulate, PIL
import matplotlib, matplotlib.pyplot as plt
assert matplotlib.get_backend().lower() == "agg", matplotlib.get_backend()
fig = plt.figure(); plt.plot([1, 2]); b = io.BytesIO(); fig.savefig(b, format="png")
assert b.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
assert len(os.listdir("/proc/self/task")) == 1, "threads after import: %s" % os.listdir("/proc/self/task")
' 2>&1) || { say "smoke test failed: $smoke"; exit 1; }
[[ -z "$smoke" ]] || { say "smoke test printed: $smoke"; exit 1; }
umount -l "$dir/proc" "$dir/dev"
trap - EXIT

rm -f "$dir/etc/dpkg/dpkg.cfg.d/sandtier-data"
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
  "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* \
  "$dir"/var/log/* "$dir"/tmp/* "$dir"/var/tmp/* "$dir"/root/.cache
: >"$dir/etc/resolv.conf"

# The base's environment, then the data settings: Agg without a display, the rc file above, matplotlib's
# cache in the container's /tmp (the rootfs is read-only; $HOME is the user's /work), one BLAS thread.
changes=()
while IFS= read -r env; do [[ -n "$env" ]] && changes+=(--change "ENV $env"); done \
  < <(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$base")
changes+=(--change 'ENV MPLBACKEND=Agg' --change 'ENV MATPLOTLIBRC=/etc/sandtier/matplotlibrc'
  --change 'ENV MPLCONFIGDIR=/tmp/matplotlib' --change 'ENV OPENBLAS_NUM_THREADS=1'
  --change 'ENV OMP_NUM_THREADS=1' --change "LABEL sandtier.base=$tag" --change 'CMD ["/bin/sh"]')
say "importing as $tag"
tar --numeric-owner -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
