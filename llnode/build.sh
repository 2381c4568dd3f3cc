#!/usr/bin/env bash
# Builds the llnode plugin for lldb from the llnode@4.0.0 npm tarball, with the project's patches
# (llnode/patches/*.patch, applied in name order), with g++ against Debian's lldb headers: no node-gyp,
# no network but the npm registry. Prints the plugin's path on stdout.
#
#   llnode/build.sh              the project's build: every patch
#   llnode/build.sh --published  llnode 4.0.0 exactly as published (for comparisons; also what the
#                                plain build gives while there are no patches)
#
# The result goes to $XDG_CACHE_HOME/coredump/llnode/<version>/llnode.so, a folder named by the llnode
# version, a hash of the patches and the lldb version, so a changed patch builds anew and an unchanged
# one is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/lib/ensure.sh"

LLNODE_VERSION=4.0.0
published=false
[ "${1:-}" = "--published" ] && published=true

# coredump's first use runs this script only once it has seen lldb, its headers, g++ and patch: it never installs.
[ "${COREDUMP_LLNODE_NO_INSTALL:-}" = 1 ] || ensure_debian lldb liblldb-dev g++ patch
lldb_major=$(lldb --version 2>/dev/null | sed -n 's/^lldb version \([0-9]*\).*/\1/p')
include=/usr/lib/llvm-$lldb_major/include
[ -f "$include/lldb/API/LLDB.h" ] || { echo "llnode/build.sh: no lldb headers in $include (apt-get install liblldb-dev)" >&2; exit 1; }

patches=()
if ! $published && [ -d "$here/patches" ]; then mapfile -t patches < <(find "$here/patches" -name '*.patch' | sort); fi
patch_hash=published
if [ ${#patches[@]} -gt 0 ]; then patch_hash=$(cat "${patches[@]}" | sha256sum | cut -c1-12); fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/coredump/llnode
target=$cache/$LLNODE_VERSION-$patch_hash-lldb$lldb_major
if [ -f "$target/llnode.so" ]; then echo "$target/llnode.so"; exit 0; fi

# One build at a time per cache: a second run waits here, then finds the first one's result.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -f "$target/llnode.so" ]; then echo "$target/llnode.so"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "llnode@$LLNODE_VERSION" --silent >/dev/null && tar -xzf "llnode-$LLNODE_VERSION.tgz")
src=$work/package
for patch_file in "${patches[@]}"; do
  patch -d "$src" -p1 --quiet --forward <"$patch_file" || { echo "llnode/build.sh: $patch_file does not apply" >&2; exit 1; }
done

started=$(date +%s)
echo "building llnode $LLNODE_VERSION ($patch_hash) against lldb $lldb_major…" >&2
mkdir -p "$work/out"
# llnode's own sources, and those the patches add (llv8-*.cc beside llv8-constants.cc).
sources=("$src"/src/{constants,error,llnode,llv8,llv8-constants,llscan,printer,node,node-constants,settings}.cc)
for added in "$src"/src/llv8-*.cc; do [ "$added" = "$src/src/llv8-constants.cc" ] || sources+=("$added"); done
g++ -shared -fPIC -std=c++17 -O2 -w -I"$src" -I"$src/src" -I"$include" \
  "${sources[@]}" \
  -o "$work/out/llnode.so"
cp "$src/LICENCE.md" "$work/out/LICENCE.md" # llnode is MIT: its licence travels with the plugin
# Moved into the cache's file system first, so that the plugin appears whole, by a rename.
staging=$cache/.staging-$$
rm -rf "$staging"
mv "$work/out" "$staging"
rm -rf "$target"
mv "$staging" "$target"
echo "built $target/llnode.so in $(($(date +%s) - started)) s" >&2
echo "$target/llnode.so"
