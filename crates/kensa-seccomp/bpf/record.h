/* The kernel types record.bpf.c reads, declared by hand instead of a full
 * generated vmlinux.h (several MB, and bpftool plus a BTF kernel at build
 * time). Every struct carries preserve_access_index, so clang emits CO-RE
 * relocations and libbpf fixes the field offsets against the running kernel's
 * BTF (/sys/kernel/btf/vmlinux) at load time: only the field names and their
 * nesting have to be right here, not the layout. */
#ifndef KENSA_RECORD_H
#define KENSA_RECORD_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

/* The UAPI values the map definitions use (stable ABI, from linux/bpf.h). */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* The registers of the task entering a syscall (the raw tracepoint's first
 * argument); the syscall's arguments are read from them. */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r10, r9, r8;
	unsigned long bp, bx, dx, si, di, cx;
};
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	__u64 regs[31];
	__u64 orig_x0;
};
#else
#error "record.bpf.c reads syscall arguments on x86 and arm64 only"
#endif

/* x86: thread_info is the first member of task_struct
 * (CONFIG_THREAD_INFO_IN_TASK); `status` holds TS_COMPAT while a 32-bit
 * syscall (int 0x80, sysenter, or the compat entry) is being served. */
struct thread_info {
	unsigned long flags;
	__u32 status;
};

struct task_struct {
	struct thread_info thread_info;
};

#pragma clang attribute pop

#endif
