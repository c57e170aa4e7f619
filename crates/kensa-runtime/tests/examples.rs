//! Conformance: Tetragon's own example policies read, validate, and either
//! map onto this kernel or are refused with every unmapped hook named.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kensa_runtime::hooks::{
    Attachment, CgroupSockHook, HookClass, ObjectArg, OverrideVia, Phase, Plan, UnsupportedHook,
};
use kensa_runtime::{Policy, PolicyKind, parse_policies, plan, validate};

fn examples() -> Option<PathBuf> {
    kensa_reference::dir(
        "runtime/tetragon-examples",
        "quickstart_file_monitoring_enforce.yaml",
    )
}

/// Every example file's policies, by file name.
fn read_all(dir: &PathBuf) -> BTreeMap<String, Vec<Policy>> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).expect("read examples dir");
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("read example");
        let (policies, errors) = parse_policies(&name, &text);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(!policies.is_empty(), "{name}: no policy read");
        out.insert(name, policies);
    }
    assert!(out.len() >= 19, "only {} examples found", out.len());
    out
}

fn one<'a>(all: &'a BTreeMap<String, Vec<Policy>>, name: &str) -> &'a Policy {
    let policies = all.get(name).unwrap_or_else(|| panic!("{name} missing"));
    assert_eq!(policies.len(), 1, "{name}");
    &policies[0]
}

fn planned(policy: &Policy) -> Plan {
    plan(policy).unwrap_or_else(|e| panic!("{}: refused: {e:?}", policy.metadata.name))
}

fn refused(policy: &Policy) -> Vec<UnsupportedHook> {
    match plan(policy) {
        Ok(_) => panic!("{}: planned, expected a refusal", policy.metadata.name),
        Err(e) => e,
    }
}

#[test]
fn every_example_parses_validates_and_maps_or_names_each_refused_hook() {
    let Some(dir) = examples() else { return };
    for (name, policies) in read_all(&dir) {
        for policy in &policies {
            let errors = validate(policy);
            assert!(errors.is_empty(), "{name}: {errors:?}");
            let hooks = policy.hooks();
            match plan(policy) {
                Ok(plan) => assert_eq!(plan.hooks.len(), hooks.len(), "{name}"),
                Err(unsupported) => {
                    assert!(!unsupported.is_empty() && unsupported.len() <= hooks.len());
                    for u in &unsupported {
                        let message = u.to_string();
                        assert!(message.starts_with(&format!("{}: ", u.path)), "{message}");
                        assert!(message.contains(&format!("{:?}", u.name)), "{message}");
                        assert!(message.contains("kensa maps: "), "{message}");
                    }
                }
            }
        }
    }
}

#[test]
fn file_monitoring_enforce_maps_every_hook_and_kills() {
    let Some(dir) = examples() else { return };
    let all = read_all(&dir);
    let policy = one(&all, "quickstart_file_monitoring_enforce.yaml");
    assert_eq!(policy.kind, PolicyKind::TracingPolicyNamespaced);
    let plan = planned(policy);
    let names: Vec<&str> = plan.hooks.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "security_file_permission",
            "security_mmap_file",
            "security_path_truncate"
        ]
    );
    let syscalls: Vec<Vec<(&str, Option<ObjectArg>)>> = plan
        .hooks
        .iter()
        .map(|h| {
            assert_eq!(h.class, HookClass::FileAccess);
            match h.backend.attachments() {
                [Attachment::SyscallTracepoint { syscalls, phase }] => {
                    // `return: true` in the policy: the exit is traced too.
                    assert_eq!(*phase, Phase::Both);
                    syscalls.iter().map(|s| (s.name, s.object)).collect()
                }
                other => panic!("{}: {other:?}", h.name),
            }
        })
        .collect();
    assert!(syscalls[0].contains(&("read", Some(ObjectArg::Fd(0)))));
    assert!(syscalls[0].contains(&("pwrite64", Some(ObjectArg::Fd(0)))));
    assert_eq!(syscalls[1], [("mmap", Some(ObjectArg::Fd(4)))]);
    assert_eq!(
        syscalls[2],
        [
            ("truncate", Some(ObjectArg::Path(0))),
            ("ftruncate", Some(ObjectArg::Fd(0)))
        ]
    );
    // First-match order as written: 3 + 2 + 1 selectors, each Sigkill.
    let counts: Vec<usize> = plan.hooks.iter().map(|h| h.selectors.len()).collect();
    assert_eq!(counts, [3, 2, 1]);
    for h in &plan.hooks {
        for (i, s) in h.selectors.iter().enumerate() {
            assert_eq!(s.index, i);
            assert_eq!(s.actions.len(), 1);
            assert_eq!(s.actions[0].action, "Sigkill");
            assert_eq!(s.actions[0].signal, Some(9));
            assert!(s.actions[0].enforceable());
        }
    }
}

#[test]
fn network_egress_enforce_maps_tcp_connect_to_connect_and_cgroup_hooks() {
    let Some(dir) = examples() else { return };
    let all = read_all(&dir);
    let policy = one(&all, "quickstart_network_egress_cluster_enforce.yaml");
    let plan = planned(policy);
    assert_eq!(plan.hooks.len(), 1);
    let hook = &plan.hooks[0];
    assert_eq!(hook.name, "tcp_connect");
    assert_eq!(hook.class, HookClass::Connect);
    let a = hook.backend.attachments();
    assert!(matches!(
        &a[0],
        Attachment::SyscallTracepoint { syscalls, phase: Phase::Enter }
            if syscalls.len() == 1 && syscalls[0].name == "connect"
    ));
    assert_eq!(a[1], Attachment::CgroupSock(CgroupSockHook::Connect4));
    assert_eq!(a[2], Attachment::CgroupSock(CgroupSockHook::Connect6));
    let action = &hook.selectors[0].actions[0];
    assert_eq!(action.action, "Sigkill");
    assert_eq!(action.signal, Some(9));
    assert_eq!(action.override_via, None);
    assert!(action.enforceable());
}

#[test]
fn killer_maps_raw_syscalls_and_its_enforcer_can_only_kill() {
    let Some(dir) = examples() else { return };
    let all = read_all(&dir);
    let policy = one(&all, "tracingpolicy_killer.yaml");
    let plan = planned(policy);
    assert_eq!(plan.hooks.len(), 1);
    let hook = &plan.hooks[0];
    assert_eq!(hook.name, "raw_syscalls:sys_enter");
    assert_eq!(
        hook.backend.attachments(),
        [Attachment::RawSyscalls {
            phase: Phase::Enter
        }]
    );
    let action = &hook.selectors[0].actions[0];
    assert_eq!(action.action, "NotifyEnforcer");
    assert_eq!(action.signal, Some(9));
    // argError -1 cannot be returned without an override, but SIGKILL at
    // syscall entry leaves nobody to see it.
    assert_eq!(action.override_via, Some(OverrideVia::Unsupported));
    assert!(action.enforceable());
}

#[test]
fn the_other_examples_map_or_refuse_as_expected() {
    let Some(dir) = examples() else { return };
    let all = read_all(&dir);
    let refusals: &[(&str, &[(&str, &str)])] = &[
        (
            "tracingpolicy_fd_install_caps.yaml",
            &[("spec.kprobes[0]", "fd_install")],
        ),
        (
            "tracingpolicy_override-security.yaml",
            &[("spec.kprobes[0]", "security_inode_mkdir")],
        ),
        (
            "tracingpolicy_sandbox_linux-namespaces_kill_unprivileged_user_namespace.yaml",
            &[("spec.kprobes[0]", "create_user_ns")],
        ),
        (
            "tracingpolicy_tcp-connect.yaml",
            &[
                ("spec.kprobes[1]", "tcp_close"),
                ("spec.kprobes[2]", "tcp_sendmsg"),
            ],
        ),
        (
            "tracingpolicy_tcp-connect-with-selectors.yaml",
            &[
                ("spec.kprobes[1]", "tcp_close"),
                ("spec.kprobes[2]", "tcp_sendmsg"),
            ],
        ),
    ];
    for (file, expected) in refusals {
        let got: Vec<(String, String)> = refused(one(&all, file))
            .into_iter()
            .map(|u| (u.path, u.name))
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
            .collect();
        assert_eq!(got, expected, "{file}");
    }
    let mapped: &[(&str, HookClass)] = &[
        (
            "other_file-block-kubectl-exec-access.yaml",
            HookClass::FileAccess,
        ),
        ("quickstart_file_monitoring.yaml", HookClass::FileAccess),
        ("quickstart_network_egress_cluster.yaml", HookClass::Connect),
        (
            "tracingpolicy_filename_monitoring.yaml",
            HookClass::FileAccess,
        ),
        ("tracingpolicy_list-syscalls.yaml", HookClass::Syscall),
        ("tracingpolicy_lsm_file_open.yaml", HookClass::FileAccess),
        ("tracingpolicy_raw_syscalls.yaml", HookClass::Tracepoint),
        (
            "tracingpolicy_security-socket-connect-block-others.yaml",
            HookClass::Connect,
        ),
        ("tracingpolicy_sys_setuid.yaml", HookClass::Syscall),
        ("tracingpolicy_uprobe.yaml", HookClass::UserFunction),
        ("tracingpolicy_write.yaml", HookClass::FileAccess),
    ];
    for (file, class) in mapped {
        let plan = planned(one(&all, file));
        assert!(
            plan.hooks.iter().all(|h| h.class == *class),
            "{file}: {plan:?}"
        );
    }
    // The kubectl-exec demo denies a file open: Landlock, in run mode.
    let plan = planned(one(&all, "other_file-block-kubectl-exec-access.yaml"));
    let actions = &plan.hooks[0].selectors[0].actions;
    assert_eq!(actions[0].override_via, Some(OverrideVia::Landlock));
    assert_eq!(actions[1].signal, Some(9));
    // Blocking a connect: the cgroup hooks.
    let plan = planned(one(
        &all,
        "tracingpolicy_security-socket-connect-block-others.yaml",
    ));
    let actions = &plan.hooks[0].selectors[1].actions;
    assert_eq!(actions[0].override_via, Some(OverrideVia::CgroupSock));
}
