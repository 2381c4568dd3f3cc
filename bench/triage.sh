#!/usr/bin/env bash
# Runs the benchmark of triage (bench/triage.ts): starts the rig's Ceph RGW and OCI registry when they are
# down (and stops those it started), builds, builds the project's llnode, and runs. Arguments go to the
# benchmark, e.g. --dumps 10000 --runs 3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare_report
node --no-warnings dist/bench/triage.js "$@"
