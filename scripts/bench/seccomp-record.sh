#!/bin/sh
# Slowdown of syscall-heavy workloads under the BPF recorder (the `record`
# example, i.e. what `kensa seccomp advise -- CMD` does), next to strace -f
# in the same run, and the floor: what a process *outside* the recorded
# cgroup pays while the program is attached (the kernel's syscall-tracepoint
# path, which any sys_enter hook turns on). Needs root, gcc, strace.
# Prints the median wall time of RUNS runs of each.
#
#   scripts/bench/seccomp-record.sh [RUNS]      NO_STRACE=1 skips strace
set -eu
RUNS=${1:-7}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build -q --release -p kensa-seccomp --example record
RECORD=$TARGET/release/examples/record
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$ROOT/scripts/bench/seccomp-workloads.sh" "$WORK"

# median wall seconds of RUNS runs of "$@"
median() {
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1
        end=$(date +%s%N)
        echo $(( (end - start) / 1000 ))
    done | sort -n | awk '{ a[NR] = $1 } END { printf "%.4f", a[int((NR + 1) / 2)] / 1e6 }'
}

# The recorder's fixed cost (cgroup, BPF load and attach, naming).
echo "recorder start-up (record /bin/true): $(median "$RECORD" /bin/true) s, plain /bin/true: $(median /bin/true) s"

# The floor: a process outside the recorded cgroup while the program is attached.
"$RECORD" sleep 60 > /dev/null 2>&1 &
holder=$!
sleep 1
outside=$(median "$WORK/pread" 2000000)
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
alone=$(median "$WORK/pread" 2000000)
echo "2M pread (64 B), nothing attached: $alone s; outside the cgroup while attached: $outside s"
awk -v a="$alone" -v o="$outside" 'BEGIN { printf "hook floor: %.0f ns per syscall (%.2f×)\n\n", (o - a) / 2e6 * 1e9, o / a }'

run() {
    name=$1; shift
    plain=$(median "$@")
    bpf=$(median "$RECORD" "$@")
    if [ "${NO_STRACE:-}" ]; then strace=0; else strace=$(median strace -f -c -o /dev/null "$@"); fi
    awk -v n="$name" -v p="$plain" -v b="$bpf" -v s="$strace" 'BEGIN {
        st = s > 0 ? sprintf("%.3f s (%.1f×)", s, s / p) : "not run"
        printf "| %s | %.3f s | %.3f s (**%.2f×**) | %s |\n", n, p, b, b / p, st }'
}

echo "| workload | plain | BPF recorder | strace -f -c |"
echo "|---|---|---|---|"
run "find /usr -type f" "$WORK/find-usr"
run "200k pread, 64 B" "$WORK/pread" 200000
run "200k pread, 4 KiB" "$WORK/pread" 200000 4096 "$WORK/pread"
NO_STRACE=1 run "2M pread, 64 B (no strace: minutes)" "$WORK/pread" 2000000
