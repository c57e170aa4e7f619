//! A profile as a Security Profiles Operator `SeccompProfile`.
//!
//! The apiVersion is `security-profiles-operator.x-k8s.io/v1`: the CRD in
//! the reference (SPO 1.0.1-dev) serves `v1` as its storage version and
//! `v1beta1` only for old clients. The CRD is cluster-scoped since SPO 0.9,
//! so a namespace is written only when asked for (older, namespaced
//! installations).
//!
//! The YAML is written by hand: every string is a double-quoted scalar (a
//! JSON string literal is a valid YAML double-quoted scalar), every number
//! plain, so nothing is left to YAML's type guessing (`no`, `0x10`, `1e3`).
//!
//! The CRD is narrower than OCI; what it cannot hold is an [`Error::Spo`]
//! rather than an object the API server would refuse: architectures outside
//! its enum (LOONGARCH64, M68K, SH, SHEB), `errnoRet` above 2^31-1 (int32),
//! argument values above 2^63-1 (int64), more than six conditions, a
//! `listenerPath` outside `/var/run/security-profiles-operator/`, and moby
//! template fields.

use std::fmt::Write as _;

use crate::profile::{Arch, Profile};
use crate::{Error, Result};

/// The apiVersion written.
pub const API_VERSION: &str = "security-profiles-operator.x-k8s.io/v1";

/// Renders a `SeccompProfile` object named `name` (a DNS subdomain).
pub fn to_spo(profile: &Profile, name: &str, namespace: Option<&str>) -> Result<String> {
    check_name(name, "name")?;
    if let Some(ns) = namespace {
        check_name(ns, "namespace")?;
    }
    if profile.is_template() {
        return Err(Error::Spo(
            "a moby template (archMap, includes, excludes) must be resolved first".into(),
        ));
    }
    let mut y = String::new();
    // Writing into a String cannot fail; the results are ignored.
    let _ = writeln!(y, "apiVersion: {API_VERSION}");
    y.push_str("kind: SeccompProfile\nmetadata:\n");
    let _ = writeln!(y, "  name: {}", q(name));
    if let Some(ns) = namespace {
        let _ = writeln!(y, "  namespace: {}", q(ns));
    }
    if let Some(c) = &profile.comment {
        let _ = writeln!(y, "  annotations:\n    description: {}", q(c));
    }
    y.push_str("spec:\n");
    let _ = writeln!(y, "  defaultAction: {}", q(profile.default_action.as_str()));
    if !profile.architectures.is_empty() {
        y.push_str("  architectures:\n");
        for a in &profile.architectures {
            if matches!(a, Arch::Loongarch64 | Arch::M68k | Arch::Sh | Arch::Sheb) {
                return Err(Error::Spo(format!("the CRD has no architecture {a}")));
            }
            let _ = writeln!(y, "  - {}", q(a.as_str()));
        }
    }
    if !profile.flags.is_empty() {
        y.push_str("  flags:\n");
        for f in &profile.flags {
            let _ = writeln!(y, "  - {}", q(f.as_str()));
        }
    }
    if let Some(p) = &profile.listener_path {
        let ok = p
            .strip_prefix("/var/run/security-profiles-operator/")
            .is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            });
        if !ok {
            return Err(Error::Spo(format!(
                "listenerPath {p:?} must be a file in /var/run/security-profiles-operator/"
            )));
        }
        let _ = writeln!(y, "  listenerPath: {}", q(p));
    }
    if let Some(m) = &profile.listener_metadata {
        let _ = writeln!(y, "  listenerMetadata: {}", q(m));
    }
    if profile
        .default_errno_ret
        .is_some_and(|e| e != crate::profile::EPERM)
    {
        // The CRD has no defaultErrnoRet: SPO's default is EPERM.
        return Err(Error::Spo(
            "the CRD has no defaultErrnoRet; only the default EPERM can be expressed".into(),
        ));
    }
    if !profile.syscalls.is_empty() {
        y.push_str("  syscalls:\n");
    }
    for (i, rule) in profile.syscalls.iter().enumerate() {
        let _ = writeln!(y, "  - action: {}", q(rule.action.as_str()));
        if let Some(e) = rule.errno_ret {
            if e > i32::MAX as u32 {
                return Err(Error::Spo(format!(
                    "syscalls[{i}].errnoRet {e} does not fit the CRD's int32"
                )));
            }
            let _ = writeln!(y, "    errnoRet: {e}");
        }
        if rule.args.len() > 6 {
            return Err(Error::Spo(format!(
                "syscalls[{i}].args has {} conditions; the CRD allows 6",
                rule.args.len()
            )));
        }
        if !rule.args.is_empty() {
            y.push_str("    args:\n");
        }
        for (j, a) in rule.args.iter().enumerate() {
            for (field, v) in [("value", Some(a.value)), ("valueTwo", a.value_two)] {
                if v.is_some_and(|v| v > i64::MAX as u64) {
                    return Err(Error::Spo(format!(
                        "syscalls[{i}].args[{j}].{field} does not fit the CRD's int64"
                    )));
                }
            }
            let _ = writeln!(y, "    - index: {}", a.index);
            let _ = writeln!(y, "      value: {}", a.value);
            if let Some(two) = a.value_two {
                let _ = writeln!(y, "      valueTwo: {two}");
            }
            let _ = writeln!(y, "      op: {}", q(a.op.as_str()));
        }
        y.push_str("    names:\n");
        for n in &rule.names {
            let _ = writeln!(y, "    - {}", q(n));
        }
    }
    Ok(y)
}

/// A double-quoted YAML scalar.
fn q(s: &str) -> String {
    // A JSON string literal escapes quotes, backslashes and control
    // characters, which is all a YAML double-quoted scalar needs.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn check_name(name: &str, what: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::Spo(format!(
            "{what} {name:?} is not a DNS subdomain (lowercase letters, digits, '-', '.')"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::{Runtime, resolve_default};

    #[test]
    fn resolved_default_renders() {
        let p = resolve_default(Runtime::Containerd, "amd64", None, (6, 8)).unwrap();
        let y = to_spo(&p, "runtime-default", None).unwrap();
        assert!(y.starts_with(
            "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\n"
        ));
        assert!(!y.contains("namespace"));
        assert!(y.contains("  - \"SCMP_ARCH_X86_64\"\n"));
        assert!(y.contains("      op: \"SCMP_CMP_MASKED_EQ\"\n"), "{y}");
        assert_eq!(y.matches("  - action:").count(), p.syscalls.len());
        let y = to_spo(&p, "x", Some("ns-1")).unwrap();
        assert!(y.contains("  namespace: \"ns-1\"\n"));
    }

    #[test]
    fn refuses_what_the_crd_cannot_hold() {
        let p = Profile::from_json(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_LOONGARCH64"]}"#,
        )
        .unwrap();
        assert!(to_spo(&p, "a", None).is_err());
        let p = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}"#).unwrap();
        assert!(to_spo(&p, "a", None).is_err());
        let p = Profile::new(crate::profile::Action::Log);
        assert!(to_spo(&p, "Bad_Name", None).is_err());
        let t = Runtime::Docker.template().unwrap();
        assert!(to_spo(&t, "a", None).is_err());
    }

    /// The YAML parses back, and its spec is the profile's OCI JSON.
    #[test]
    fn yaml_round_trips_to_the_profile() {
        for rt in [Runtime::Containerd, Runtime::Docker] {
            let p = resolve_default(rt, "amd64", None, (6, 8)).unwrap();
            let y = to_spo(&p, "rd", None).unwrap();
            let v: serde_json::Value = serde_saphyr::from_str(&y).unwrap();
            let mut expected = p.to_value();
            // The CRD has no defaultErrnoRet; Docker's is the default EPERM.
            expected.as_object_mut().unwrap().remove("defaultErrnoRet");
            assert_eq!(v["spec"], expected);
            assert_eq!(v["kind"], "SeccompProfile");
        }
    }

    /// Every `SeccompProfile` in the reference's SPO examples: its spec
    /// parses as a profile, and rendering it again gives the same spec.
    #[test]
    fn reference_examples_round_trip() {
        let dir = kensa_reference::root();
        let path = dir.join("seccomp/spo/examples/seccompprofile.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "missing {}",
                path.display()
            );
            println!("skipped: no reference data at {}", path.display());
            return;
        };
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
        assert_eq!(docs.len(), 4);
        for doc in docs {
            let name = doc["metadata"]["name"].as_str().unwrap();
            let profile = Profile::from_value(&doc["spec"]).unwrap();
            let y = to_spo(&profile, name, None).unwrap();
            let back: serde_json::Value = serde_saphyr::from_str(&y).unwrap();
            assert_eq!(back["spec"], doc["spec"], "{name}");
            assert_eq!(back["apiVersion"], doc["apiVersion"]);
        }
    }

    #[test]
    fn strings_are_quoted() {
        let mut p = Profile::new(crate::profile::Action::Errno);
        p.comment = Some("no: \"x\"\nnext".into());
        let y = to_spo(&p, "a", None).unwrap();
        assert!(y.contains(r#"description: "no: \"x\"\nnext""#), "{y}");
    }
}
