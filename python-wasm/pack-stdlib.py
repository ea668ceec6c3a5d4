"""Pack CPython's standard library as a zip of .pyc only, reproducibly (fixed timestamps, sorted entries).

Run by the native build Python of the same version (same bytecode magic):
    python pack-stdlib.py OUT.zip LIB_DIR SYSCONFIG_DIR EXCLUDED...
LIB_DIR is the source tree's Lib/, SYSCONFIG_DIR the WASI build's lib.wasi-wasm32-3.13/ (its
_sysconfigdata module describes the WASI build, not this one). Top-level names in EXCLUDED are left out.
The .pyc are unchecked hash-based (PEP 552): no source is shipped, so there is nothing to check against.
"""
import importlib.util
import marshal
import os
import sys
import zipfile

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
UNCHECKED_HASH_FLAGS = 0b01


def pyc_bytes(source: bytes, path: str) -> bytes:
    code = compile(source, path, "exec", dont_inherit=True, optimize=0)
    return (
        importlib.util.MAGIC_NUMBER
        + UNCHECKED_HASH_FLAGS.to_bytes(4, "little")
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def modules(lib_dir: str, excluded: set[str]):
    """(archive name, file path) of every .py under lib_dir, sorted, excluded top-level names skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(lib_dir):
        rel = os.path.relpath(dirpath, lib_dir)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d not in excluded]
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and d != "tests"]
        for name in filenames:
            if not name.endswith(".py"):
                continue
            if rel == "." and name[:-3] in excluded:
                continue
            arcname = os.path.normpath(os.path.join(rel, name)).replace(os.sep, "/")
            found.append((arcname, os.path.join(dirpath, name)))
    return sorted(found)


def main() -> None:
    out, lib_dir, sysconfig_dir, *excluded = sys.argv[1:]
    entries = modules(lib_dir, set(excluded)) + modules(sysconfig_dir, set())
    skipped = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname, path in entries:
            with open(path, "rb") as f:
                source = f.read()
            try:
                data = pyc_bytes(source, "/usr/local/lib/python3.13/" + arcname)
            except SyntaxError:  # e.g. templates that are not Python; nothing imports them
                skipped.append(arcname)
                continue
            info = zipfile.ZipInfo(arcname + "c", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    print(f"packed {len(entries) - len(skipped)} modules; skipped (syntax): {' '.join(skipped) or 'none'}")


main()
