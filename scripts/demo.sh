#!/usr/bin/env bash
# The main job on the embedded default: install coredump globally (`coredump` on PATH, as `npm install -g`
# of the packed package), crash the tutorial's Node app for real, lay its core out in a folder as
# core-dump-handler lays out its bucket, and run coredump on it: list, info, fetch (core and the
# executable, verified by build-id), debug (llnode, in batch) and report.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_debian lldb liblldb-dev g++ patch binutils
ensure_node_modules
build
bash llnode/build.sh >/dev/null
demo=.cache/demo
cores=$demo/cores
work=$demo/work
mkdir -p "$demo"

# The package as a user installs it: packed (what package.json's `files` ship), then installed globally
# from the tarball, its dependencies from npm's cache where `npm ci` left them.
tarball=$(npm pack --silent --pack-destination "$demo" | tail -1)
prefix=$(npm prefix --global)
sudo=""
[ -w "$prefix/bin" ] && [ -w "$prefix/lib" ] || [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing coredump into $prefix (npm install --global $demo/$tarball)" >&2
$sudo npm install --global --prefer-offline --no-audit --no-fund --loglevel=error "$demo/$tarball" >&2
coredump=$prefix/bin/coredump
if [ "$(command -v coredump)" != "$coredump" ]; then
  echo "note: $coredump is not the coredump on your PATH: add $prefix/bin to PATH" >&2
fi

node dist/scripts/demo-bucket.js "$cores"

# Each command as you would type it: an argument with spaces or quotes in single quotes.
quoted() {
  local arg out=()
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=("$arg"); else out+=("'${arg//\'/\'\\\'\'}'"); fi
  done
  printf '%s' "${out[*]}"
}
run() {
  printf '\n$ coredump %s\n' "$(quoted "$@")" >&2
  "$coredump" "$@"
}
run list --dir "$cores"
run info last --dir "$cores"
run fetch last --dir "$cores" --workdir "$work"
run debug last --dir "$cores" --workdir "$work" --batch -o 'v8 bt 10'
run report last --dir "$cores" --workdir "$work"
