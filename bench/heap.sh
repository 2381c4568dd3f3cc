#!/usr/bin/env bash
# Runs the heap benchmark (bench/heap.ts): real OOM cores of Node 22 with 64 MB, 1 GB and 2 GB heaps (made
# once, cached: about 2.5 min the first time), then llnode's findjsobjects, coredump heap and heapsnapshot,
# and Node's own writeHeapSnapshot side by side. Installs lldb, the compiler and GNU time when missing,
# builds the project's llnode, builds and runs. Arguments go to the benchmark, e.g. bench/heap.sh --runs 5.
# Figures on stdout, progress on stderr. Long: llnode's findjsobjects takes minutes per GB of heap (12 min
# for 1 GB on a loaded machine, about 2.5 on a quiet one) and about 3.6 GB of RSS per GB.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare lldb liblldb-dev g++ patch binutils time
bench_build_anyway
COREDUMP_TEST_LLNODE_PROJECT=$(bash llnode/build.sh)
export COREDUMP_TEST_LLNODE_PROJECT
node dist/bench/heap.js "$@"
