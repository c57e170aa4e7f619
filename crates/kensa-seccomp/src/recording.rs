//! What recording a workload saw. The recorder (BPF, at the I/O edge) fills
//! it; profile advice (pure) turns it into a profile.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The syscalls a process tree made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    /// Syscall names by libseccomp architecture name (`x86_64`, `x86`,
    /// `x32`, `aarch64`, ...): compat syscalls of 32-bit processes are
    /// recorded under their own architecture.
    pub syscalls: BTreeMap<String, BTreeSet<String>>,
    /// Argument values seen, for the syscalls whose arguments the runtimes'
    /// default profiles restrict (clone flags, personality, socket family).
    pub arguments: BTreeSet<ObservedArgument>,
}

/// One argument value a syscall was called with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObservedArgument {
    /// The syscall's name.
    pub syscall: String,
    /// The argument's index, from 0.
    pub index: u8,
    /// Its value.
    pub value: u64,
}

impl Recording {
    /// Adds what another recording saw (another replica, another run).
    pub fn merge(&mut self, other: Recording) {
        for (arch, names) in other.syscalls {
            self.syscalls.entry(arch).or_default().extend(names);
        }
        self.arguments.extend(other.arguments);
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.syscalls.values().all(BTreeSet::is_empty)
    }
}
