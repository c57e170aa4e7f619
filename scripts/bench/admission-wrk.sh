#!/bin/sh
# Throughput and latency of `kensa serve --admission` under wrk over TLS on
# loopback, posting a realistic pod AdmissionReview (scripts/bench/
# admission-review.json: a ReplicaSet-created pod with an init container, a
# sidecar, managed fields and the projected token volume, 5.4 KB) to a
# namespace that enforces baseline and warns and audits restricted, so every
# answer carries a warning and an audit annotation.
#
#   scripts/bench/admission-wrk.sh [SECONDS] [CONNECTIONS] [THREADS]
#   SOAK=600 scripts/bench/admission-wrk.sh   # also: RSS every 10 s over a 10-minute run
#
# Needs wrk, openssl, curl.
set -eu
SECONDS_RUN=${1:-30}
CONNECTIONS=${2:-64}
THREADS=${3:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build -q --release -p kensa
KENSA=$TARGET/release/kensa
WORK=$(mktemp -d)
PORT=${PORT:-18443}
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
cat > "$WORK/cluster.json" <<'JSON'
{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{
 "pod-security.kubernetes.io/enforce":"baseline","pod-security.kubernetes.io/warn":"restricted","pod-security.kubernetes.io/audit":"restricted"}}}]}
JSON
cat > "$WORK/post.lua" <<LUA
local f = io.open("$ROOT/scripts/bench/admission-review.json", "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

"$KENSA" serve --admission --listen "127.0.0.1:$PORT" --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" \
    --snapshot "$WORK/cluster.json" 2> "$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do
    curl -ksf "https://127.0.0.1:$PORT/readyz" > /dev/null 2>&1 && break
    sleep 0.1
done
echo "answer:"
curl -ks -X POST -H 'Content-Type: application/json' --data-binary @"$ROOT/scripts/bench/admission-review.json" \
    "https://127.0.0.1:$PORT/validate" | head -c 600
echo; echo

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVER/status"; }
echo "RSS before: $(rss) kB"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$WORK/post.lua" "https://127.0.0.1:$PORT/validate"
echo "RSS after ${SECONDS_RUN}s: $(rss) kB"

if [ -n "${SOAK:-}" ]; then
    echo "soak: ${SOAK}s, RSS (kB) every 10 s:"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SOAK}s" --latency -s "$WORK/post.lua" "https://127.0.0.1:$PORT/validate" > "$WORK/soak.txt" &
    LOAD=$!
    while kill -0 "$LOAD" 2>/dev/null; do
        printf '%s ' "$(rss)"
        sleep 10
    done
    echo
    cat "$WORK/soak.txt"
    echo "RSS after soak: $(rss) kB"
fi
curl -ks "https://127.0.0.1:$PORT/metrics" | grep -E '^kensa_admission_(requests_total|errors_total|evaluation_seconds_(count|sum))'
