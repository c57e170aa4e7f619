#!/bin/bash
# Cost of `kensa runtime run` (docs/benchmarks.md, "kensa runtime"): a
# 1M open/read(4 KiB)/close loop with nothing attached, with only an empty
# program on tp_btf/sys_enter (the floor), and with a policy loaded, the loop
# outside and inside the workload; then event throughput and loss. All
# configurations run in the same rounds, alternating, so that other load on
# the machine hits them alike; the figures are medians over the rounds.
# Needs root, bpftool and GNU time.
#
#   scripts/bench/runtime.sh [ROUNDS]        (default 5)
#
# Builds the release binary and the runtime_bench example with
# CARGO_TARGET_DIR (default /work/target-rel) unless KENSA and BENCH name
# them. N (default 1000000) is the loop's length, EVENTS_N (default 500000)
# the full-speed events run's, PACED (default "50000 100000") the paced
# rates of the open/read/close loop, PACED_SECONDS (default 3) the length of
# the paced and pread runs. LOG=FILE keeps the programs' standard error
# (per-tenth timings, kensa's messages). PARTS (default "loop events")
# picks the halves to run.
set -euo pipefail
PARTS=${PARTS:-loop events}
want() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
ROUNDS=${1:-5}
N=${N:-1000000}
EVENTS_N=${EVENTS_N:-500000}
PACED=${PACED:-50000 100000}
PACED_SECONDS=${PACED_SECONDS:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-/work/target-rel}
if [ -z "${KENSA:-}" ] || [ -z "${BENCH:-}" ]; then
    (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build -q --release -p kensa \
        && CARGO_TARGET_DIR=$TARGET cargo build -q --release -p kensa-runtime --example runtime_bench)
fi
KENSA=${KENSA:-$TARGET/release/kensa}
BENCH=${BENCH:-$TARGET/release/examples/runtime_bench}
command -v bpftool > /dev/null || { echo "runtime.sh: needs bpftool" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "runtime.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/kensa-runtime-bench.XXXXXX)
HOLDER=
cleanup() {
    local status=$?
    if [ "$status" != 0 ] && [ -f "$WORK/stderr.log" ]; then
        tail -n 20 "$WORK/stderr.log" >&2
    fi
    if [ -n "${LOG:-}" ] && [ -f "$WORK/stderr.log" ]; then
        cp "$WORK/stderr.log" "$LOG"
    fi
    if [ -n "$HOLDER" ]; then
        kill -TERM "$HOLDER" 2> /dev/null || true
        wait "$HOLDER" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/loop" "$WORK/posted"
head -c 4096 /dev/urandom > "$WORK/loop/data"
head -c 4096 /dev/urandom > "$WORK/posted/data"

# The realistic policy: the read part of Tetragon's quickstart
# file-monitoring-enforce policy (sensitive files and shell profiles may not
# be read; system directories may not be written). The loop's file matches
# none of it, but every read of the workload resolves its fd to a path and
# runs the selectors.
cat > "$WORK/deny.yaml" << 'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: file-permission-deny
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - index: 0
      type: file
    - index: 1
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["/boot", "/root/.ssh", "/etc/shadow", "/etc/profile", "/etc/sudoers", "/etc/pam.conf", "/etc/bashrc", "/etc/csh.cshrc", "/etc/csh.login"]
      - index: 1
        operator: Equal
        values: ["4"]
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 0
        operator: Postfix
        values: [".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".cshrc", ".cshdirs", ".profile", ".login", ".logout", ".history"]
      - index: 1
        operator: Equal
        values: ["4"]
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["/etc", "/boot", "/lib", "/lib64", "/bin", "/usr/lib", "/usr/local/lib", "/usr/local/sbin", "/usr/local/bin", "/usr/bin", "/usr/sbin", "/var/log", "/dev/log", "/root/.ssh"]
      - index: 1
        operator: Equal
        values: ["2"]
      matchActions:
      - action: Sigkill
EOF

# A policy whose hooks the loop never reaches (truncate): the engine is
# loaded and sys_enter dispatches, but no syscall of the loop has a hook.
cat > "$WORK/nohook.yaml" << 'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: truncate-deny
spec:
  kprobes:
  - call: security_path_truncate
    syscall: false
    args:
    - index: 0
      type: path
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["/etc", "/boot", "/lib", "/usr/lib", "/usr/bin", "/usr/sbin", "/var/log", "/root/.ssh"]
      matchActions:
      - action: Sigkill
EOF

# For the breakdown of the read hook's cost: a hook on reads without the
# file argument, one with it but no filter on it, one Prefix.
read_hook() { # name args selector-filters
    cat << EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $1
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
$2
    selectors:
    - matchArgs:
$3
      matchActions:
      - action: Sigkill
EOF
}
file_arg='    - index: 0
      type: file'
int_arg='    - index: 1
      type: int'
never='      - index: 1
        operator: Equal
        values: ["64"]'
read_hook int-only "$int_arg" "$never" > "$WORK/int-only.yaml"
read_hook path-no-filter "$file_arg
$int_arg" "$never" > "$WORK/path-no-filter.yaml"
read_hook one-prefix "$file_arg
$int_arg" '      - index: 0
        operator: Prefix
        values: ["/etc/shadow"]
      - index: 1
        operator: Equal
        values: ["4"]' > "$WORK/one-prefix.yaml"

# Every read under $WORK/posted is an event.
cat > "$WORK/post.yaml" << EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: post-reads
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - index: 0
      type: file
    - index: 1
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["$WORK/posted/"]
      - index: 1
        operator: Equal
        values: ["4"]
      matchActions:
      - action: Post
EOF

# kensa programs loaded now (bpftool's list of the kernel's programs).
kensa_progs() {
    bpftool -j prog show | tr '{' '\n' | grep -c '"name":"kensa_' || true
}

# Waits (up to 3 s) until no kensa_ program is loaded: the kernel frees a
# program shortly after its last link and fd are closed. Prints the count.
settled_progs() {
    local n
    for _ in $(seq 30); do
        n=$(kensa_progs)
        [ "$n" = 0 ] && break
        sleep 0.1
    done
    echo "$n"
}

# median of numbers, one per line
median() {
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

now_ns() { date +%s%N; }

# The loop inside the workload of `kensa runtime run --policy $1`; prints
# the loop's ns per iteration.
inside() {
    "$KENSA" runtime run --policy "$1" --events "$WORK/events.inside" -- \
        "$BENCH" loop "$N" "$WORK/loop/data" 2>> "$WORK/stderr.log" | tail -n 1
}

# Starts `kensa runtime run --policy $1 -- sleep 600` and waits until its
# programs are attached: the sys_enter program is loaded and the workload
# has been spawned (kensa spawns it only after attaching).
hold() {
    "$KENSA" runtime run --policy "$1" --events "$WORK/events.holder" -- sleep 600 2>> "$WORK/stderr.log" &
    HOLDER=$!
    for _ in $(seq 200); do
        if bpftool -j prog show | grep -q '"name":"kensa_sys_enter"' \
            && [ -n "$(ps -o pid= --ppid "$HOLDER")" ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "runtime.sh: kensa runtime run did not attach within 10 s" >&2
    exit 1
}

unhold() {
    kill -TERM "$HOLDER"
    wait "$HOLDER" 2> /dev/null || true
    HOLDER=
}

echo "kensa runtime benchmark: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "loop: $N x open/read 4 KiB/close of $WORK/loop/data, $ROUNDS rounds"
before=$(settled_progs)
if [ "$before" != 0 ]; then
    echo "WARNING: $before kensa_ programs are loaded by someone else: every figure includes them" >&2
fi

if want loop; then
# Each round: (a) and (b) in one process, alternating tenths of the loop
# with nothing attached and with the floor; (c) the loop outside a running
# `kensa runtime run`; (d) and (e) the loop as kensa's workload.
: > "$WORK/a"; : > "$WORK/b"; : > "$WORK/ab"; : > "$WORK/c"; : > "$WORK/d"; : > "$WORK/e"
for round in $(seq "$ROUNDS"); do
    others=$(settled_progs)
    read -r a b ab < <("$BENCH" floor "$N" "$WORK/loop/data" 2>> "$WORK/stderr.log")
    hold "$WORK/deny.yaml"
    c=$("$BENCH" loop "$N" "$WORK/loop/data" 2>> "$WORK/stderr.log")
    unhold
    d=$(inside "$WORK/deny.yaml")
    e=$(inside "$WORK/nohook.yaml")
    echo "$a" >> "$WORK/a"; echo "$b" >> "$WORK/b"; echo "$ab" >> "$WORK/ab"
    echo "$c" >> "$WORK/c"; echo "$d" >> "$WORK/d"; echo "$e" >> "$WORK/e"
    echo "round $round: none $a, floor $b (paired $ab), policy/outside $c, policy/inside $d, truncate-only/inside $e ns/iter (other kensa programs loaded: $others)"
done

# min-max of a file's numbers
spread() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'; }

a=$(median < "$WORK/a"); b=$(median < "$WORK/b"); ab=$(median < "$WORK/ab")
c=$(median < "$WORK/c"); d=$(median < "$WORK/d"); e=$(median < "$WORK/e")
echo
echo "medians of $ROUNDS rounds, ns per iteration (3 syscalls: openat, read, close):"
echo
echo "| configuration | ns/iteration (median) | range over rounds | ratio to floor |"
echo "|---|---|---|---|"
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" -v ab="$ab" \
    -v ra="$(spread "$WORK/a")" -v rb="$(spread "$WORK/b")" -v rc="$(spread "$WORK/c")" \
    -v rd="$(spread "$WORK/d")" -v re="$(spread "$WORK/e")" 'BEGIN {
    printf "| (a) nothing attached | %.0f | %s | %.3f |\n", a, ra, a / b
    printf "| (b) floor: empty program on `tp_btf/sys_enter` | %.0f | %s | 1 |\n", b, rb
    printf "| (c) policy loaded, loop outside the workload (target ≤ 1.1×) | %.0f | %s | **%.3f** |\n", c, rc, c / b
    printf "| (d) policy loaded, loop inside the workload (target ≤ 1.2×) | %.0f | %s | **%.3f** |\n", d, rd, d / b
    printf "| (e) truncate-only policy, loop inside the workload | %.0f | %s | %.3f |\n", e, re, e / b
    printf "\nfloor: b/a = %.3f (median of the rounds'"'"' paired ratios: %.3f), %.0f ns per iteration, %.0f ns per syscall\n", b / a, ab, b - a, (b - a) / 3
    printf "policy outside over floor: %.0f ns per iteration\n", c - b
    printf "policy inside over floor: %.0f ns per iteration (the read hook: d - e = %.0f ns per read)\n", d - b, d - e
}'

# Cross-check without the noise between processes: the bench loads the same
# compiled policy itself (as `kensa runtime run` does, scope = a cgroup of
# its own) and alternates tenths of the loop under the floor and under the
# policy, outside and inside that cgroup.
echo
echo "paired in one process (10 alternating pairs of $((N / 10)) iterations), policy = deny.yaml:"
echo
echo "| side | floor ns/iter | policy ns/iter | policy/floor, median of pairs |"
echo "|---|---|---|---|"
for side in outside inside; do
    read -r f p r < <("$BENCH" compare "$N" "$WORK/loop/data" "$WORK/deny.yaml" "$side" 2>> "$WORK/stderr.log")
    printf '| %s | %.0f | %.0f | **%.3f** |\n' "$side" "$f" "$p" "$r"
done

# Where the read hook's time goes, inside, with N/2 iterations a side: a
# hook on the reads that takes only the int argument (no path), one that
# also takes the file (its path is resolved) but filters on the int only,
# one Prefix, and deny.yaml's 3 selectors (33 prefixes and postfixes).
echo
echo "the read hook inside the workload, paired against the floor, $((N / 2)) iterations a side:"
echo
echo "| read hook | floor ns/iter | policy ns/iter | policy/floor, median of pairs |"
echo "|---|---|---|---|"
for policy in int-only path-no-filter one-prefix deny; do
    read -r f p r < <("$BENCH" compare "$((N / 2))" "$WORK/loop/data" "$WORK/$policy.yaml" inside 2>> "$WORK/stderr.log")
    printf '| %s | %.0f | %.0f | %.3f |\n' "$policy" "$f" "$p" "$r"
done

fi

# ---- Events ----
# Runs `kensa runtime run --policy post.yaml -o FORMAT --events FIFO -- "$@"`
# and counts the hook events (not the workload's exec and exit) that come
# out of the FIFO; sets COUNT, LOST (kensa's "N events were lost" message),
# WALL (kensa's wall seconds), CPU (kensa's own CPU seconds) and OUT (the
# workload's last line).
events_run() {
    local format=$1
    shift
    rm -f "$WORK/fifo" "$WORK/count"
    mkfifo "$WORK/fifo"
    if [ "$format" = json ]; then
        grep -c -F '"process_kprobe"' < "$WORK/fifo" > "$WORK/count" &
    else
        grep -c -v -e '^🚀 process' -e '^💥 exit' < "$WORK/fifo" > "$WORK/count" &
    fi
    local counter=$!
    local start end
    start=$(now_ns)
    /usr/bin/time -f '%U %S' -o "$WORK/time" \
        "$KENSA" runtime run --policy "$WORK/post.yaml" -o "$format" --events "$WORK/fifo" -- "$@" \
        > "$WORK/events.out" 2> "$WORK/events.stderr" || true
    end=$(now_ns)
    # If kensa never opened the FIFO, the counter still waits for a writer.
    exec 3<> "$WORK/fifo"
    exec 3>&-
    wait "$counter" || true
    COUNT=$(cat "$WORK/count")
    LOST=$(sed -n 's/^kensa: \([0-9]*\) events were lost.*/\1/p' "$WORK/events.stderr")
    LOST=${LOST:-0}
    WALL=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
    # GNU time counts kensa and the workload it waited for; the workload
    # reports its own CPU time last.
    CPU=$(awk -v w="$(sed -n 's/^runtime_bench: cpu \([0-9.]*\) s$/\1/p' "$WORK/events.stderr")" \
        '{ printf "%.2f", $1 + $2 - w }' "$WORK/time")
    OUT=$(tail -n 1 "$WORK/events.out")
    cat "$WORK/events.stderr" >> "$WORK/stderr.log"
}

if want events; then
# kensa's CPU for starting (the verifier) and stopping with a workload
# that reads nothing: taken off the runs' CPU to leave the events' cost.
events_run json "$BENCH" rate max 0 "$WORK/posted/data" pread
BASE_CPU=$CPU

row() { # name expected loop-seconds
    awk -v name="$1" -v n="$2" -v s="$3" -v c="$COUNT" -v l="$LOST" -v cpu="$CPU" -v base="$BASE_CPU" 'BEGIN {
        cpu -= base
        printf "| %s | %d | %d | %d | %.3f s | %.0f | %.2f s (%.0f%%) | %.1f µs |\n", name, n, c, l, s, c / s, cpu, 100 * cpu / s, (c > 0 ? cpu / c * 1e6 : 0) }'
}

echo
echo "events: every read under $WORK/posted posted, to a FIFO counted by grep"
echo
echo "kensa's CPU beyond start-up and exit (${BASE_CPU} s with a workload that reads nothing), and in % of the workload's time:"
echo
echo "| run | reads (expected events) | delivered | lost (kensa's counter) | workload time | delivered/s | kensa CPU | kensa CPU per event |"
echo "|---|---|---|---|---|---|---|---|"
# The loop warms up with N/100 iterations before timing, which read too.
warm=$(( EVENTS_N / 100 > 0 ? EVENTS_N / 100 : 1 ))
events_run json "$BENCH" loop "$EVENTS_N" "$WORK/posted/data"
row "\`-o json\`, open/read/close loop at full speed" "$((EVENTS_N + warm))" \
    "$(awk -v ns="$OUT" -v n="$EVENTS_N" -v w="$warm" 'BEGIN { printf "%.3f", ns * (n + w) / 1e9 }')"
for rate in $PACED; do
    events_run json "$BENCH" rate "$rate" "$PACED_SECONDS" "$WORK/posted/data"
    row "\`-o json\`, open/read/close paced at $rate/s" "${OUT% *}" "${OUT#* }"
done
# A cheaper producer (pread of an open file: one syscall per event) to reach
# rates the open/read/close loop cannot make on one core.
for format in json compact; do
    events_run "$format" "$BENCH" rate max "$PACED_SECONDS" "$WORK/posted/data" pread
    row "\`-o $format\`, pread at full speed" "${OUT% *}" "${OUT#* }"
    events_run "$format" "$BENCH" rate 200000 "$PACED_SECONDS" "$WORK/posted/data" pread
    row "\`-o $format\`, pread paced at 200000/s" "${OUT% *}" "${OUT#* }"
done
fi
after=$(settled_progs)
if [ "$after" != 0 ]; then
    echo "WARNING: $after kensa_ programs still loaded at the end (someone else's)" >&2
fi
