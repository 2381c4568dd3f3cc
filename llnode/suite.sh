#!/usr/bin/env bash
# Runs llnode's own plugin test suite (test/plugin/*-test.js of a checkout of github.com/nodejs/llnode, which
# the npm tarball does not ship) with the project's llnode build, once per official Node build, and prints
# each version's passes: the check that a new Node major reads no worse than the last.
#
#   llnode/suite.sh LLNODE_CHECKOUT 24.11.0 26.12.1
#
# Node builds come from .cache/node-builds/<version>/node (tests/support/node-builds.ts fetches them).
# Needs network for `npm install tape` once, into a scratch copy of the suite; nothing in the checkout changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkout=${1:?usage: llnode/suite.sh LLNODE_CHECKOUT VERSION...}
shift
[ -d "$checkout/test/plugin" ] || { echo "llnode/suite.sh: no test/plugin in $checkout" >&2; exit 1; }
plugin=$(bash "$here/build.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$checkout/test" "$work/test"
ln -s "$plugin" "$work/llnode.so"
(cd "$work" && npm install --no-save --no-package-lock --ignore-scripts tape@4 >/dev/null)
for version in "$@"; do
  node=$here/../.cache/node-builds/$version/node
  [ -x "$node" ] || { echo "llnode/suite.sh: no official build at $node" >&2; exit 1; }
  mkdir -p "$work/tmp-$version"
  out=$work/out-$version.tap
  (cd "$work" && TMPDIR=$work/tmp-$version PYTHONPATH=$(lldb -P 2>/dev/null) \
    "$node" node_modules/tape/bin/tape test/plugin/*-test.js >"$out" 2>&1) || true
  echo "Node $version: $(grep -c '^ok' "$out") of $(grep -cE '^(not )?ok' "$out") passed"
done
