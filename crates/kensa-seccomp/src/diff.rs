//! What changes from one profile to another.
//!
//! Profiles are compared per syscall name, not per rule, so regrouping names
//! into other rules is no change. A name's unconditional entries are grouped
//! by action (`SCMP_ACT_ERRNO(38)` when an errno is set); its conditional
//! entries (with `args`) are compared as whole rules. moby's `includes` and
//! `excludes` are not evaluated: resolve a template first
//! ([`crate::resolve`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::profile::{Arg, Entry, Profile, action_label, entries};

/// A change of a single value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// Before.
    pub from: T,
    /// After.
    pub to: T,
}

/// One argument rule: a syscall, its action and its conditions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ArgRule {
    /// The syscall.
    pub name: String,
    /// The action, with its errno when one is set.
    pub action: String,
    /// The conditions.
    pub args: Vec<Arg>,
}

/// The differences between two profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDiff {
    /// The default action (and errno) changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_action: Option<Change<String>>,
    /// Architectures only the second profile lists.
    pub architectures_added: Vec<String>,
    /// Architectures only the first profile lists.
    pub architectures_removed: Vec<String>,
    /// Syscalls with an unconditional rule only in the second profile, by
    /// action.
    pub syscalls_added: BTreeMap<String, Vec<String>>,
    /// Syscalls with an unconditional rule only in the first profile, by
    /// action.
    pub syscalls_removed: BTreeMap<String, Vec<String>>,
    /// Argument rules only in the second profile.
    pub arg_rules_added: Vec<ArgRule>,
    /// Argument rules only in the first profile.
    pub arg_rules_removed: Vec<ArgRule>,
    /// Flags only the second profile sets.
    pub flags_added: Vec<String>,
    /// Flags only the first profile sets.
    pub flags_removed: Vec<String>,
}

impl ProfileDiff {
    /// Whether the profiles are the same, as far as this comparison sees.
    pub fn is_empty(&self) -> bool {
        *self == ProfileDiff::default()
    }

    /// A text rendering: `+`/`-` lines grouped by section.
    pub fn to_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ProfileDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no differences");
        }
        if let Some(c) = &self.default_action {
            writeln!(f, "default action: {} -> {}", c.from, c.to)?;
        }
        let pairs = |f: &mut fmt::Formatter<'_>, title: &str, add: &[String], del: &[String]| {
            if add.is_empty() && del.is_empty() {
                return Ok(());
            }
            writeln!(f, "{title}:")?;
            for a in del {
                writeln!(f, "  - {a}")?;
            }
            for a in add {
                writeln!(f, "  + {a}")?;
            }
            Ok(())
        };
        pairs(
            f,
            "architectures",
            &self.architectures_added,
            &self.architectures_removed,
        )?;
        pairs(f, "flags", &self.flags_added, &self.flags_removed)?;
        let actions: BTreeSet<&String> = self
            .syscalls_added
            .keys()
            .chain(self.syscalls_removed.keys())
            .collect();
        for action in actions {
            let add = self.syscalls_added.get(action).map_or(&[][..], |v| v);
            let del = self.syscalls_removed.get(action).map_or(&[][..], |v| v);
            writeln!(f, "syscalls {action} (+{} -{}):", add.len(), del.len())?;
            if !del.is_empty() {
                writeln!(f, "  - {}", del.join(" "))?;
            }
            if !add.is_empty() {
                writeln!(f, "  + {}", add.join(" "))?;
            }
        }
        if !self.arg_rules_added.is_empty() || !self.arg_rules_removed.is_empty() {
            writeln!(f, "argument rules:")?;
            for r in &self.arg_rules_removed {
                writeln!(f, "  - {}", render_rule(r))?;
            }
            for r in &self.arg_rules_added {
                writeln!(f, "  + {}", render_rule(r))?;
            }
        }
        Ok(())
    }
}

fn render_rule(r: &ArgRule) -> String {
    let mut s = format!("{} {} if", r.name, r.action);
    for (i, a) in r.args.iter().enumerate() {
        if i > 0 {
            s.push_str(" and");
        }
        let op = a.op.as_str().trim_start_matches("SCMP_CMP_");
        let _ = write!(s, " arg{} {} {:#x}", a.index, op, a.value);
        if let Some(two) = a.value_two {
            let _ = write!(s, " {two:#x}");
        }
    }
    s
}

/// Compares two profiles.
pub fn diff(a: &Profile, b: &Profile) -> ProfileDiff {
    let mut out = ProfileDiff::default();
    let (da, db) = (
        action_label(
            a.default_action,
            Some(a.default_errno()).filter(|_| errno_like(a)),
        ),
        action_label(
            b.default_action,
            Some(b.default_errno()).filter(|_| errno_like(b)),
        ),
    );
    if da != db {
        out.default_action = Some(Change { from: da, to: db });
    }
    let names = |p: &Profile| -> Vec<String> {
        p.architectures
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect()
    };
    (out.architectures_added, out.architectures_removed) = set_diff(names(a), names(b));
    let flags =
        |p: &Profile| -> Vec<String> { p.flags.iter().map(|f| f.as_str().to_owned()).collect() };
    (out.flags_added, out.flags_removed) = set_diff(flags(a), flags(b));
    let (flat_a, args_a) = split(&entries(a));
    let (flat_b, args_b) = split(&entries(b));
    for (name, label) in flat_b.difference(&flat_a) {
        out.syscalls_added
            .entry(label.clone())
            .or_default()
            .push(name.clone());
    }
    for (name, label) in flat_a.difference(&flat_b) {
        out.syscalls_removed
            .entry(label.clone())
            .or_default()
            .push(name.clone());
    }
    out.arg_rules_added = args_b.difference(&args_a).cloned().collect();
    out.arg_rules_removed = args_a.difference(&args_b).cloned().collect();
    out
}

fn errno_like(p: &Profile) -> bool {
    matches!(
        p.default_action,
        crate::profile::Action::Errno | crate::profile::Action::Trace
    )
}

fn set_diff(a: Vec<String>, b: Vec<String>) -> (Vec<String>, Vec<String>) {
    let added = b.iter().filter(|x| !a.contains(x)).cloned().collect();
    let removed = a.iter().filter(|x| !b.contains(x)).cloned().collect();
    (added, removed)
}

/// `valueTwo` only counts for `SCMP_CMP_MASKED_EQ`, where unset means 0:
/// containerd writes `valueTwo: 0` and Docker leaves it out, for the same
/// filter.
fn normalize(arg: &Arg) -> Arg {
    let value_two = match arg.op {
        crate::profile::Op::MaskedEq => Some(arg.value_two.unwrap_or(0)),
        _ => None,
    };
    Arg {
        value_two,
        ..arg.clone()
    }
}

fn split(entries: &[Entry]) -> (BTreeSet<(String, String)>, BTreeSet<ArgRule>) {
    let mut flat = BTreeSet::new();
    let mut args = BTreeSet::new();
    for e in entries {
        if e.args.is_empty() {
            flat.insert((e.name.clone(), e.action_label()));
        } else {
            args.insert(ArgRule {
                name: e.name.clone(),
                action: e.action_label(),
                args: e.args.iter().map(normalize).collect(),
            });
        }
    }
    (flat, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::{Runtime, resolve_default};

    #[test]
    fn identical_and_regrouped_profiles_do_not_differ() {
        let a = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}"#).unwrap();
        let b = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"syscalls":[{"names":["write"],"action":"SCMP_ACT_ALLOW"},{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#).unwrap();
        let d = diff(&a, &b);
        assert!(d.is_empty(), "{d:#?}");
        assert_eq!(d.to_text(), "no differences\n");
    }

    #[test]
    fn docker_against_containerd() {
        let c = resolve_default(Runtime::Containerd, "amd64", None, (6, 8)).unwrap();
        let d = resolve_default(Runtime::Docker, "amd64", None, (6, 8)).unwrap();
        let x = diff(&d, &c);
        // Docker lists riscv_hwprobe in its base list, containerd only in
        // its riscv64 block; containerd's base list has names Docker's lacks.
        let added = &x.syscalls_added["SCMP_ACT_ALLOW"];
        let removed = &x.syscalls_removed["SCMP_ACT_ALLOW"];
        assert!(removed.contains(&"riscv_hwprobe".to_owned()), "{x}");
        assert!(!added.is_empty(), "{x}");
        // The clone rules differ only in an unset vs zero valueTwo: the same.
        assert!(x.arg_rules_added.is_empty(), "{x}");
        assert!(x.arg_rules_removed.is_empty(), "{x}");
        // Docker sets defaultErrnoRet 1, containerd leaves it unset: the same.
        assert_eq!(x.default_action, None);
        let text = x.to_text();
        assert!(text.contains("syscalls SCMP_ACT_ALLOW"), "{text}");
        println!("{text}");
    }

    #[test]
    fn default_action_and_arch_changes() {
        let a = Profile::from_json(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"]}"#,
        )
        .unwrap();
        let b = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_KILL_PROCESS","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}"#).unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            d.default_action.as_ref().unwrap().to,
            "SCMP_ACT_KILL_PROCESS"
        );
        assert_eq!(d.architectures_added, vec!["SCMP_ARCH_X86"]);
        assert_eq!(d.arg_rules_added.len(), 1);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["defaultAction"]["from"], "SCMP_ACT_ERRNO(1)");
    }
}
