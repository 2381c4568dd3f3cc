#!/usr/bin/env bash
# Every check and every test, on real parts: type-check, lint and format, then the unit and integration
# tests against a Ceph RGW that this script starts on 127.0.0.1 and stops again.
# Usage: scripts/test.sh [test files or folders under dist/tests, default: all]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian curl
ensure_node_modules
build
npx biome check --error-on-warnings .

bash tests/rig/rgw.sh start
trap 'bash tests/rig/rgw.sh stop' EXIT
set -a
. .cache/rig/rgw.env
set +a

# Integration tests wait on servers and child processes more than on the CPU: run files side by side.
node --test --test-reporter=spec --test-concurrency=3 "${@:-dist/tests/}"
