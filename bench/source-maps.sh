#!/usr/bin/env bash
# Runs the source-map benchmark (bench/source-maps.ts): report on the minified TypeScript service with its
# maps (in its image on the rig's registry) and without. Arguments go to the benchmark, e.g. --runs 9.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_build_anyway
ensure_rig registry "the registry rig"
node --no-warnings dist/bench/source-maps.js "$@"
