# Sourced by the benchmarks' scripts (bench/*.sh), after `set -euo pipefail`: moves to the repository's
# root and brings scripts/lib/ensure.sh's ensure_*, build and stop_started_rigs (set as the exit trap), plus
# what the benchmarks share below.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib/ensure.sh

# bench_prepare PACKAGE…: installs the Debian packages that are missing, then the npm packages.
bench_prepare() {
  ensure_debian "$@"
  ensure_node_modules
}

# The rigs ensure_rig (scripts/lib/ensure.sh) starts are stopped at exit; rigs that were already up stay up.
trap stop_started_rigs EXIT

# bench_build_anyway: builds; other files of the tree may be half-edited by someone else: tsc emits all
# the same, and says so.
bench_build_anyway() {
  build || echo "bench: tsc reported errors (above); going on with what it emitted" >&2
}

# What a benchmark of report needs: lldb and the builders, the rig's RGW and registry (started when down,
# stopped again at exit), a build, and the project's llnode.
bench_prepare_report() {
  bench_prepare lldb liblldb-dev g++ gcc patch binutils
  ensure_rig rgw "the S3 rig"
  bench_build_anyway
  ensure_rig registry "the registry rig"
  bash llnode/build.sh >/dev/null
}
