//! The loader of `bpf/record.bpf.c`: configures the program for one cgroup,
//! attaches it to the raw tracepoint `sys_enter` for the duration of a closure, and
//! reads what it saw.

use std::mem::MaybeUninit;

use libbpf_rs::MapCore;
use libbpf_rs::skel::{OpenSkel, SkelBuilder};

use crate::{Error, Result};

// The generated skeleton holds raw pointers into libbpf's memory and
// implements its traits with `unsafe`; its soundness is libbpf-cargo's.
#[allow(unsafe_code, missing_docs, clippy::all, non_camel_case_types)]
mod skel {
    include!(concat!(env!("OUT_DIR"), "/record.skel.rs"));
}

/// Syscall numbers below this are kept in a bitmap per architecture; the
/// program puts larger ones in a hash map (`SLOTS` in record.bpf.c).
pub(crate) const SLOTS: usize = 1024;
/// Architecture slots: native, compat, x32 (`ARCHES` in record.bpf.c).
pub(crate) const ARCHES: usize = 3;

/// One syscall argument to record the values of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watch {
    /// The architecture slot.
    pub arch: u32,
    /// The syscall number, in that slot's numbering (x32 without bit 30).
    pub nr: u32,
    /// The argument's index.
    pub arg: u32,
}

/// What the program saw, in numbers.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    /// (architecture slot, number) of every syscall seen.
    pub syscalls: Vec<(u32, u32)>,
    /// (architecture slot, number, value) of every watched argument seen.
    pub arguments: Vec<(u32, u32, u64)>,
    /// Syscalls that could not be recorded (the high-number map was full).
    pub lost_syscalls: u64,
    /// Argument values that could not be recorded (the map was full).
    pub lost_arguments: u64,
}

fn bpf_error(action: &'static str) -> impl FnOnce(libbpf_rs::Error) -> Error {
    move |source| Error::Bpf { action, source }
}

/// Loads the recorder for the cgroup `(id, level)`, runs `body` while it is
/// attached (recording from the first native syscall `start_at_syscall` in
/// the cgroup on, when given), and returns `body`'s result with what was recorded. The program
/// is detached when this returns, whatever `body` did.
pub(crate) fn with_recorder<T>(
    cgroup_id: u64,
    level: u32,
    watches: &[Watch],
    start_at_syscall: Option<u32>,
    body: impl FnOnce() -> Result<T>,
) -> Result<(T, Raw)> {
    let mut object = MaybeUninit::uninit();
    let builder = skel::RecordSkelBuilder::default();
    let mut open = builder
        .open(&mut object)
        .map_err(bpf_error("opening the recorder BPF object"))?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .ok_or(Error::BpfLayout("the recorder has no .rodata"))?;
    rodata.target_cgroup_id = cgroup_id;
    rodata.target_level = level;
    rodata.start_at_syscall = start_at_syscall.map_or(-1, i64::from);
    for watch in watches {
        let index = watch.arch as usize * SLOTS + watch.nr as usize;
        if let Some(slot) = rodata.watch_arg.get_mut(index)
            && watch.nr < SLOTS as u32
            && watch.arg < 6
        {
            *slot = watch.arg as u8 + 1;
        }
    }

    let loaded = open
        .load()
        .map_err(bpf_error("loading the recorder BPF program"))?;
    let link = loaded
        .progs
        .record_sys_enter
        .attach()
        .map_err(bpf_error("attaching to the raw tracepoint sys_enter"))?;
    let outcome = body();
    // Detach before reading: every syscall on the machine pays for the
    // program while it is attached.
    drop(link);
    let value = outcome?;

    let mut raw = Raw::default();
    let bss = loaded
        .maps
        .bss_data
        .as_deref()
        .ok_or(Error::BpfLayout("the recorder has no .bss"))?;
    for (index, &seen) in bss.seen.iter().enumerate() {
        if seen != 0 && index / SLOTS < ARCHES {
            raw.syscalls
                .push(((index / SLOTS) as u32, (index % SLOTS) as u32));
        }
    }
    raw.lost_syscalls = bss.lost_syscalls;
    raw.lost_arguments = bss.lost_arguments;
    for key in loaded.maps.high_syscalls.keys() {
        if let (Some(arch), Some(nr)) = (ne_u32(&key, 0), ne_u32(&key, 4)) {
            raw.syscalls.push((arch, nr));
        }
    }
    for key in loaded.maps.arguments.keys() {
        if let (Some(arch), Some(nr), Some(value)) =
            (ne_u32(&key, 0), ne_u32(&key, 4), ne_u64(&key, 8))
        {
            raw.arguments.push((arch, nr, value));
        }
    }
    Ok((value, raw))
}

/// The native-endian `u32` at `at` in a map key (`struct nr_key`/`arg_key`).
fn ne_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The native-endian `u64` at `at` in a map key (`struct arg_key`).
fn ne_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}
