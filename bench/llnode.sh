#!/usr/bin/env bash
# Runs the llnode benchmark (bench/llnode.ts): the project's llnode against 4.0.0 as published on real cores
# of Node 16 to 24, and the time to build each. Installs lldb and the compiler when missing, builds both
# plugins, and runs. Arguments go to the benchmark, e.g. bench/llnode.sh --runs 7 --build-runs 3.
# Figures on stdout, progress on stderr. About 3 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare lldb liblldb-dev g++ patch binutils
bench_build_anyway
COREDUMP_TEST_LLNODE_PUBLISHED=$(bash llnode/build.sh --published)
COREDUMP_TEST_LLNODE_PROJECT=$(bash llnode/build.sh)
export COREDUMP_TEST_LLNODE_PUBLISHED COREDUMP_TEST_LLNODE_PROJECT
node dist/bench/llnode.js "$@"
