/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel types runtime.bpf.c reads, declared by hand (not a generated
 * vmlinux.h): every struct carries preserve_access_index, so clang emits
 * CO-RE relocations and libbpf fixes the offsets against the running
 * kernel's BTF at load time. Only names and nesting must be right here.
 *
 * The second half is the layout shared with userspace (src/kernel/abi.rs
 * mirrors it field for field; a test there checks the sizes). */
#ifndef KENSA_RUNTIME_H
#define KENSA_RUNTIME_H

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
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_F_NO_PREALLOC = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
};

struct inode;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

struct vfsmount {
	struct dentry *mnt_root;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
};

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
};

struct socket {
	struct sock *sk;
};

struct file {
	struct path f_path;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct mm_struct {
	struct file *exe_file;
	unsigned long arg_start;
	unsigned long arg_end;
};

typedef struct {
	__u32 val;
} kuid_t;

typedef struct {
	__u64 val;
} kernel_cap_t;

/* Every namespace type embeds one; inum is what /proc/<pid>/ns/<x> shows. */
struct ns_common {
	unsigned int inum;
};

struct uts_namespace {
	struct ns_common ns;
};
struct ipc_namespace {
	struct ns_common ns;
};
struct mnt_namespace {
	struct ns_common ns;
};
struct pid_namespace {
	struct ns_common ns;
};
struct net {
	struct ns_common ns;
};
struct time_namespace {
	struct ns_common ns;
};
struct cgroup_namespace {
	struct ns_common ns;
};
struct user_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct uts_namespace *uts_ns;
	struct ipc_namespace *ipc_ns;
	struct mnt_namespace *mnt_ns;
	struct pid_namespace *pid_ns_for_children;
	struct net *net_ns;
	struct time_namespace *time_ns; /* CONFIG_TIME_NS only */
	struct time_namespace *time_ns_for_children;
	struct cgroup_namespace *cgroup_ns;
};

struct cred {
	kuid_t uid;
	kernel_cap_t cap_inheritable;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
	struct user_namespace *user_ns;
};

struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[1];
};

struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct files_struct *files;
	struct fs_struct *fs;
	struct mm_struct *mm;
	const struct cred *cred;
	struct pid *thread_pid;
	struct nsproxy *nsproxy;
	__u64 start_time;
};

struct linux_binprm {
	struct file *file;
};

#pragma clang attribute pop

/* ---- Shared with userspace (src/kernel/abi.rs) ---- */

#define MAX_HOOKS 64
#define MAX_SELECTORS 5
#define MAX_FILTERS 8
#define MAX_ARGS 5
#define MAX_VALS 8
#define HOOKS_PER_SLOT 8
#define NR_SYSCALLS 512
/* Dispatch slots: 2 * nr (+1 for the exit phase); then exec. */
#define SLOT_EXEC (2 * NR_SYSCALLS)
/* Uprobes: one slot per probed (binary, symbol or offset); the slot is
 * the attachment's cookie. */
#define SLOT_UPROBE (SLOT_EXEC + 1)
#define MAX_UPROBES 64
#define NR_SLOTS (SLOT_UPROBE + MAX_UPROBES)
/* The `syscall` of a uprobe's record. */
#define NR_UPROBE 0xffffu
#define MAX_BINARY_SETS 64

#define PATH_LEN 1024 /* longest path kept; longer ones are truncated at the front */
#define STR_KEY 252   /* string bytes in an LPM key (LPM data is at most 256 bytes) */

/* Where a hook argument comes from. */
enum arg_kind {
	AK_NONE = 0,
	AK_INT = 1,       /* syscall argument `index`, `width` bytes, `is_signed` */
	AK_CONST = 2,     /* `value` (e.g. MAY_READ for the read family) */
	AK_FD_FILE = 3,   /* the file open at fd = syscall argument `index` */
	AK_RET_FILE = 4,  /* the file open at fd = return value (exit phase) */
	AK_USER_PATH = 5, /* a path string in user memory (syscall argument `index`) */
	AK_SOCKADDR = 6,  /* sockaddr at syscall argument `index`, socket fd = argument 0 */
	AK_RET = 7,       /* the return value (exit phase) */
	AK_EXEC_FILE = 8, /* the executed binary (exec slot) */
};

enum filter_kind {
	FK_INT = 1,
	FK_STR = 2,
	FK_SOCK = 3,
	FK_BINARY = 4,
	FK_PID = 5,
	FK_NAMESPACE = 6,     /* arg: enum ns_kind; vals: inode numbers */
	FK_CAPS = 7,          /* arg: enum caps_kind; vals[0]: capability bits */
	FK_PARENT_BINARY = 8, /* like FK_BINARY, on the parent's binary */
	FK_RETURN = 9,        /* the return value, at sys_exit (matchReturnArgs) */
};

/* matchNamespaces namespace, in Tetragon's order. */
enum ns_kind {
	NS_UTS = 0,
	NS_IPC = 1,
	NS_MNT = 2,
	NS_PID = 3,
	NS_PID_FOR_CHILDREN = 4,
	NS_NET = 5,
	NS_TIME = 6,
	NS_TIME_FOR_CHILDREN = 7,
	NS_CGROUP = 8,
	NS_USER = 9,
};

/* matchCapabilities type. */
enum caps_kind {
	CAPS_EFFECTIVE = 0,
	CAPS_INHERITABLE = 1,
	CAPS_PERMITTED = 2,
};

enum filter_op {
	OP_EQ = 1,
	OP_NE = 2,
	OP_GT = 3,
	OP_LT = 4,
	OP_MASK = 5,
	OP_PREFIX = 6,
	OP_NOTPREFIX = 7,
	OP_POSTFIX = 8,
	OP_NOTPOSTFIX = 9,
	OP_DADDR = 10,
	OP_NOTDADDR = 11,
	OP_SADDR = 12,
	OP_NOTSADDR = 13,
	OP_DPORT = 14,
	OP_NOTDPORT = 15,
	OP_SPORT = 16,
	OP_NOTSPORT = 17,
	OP_FAMILY = 18,
	OP_PROTOCOL = 19,
	OP_IN = 20,
	OP_NOTIN = 21,
};

/* struct hook flags */
#define HOOK_REQUIRE_FILE 1
/* String filters on a file argument's path: their results are cached per
 * file (path_verdicts), and sys_enter is attached to see the renames and
 * mounts that end the cache's generations. */
#define HOOK_PATH_VERDICTS 2
/* A matchPIDs filter compares namespace pids: compute the task's. */
#define HOOK_NS_PID 4

/* matchPIDs flags */
#define PID_NAMESPACE 1
#define PID_FOLLOW_FORKS 2
/* matchBinaries flags */
#define BIN_FOLLOW_CHILDREN 1
/* matchCapabilities flags: isNamespaceCapability, with the host's user
 * namespace inode in vals[1] */
#define CAPS_NAMESPACE 1

/* matchPIDs followForks filters, one pid_follow bit each. */
#define MAX_FOLLOW_FILTERS 64

/* Actions of a selector (bits), and its first action for the event. */
#define ACT_SIGKILL 1
#define ACT_SIGNAL 2
#define ACT_OVERRIDE 4
#define ACT_NOPOST 8

enum action_code {
	AC_POST = 0,
	AC_SIGKILL = 1,
	AC_SIGNAL = 2,
	AC_OVERRIDE = 3,
	AC_NOPOST = 4,
};

struct arg_spec {
	__u8 kind;
	__u8 index;
	__u8 width;
	__u8 is_signed;
	__u32 pad;
	__u64 value;
};

struct filter {
	__u8 kind;
	__u8 op;
	__u8 arg;
	__u8 nvals;
	__u32 set; /* string/address set id, or binary set bit */
	__u32 flags;
	__u32 pad;
	__u64 vals[MAX_VALS];
};

struct selector {
	__u8 nfilters;
	__u8 first_action;
	__u8 actions;
	__u8 pad0;
	__s32 arg_error;
	__u32 signal;
	__u32 pad1;
	struct filter filters[MAX_FILTERS];
};

struct hook {
	__u32 policy;
	__u32 nselectors;
	__u32 nargs;
	__u32 flags;
	struct arg_spec args[MAX_ARGS];
	struct selector selectors[MAX_SELECTORS];
};

struct slot_hooks {
	__u32 n;
	__u16 hooks[HOOKS_PER_SLOT];
};

/* LPM keys: strings (paths, binaries; Equal entries end with their NUL, so
 * they only match whole strings; Postfix entries are stored reversed) and
 * addresses (IPv4 as v4-mapped IPv6). */
struct str_key {
	__u32 prefixlen;
	__u32 set;
	__u8 data[STR_KEY];
};

struct addr_key {
	__u32 prefixlen;
	__u32 set;
	__u8 addr[16];
};

struct sockinfo {
	__u16 family;
	__u16 protocol;
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Per process (thread group), bounded LRU. */
struct proc {
	__u64 exec_ktime;
	__u64 parent_exec_ktime;
	__u32 ppid;
	__u32 flags;
	__u64 binary_sets; /* bit i: the binary is in binary set i */
	__u64 follow_sets; /* inherited through followChildren */
	__u64 pid_follow;  /* bit i: descends from a process in follow filter i (matchPIDs followForks) */
	__u64 parent_binary_sets; /* the parent's binary_sets (matchParentBinaries) */
	__u64 parent_follow_sets; /* the parent's follow_sets (matchParentBinaries followChildren) */
};

/* Scope: cgroup id -> policies (bit per policy) that apply to it. */

enum record_type {
	REC_EXEC = 1,
	REC_EXIT = 2,
	REC_HOOK = 3,
};

struct rec_header {
	__u32 type;
	__u32 size;
	__u64 ktime;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u32 ppid;
	__u64 cgroup_id;
	__u64 exec_ktime;
	__u64 parent_exec_ktime;
};

#define EXEC_BINARY 0
#define EXEC_ARGS PATH_LEN
#define EXEC_CWD (2 * PATH_LEN)
#define EXEC_DATA (3 * PATH_LEN)

struct rec_exec {
	struct rec_header h;
	__u16 binary_len;
	__u16 args_len;
	__u16 cwd_len;
	__u16 flags;
	__u32 pad;
	__u32 pad2;
	char data[EXEC_DATA];
};

struct rec_exit {
	struct rec_header h;
	__s32 exit_code;
	__u32 pad;
};

#define HOOK_HAS_RET 1
#define HOOK_PATH_TRUNCATED 2
#define HOOK_HAS_PATH 4
#define HOOK_HAS_SOCK 8

struct rec_hook {
	struct rec_header h;
	__u16 hook;
	__u8 selector;
	__u8 action;
	__u32 syscall;
	__s64 ret;
	__u32 flags;
	__u16 path_len;
	__u16 pad;
	__s64 ints[MAX_ARGS];
	struct sockinfo sock;
	char path[PATH_LEN];
};

/* Counters in .bss, read by userspace. */
#define CTR_RINGBUF_LOST 0
#define CTR_PROC_NEW 1
#define CTR_SCOPE_MISS 2
#define CTR_ACTIONS 3
#define NR_COUNTERS 4

#endif
