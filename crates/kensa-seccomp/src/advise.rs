//! A minimal profile from what a workload was seen to do.
//!
//! The output is `defaultAction: SCMP_ACT_ERRNO` with `defaultErrnoRet: 1`
//! (EPERM, what a denied syscall returns under RuntimeDefault too) and one
//! allow rule with the seen syscall names, sorted.
//!
//! Choices, made against the anchors' known flaws (Inspektor Gadget's
//! `advise seccomp-profile` and similar generators):
//!
//! - **Architectures**: the host's native architecture with the compat ones
//!   containerd lists for it (amd64: `SCMP_ARCH_X86_64`, `SCMP_ARCH_X86`,
//!   `SCMP_ARCH_X32`; arm64: `SCMP_ARCH_ARM`, `SCMP_ARCH_AARCH64`), in
//!   containerd's order, whether or not 32-bit syscalls were seen. Listing
//!   them is what makes 32-bit processes get the default action (EPERM)
//!   for what was not seen, like under RuntimeDefault, rather than being
//!   killed for an unknown architecture; what they were seen doing is
//!   allowed by name. Where containerd lists none (386, arm, ppc64le) the
//!   native architecture is written explicitly.
//! - **Names per architecture**: a name recorded under an architecture is
//!   kept only if it is a real syscall there (this machine's libseccomp
//!   gives it a non-negative number); pseudo-syscalls and names libseccomp
//!   does not know are dropped, each with a note. Compat syscalls are named
//!   by the recorder with their own architecture's table, never the
//!   native one.
//! - **No flat allow where RuntimeDefault inspects arguments** (with a
//!   base): for a syscall the base allows only under conditions (clone
//!   flags, personality, socket family), the base's rules whose conditions
//!   match a recorded argument value are emitted instead of a flat allow.
//!   Values the base would refuse get an exact `SCMP_CMP_EQ` rule, with a
//!   note. When no value was recorded, all the base's conditions for it are
//!   kept (still no flat allow).
//! - **ENOSYS fallbacks**: the base answers `clone3` with ENOSYS so that
//!   glibc falls back to `clone`, whose flags a filter can read. If `clone3`
//!   was seen, its ENOSYS rule is kept and `clone` is allowed under the
//!   base's conditions, even though an unconfined run never called `clone`.
//! - **Seen but not allowed by the base**: still allowed (the advice says
//!   what the workload needs), and listed in the notes.
//! - **Empty recordings** are not an error, but the note says the profile
//!   denies every syscall.
//! - Several runs or replicas: merge recordings
//!   ([`crate::recording::Recording::merge`]) or profiles
//!   ([`crate::profile::merge_profiles`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::profile::{Action, Arch, Arg, EPERM, Entry, Op, Profile, entries, rules_from_entries};
use crate::recording::Recording;
use crate::validate::syscall_number;
use crate::{Error, Result};

/// ENOSYS, the errno that makes glibc fall back to an older syscall.
const ENOSYS: u32 = 38;

/// Syscalls glibc falls back to when the first answers ENOSYS.
const FALLBACKS: &[(&str, &str)] = &[("clone3", "clone")];

/// An advised profile and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// The profile.
    pub profile: Profile,
    /// Decisions worth reading: names dropped, syscalls the base does not
    /// allow, argument values the base would refuse.
    pub notes: Vec<String>,
}

/// Advises a minimal profile for a recording.
///
/// `host_arch` is the recording machine's architecture in any common
/// spelling (`amd64`, `x86_64`, `arm64`, `aarch64`, ...). `base` is a
/// resolved profile (RuntimeDefault) whose argument conditions are kept.
pub fn advise(recording: &Recording, base: Option<&Profile>, host_arch: &str) -> Result<Advice> {
    let native =
        Arch::from_any_name(host_arch).ok_or_else(|| Error::UnknownArch(host_arch.to_owned()))?;
    if base.is_some_and(Profile::is_template) {
        return Err(Error::BadProfile {
            path: String::new(),
            reason: "the base is a moby template; resolve it first".into(),
        });
    }
    let mut notes = Vec::new();
    let mut architectures = crate::resolve::containerd_architectures(native.native_name(), native);
    if architectures.is_empty() {
        architectures.push(native);
    }

    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (arch_name, names) in &recording.syscalls {
        let Some(arch) = Arch::from_any_name(arch_name) else {
            notes.push(format!(
                "recorded architecture {arch_name:?} is unknown: its {} syscalls are left out",
                names.len()
            ));
            continue;
        };
        if !names.is_empty() && !architectures.contains(&arch) {
            notes.push(format!(
                "{} was recorded but is not a compat architecture of {}: added",
                arch.as_str(),
                native.as_str()
            ));
            architectures.push(arch);
        }
        for name in names {
            if syscall_number(arch, name).is_some() {
                seen.insert(name.clone());
            } else {
                notes.push(format!(
                    "{name:?} is not a syscall on {} (libseccomp {}): left out",
                    arch.as_str(),
                    crate::validate::libseccomp_version()
                ));
            }
        }
    }
    if seen.is_empty() {
        notes.push("nothing was recorded: the profile denies every syscall".into());
    }

    let entries = match base {
        None => seen
            .iter()
            .map(|name| flat(name, Action::Allow, None))
            .collect(),
        Some(base) => with_base(&seen, recording, base, &mut notes),
    };
    let mut profile = Profile::new(Action::Errno);
    profile.default_errno_ret = Some(EPERM);
    profile.architectures = architectures;
    profile.syscalls = rules_from_entries(entries);
    Ok(Advice { profile, notes })
}

fn flat(name: &str, action: Action, errno_ret: Option<u32>) -> Entry {
    Entry {
        name: name.to_owned(),
        action,
        errno_ret,
        args: Vec::new(),
    }
}

fn with_base(
    seen: &BTreeSet<String>,
    recording: &Recording,
    base: &Profile,
    notes: &mut Vec<String>,
) -> Vec<Entry> {
    let mut by_name: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    let base_entries = entries(base);
    for e in &base_entries {
        by_name.entry(e.name.as_str()).or_default().push(e.clone());
    }
    // Names to emit, and whether their values were seen (a fallback target
    // may be added without having been called).
    let mut todo: BTreeSet<String> = seen.clone();
    for (from, to) in FALLBACKS {
        let enosys = by_name.get(from).is_some_and(|es| {
            es.iter().any(|e| {
                e.action == Action::Errno && e.errno_ret == Some(ENOSYS) && e.args.is_empty()
            })
        });
        if seen.contains(*from) && enosys && !seen.contains(*to) {
            notes.push(format!(
                "{from}: the base answers ENOSYS so that glibc falls back to {to}; {to} is added under the base's conditions"
            ));
            todo.insert((*to).to_owned());
        }
    }

    let mut out = Vec::new();
    for name in &todo {
        let rules = by_name.get(name.as_str()).map_or(&[][..], Vec::as_slice);
        let allows_flat = rules
            .iter()
            .any(|e| e.action == Action::Allow && e.args.is_empty());
        let conditional: Vec<&Entry> = rules
            .iter()
            .filter(|e| e.action == Action::Allow && !e.args.is_empty())
            .collect();
        let other = rules
            .iter()
            .find(|e| e.action != Action::Allow && e.args.is_empty());
        if allows_flat {
            out.push(flat(name, Action::Allow, None));
        } else if !conditional.is_empty() {
            out.extend(restrict(name, &conditional, recording, notes));
        } else if let Some(e) = other.filter(|e| e.errno_ret == Some(ENOSYS)) {
            // The base's fallback answer works for the workload (glibc
            // retries); keeping it keeps the base's argument inspection.
            out.push(e.clone());
        } else {
            notes.push(format!(
                "{name} is not allowed by the base profile: allowed because the workload called it"
            ));
            out.push(flat(name, Action::Allow, None));
        }
    }
    out
}

/// The base's conditional rules for a syscall, restricted to those matching
/// recorded values, plus exact rules for values the base refuses.
fn restrict(
    name: &str,
    conditional: &[&Entry],
    recording: &Recording,
    notes: &mut Vec<String>,
) -> Vec<Entry> {
    let observed: Vec<(u32, u64)> = recording
        .arguments
        .iter()
        .filter(|o| o.syscall == name)
        .map(|o| (u32::from(o.index), o.value))
        .collect();
    let indexes: BTreeSet<u32> = conditional
        .iter()
        .flat_map(|e| e.args.iter().map(|a| a.index))
        .collect();
    let relevant: Vec<(u32, u64)> = observed
        .into_iter()
        .filter(|(i, _)| indexes.contains(i))
        .collect();
    if relevant.is_empty() {
        notes.push(format!(
            "{name}: no argument values were recorded; all of the base's conditions are kept"
        ));
        return conditional.iter().map(|e| (*e).clone()).collect();
    }
    let matches = |arg: &Arg| {
        relevant
            .iter()
            .any(|(i, v)| *i == arg.index && arg.matches(*v))
    };
    let mut out: Vec<Entry> = conditional
        .iter()
        .filter(|e| e.args.iter().all(matches))
        .map(|e| (*e).clone())
        .collect();
    for (index, value) in &relevant {
        let allowed = conditional.iter().any(|e| {
            let at: Vec<&Arg> = e.args.iter().filter(|a| a.index == *index).collect();
            !at.is_empty() && at.iter().all(|a| a.matches(*value))
        });
        if !allowed {
            notes.push(format!(
                "{name}: argument {index} = {value:#x} is refused by the base; allowed exactly because the workload used it"
            ));
            out.push(Entry {
                name: name.to_owned(),
                action: Action::Allow,
                errno_ret: None,
                args: vec![Arg {
                    index: *index,
                    value: *value,
                    value_two: None,
                    op: Op::Eq,
                }],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::ObservedArgument;
    use crate::resolve::{Runtime, resolve_default};

    fn recording(arches: &[(&str, &[&str])], args: &[(&str, u8, u64)]) -> Recording {
        let mut r = Recording::default();
        for (arch, names) in arches {
            r.syscalls.insert(
                (*arch).to_owned(),
                names.iter().map(|n| (*n).to_owned()).collect(),
            );
        }
        for (syscall, index, value) in args {
            r.arguments.insert(ObservedArgument {
                syscall: (*syscall).to_owned(),
                index: *index,
                value: *value,
            });
        }
        r
    }

    #[test]
    fn flat_profile_sorted_with_compat_arches_and_no_pseudo_names() {
        let r = recording(
            &[
                (
                    "x86_64",
                    &[
                        "write",
                        "read",
                        "socket",
                        "chown32",
                        "SYS_999",
                        "exit_group",
                    ],
                ),
                ("x86", &["chown32"]),
            ],
            &[],
        );
        let a = advise(&r, None, "x86_64").unwrap();
        let p = &a.profile;
        assert_eq!(p.default_action, Action::Errno);
        assert_eq!(p.default_errno_ret, Some(1));
        assert_eq!(p.architectures, vec![Arch::X86_64, Arch::X86, Arch::X32]);
        assert_eq!(p.syscalls.len(), 1);
        assert_eq!(
            p.syscalls[0].names,
            vec!["chown32", "exit_group", "read", "socket", "write"]
        );
        // chown32 under x86_64 and SYS_999 are dropped, with notes.
        assert_eq!(a.notes.len(), 2, "{:?}", a.notes);
        // The output passes validation cleanly.
        let f =
            crate::validate::validate(&p.to_json(), crate::validate::Target::ContainerdLocalhost);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn arm64_lists_arm_first_like_containerd() {
        let r = recording(&[("aarch64", &["read"])], &[]);
        let a = advise(&r, None, "arm64").unwrap();
        assert_eq!(a.profile.architectures, vec![Arch::Arm, Arch::Aarch64]);
        assert!(advise(&r, None, "vax").is_err());
    }

    #[test]
    fn empty_recording_is_noted() {
        let a = advise(&Recording::default(), None, "amd64").unwrap();
        assert!(a.profile.syscalls.is_empty());
        assert!(a.notes[0].contains("denies every syscall"));
    }

    #[test]
    fn base_conditions_restricted_to_seen_values() {
        let base = resolve_default(Runtime::Containerd, "amd64", None, (6, 8)).unwrap();
        let r = recording(
            &[(
                "x86_64",
                &["read", "personality", "socket", "clone3", "unshare"],
            )],
            &[
                ("personality", 0, 0xffff_ffff),
                ("socket", 0, 2),
                ("socket", 0, 10),
                ("socket", 0, 38), // AF_ALG: the base refuses it
            ],
        );
        let a = advise(&r, Some(&base), "amd64").unwrap();
        let p = &a.profile;
        assert_eq!(p.syscalls[0].names, vec!["read", "unshare"]);
        assert_eq!(p.syscalls[0].action, Action::Allow);
        // clone3 keeps the base's ENOSYS answer.
        assert_eq!(p.syscalls[1].names, vec!["clone3"]);
        assert_eq!(p.syscalls[1].errno_ret, Some(38));
        let cond: Vec<(String, Op, u64)> = p.syscalls[2..]
            .iter()
            .map(|r| (r.names[0].clone(), r.args[0].op, r.args[0].value))
            .collect();
        assert_eq!(
            cond,
            vec![
                // clone is added for the clone3 fallback, with the base's mask.
                ("clone".to_owned(), Op::MaskedEq, 0x7E02_0000),
                ("personality".to_owned(), Op::Eq, 0xffff_ffff),
                ("socket".to_owned(), Op::Lt, 38),
                ("socket".to_owned(), Op::Eq, 38),
            ]
        );
        let notes = a.notes.join("\n");
        assert!(
            notes.contains("unshare is not allowed by the base"),
            "{notes}"
        );
        assert!(notes.contains("argument 0 = 0x26"), "{notes}");
        assert!(notes.contains("clone3"), "{notes}");
    }

    #[test]
    fn base_conditions_kept_whole_without_values() {
        let base = resolve_default(Runtime::Docker, "amd64", None, (6, 8)).unwrap();
        let r = recording(&[("x86_64", &["personality"])], &[]);
        let a = advise(&r, Some(&base), "amd64").unwrap();
        assert_eq!(a.profile.syscalls.len(), 5);
        assert!(
            a.profile
                .syscalls
                .iter()
                .all(|r| r.names == ["personality"])
        );
        let t = Runtime::Docker.template().unwrap();
        assert!(advise(&r, Some(&t), "amd64").is_err());
    }
}
