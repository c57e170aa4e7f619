#!/bin/sh
# Slowdown of syscall-heavy workloads under the BPF recorder (the `record`
# example, i.e. what `kensa seccomp advise -- CMD` does), next to strace -f.
# Needs root, gcc, strace. Prints the median wall time of RUNS runs of each.
#
#   scripts/bench/seccomp-record.sh [RUNS]
set -eu
RUNS=${1:-7}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build -q --release -p kensa-seccomp --example record
RECORD=$TARGET/release/examples/record
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/pread.c" <<'C'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int fd = open("/etc/passwd", O_RDONLY);
    char buf[64];
    for (long i = 0; i < n; i++)
        if (pread(fd, buf, sizeof buf, 0) < 0) return 1;
    return 0;
}
C
gcc -O2 -static -o "$WORK/pread" "$WORK/pread.c"

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
startup=$(median "$RECORD" /bin/true)
echo "recorder startup (record /bin/true): $startup s"
echo

# A process outside the recorded cgroup while the recorder is attached: the
# syscall tracepoint costs every process on the machine while attached.
"$RECORD" sleep 30 > /dev/null 2>&1 &
sleep 1
outside=$(median "$WORK/pread" 2000000)
kill %1 2>/dev/null || true
wait 2>/dev/null || true
alone=$(median "$WORK/pread" 2000000)
echo "2M pread, nothing attached: $alone s; outside the cgroup while attached: $outside s"
echo

run() {
    name=$1; shift
    "$@" > /dev/null 2>&1 # warm the page cache
    plain=$(median "$@")
    bpf=$(median "$RECORD" "$@")
    if [ "${NO_STRACE:-}" ]; then strace=0; else strace=$(median strace -f -c -o /dev/null "$@"); fi
    awk -v n="$name" -v p="$plain" -v b="$bpf" -v s="$strace" 'BEGIN {
        st = s > 0 ? sprintf("%.3f s (%.1f×)", s, s / p) : "not run"
        printf "| %s | %.3f s | %.3f s (%.2f×) | %s |\n", n, p, b, b / p, st }'
}

echo "| workload | plain | BPF recorder | strace -f -c |"
echo "|---|---|---|---|"
run "find /usr -type f" sh -c 'find /usr -type f > /dev/null'
run "200k pread (static C)" "$WORK/pread" 200000
NO_STRACE=1 run "2M pread (static C; no strace, it takes minutes)" "$WORK/pread" 2000000
