//! Integration tests for what a scanner needs: `LoadOptions` (bodies of
//! pod-bearing objects, field spans), `Object::end_line`, `FieldSpans`.

use std::path::PathBuf;

use kensa_k8s::{
    FieldSpans, Input, LoadOptions, Loaded, Object, Position, Span, load, load_with, parse_bytes,
    parse_bytes_with,
};

const ALL: LoadOptions = LoadOptions {
    keep_body: true,
    field_spans: true,
    no_spans_for: &[],
};

fn parse(source: &str, text: &str) -> Loaded {
    let loaded = parse_bytes_with(source, text.as_bytes(), &ALL);
    let messages: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert!(messages.is_empty(), "{messages:#?}");
    loaded
}

fn spans(object: &Object) -> &FieldSpans {
    object.spans.as_deref().expect("field spans")
}

/// `(start line, start column, end line)` of `path`.
fn at(object: &Object, path: &str) -> (u32, u32, u32) {
    let span = spans(object)
        .get(path)
        .unwrap_or_else(|| panic!("no span for {path}: {:#?}", spans(object)));
    (span.start.line, span.start.column, span.end_line)
}

/// The path `nearest` finds and its lines.
fn nearest(object: &Object, path: &str) -> (String, u32, u32) {
    let (found, span) = spans(object).nearest(path).expect("an ancestor");
    (found, span.start.line, span.end_line)
}

/// Every span lies within the object and ends after it starts.
fn check_bounds(object: &Object) {
    let root = spans(object).get("").expect("the root");
    assert_eq!(
        root,
        Span {
            start: object.position,
            end_line: object.end_line
        }
    );
    for (path, span) in spans(object).iter() {
        assert!(span.start.line <= span.end_line, "{path}: {span:?}");
        assert!(span.start >= object.position, "{path}: {span:?}");
        assert!(span.end_line <= object.end_line, "{path}: {span:?}");
    }
}

const MULTI: &str = r#"# leading comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: runtime/default
    note: |
      first line
        second line

# a comment about spec, less indented
spec:
  replicas: 3
  selector: {matchLabels: {app: web},
    extra: x}
  template:
    spec:
      containers:
      - name: app
        image: nginx
        securityContext:
          privileged: true
      - name: sidecar
        image: busybox
        command: ["sh", "-c",
          "sleep 1"]
# trailing comment

---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports:
  - port: 80
...
"#;

#[test]
fn yaml_documents_have_spans_end_lines_and_bodies() {
    let loaded = parse("multi.yaml", MULTI);
    let [deploy, service] = &loaded.objects[..] else {
        panic!("two objects: {:#?}", loaded.objects);
    };

    assert_eq!((deploy.position.line, deploy.end_line), (2, 27));
    assert_eq!(at(deploy, ""), (2, 1, 27));
    assert_eq!(at(deploy, "metadata"), (4, 1, 10));
    assert_eq!(
        at(
            deploy,
            r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]"#
        ),
        (7, 5, 7)
    );
    // A block scalar: from its key to its last line, blank lines and the
    // less indented comment after it left out.
    assert_eq!(at(deploy, "metadata.annotations.note"), (8, 5, 10));
    assert_eq!(at(deploy, "spec"), (13, 1, 27));
    assert_eq!(at(deploy, "spec.replicas"), (14, 3, 14));
    // A flow mapping over two lines, and inside it.
    assert_eq!(at(deploy, "spec.selector"), (15, 3, 16));
    assert_eq!(at(deploy, "spec.selector.matchLabels"), (15, 14, 15));
    assert_eq!(at(deploy, "spec.selector.matchLabels.app"), (15, 28, 15));
    assert_eq!(at(deploy, "spec.selector.extra"), (16, 5, 16));
    let containers = "spec.template.spec.containers";
    assert_eq!(at(deploy, containers), (19, 7, 27));
    assert_eq!(at(deploy, &format!("{containers}[0]")), (20, 9, 23));
    assert_eq!(
        at(
            deploy,
            &format!("{containers}[0].securityContext.privileged")
        ),
        (23, 11, 23)
    );
    assert_eq!(at(deploy, &format!("{containers}[1].command")), (26, 9, 27));
    assert_eq!(
        at(deploy, &format!("{containers}[1].command[2]")),
        (27, 11, 27)
    );
    assert_eq!(
        nearest(
            deploy,
            &format!("{containers}[1].securityContext.privileged")
        ),
        (format!("{containers}[1]"), 24, 27)
    );
    assert_eq!(
        nearest(
            deploy,
            &format!("{containers}[0].securityContext.privileged")
        ),
        (
            format!("{containers}[0].securityContext.privileged"),
            23,
            23
        )
    );
    assert_eq!(nearest(deploy, "status.replicas"), (String::new(), 2, 27));
    check_bounds(deploy);

    // The pod-bearing object keeps its body too, and its pod template.
    let body = deploy.body.as_ref().expect("a body");
    assert_eq!(body["spec"]["replicas"], 3);
    assert_eq!(body["spec"]["selector"]["matchLabels"]["app"], "web");
    assert!(deploy.pod.is_some());

    // The `...` line is not content.
    assert_eq!((service.position.line, service.end_line), (31, 36));
    assert_eq!(at(service, "metadata.name"), (33, 12, 33));
    assert_eq!(at(service, "spec.ports[0]"), (36, 5, 36));
    check_bounds(service);
}

#[test]
fn block_scalars_end_on_their_last_content_line() {
    let text = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
data:
  run.sh: |
    #!/bin/sh
    echo hi
    # done, still the script

  # less indented than the script: a comment
  folded: >-
    one
    two
  empty: |
  last: |+
    kept


# comment at column 0
";
    let loaded = parse("cm.yaml", text);
    let cm = &loaded.objects[0];
    assert_eq!(at(cm, r#"data["run.sh"]"#), (6, 3, 9));
    assert_eq!(at(cm, "data.folded"), (12, 3, 14));
    assert_eq!(at(cm, "data.empty"), (15, 3, 15));
    assert_eq!(at(cm, "data.last"), (16, 3, 17));
    assert_eq!((cm.position.line, cm.end_line), (1, 17));
    check_bounds(cm);
}

#[test]
fn end_lines_are_filled_without_options() {
    for loaded in [
        parse_bytes("multi.yaml", MULTI.as_bytes()),
        parse_bytes_with("multi.yaml", MULTI.as_bytes(), &LoadOptions::default()),
    ] {
        let lines: Vec<(u32, u32)> = loaded
            .objects
            .iter()
            .map(|o| (o.position.line, o.end_line))
            .collect();
        assert_eq!(lines, [(2, 27), (31, 36)]);
        assert!(loaded.objects.iter().all(|o| o.spans.is_none()));
        assert!(
            loaded.objects[0].body.is_none(),
            "no body for pod-bearing kinds"
        );
        assert!(loaded.objects[1].body.is_some());
    }
    // Each option alone.
    let body_only = LoadOptions {
        keep_body: true,
        ..LoadOptions::default()
    };
    let loaded = parse_bytes_with("multi.yaml", MULTI.as_bytes(), &body_only);
    assert!(loaded.objects[0].body.is_some() && loaded.objects[0].spans.is_none());
    let spans_only = LoadOptions {
        field_spans: true,
        ..LoadOptions::default()
    };
    let loaded = parse_bytes_with("multi.yaml", MULTI.as_bytes(), &spans_only);
    assert!(loaded.objects[0].body.is_none() && loaded.objects[0].spans.is_some());
}

const YAML_LIST: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    containers:
    - name: c
      image: x

- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d}
  spec:
    replicas: 2
    template:
      spec:
        containers: [{name: c, image: y}]
metadata:
  resourceVersion: ""
"#;

fn check_yaml_pod_item(pod: &Object) {
    assert_eq!(pod.name(), "a");
    assert_eq!((pod.position.line, pod.end_line), (4, 11));
    assert_eq!(at(pod, "kind"), (5, 3, 5));
    assert_eq!(at(pod, "spec"), (8, 3, 11));
    assert_eq!(at(pod, "spec.containers[0]"), (10, 7, 11));
    assert_eq!(at(pod, "spec.containers[0].image"), (11, 7, 11));
    assert!(spans(pod).get("items").is_none(), "paths are the item's");
    assert_eq!(pod.body.as_ref().expect("a body")["metadata"]["name"], "a");
    check_bounds(pod);
}

#[test]
fn yaml_list_items_have_spans_relative_to_the_item() {
    // Several items: parsed in parallel, item by item.
    let loaded = parse("list.yaml", YAML_LIST);
    let [pod, deploy] = &loaded.objects[..] else {
        panic!("two items: {:#?}", loaded.objects);
    };
    check_yaml_pod_item(pod);
    assert_eq!((deploy.position.line, deploy.end_line), (13, 20));
    assert_eq!(at(deploy, "metadata.name"), (15, 14, 15));
    assert_eq!(
        at(deploy, "spec.template.spec.containers[0].image"),
        (20, 32, 20)
    );
    assert_eq!(deploy.body.as_ref().expect("a body")["spec"]["replicas"], 2);
    check_bounds(deploy);

    // One item: the sequential path.
    let one = YAML_LIST.replace(
        &YAML_LIST[YAML_LIST.find("\n- apiVersion: apps/v1").unwrap_or(0)
            ..YAML_LIST.find("metadata:\n  resourceVersion").unwrap_or(0)],
        "\n",
    );
    let loaded = parse("list.yaml", &one);
    assert_eq!(loaded.objects.len(), 1, "{one}");
    check_yaml_pod_item(&loaded.objects[0]);
}

const JSON_LIST: &str = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "a", "annotations": {"a.b/c": "x", "q\"uote": "y"}},
      "spec": {
        "containers": [
          {"name": "c", "image": "x",
           "securityContext": {"privileged": true}}
        ]
      }
    },
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
     "spec": {"replicas": 2, "template": {"spec": {"containers": []}}}}
  ]
}
"#;

#[test]
fn json_list_items_have_spans_end_lines_and_bodies() {
    let loaded = parse("list.json", JSON_LIST);
    let [pod, deploy] = &loaded.objects[..] else {
        panic!("two items: {:#?}", loaded.objects);
    };
    assert_eq!((pod.position, pod.end_line), (Position::new(5, 5), 15));
    assert_eq!(at(pod, "metadata"), (8, 7, 8));
    assert_eq!(at(pod, r#"metadata.annotations["a.b/c"]"#), (8, 49, 8));
    assert_eq!(at(pod, r#"metadata.annotations["q\"uote"]"#), (8, 63, 8));
    assert_eq!(at(pod, "spec"), (9, 7, 14));
    assert_eq!(at(pod, "spec.containers"), (10, 9, 13));
    assert_eq!(at(pod, "spec.containers[0]"), (11, 11, 12));
    assert_eq!(
        at(pod, "spec.containers[0].securityContext.privileged"),
        (12, 32, 12)
    );
    assert_eq!(
        nearest(pod, "spec.containers[0].securityContext.runAsUser"),
        ("spec.containers[0].securityContext".to_owned(), 12, 12)
    );
    let body = pod.body.as_ref().expect("a body");
    assert_eq!(body["spec"]["containers"][0]["image"], "x");
    check_bounds(pod);

    assert_eq!(
        (deploy.position, deploy.end_line),
        (Position::new(16, 5), 17)
    );
    assert_eq!(at(deploy, "spec"), (17, 6, 17));
    assert_eq!(at(deploy, "spec.replicas"), (17, 15, 17));
    assert!(spans(deploy).get("spec.template.spec.containers").is_some());
    assert!(
        spans(deploy)
            .get("spec.template.spec.containers[0]")
            .is_none()
    );
    assert_eq!(deploy.body.as_ref().expect("a body")["spec"]["replicas"], 2);
    check_bounds(deploy);

    // Without options: the same objects and end lines, nothing more.
    let plain = parse_bytes("list.json", JSON_LIST.as_bytes());
    let lines: Vec<(Position, u32, bool, bool)> = plain
        .objects
        .iter()
        .map(|o| (o.position, o.end_line, o.body.is_some(), o.spans.is_some()))
        .collect();
    assert_eq!(
        lines,
        [
            (Position::new(5, 5), 15, false, false),
            (Position::new(16, 5), 17, false, false)
        ]
    );
}

#[test]
fn json_streams_and_single_objects() {
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n\
                {\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\"hostPID\": true,\n    \"containers\": []}\n}\n";
    let loaded = parse("stream.json", text);
    let [ns, pod] = &loaded.objects[..] else {
        panic!("two objects: {:#?}", loaded.objects);
    };
    assert_eq!((ns.position.line, ns.end_line), (1, 1));
    assert_eq!(at(ns, "metadata.name"), (1, 56, 1));
    assert_eq!((pod.position.line, pod.end_line), (2, 8));
    assert_eq!(at(pod, "spec"), (6, 3, 7));
    assert_eq!(at(pod, "spec.hostPID"), (6, 12, 6));
    assert_eq!(at(pod, "spec.containers"), (7, 5, 7));
    check_bounds(ns);
    check_bounds(pod);
}

#[test]
fn json_and_yaml_give_the_same_paths() {
    let yaml = parse("a.yaml", YAML_LIST);
    let json = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [yaml.objects[0].body, yaml.objects[1].body],
    });
    let json = parse(
        "a.json",
        &serde_json::to_string_pretty(&json).unwrap_or_default(),
    );
    for (y, j) in yaml.objects.iter().zip(&json.objects) {
        let y: Vec<&str> = spans(y).iter().map(|(p, _)| p).collect();
        let j: Vec<&str> = spans(j).iter().map(|(p, _)| p).collect();
        assert_eq!(y, j);
    }
}

#[test]
fn deployment_configs_are_pod_bearing() {
    let text = "\
apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata:
  name: frontend
spec:
  replicas: 2
  triggers:
  - type: ConfigChange
  template:
    metadata:
      labels:
        app: frontend
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
        securityContxt: {}
";
    let loaded = parse_bytes_with("dc.yaml", text.as_bytes(), &ALL);
    let dc = &loaded.objects[0];
    assert!(dc.is_pod_bearing_kind());
    let pod = dc.pod.as_ref().expect("a pod template");
    assert_eq!(pod.spec_path, "spec.template.spec");
    assert_eq!(pod.spec.host_network, Some(true));
    assert_eq!(dc.body.as_ref().expect("a body")["spec"]["replicas"], 2);
    assert_eq!(at(dc, "spec.template.spec.hostNetwork"), (14, 7, 14));
    let warnings: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "dc.yaml:18:9: warning: unknown field \"spec.template.spec.containers[0].securityContxt\" (DeploymentConfig frontend)"
        ]
    );
}

#[test]
fn load_with_reads_files_with_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join("multi.yaml");
    std::fs::write(&path, MULTI).expect("write");
    let inputs = [Input::Path(path)];
    let loaded = load_with(&inputs, &ALL);
    assert_eq!(loaded.objects.len(), 2);
    assert!(loaded.objects.iter().all(|o| o.body.is_some()));
    assert_eq!(at(&loaded.objects[0], "spec.replicas"), (14, 3, 14));
    let plain = load(&inputs);
    assert!(plain.objects.iter().all(|o| o.spans.is_none()));
    assert!(plain.objects[0].body.is_none());
    assert_eq!(plain.objects[0].end_line, 27);
}

#[test]
fn no_spans_for_the_listed_kinds() {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: b}\nspec: {group: x}\n";
    let options = LoadOptions {
        field_spans: true,
        no_spans_for: &["CustomResourceDefinition"],
        ..LoadOptions::default()
    };
    let loaded = parse_bytes_with("x.yaml", yaml.as_bytes(), &options);
    assert!(loaded.objects[0].spans.is_some());
    assert!(loaded.objects[1].spans.is_none());
    assert!(loaded.objects[1].body.is_some());
}
