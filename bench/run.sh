#!/usr/bin/env bash
# Runs the list benchmark (bench/list.ts) against the rig's Ceph RGW: starts the rig when it is down
# (and then stops it at the end; a rig that was already up is left running), installs awscli when
# missing, builds, and runs. Arguments go to the benchmark, e.g. bench/run.sh --runs 7.
# The figures go to stdout, progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian awscli curl
ensure_node_modules

if bash tests/rig/rgw.sh status && [[ -f .cache/rig/rgw.env ]]; then
  echo "bench: using the rig that is already up (it stays up)" >&2
else
  bash tests/rig/rgw.sh start >&2
  trap 'bash tests/rig/rgw.sh stop' EXIT
fi

build
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/list.js "$@"
