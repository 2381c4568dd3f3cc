# Sourced by the project's scripts: install what is missing, build what is stale. Safe to run again.

# ensure_debian PACKAGE…: installs the Debian packages that are not installed yet (as root, or with sudo).
ensure_debian() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ensure_node_modules: `npm ci` when node_modules is missing or older than the lock file.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "installing npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

# build: compiles src, tests, bench and scripts into dist/.
build() {
  npx tsc -p tsconfig.json
}

# The rigs (tests/rig/NAME.sh) that ensure_rig started; stop_started_rigs stops them in the reverse order.
# Rigs that were already up stay up. Set `trap stop_started_rigs EXIT` (or a trap that calls it) before
# the first ensure_rig, so that a later failed start still stops the rigs started before it.
started_rigs=()
stop_started_rigs() {
  local i
  for ((i = ${#started_rigs[@]} - 1; i >= 0; i--)); do bash "tests/rig/${started_rigs[i]}.sh" stop >&2 || true; done
}

# ensure_rig NAME WHAT: uses the rig tests/rig/NAME.sh (WHAT, in the message) when it is up (its start then
# only writes .cache/rig/NAME.env if that is missing); starts it otherwise, to be stopped by stop_started_rigs.
# Run from the repository's root.
ensure_rig() {
  if bash "tests/rig/$1.sh" status; then
    echo "${0##*/}: using $2 that is already up (it stays up)" >&2
    [[ -f ".cache/rig/$1.env" ]] || bash "tests/rig/$1.sh" start >&2
  else
    started_rigs+=("$1")
    bash "tests/rig/$1.sh" start >&2
  fi
}
