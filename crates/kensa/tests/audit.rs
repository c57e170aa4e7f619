//! `kensa audit` end to end, over the reference audit samples: filtering and
//! merging, tolerance of bad lines, stdin and gzip, reports, detections,
//! --dedupe, --follow across a rotation, the audit-policy commands (all 75
//! evaluation vectors through the CLI), and the generator.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// `../shared/reference/audit`, or `None` (after saying so) when absent outside CI.
fn audit_reference() -> Option<PathBuf> {
    kensa_reference::dir("audit", "samples/synthetic/mini.jsonl")
}

fn kensa() -> Command {
    let mut cmd = Command::cargo_bin("kensa").unwrap();
    cmd.env_remove("CI");
    cmd
}

fn synthetic(reference: &Path) -> PathBuf {
    reference.join("samples/synthetic")
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn filter_over_three_api_servers_matches_a_full_parse_and_is_one_timeline() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let dir = synthetic(&reference);
    let servers = ["cp-1", "cp-2", "cp-3"].map(|s| dir.join(s));
    let everything = json_lines(&stdout_of(
        kensa().arg("audit").args(&servers).args(["-o", "jsonl"]),
    ));
    assert_eq!(everything.len(), 21_820, "every event of the four files");
    let expected: Vec<&Value> = everything
        .iter()
        .filter(|e| e["verb"] == "create" && e["objectRef"]["resource"] == "pods")
        .collect();
    let filtered = json_lines(&stdout_of(kensa().arg("audit").args(&servers).args([
        "--where",
        "verb=create",
        "--where",
        "resource=pods",
        "-o",
        "jsonl",
    ])));
    assert!(!filtered.is_empty());
    assert_eq!(
        filtered.len(),
        expected.len(),
        "the prefilter must not lose events"
    );
    let times: Vec<&str> = everything
        .iter()
        .map(|e| e["stageTimestamp"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "the merged output is in time order"
    );
}

#[test]
fn bad_lines_are_counted_not_fatal_unless_strict() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let edge = synthetic(&reference).join("edge-cases.jsonl");
    let output = kensa()
        .args(["audit", "--count"])
        .arg(&edge)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "14");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 blank"), "{stderr}");
    assert!(stderr.contains("2 invalid (first: "), "{stderr}");
    assert!(stderr.contains("edge-cases.jsonl:14"), "{stderr}");

    let strict = kensa()
        .args(["audit", "--strict", "--count"])
        .arg(&edge)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("edge-cases.jsonl:14"));

    let partial = kensa()
        .args(["audit", "--count"])
        .arg(synthetic(&reference).join("partial-last-line.jsonl"))
        .output()
        .unwrap();
    assert!(partial.status.success());
    assert!(String::from_utf8_lossy(&partial.stderr).contains("1 truncated last line"));
}

#[test]
fn reads_stdin_gzip_legacy_cri_and_webhook_bodies() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let dir = synthetic(&reference);
    let mini = std::fs::read(dir.join("mini.jsonl")).unwrap();
    let count = |cmd: &mut Command| stdout_of(cmd).trim().parse::<u64>().unwrap();
    assert_eq!(
        count(
            kensa()
                .args(["audit", "-", "--count"])
                .write_stdin(mini.clone())
        ),
        484
    );
    let gzip = std::fs::read(dir.join("cp-2/audit.log.gz")).unwrap();
    assert_eq!(
        count(kensa().args(["audit", "-", "--count"]).write_stdin(gzip)),
        7_783
    );
    assert_eq!(
        count(
            kensa()
                .args(["audit", "--count"])
                .arg(dir.join("legacy-format.log"))
        ),
        300
    );
    assert_eq!(
        count(
            kensa()
                .args(["audit", "--count"])
                .arg(dir.join("cri-wrapped.log"))
        ),
        30
    );
    let webhook = count(
        kensa()
            .args(["audit", "--count"])
            .arg(dir.join("webhook-eventlist.json")),
    );
    assert!(webhook > 0);
}

#[test]
fn where_syntax_errors_name_the_problem() {
    let output = kensa()
        .args(["audit", "-", "--where", "vrb=create"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown field \"vrb\" (did you mean \"verb\"?)"),
        "{stderr}"
    );
}

#[test]
fn top_fields_and_dedupe() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let mini = synthetic(&reference).join("mini.jsonl");
    let top: Value = serde_json::from_str(&stdout_of(
        kensa()
            .args(["audit", "--top", "3", "--by", "user", "-o", "json"])
            .arg(&mini),
    ))
    .unwrap();
    assert_eq!(top["total"], 484);
    assert_eq!(top["top"].as_array().unwrap().len(), 3);
    assert_eq!(top["top"][0]["count"], 120);

    let exec_id = "805755e1-3afa-4907-b81c-27bac3633123";
    let stages = json_lines(&stdout_of(
        kensa()
            .args(["audit", "-o", "jsonl", "--where"])
            .arg(format!("auditid={exec_id}"))
            .arg(&mini),
    ));
    assert_eq!(stages.len(), 3, "three stages of one request");
    let joined = json_lines(&stdout_of(
        kensa()
            .args(["audit", "-o", "jsonl", "--dedupe", "--where"])
            .arg(format!("auditid={exec_id}"))
            .arg(&mini),
    ));
    assert_eq!(joined.len(), 1);
    assert_eq!(joined[0]["stage"], "ResponseComplete");
    assert_eq!(
        joined[0]["stages"],
        serde_json::json!(["RequestReceived", "ResponseStarted", "ResponseComplete"])
    );
    let projected = json_lines(&stdout_of(
        kensa()
            .args([
                "audit",
                "-o",
                "jsonl",
                "--fields",
                "user,verb,code",
                "--where",
            ])
            .arg(format!("auditid={exec_id}"))
            .args(["--where", "stage=ResponseComplete"])
            .arg(&mini),
    ));
    assert_eq!(
        projected,
        [serde_json::json!({"user": "oidc:alice@example.com", "verb": "create", "code": 101})]
    );
}

#[test]
fn reports_find_the_planted_scenarios() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let mini = synthetic(&reference).join("mini.jsonl");
    let report = |name: &str| -> Value {
        let output = kensa()
            .args(["audit", "--report", name, "-o", "json"])
            .arg(&mini)
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    assert_eq!(report("summary")["events"], 484);
    let exec = report("exec");
    let sessions = exec["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert!(
        exec.to_string().contains("[REDACTED]"),
        "the bearer token is redacted"
    );
    assert!(!exec.to_string().contains("eyJ"), "no JWT survives");
    assert_eq!(report("authz")["unauthenticated"], 4);
    let pss = report("pss");
    assert_eq!(pss["enforce"], 1);

    let detections = kensa()
        .args(["audit", "--report", "detections", "-o", "json"])
        .arg(&mini)
        .output()
        .unwrap();
    assert_eq!(
        detections.status.code(),
        Some(1),
        "WARNING hits fail the run"
    );
    let detections: Value = serde_json::from_slice(&detections.stdout).unwrap();
    let fired: Vec<&str> = detections["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["ruleId"].as_str().unwrap())
        .collect();
    for rule in [
        "k8s-privileged-pod-created",
        "k8s-cluster-admin-binding",
        "k8s-forbidden-burst",
        "k8s-privileged-pod-blocked",
    ] {
        assert!(fired.contains(&rule), "{rule} fired: {fired:?}");
    }
}

#[test]
fn detections_flag_rules_an_audit_policy_silences() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
    )
    .unwrap();
    let output = kensa()
        .args([
            "audit",
            "--report",
            "detections",
            "-o",
            "json",
            "--fail-on",
            "EMERGENCY",
        ])
        .arg("--policy")
        .arg(&policy)
        .arg(synthetic(&reference).join("mini.jsonl"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let silenced: Vec<&str> = report["silencedByPolicy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        silenced.contains(&"k8s-privileged-pod-created"),
        "a Metadata-only policy hides pod bodies: {silenced:?}"
    );
}

#[test]
fn rbac_report_writes_roles_for_a_principal() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let yaml = stdout_of(
        kensa()
            .args([
                "audit",
                "--report",
                "rbac",
                "--principal",
                "alice",
                "-o",
                "yaml",
            ])
            .arg(reference.join("samples/audit2rbac/demo.log")),
    );
    assert!(yaml.contains("kind: Role\n"), "{yaml}");
    assert!(yaml.contains("kind: RoleBinding\n"), "{yaml}");
    assert!(yaml.contains("namespace: ns1"), "{yaml}");
    assert!(!yaml.contains("bob"), "only alice's roles");
}

#[test]
fn policy_eval_matches_all_75_vectors() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let vectors: Value = serde_json::from_slice(
        &std::fs::read(reference.join("policies/policy-eval-vectors.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for suite in vectors["suites"].as_array().unwrap() {
        // A suite gives its policy inline or as a file of the reference set.
        let policy = match suite["policyFile"].as_str() {
            Some(file) => reference.join(file),
            None => {
                let path = dir.path().join("policy.json");
                std::fs::write(&path, suite["policy"].to_string()).unwrap();
                path
            }
        };
        for case in suite["cases"].as_array().unwrap() {
            let request = &case["request"];
            let mut cmd = kensa();
            cmd.args(["audit", "policy", "eval", "-o", "json"])
                .arg(&policy);
            cmd.arg("--user").arg(request["user"].as_str().unwrap());
            for group in request["groups"].as_array().unwrap() {
                cmd.arg("--user-group").arg(group.as_str().unwrap());
            }
            cmd.arg("--verb").arg(request["verb"].as_str().unwrap());
            let text = |key: &str| request[key].as_str().unwrap_or("").to_string();
            if request["isResource"] == true {
                let mut resource = text("resource");
                if !text("apiGroup").is_empty() {
                    resource = format!("{resource}.{}", text("apiGroup"));
                }
                if !text("subresource").is_empty() {
                    resource = format!("{resource}/{}", text("subresource"));
                }
                cmd.arg("--resource").arg(resource);
                if !text("namespace").is_empty() {
                    cmd.arg("--namespace").arg(text("namespace"));
                }
                if !text("name").is_empty() {
                    cmd.arg("--name").arg(text("name"));
                }
            } else {
                cmd.arg("--path").arg(text("path"));
            }
            let got: Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
            let expect = &case["expect"];
            let sorted = |v: &Value| {
                let mut stages: Vec<String> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                stages.sort();
                stages
            };
            let desc = case["desc"].as_str().unwrap_or("");
            assert_eq!(got["level"], expect["level"], "{desc}");
            assert_eq!(
                sorted(&got["omitStages"]),
                sorted(&expect["omitStages"]),
                "{desc}"
            );
            assert_eq!(
                got["omitManagedFields"], expect["omitManagedFields"],
                "{desc}"
            );
            assert_eq!(got["ruleIndex"], expect["ruleIndex"], "{desc}");
            checked += 1;
        }
    }
    assert_eq!(checked, 75);
}

#[test]
fn policy_lint_and_simulate() {
    let Some(reference) = audit_reference() else {
        return;
    };
    let falco = reference.join("policies/falco-k8saudit-example-policy.yaml");
    let lint = kensa()
        .args(["audit", "policy", "lint"])
        .arg(&falco)
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1));
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(
        text.contains("[KA002]"),
        "configmap bodies are logged: {text}"
    );
    assert!(
        text.contains("falco-k8saudit-example-policy.yaml:"),
        "{text}"
    );

    let dir = synthetic(&reference);
    let simulation: Value = serde_json::from_str(&stdout_of(
        kensa()
            .args(["audit", "policy", "simulate", "-o", "json"])
            .arg(dir.join("audit-policy.yaml"))
            .arg(dir.join("mini.jsonl")),
    ))
    .unwrap();
    assert_eq!(simulation["events"], 484);
    assert_eq!(
        simulation["keptEvents"], 484,
        "the log's own policy keeps it all"
    );

    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Sometimes\n",
    )
    .unwrap();
    let output = kensa()
        .args(["audit", "policy", "lint"])
        .arg(bad.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Sometimes"));
}

#[test]
fn generate_is_deterministic_and_readable() {
    let run = |seed: &str| {
        let output = kensa()
            .args(["audit", "generate", "--size", "256K", "--seed", seed])
            .output()
            .unwrap();
        assert!(output.status.success());
        output.stdout
    };
    let first = run("7");
    assert_eq!(first, run("7"));
    assert_ne!(first, run("8"));
    let count = stdout_of(
        kensa()
            .args(["audit", "-", "--count"])
            .write_stdin(first.clone()),
    );
    assert_eq!(
        count.trim().parse::<usize>().unwrap(),
        first.iter().filter(|&&b| b == b'\n').count()
    );
}

/// --follow sees appended lines, a partial line once finished, and the new
/// file after a lumberjack-style rotation.
#[test]
fn follow_survives_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let event = |n: usize| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{n}","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{{"username":"u"}},"stageTimestamp":"2025-03-14T08:00:00.000000Z"}}"#
        ) + "\n"
    };
    std::fs::write(&log, event(0)).unwrap();
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("kensa"))
        .args([
            "audit",
            "--follow",
            "--from-start",
            "-o",
            "jsonl",
            "--fields",
            "auditid",
        ])
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if sender.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_for = |count: usize, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while seen.len() < count && Instant::now() < deadline {
            if let Ok(line) = receiver.recv_timeout(Duration::from_millis(100)) {
                seen.push(line);
            }
        }
    };
    wait_for(1, &mut seen);
    {
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        let second = event(1);
        let (head, tail) = second.split_at(40);
        file.write_all(head.as_bytes()).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(400));
        file.write_all(tail.as_bytes()).unwrap();
    }
    wait_for(2, &mut seen);
    std::fs::rename(&log, dir.path().join("audit-2025-03-14T08-00-00.000.log")).unwrap();
    std::fs::write(&log, event(2) + &event(3)).unwrap();
    wait_for(4, &mut seen);
    child.kill().unwrap();
    child.wait().unwrap();
    let ids: Vec<String> = seen
        .iter()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["auditid"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["id-0", "id-1", "id-2", "id-3"]);
}
