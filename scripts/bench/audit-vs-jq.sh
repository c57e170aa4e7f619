#!/usr/bin/env bash
# `kensa audit` against jq on a seeded, generated audit log (default 2 GiB),
# both tools in the same run: wall time (hyperfine), throughput, and peak RSS
# (GNU time) for a filter query, the summary report and gzip input.
#
#   scripts/bench/audit-vs-jq.sh [SIZE]        SIZE: e.g. 2G (default), 512M
#
# The log is generated once into target/bench (kensa audit generate, seed
# 20251128) and reused. Needs jq, hyperfine and GNU time (apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
size="${1:-2G}"
dir="${KENSA_BENCH_DIR:-target/bench}"
mkdir -p "$dir"
for tool in jq hyperfine /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq jq hyperfine time bc; break; }
done
cargo build --release -q -p kensa
kensa=target/release/kensa
log="$dir/audit-$size.log"
[[ -f "$log" ]] || "$kensa" audit generate --seed 20251128 --size "$size" -o "$log"
[[ -f "$log.gz" ]] || gzip -k -6 "$log"
bytes=$(stat -c %s "$log")
echo "kensa: $($kensa --version)"; echo "jq: $(jq --version)"
echo "log: $log, $bytes bytes, $(wc -l < "$log") lines; gzip: $(stat -c %s "$log.gz") bytes"
cat "$log" "$log.gz" > /dev/null # into the page cache: both tools read from memory

mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'; }
mean() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"; }
run() { # name, runs, command
  hyperfine --warmup 1 --runs "$2" --export-json "$dir/h.json" "$3" >&2
  local s; s=$(mean "$dir/h.json"); echo "$1: ${s} s, $(mbps "$s")"
}
rss() { /usr/bin/time -f "%M" bash -c "$1" 2>&1 >/dev/null | tail -1; }

query="$kensa audit $log --where verb=create --where resource=pods -o jsonl"
echo "== filter: verb=create resource=pods"
run "kensa" 5 "$query > /dev/null"
echo "kensa peak RSS: $(rss "$query") KB"
# jq is timed once (it takes minutes); its output is kept to compare answers.
start=$(date +%s.%N)
jq -c 'select(.verb=="create" and .objectRef.resource=="pods")' "$log" > "$dir/jq.out"
end=$(date +%s.%N)
s=$(echo "$end - $start" | bc -l)
echo "jq: ${s} s, $(mbps "$s")"
bash -c "$query" 2>/dev/null > "$dir/kensa.out"
echo "same answer? kensa $(wc -l < "$dir/kensa.out") events, jq $(wc -l < "$dir/jq.out") events;" \
  "auditID+stage sets equal: $(cmp -s <(jq -r '.auditID+" "+.stage' "$dir/kensa.out" | sort) <(jq -r '.auditID+" "+.stage' "$dir/jq.out" | sort) && echo yes || echo NO)"
echo "== report summary"
run "kensa --report summary" 5 "$kensa audit $log --report summary -o json > /dev/null"
echo "kensa peak RSS: $(rss "$kensa audit $log --report summary -o json") KB"
echo "== gzip input"
run "gzip -dc (decompression alone)" 3 "gzip -dc $log.gz > /dev/null"
# A query whose prefilter rejects every line: what is left is decompression.
run "kensa on .gz, nothing matches (decompression bound)" 3 "$kensa audit $log.gz --where auditid=no-such-request-id --count > /dev/null"
run "kensa on .gz, filter" 3 "$kensa audit $log.gz --where verb=create --where resource=pods --count > /dev/null"
echo "kensa peak RSS on .gz: $(rss "$kensa audit $log.gz --report summary -o json") KB"
