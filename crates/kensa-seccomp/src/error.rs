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

    // --- filter, run, install (seccomp-apply) ---
    /// A profile that is not valid JSON or does not have the shape of an OCI
    /// `linux.seccomp` object.
    #[error("profile: {0}")]
    ProfileJson(#[source] serde_json::Error),
    /// A profile field with a value this crate (or libseccomp) cannot use.
    #[error("profile field `{field}`: {message}")]
    ProfileField {
        /// Where in the profile, e.g. `syscalls[3].args[0].op`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// libseccomp refused an operation while the filter was built.
    #[error("libseccomp: {what}: {source}")]
    Seccomp {
        /// What was being done.
        what: String,
        /// libseccomp's error.
        #[source]
        source: libseccomp::error::SeccompError,
    },
    /// A profile that can be built but not applied by `run`.
    #[error("cannot run under this profile: {0}")]
    Unsupported(String),
    /// The command could not be started (this includes the filter failing to
    /// load in the child, in which case the command never ran).
    #[error("{what}: {source}")]
    Spawn {
        /// The command, or the step that failed.
        what: String,
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
    /// The cgroup or the child of a recorded command could not be set up.
    #[error(transparent)]
    Sandbox(#[from] kensa_sandbox::Error),
    /// No command was given to record.
    #[error("no command to record")]
    NoCommand,
    /// A profile name that would escape the profiles directory.
    #[error("invalid profile name {0:?}: use a plain file name without `/` or `..`")]
    InvalidName(String),
    /// A capability name `run --caps` does not know.
    #[error("unknown capability {0:?}")]
    UnknownCapability(String),
    // --- end seccomp-apply ---
    // --- end record ---
    // --- profiles (profile, resolve, validate, diff, spo, advise) ---
    /// A profile that cannot be parsed: `path` names the field
    /// (`syscalls[3].action`; empty for the whole document).
    #[error("bad seccomp profile{}: {reason}", if path.is_empty() { String::new() } else { format!(" at {path}") })]
    BadProfile {
        /// The field, as `syscalls[3].args[0].op`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two profiles that cannot be merged.
    #[error("cannot merge profiles: {reason}")]
    Merge {
        /// Why.
        reason: String,
    },
    /// An architecture name that is not known.
    #[error("unknown architecture {0:?}")]
    UnknownArch(String),
    /// A profile that the Security Profiles Operator's CRD cannot hold.
    #[error("not representable as a SeccompProfile: {0}")]
    Spo(String),
    // --- end profiles ---
}
