//! The `rbac` report on audit2rbac's own demo log.

use std::path::PathBuf;

use kensa_audit::event::Event;
use kensa_audit::report::Aggregate;
use kensa_audit::report::rbac::{Principal, Rbac, RbacOptions, RbacReport};

/// The shared reference directory, or `None` (with a note) when it is absent
/// outside CI.
fn reference() -> Option<PathBuf> {
    kensa_reference::dir("", "")
}

fn demo(options: RbacOptions) -> Option<RbacReport> {
    let path = reference()?.join("audit/samples/audit2rbac/demo.log");
    let text = std::fs::read_to_string(&path).expect("demo.log readable");
    let mut rbac = Rbac::new(options);
    let mut lines = 0;
    for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
        let event = Event::from_json(line.as_bytes()).expect("demo.log events parse");
        rbac.add(&event, line.as_bytes());
        lines += 1;
    }
    assert_eq!(lines, 37);
    Some(rbac.finish())
}

/// Compact `namespace|group|resources|verbs|names` lines for assertions.
fn summary(report: &RbacReport) -> Vec<String> {
    let mut out = Vec::new();
    for p in &report.principals {
        for rule in &p.cluster_rules {
            out.push(format!(
                "{} cluster {:?} {:?}{:?} {:?}",
                p.username, rule.api_groups, rule.resources, rule.non_resource_urls, rule.verbs
            ));
        }
        for role in &p.roles {
            for rule in &role.rules {
                out.push(format!(
                    "{} ns/{} {:?} {:?} {:?}",
                    p.username, role.namespace, rule.api_groups, rule.resources, rule.verbs
                ));
            }
        }
    }
    out
}

#[test]
fn alice_gets_what_audit2rbac_documents() {
    let Some(report) = demo(RbacOptions::new(Principal::User("alice".into()))) else {
        return;
    };
    // audit2rbac's README shows this Role for alice: her three lists in ns1
    // were all denied, and still make up her role.
    assert_eq!(
        summary(&report),
        [r#"alice ns/ns1 [""] ["configmaps", "pods", "secrets"] ["get", "list", "watch"]"#]
    );
    let alice = &report.principals[0];
    assert_eq!((alice.requests, alice.denied), (3, 3));
    let mut allowed_only = RbacOptions::new(Principal::User("alice".into()));
    allowed_only.include_denied = false;
    assert!(demo(allowed_only).unwrap().principals.is_empty());
}

#[test]
fn every_principal_of_the_demo() {
    let Some(report) = demo(RbacOptions::new(Principal::All)) else {
        return;
    };
    assert_eq!(
        summary(&report),
        [
            r#"alice ns/ns1 [""] ["configmaps", "pods", "secrets"] ["get", "list", "watch"]"#,
            // Bob's discovery requests are granted to everyone already.
            r#"bob cluster [""] ["nodes"][] ["get", "list", "watch"]"#,
            r#"bob ns/default [""] ["pods"] ["get", "list", "watch"]"#,
            r#"bob ns/ns1 [""] ["pods"] ["get", "list", "watch"]"#,
            // The service account's list in `default` is covered by its
            // list across all namespaces.
            r#"system:serviceaccount:ns1:sa1 cluster [""] ["nodes", "pods"][] ["get", "list", "watch"]"#,
        ]
    );
    let sa = &report.principals[2];
    assert_eq!(sa.object_name, "audit2rbac:ns1:sa1");
    assert_eq!(sa.subject.kind, "ServiceAccount");

    let mut with_discovery = RbacOptions::new(Principal::User("bob".into()));
    with_discovery.skip_discovery = false;
    let bob = demo(with_discovery).unwrap();
    let urls = &bob.principals[0].cluster_rules[0].non_resource_urls;
    assert_eq!(urls.len(), 23);
    assert_eq!(urls[0], "/api");
}

#[test]
fn the_yaml_parses_back() {
    let Some(report) = demo(RbacOptions::new(Principal::All)) else {
        return;
    };
    let yaml = report.to_yaml();
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&yaml).expect("generated YAML parses");
    let kinds: Vec<&str> = documents
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "Role",
            "RoleBinding",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Role",
            "RoleBinding",
            "ClusterRole",
            "ClusterRoleBinding",
        ]
    );
    for document in &documents {
        assert_eq!(document["apiVersion"], "rbac.authorization.k8s.io/v1");
        assert_eq!(
            document["metadata"]["labels"]["kensa.dev/generated-from"],
            "audit"
        );
    }
    assert_eq!(documents[0]["metadata"]["name"], "audit2rbac:alice");
    assert_eq!(documents[0]["metadata"]["namespace"], "ns1");
    assert_eq!(documents[0]["rules"][0]["apiGroups"][0], "");
    assert_eq!(documents[1]["subjects"][0]["kind"], "User");
    assert_eq!(documents[9]["subjects"][0]["kind"], "ServiceAccount");
    assert_eq!(documents[9]["subjects"][0]["namespace"], "ns1");
    assert_eq!(documents[9]["roleRef"]["name"], "audit2rbac:ns1:sa1");
    // Parsed back, the rules are the report's own.
    let rules: Vec<serde_json::Value> =
        serde_json::from_value(documents[8]["rules"].clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&report.principals[2].cluster_rules).unwrap(),
        serde_json::Value::Array(rules)
    );
}

#[test]
fn odd_names_survive_the_round_trip() {
    let line = r#"{"stage":"ResponseComplete","verb":"get","auditID":"q","user":{"username":"true"},"objectRef":{"resource":"configmaps","namespace":"123","name":"a: b #c"},"responseStatus":{"code":200}}"#;
    let mut rbac = Rbac::new(RbacOptions::new(Principal::All));
    let event = Event::from_json(line.as_bytes()).unwrap();
    rbac.add(&event, line.as_bytes());
    let yaml = rbac.finish().to_yaml();
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml).unwrap();
    assert_eq!(documents[0]["metadata"]["namespace"], "123");
    assert_eq!(documents[0]["rules"][0]["resourceNames"][0], "a: b #c");
    assert_eq!(documents[1]["subjects"][0]["name"], "true");
}
