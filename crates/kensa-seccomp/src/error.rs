//! The crate's error type.

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    // --- record (BPF syscall recorder): variants of src/record/ ---
    /// The BPF recorder could not be opened, loaded or attached.
    #[error("{action}: {source}")]
    Bpf {
        /// What was being done.
        action: &'static str,
        /// libbpf's error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// The recorder's BPF object does not have the layout this code expects
    /// (a build problem, not an input one).
    #[error("BPF recorder: {0}")]
    BpfLayout(&'static str),
    /// No cgroup2 hierarchy is mounted.
    #[error(
        "no cgroup2 hierarchy is mounted (see /proc/self/mountinfo): mount one with `mount -t cgroup2 none DIR`"
    )]
    NoCgroup2,
    /// A path that is not a directory of the cgroup2 hierarchy.
    #[error("{path}: not a cgroup2 directory")]
    NotACgroup {
        /// The path.
        path: String,
    },
    /// A process with no cgroup2 membership (no `0::` line in
    /// `/proc/PID/cgroup`).
    #[error("process {pid}: not in a cgroup2 hierarchy (no 0:: line in /proc/{pid}/cgroup)")]
    NotInCgroup2 {
        /// The process.
        pid: String,
    },
    /// No command was given to record.
    #[error("no command to record")]
    NoCommand,
    /// The command to record could not be started or waited for.
    #[error("{program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    // --- end record ---
}
