#!/usr/bin/env bash
# A real S3 server for the tests: Ceph RADOS Gateway (one monitor, one RAM-backed
# "memstore" OSD, one radosgw) on 127.0.0.1 only, all state under $RIG_DIR/rgw/.
#
#   tests/rig/rgw.sh start    # up in ~2-3 s; writes $RIG_DIR/rgw.env
#   tests/rig/rgw.sh status   # exit 0 if the endpoint answers HTTP
#   tests/rig/rgw.sh stop     # stops the daemons, removes the state
#
# Tests then `source "$RIG_DIR/rgw.env"` (S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET,
# S3_BUCKET_NAME, S3_REGION) and must use path-style addressing.
# Overrides: RIG_DIR, RGW_PORT, RGW_ACCESS_KEY, RGW_SECRET_KEY, RGW_BUCKET.
# The monitor's ports 3300/6789 are fixed: one rig per machine. There is no ceph-mgr,
# so manager commands (`ceph osd df`, `ceph pg ...`) hang; radosgw does not need it.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REPO/scripts/lib/ensure.sh"
# Resolved: the daemons are found by the state path on their command line, and .cache may be a link
# (a git worktree sharing another checkout's rigs).
RIG_DIR=$(realpath -m "${RIG_DIR:-$REPO/.cache/rig}")
STATE=$RIG_DIR/rgw
CONF=$STATE/ceph.conf
ENV_FILE=$RIG_DIR/rgw.env
PORT=${RGW_PORT:-7480}
ENDPOINT=http://127.0.0.1:$PORT
ACCESS_KEY=${RGW_ACCESS_KEY:-coredump-test}
SECRET_KEY=${RGW_SECRET_KEY:-coredump-test-secret}
BUCKET=${RGW_BUCKET:-coredump-test}
# A second user owns nothing: bucket policies grant it a prefix, as a team's scoped key would have.
TEAM_USER=coredump-team
TEAM_ACCESS_KEY=coredump-team
TEAM_SECRET_KEY=coredump-team-secret
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 # sha256 of no bytes
DAEMONS=(client.rgw.a osd.0 mon.a) # ceph "$name"s, in stop order (a fresh cluster's OSD is always 0)

say() { echo "rgw.sh: $*" >&2; }
now() { date +%s.%N; }
answers() { curl -sf -o /dev/null --max-time 2 "$ENDPOINT/"; }
alive() { daemon_pid "$1" >/dev/null; }

# Print the pid in daemon NAME's pid file if it is a live process of the right program:
# a stale pid file must not make us kill a stranger, and a zombie left by an init that
# does not reap (containers) counts as dead.
daemon_pid() { # daemon_pid NAME
  local pid prog stat
  case $1 in mon.*) prog=ceph-mon ;; osd.*) prog=ceph-osd ;; *) prog=radosgw ;; esac
  pid=$(cat "$STATE/run/$1.pid" 2>/dev/null) || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$prog" ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]] && echo "$pid"
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Print why we failed and the end of the daemon's log (minus the list of log levels
# a crash dump ends with), stop what did start, keep the state for a look, exit 1.
fail() { # fail MESSAGE [DAEMON]
  say "start failed: $1"
  if [[ -n ${2:-} && -f $STATE/log/$2.log ]]; then
    echo "--- last 30 lines of $STATE/log/$2.log ---" >&2
    awk '/^--- logging levels ---/ { skip = 1 } !skip { print } /^--- end dump/ { skip = 0 }' \
      "$STATE/log/$2.log" | tail -n 30 >&2
  fi
  stop_daemons
  exit 1
}

ensure_packages() { # CI machines start without ceph; curl signs the CreateBucket below.
  command -v radosgw >/dev/null && command -v curl >/dev/null && return 0
  ensure_debian ceph-mon ceph-osd radosgw ceph-common curl
}

# SIGKILL, since the state is thrown away anyway: SIGTERM costs each daemon ~2 s.
# The daemons fork into the background, so they are not our children: poll their pids.
stop_daemons() {
  local name pid i
  for name in "${DAEMONS[@]}"; do
    pid=$(daemon_pid "$name") || continue
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$name" || break; sleep 0.1; done
  done
}

write_conf() { # $name/$cluster are ceph's own metavariables, expanded per daemon.
  cat >"$CONF" <<EOF
[global]
fsid = $1
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# Without crc everywhere radosgw loops on "get_initial_auth_request returned -13".
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
ms cluster mode = crc
ms service mode = crc
# Nothing of the machine's /etc/ceph or /var/lib/ceph is used.
keyring = $STATE/keyring
run dir = $STATE/run
admin socket = $STATE/run/\$name.asok
pid file = $STATE/run/\$name.pid
log file = $STATE/log/\$name.log
log max recent = 100
crash dir = $STATE/crash
mon data = $STATE/mon/\$cluster-\$id
osd data = $STATE/osd/\$cluster-\$id
rgw data = $STATE/rgw/\$cluster-\$id
# One OSD in RAM: single replicas, few PGs, no manager (so no autoscaler).
osd objectstore = memstore
memstore device bytes = 4294967296
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# Else the monitor shuts itself down when the disk is nearly full.
mon data avail warn = 1
mon data avail crit = 0
# radosgw creates its pools one by one, each a monitor proposal: 1 s apiece by default.
paxos propose interval = 0.1

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
# The OSD holds everything in its 4 GiB of RAM: a deleted object's data is let go within seconds, not
# after RGW's default two hours, so that the tests, which delete their buckets, never fill it.
rgw gc obj min wait = 1
rgw gc processor period = 5
EOF
}

write_env() { # %q keeps a secret with shell characters intact when sourced
  mkdir -p "$RIG_DIR"
  {
    printf 'export S3_ENDPOINT=%q\n' "$ENDPOINT"
    printf 'export S3_ACCESS_KEY=%q\n' "$ACCESS_KEY"
    printf 'export S3_SECRET=%q\n' "$SECRET_KEY"
    printf 'export S3_BUCKET_NAME=%q\n' "$BUCKET"
    printf 'export S3_REGION=us-east-1\n'
    printf 'export RIG_TEAM_USER=%q\n' "$TEAM_USER"
    printf 'export RIG_TEAM_ACCESS_KEY=%q\n' "$TEAM_ACCESS_KEY"
    printf 'export RIG_TEAM_SECRET=%q\n' "$TEAM_SECRET_KEY"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

start() {
  local t0 fsid osd_uuid id i p code
  t0=$(now)
  if alive mon.a && alive osd.0 && alive client.rgw.a && answers; then
    write_env
    echo "rgw: already up at $ENDPOINT"
    return 0
  fi
  ensure_packages
  stop_daemons # leftovers of a crashed run
  rm -rf "$STATE" "$ENV_FILE"
  for p in 3300 6789 "$PORT"; do
    port_taken "$p" && fail "127.0.0.1:$p is already in use by something that is not this rig"
  done
  mkdir -p "$STATE"/{run,log,mon,osd/ceph-0,rgw,crash}
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"

  ceph-authtool --create-keyring "$STATE/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' "$STATE/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$STATE/monmap" --keyring "$STATE/mon.keyring" || fail "mon mkfs" mon.a
  ceph-mon -c "$CONF" -i a || fail "mon did not start" mon.a

  id=$(ceph -c "$CONF" --connect-timeout 30 osd new "$osd_uuid") || fail "ceph osd new" mon.a
  [[ $id == 0 ]] || fail "expected OSD id 0, got '$id'" mon.a
  # ceph-osd's stderr only repeats its log.
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>/dev/null || fail "osd mkfs" osd.0
  ceph-osd -c "$CONF" -i 0 2>/dev/null || fail "osd did not start" osd.0

  radosgw -c "$CONF" -n client.rgw.a || fail "radosgw did not start" client.rgw.a
  for ((i = 0; ; i++)); do # radosgw creates its pools first, which needs the OSD up
    answers && break
    alive client.rgw.a || fail "radosgw exited" client.rgw.a
    alive osd.0 || fail "osd exited" osd.0
    ((i < 300)) || fail "no HTTP answer on $ENDPOINT after 60 s" client.rgw.a
    sleep 0.2
  done

  radosgw-admin -c "$CONF" user create --uid=coredump-test --display-name='coredump tests' \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null || fail "user create" client.rgw.a
  radosgw-admin -c "$CONF" user create --uid="$TEAM_USER" --display-name='a team with a scoped key' \
    --access-key="$TEAM_ACCESS_KEY" --secret-key="$TEAM_SECRET_KEY" >/dev/null || fail "user create" client.rgw.a
  # radosgw-admin cannot create buckets; curl signs S3 requests (SigV4) itself, but
  # curl 7.88 omits x-amz-content-sha256, without which RGW says SignatureDoesNotMatch.
  code=$(curl -s -o "$STATE/create-bucket.out" -w '%{http_code}' -X PUT --max-time 30 \
    -H "x-amz-content-sha256: $EMPTY_SHA256" --aws-sigv4 'aws:amz:us-east-1:s3' \
    -u "$ACCESS_KEY:$SECRET_KEY" "$ENDPOINT/$BUCKET") || true
  [[ $code == 200 ]] || { cat "$STATE/create-bucket.out" >&2; fail "CreateBucket $BUCKET answered $code" client.rgw.a; }

  write_env
  echo "rgw: up at $ENDPOINT in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s (env: $ENV_FILE)"
}

stop() {
  stop_daemons
  rm -rf "$STATE" "$ENV_FILE"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) answers || exit 1 ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
