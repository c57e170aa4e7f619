//! The byte layout shared with `bpf/runtime.h`: map values written by the
//! loader and ring-buffer records read back. Encoded and decoded field by
//! field (little-endian, as every architecture kensa builds BPF for is),
//! so no `unsafe` transmutes; the loader checks the encoded sizes against
//! the map definitions of the loaded object.

use crate::compile::{
    ArgSource, CompiledHook, Filter, FilterKind, HOOKS_PER_SLOT, MAX_ARGS, MAX_FILTERS,
    MAX_SELECTORS, MAX_VALS, PID_NAMESPACE, STR_KEY,
};

/// `sizeof(struct arg_spec)`.
pub const ARG_SPEC_SIZE: usize = 16;
/// `sizeof(struct filter)`.
pub const FILTER_SIZE: usize = 16 + 8 * MAX_VALS;
/// `sizeof(struct selector)`.
pub const SELECTOR_SIZE: usize = 16 + FILTER_SIZE * MAX_FILTERS;
/// `sizeof(struct hook)`.
pub const HOOK_SIZE: usize = 16 + ARG_SPEC_SIZE * MAX_ARGS + SELECTOR_SIZE * MAX_SELECTORS;
/// `sizeof(struct slot_hooks)`.
pub const SLOT_HOOKS_SIZE: usize = 4 + 2 * HOOKS_PER_SLOT;
/// `sizeof(struct str_key)`.
pub const STR_KEY_SIZE: usize = 8 + STR_KEY;
/// `sizeof(struct addr_key)`.
pub const ADDR_KEY_SIZE: usize = 8 + 16;
/// Path bytes in records (`PATH_LEN`).
pub const PATH_LEN: usize = 1024;

fn arg_spec(out: &mut Vec<u8>, source: Option<ArgSource>) {
    let (kind, index, width, signed, value): (u8, u8, u8, bool, u64) = match source {
        None => (0, 0, 0, false, 0),
        Some(ArgSource::Int {
            index,
            width,
            signed,
        }) => (1, index, width, signed, 0),
        Some(ArgSource::Const(v)) => (2, 0, 8, true, v as u64),
        Some(ArgSource::FdFile(i)) => (3, i, 0, false, 0),
        Some(ArgSource::ReturnedFile) => (4, 0, 0, false, 0),
        Some(ArgSource::UserPath(i)) => (5, i, 0, false, 0),
        Some(ArgSource::Sockaddr(i)) => (6, i, 0, false, 0),
        Some(ArgSource::Return) => (7, 0, 8, true, 0),
        Some(ArgSource::ExecFile) => (8, 0, 0, false, 0),
    };
    out.extend([kind, index, width, u8::from(signed)]);
    out.extend(0u32.to_le_bytes());
    out.extend(value.to_le_bytes());
}

/// `struct filter` (zeros for `None`), appended to `out`.
pub fn encode_filter(out: &mut Vec<u8>, f: Option<&Filter>) {
    let start = out.len();
    if let Some(f) = f {
        out.extend([f.kind as u8, f.op as u8, f.arg, f.vals.len() as u8]);
        out.extend(f.set.to_le_bytes());
        out.extend(f.flags.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        for i in 0..MAX_VALS {
            out.extend(f.vals.get(i).copied().unwrap_or(0).to_le_bytes());
        }
    }
    out.resize(start + FILTER_SIZE, 0);
}

/// `struct hook` for `h`, whose policy has scope bit `h.policy`.
pub fn encode_hook(h: &CompiledHook) -> Vec<u8> {
    let mut out = Vec::with_capacity(HOOK_SIZE);
    out.extend((h.policy as u32).to_le_bytes());
    out.extend((h.selectors.len() as u32).to_le_bytes());
    out.extend((h.args.len() as u32).to_le_bytes());
    out.extend(hook_flags(h).to_le_bytes());
    for i in 0..MAX_ARGS {
        arg_spec(&mut out, h.args.get(i).copied());
    }
    for i in 0..MAX_SELECTORS {
        let start = out.len();
        if let Some(s) = h.selectors.get(i) {
            out.extend([s.filters.len() as u8, s.first_action as u8, s.actions, 0]);
            out.extend(s.arg_error.to_le_bytes());
            out.extend(s.signal.to_le_bytes());
            out.extend(0u32.to_le_bytes());
            for j in 0..MAX_FILTERS {
                encode_filter(&mut out, s.filters.get(j));
            }
        }
        out.resize(start + SELECTOR_SIZE, 0);
    }
    out
}

/// `HOOK_REQUIRE_FILE`: a file argument that does not resolve (an
/// anonymous mmap, fd -1) means the original hook would not have run.
const HOOK_REQUIRE_FILE: u32 = 1;
/// `HOOK_PATH_VERDICTS`: see [`caches_path_verdicts`].
const HOOK_PATH_VERDICTS: u32 = 2;
/// `HOOK_NS_PID`: the program computes the namespace pid only for these.
const HOOK_NS_PID: u32 = 4;

fn hook_flags(h: &CompiledHook) -> u32 {
    let has_file = h
        .args
        .iter()
        .any(|a| matches!(a, ArgSource::FdFile(_) | ArgSource::ReturnedFile));
    let ns_pid = h.selectors.iter().any(|s| {
        s.filters
            .iter()
            .any(|f| f.kind == FilterKind::Pid && f.flags & PID_NAMESPACE != 0)
    });
    let mut flags = 0;
    if has_file {
        flags |= HOOK_REQUIRE_FILE;
    }
    if caches_path_verdicts(h) {
        flags |= HOOK_PATH_VERDICTS;
    }
    if ns_pid {
        flags |= HOOK_NS_PID;
    }
    flags
}

/// Whether the program caches `h`'s string-filter results per open file
/// (`path_verdicts`): `h` takes a file argument, filters its path, and has
/// no user-memory path (which would share the path buffer). Such a hook
/// needs `sys_enter` attached, where renames and mounts end the cache's
/// generations.
pub fn caches_path_verdicts(h: &CompiledHook) -> bool {
    let has_file = h
        .args
        .iter()
        .any(|a| matches!(a, ArgSource::FdFile(_) | ArgSource::ReturnedFile));
    let has_user_path = h.args.iter().any(|a| matches!(a, ArgSource::UserPath(_)));
    let filters_strings = h
        .selectors
        .iter()
        .any(|s| s.filters.iter().any(|f| f.kind == FilterKind::Str));
    has_file && !has_user_path && filters_strings
}

/// `struct slot_hooks`.
pub fn encode_slot(hooks: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SLOT_HOOKS_SIZE);
    out.extend((hooks.len() as u32).to_le_bytes());
    for i in 0..HOOKS_PER_SLOT {
        out.extend(hooks.get(i).copied().unwrap_or(0).to_le_bytes());
    }
    out
}

/// `struct str_key` for a stored string.
pub fn encode_str_key(set: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(STR_KEY_SIZE);
    out.extend((32 + 8 * bytes.len() as u32).to_le_bytes());
    // The trie compares bytes in memory order; the program stores the set
    // id natively, so the same bytes go here.
    out.extend(set.to_le_bytes());
    out.extend(bytes);
    out.resize(STR_KEY_SIZE, 0);
    out
}

/// `struct addr_key` for a network.
pub fn encode_addr_key(set: u32, addr: &[u8; 16], prefix: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(ADDR_KEY_SIZE);
    out.extend((32 + prefix).to_le_bytes());
    out.extend(set.to_le_bytes());
    out.extend(addr);
    out
}

/// `struct rec_header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `REC_*`.
    pub kind: u32,
    /// Boot-clock nanoseconds.
    pub ktime: u64,
    /// Thread id.
    pub pid: u32,
    /// Process id.
    pub tgid: u32,
    /// Real uid.
    pub uid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// cgroup id.
    pub cgroup_id: u64,
    /// When the process last exec'd (0: before kensa started).
    pub exec_ktime: u64,
    /// When its parent did.
    pub parent_exec_ktime: u64,
}

/// A decoded ring-buffer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A process exec'd.
    Exec {
        /// Common fields.
        header: Header,
        /// Resolved binary path.
        binary: String,
        /// argv, NUL-separated.
        args: Vec<u8>,
        /// Working directory.
        cwd: String,
    },
    /// A process exited.
    Exit {
        /// Common fields.
        header: Header,
        /// `task->exit_code`: status << 8 | signal.
        exit_code: i32,
    },
    /// A selector matched.
    Hook {
        /// Common fields.
        header: Header,
        /// Compiled hook id.
        hook: u16,
        /// Selector index.
        selector: u8,
        /// `enum action_code`.
        action: u8,
        /// Syscall number.
        syscall: u32,
        /// Return value, when `has_ret`.
        ret: Option<i64>,
        /// Integer arguments.
        ints: [i64; MAX_ARGS],
        /// The path argument.
        path: Option<String>,
        /// The socket argument.
        sock: Option<Sock>,
    },
}

/// `struct sockinfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sock {
    /// `AF_*`.
    pub family: u16,
    /// `IPPROTO_*`.
    pub protocol: u16,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Source address (v4-mapped for IPv4).
    pub saddr: [u8; 16],
    /// Destination address.
    pub daddr: [u8; 16],
}

/// Why a record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed record from the BPF program: {0}")]
pub struct DecodeError(pub &'static str);

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes(&self, at: usize, n: usize) -> Result<&[u8], DecodeError> {
        self.0.get(at..at + n).ok_or(DecodeError("too short"))
    }
    fn u16(&self, at: usize) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(
            self.bytes(at, 2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&self, at: usize) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(
            self.bytes(at, 4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&self, at: usize) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(
            self.bytes(at, 8)?.try_into().expect("8 bytes"),
        ))
    }
    fn text(&self, at: usize, n: usize) -> Result<String, DecodeError> {
        let raw = self.bytes(at, n)?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        Ok(String::from_utf8_lossy(&raw[..end]).into_owned())
    }
}

const HEADER: usize = 56;

/// Decodes one record.
pub fn decode(data: &[u8]) -> Result<Record, DecodeError> {
    let r = Reader(data);
    let header = Header {
        kind: r.u32(0)?,
        ktime: r.u64(8)?,
        pid: r.u32(16)?,
        tgid: r.u32(20)?,
        uid: r.u32(24)?,
        ppid: r.u32(28)?,
        cgroup_id: r.u64(32)?,
        exec_ktime: r.u64(40)?,
        parent_exec_ktime: r.u64(48)?,
    };
    match header.kind {
        1 => {
            let binary_len = usize::from(r.u16(HEADER)?).min(PATH_LEN);
            let args_len = usize::from(r.u16(HEADER + 2)?).min(PATH_LEN);
            let cwd_len = usize::from(r.u16(HEADER + 4)?).min(PATH_LEN);
            let data = HEADER + 16;
            Ok(Record::Exec {
                header,
                binary: r.text(data, binary_len)?,
                args: r.bytes(data + PATH_LEN, args_len)?.to_vec(),
                cwd: r.text(data + 2 * PATH_LEN, cwd_len)?,
            })
        }
        2 => Ok(Record::Exit {
            header,
            exit_code: r.u32(HEADER)? as i32,
        }),
        3 => {
            let flags = r.u32(72)?;
            let path_len = usize::from(r.u16(76)?).min(PATH_LEN);
            let mut ints = [0i64; MAX_ARGS];
            for (i, v) in ints.iter_mut().enumerate() {
                *v = r.u64(80 + 8 * i)? as i64;
            }
            let sock = if flags & 8 != 0 {
                let s = 80 + 8 * MAX_ARGS;
                Some(Sock {
                    family: r.u16(s)?,
                    protocol: r.u16(s + 2)?,
                    sport: r.u16(s + 4)?,
                    dport: r.u16(s + 6)?,
                    saddr: r.bytes(s + 8, 16)?.try_into().expect("16 bytes"),
                    daddr: r.bytes(s + 24, 16)?.try_into().expect("16 bytes"),
                })
            } else {
                None
            };
            let path_at = 80 + 8 * MAX_ARGS + 40;
            Ok(Record::Hook {
                header,
                hook: r.u16(HEADER)?,
                selector: r.bytes(HEADER + 2, 1)?[0],
                action: r.bytes(HEADER + 3, 1)?[0],
                syscall: r.u32(60)?,
                ret: (flags & 1 != 0)
                    .then(|| r.u64(64))
                    .transpose()?
                    .map(|v| v as i64),
                ints,
                path: if flags & 4 != 0 {
                    Some(r.text(path_at, path_len)?)
                } else {
                    None
                },
                sock,
            })
        }
        _ => Err(DecodeError("unknown record type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_runtime_h() {
        // Computed by hand from bpf/runtime.h; the loader also compares
        // them with the loaded object's map definitions.
        assert_eq!(FILTER_SIZE, 80);
        assert_eq!(SELECTOR_SIZE, 656);
        assert_eq!(HOOK_SIZE, 3376);
        assert_eq!(SLOT_HOOKS_SIZE, 20);
        assert_eq!(STR_KEY_SIZE, 260);
    }

    #[test]
    fn a_hook_record_decodes() {
        let mut data = vec![0u8; 160 + 11];
        data[0] = 3;
        data[16] = 7; // pid
        data[20] = 7; // tgid
        data[56] = 2; // hook
        data[58] = 1; // selector
        data[59] = 1; // sigkill
        data[60] = 0; // read
        data[72] = 4; // has path
        data[76] = 11;
        data[160..171].copy_from_slice(b"/etc/shadow");
        let Record::Hook {
            header,
            hook,
            selector,
            action,
            path,
            sock,
            ret,
            ..
        } = decode(&data).unwrap()
        else {
            panic!("not a hook record");
        };
        assert_eq!((header.tgid, hook, selector, action), (7, 2, 1, 1));
        assert_eq!(path.as_deref(), Some("/etc/shadow"));
        assert_eq!((sock, ret), (None, None));
        assert!(decode(&data[..40]).is_err());
    }

    #[test]
    fn string_keys_store_the_set_as_the_program_does() {
        let key = encode_str_key(1, b"/etc");
        assert_eq!(&key[..4], &(32u32 + 32).to_le_bytes());
        assert_eq!(&key[4..8], &[1, 0, 0, 0]);
        assert_eq!(&key[8..12], b"/etc");
    }
}
