#!/usr/bin/env bash
# Runs the binary-pull benchmark (bench/binary-pull.ts): starts the rig's Ceph RGW and OCI registries when
# they are down (and stops those it started at the end; rigs already up stay up), installs skopeo and
# strace when missing, builds, and runs. Arguments go to the benchmark, e.g. bench/binary-pull.sh --runs 9.
# Figures on stdout, progress on stderr. About a minute.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare skopeo strace

ensure_rig rgw "the S3 rig"
bench_build_anyway
# After the build: the registry rig runs the token server from dist/.
ensure_rig registry "the registry rig"
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/binary-pull.js "$@"
