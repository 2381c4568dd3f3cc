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
