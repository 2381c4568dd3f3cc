#!/usr/bin/env bash
# Real OCI registries for the tests: the CNCF distribution registry (Debian's docker-registry) on
# 127.0.0.1 only, in three configurations, all state under $RIG_DIR/registry/:
#
#   open    127.0.0.1:5000   no authentication
#   basic   127.0.0.1:5001   htpasswd (bcrypt) basic authentication
#   token   127.0.0.1:5002   bearer tokens from the project's own token server on 127.0.0.1:5003
#                            (tests/support/registry-token-server.ts: anonymous pulls allowed except
#                            under private/, the rig user may push)
#   s3      127.0.0.1:5004   token authentication as above, blobs in the S3 rig (tests/rig/rgw.sh) served
#                            by 307 redirects to presigned URLs; only when the S3 rig is up
#
#   tests/rig/registry.sh start    # idempotent; writes $RIG_DIR/registry.env
#   tests/rig/registry.sh status   # exit 0 if every registry answers
#   tests/rig/registry.sh stop     # stops them, removes the state
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REPO/scripts/lib/ensure.sh"
# Resolved: the daemons are found by the state path on their command line, and .cache may be a link
# (a git worktree sharing another checkout's rigs).
RIG_DIR=$(realpath -m "${RIG_DIR:-$REPO/.cache/rig}")
STATE=$RIG_DIR/registry
ENV_FILE=$RIG_DIR/registry.env
USER_NAME=coredump
USER_PASSWORD=coredump-registry-secret
IDENTITY_TOKEN=coredump-identity-token-0123456789
SERVICE=coredump-rig
ISSUER=coredump-rig-token-server
TOKEN_SERVER_JS=$REPO/dist/tests/support/registry-token-server.js
S3_BUCKET=coredump-registry
declare -A PORTS=([open]=5000 [basic]=5001 [token]=5002 [tokens]=5003 [s3]=5004)
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

say() { echo "registry.sh: $*" >&2; }
now() { date +%s.%N; }
code_of() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1" || true; }
answers() { # answers NAME: the registry's /v2/ answers 200 or 401
  local code
  code=$(code_of "http://127.0.0.1:${PORTS[$1]}/v2/")
  [[ $code == 200 || $code == 401 ]]
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid in NAME's pid file, if it is a live process of ours (a stale pid must not make us kill a stranger).
daemon_pid() {
  local pid stat
  pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
  grep -qa -- "$STATE" "/proc/$pid/cmdline" 2>/dev/null || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]] && echo "$pid"
}

stop_daemons() {
  local name pid i
  for name in open basic token s3 tokens; do
    pid=$(daemon_pid "$name") || continue
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do daemon_pid "$name" >/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

fail() { # fail MESSAGE [NAME]
  say "start failed: $1"
  if [[ -n ${2:-} && -f $STATE/$2.log ]]; then
    echo "--- last 20 lines of $STATE/$2.log ---" >&2
    tail -n 20 "$STATE/$2.log" >&2
  fi
  stop_daemons
  exit 1
}

ensure_packages() {
  command -v docker-registry >/dev/null && command -v htpasswd >/dev/null && command -v openssl >/dev/null &&
    command -v curl >/dev/null && return 0
  ensure_debian docker-registry apache2-utils openssl curl
}

# write_config NAME STORAGE AUTH: one registry's config.yml
write_config() {
  mkdir -p "$STATE/$1/data"
  cat >"$STATE/$1/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
$2
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${PORTS[$1]}
  secret: $(openssl rand -hex 16)
$3
YAML
}

filesystem_storage() { printf '  filesystem:\n    rootdirectory: %s\n' "$STATE/$1/data"; }

# The S3 rig's endpoint and keys, if it is up; creates the registry's bucket there.
s3_storage() {
  [[ -f $RIG_DIR/rgw.env ]] || return 1
  # shellcheck disable=SC1091
  (
    . "$RIG_DIR/rgw.env"
    [[ $(code_of "$S3_ENDPOINT/") == 200 ]] || exit 1
    curl -s -o /dev/null -X PUT --max-time 30 -H "x-amz-content-sha256: $EMPTY_SHA256" \
      --aws-sigv4 'aws:amz:us-east-1:s3' -u "$S3_ACCESS_KEY:$S3_SECRET" "$S3_ENDPOINT/$S3_BUCKET" || exit 1
    printf '  s3:\n    accesskey: %s\n    secretkey: %s\n    region: us-east-1\n' "$S3_ACCESS_KEY" "$S3_SECRET"
    printf '    regionendpoint: %s\n    bucket: %s\n    secure: false\n    v4auth: true\n' "$S3_ENDPOINT" "$S3_BUCKET"
    printf '    rootdirectory: /registry-%s\n  redirect:\n    disable: false\n' "$(date +%s)"
  )
}

start_registry() { # start_registry NAME
  # The registry panics at start-up when AWS_CA_BUNDLE is set (LoadCustomCABundleError).
  env -u AWS_CA_BUNDLE setsid docker-registry serve "$STATE/$1/config.yml" >"$STATE/$1.log" 2>&1 </dev/null &
  echo $! >"$STATE/$1.pid"
}

start_token_server() {
  [[ -f $TOKEN_SERVER_JS ]] || (cd "$REPO" && npx tsc -p tsconfig.json) || fail "cannot build the token server"
  mkdir -p "$STATE/tokens"
  openssl ecparam -name prime256v1 -genkey -noout -out "$STATE/tokens/key.pem" 2>/dev/null
  openssl req -new -x509 -key "$STATE/tokens/key.pem" -out "$STATE/tokens/cert.pem" -days 3650 \
    -subj "/CN=$ISSUER" 2>/dev/null
  cat >"$STATE/tokens/config.json" <<JSON
{ "port": ${PORTS[tokens]}, "key": "$STATE/tokens/key.pem", "issuer": "$ISSUER", "service": "$SERVICE",
  "users": { "$USER_NAME": "$USER_PASSWORD" }, "identityTokens": { "$IDENTITY_TOKEN": "$USER_NAME" } }
JSON
  setsid node "$TOKEN_SERVER_JS" "$STATE/tokens/config.json" >"$STATE/tokens.log" 2>&1 </dev/null &
  echo $! >"$STATE/tokens.pid"
}

write_env() {
  {
    printf 'export REGISTRY_OPEN=127.0.0.1:%s\n' "${PORTS[open]}"
    printf 'export REGISTRY_OPEN_DATA=%q\n' "$STATE/open/data"
    printf 'export REGISTRY_BASIC=127.0.0.1:%s\n' "${PORTS[basic]}"
    printf 'export REGISTRY_TOKEN=127.0.0.1:%s\n' "${PORTS[token]}"
    printf 'export REGISTRY_TOKEN_REALM=http://127.0.0.1:%s/token\n' "${PORTS[tokens]}"
    printf 'export REGISTRY_USER=%q\n' "$USER_NAME"
    printf 'export REGISTRY_PASSWORD=%q\n' "$USER_PASSWORD"
    printf 'export REGISTRY_IDENTITY_TOKEN=%q\n' "$IDENTITY_TOKEN"
    [[ -f $STATE/s3/config.yml ]] && printf 'export REGISTRY_S3=127.0.0.1:%s\n' "${PORTS[s3]}"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

all_up() {
  local name
  daemon_pid tokens >/dev/null || return 1
  for name in open basic token; do daemon_pid "$name" >/dev/null && answers "$name" || return 1; done
  [[ ! -f $STATE/s3/config.yml ]] || { daemon_pid s3 >/dev/null && answers s3; }
}

start() {
  local t0 name i storage token_auth
  t0=$(now)
  if all_up; then
    write_env
    echo "registry: already up (env: $ENV_FILE)"
    return 0
  fi
  ensure_packages
  stop_daemons
  rm -rf "$STATE" "$ENV_FILE"
  for name in open basic token tokens s3; do
    port_taken "${PORTS[$name]}" && fail "127.0.0.1:${PORTS[$name]} is already in use by something that is not this rig"
  done
  mkdir -p "$STATE/basic"
  htpasswd -Bbn "$USER_NAME" "$USER_PASSWORD" >"$STATE/basic/htpasswd"
  start_token_server

  write_config open "$(filesystem_storage open)" ""
  write_config basic "$(filesystem_storage basic)" \
    "$(printf 'auth:\n  htpasswd:\n    realm: %s\n    path: %s' "$SERVICE" "$STATE/basic/htpasswd")"
  token_auth=$(printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: %s\n    issuer: %s\n    rootcertbundle: %s' \
    "${PORTS[tokens]}" "$SERVICE" "$ISSUER" "$STATE/tokens/cert.pem")
  write_config token "$(filesystem_storage token)" "$token_auth"
  if storage=$(s3_storage); then
    write_config s3 "$storage" "$token_auth"
  else
    say "the S3 rig is not up: no registry with S3 storage (start tests/rig/rgw.sh first for it)"
  fi
  for name in open basic token s3; do [[ -f $STATE/$name/config.yml ]] && start_registry "$name"; done

  for ((i = 0; ; i++)); do
    all_up && break
    for name in open basic token s3 tokens; do
      [[ -f $STATE/$name.pid ]] && ! daemon_pid "$name" >/dev/null && fail "$name exited" "$name"
    done
    ((i < 100)) || fail "no answer after 20 s" open
    sleep 0.2
  done
  [[ $(code_of "http://127.0.0.1:${PORTS[tokens]}/token?service=$SERVICE") == 200 ]] || fail "token server" tokens
  write_env
  echo "registry: up in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s (env: $ENV_FILE)"
}

stop() {
  stop_daemons
  rm -rf "$STATE" "$ENV_FILE"
}

status() {
  all_up
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
