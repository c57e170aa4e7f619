#!/bin/sh
# Slowdown of syscall-heavy workloads under `kensa seccomp run --profile
# runtime-default`, next to the floor: the same run under a profile that
# allows everything (what any seccomp filter costs on this kernel: the
# syscall slow path). Needs gcc and hyperfine.
#
#   scripts/bench/seccomp-run.sh [RUNS]
set -eu
RUNS=${1:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build -q --release -p kensa
KENSA=$TARGET/release/kensa
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$ROOT/scripts/bench/seccomp-workloads.sh" "$WORK"
echo '{"defaultAction":"SCMP_ACT_ALLOW"}' > "$WORK/allow-all.json"
# The first run compiles and caches the filter; hyperfine's warm-up runs use the cache.
"$KENSA" seccomp run --profile runtime-default -- /bin/true

bench() {
    name=$1; shift
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/h.json" \
        "$*" \
        "$KENSA seccomp run --profile $WORK/allow-all.json -- $*" \
        "$KENSA seccomp run --profile runtime-default -- $*" > /dev/null
    python3 - "$name" "$WORK/h.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = [x["mean"] for x in json.load(open(path))["results"]]
s = [x["stddev"] for x in json.load(open(path))["results"]]
print(f"| {name} | {r[0]*1e3:.1f} ms ± {s[0]*1e3:.1f} | {r[1]*1e3:.1f} ms ({r[1]/r[0]:.3f}×) "
      f"| {r[2]*1e3:.1f} ms ± {s[2]*1e3:.1f} (**{r[2]/r[0]:.3f}×**) |")
PY
}

echo "| workload | plain | allow-all filter (floor) | RuntimeDefault |"
echo "|---|---|---|---|"
bench "/bin/true" /bin/true
bench "find /usr -type f" "$WORK/find-usr"
bench "200k pread, 64 B" "$WORK/pread" 200000
bench "200k pread, 4 KiB" "$WORK/pread" 200000 4096 "$WORK/pread"
bench "2M pread, 64 B" "$WORK/pread" 2000000
