//! Turns the kernel's records into [`Event`]s: a bounded cache of the
//! processes seen exec'ing (binary, arguments, cwd, pod) supplies the
//! `process` and `parent` of every later event, as Tetragon's process cache
//! does. Pure: records in, events out.

use std::collections::{HashMap, VecDeque};
use std::net::Ipv6Addr;

use crate::compile::{ActionCode, ArgView, Compiled, Slot};
use crate::events::{Arg, Event, EventKind, Pod, Process};
use crate::kernel::abi::{Header, Record, Sock};

/// Turns boot-clock nanoseconds into wall-clock RFC 3339 text.
pub trait Clock {
    /// The wall-clock time of boot-clock `ktime`.
    fn rfc3339(&self, ktime: u64) -> String;
}

/// Wall clock = boot clock + a fixed offset, read once at start.
#[derive(Debug, Clone, Copy)]
pub struct BootOffset {
    /// Unix nanoseconds at boot-clock zero.
    pub unix_ns_at_boot: i128,
}

impl Clock for BootOffset {
    fn rfc3339(&self, ktime: u64) -> String {
        let ns = self.unix_ns_at_boot + i128::from(ktime);
        jiff::Timestamp::from_nanosecond(ns)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }
}

/// Processes by (pid, exec time), with a bound on how many are kept.
#[derive(Debug)]
pub struct ProcessCache {
    node: String,
    capacity: usize,
    entries: HashMap<(u32, u64), Process>,
    order: VecDeque<(u32, u64)>,
    /// Entries dropped to stay within the bound.
    pub evictions: u64,
    /// The pod of every process whose cgroup is not in `pods` (`kensa
    /// runtime run`: the workload's).
    pub pod: Option<Pod>,
    /// Pods by the cgroup ids of their containers (the agent's).
    pub pods: HashMap<u64, Pod>,
}

impl ProcessCache {
    /// A cache of at most `capacity` processes for events from `node`.
    pub fn new(node: impl Into<String>, capacity: usize) -> Self {
        Self {
            node: node.into(),
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
            evictions: 0,
            pod: None,
            pods: HashMap::new(),
        }
    }

    /// Processes held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn exec_id(&self, pid: u32, ktime: u64) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{ktime}:{pid}", self.node))
    }

    fn insert(&mut self, key: (u32, u64), process: Process) {
        if self.entries.insert(key, process).is_none() {
            self.order.push_back(key);
        }
        while self.entries.len() > self.capacity {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if self.entries.remove(&old).is_some() {
                self.evictions += 1;
            }
        }
    }

    /// A process kensa did not see exec (it started before kensa, or was
    /// evicted): what the record itself says.
    fn pod_of(&self, cgroup_id: u64) -> Option<Pod> {
        self.pods
            .get(&cgroup_id)
            .cloned()
            .or_else(|| self.pod.clone())
    }

    fn fallback(&self, h: &Header, pid: u32, ktime: u64, clock: &dyn Clock) -> Process {
        let uid = h.uid;
        let binary = std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        Process {
            exec_id: self.exec_id(pid, ktime),
            pid,
            uid,
            cwd: String::new(),
            binary,
            arguments: String::new(),
            start_time: if ktime == 0 {
                String::new()
            } else {
                clock.rfc3339(ktime)
            },
            pod: self.pod_of(h.cgroup_id),
            parent_exec_id: String::new(),
        }
    }

    fn lookup(&self, h: &Header, clock: &dyn Clock) -> Process {
        self.entries
            .get(&(h.tgid, h.exec_ktime))
            .cloned()
            .unwrap_or_else(|| self.fallback(h, h.tgid, h.exec_ktime, clock))
    }

    fn parent_of(&self, h: &Header) -> Option<Process> {
        self.entries.get(&(h.ppid, h.parent_exec_ktime)).cloned()
    }

    /// The event for `record`, updating the cache.
    pub fn event(
        &mut self,
        record: &Record,
        compiled: &Compiled,
        clock: &dyn Clock,
    ) -> Option<Event> {
        match record {
            Record::Exec {
                header,
                binary,
                args,
                cwd,
            } => {
                let arguments = args
                    .split(|b| *b == 0)
                    .skip(1)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ");
                let parent = self.parent_of(header);
                let process = Process {
                    exec_id: self.exec_id(header.tgid, header.exec_ktime),
                    pid: header.tgid,
                    uid: header.uid,
                    cwd: cwd.clone(),
                    binary: binary.clone(),
                    arguments,
                    start_time: clock.rfc3339(header.exec_ktime),
                    pod: self.pod_of(header.cgroup_id),
                    parent_exec_id: parent
                        .as_ref()
                        .map(|p| p.exec_id.clone())
                        .unwrap_or_else(|| self.exec_id(header.ppid, header.parent_exec_ktime)),
                };
                self.insert((header.tgid, header.exec_ktime), process.clone());
                Some(self.wrap(header, EventKind::Exec { process, parent }, clock))
            }
            Record::Exit { header, exit_code } => {
                let process = self.lookup(header, clock);
                let parent = self.parent_of(header);
                if self
                    .entries
                    .remove(&(header.tgid, header.exec_ktime))
                    .is_some()
                {
                    self.order
                        .retain(|k| *k != (header.tgid, header.exec_ktime));
                }
                let signal = exit_code & 0x7f;
                Some(self.wrap(
                    header,
                    EventKind::Exit {
                        process,
                        parent,
                        status: if signal == 0 {
                            (exit_code >> 8) & 0xff
                        } else {
                            0
                        },
                        signal: (signal != 0).then(|| signal_name(signal)),
                    },
                    clock,
                ))
            }
            Record::Hook {
                header,
                hook,
                action,
                ints,
                path,
                sock,
                ret,
                ..
            } => {
                let compiled_hook = compiled.hooks.get(usize::from(*hook))?;
                let policy = compiled.policies.get(compiled_hook.policy)?;
                let process = self.lookup(header, clock);
                let parent = self.parent_of(header);
                let args = compiled_hook
                    .views
                    .iter()
                    .enumerate()
                    .map(|(i, view)| {
                        arg_of(
                            *view,
                            ints[i.min(ints.len() - 1)],
                            path.as_deref(),
                            sock.as_ref(),
                        )
                    })
                    .collect();
                let action = ActionCode::from_u8(*action).event_name().to_owned();
                let kind = match (&compiled_hook.slot, &compiled_hook.tracepoint) {
                    (_, Some((subsys, event))) => EventKind::Tracepoint {
                        process,
                        parent,
                        subsys: subsys.clone(),
                        event: event.clone(),
                        args,
                        action,
                        policy_name: policy.name.clone(),
                    },
                    (
                        Slot::Uprobe {
                            binary,
                            symbol,
                            offset,
                        },
                        None,
                    ) => EventKind::Uprobe {
                        process,
                        parent,
                        path: binary.clone(),
                        symbol: symbol.clone(),
                        offset: *offset,
                        args,
                        action,
                        policy_name: policy.name.clone(),
                    },
                    _ => EventKind::Kprobe {
                        process,
                        parent,
                        function_name: compiled_hook.function.clone(),
                        args,
                        action,
                        policy_name: policy.name.clone(),
                        return_value: *ret,
                    },
                };
                Some(self.wrap(header, kind, clock))
            }
        }
    }

    fn wrap(&self, header: &Header, kind: EventKind, clock: &dyn Clock) -> Event {
        Event {
            node_name: self.node.clone(),
            time: clock.rfc3339(header.ktime),
            kind,
        }
    }
}

fn arg_of(view: ArgView, int: i64, path: Option<&str>, sock: Option<&Sock>) -> Arg {
    match view {
        ArgView::File => Arg::File {
            path: path.unwrap_or_default().to_owned(),
            permission: None,
        },
        ArgView::Path => Arg::Path {
            path: path.unwrap_or_default().to_owned(),
        },
        ArgView::String => Arg::String(path.unwrap_or_default().to_owned()),
        ArgView::Int => Arg::Int(int),
        ArgView::Uint => Arg::Uint(int as u64),
        ArgView::Size => Arg::Size(int as u64),
        ArgView::Sock => match sock {
            Some(s) => Arg::Sock {
                family: family_name(s.family),
                protocol: protocol_name(s.protocol),
                saddr: address(s.family, &s.saddr),
                sport: u32::from(s.sport),
                daddr: address(s.family, &s.daddr),
                dport: u32::from(s.dport),
            },
            None => Arg::Sock {
                family: String::new(),
                protocol: String::new(),
                saddr: String::new(),
                sport: 0,
                daddr: String::new(),
                dport: 0,
            },
        },
    }
}

fn address(family: u16, bytes: &[u8; 16]) -> String {
    let v6 = Ipv6Addr::from(*bytes);
    match (family, v6.to_ipv4_mapped()) {
        (2, Some(v4)) => v4.to_string(),
        _ => v6.to_string(),
    }
}

fn family_name(family: u16) -> String {
    match family {
        1 => "AF_UNIX".into(),
        2 => "AF_INET".into(),
        10 => "AF_INET6".into(),
        n => n.to_string(),
    }
}

fn protocol_name(protocol: u16) -> String {
    match protocol {
        6 => "IPPROTO_TCP".into(),
        17 => "IPPROTO_UDP".into(),
        1 => "IPPROTO_ICMP".into(),
        58 => "IPPROTO_ICMPV6".into(),
        0 => String::new(),
        n => n.to_string(),
    }
}

/// `SIGKILL` and the like.
pub fn signal_name(signal: i32) -> String {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(signal)
        .ok()
        .and_then(|s| NAMES.get(s))
        .filter(|n| !n.is_empty())
        .map(|n| (*n).to_owned())
        .unwrap_or_else(|| format!("SIG{signal}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Clock for Fixed {
        fn rfc3339(&self, ktime: u64) -> String {
            format!("t{ktime}")
        }
    }

    fn header(kind: u32, tgid: u32, exec: u64, ppid: u32, parent_exec: u64) -> Header {
        Header {
            kind,
            ktime: 99,
            pid: tgid,
            tgid,
            uid: 0,
            ppid,
            cgroup_id: 1,
            exec_ktime: exec,
            parent_exec_ktime: parent_exec,
        }
    }

    fn exec(tgid: u32, at: u64, ppid: u32, parent_at: u64, binary: &str, args: &[u8]) -> Record {
        Record::Exec {
            header: header(1, tgid, at, ppid, parent_at),
            binary: binary.into(),
            args: args.to_vec(),
            cwd: "/tmp".into(),
        }
    }

    #[test]
    fn exec_then_exit_by_signal_carries_process_and_parent() {
        let compiled = Compiled::default();
        let mut cache = ProcessCache::new("node", 16);
        cache.event(
            &exec(10, 1, 1, 0, "/bin/sh", b"sh\0-c\0true\0"),
            &compiled,
            &Fixed,
        );
        let event = cache
            .event(
                &exec(11, 2, 10, 1, "/usr/bin/cat", b"cat\0/etc/shadow\0"),
                &compiled,
                &Fixed,
            )
            .unwrap();
        let EventKind::Exec { process, parent } = &event.kind else {
            panic!("not an exec")
        };
        assert_eq!(process.arguments, "/etc/shadow");
        assert_eq!(parent.as_ref().unwrap().binary, "/bin/sh");
        assert_eq!(process.parent_exec_id, parent.as_ref().unwrap().exec_id);
        let exit = cache
            .event(
                &Record::Exit {
                    header: header(2, 11, 2, 10, 1),
                    exit_code: 9,
                },
                &compiled,
                &Fixed,
            )
            .unwrap();
        let EventKind::Exit {
            process,
            signal,
            status,
            ..
        } = &exit.kind
        else {
            panic!("not an exit")
        };
        assert_eq!(
            (process.binary.as_str(), signal.as_deref(), *status),
            ("/usr/bin/cat", Some("SIGKILL"), 0)
        );
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let compiled = Compiled::default();
        let mut cache = ProcessCache::new("node", 3);
        for pid in 0..10 {
            cache.event(
                &exec(100 + pid, u64::from(pid), 1, 0, "/bin/true", b"true\0"),
                &compiled,
                &Fixed,
            );
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.evictions, 7);
    }

    #[test]
    fn exit_status_is_the_high_byte() {
        let compiled = Compiled::default();
        let mut cache = ProcessCache::new("node", 3);
        let exit = cache
            .event(
                &Record::Exit {
                    header: header(2, 5, 0, 1, 0),
                    exit_code: 3 << 8,
                },
                &compiled,
                &Fixed,
            )
            .unwrap();
        let EventKind::Exit { status, signal, .. } = exit.kind else {
            panic!()
        };
        assert_eq!((status, signal), (3, None));
    }
}
