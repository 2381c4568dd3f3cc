#!/usr/bin/env bash
# Runs the fetch benchmark (bench/fetch.ts) against the rig's Ceph RGW: starts the rig when it is down
# (and then stops it at the end; a rig that was already up is left running), installs awscli, curl,
# unzip, GNU time and bsdtar when missing, builds, and runs. Arguments go to the benchmark, e.g.
# bench/fetch.sh --runs 3 --big 0. The figures go to stdout, progress to stderr. About 10 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare awscli curl unzip time gzip libarchive-tools

ensure_rig rgw "the rig"
build
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/fetch.js "$@"
