#!/usr/bin/env bash
# The bench's real-workload Python corpus (issue 15): ~150 small programs made from the doctest examples of
# the Python documentation, each checked by doctest itself. The docs come from Debian's python3.11-doc
# (installed here when missing, as engine-up.sh installs its packages); the extractor and the selection are
# ours (bench/lib/python-corpus*.js). Nothing of the docs is committed: the corpus is built into
# ~/.cache/sandtier/corpus/<hash>/ (the hash covers the docs, the extractor and the host's python3), and a
# second call is a cache hit.
#
# stdout: the path of the corpus JSON. Exit 0 when built (or cached); 3 when it cannot be built here (not root
# and python3.11-doc missing; the reason on stderr, the bench skips the section with it); 1 on a failure.
#   scripts/python-corpus.sh [--python /usr/bin/python3] [--limit 150]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
docs=/usr/share/doc/python3.11/html/_sources
package=python3.11-doc

say() { printf 'python-corpus: %s\n' "$*" >&2; }

if [[ ! -d $docs ]]; then
  if [[ $(id -u) != 0 ]]; then
    say "$package is not installed ($docs missing) and this is not root: as root run apt-get install -y --no-install-recommends $package"
    exit 3
  fi
  command -v apt-get >/dev/null || { say "$docs missing and no apt-get: install $package by hand"; exit 3; }
  say "installing $package"
  export DEBIAN_FRONTEND=noninteractive
  # The package index may be stale or absent (a fresh container): update once, then install.
  apt-get install -y -qq --no-install-recommends "$package" >&2 2>/dev/null ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "$package" >&2; }
  [[ -d $docs ]] || { say "$package installed but $docs is still missing"; exit 1; }
fi

exec node "$here/../bench/lib/python-corpus-build.js" --docs "$docs" "$@"
