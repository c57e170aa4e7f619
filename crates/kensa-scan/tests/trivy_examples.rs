//! Trivy's own labelled examples (corpus/insecure/trivy-checks/<ID>/): every
//! `bad-N.yaml` must fail the check kensa lists under that Trivy id, and
//! every `good-N.yaml` must pass it.

mod support;

use kensa_scan::{Selection, Settings, checks, scan_objects};

#[test]
fn trivy_labelled_examples_agree() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let dir = corpus.join("insecure/trivy-checks");
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for path in support::files_under(&dir) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let expect_failure = if name.starts_with("bad-") {
            true
        } else if name.starts_with("good-") {
            false
        } else {
            continue;
        };
        let id = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap()
            .to_owned();
        let check = checks::by_name(&id).unwrap_or_else(|| panic!("kensa has no check {id}"));
        let bytes = std::fs::read(&path).unwrap();
        let loaded = kensa_k8s::parse_bytes(&path.display().to_string(), &bytes);
        assert!(!loaded.has_errors(), "{} does not load", path.display());
        let selection = Selection {
            only: vec![id.clone()],
            ..Selection::default()
        };
        let scan = scan_objects(&loaded.objects, &Settings::default(), &selection);
        let failed = scan.findings.iter().any(|f| std::ptr::eq(f.check, check));
        if failed != expect_failure {
            disagreements.push(format!(
                "{}: expected {}, kensa {}",
                path.display(),
                if expect_failure { "FAIL" } else { "PASS" },
                if failed { "fails it" } else { "passes it" }
            ));
        }
        checked += 1;
    }
    eprintln!("{checked} labelled examples checked");
    assert!(
        checked >= 70,
        "only {checked} examples found under {}",
        dir.display()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// Every Trivy Kubernetes check that needs only manifests (the 79 KSV checks,
/// the control-plane KCV checks up to KCV-0047 and KCV-0093) has a kensa
/// check under its three ids, with Trivy's title and severity.
#[test]
fn every_trivy_check_is_covered_with_its_title_and_severity() {
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let path = corpus.join("../reference/misconfig/trivy-ksv.json");
    let catalogue: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut covered = 0;
    let mut problems = Vec::new();
    for entry in catalogue["checks"].as_array().unwrap() {
        let id = entry["id"].as_str().unwrap();
        let node_level = id
            .strip_prefix("KCV-")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (48..=92).contains(&n));
        if node_level {
            continue;
        }
        let Some(check) = checks::by_name(id) else {
            problems.push(format!("{id}: no kensa check"));
            continue;
        };
        for alias in ["legacy_id", "avd_id"] {
            // Some newer checks have no legacy id.
            let Some(alias) = entry[alias].as_str() else {
                continue;
            };
            if !check.is_named(alias) {
                problems.push(format!("{id}: {} lacks alias {alias}", check.id));
            }
        }
        if check.title != entry["title"].as_str().unwrap() {
            problems.push(format!(
                "{id}: title {:?} != {:?}",
                check.title, entry["title"]
            ));
        }
        if check.severity.as_str() != entry["severity"].as_str().unwrap() {
            problems.push(format!(
                "{id}: severity {} != {}",
                check.severity, entry["severity"]
            ));
        }
        covered += 1;
    }
    eprintln!("{covered} Trivy checks covered");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // 79 KSV, 44 control-plane KCV and KCV-0093.
    assert_eq!(covered, 124, "{covered}");
}
