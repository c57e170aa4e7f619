// SPDX-License-Identifier: Apache-2.0
/* kensa's runtime engine: TracingPolicy selectors evaluated in the kernel.
 *
 * This kernel has neither kprobes nor a BPF trampoline (no LSM, fentry), so
 * a policy's hooks arrive here translated (src/hooks.rs, src/compile.rs) into
 * syscall slots: the generic raw tracepoints sys_enter and sys_exit look up
 * the hooks of the syscall number in `dispatch`, gather each hook's
 * arguments as the original kernel hook would have seen them (an fd becomes
 * the file's path, read becomes MAY_READ), and run its selectors in order:
 * the first selector whose filters all match decides (Tetragon's
 * semantics). Exec hooks run in sched_process_exec.
 *
 * Cost outside the workload matters more than inside: every syscall on the
 * machine enters sys_enter while it is attached. The common path is one
 * array lookup (no hooks for this syscall) or that plus one hash lookup
 * (this cgroup is out of scope, cached per cgroup id).
 *
 * Deny: SIGKILL (bpf_send_signal) is pending before the syscall body runs,
 * and the task never returns to user space; regular-file reads and writes
 * see the fatal signal and stop before copying. A connect is refused by the
 * cgroup connect4/6 hooks, which the syscall reaches after sys_enter: the
 * verdict is handed over through `connect_verdict`. */

#include "runtime.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define AF_INET 2
#define AF_INET6 10
#define NR_CONNECT 42
#define MAX_DEPTH 40
#define MAX_SCOPE_LEVEL 12
#define ARGS_LEN PATH_LEN

/* Set by userspace before load. */
const volatile __u64 global_policies = 0; /* policies without a pod selector */
const volatile __u32 nr_binary_sets = 0;
const volatile __u32 nr_follow_filters = 0;

__u64 counters[NR_COUNTERS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SLOTS);
	__type(key, __u32);
	__type(value, struct slot_hooks);
} dispatch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_HOOKS);
	__type(key, __u32);
	__type(value, struct hook);
} hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct str_key);
	__type(value, __u8);
} strings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct addr_key);
	__type(value, __u8);
} addrs SEC(".maps");

/* matchPIDs followForks filters: a process forked from one whose pid is in
 * entry i (or from a descendant of one) gets bit i of proc.pid_follow. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_FOLLOW_FILTERS);
	__type(key, __u32);
	__type(value, struct filter);
} follow_filters SEC(".maps");

/* Binary sets: set i's strings live in `strings` under set id
 * BINARY_SET_BASE + i. */
#define BINARY_SET_BASE 0x40000000u

/* cgroup id of a pod (or of the workload in run mode) -> policy bits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} scope_roots SEC(".maps");

/* cgroup id -> policy bits, cached from scope_roots over its ancestors.
 * Userspace clears it when scope_roots changes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} scope_cache SEC(".maps");

/* The process cache; max_entries is set by userspace (its memory bound). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct proc);
} procs SEC(".maps");

/* pid_tgid -> 1: the next connect of this task is refused by connect4/6. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} connect_verdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* The path-verdict cache: which of a hook's string sets an open file's
 * path is in, so that a workload reading the same files over and over
 * neither walks their dentries nor searches the string tries again.
 *
 * A file's path is a function of (mount, dentry) and the reader's root, so
 * those are the key, with the hook (its sets). An entry holds only while
 * - path_gen has not moved: every syscall that can change the path of a
 *   dentry that already exists (rename of it or of a directory above it,
 *   mounts) bumps it when it starts and again when it has finished;
 * - the dentry still has the parent, name hash and inode it had: a freed
 *   dentry's memory reused for another file is a miss.
 * Unlink needs no bump: it changes no surviving dentry's path.
 *
 * While such a syscall is in flight, a walk may still see the old path, so
 * nothing is cached (moves_in_flight). Its end is the task's next syscall
 * entry, or its exit, rather than sys_exit: attaching sys_exit would cost
 * every syscall on the machine, and this costs one load of a global while
 * no rename is in flight. */
__u64 path_gen = 0;
__u64 moves_in_flight = 0;

/* pid_tgid of each task inside a path-moving syscall. Hash, not LRU: an
 * entry must never be dropped while counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} moving_tasks SEC(".maps");

struct verdict_key {
	__u64 dentry;
	__u64 mnt;
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 hook;
	__u32 pad;
};

struct verdict {
	__u64 gen;
	__u64 parent;
	__u64 hash_len;
	__u64 inode;
	__u64 found_in;
	__u32 found_base;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct verdict_key);
	__type(value, struct verdict);
} path_verdicts SEC(".maps");

struct pathbuf {
	char buf[2 * PATH_LEN];
	__u32 truncated;
	__u32 pad;
};

/* Working memory, per CPU: too large for the 512-byte stack. */
struct eval {
	__s64 ints[MAX_ARGS];
	__s64 ret; /* the return value at sys_exit, for matchReturnArgs */
	__u32 path_pos; /* the path is path_buf[path_pos .. PATH_LEN) */
	__u32 path_ok;
	__u32 sock_ok;
	__u32 pad;
	struct sockinfo sock;
	struct proc proc;
	__u32 pid;
	__u32 tgid;
	__u32 nspid;
	__u32 pad2;
	/* A file argument whose path is built only when something needs it: a
	 * string filter on a path_verdicts miss, or an event. */
	__u64 file_mnt;
	__u64 file_dentry;
	__u32 path_pending;
	/* found_in bit (set - found_base): the path is in string set `set`
	 * (from path_verdicts; valid while use_found). */
	__u32 use_found;
	__u64 found_in;
	__u32 found_base;
	__u32 pad3;
	/* In map memory, not on the stack: the kernel pointers stored here
	 * read back as plain numbers, which build_path takes. */
	struct verdict_key vkey;
	struct str_key skey;
	struct addr_key akey;
	struct pathbuf pb;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eval);
} eval_heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_hook);
} hook_heap SEC(".maps");

struct exec_scratch {
	struct rec_exec rec;
	struct pathbuf cwd;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} exec_heap SEC(".maps");

static __always_inline void count(__u32 which)
{
	if (which < NR_COUNTERS)
		__sync_fetch_and_add(&counters[which], 1);
}

/* Writes the path of (mnt, dentry) right-aligned into pb->buf, ending at
 * buf[PATH_LEN] = 0, stopping at the task's root (chroot, container) or the
 * mount namespace's root; returns the start position. A path deeper than
 * MAX_DEPTH or longer than PATH_LEN keeps its tail and sets pb->truncated.
 * A global function, verified once: inlined into the hook loops it made
 * the programs too large for the verifier. Kernel pointers arrive as
 * scalars (a global function's arguments cannot be kernel pointers) and are
 * only ever read through probe reads. */
struct walk {
	struct pathbuf *pb;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *mnt_root;
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 pos;
	__u32 steps;
};

/* One step up the tree: a bpf_loop callback, so the verifier checks it once
 * instead of once per iteration (a bounded loop here hit the verifier's
 * instruction limit). Returns 1 to stop. */
static long walk_step(__u32 index, struct walk *w)
{
	struct pathbuf *pb = w->pb;
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	if (!pb)
		return 1;
	w->steps = index + 1;
	if ((__u64)dentry == w->root_dentry && (__u64)w->vfsmnt == w->root_mnt)
		return 1;
	if (dentry == w->mnt_root) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (parent == mnt || !parent)
			return 1;
		struct vfsmount *vfsmnt =
			(struct vfsmount *)((char *)parent + bpf_core_field_offset(struct mount, mnt));
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = parent;
		w->vfsmnt = vfsmnt;
		w->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	if (parent == dentry || !parent)
		return 1;
	__u32 len = BPF_CORE_READ(dentry, d_name.len);
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 pos = w->pos;
	if (len > 255)
		len = 255;
	if (pos > PATH_LEN || pos < len + 1) {
		pb->truncated = 1;
		return 1;
	}
	pos -= len;
	bpf_probe_read_kernel(&pb->buf[pos & (PATH_LEN - 1)], len & 255, name);
	pos -= 1;
	pb->buf[pos & (PATH_LEN - 1)] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

__noinline __u32 build_path(struct pathbuf *pb, __u64 vfsmnt_addr, __u64 dentry_addr, __u64 root_dentry,
			    __u64 root_mnt)
{
	if (!pb)
		return 0;
	struct walk w = {
		.pb = pb,
		.dentry = (struct dentry *)dentry_addr,
		.vfsmnt = (struct vfsmount *)vfsmnt_addr,
		.root_dentry = root_dentry,
		.root_mnt = root_mnt,
		.pos = PATH_LEN,
	};
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_addr;
	w.mnt = container_of(vfsmnt, struct mount, mnt);
	w.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	pb->buf[PATH_LEN] = 0;
	pb->truncated = 0;
	bpf_loop(MAX_DEPTH, walk_step, &w, 0);
	if (w.steps == MAX_DEPTH)
		pb->truncated = 1;
	__u32 pos = w.pos;
	if (pos >= PATH_LEN) {
		pos = PATH_LEN - 1;
		pb->buf[pos] = '/';
	}
	return pos & (PATH_LEN - 1);
}

/* The path of an open file as the current task sees it. */
__noinline __u32 file_path(struct pathbuf *pb, __u64 file_addr)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *file = (struct file *)file_addr;
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	return build_path(pb, (__u64)BPF_CORE_READ(file, f_path.mnt), (__u64)BPF_CORE_READ(file, f_path.dentry),
			  (__u64)BPF_CORE_READ(fs, root.dentry), (__u64)BPF_CORE_READ(fs, root.mnt));
}

/* task is a BTF pointer (bpf_get_current_task_btf): its fields are read
 * with plain loads, which cost far less than probe-read helper calls on the
 * read hook's path. The fd array's slot, an index the verifier cannot
 * bound, is still a probe read. */
static __always_inline struct file *fd_file(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = task->files->fdt;
	if (fd >= fdt->max_fds)
		return 0;
	struct file **fds = fdt->fd;
	struct file *file = 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* Policies that apply to the current task's cgroup. */
static __always_inline __u64 scope_of_current(void)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	__u64 *cached = bpf_map_lookup_elem(&scope_cache, &cgid);
	if (cached)
		return *cached;
	__u64 mask = global_policies;
	for (int level = 0; level < MAX_SCOPE_LEVEL; level++) {
		__u64 ancestor = bpf_get_current_ancestor_cgroup_id(level);
		if (!ancestor)
			break;
		__u64 *bits = bpf_map_lookup_elem(&scope_roots, &ancestor);
		if (bits)
			mask |= *bits;
		if (ancestor == cgid)
			break;
	}
	count(CTR_SCOPE_MISS);
	bpf_map_update_elem(&scope_cache, &cgid, &mask, BPF_ANY);
	return mask;
}

/* The pid as the task's own pid namespace numbers it. */
static __always_inline __u32 ns_pid(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	int nr = 0;
	bpf_probe_read_kernel(&nr, sizeof(nr), (char *)pid + bpf_core_field_offset(struct pid, numbers) +
							   (level & 31) * bpf_core_type_size(struct upid));
	return nr;
}

/* ---- Selector evaluation (global functions: verified once each) ---- */

static __always_inline bool in_vals(struct filter *f, __s64 v)
{
	for (int i = 0; i < MAX_VALS; i++) {
		if (i >= f->nvals)
			break;
		if ((__s64)f->vals[i] == v)
			return true;
	}
	return false;
}

static __always_inline bool in_ranges(struct filter *f, __u64 v)
{
	for (int i = 0; i + 1 < MAX_VALS; i += 2) {
		if (i >= f->nvals)
			break;
		if (v >= f->vals[i] && v <= f->vals[i + 1])
			return true;
	}
	return false;
}

static __always_inline bool match_int(struct filter *f, __s64 v)
{
	switch (f->op) {
	case OP_EQ:
		return in_vals(f, v);
	case OP_NE:
		return !in_vals(f, v);
	case OP_GT:
		return f->nvals && v > (__s64)f->vals[0];
	case OP_LT:
		return f->nvals && v < (__s64)f->vals[0];
	case OP_MASK:
		for (int i = 0; i < MAX_VALS; i++) {
			if (i >= f->nvals)
				break;
			if ((__u64)v & f->vals[i])
				return true;
		}
		return false;
	}
	return false;
}

/* A string set lookup: `reverse` reads the path backwards (Postfix), `nul`
 * includes the terminating NUL (Equal). */
static __always_inline bool lookup_string(struct eval *e, __u32 set, bool reverse)
{
	__u32 start = e->path_pos;
	__u32 len = PATH_LEN - start; /* without the NUL */
	__u32 n;
	struct str_key *key = &e->skey;

	if (start >= PATH_LEN)
		return false;
	key->set = set;
	if (!reverse) {
		n = len + 1;
		if (n > STR_KEY)
			n = STR_KEY;
		bpf_probe_read_kernel(key->data, n & 255, &e->pb.buf[start & (PATH_LEN - 1)]);
	} else {
		n = len;
		if (n > STR_KEY)
			n = STR_KEY;
		for (__u32 i = 0; i < STR_KEY; i++) {
			if (i >= n)
				break;
			key->data[i] = e->pb.buf[(PATH_LEN - 1 - i) & (2 * PATH_LEN - 1)];
		}
	}
	key->prefixlen = 32 + 8 * n;
	return bpf_map_lookup_elem(&strings, key) != 0;
}

/* The path of a file argument gathered without it (set_file). A global
 * function, so that its callers' verification does not branch on it. */
__noinline int ensure_path(struct eval *e)
{
	if (!e || !e->path_pending)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	e->path_pos = build_path(&e->pb, e->file_mnt, e->file_dentry, (__u64)BPF_CORE_READ(fs, root.dentry),
				 (__u64)BPF_CORE_READ(fs, root.mnt));
	e->path_pending = 0;
	return 0;
}

/* Postfix sets hold reversed strings; a set serves one direction only. */
static __always_inline bool reversed_op(__u8 op)
{
	return op == OP_POSTFIX || op == OP_NOTPOSTFIX;
}

static __always_inline bool match_str(struct filter *f, struct eval *e)
{
	if (!e->path_ok)
		return false;
	bool negate;
	switch (f->op) {
	case OP_EQ:
	case OP_PREFIX:
	case OP_POSTFIX:
		negate = false;
		break;
	case OP_NE:
	case OP_NOTPREFIX:
	case OP_NOTPOSTFIX:
		negate = true;
		break;
	default:
		return false;
	}
	bool found;
	if (e->use_found) {
		__u32 bit = f->set - e->found_base;
		found = bit < 64 && ((e->found_in >> bit) & 1);
	} else {
		ensure_path(e);
		found = lookup_string(e, f->set, reversed_op(f->op));
	}
	return found != negate;
}

static __always_inline bool lookup_addr(struct eval *e, __u32 set, __u8 *addr)
{
	struct addr_key *key = &e->akey;
	key->prefixlen = 32 + 128;
	key->set = set;
	__builtin_memcpy(key->addr, addr, 16);
	return bpf_map_lookup_elem(&addrs, key) != 0;
}

static __always_inline bool match_sock(struct filter *f, struct eval *e)
{
	struct sockinfo *s = &e->sock;
	if (!e->sock_ok)
		return false;
	switch (f->op) {
	case OP_DADDR:
		return lookup_addr(e, f->set, s->daddr);
	case OP_NOTDADDR:
		return !lookup_addr(e, f->set, s->daddr);
	case OP_SADDR:
		return lookup_addr(e, f->set, s->saddr);
	case OP_NOTSADDR:
		return !lookup_addr(e, f->set, s->saddr);
	case OP_DPORT:
		return in_ranges(f, s->dport);
	case OP_NOTDPORT:
		return !in_ranges(f, s->dport);
	case OP_SPORT:
		return in_ranges(f, s->sport);
	case OP_NOTSPORT:
		return !in_ranges(f, s->sport);
	case OP_FAMILY:
		return in_vals(f, s->family);
	case OP_PROTOCOL:
		return in_vals(f, s->protocol);
	}
	return false;
}

static __always_inline bool match_pid(struct filter *f, struct eval *e)
{
	__u32 pid = (f->flags & PID_NAMESPACE) ? e->nspid : e->tgid;
	bool in = in_vals(f, pid);
	if (!in && (f->flags & PID_FOLLOW_FORKS) && f->set < 64)
		in = (e->proc.pid_follow >> f->set) & 1;
	return f->op == OP_IN ? in : !in;
}

static __always_inline bool match_binary(struct filter *f, struct eval *e)
{
	if (f->set >= 64)
		return false;
	__u64 sets = e->proc.binary_sets;
	if (f->flags & BIN_FOLLOW_CHILDREN)
		sets |= e->proc.follow_sets;
	bool in = (sets >> f->set) & 1;
	return f->op == OP_IN ? in : !in;
}

/* The parent's binary as it was when this process was forked or exec'd
 * (a parent that execs later is not seen here). */
static __always_inline bool match_parent_binary(struct filter *f, struct eval *e)
{
	if (f->set >= 64)
		return false;
	__u64 sets = e->proc.parent_binary_sets;
	if (f->flags & BIN_FOLLOW_CHILDREN)
		sets |= e->proc.parent_follow_sets;
	bool in = (sets >> f->set) & 1;
	return f->op == OP_IN ? in : !in;
}

/* The namespace of `which` the task is in, as /proc/<pid>/ns/<x> numbers
 * it; 0 when this kernel has no such namespace (time without
 * CONFIG_TIME_NS). Read when a filter asks, not per syscall. */
static __always_inline __u32 ns_inum(struct task_struct *task, __u32 which)
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	switch (which) {
	case NS_UTS:
		return BPF_CORE_READ(nsp, uts_ns, ns.inum);
	case NS_IPC:
		return BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	case NS_MNT:
		return BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	case NS_PID: {
		/* The task's own pid namespace (task_active_pid_ns): the one
		 * its pid was allocated in, at its pid's deepest level. */
		struct pid *pid = BPF_CORE_READ(task, thread_pid);
		unsigned int level = BPF_CORE_READ(pid, level);
		struct pid_namespace *ns = 0;
		bpf_probe_read_kernel(&ns, sizeof(ns),
				      (char *)pid + bpf_core_field_offset(struct pid, numbers) +
					      (level & 31) * bpf_core_type_size(struct upid) +
					      bpf_core_field_offset(struct upid, ns));
		return BPF_CORE_READ(ns, ns.inum);
	}
	case NS_PID_FOR_CHILDREN:
		return BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	case NS_NET:
		return BPF_CORE_READ(nsp, net_ns, ns.inum);
	case NS_TIME:
		if (!bpf_core_field_exists(nsp->time_ns))
			return 0;
		return BPF_CORE_READ(nsp, time_ns, ns.inum);
	case NS_TIME_FOR_CHILDREN:
		if (!bpf_core_field_exists(nsp->time_ns_for_children))
			return 0;
		return BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
	case NS_CGROUP:
		return BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	case NS_USER:
		return BPF_CORE_READ(task, cred, user_ns, ns.inum);
	}
	return 0;
}

static __always_inline bool match_namespace(struct filter *f, struct task_struct *task)
{
	__u32 inum = ns_inum(task, f->arg);
	bool in = inum && in_vals(f, inum);
	return f->op == OP_IN ? in : !in;
}

/* Tetragon's semantics: In matches when any of the listed capabilities is
 * in the set, NotIn when none is. isNamespaceCapability limits the filter
 * to tasks outside the host's user namespace (where capabilities only
 * reach that namespace's resources): in the host's, it never matches. */
static __always_inline bool match_caps(struct filter *f, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	if ((f->flags & CAPS_NAMESPACE) && BPF_CORE_READ(cred, user_ns, ns.inum) == (__u32)f->vals[1])
		return false;
	__u64 caps;
	switch (f->arg) {
	case CAPS_EFFECTIVE:
		caps = BPF_CORE_READ(cred, cap_effective.val);
		break;
	case CAPS_INHERITABLE:
		caps = BPF_CORE_READ(cred, cap_inheritable.val);
		break;
	case CAPS_PERMITTED:
		caps = BPF_CORE_READ(cred, cap_permitted.val);
		break;
	default:
		return false;
	}
	bool any = (caps & f->vals[0]) != 0;
	return f->op == OP_IN ? any : !any;
}

__noinline bool match_filter(struct filter *f, struct eval *e)
{
	if (!f || !e)
		return false;
	switch (f->kind) {
	case FK_INT:
		if (f->arg >= MAX_ARGS)
			return false;
		return match_int(f, e->ints[f->arg]);
	case FK_STR:
		return match_str(f, e);
	case FK_SOCK:
		return match_sock(f, e);
	case FK_BINARY:
		return match_binary(f, e);
	case FK_PID:
		return match_pid(f, e);
	case FK_NAMESPACE:
		return match_namespace(f, (struct task_struct *)bpf_get_current_task());
	case FK_CAPS:
		return match_caps(f, (struct task_struct *)bpf_get_current_task());
	case FK_PARENT_BINARY:
		return match_parent_binary(f, e);
	case FK_RETURN:
		return match_int(f, e->ret);
	}
	return false;
}

__noinline bool match_selector(struct selector *s, struct eval *e)
{
	if (!s || !e)
		return false;
	for (int i = 0; i < MAX_FILTERS; i++) {
		if (i >= s->nfilters)
			break;
		if (!match_filter(&s->filters[i], e))
			return false;
	}
	return true;
}

/* ---- Gathering a hook's arguments ---- */

static __always_inline void read_sockaddr(struct eval *e, struct task_struct *task, __u64 uaddr, __u64 fd)
{
	struct sockinfo *s = &e->sock;
	__u16 family = 0;

	__builtin_memset(s, 0, sizeof(*s));
	e->sock_ok = 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uaddr))
		return;
	s->family = family;
	if (family == AF_INET) {
		__be16 port = 0;
		__u32 addr = 0;
		bpf_probe_read_user(&port, 2, (void *)(uaddr + 2));
		bpf_probe_read_user(&addr, 4, (void *)(uaddr + 4));
		s->dport = __builtin_bswap16(port);
		s->daddr[10] = 0xff;
		s->daddr[11] = 0xff;
		__builtin_memcpy(&s->daddr[12], &addr, 4);
	} else if (family == AF_INET6) {
		__be16 port = 0;
		bpf_probe_read_user(&port, 2, (void *)(uaddr + 2));
		bpf_probe_read_user(s->daddr, 16, (void *)(uaddr + 8));
		s->dport = __builtin_bswap16(port);
	} else {
		return;
	}
	struct file *file = fd_file(task, fd);
	if (file) {
		struct socket *sock = BPF_CORE_READ(file, private_data);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		s->protocol = BPF_CORE_READ(sk, sk_protocol);
		s->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		if (family == AF_INET) {
			__u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
			s->saddr[10] = 0xff;
			s->saddr[11] = 0xff;
			__builtin_memcpy(&s->saddr[12], &saddr, 4);
		}
	}
	e->sock_ok = 1;
}

/* regs is the tracepoint's BTF pointer (or the uprobe's stack copy):
 * plain loads. */
static __always_inline __u64 reg_arg(struct pt_regs *regs, __u32 index)
{
	switch (index) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

static __always_inline void set_file(struct eval *e, struct task_struct *task, struct file *file)
{
	if (!file)
		return;
	/* A read-only BTF view of the file: plain (fault-safe) loads. */
	struct file *f = bpf_core_cast(file, struct file);
	e->file_mnt = (__u64)f->f_path.mnt;
	e->file_dentry = (__u64)f->f_path.dentry;
	e->path_pending = 1;
	e->path_ok = 1;
}

/* Fills e for hook h; regs are the syscall's registers (entry and exit
 * alike: arguments are still in them), ret the return value at exit. */
static __always_inline void gather(struct eval *e, struct hook *h, struct task_struct *task,
				   struct pt_regs *regs, __s64 ret)
{
	e->path_ok = 0;
	e->path_pending = 0;
	e->use_found = 0;
	e->sock_ok = 0;
	e->pb.truncated = 0;
	for (int i = 0; i < MAX_ARGS; i++) {
		struct arg_spec *a = &h->args[i];
		__u64 raw;
		e->ints[i] = 0;
		if (i >= h->nargs)
			break;
		switch (a->kind) {
		case AK_INT:
			raw = reg_arg(regs, a->index);
			if (a->width == 4)
				e->ints[i] = a->is_signed ? (__s64)(__s32)raw : (__s64)(__u32)raw;
			else
				e->ints[i] = (__s64)raw;
			break;
		case AK_CONST:
			e->ints[i] = (__s64)a->value;
			break;
		case AK_FD_FILE:
			set_file(e, task, fd_file(task, reg_arg(regs, a->index)));
			break;
		case AK_RET_FILE:
			if (ret >= 0)
				set_file(e, task, fd_file(task, ret));
			break;
		case AK_USER_PATH: {
			/* Copied as written (relative paths stay relative). */
			long n = bpf_probe_read_user_str(&e->pb.buf[PATH_LEN], PATH_LEN,
							 (void *)reg_arg(regs, a->index));
			if (n > 0) {
				/* Move it right-aligned like build_path's output. */
				__u32 len = (n - 1) & (PATH_LEN - 1);
				__u32 start = PATH_LEN - len;
				bpf_probe_read_kernel(&e->pb.buf[start & (PATH_LEN - 1)], len & (PATH_LEN - 1),
						      &e->pb.buf[PATH_LEN]);
				e->pb.buf[PATH_LEN] = 0;
				e->path_pos = start & (PATH_LEN - 1);
				e->path_ok = len > 0;
				e->path_pending = 0;
			}
			break;
		}
		case AK_SOCKADDR:
			read_sockaddr(e, task, reg_arg(regs, a->index), reg_arg(regs, 0));
			break;
		case AK_RET:
			e->ints[i] = ret;
			break;
		}
	}
}

/* ---- The path-verdict cache ---- */

/* A global function: verified once, not once per string filter. */
__noinline bool path_in_set(struct eval *e, __u32 set, bool reverse)
{
	if (!e)
		return false;
	return lookup_string(e, set, reverse);
}

/* On a miss: the path built, each of h's string sets looked up once.
 * False if the sets' ids span more than the 64 bits of found_in. */
static __always_inline bool fill_verdict(struct eval *e, struct hook *h, struct verdict *v)
{
	__u32 base = 0xffffffff;
	for (int k = 0; k < MAX_SELECTORS * MAX_FILTERS; k++) {
		__u32 j = k / MAX_FILTERS, i = k % MAX_FILTERS;
		if (j >= h->nselectors)
			break;
		struct selector *s = &h->selectors[j];
		if (i >= s->nfilters || s->filters[i].kind != FK_STR)
			continue;
		if (s->filters[i].set < base)
			base = s->filters[i].set;
	}
	__u64 known = 0, found = 0;
	for (int k = 0; k < MAX_SELECTORS * MAX_FILTERS; k++) {
		__u32 j = k / MAX_FILTERS, i = k % MAX_FILTERS;
		if (j >= h->nselectors)
			break;
		struct selector *s = &h->selectors[j];
		struct filter *f = &s->filters[i];
		if (i >= s->nfilters || f->kind != FK_STR)
			continue;
		__u32 bit = f->set - base;
		if (bit >= 64)
			return false;
		if ((known >> bit) & 1)
			continue;
		known |= 1ull << bit;
		if (path_in_set(e, f->set, reversed_op(f->op)))
			found |= 1ull << bit;
	}
	v->found_in = found;
	v->found_base = base;
	return true;
}

/* Makes e's string filters answer from path_verdicts for hook `id`, or,
 * on a miss, builds the path, fills the entry and answers from it. */
__noinline int use_path_verdicts(struct eval *e, struct hook *h, __u32 id)
{
	if (!e || !h)
		return 0;
	/* Read before the walk, the generation first: a path move started
	 * after this read leaves the entry stale; one started before it is
	 * counted in moves_in_flight (counted before its bump), and then the
	 * entry is not made. */
	__u64 gen = *(volatile __u64 *)&path_gen;
	bool may_cache = *(volatile __u64 *)&moves_in_flight == 0;
	struct fs_struct *fs = bpf_get_current_task_btf()->fs;
	struct verdict_key *key = &e->vkey;
	key->dentry = e->file_dentry;
	key->mnt = e->file_mnt;
	key->root_dentry = (__u64)fs->root.dentry;
	key->root_mnt = (__u64)fs->root.mnt;
	key->hook = id;
	key->pad = 0;
	struct dentry *d = bpf_core_cast((void *)e->file_dentry, struct dentry);
	__u64 parent = (__u64)d->d_parent;
	__u64 hash_len = d->d_name.hash_len;
	__u64 inode = (__u64)d->d_inode;
	struct verdict *v = bpf_map_lookup_elem(&path_verdicts, key);
	if (v && v->gen == gen && v->parent == parent && v->hash_len == hash_len && v->inode == inode) {
		e->found_in = v->found_in;
		e->found_base = v->found_base;
		e->use_found = 1;
		return 1;
	}
	e->path_pos = build_path(&e->pb, key->mnt, key->dentry, key->root_dentry, key->root_mnt);
	e->path_pending = 0;
	struct verdict nv = {
		.gen = gen,
		.parent = parent,
		.hash_len = hash_len,
		.inode = inode,
	};
	if (!fill_verdict(e, h, &nv))
		return 0; /* match_str looks the sets up itself */
	if (may_cache)
		bpf_map_update_elem(&path_verdicts, key, &nv, BPF_ANY);
	e->found_in = nv.found_in;
	e->found_base = nv.found_base;
	e->use_found = 1;
	return 0;
}

/* x86-64 syscalls that can change the path of a dentry that exists:
 * renames (of it or of a directory above it) and changes to the mount
 * tree. chroot and setns change the reader's root, which is in the key. */
static __always_inline bool moves_paths(long id)
{
	switch (id) {
	case 82:  /* rename */
	case 155: /* pivot_root */
	case 165: /* mount */
	case 166: /* umount2 */
	case 264: /* renameat */
	case 316: /* renameat2 */
	case 428: /* open_tree */
	case 429: /* move_mount */
	case 432: /* fsmount */
		return true;
	}
	return false;
}

/* A task enters a path-moving syscall. If it cannot be recorded (the map
 * full), the count stays up for good and nothing is cached any more:
 * slower, never wrong. */
static __always_inline void path_move_started(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	__u32 one = 1;
	__sync_fetch_and_add(&moves_in_flight, 1);
	__sync_fetch_and_add(&path_gen, 1);
	bpf_map_update_elem(&moving_tasks, &key, &one, BPF_ANY);
}

/* The current task's path move, if any, is over (it entered another
 * syscall, or is exiting). The generation moves before the count drops:
 * a reader that sees no move in flight has a generation that is stale if
 * it predates this one. */
static __always_inline void path_move_finished(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	if (bpf_map_delete_elem(&moving_tasks, &key) == 0) {
		__sync_fetch_and_add(&path_gen, 1);
		__sync_fetch_and_sub(&moves_in_flight, 1);
	}
}

/* ---- Actions and events ---- */

static __always_inline void fill_header(struct rec_header *h, __u32 type, __u32 size, struct task_struct *task,
					struct proc *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->type = type;
	h->size = size;
	h->ktime = bpf_ktime_get_boot_ns();
	h->pid = (__u32)pid_tgid;
	h->tgid = pid_tgid >> 32;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->ppid = p ? p->ppid : BPF_CORE_READ(task, real_parent, tgid);
	h->exec_ktime = p ? p->exec_ktime : 0;
	h->parent_exec_ktime = p ? p->parent_exec_ktime : 0;
}

static __always_inline void post_hook(struct eval *e, struct task_struct *task, __u32 hook_id, __u32 sel,
				      struct selector *s, __u32 nr, __s64 ret, bool has_ret)
{
	__u32 zero = 0;
	struct rec_hook *r = bpf_map_lookup_elem(&hook_heap, &zero);
	if (!r)
		return;
	r->hook = hook_id;
	r->selector = sel;
	r->action = s->first_action;
	r->syscall = nr;
	r->ret = ret;
	r->flags = has_ret ? HOOK_HAS_RET : 0;
	for (int i = 0; i < MAX_ARGS; i++)
		r->ints[i] = e->ints[i];
	__u32 len = 0;
	ensure_path(e);
	if (e->path_ok) {
		__u32 start = e->path_pos & (PATH_LEN - 1);
		len = PATH_LEN - start;
		r->flags |= HOOK_HAS_PATH | (e->pb.truncated ? HOOK_PATH_TRUNCATED : 0);
		bpf_probe_read_kernel(r->path, len & (PATH_LEN - 1), &e->pb.buf[start]);
	}
	r->path_len = len;
	if (e->sock_ok) {
		r->flags |= HOOK_HAS_SOCK;
		r->sock = e->sock;
	}
	__u32 size = sizeof(*r) - PATH_LEN + len;
	fill_header(&r->h, REC_HOOK, size, task, &e->proc);
	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&events, r, size & 0x1fff, 0))
		count(CTR_RINGBUF_LOST);
}

static __always_inline void act(struct selector *s, __u32 nr)
{
	if (s->actions & ACT_SIGKILL)
		bpf_send_signal(9);
	if ((s->actions & ACT_SIGNAL) && s->signal)
		bpf_send_signal(s->signal);
	if (nr == NR_CONNECT && (s->actions & (ACT_OVERRIDE | ACT_SIGKILL))) {
		__u64 key = bpf_get_current_pid_tgid();
		__u32 deny = 1;
		bpf_map_update_elem(&connect_verdict, &key, &deny, BPF_ANY);
	}
	count(CTR_ACTIONS);
}

static __always_inline struct proc *load_proc(struct eval *e)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	e->pid = (__u32)pid_tgid;
	e->tgid = tgid;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		e->proc = *p;
	else
		__builtin_memset(&e->proc, 0, sizeof(e->proc));
	return p;
}

/* Tetragon's selector semantics: the first selector whose filters all
 * match acts (and posts, unless NoPost); later ones are not tried. */
static __always_inline void decide(struct eval *e, struct task_struct *task, struct hook *h, __u32 id,
				   __u32 nr, __s64 ret, bool has_ret)
{
	e->ret = ret;
	for (int j = 0; j < MAX_SELECTORS; j++) {
		if (j >= h->nselectors)
			break;
		struct selector *s = &h->selectors[j];
		if (!match_selector(s, e))
			continue;
		act(s, nr);
		if (!(s->actions & ACT_NOPOST))
			post_hook(e, task, id, j, s, nr, ret, has_ret);
		break;
	}
}

/* Runs the hooks of one dispatch slot. */
static __always_inline void run_slot(__u32 slot, struct pt_regs *regs, __s64 ret, bool has_ret, __u32 nr)
{
	struct slot_hooks *sh = bpf_map_lookup_elem(&dispatch, &slot);
	if (!sh || !sh->n)
		return;
	__u64 scope = scope_of_current();
	if (!scope)
		return;
	__u32 zero = 0;
	struct eval *e = bpf_map_lookup_elem(&eval_heap, &zero);
	if (!e)
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	load_proc(e);
	for (int i = 0; i < HOOKS_PER_SLOT; i++) {
		if (i >= sh->n)
			break;
		__u32 id = sh->hooks[i];
		struct hook *h = bpf_map_lookup_elem(&hooks, &id);
		if (!h || h->policy >= 64 || !((scope >> h->policy) & 1))
			continue;
		/* Rare (matchPIDs isNamespacePID): not worth remembering. */
		if (h->flags & HOOK_NS_PID)
			e->nspid = ns_pid(task);
		gather(e, h, task, regs, ret);
		/* The kernel hook this stands for only runs with a file (an
		 * anonymous mmap never reaches security_mmap_file's file checks). */
		if ((h->flags & HOOK_REQUIRE_FILE) && !e->path_ok)
			continue;
		if ((h->flags & HOOK_PATH_VERDICTS) && e->path_pending)
			use_path_verdicts(e, h, id);
		decide(e, task, h, id, nr, ret, has_ret);
	}
	/* The exec program shares e: leave it no pending file of ours. */
	e->path_pending = 0;
	e->use_found = 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(kensa_sys_enter, struct pt_regs *regs, long id)
{
	if (id < 0 || id >= NR_SYSCALLS)
		return 0;
	if (*(volatile __u64 *)&moves_in_flight)
		path_move_finished();
	if (moves_paths(id))
		path_move_started();
	run_slot(2 * id, regs, 0, false, id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(kensa_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	if (id < 0 || id >= NR_SYSCALLS)
		return 0;
	run_slot(2 * id + 1, regs, ret, true, id);
	return 0;
}

/* The empty program the benchmarks measure as the floor. */
SEC("tp_btf/sys_enter")
int BPF_PROG(kensa_floor, struct pt_regs *regs, long id)
{
	return 0;
}

/* 1: let the connect go on; 0: refuse it (EPERM), consuming the verdict
 * sys_enter left for this task. */
static __always_inline int connect_allowed(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	if (bpf_map_lookup_elem(&connect_verdict, &key)) {
		bpf_map_delete_elem(&connect_verdict, &key);
		return 0;
	}
	return 1;
}

SEC("cgroup/connect4")
int kensa_connect4(void *ctx)
{
	return connect_allowed();
}

SEC("cgroup/connect6")
int kensa_connect6(void *ctx)
{
	return connect_allowed();
}

/* ---- Process lifecycle ---- */

/* Which binary sets the exec'd path is in (an exact match on the resolved
 * path, stored with its NUL). */
static __always_inline __u64 binary_sets_of(struct eval *e)
{
	__u64 sets = 0;
	for (__u32 i = 0; i < MAX_BINARY_SETS; i++) {
		if (i >= nr_binary_sets)
			break;
		if (lookup_string(e, BINARY_SET_BASE + i, false))
			sets |= 1ull << i;
	}
	return sets;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(kensa_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid)
		return 0; /* a new thread */
	struct proc *pp = bpf_map_lookup_elem(&procs, &ptgid);
	struct proc c = {};
	if (pp) {
		/* Until it execs, the child runs the parent's binary. */
		c = *pp;
		c.follow_sets = pp->follow_sets | pp->binary_sets;
		c.pid_follow = pp->pid_follow;
		c.parent_binary_sets = pp->binary_sets;
		c.parent_follow_sets = pp->follow_sets;
	}
	c.ppid = ptgid;
	if (nr_follow_filters) {
		/* The parent may predate kensa (no entry): its pid still counts. */
		__u32 parent_nspid = ns_pid(parent);
		for (__u32 i = 0; i < MAX_FOLLOW_FILTERS; i++) {
			if (i >= nr_follow_filters)
				break;
			struct filter *f = bpf_map_lookup_elem(&follow_filters, &i);
			if (!f)
				break;
			if (in_vals(f, (f->flags & PID_NAMESPACE) ? parent_nspid : ptgid))
				c.pid_follow |= 1ull << i;
		}
	}
	count(CTR_PROC_NEW);
	bpf_map_update_elem(&procs, &ctgid, &c, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kensa_exec, struct task_struct *task, int old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct eval *e = bpf_map_lookup_elem(&eval_heap, &zero);
	struct exec_scratch *x = bpf_map_lookup_elem(&exec_heap, &zero);
	if (!e || !x)
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct proc *old = bpf_map_lookup_elem(&procs, &tgid);
	struct proc p = {};
	if (old) {
		p.follow_sets = old->follow_sets;
		p.pid_follow = old->pid_follow;
		p.parent_exec_ktime = old->parent_exec_ktime;
		p.parent_binary_sets = old->parent_binary_sets;
		p.parent_follow_sets = old->parent_follow_sets;
	}
	p.ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct proc *pp = bpf_map_lookup_elem(&procs, &p.ppid);
	if (pp) {
		p.parent_exec_ktime = pp->exec_ktime;
		p.parent_binary_sets = pp->binary_sets;
		p.parent_follow_sets = pp->follow_sets;
	}
	p.exec_ktime = bpf_ktime_get_boot_ns();

	/* The binary as resolved by the kernel (symlinks followed). */
	struct file *file = BPF_CORE_READ(bprm, file);
	e->path_pos = file_path(&e->pb, (__u64)file);
	e->path_ok = 1;
	e->path_pending = 0;
	e->use_found = 0;
	p.binary_sets = binary_sets_of(e);
	bpf_map_update_elem(&procs, &tgid, &p, BPF_ANY);

	__u64 scope = scope_of_current();
	if (!scope)
		return 0;

	struct rec_exec *r = &x->rec;
	fill_header(&r->h, REC_EXEC, sizeof(*r), task, &p);
	__u32 start = e->path_pos & (PATH_LEN - 1);
	__u32 blen = PATH_LEN - start;
	bpf_probe_read_kernel(&r->data[EXEC_BINARY], blen & (PATH_LEN - 1), &e->pb.buf[start]);
	r->binary_len = blen;

	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
	__u32 alen = arg_end > arg_start ? arg_end - arg_start : 0;
	if (alen > ARGS_LEN - 1)
		alen = ARGS_LEN - 1;
	if (bpf_probe_read_user(&r->data[EXEC_ARGS], alen & (ARGS_LEN - 1), (void *)arg_start))
		alen = 0;
	r->args_len = alen;

	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	__u32 cstart = build_path(&x->cwd, (__u64)BPF_CORE_READ(fs, pwd.mnt), (__u64)BPF_CORE_READ(fs, pwd.dentry),
				  (__u64)BPF_CORE_READ(fs, root.dentry), (__u64)BPF_CORE_READ(fs, root.mnt));
	__u32 clen = PATH_LEN - cstart;
	bpf_probe_read_kernel(&r->data[EXEC_CWD], clen & (PATH_LEN - 1), &x->cwd.buf[cstart & (PATH_LEN - 1)]);
	r->cwd_len = clen;
	r->flags = e->pb.truncated | (x->cwd.truncated << 1);

	if (bpf_ringbuf_output(&events, r, sizeof(*r), 0))
		count(CTR_RINGBUF_LOST);

	/* Exec hooks: arg 0 is the binary. */
	__u32 slot = SLOT_EXEC;
	struct slot_hooks *sh = bpf_map_lookup_elem(&dispatch, &slot);
	if (!sh || !sh->n)
		return 0;
	e->proc = p;
	e->pid = BPF_CORE_READ(task, pid);
	e->tgid = tgid;
	e->nspid = ns_pid(task);
	e->sock_ok = 0;
	for (int i = 0; i < HOOKS_PER_SLOT; i++) {
		if (i >= sh->n)
			break;
		__u32 id = sh->hooks[i];
		struct hook *h = bpf_map_lookup_elem(&hooks, &id);
		if (!h || h->policy >= 64 || !((scope >> h->policy) & 1))
			continue;
		for (int a = 0; a < MAX_ARGS; a++)
			e->ints[a] = 0;
		decide(e, task, h, id, 59 /* execve */, 0, false);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kensa_exit, struct task_struct *task)
{
	/* A thread killed inside a rename ends its move here. */
	if (*(volatile __u64 *)&moves_in_flight)
		path_move_finished();
	__u32 pid = BPF_CORE_READ(task, pid);
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (pid != tgid)
		return 0;
	struct proc *p = bpf_map_lookup_elem(&procs, &tgid);
	if (scope_of_current()) {
		struct rec_exit r = {};
		fill_header(&r.h, REC_EXIT, sizeof(r), task, p);
		r.exit_code = BPF_CORE_READ(task, exit_code);
		if (bpf_ringbuf_output(&events, &r, sizeof(r), 0))
			count(CTR_RINGBUF_LOST);
	}
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}

/* ---- User-space functions ---- */

/* Every uprobe runs this program; the attachment's cookie is its dispatch
 * slot. A function's arguments arrive in rdi, rsi, rdx, rcx, r8, r9; the
 * syscall convention gather() reads differs only in the fourth (r10), so a
 * copy of the registers with rcx in r10 serves it. */
SEC("uprobe")
int kensa_uprobe(struct pt_regs *ctx)
{
	struct pt_regs regs;
	__u64 slot = bpf_get_attach_cookie(ctx);
	if (slot < SLOT_UPROBE || slot >= NR_SLOTS)
		return 0;
	if (bpf_probe_read_kernel(&regs, sizeof(regs), ctx))
		return 0;
	regs.r10 = regs.cx;
	run_slot(slot, &regs, 0, false, NR_UPROBE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
