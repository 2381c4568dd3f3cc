#!/usr/bin/env bash
# Runs the arm64 benchmark (bench/arm64.ts): debug --batch -o 'v8 bt' and report on an aarch64 core (made
# here under qemu-user) against the x86-64 core of the same crash. Installs what is missing, builds, runs.
# Arguments go to the benchmark, e.g. bench/arm64.sh --runs 7. Figures on stdout, progress on stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bench_prepare lldb liblldb-dev g++ patch binutils qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross libatomic1-arm64-cross
bench_build_anyway
node --no-warnings dist/bench/arm64.js "$@"
