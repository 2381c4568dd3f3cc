#!/usr/bin/env bash
# Runs the fetch benchmark (bench/fetch.ts) against the rig's Ceph RGW: starts the rig when it is down
# (and then stops it at the end; a rig that was already up is left running), installs awscli, curl,
# unzip, GNU time and bsdtar when missing, builds, and runs. Arguments go to the benchmark, e.g.
# bench/fetch.sh --runs 3 --big 0. The figures go to stdout, progress to stderr. About 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian awscli curl unzip time gzip libarchive-tools
ensure_node_modules

if bash tests/rig/rgw.sh status && [[ -f .cache/rig/rgw.env ]]; then
  echo "bench: using the rig that is already up (it stays up)" >&2
else
  bash tests/rig/rgw.sh start >&2
  trap 'bash tests/rig/rgw.sh stop' EXIT
fi

build
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/fetch.js "$@"
