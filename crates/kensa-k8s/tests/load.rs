//! Integration tests for the I/O edge (`load`) and `Snapshot`.

use std::fs;
use std::path::Path;

use kensa_k8s::{Input, Position, Severity, Snapshot, load, parse_bytes};

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn namespace(name: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
}

#[test]
fn directories_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("b.yaml"), &namespace("b"));
    write(&root.join("a.yml"), &namespace("a"));
    write(
        &root.join("sub/c.json"),
        r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"c"}}"#,
    );
    write(&root.join("sub/deeper/d.YAML"), &namespace("d"));
    write(
        &root.join("sub/notes.txt"),
        "kind: Namespace\nmetadata: {name: ignored}\n",
    );
    write(&root.join("README.md"), "# nothing\n");
    write(&root.join(".hidden/e.yaml"), &namespace("hidden"));
    write(&root.join("empty.yaml"), "");

    let loaded = load(&[Input::Path(root.to_path_buf())]);
    let names: Vec<&str> = loaded.objects.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert_eq!(loaded.sources, 5, "a, b, empty, c, d");
    assert_eq!(loaded.documents, 4);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let c = &loaded.objects[2];
    assert_eq!(&*c.source, root.join("sub/c.json").display().to_string());
    assert_eq!(c.position, Position::new(1, 1));
}

#[test]
fn files_and_directories_mix_in_the_given_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("one.yaml"), &namespace("one"));
    write(&root.join("d/two.yaml"), &namespace("two"));
    let loaded = load(&[
        Input::Path(root.join("d")),
        Input::Path(root.join("one.yaml")),
    ]);
    let names: Vec<&str> = loaded.objects.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["two", "one"]);
    assert_eq!(loaded.sources, 2);
}

#[test]
fn unreadable_paths_become_error_diagnostics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.yaml");
    let ok = dir.path().join("ok.yaml");
    write(&ok, &namespace("ok"));
    let loaded = load(&[Input::Path(missing.clone()), Input::Path(ok)]);
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(&*d.source, missing.display().to_string());
    assert!(d.message.starts_with("cannot read"), "{}", d.message);
    assert!(loaded.has_errors());
}

#[test]
fn empty_file_is_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.yaml");
    write(&empty, "# nothing here\n");
    let loaded = load(&[Input::Path(empty)]);
    assert!(loaded.objects.is_empty());
    assert!(loaded.diagnostics.is_empty());
    assert_eq!((loaded.documents, loaded.sources), (0, 1));
}

#[test]
fn input_from_arg() {
    assert_eq!(Input::from_arg("-"), Input::Stdin);
    assert_eq!(Input::from_arg("x.yaml"), Input::Path("x.yaml".into()));
    assert_eq!(Input::Stdin.name(), "<stdin>");
}

#[test]
fn loaded_extend_keeps_order_and_counts() {
    let mut all = parse_bytes("a.yaml", namespace("a").as_bytes());
    all.extend(parse_bytes(
        "b.yaml",
        b"kind: Namespace\nmetadata: {name: b}\n---\n5\n",
    ));
    let names: Vec<&str> = all.objects.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!((all.documents, all.sources), (3, 2));
    assert!(all.has_errors());
}

#[test]
fn snapshot_from_kubectl_output() {
    let text = include_str!("fixtures/kubectl-snapshot.yaml");
    let loaded = parse_bytes("snap.yaml", text.as_bytes());
    let snapshot = Snapshot::from_loaded(&loaded);
    let names: Vec<&str> = snapshot
        .namespaces
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(names, ["shop", "data"]);
    let shop = snapshot.namespace("shop").expect("shop");
    assert_eq!(
        shop.labels["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    assert_eq!(shop.position, Position::new(3, 3));
    assert_eq!(&*shop.source, "snap.yaml");
    assert_eq!(snapshot.pods.len(), 2);
    let in_data: Vec<&str> = snapshot.pods_in("data").map(|p| p.name()).collect();
    assert_eq!(in_data, ["db-0"]);
    assert_eq!(snapshot.pods_in("nowhere").count(), 0);
    let db = snapshot
        .pods_in("data")
        .next()
        .and_then(|p| p.pod.as_ref())
        .expect("pod");
    assert_eq!(db.spec.host_pid, Some(true));

    let owned = Snapshot::from_objects(loaded.objects);
    assert_eq!((owned.namespaces.len(), owned.pods.len()), (2, 2));
}

#[test]
fn snapshot_from_mixed_files_and_pods_without_namespace() {
    let mut loaded = parse_bytes("ns.yaml", namespace("default").as_bytes());
    loaded.extend(parse_bytes(
        "pods.json",
        br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[]}}}}"#,
    ));
    let snapshot = Snapshot::from_loaded(&loaded);
    assert_eq!(snapshot.namespaces.len(), 1);
    assert_eq!(snapshot.pods.len(), 1, "only kind Pod");
    assert_eq!(snapshot.pods_in("default").count(), 1);
}
