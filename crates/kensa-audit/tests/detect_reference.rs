//! Detections against the reference data: the synthetic log's ground truth
//! and Falco's own 2018 trace files.
//!
//! The data lives outside the repository; see `reference()`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use kensa_audit::detect::{DetectionReport, Detections, Priority, RULES, Rule, default_rules};
use kensa_audit::event::Event;
use kensa_audit::report::Aggregate;

/// The reference directory (`$KENSA_REFERENCE`, else `../shared/reference`
/// next to the workspace). `None` (after saying so) when it is absent,
/// except on CI, where it must be there.
fn reference() -> Option<PathBuf> {
    kensa_reference::dir("", "audit")
}

fn run(rules: Vec<&'static Rule>, text: &str) -> DetectionReport {
    let mut detections = Detections::new(rules);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Ok(event) = Event::from_json(line.as_bytes()) else {
            continue;
        };
        if event.looks_like_event() {
            detections.add(&event, line.as_bytes());
        }
    }
    detections.finish()
}

/// Rule ids by audit id, counting burst members.
fn fired_by_audit_id(report: &DetectionReport) -> HashMap<String, BTreeSet<&'static str>> {
    let mut fired: HashMap<String, BTreeSet<&'static str>> = HashMap::new();
    for hit in &report.hits {
        fired
            .entry(hit.audit_id.clone())
            .or_default()
            .insert(hit.rule_id);
        for id in &hit.related_audit_ids {
            fired.entry(id.clone()).or_default().insert(hit.rule_id);
        }
    }
    fired
}

fn falco_rule(name: &str) -> &'static Rule {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.falco_name == Some(name))
        .unwrap_or_else(|| panic!("no rule for Falco's {name:?}"))
}

/// The Falco rule an expectation names: the longest Falco name the text
/// starts with (expectations may carry notes after the name).
fn falco_rule_in(text: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|rule| rule.falco_name.is_some_and(|name| text.starts_with(name)))
        .max_by_key(|rule| rule.falco_name.map_or(0, str::len))
}

/// The Falco pod rules that must not fire on a rejected pod (fix 1).
const POD_RULES: &[&str] = &[
    "k8s-privileged-pod-created",
    "k8s-host-network-pod-created",
    "k8s-host-pid-pod-created",
    "k8s-host-ipc-pod-created",
    "k8s-sensitive-mount-pod-created",
    "k8s-pod-in-kube-namespace",
];

/// kensa's own rules and the scenario (by a words of its title) each targets.
const KENSA_EXPECTED: &[(&str, &[&str])] = &[
    ("SelfSubjectRulesReview", &["k8s-sa-permission-enumeration"]),
    ("burst of forbidden", &["k8s-forbidden-burst"]),
    (
        "list secrets cluster-wide",
        &["k8s-secrets-listed-cluster-wide"],
    ),
    ("rejected by PodSecurity", &["k8s-privileged-pod-blocked"]),
    ("TokenRequest", &["k8s-kube-system-token-request"]),
    ("impersonation", &["k8s-privileged-impersonation"]),
    ("deletecollection of events", &["k8s-events-deleted"]),
    ("nodes/proxy", &["k8s-node-proxy"]),
    (
        "MutatingWebhookConfiguration",
        &[
            "k8s-admission-webhook-external-url",
            "k8s-admission-webhook-changed",
        ],
    ),
    ("unauthenticated (401)", &["k8s-unauthenticated-burst"]),
];

/// Hits at WARNING or above on benign scenarios that are expected.
const BENIGN_EXCEPTIONS: &[(&str, &str)] = &[];

#[test]
fn synthetic_ground_truth() {
    let Some(dir) = reference() else { return };
    let synthetic = dir.join("audit/samples/synthetic");
    let mini = std::fs::read_to_string(synthetic.join("mini.jsonl")).unwrap();
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(synthetic.join("ground-truth.json")).unwrap(),
    )
    .unwrap();
    let report = run(default_rules(), &mini);
    let fired = fired_by_audit_id(&report);
    // Requests logged at several stages (exec, port-forward, nodes/proxy)
    // fire once.
    let mut per_request: HashMap<(&str, &str), usize> = HashMap::new();
    for hit in &report.hits {
        *per_request.entry((hit.rule_id, &hit.audit_id)).or_default() += 1;
    }
    assert!(per_request.values().all(|&n| n == 1), "{per_request:?}");

    let mut scenario_ids = BTreeSet::new();
    let mut failures = Vec::new();
    let mut kensa_covered = BTreeSet::new();
    for scenario in truth["scenarios"].as_array().unwrap() {
        let title = scenario["scenario"].as_str().unwrap();
        let benign = scenario["benign"].as_bool().unwrap();
        let ids: Vec<&str> = scenario["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["auditID"].as_str().unwrap())
            .collect();
        scenario_ids.extend(ids.iter().map(|id| id.to_string()));
        let fired_here: BTreeSet<&str> = ids
            .iter()
            .filter_map(|id| fired.get(*id))
            .flatten()
            .copied()
            .collect();
        let fires = |rule_id: &str| fired_here.contains(rule_id);
        println!("{title}\n  fired: {fired_here:?}");

        for expected in scenario["expected"].as_array().unwrap() {
            let Some(text) = expected.as_str().unwrap().strip_prefix("Falco:") else {
                continue;
            };
            let rule = falco_rule_in(text)
                .unwrap_or_else(|| panic!("{title}: unknown Falco rule in {text:?}"));
            if text.contains("coverage gap") {
                // The body is not logged at Metadata: documented gap.
                if fires(rule.id) {
                    failures.push(format!("{title}: {} fired on a gap", rule.id));
                }
            } else if title.contains("rejected by PodSecurity") {
                // Fix 1: a rejected pod does not fire the pod rules.
                if fires(rule.id) {
                    failures.push(format!("{title}: {} fired on a 403", rule.id));
                }
            } else if !fires(rule.id) {
                failures.push(format!("{title}: expected {}", rule.id));
            }
        }
        if title.contains("rejected by PodSecurity") {
            for id in POD_RULES {
                if fires(id) {
                    failures.push(format!("{title}: {id} fired on a 403"));
                }
            }
        }
        for (words, rule_ids) in KENSA_EXPECTED {
            if title.contains(words) {
                for rule_id in *rule_ids {
                    kensa_covered.insert(*rule_id);
                    if !fires(rule_id) {
                        failures.push(format!("{title}: expected kensa's {rule_id}"));
                    }
                }
            }
        }
        if benign {
            for hit in report
                .hits
                .iter()
                .filter(|h| ids.contains(&h.audit_id.as_str()))
                .filter(|h| h.priority.at_least(Priority::Warning))
            {
                let documented = BENIGN_EXCEPTIONS
                    .iter()
                    .any(|(words, id)| title.contains(words) && *id == hit.rule_id);
                if !documented {
                    failures.push(format!("{title}: benign, but {} fired", hit.rule_id));
                }
            }
        }
    }
    assert_eq!(
        kensa_covered.len(),
        KENSA_EXPECTED
            .iter()
            .map(|(_, ids)| ids.len())
            .sum::<usize>(),
        "every kensa expectation names a scenario"
    );

    // Precision: hits on the background minute.
    let mut background: BTreeMap<(Priority, &str), usize> = BTreeMap::new();
    for hit in &report.hits {
        let in_scenario = scenario_ids.contains(&hit.audit_id)
            || hit
                .related_audit_ids
                .iter()
                .any(|id| scenario_ids.contains(id));
        if !in_scenario {
            *background.entry((hit.priority, hit.rule_id)).or_default() += 1;
        }
    }
    let scenario_hits = report.hits.len() - background.values().sum::<usize>();
    println!(
        "events={} hits={} on scenarios={} on background={:?}",
        report.events,
        report.hits.len(),
        scenario_hits,
        background
    );
    for ((priority, rule_id), count) in &background {
        if priority.at_least(Priority::Warning) {
            failures.push(format!("{count} background false positives of {rule_id}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// What each Falco trace file must and must not fire (Falco rule names).
const TRACE_EXPECTATIONS: &[(&str, &[&str], &[&str])] = &[
    (
        "anonymous_creates_namespace_foo",
        &[
            "Anonymous Request Allowed",
            "K8s Namespace Created",
            "Create Disallowed Namespace",
        ],
        &[],
    ),
    (
        "attach_cluster_admin_role",
        &[
            "Attach to cluster-admin Role",
            "K8s ClusterRoleBinding Created",
        ],
        &[],
    ),
    ("attach_pod", &["Attach/Exec Pod"], &[]),
    (
        "create_cluster_role_pod_exec",
        &[
            "ClusterRole With Pod Exec Created",
            "K8s ClusterRole Created",
        ],
        &["ClusterRole With Wildcard Created"],
    ),
    (
        "create_cluster_role_wildcard_resources",
        &["ClusterRole With Wildcard Created"],
        &["ClusterRole With Pod Exec Created"],
    ),
    (
        "create_cluster_role_wildcard_verbs",
        &[
            "ClusterRole With Wildcard Created",
            "ClusterRole With Write Privileges Created",
        ],
        &[],
    ),
    (
        "create_cluster_role_write_privileges",
        &["ClusterRole With Write Privileges Created"],
        &["ClusterRole With Wildcard Created"],
    ),
    (
        "create_clusterrole",
        &["K8s ClusterRole Created"],
        &[
            "ClusterRole With Wildcard Created",
            "ClusterRole With Write Privileges Created",
            "ClusterRole With Pod Exec Created",
            "System ClusterRole Modified/Deleted",
        ],
    ),
    (
        "create_clusterrolebinding",
        &["K8s ClusterRoleBinding Created"],
        &["Attach to cluster-admin Role"],
    ),
    (
        "create_configmap",
        &["K8s ConfigMap Created"],
        &["Create/Modify Configmap With Private Credentials"],
    ),
    (
        "create_configmap_no_sensitive_values",
        &["K8s ConfigMap Created"],
        &["Create/Modify Configmap With Private Credentials"],
    ),
    (
        "create_configmap_sensitive_values",
        &["Create/Modify Configmap With Private Credentials"],
        &[],
    ),
    ("create_deployment", &["K8s Deployment Created"], &[]),
    ("create_kube_system_secret", &[], &["K8s Secret Created"]),
    (
        "create_nginx_pod_hostnetwork",
        &["Create HostNetwork Pod"],
        &["Create Privileged Pod"],
    ),
    (
        "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container",
        &["Create Privileged Pod"],
        &[],
    ),
    (
        "create_nginx_pod_nohostnetwork",
        &[],
        &["Create HostNetwork Pod"],
    ),
    (
        "create_nginx_pod_privileged",
        &["Create Privileged Pod"],
        &[],
    ),
    (
        "create_nginx_pod_privileged_2nd_container",
        &["Create Privileged Pod"],
        &[],
    ),
    (
        "create_nginx_pod_sensitive_mount",
        &["Create Sensitive Mount Pod"],
        &[],
    ),
    (
        "create_nginx_pod_sensitive_mount_2nd_container",
        &["Create Sensitive Mount Pod"],
        &[],
    ),
    (
        "create_nginx_pod_unprivileged",
        &[],
        &[
            "Create Privileged Pod",
            "Create HostNetwork Pod",
            "Create Sensitive Mount Pod",
            "Pod Created in Kube Namespace",
        ],
    ),
    (
        "create_nginx_pod_unsensitive_mount",
        &[],
        &["Create Sensitive Mount Pod"],
    ),
    (
        "create_nginx_service_nodeport",
        &["Create NodePort Service", "K8s Service Created"],
        &[],
    ),
    (
        "create_nginx_service_nonodeport",
        &["K8s Service Created"],
        &["Create NodePort Service"],
    ),
    (
        "create_pod_kube_public_namespace",
        &["Pod Created in Kube Namespace"],
        &[],
    ),
    (
        "create_pod_kube_system_namespace",
        &["Pod Created in Kube Namespace"],
        &[],
    ),
    ("create_secret", &["K8s Secret Created"], &[]),
    (
        "create_service",
        &["K8s Service Created"],
        &["Create NodePort Service"],
    ),
    (
        "create_service_account_token_secret",
        &[],
        &["K8s Secret Created"],
    ),
    (
        "create_serviceaccount",
        &["K8s Serviceaccount Created"],
        &["Service Account Created in Kube Namespace"],
    ),
    (
        "create_serviceaccount_kube_public_namespace",
        &["Service Account Created in Kube Namespace"],
        &[],
    ),
    (
        "create_serviceaccount_kube_system_namespace",
        &["Service Account Created in Kube Namespace"],
        &[],
    ),
    (
        "delete_cluster_role_kube_aggregator",
        &[
            "System ClusterRole Modified/Deleted",
            "K8s ClusterRole Deleted",
        ],
        &[],
    ),
    (
        "delete_clusterrole",
        &["K8s ClusterRole Deleted"],
        &["System ClusterRole Modified/Deleted"],
    ),
    (
        "delete_clusterrolebinding",
        &["K8s ClusterRoleBinding Deleted"],
        &[],
    ),
    ("delete_configmap", &["K8s ConfigMap Deleted"], &[]),
    ("delete_deployment", &["K8s Deployment Deleted"], &[]),
    ("delete_namespace_foo", &["K8s Namespace Deleted"], &[]),
    ("delete_secret", &["K8s Secret Deleted"], &[]),
    ("delete_service", &["K8s Service Deleted"], &[]),
    (
        "delete_serviceaccount",
        &["K8s Serviceaccount Deleted"],
        &[],
    ),
    ("exec_pod", &["Attach/Exec Pod"], &[]),
    (
        "minikube_creates_namespace_foo",
        &["K8s Namespace Created"],
        &["Disallowed K8s User", "Anonymous Request Allowed"],
    ),
    (
        "modify_cluster_role_node_problem_detector",
        &["System ClusterRole Modified/Deleted"],
        &[],
    ),
    (
        "some-user_creates_namespace_foo",
        &["Disallowed K8s User", "K8s Namespace Created"],
        &[],
    ),
];

#[test]
fn falco_trace_files() {
    let Some(dir) = reference() else { return };
    let traces = dir.join("audit/samples/falco_trace_files");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&traces)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        // Every rule, enabled by default or not: the traces exercise them all.
        let report = run(RULES.to_vec(), &text);
        let fired: BTreeSet<&str> = report
            .hits
            .iter()
            .filter_map(|hit| RULES.iter().find(|r| r.id == hit.rule_id))
            .filter_map(|rule| rule.falco_name)
            .collect();
        let Some((_, must, must_not)) = TRACE_EXPECTATIONS.iter().find(|(f, _, _)| *f == stem)
        else {
            // fal_01_003.json is garbage and has no expectations.
            assert!(report.hits.is_empty(), "{stem}: {:?}", report.hits);
            continue;
        };
        checked += 1;
        for name in *must {
            falco_rule(name);
            if !fired.contains(name) {
                failures.push(format!("{stem}: expected {name}, fired {fired:?}"));
            }
        }
        for name in *must_not {
            falco_rule(name);
            if fired.contains(name) {
                failures.push(format!("{stem}: {name} must not fire"));
            }
        }
    }
    assert_eq!(
        checked,
        TRACE_EXPECTATIONS.len(),
        "every trace file present"
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn falco_trace_files_fire_once_per_request() {
    let Some(dir) = reference() else { return };
    let text = std::fs::read_to_string(
        dir.join("audit/samples/falco_trace_files/create_configmap_sensitive_values.json"),
    )
    .unwrap();
    let report = run(default_rules(), &text);
    let credentials = report.hits_of("k8s-configmap-credentials").count();
    assert!(credentials >= 1, "{:?}", report.hits);
    let per_request: HashMap<(&str, &str), usize> =
        report.hits.iter().fold(HashMap::new(), |mut map, hit| {
            *map.entry((hit.rule_id, hit.audit_id.as_str())).or_default() += 1;
            map
        });
    assert!(per_request.values().all(|&n| n == 1));
}

#[test]
fn edge_cases_do_not_upset_any_rule() {
    let Some(dir) = reference() else { return };
    let path = dir.join("audit/samples/synthetic/edge-cases.jsonl");
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let report = run(RULES.to_vec(), &text);
    assert!(report.events > 0);
}

/// Rules kensa disables although Falco ships them enabled (see `FIXES`).
const DISABLED_BY_KENSA: &[&str] = &["Disallowed K8s User"];

#[test]
fn every_falco_rule_is_present_with_its_priority_and_state() {
    let Some(dir) = reference() else { return };
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("audit/detection-index.json")).unwrap(),
    )
    .unwrap();
    let entries = index["falco_k8saudit"]["rules"].as_array().unwrap();
    assert_eq!(entries.len(), 48);
    for entry in entries {
        let name = entry["rule"].as_str().unwrap();
        let rule = falco_rule(name);
        let priority = Priority::parse(entry["priority"].as_str().unwrap()).unwrap();
        assert_eq!(rule.priority, priority, "{name}");
        let enabled_upstream = entry["default_state"].as_str().unwrap() == "enabled";
        let expected = enabled_upstream && !DISABLED_BY_KENSA.contains(&name);
        assert_eq!(rule.default_enabled, expected, "{name}");
    }
}
