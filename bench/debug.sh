#!/usr/bin/env bash
# Runs the debug and report benchmark (bench/debug.ts): starts the rig's Ceph RGW and OCI registries when
# they are down (and stops those it started at the end; rigs already up stay up), installs awscli, unzip,
# skopeo, jq and lldb when missing, builds, builds llnode 4.0.0 as published, and runs. Arguments go to
# the benchmark, e.g. bench/debug.sh --runs 7. Figures on stdout, progress on stderr. About 4 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare awscli unzip skopeo jq lldb liblldb-dev g++ patch binutils

ensure_rig rgw "the S3 rig"
bench_build_anyway
# After the build: the registry rig runs the token server from dist/.
ensure_rig registry "the registry rig"
bash llnode/build.sh --published >/dev/null
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/debug.js "$@"
