//! The kernel side: loads `bpf/runtime.bpf.c`, writes a [`Compiled`] into
//! its maps, attaches only the programs the policies need, and reads its
//! ring buffer.
//!
//! Detaching: every attachment is a BPF link owned by a file descriptor of
//! this process and never pinned, so dropping the [`Engine`] detaches
//! everything, and so does the kernel when the process dies in any way
//! (SIGKILL, a crash): no program stays attached to a dead agent.

#![allow(unsafe_code)]

pub mod abi;

use std::mem::MaybeUninit;
use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{Link, MapCore, MapFlags};

use crate::compile::{BINARY_SET_BASE, Compiled, MAX_UPROBES, Slot};

// The generated skeleton holds raw pointers into libbpf's memory and
// implements its traits with `unsafe`; its soundness is libbpf-cargo's.
#[allow(
    unsafe_code,
    missing_docs,
    clippy::all,
    non_camel_case_types,
    dead_code
)]
mod skel {
    include!(concat!(env!("OUT_DIR"), "/runtime.skel.rs"));
}

/// Syscall slots of the dispatch table (`NR_SYSCALLS`).
const NR_SYSCALLS: u32 = 512;
/// The exec slot (`SLOT_EXEC`).
const SLOT_EXEC: u32 = 2 * NR_SYSCALLS;
/// The first uprobe slot (`SLOT_UPROBE`): uprobe i has slot `SLOT_UPROBE + i`,
/// i its position in [`Compiled::uprobes`].
const SLOT_UPROBE: u32 = SLOT_EXEC + 1;

/// What went wrong loading or running the programs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// libbpf refused something; the message includes the verifier's log
    /// when the kernel rejected a program.
    #[error("{action}: {source}")]
    Bpf {
        /// What kensa was doing.
        action: String,
        /// libbpf's error.
        source: libbpf_rs::Error,
    },
    /// The loaded object does not have the layout this loader writes.
    #[error("kensa's BPF object and its loader disagree: {0}")]
    Layout(String),
    /// A syscall this architecture does not have.
    #[error("no syscall {0:?} on this architecture")]
    UnknownSyscall(String),
    /// Opening a cgroup to attach to.
    #[error("{path}: {source}")]
    Cgroup {
        /// The cgroup directory.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

fn bpf(action: impl Into<String>) -> impl FnOnce(libbpf_rs::Error) -> Error {
    let action = action.into();
    move |source| Error::Bpf { action, source }
}

/// Which processes the policies apply to.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every process in this cgroup and below (`kensa runtime run`): all
    /// policies apply.
    Workload {
        /// The cgroup directory (connect hooks attach here).
        dir: std::path::PathBuf,
        /// Its id (inode number).
        id: u64,
    },
    /// A node: each policy applies to the cgroups given for it, or to every
    /// process when it has none.
    Node {
        /// The cgroup2 root (connect hooks attach here).
        root: std::path::PathBuf,
        /// (cgroup id, policy bits) of pod cgroups.
        cgroups: Vec<(u64, u64)>,
        /// Policies that apply everywhere.
        global: u64,
    },
}

/// Options of [`Engine::load`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The process cache's bound, in processes.
    pub process_cache_entries: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            process_cache_entries: 32_768,
        }
    }
}

/// Loaded and attached programs.
pub struct Engine {
    skel: skel::RuntimeSkel<'static>,
    links: Vec<Link>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("links", &self.links.len())
            .finish()
    }
}

/// The number of `name` on x86_64.
fn syscall_number(name: &str) -> Result<u32, Error> {
    libseccomp::ScmpSyscall::from_name_by_arch(name, libseccomp::ScmpArch::X8664)
        .map(|s| i32::from(s) as u32)
        .map_err(|_| Error::UnknownSyscall(name.to_owned()))
}

fn slot_key(slot: &Slot, uprobes: &[&Slot]) -> Result<u32, Error> {
    Ok(match slot {
        Slot::Enter(n) => 2 * syscall_number(n)?,
        Slot::Exit(n) => 2 * syscall_number(n)? + 1,
        Slot::Exec => SLOT_EXEC,
        Slot::Uprobe { .. } => {
            let index = uprobes
                .iter()
                .position(|u| *u == slot)
                .filter(|i| *i < MAX_UPROBES)
                .ok_or_else(|| Error::Layout(format!("{slot:?} has no uprobe slot")))?;
            SLOT_UPROBE + index as u32
        }
    })
}

fn check_size(what: &str, expected: usize, actual: u32) -> Result<(), Error> {
    if expected as u32 == actual {
        Ok(())
    } else {
        Err(Error::Layout(format!(
            "{what}: the loader writes {expected} bytes, the map holds {actual}"
        )))
    }
}

impl Engine {
    /// Loads the programs for `compiled` and `scope` and attaches what they
    /// need. Nothing stays loaded if this fails.
    pub fn load(compiled: &Compiled, scope: &Scope, options: &Options) -> Result<Self, Error> {
        // The skeleton borrows its object storage for its whole life; one
        // small allocation per engine, released with the process.
        let storage: &'static mut MaybeUninit<libbpf_rs::OpenObject> =
            Box::leak(Box::new(MaybeUninit::uninit()));
        let builder = skel::RuntimeSkelBuilder::default();
        let mut open = builder
            .open(storage)
            .map_err(bpf("opening kensa's runtime BPF object"))?;
        let rodata = open
            .maps
            .rodata_data
            .as_deref_mut()
            .ok_or_else(|| Error::Layout("no .rodata".into()))?;
        rodata.global_policies = match scope {
            Scope::Workload { .. } => 0,
            Scope::Node { global, .. } => *global,
        };
        rodata.nr_binary_sets = compiled.binary_sets;
        rodata.nr_follow_filters = compiled.follow_filters.len() as u32;
        open.maps
            .procs
            .set_max_entries(options.process_cache_entries.max(64))
            .map_err(bpf("sizing the process cache"))?;
        // The floor program exists for the benchmarks only.
        open.progs.kensa_floor.set_autoload(false);
        // Cached path verdicts are only exact with sys_enter attached: it
        // sees the renames and mounts that end the cache's generations.
        let needs_enter = compiled.needs(|s| matches!(s, Slot::Enter(_)))
            || compiled.hooks.iter().any(abi::caches_path_verdicts);
        let needs_exit = compiled.needs(|s| matches!(s, Slot::Exit(_)));
        let denies_connect = compiled.denies_connect();
        open.progs.kensa_sys_enter.set_autoload(needs_enter);
        open.progs.kensa_sys_exit.set_autoload(needs_exit);
        open.progs.kensa_connect4.set_autoload(denies_connect);
        open.progs.kensa_connect6.set_autoload(denies_connect);
        open.progs
            .kensa_uprobe
            .set_autoload(!compiled.uprobes().is_empty());
        let skel = open
            .load()
            .map_err(bpf("loading kensa's runtime BPF programs"))?;
        let mut engine = Engine {
            skel,
            links: Vec::new(),
        };
        engine.fill(compiled, scope)?;
        engine.attach(needs_enter, needs_exit, denies_connect, scope)?;
        engine.attach_uprobes(&compiled.uprobes())?;
        Ok(engine)
    }

    fn fill(&mut self, compiled: &Compiled, scope: &Scope) -> Result<(), Error> {
        let maps = &self.skel.maps;
        check_size("struct hook", abi::HOOK_SIZE, maps.hooks.value_size())?;
        check_size(
            "struct slot_hooks",
            abi::SLOT_HOOKS_SIZE,
            maps.dispatch.value_size(),
        )?;
        check_size("struct str_key", abi::STR_KEY_SIZE, maps.strings.key_size())?;
        check_size("struct addr_key", abi::ADDR_KEY_SIZE, maps.addrs.key_size())?;
        let mut slots: std::collections::BTreeMap<u32, Vec<u16>> =
            std::collections::BTreeMap::new();
        let uprobes = compiled.uprobes();
        for (id, hook) in compiled.hooks.iter().enumerate() {
            let key = (id as u32).to_ne_bytes();
            maps.hooks
                .update(&key, &abi::encode_hook(hook), MapFlags::ANY)
                .map_err(bpf(format!("writing hook {id}")))?;
            slots
                .entry(slot_key(&hook.slot, &uprobes)?)
                .or_default()
                .push(id as u16);
        }
        for (slot, ids) in &slots {
            maps.dispatch
                .update(&slot.to_ne_bytes(), &abi::encode_slot(ids), MapFlags::ANY)
                .map_err(bpf(format!("writing dispatch slot {slot}")))?;
        }
        for entry in &compiled.strings {
            maps.strings
                .update(
                    &abi::encode_str_key(entry.set, &entry.bytes),
                    &[1],
                    MapFlags::ANY,
                )
                .map_err(bpf(format!(
                    "writing {} {:?}",
                    if entry.set >= BINARY_SET_BASE {
                        "binary"
                    } else {
                        "string"
                    },
                    String::from_utf8_lossy(&entry.bytes)
                )))?;
        }
        check_size(
            "struct filter",
            abi::FILTER_SIZE,
            maps.follow_filters.value_size(),
        )?;
        for (i, f) in compiled.follow_filters.iter().enumerate() {
            let mut value = Vec::with_capacity(abi::FILTER_SIZE);
            abi::encode_filter(&mut value, Some(f));
            maps.follow_filters
                .update(&(i as u32).to_ne_bytes(), &value, MapFlags::ANY)
                .map_err(bpf(format!("writing followForks filter {i}")))?;
        }
        for entry in &compiled.addrs {
            maps.addrs
                .update(
                    &abi::encode_addr_key(entry.set, &entry.addr, entry.prefix),
                    &[1],
                    MapFlags::ANY,
                )
                .map_err(bpf("writing an address"))?;
        }
        let all = if compiled.policies.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << compiled.policies.len()) - 1
        };
        let roots: Vec<(u64, u64)> = match scope {
            Scope::Workload { id, .. } => vec![(*id, all)],
            Scope::Node { cgroups, .. } => cgroups.clone(),
        };
        for (id, bits) in roots {
            maps.scope_roots
                .update(&id.to_ne_bytes(), &bits.to_ne_bytes(), MapFlags::ANY)
                .map_err(bpf("writing the scope"))?;
        }
        Ok(())
    }

    fn attach(
        &mut self,
        enter: bool,
        exit: bool,
        connect: bool,
        scope: &Scope,
    ) -> Result<(), Error> {
        let progs = &self.skel.progs;
        let mut links = Vec::new();
        links.push(
            progs
                .kensa_fork
                .attach()
                .map_err(bpf("attaching to sched_process_fork"))?,
        );
        links.push(
            progs
                .kensa_exec
                .attach()
                .map_err(bpf("attaching to sched_process_exec"))?,
        );
        links.push(
            progs
                .kensa_exit
                .attach()
                .map_err(bpf("attaching to sched_process_exit"))?,
        );
        if enter {
            links.push(
                progs
                    .kensa_sys_enter
                    .attach()
                    .map_err(bpf("attaching to sys_enter"))?,
            );
        }
        if exit {
            links.push(
                progs
                    .kensa_sys_exit
                    .attach()
                    .map_err(bpf("attaching to sys_exit"))?,
            );
        }
        if connect {
            let dir = match scope {
                Scope::Workload { dir, .. } => dir,
                Scope::Node { root, .. } => root,
            };
            let cgroup = std::fs::File::open(dir).map_err(|source| Error::Cgroup {
                path: dir.display().to_string(),
                source,
            })?;
            use std::os::fd::AsRawFd;
            let fd = cgroup.as_fd().as_raw_fd();
            links.push(
                progs
                    .kensa_connect4
                    .attach_cgroup(fd)
                    .map_err(bpf("attaching cgroup/connect4"))?,
            );
            links.push(
                progs
                    .kensa_connect6
                    .attach_cgroup(fd)
                    .map_err(bpf("attaching cgroup/connect6"))?,
            );
        }
        self.links = links;
        Ok(())
    }

    /// Attaches the uprobe program at every probed function, with its
    /// dispatch slot as the cookie. All processes that map the binary hit
    /// it; the program's scope check keeps it to the workload.
    fn attach_uprobes(&mut self, uprobes: &[&Slot]) -> Result<(), Error> {
        for (index, slot) in uprobes.iter().enumerate() {
            let Slot::Uprobe {
                binary,
                symbol,
                offset,
            } = slot
            else {
                continue;
            };
            let opts = libbpf_rs::UprobeOpts {
                cookie: u64::from(slot_key(slot, uprobes)?),
                func_name: (!symbol.is_empty()).then(|| symbol.clone()),
                ..Default::default()
            };
            let (at, offset) = if symbol.is_empty() {
                (format!("offset {offset:#x}"), *offset as usize)
            } else {
                (format!("symbol {symbol}"), 0)
            };
            let link = self
                .skel
                .progs
                .kensa_uprobe
                .attach_uprobe_with_opts(-1, binary, offset, opts)
                .map_err(bpf(format!("attaching uprobe {index} to {binary} at {at}")))?;
            self.links.push(link);
        }
        Ok(())
    }

    /// Loads and attaches only the empty program on `sys_enter`: what any
    /// syscall tracepoint costs on this kernel, the floor the benchmarks
    /// compare against.
    pub fn load_floor() -> Result<Self, Error> {
        let storage: &'static mut MaybeUninit<libbpf_rs::OpenObject> =
            Box::leak(Box::new(MaybeUninit::uninit()));
        let mut open = skel::RuntimeSkelBuilder::default()
            .open(storage)
            .map_err(bpf("opening kensa's runtime BPF object"))?;
        for prog in [
            &mut open.progs.kensa_sys_enter,
            &mut open.progs.kensa_sys_exit,
            &mut open.progs.kensa_connect4,
            &mut open.progs.kensa_connect6,
            &mut open.progs.kensa_fork,
            &mut open.progs.kensa_exec,
            &mut open.progs.kensa_exit,
            &mut open.progs.kensa_uprobe,
        ] {
            prog.set_autoload(false);
        }
        let skel = open.load().map_err(bpf("loading the floor program"))?;
        let link = skel
            .progs
            .kensa_floor
            .attach()
            .map_err(bpf("attaching the floor program"))?;
        Ok(Engine {
            skel,
            links: vec![link],
        })
    }

    /// Replaces where the policies apply (pods came or went): the new
    /// roots go in, the old ones out, and the per-cgroup cache is emptied
    /// so every cgroup is looked up again.
    pub fn update_scope(&self, roots: &[(u64, u64)]) -> Result<(), Error> {
        let maps = &self.skel.maps;
        let wanted: std::collections::HashMap<u64, u64> = roots.iter().copied().collect();
        let stale: Vec<Vec<u8>> = maps
            .scope_roots
            .keys()
            .filter(|k| {
                let id = u64::from_ne_bytes(k.as_slice().try_into().unwrap_or_default());
                !wanted.contains_key(&id)
            })
            .collect();
        for key in stale {
            let _ = maps.scope_roots.delete(&key);
        }
        for (id, bits) in roots {
            maps.scope_roots
                .update(&id.to_ne_bytes(), &bits.to_ne_bytes(), MapFlags::ANY)
                .map_err(bpf("writing the scope"))?;
        }
        let cached: Vec<Vec<u8>> = maps.scope_cache.keys().collect();
        for key in cached {
            let _ = maps.scope_cache.delete(&key);
        }
        Ok(())
    }

    /// How many programs are attached.
    pub fn attached(&self) -> usize {
        self.links.len()
    }

    /// Events the program could not hand over (ring buffer full).
    pub fn ringbuf_lost(&self) -> u64 {
        self.skel
            .maps
            .bss_data
            .as_deref()
            .map_or(0, |bss| bss.counters[0])
    }

    /// Reads records until `stop` says so, handing each to `sink`. Polls
    /// every `interval` at most; returns once the buffer is drained after
    /// `stop` turned true.
    pub fn read_records(
        &self,
        interval: Duration,
        stop: &dyn Fn() -> bool,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), Error> {
        let sink = std::cell::RefCell::new(sink);
        let mut builder = libbpf_rs::RingBufferBuilder::new();
        builder
            .add(&self.skel.maps.events, |data: &[u8]| {
                (sink.borrow_mut())(data);
                0
            })
            .map_err(bpf("reading the event ring buffer"))?;
        let ring = builder
            .build()
            .map_err(bpf("reading the event ring buffer"))?;
        loop {
            let stopping = stop();
            match ring.poll(interval) {
                // A signal (the SIGTERM that stops kensa) interrupts the
                // wait; epoll_wait is not restarted. `stop` decides next.
                Err(e) if e.kind() == libbpf_rs::ErrorKind::Interrupted => {}
                other => other.map_err(bpf("polling the event ring buffer"))?,
            }
            if stopping {
                ring.consume()
                    .map_err(bpf("draining the event ring buffer"))?;
                return Ok(());
            }
        }
    }
}

/// The id of cgroup directory `dir` (its inode number), as
/// `bpf_get_current_cgroup_id` returns it.
pub fn cgroup_id(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(dir)?.ino())
}
