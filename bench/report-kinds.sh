#!/usr/bin/env bash
# Runs the benchmark of report on each kind of death (bench/report-kinds.ts): starts the rig's Ceph RGW and
# OCI registries when they are down (and stops those it started), installs lldb, gcc and gdb when missing,
# builds, builds the project's llnode, and runs. Arguments go to the benchmark, e.g. --runs 5 --node 20.20.2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare_report
node --no-warnings dist/bench/report-kinds.js "$@"
