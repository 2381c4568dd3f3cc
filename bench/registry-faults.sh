#!/usr/bin/env bash
# Runs the registry-faults benchmark (bench/registry-faults.ts): starts the rig's OCI registries when they
# are down (and stops those it started at the end; rigs already up stay up), builds, and runs. Arguments go
# to the benchmark, e.g. bench/registry-faults.sh --runs 7. Figures on stdout, progress on stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare
bench_build_anyway
ensure_rig registry "the registry rig"
node --no-warnings dist/bench/registry-faults.js "$@"
