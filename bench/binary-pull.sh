#!/usr/bin/env bash
# Runs the binary-pull benchmark (bench/binary-pull.ts): starts the rig's Ceph RGW and OCI registries when
# they are down (and stops those it started at the end; rigs already up stay up), installs skopeo and
# strace when missing, builds, and runs. Arguments go to the benchmark, e.g. bench/binary-pull.sh --runs 9.
# Figures on stdout, progress on stderr. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian skopeo strace
ensure_node_modules

started=()
stop_started() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do bash "tests/rig/${started[i]}.sh" stop >&2 || true; done
}
trap stop_started EXIT

if bash tests/rig/rgw.sh status && [[ -f .cache/rig/rgw.env ]]; then
  echo "bench: using the S3 rig that is already up (it stays up)" >&2
else
  bash tests/rig/rgw.sh start >&2
  started+=(rgw)
fi
# Other files of the tree may be half-edited by someone else: tsc emits all the same, and says so.
build || echo "bench: tsc reported errors (above); going on with what it emitted" >&2
# After the build: the registry rig runs the token server from dist/.
if bash tests/rig/registry.sh status && [[ -f .cache/rig/registry.env ]]; then
  echo "bench: using the registry rig that is already up (it stays up)" >&2
else
  bash tests/rig/registry.sh start >&2
  started+=(registry)
fi
# --no-warnings: the AWS SDK's note that its 2027 releases need Node 22, printed by the benchmark itself.
node --no-warnings dist/bench/binary-pull.js "$@"
