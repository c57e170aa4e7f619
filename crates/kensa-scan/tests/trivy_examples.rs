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
    assert!(checked >= 70, "only {checked} examples found under {}", dir.display());
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
