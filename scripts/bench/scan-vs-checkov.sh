#!/usr/bin/env bash
# `kensa scan` against Checkov on the real-world corpus (../shared/corpus/manifests,
# 640 objects) and on the same corpus replicated 10x: wall time (hyperfine) and
# peak RSS (GNU time), both tools in the same run.
#
#   scripts/bench/scan-vs-checkov.sh [CORPUS_DIR]
#
# Checkov is installed with pip into .cache/checkov-venv for the benchmark only
# and run as `checkov --framework kubernetes --skip-download -d DIR`.
# Needs hyperfine and GNU time (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus="$(realpath "${1:-${KENSA_REFERENCE:-../shared/reference}/../corpus/manifests}")"
# Not under a hidden directory: Checkov skips those.
dir="${KENSA_BENCH_DIR:-target/bench}"
mkdir -p "$dir"
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine time; break; }
done
venv=.cache/checkov-venv
[[ -x "$venv/bin/checkov" ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q checkov; }
checkov="$venv/bin/checkov"
cargo build --release -q -p kensa
kensa=target/release/kensa

x10="$dir/corpus-x10"
if [[ ! -d "$x10" ]]; then
  mkdir -p "$x10"
  for i in $(seq 1 10); do cp -r "$corpus" "$x10/copy-$i"; done
fi

echo "kensa: $($kensa --version)"; echo "checkov: $($checkov --version)"
runs=3
for input in "$corpus" "$x10"; do
  echo "== $input ($(find "$input" -type f | wc -l) files)"
  # Both exit non-zero when they find something, which this corpus has by design.
  hyperfine --warmup 1 --runs 10 -i "$kensa scan --no-progress $input -o json > /dev/null"
  hyperfine --runs "$runs" -i "$checkov --framework kubernetes --skip-download --quiet -o json -d $input > /dev/null"
  # Both exit 1 (findings); keep going.
  { /usr/bin/time -f "kensa peak RSS %M KB" "$kensa" scan --no-progress "$input" -o json 2>&1 >/dev/null || true; } | tail -1
  { /usr/bin/time -f "checkov peak RSS %M KB" "$checkov" --framework kubernetes --skip-download --quiet -o json -d "$input" 2>&1 >/dev/null || true; } | tail -1
  runs=1 # Checkov takes minutes on the 10x corpus
done
