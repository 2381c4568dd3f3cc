# Sourced by the benchmarks' scripts (bench/*.sh), after `set -euo pipefail`: moves to the repository's
# root and brings scripts/lib/ensure.sh's ensure_* and build, plus what the benchmarks share below.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib/ensure.sh

# bench_prepare PACKAGE…: installs the Debian packages that are missing, then the npm packages.
bench_prepare() {
  ensure_debian "$@"
  ensure_node_modules
}

# The rigs bench_rig started, stopped at exit in the reverse order; rigs that were already up stay up.
bench_started=()
bench_stop_started() {
  local i
  for ((i = ${#bench_started[@]} - 1; i >= 0; i--)); do bash "tests/rig/${bench_started[i]}.sh" stop >&2 || true; done
}
trap bench_stop_started EXIT

# bench_rig NAME WHAT: uses the rig tests/rig/NAME.sh (WHAT, in the message) when it is up with its
# .cache/rig/NAME.env; starts it otherwise, to be stopped at exit.
bench_rig() {
  if bash "tests/rig/$1.sh" status && [[ -f ".cache/rig/$1.env" ]]; then
    echo "bench: using $2 that is already up (it stays up)" >&2
  else
    bash "tests/rig/$1.sh" start >&2
    bench_started+=("$1")
  fi
}

# bench_build_anyway: builds; other files of the tree may be half-edited by someone else: tsc emits all
# the same, and says so.
bench_build_anyway() {
  build || echo "bench: tsc reported errors (above); going on with what it emitted" >&2
}
