#!/usr/bin/env bash
# Build CPython for WASI from nothing: python.wasm (sandtier's reactor, stripped) + python313.zip (the standard
# library as .pyc). Idempotent; a no-op (three file tests) when the recipe's artifacts are already in the cache.
#
#   <cache>/<hash>/python.wasm     CPython 3.13 linked with python-wasm/reactor.c as a WASI reactor that imports
#                                  its memory (env.memory, 320 pages minimum: the host sets the maximum)
#   <cache>/<hash>/python313.zip   the standard library as .pyc, tests/GUI/packaging tools left out; the guest
#                                  expects it at /usr/local/lib/python313.zip
#   <cache>/<hash>/manifest.json   versions, sizes and SHA-256s (what `doctor` reports)
#   <cache>/current                the <hash> of the last successful build (src/tiers/python/artifacts.ts reads it)
#   <cache>/sources/               Debian's source tarballs, kept across builds
# <cache> = $SANDTIER_CACHE_DIR/python-wasm, default ${XDG_CACHE_HOME:-~/.cache}/sandtier/python-wasm;
# <hash> = sha256 of python-wasm/* but smoke.mjs (the recipe: pinned versions in recipe.env, the steps in build.sh).
#
# Steps: 1. apt packages (clang-19, lld-19, llvm-19, libclang-rt-19-dev-wasm32 from the machine's bookworm;
# wasi-libc from trixie, whose deb + deb-src are added at Pin-Priority 100 so nothing else upgrades) — needs root,
# once; 2. Debian's pristine source tarballs via `apt-get source --print-uris` + apt-helper, checked by SHA-256;
# 3. python-wasm/build.sh (zlib, bzip2, liblzma for wasm; a native build Python; CPython for wasm32-wasi; the
# reactor; the stdlib zip); 4. a check that the reactor prints 2 for `print(1+1)` under node:wasi; 5. publish.
#
# Environment: SANDTIER_DEBIAN_MIRROR (mirror for trixie, default: the machine's), SANDTIER_BUILD_JOBS (2).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
recipe_dir=$root/python-wasm
cache=${SANDTIER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sandtier}/python-wasm
trixie_sources=/etc/apt/sources.list.d/sandtier-trixie.sources
trixie_pin=/etc/apt/preferences.d/sandtier-trixie

say() { printf 'build-python-wasm: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# shellcheck source=../python-wasm/recipe.env
source "$recipe_dir/recipe.env"

hash=$({
  for f in "$recipe_dir"/*; do
    [[ "${f##*/}" == smoke.mjs ]] && continue # the check, not the recipe
    printf '%s\n' "${f##*/}"
    cat "$f"
  done
  printf 'arch=%s\n' "$(uname -m)"
} | sha256sum | cut -c1-16)
out=$cache/$hash

up_to_date() { [[ -f "$out/manifest.json" && -f "$out/python.wasm" && -f "$out/python313.zip" ]]; }
mark_current() { printf '%s\n' "$hash" >"$cache/current.tmp" && mv -f "$cache/current.tmp" "$cache/current"; }

if up_to_date; then
  [[ "$(cat "$cache/current" 2>/dev/null)" == "$hash" ]] || mark_current
  say "up to date (recipe $hash, $out)"
  exit 0
fi

# Something must be built: serialise concurrent builders, then look again.
mkdir -p "$cache"
exec 8>"$cache/.build.lock"
flock -w 1800 8 || die "timed out waiting for another build ($cache/.build.lock)"
if up_to_date; then
  mark_current
  say "up to date (built concurrently, recipe $hash)"
  exit 0
fi
start=$SECONDS
say "building recipe $hash into $out"

# ---------------------------------------------------------------------------------------------------------------
# 1. packages
installed_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || true; }
toolchain_names=$(awk '{print $1}' <<<"$TOOLCHAIN" | xargs)
toolchain_ok() {
  local name want p
  while read -r name want; do
    if [[ -n "$name" && "$(installed_version "$name")" != "$want"* ]]; then return 1; fi
  done <<<"$TOOLCHAIN"
  for p in $NATIVE_PACKAGES; do [[ -n "$(installed_version "$p")" ]] || return 1; done
}

add_trixie_sources() {
  # deb + deb-src of trixie at priority 100: only what is asked for by name (pkg/trixie) comes from there.
  [[ -f "$trixie_sources" && -f "$trixie_pin" ]] && return 0
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 2>/dev/null | grep -m1 '/debian/$' || true)
  uri=${SANDTIER_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian/}}
  say "adding trixie (deb, deb-src) from $uri at Pin-Priority 100"
  printf 'Types: deb deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
    "$uri" /usr/share/keyrings/debian-archive-keyring.gpg >"$trixie_sources"
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$trixie_pin"
}

if ! toolchain_ok || [[ ! -f "$trixie_sources" ]]; then
  [[ $(id -u) == 0 ]] ||
    die "packages or trixie's deb-src missing; run this script once as root (it installs $toolchain_names $NATIVE_PACKAGES)"
  t=$SECONDS
  add_trixie_sources
  wanted=()
  for name in $toolchain_names; do
    if [[ " $FROM_TRIXIE " == *" $name "* ]]; then wanted+=("$name/trixie"); else wanted+=("$name"); fi
  done
  say "installing ${wanted[*]} $NATIVE_PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086 # NATIVE_PACKAGES is a list
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" $NATIVE_PACKAGES >/dev/null
  toolchain_ok || die "installed toolchain does not match python-wasm/recipe.env: $(for p in $toolchain_names; do printf '%s=%s ' "$p" "$(installed_version "$p")"; done)"
  say "packages installed in $((SECONDS - t)) s"
fi
command -v node >/dev/null || die "node not found (the last check runs python.wasm under node:wasi)"

# ---------------------------------------------------------------------------------------------------------------
# 2. sources: Debian's orig tarballs from trixie's deb-src (only their URL comes from apt; the SHA-256 is ours)
sources=$cache/sources
mkdir -p "$sources"
while read -r package file sha; do
  [[ -z "$package" ]] && continue
  if [[ -f "$sources/$file" ]] && echo "$sha  $sources/$file" | sha256sum -c --status; then continue; fi
  listed=$(apt-get source --print-uris -qq "$package/trixie" 2>/dev/null || true)
  url=$(awk -v f="$file" '$2 == f { gsub("\x27", "", $1); print $1 }' <<<"$listed")
  [[ -n "$url" ]] || die "trixie's deb-src does not list $file (it lists: $(awk '$2 ~ /orig/ {print $2}' <<<"$listed" | xargs)); update python-wasm/recipe.env"
  say "downloading $file"
  /usr/lib/apt/apt-helper download-file "$url" "$sources/$file.part" "SHA256:$sha" >/dev/null 2>&1 ||
    die "download of $file failed or its SHA-256 is not $sha"
  mv -f "$sources/$file.part" "$sources/$file"
done <<<"$SOURCES"

# ---------------------------------------------------------------------------------------------------------------
# 3. build (the tree is removed after a success; a failed one stays for inspection until the next run)
rm -rf "$cache"/work-* "$cache"/stage-*
work=$cache/work-$hash
stage=$cache/stage-$hash
mkdir -p "$work"
bash "$recipe_dir/build.sh" "$sources" "$work" "$stage"

# ---------------------------------------------------------------------------------------------------------------
# 4. check: the reactor runs a source string under node:wasi
smoke=$(node --no-warnings "$recipe_dir/smoke.mjs" "$stage" 'import json; print(json.dumps(1+1))' 2>&1) ||
  die "the check run failed: $smoke"
[[ "$smoke" == "2" ]] || die "the check run printed '$smoke', expected 2"

# ---------------------------------------------------------------------------------------------------------------
# 5. publish: manifest, then rename into place, then the pointer; earlier recipes' artifacts go
wasm_bytes=$(stat -c %s "$stage/python.wasm")
zip_bytes=$(stat -c %s "$stage/python313.zip")
toolchain_versions=$(for p in $toolchain_names; do printf '%s=%s\n' "$p" "$(installed_version "$p")"; done)
node -e '
const [file, recipe, python, wasmBytes, wasmSha, zipBytes, zipSha, toolchain] = process.argv.slice(1)
const manifest = {
  recipe, python, builtAt: new Date().toISOString(),
  files: {
    "python.wasm": { bytes: Number(wasmBytes), sha256: wasmSha },
    "python313.zip": { bytes: Number(zipBytes), sha256: zipSha },
  },
  toolchain: Object.fromEntries(toolchain.trim().split("\n").map((line) => line.split("="))),
}
require("node:fs").writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")
' "$stage/manifest.json" "$hash" "$PYTHON_VERSION" "$wasm_bytes" "$(sha256sum "$stage/python.wasm" | cut -c1-64)" \
  "$zip_bytes" "$(sha256sum "$stage/python313.zip" | cut -c1-64)" "$toolchain_versions"

rm -rf "$out"
mv "$stage" "$out"
mark_current
for old in "$cache"/*; do
  if [[ -d "$old" && "${old##*/}" =~ ^[0-9a-f]{16}$ && "$old" != "$out" ]]; then rm -rf "$old"; fi
done
rm -rf "$work"
say "built $out in $((SECONDS - start)) s: python.wasm $((wasm_bytes / 1024)) KiB, python313.zip $((zip_bytes / 1024)) KiB"
