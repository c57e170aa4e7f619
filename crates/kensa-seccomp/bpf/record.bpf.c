// SPDX-License-Identifier: Apache-2.0
/* Records which syscalls the processes of one cgroup (and its descendants)
 * make, for `kensa seccomp advise`.
 *
 * One program on the raw tracepoint sys_enter (raw_syscalls:sys_enter without
 * the perf-event layer: no tracefs needed to attach, and cheaper per call:
 * no trace record is built). It runs for every syscall on the
 * machine while attached, so the common path (a task outside the target
 * cgroup) is one helper call and one compare. Inside the cgroup it sets a
 * byte per (architecture, syscall number): the byte is written only the first
 * time, so after warm-up the hot path only reads a shared cache line.
 *
 * Architectures (slot index, mapped to libseccomp names by userspace):
 *   0: the native one;
 *   1: compat (on x86_64: i386, seen through TS_COMPAT in thread_info.status,
 *      which the kernel sets for the duration of a 32-bit syscall);
 *   2: x32 (on x86_64: the number has __X32_SYSCALL_BIT, bit 30, set).
 * Numbers at or above SLOTS go to a hash map instead, so there is no cap on
 * the number; only if that map is full is the syscall counted as lost.
 *
 * For the few syscalls whose arguments the runtimes' default profiles
 * restrict (userspace marks them in `watch_arg`), the distinct argument values
 * go to a hash map keyed by (arch, nr, value). */

#include "record.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define SLOTS 1024
#define ARCHES 3
#define TS_COMPAT 0x2
#define X32_SYSCALL_BIT 0x40000000

/* Set by userspace before load (read-only for the program, so the verifier
 * and JIT treat them as constants). watch_arg[slot * SLOTS + nr] is 1 + the
 * index of the argument to record for that syscall, 0 for none: one load
 * instead of a search on the hot path. */
const volatile __u64 target_cgroup_id = 0;
const volatile __u32 target_level = 0;
const volatile __u8 watch_arg[ARCHES * SLOTS] = {};
/* For a command the recorder starts: the native number of execve. Syscalls
 * before the first one (the recorder's own set-up of the child between fork
 * and exec) are not the workload's and are skipped, as a runtime applies a
 * container's filter just before its execve. -1: record from the start. */
const volatile __s64 start_at_syscall = -1;

/* Read by userspace after the run (.bss, mapped into userspace). */
__u8 started = 0;
__u8 seen[ARCHES * SLOTS] = {};
__u64 lost_syscalls = 0;
__u64 lost_arguments = 0;

struct nr_key {
	__u32 arch;
	__u32 nr;
};

struct arg_key {
	__u32 arch;
	__u32 nr;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct nr_key);
	__type(value, __u8);
} high_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct arg_key);
	__type(value, __u8);
} arguments SEC(".maps");

/* The value of syscall argument `index` (0..5), from the registers of the
 * syscall entry; `compat`: an i386 syscall on x86_64, which passes its
 * arguments in other registers. */
static __always_inline unsigned long arg_of(struct pt_regs *regs, __u32 index, int compat)
{
#if defined(__TARGET_ARCH_x86)
	if (compat) {
		switch (index) {
		case 0: return BPF_CORE_READ(regs, bx);
		case 1: return BPF_CORE_READ(regs, cx);
		case 2: return BPF_CORE_READ(regs, dx);
		case 3: return BPF_CORE_READ(regs, si);
		case 4: return BPF_CORE_READ(regs, di);
		default: return BPF_CORE_READ(regs, bp);
		}
	}
	switch (index) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	case 4: return BPF_CORE_READ(regs, r8);
	default: return BPF_CORE_READ(regs, r9);
	}
#else
	/* x0 is overwritten by the return value; orig_x0 keeps argument 0. */
	if (index == 0)
		return BPF_CORE_READ(regs, orig_x0);
	return BPF_CORE_READ(regs, regs[index < 6 ? index : 5]);
#endif
}

/* The raw tracepoint's arguments: TP_PROTO(struct pt_regs *regs, long id). */
SEC("raw_tp/sys_enter")
int record_sys_enter(__u64 *ctx)
{
	if (bpf_get_current_ancestor_cgroup_id(target_level) != target_cgroup_id)
		return 0;

	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	long id = (long)ctx[1];
	__u32 arch = 0;
	if (id < 0)
		return 0; /* no syscall (e.g. a tracer cancelled it) */
#if defined(__TARGET_ARCH_x86)
	/* A BTF-typed task pointer: a direct load, no probe_read helper call. */
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->thread_info.status & TS_COMPAT) {
		arch = 1;
	} else if (id & X32_SYSCALL_BIT) {
		arch = 2;
		id &= ~(long)X32_SYSCALL_BIT;
	}
#endif
	if (start_at_syscall >= 0 && !started) {
		if (arch != 0 || id != start_at_syscall)
			return 0;
		started = 1;
	}
	__u32 nr = (__u32)id;

	if (id >= SLOTS) {
		struct nr_key key = { .arch = arch, .nr = nr };
		__u8 one = 1;
		if (!bpf_map_lookup_elem(&high_syscalls, &key) &&
		    bpf_map_update_elem(&high_syscalls, &key, &one, BPF_NOEXIST) == -7 /* E2BIG */)
			__sync_fetch_and_add(&lost_syscalls, 1);
		return 0;
	}

	__u32 index = arch * SLOTS + nr;
	if (index >= ARCHES * SLOTS)
		return 0;
	if (!seen[index])
		seen[index] = 1;
	__u8 watch = watch_arg[index];
	if (watch) {
		struct arg_key key = { .arch = arch, .nr = nr, .value = arg_of(regs, watch - 1, arch == 1) };
		__u8 one = 1;
		if (!bpf_map_lookup_elem(&arguments, &key) &&
		    bpf_map_update_elem(&arguments, &key, &one, BPF_NOEXIST) == -7 /* E2BIG */)
			__sync_fetch_and_add(&lost_arguments, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
