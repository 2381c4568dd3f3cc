#!/usr/bin/env bash
# Every check and every test, on real parts: type-check, lint and format, then the unit and integration
# tests against a Ceph RGW and Debian's docker-registry (open, basic auth, token auth, S3-backed) that
# this script starts on 127.0.0.1 and stops again, with real lldb, llnode and gdb.
# Usage: scripts/test.sh [test files or folders under dist/tests, default: all]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

# The tests crash real Node processes and read the cores the kernel writes as files in their working folder.
core_pattern=$(cat /proc/sys/kernel/core_pattern)
if [[ $core_pattern == '|'* ]]; then
  echo "scripts/test.sh: kernel.core_pattern is '$core_pattern', a pipe: the tests need cores written as files; set it as root with \`sysctl -w kernel.core_pattern=core\` (in a container: on the host, core_pattern is not namespaced)" >&2
  exit 1
fi

# Everything the tests leave in the temporary folder goes into one folder of this run, removed at exit with
# the rigs started here (stop_started_rigs, scripts/lib/ensure.sh). The trap is set before the first rig
# starts, so that a failed start of the second still stops the first.
run_tmp=$(mktemp -d)
# Some tests run the CLI as another user (nobody), who must reach their folders inside it.
chmod 0755 "$run_tmp"
trap 'stop_started_rigs; rm -rf "$run_tmp"' EXIT

ensure_debian curl docker-registry apache2-utils openssl elfutils lldb liblldb-dev g++ gcc patch binutils gdb gdb-multiarch tmux time
# Go programs the Go tests build and crash (tests/support/go-core.ts), and Delve, which reads their cores.
ensure_debian golang-go delve
# Real aarch64 cores, made here under qemu-user from the official arm64 builds (tests/support/arm64-core.ts).
ensure_debian qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross libatomic1-arm64-cross
ensure_node_modules
# A fresh dist/: the compiled copy of a renamed or deleted test must not run.
rm -rf dist
build
npx biome check --error-on-warnings .
npx dockerfile-utils lint docker/Dockerfile

# llnode 4.0.0 as published, built from its npm tarball: the tests name it through LLNODE_PLUGIN.
COREDUMP_TEST_LLNODE_PUBLISHED=$(bash llnode/build.sh --published)
export COREDUMP_TEST_LLNODE_PUBLISHED
# The project's llnode: 4.0.0 with llnode/patches, which reads Node 16 to 24.
COREDUMP_TEST_LLNODE_PROJECT=$(bash llnode/build.sh)
export COREDUMP_TEST_LLNODE_PROJECT

# The registry's token server runs from dist/, and its S3-backed registry needs RGW: start them in this order.
# A rig that was already up (a developer's, a benchmark's) is used and left running; one started here stops here.
ensure_rig rgw "the S3 rig"
ensure_rig registry "the registry rig"
set -a
. .cache/rig/rgw.env
. .cache/rig/registry.env
set +a

# Integration tests wait on servers and child processes more than on the CPU: run files side by side.
export TMPDIR=$run_tmp
node --test --test-reporter=spec --test-concurrency=3 "${@:-dist/tests/}"

# The analyser image, built from docker/Dockerfile and run as its non-root user (about 2.5 min cold,
# less when podman's layer cache holds): skipped when particular tests were named, or with
# COREDUMP_SKIP_IMAGE=1.
if [ $# -eq 0 ] && [ "${COREDUMP_SKIP_IMAGE:-0}" != 1 ]; then
  bash docker/build.sh
fi
