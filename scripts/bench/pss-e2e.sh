#!/usr/bin/env bash
# End-to-end `kensa pss check` on a generated 100,000-pod `kubectl get pods -A -o json`
# file (and its -o yaml twin): wall time and peak RSS.
#
#   scripts/bench/pss-e2e.sh [PODS]        # default 100000
#
# Needs hyperfine (apt-get install hyperfine) and GNU time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/../.."
pods="${1:-100000}"
dir="${KENSA_BENCH_DIR:-.cache/bench}"
mkdir -p "$dir"
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine time; break; }
done
cargo build --release -q -p kensa
kensa=target/release/kensa

for format in json yaml; do
  file="$dir/pods-$pods.$format"
  [[ -s "$file" ]] || python3 scripts/bench/gen-pods.py --pods "$pods" --format "$format" --seed 1 -o "$file"
  size=$(stat -L -c %s "$file")
  echo "== $format: $file ($((size / 1000000)) MB)"
  # Exit code 1 means "violations found", which this input has by design.
  hyperfine --warmup 1 --runs 5 -i "$kensa pss check $file > /dev/null"
  /usr/bin/time -f "peak RSS %M KB (file $((size / 1024)) KB)" "$kensa" pss check "$file" > /dev/null || true
done
