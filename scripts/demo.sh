#!/usr/bin/env bash
# The main job on the embedded default: crash the tutorial's Node app for real, lay its core out in a
# folder as core-dump-handler lays out its bucket, and run coredump on it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_node_modules
build
cores=.cache/demo/cores
node dist/scripts/demo-bucket.js "$cores"

run() {
  printf '\n$ coredump %s\n' "$*" >&2
  node bin/coredump.js "$@"
}
run list --dir "$cores"
run info last --dir "$cores"
