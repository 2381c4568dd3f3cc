#!/usr/bin/env bash
# Runs the list benchmark (bench/list.ts) against the rig's Ceph RGW: starts the rig when it is down
# (and then stops it at the end; a rig that was already up is left running), installs awscli when
# missing, builds, and runs. Arguments go to the benchmark, e.g. bench/run.sh --runs 7.
# The figures go to stdout, progress to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare awscli curl time

ensure_rig rgw "the rig"
build
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/list.js "$@"
