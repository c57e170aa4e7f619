//! The host's namespaces, for `matchNamespaces` values written `host_ns`
//! and for `isNamespaceCapability`: the inode numbers of `/proc/1/ns/*`,
//! read by the caller before compiling so that [`crate::compile`] stays
//! free of I/O.

use std::path::Path;

/// `matchNamespaces` names in Tetragon's order (`enum ns_kind` in
/// runtime.h), each with its file under `/proc/<pid>/ns/`.
pub const KINDS: [(&str, &str); 10] = [
    ("Uts", "uts"),
    ("Ipc", "ipc"),
    ("Mnt", "mnt"),
    ("Pid", "pid"),
    ("PidForChildren", "pid_for_children"),
    ("Net", "net"),
    ("Time", "time"),
    ("TimeForChildren", "time_for_children"),
    ("Cgroup", "cgroup"),
    ("User", "user"),
];

/// [`KINDS`] index of the user namespace (`isNamespaceCapability`).
pub const USER: usize = 9;

/// Index of a `matchNamespaces` name in [`KINDS`].
pub fn kind(name: &str) -> Option<usize> {
    KINDS.iter().position(|(n, _)| *n == name)
}

/// Inode numbers of the host's namespaces, indexed like [`KINDS`]; `None`
/// where the kernel has no such namespace or it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostNamespaces {
    /// By [`KINDS`] index.
    pub inums: [Option<u32>; KINDS.len()],
    /// Which entries are kensa's own namespaces, taken because pid 1's
    /// could not be read (compiling notes it where `host_ns` uses one).
    pub own: [bool; KINDS.len()],
}

impl HostNamespaces {
    /// Reads `<proc>/1/ns/*`: pid 1 is in the host's namespaces when the
    /// agent runs with `hostPID` (as Tetragon requires too). Reading them
    /// needs ptrace read access to pid 1, which some inits refuse even to
    /// root; then kensa's own (`<proc>/self/ns/*`) stand in.
    pub fn read(proc: &Path) -> Self {
        let link = |pid: &str, file: &str| {
            std::fs::read_link(proc.join(pid).join("ns").join(file))
                .ok()
                .and_then(|link| parse_link(&link.to_string_lossy()))
        };
        let mut host = Self::default();
        for (i, (_, file)) in KINDS.iter().enumerate() {
            host.inums[i] = link("1", file);
            if host.inums[i].is_none() {
                host.inums[i] = link("self", file);
                host.own[i] = host.inums[i].is_some();
            }
        }
        host
    }

    /// The inode of namespace `kind` ([`KINDS`] index).
    pub fn get(&self, kind: usize) -> Option<u32> {
        self.inums.get(kind).copied().flatten()
    }
}

/// `mnt:[4026531832]` -> 4026531832.
fn parse_link(link: &str) -> Option<u32> {
    let (_, rest) = link.split_once(":[")?;
    rest.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_links_parse() {
        assert_eq!(parse_link("mnt:[4026531832]"), Some(4026531832));
        assert_eq!(parse_link("pid_for_children:[1]"), Some(1));
        assert_eq!(parse_link("mnt:4026531832"), None);
        assert_eq!(kind("PidForChildren"), Some(4));
        assert_eq!(kind("User"), Some(USER));
        assert_eq!(kind("Kube"), None);
    }

    #[test]
    fn the_host_table_falls_back_to_our_own_namespaces() {
        let host = HostNamespaces::read(Path::new("/proc"));
        let own = std::fs::read_link("/proc/self/ns/mnt").unwrap();
        let own = parse_link(&own.to_string_lossy());
        assert!(own.is_some());
        let mnt = kind("Mnt").unwrap();
        assert!(host.get(mnt).is_some());
        if host.own[mnt] {
            assert_eq!(host.get(mnt), own);
        }
        let nowhere = HostNamespaces::read(Path::new("/nonexistent"));
        assert_eq!(nowhere, HostNamespaces::default());
    }
}
