#!/usr/bin/env bash
# The main job on the embedded default: crash the tutorial's Node app for real, lay its core out in a
# folder as core-dump-handler lays out its bucket, and run coredump on it: list, info, fetch (core and
# the executable, verified by build-id), debug (llnode, in batch) and report.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian lldb liblldb-dev g++ patch binutils
ensure_node_modules
build
bash llnode/build.sh >/dev/null
cores=.cache/demo/cores
work=.cache/demo/work
node dist/scripts/demo-bucket.js "$cores"

run() {
  printf '\n$ coredump %s\n' "$*" >&2
  node bin/coredump.js "$@"
}
run list --dir "$cores"
run info last --dir "$cores"
run fetch last --dir "$cores" --workdir "$work"
run debug last --dir "$cores" --workdir "$work" --batch -o 'v8 bt 10'
run report last --dir "$cores" --workdir "$work"
