#!/usr/bin/env bash
# Runs the groups-with-source-maps benchmark (bench/groups-maps.ts): groups over many never-reported dumps of
# the minified TypeScript service, their images on the rig's registry, with and without their maps.
# Arguments go to the benchmark, e.g. --dumps 2000 --runs 3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_build_anyway
ensure_rig registry "the registry rig"
node --no-warnings dist/bench/groups-maps.js "$@"
