#!/usr/bin/env bash
# The recipe proper (part of the recipe hash): from the checked source tarballs to python.wasm + python313.zip.
# Run by scripts/build-python-wasm.sh, which installs the packages, fetches the sources, checks and publishes:
#   build.sh SOURCES_DIR WORK_DIR STAGE_DIR
# Tool output goes to WORK_DIR/build.log; progress lines to stderr. Heavy steps run under nice 19 with
# $SANDTIER_BUILD_JOBS (default 2) jobs: other work shares the cores.
set -euo pipefail

recipe_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sources=$1 work=$2 stage=$3
jobs=${SANDTIER_BUILD_JOBS:-2}
# shellcheck source=recipe.env
source "$recipe_dir/recipe.env"

say() { printf 'build-python-wasm: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
step_start=$SECONDS
step_done() { say "$1 in $((SECONDS - step_start)) s"; step_start=$SECONDS; }

log=$work/build.log
: >"$log"
run_logged() { # label, command...: the command's output goes to the log; on failure its tail is shown
  local label=$1
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" | sed 's/^/    /' >&2
    die "$label failed (full log: $log)"
  fi
}
heavy() { run_logged "$1" env -C "$2" nice -n 19 make -j"$jobs" "${@:3}"; }
source_file() { awk -v p="$1" '$1 == p { print $2 }' <<<"$SOURCES"; }
unpack() { mkdir -p "$work/$2" && tar -xf "$sources/$(source_file "$1")" -C "$work/$2" --strip-components=1; }

# ---------------------------------------------------------------------------------------------------------------
# 1. compression libraries for wasm32-wasi (zlib: zipimport and gzip; bzip2 and liblzma: the bz2 and lzma modules)
deps=$work/deps
wasm_cc="clang-19 --target=wasm32-wasi"
wasm_env=(CC="$wasm_cc" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 CFLAGS="-O2" PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig")
mkdir -p "$deps/include" "$deps/lib/pkgconfig"

say "building zlib, bzip2 and liblzma for wasm32-wasi (log $log)"
unpack zlib zlib
run_logged "zlib configure" env -C "$work/zlib" "${wasm_env[@]}" ./configure --static --prefix="$deps"
heavy "zlib build" "$work/zlib" libz.a
run_logged "zlib install" env -C "$work/zlib" make install

unpack bzip2 bzip2
heavy "bzip2 build" "$work/bzip2" libbz2.a CC="$wasm_cc" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 CFLAGS="-O2 -D_FILE_OFFSET_BITS=64"
cp "$work/bzip2/bzlib.h" "$deps/include/" && cp "$work/bzip2/libbz2.a" "$deps/lib/"

unpack xz-utils xz
# No threads (WASI preview 1 has none), only the library.
run_logged "xz configure" env -C "$work/xz" "${wasm_env[@]}" ./configure --host=wasm32-unknown-wasi --prefix="$deps" \
  --disable-shared --enable-static --disable-threads --disable-xz --disable-xzdec --disable-lzmadec \
  --disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls --disable-sandbox
heavy "liblzma build" "$work/xz" -C src/liblzma
run_logged "liblzma install" env -C "$work/xz" make -C src/liblzma install
step_done "zlib, bzip2, liblzma built"

# ---------------------------------------------------------------------------------------------------------------
# 2. a native build Python of the same version: a cross build runs it to freeze modules and write sysconfig data
unpack python3.13 cpython
build_dir=$work/cpython/cross-build/build
say "building the native build Python $PYTHON_VERSION"
mkdir -p "$build_dir"
# -O1 without -g: it only runs build steps, and compiles in about half the time of the default -O3 -g.
run_logged "build Python configure" env -C "$build_dir" OPT="-DNDEBUG -O1" ../../configure --prefix="$work/build-python"
heavy "build Python make" "$build_dir" all
build_python=$build_dir/python
[[ "$("$build_python" -c 'import platform; print(platform.python_version())')" == "$PYTHON_VERSION" ]] ||
  die "build Python is not $PYTHON_VERSION"
step_done "build Python built"

# ---------------------------------------------------------------------------------------------------------------
# 3. CPython for wasm32-wasi with CPython's own WASI settings, then sandtier's reactor linked from the same objects
host_dir=$work/cpython/cross-build/wasm32-wasi
say "configuring CPython $PYTHON_VERSION for wasm32-wasi"
mkdir -p "$host_dir"
# --with-pymalloc: CPython turns it off for WASI by default; on, it ran 5-15 % faster in the issue's measurements.
run_logged "CPython wasm32-wasi configure" env -C "$host_dir" \
  CONFIG_SITE="$work/cpython/Tools/wasm/config.site-wasm32-wasi" \
  CC="$wasm_cc" CPP="clang-cpp-19 --target=wasm32-wasi" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
  PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig" \
  BZIP2_CFLAGS="-I$deps/include" BZIP2_LIBS="-L$deps/lib -lbz2" \
  ../../configure --host=wasm32-unknown-wasi --build="$("$work/cpython/config.guess")" \
  --with-build-python="$build_python" --with-pymalloc --disable-test-modules --without-ensurepip
step_done "CPython configured"
heavy "CPython wasm32-wasi make" "$host_dir" all
cp "$recipe_dir/reactor.c" "$recipe_dir/reactor.mk" "$host_dir/"
run_logged "reactor link" env -C "$host_dir" make -f Makefile -f reactor.mk sandtier-reactor.wasm
step_done "CPython for wasm32-wasi built"

# ---------------------------------------------------------------------------------------------------------------
# 4. artifacts
mkdir -p "$stage"
llvm-strip-19 -o "$stage/python.wasm" "$host_dir/sandtier-reactor.wasm"
sysconfig_dir=$(echo "$host_dir"/build/lib.wasi-wasm32-*)
[[ -d "$sysconfig_dir" ]] || die "no build/lib.wasi-wasm32-* in $host_dir"
# shellcheck disable=SC2086 # STDLIB_EXCLUDE is a list of names
run_logged "stdlib zip" "$build_python" -I "$recipe_dir/pack-stdlib.py" "$stage/python313.zip" \
  "$work/cpython/Lib" "$sysconfig_dir" $STDLIB_EXCLUDE
step_done "python.wasm stripped, standard library packed"
