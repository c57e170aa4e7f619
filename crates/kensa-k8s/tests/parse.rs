//! Integration tests for `parse_bytes`: formats, lists, positions, templates,
//! diagnostics.

use kensa_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kensa_k8s::{Loaded, Object, Position, Severity, parse_bytes, pod_bearing_kind};

fn parse(text: &str) -> Loaded {
    parse_bytes("test.yaml", text.as_bytes())
}

fn only_object(loaded: &Loaded) -> &Object {
    assert_eq!(
        loaded.objects.len(),
        1,
        "objects: {:#?}\ndiags: {:#?}",
        loaded.objects,
        loaded.diagnostics
    );
    &loaded.objects[0]
}

fn messages(loaded: &Loaded) -> Vec<String> {
    loaded.diagnostics.iter().map(ToString::to_string).collect()
}

const POD_SPEC: &str = "containers:\n- name: app\n  image: nginx\n";

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

// ---------------------------------------------------------------------------
// Pod templates of every pod-bearing kind.

#[test]
fn every_pod_bearing_kind_yields_its_template_and_paths() {
    let spec = indent(POD_SPEC, 6);
    let template = format!("    metadata:\n      labels:\n        tier: t\n    spec:\n{spec}");
    let cases: Vec<(&str, &str, String, &str, &str)> = vec![
        (
            "v1",
            "Pod",
            format!(
                "metadata:\n  name: x\n  labels:\n    tier: t\nspec:\n{}",
                indent(POD_SPEC, 2)
            ),
            "metadata",
            "spec",
        ),
        (
            "apps/v1",
            "Deployment",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "apps/v1",
            "ReplicaSet",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "apps/v1",
            "StatefulSet",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "apps/v1",
            "DaemonSet",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "batch/v1",
            "Job",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "v1",
            "ReplicationController",
            format!("metadata:\n  name: x\nspec:\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "apps.openshift.io/v1",
            "DeploymentConfig",
            format!("metadata:\n  name: x\nspec:\n  replicas: 1\n  template:\n{template}"),
            "spec.template.metadata",
            "spec.template.spec",
        ),
        (
            "batch/v1",
            "CronJob",
            format!(
                "metadata:\n  name: x\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
                indent(&template, 4)
            ),
            "spec.jobTemplate.spec.template.metadata",
            "spec.jobTemplate.spec.template.spec",
        ),
        (
            "v1",
            "PodTemplate",
            format!(
                "metadata:\n  name: x\ntemplate:\n  metadata:\n    labels:\n      tier: t\n  spec:\n{}",
                indent(POD_SPEC, 4)
            ),
            "template.metadata",
            "template.spec",
        ),
    ];
    for (api, kind, rest, metadata_path, spec_path) in cases {
        let text = format!("apiVersion: {api}\nkind: {kind}\n{rest}");
        let loaded = parse(&text);
        assert!(
            loaded.diagnostics.is_empty(),
            "{kind}: {:?}\n{text}",
            messages(&loaded)
        );
        let object = only_object(&loaded);
        assert_eq!(object.kind, kind);
        assert_eq!(object.api_version, api);
        assert!(object.is_pod_bearing_kind() && pod_bearing_kind(kind));
        assert!(object.body.is_none(), "{kind} keeps no body");
        let pod = object
            .pod
            .as_ref()
            .unwrap_or_else(|| panic!("{kind} has a pod"));
        assert_eq!(pod.metadata_path, metadata_path, "{kind}");
        assert_eq!(pod.spec_path, spec_path, "{kind}");
        assert_eq!(
            pod.spec.containers[0].image.as_deref(),
            Some("nginx"),
            "{kind}"
        );
        assert_eq!(
            pod.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("tier"))
                .map(String::as_str),
            Some("t"),
            "{kind}"
        );
        assert_eq!(object.name(), "x");
    }
}

#[test]
fn template_kinds_also_work_from_json() {
    let text = r#"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"n"},
        "spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":{"spec":{"hostPID":true,"containers":[{"name":"a"}]}}}}}}"#;
    let loaded = parse_bytes("c.json", text.as_bytes());
    let object = only_object(&loaded);
    let pod = object.pod.as_ref().expect("pod");
    assert_eq!(pod.spec.host_pid, Some(true));
    assert_eq!(pod.spec_path, "spec.jobTemplate.spec.template.spec");
    assert_eq!(object.namespace(), Some("n"));
    assert!(loaded.diagnostics.is_empty());
}

#[test]
fn pod_bearing_object_without_spec_warns() {
    let loaded = parse(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n",
    );
    let object = only_object(&loaded);
    assert!(object.pod.is_none());
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("no pod spec"), "{}", d.message);
    assert_eq!(d.position, Position::new(1, 1));
    assert_eq!(d.object.as_deref(), Some("Deployment d"));

    let loaded = parse("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
    assert!(only_object(&loaded).pod.is_none());
    assert!(loaded.diagnostics[0].message.contains("no pod spec"));
    assert!(!loaded.has_errors());
}

#[test]
fn replication_controller_template_is_optional() {
    let loaded = parse(
        "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  replicas: 0\n",
    );
    assert!(only_object(&loaded).pod.is_none());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
}

#[test]
fn other_kinds_keep_their_body() {
    let loaded = parse(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin\nrules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
    );
    let object = only_object(&loaded);
    assert!(object.pod.is_none());
    assert!(!object.is_pod_bearing_kind());
    let body = object.body.as_ref().expect("body");
    assert_eq!(body["rules"][0]["verbs"][0], "*");
    assert_eq!(body["metadata"]["name"], "admin");
    assert_eq!(object.namespace(), None);
}

// ---------------------------------------------------------------------------
// Lists.

#[test]
fn kubectl_json_list_loads_with_item_positions() {
    let text = include_str!("fixtures/kubectl-pods.json");
    let loaded = parse_bytes("pods.json", text.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    assert_eq!(loaded.documents, 2);
    assert_eq!(loaded.objects.len(), 2);
    let web = &loaded.objects[0];
    assert_eq!(
        (web.kind.as_str(), web.namespace(), web.name()),
        ("Pod", Some("shop"), "web-0")
    );
    // Item positions: the line of each item's `{`.
    assert_eq!(web.position, Position::new(4, 9));
    let db_line = text
        .lines()
        .position(|l| l.contains("\"name\": \"db-0\""))
        .expect("db")
        + 1;
    assert_eq!(loaded.objects[1].position.line as usize, db_line - 4);
    let pod = web.pod.as_ref().expect("pod");
    assert_eq!(pod.metadata_path, "metadata");
    assert_eq!(
        pod.metadata.labels.as_ref().map(|l| l["app"].as_str()),
        Some("web")
    );
    assert_eq!(pod.spec.host_network, Some(true));
    let c = &pod.spec.containers[0];
    let sc = c.security_context.as_ref().expect("sc");
    assert_eq!((sc.privileged, sc.run_as_user), (Some(true), Some(0)));
    assert_eq!(c.ports.as_ref().expect("ports")[0].host_port, Some(8080));
    assert_eq!(
        c.resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .map(|l| l["cpu"].0.as_str()),
        Some("500m")
    );
}

#[test]
fn kubectl_yaml_list_item_positions_are_the_dash_lines() {
    let text = include_str!("fixtures/kubectl-snapshot.yaml");
    let loaded = parse_bytes("snap.yaml", text.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    let dash_lines: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("- apiVersion"))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let lines: Vec<u32> = loaded.objects.iter().map(|o| o.position.line).collect();
    assert_eq!(lines, dash_lines);
    assert!(loaded.objects.iter().all(|o| o.position.column == 3));
    assert_eq!(loaded.documents, 4);
    let kinds: Vec<&str> = loaded.objects.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(kinds, ["Namespace", "Namespace", "Pod", "Pod"]);
}

#[test]
fn typed_lists_infer_kind_and_api_version() {
    let yaml = "apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: a\n  spec:\n    containers: []\n- metadata:\n    name: b\n";
    let loaded = parse(yaml);
    assert_eq!(loaded.objects.len(), 2);
    for o in &loaded.objects {
        assert_eq!((o.kind.as_str(), o.api_version.as_str()), ("Pod", "v1"));
    }
    assert_eq!(loaded.objects[1].position, Position::new(8, 3));

    let json = r#"{"apiVersion":"apps/v1","kind":"DeploymentList","items":[{"metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}}]}"#;
    let loaded = parse_bytes("d.json", json.as_bytes());
    let object = only_object(&loaded);
    assert_eq!(
        (object.kind.as_str(), object.api_version.as_str()),
        ("Deployment", "apps/v1")
    );
    assert_eq!(
        object.pod.as_ref().map(|p| p.spec_path),
        Some("spec.template.spec")
    );

    let loaded = parse("apiVersion: v1\nkind: NamespaceList\nitems:\n- metadata:\n    name: dev\n");
    assert_eq!(only_object(&loaded).kind, "Namespace");
}

#[test]
fn nested_lists_are_flattened() {
    let yaml = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: a}
  - apiVersion: v1
    kind: PodList
    items:
    - metadata: {name: p}
      spec: {containers: [{name: c}]}
- apiVersion: v1
  kind: Namespace
  metadata: {name: b}
";
    let loaded = parse(yaml);
    let names: Vec<(&str, &str)> = loaded
        .objects
        .iter()
        .map(|o| (o.kind.as_str(), o.name()))
        .collect();
    assert_eq!(
        names,
        [("Namespace", "a"), ("Pod", "p"), ("Namespace", "b")]
    );
    assert_eq!(loaded.objects[1].position, Position::new(13, 7));
    assert_eq!(loaded.documents, 3);

    let json = r#"{"kind":"List","apiVersion":"v1","items":[{"kind":"List","apiVersion":"v1","items":[{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}]},
{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"b"}}]}"#;
    let loaded = parse_bytes("n.json", json.as_bytes());
    let names: Vec<&str> = loaded.objects.iter().map(Object::name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(loaded.objects[1].position, Position::new(2, 1));
}

#[test]
fn empty_and_null_lists() {
    let loaded = parse("apiVersion: v1\nkind: List\nitems: []\n");
    assert!(loaded.objects.is_empty() && loaded.diagnostics.is_empty());
    let loaded = parse_bytes(
        "l.json",
        br#"{"apiVersion":"v1","kind":"List","items":null}"#,
    );
    assert!(
        loaded.objects.is_empty() && loaded.diagnostics.is_empty(),
        "{:?}",
        messages(&loaded)
    );
}

// ---------------------------------------------------------------------------
// JSON.

#[test]
fn json_stream_of_objects() {
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}\n\
                {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[]}}{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"b\"}}";
    let loaded = parse_bytes("s.json", text.as_bytes());
    let names: Vec<&str> = loaded.objects.iter().map(Object::name).collect();
    assert_eq!(names, ["a", "p", "b"]);
    assert_eq!(loaded.objects[1].position, Position::new(2, 1));
    assert!(loaded.objects[2].position.column > 1);
    assert!(loaded.diagnostics.is_empty());
}

#[test]
fn json_syntax_error_stops_the_source_and_keeps_what_came_before() {
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\": \"v1\",\n \"kind\": \"Namespace\" \"x\"\n}\n{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"c\"}}";
    let loaded = parse_bytes("s.json", text.as_bytes());
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.objects[0].name(), "a");
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", messages(&loaded));
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.position, Position::new(3, 22));
    assert!(d.message.contains("expected"), "{}", d.message);
}

#[test]
fn json_unterminated_input_is_an_error_with_position() {
    let loaded = parse_bytes(
        "s.json",
        b"{\"kind\": \"List\", \"items\": [\n  {\"kind\": \"Namespace\"}\n",
    );
    assert!(loaded.objects.is_empty());
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].position.line, 3);
    assert!(
        loaded.diagnostics[0].message.contains("EOF"),
        "{}",
        loaded.diagnostics[0].message
    );
}

#[test]
fn json_top_level_array_and_scalars() {
    let loaded = parse_bytes(
        "a.json",
        br#"[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}, 5]"#,
    );
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.documents, 2);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert!(loaded.diagnostics[0].message.contains("found a number"));
    assert_eq!(loaded.diagnostics[0].position, Position::new(1, 66));
}

#[test]
fn json_wrong_type_names_the_field_and_position() {
    let text = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad", "namespace": "n"},
     "spec": {"hostNetwork": "yes", "containers": []}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "good"}, "spec": {"containers": []}}
  ]
}"#;
    let loaded = parse_bytes("w.json", text.as_bytes());
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.objects[0].name(), "good");
    assert_eq!(loaded.documents, 2);
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.message,
        "invalid type: string \"yes\", expected a boolean at spec.hostNetwork"
    );
    assert_eq!(d.position, Position::new(6, 30));
    assert_eq!(d.object.as_deref(), Some("Pod n/bad"));
    assert_eq!(
        d.to_string(),
        "w.json:6:30: error: invalid type: string \"yes\", expected a boolean at spec.hostNetwork (Pod n/bad)"
    );
}

#[test]
fn json_unknown_fields_warn_with_positions() {
    let text = include_str!("fixtures/kubectl-pods.json").replace(
        "\"imagePullPolicy\"",
        "\"securityContxt\": {},\n \"imagePullPolicy\"",
    );
    let loaded = parse_bytes("u.json", text.as_bytes());
    assert_eq!(loaded.objects.len(), 2);
    assert_eq!(messages(&loaded), vec![
        "u.json:20:25: warning: unknown field \"spec.containers[0].securityContxt\" (Pod shop/web-0)".to_owned()
    ]);
}

// ---------------------------------------------------------------------------
// YAML.

#[test]
fn broken_middle_document_does_not_lose_the_others() {
    let text = "\
apiVersion: v1
kind: Namespace
metadata:
  name: first
---
apiVersion: v1
kind: Pod
metadata:
  name: broken
  labels: {a: b
spec: {}
---
# the last one
apiVersion: v1
kind: Namespace
metadata:
  name: last
";
    let loaded = parse(text);
    let names: Vec<&str> = loaded.objects.iter().map(Object::name).collect();
    assert_eq!(names, ["first", "last"]);
    assert_eq!(loaded.objects[1].position, Position::new(14, 1));
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", messages(&loaded));
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!((10..=12).contains(&d.position.line), "{d}");
    assert!(loaded.has_errors());
}

#[test]
fn broken_document_error_has_exact_line_and_column() {
    let text = "a: 1\n---\nkind: Pod\nmetadata:\n  name: \"unterminated\n---\nkind: Namespace\nmetadata: {name: ok}\n";
    let loaded = parse(text);
    assert_eq!(loaded.objects.len(), 1);
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    // The quoted scalar runs into the next `---`, which ends the document:
    // the error points at the opening quote.
    assert_eq!(errors[0], "test.yaml:5:9: error: unclosed quote");

    let loaded = parse("kind: Namespace\nmetadata:\n  name: x\n   bad: indent\n");
    let d = &loaded.diagnostics[0];
    assert_eq!((d.severity, d.position.line), (Severity::Error, 4), "{d}");
}

#[test]
fn wrong_type_in_yaml_skips_the_object_with_path_and_position() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  hostNetwork: \"yes\"
  containers: []
---
apiVersion: v1
kind: Pod
metadata:
  name: bad2
spec:
  containers: 5
---
apiVersion: v1
kind: Pod
metadata:
  name: bad3
spec:
  containers:
  - name: c
    ports:
    - containerPort: eighty
---
apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  containers: []
";
    let loaded = parse(text);
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.objects[0].name(), "good");
    assert_eq!(loaded.documents, 4);
    let got: Vec<String> = messages(&loaded);
    assert_eq!(
        got,
        [
            "test.yaml:6:16: error: invalid type: string \"yes\", expected a boolean at spec.hostNetwork (Pod bad)",
            "test.yaml:14:15: error: invalid type: integer `5`, expected a sequence at spec.containers (Pod bad2)",
            "test.yaml:24:22: error: invalid type: string \"eighty\", expected i32 at spec.containers[0].ports[0].containerPort (Pod bad3)",
        ]
    );
}

#[test]
fn unknown_fields_warn_in_metadata_and_spec_but_not_status() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespce: oops
spec:
  replicas: 2
  template:
    metadata:
      labelz: {}
    spec:
      containers:
      - name: app
        securityContxt:
          privileged: true
status:
  whatever: 1
extra: top-level is fine
";
    let loaded = parse(text);
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(
        messages(&loaded),
        [
            "test.yaml:5:3: warning: unknown field \"metadata.namespce\" (Deployment web)",
            "test.yaml:10:7: warning: unknown field \"spec.template.metadata.labelz\" (Deployment web)",
            "test.yaml:14:9: warning: unknown field \"spec.template.spec.containers[0].securityContxt\" (Deployment web)",
        ]
    );
    assert!(!loaded.has_errors());
}

#[test]
fn scalars_follow_kubernetes_yaml() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    version: 1.10
    enabled: true
    port: 8080
  annotations:
    quoted: \"0\"
spec:
  hostIPC: yes
  containers:
  - name: c
    image: 'nginx:1.27'
    args: [\"--port\", 8080, true]
    env:
    - name: X
      value: 0123
    ports:
    - containerPort: 80
      hostPort: 8080
    securityContext:
      privileged: true
      runAsUser: 0
      runAsGroup: 0x10
    resources:
      limits:
        cpu: 1.50
        memory: 1e3
    livenessProbe:
      httpGet:
        port: 8080
    readinessProbe:
      httpGet:
        port: http
  volumes:
  - name: v
    secret:
      secretName: s
      defaultMode: 0644
";
    let loaded = parse(text);
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    let object = only_object(&loaded);
    let labels = object.metadata.labels.as_ref().expect("labels");
    assert_eq!(labels["version"], "1.10");
    assert_eq!(labels["enabled"], "true");
    assert_eq!(labels["port"], "8080");
    let spec = &object.pod.as_ref().expect("pod").spec;
    assert_eq!(spec.host_ipc, Some(true));
    let c = &spec.containers[0];
    assert_eq!(c.image.as_deref(), Some("nginx:1.27"));
    assert_eq!(
        c.args.as_deref(),
        Some(&["--port".to_owned(), "8080".to_owned(), "true".to_owned()][..])
    );
    assert_eq!(
        c.env.as_ref().expect("env")[0].value.as_deref(),
        Some("0123")
    );
    assert_eq!(c.ports.as_ref().expect("ports")[0].host_port, Some(8080));
    let sc = c.security_context.as_ref().expect("sc");
    assert_eq!(
        (sc.privileged, sc.run_as_user, sc.run_as_group),
        (Some(true), Some(0), Some(16))
    );
    let limits = c
        .resources
        .as_ref()
        .and_then(|r| r.limits.as_ref())
        .expect("limits");
    assert_eq!(limits["cpu"].0, "1.50");
    assert_eq!(limits["memory"].0, "1e3");
    let live = c
        .liveness_probe
        .as_ref()
        .and_then(|p| p.http_get.as_ref())
        .expect("probe");
    assert_eq!(live.port, IntOrString::Int(8080));
    let ready = c
        .readiness_probe
        .as_ref()
        .and_then(|p| p.http_get.as_ref())
        .expect("probe");
    assert_eq!(ready.port, IntOrString::String("http".into()));
    let secret = spec.volumes.as_ref().expect("volumes")[0]
        .secret
        .as_ref()
        .expect("secret");
    assert_eq!(secret.default_mode, Some(0o644));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: &labels
    app: web
  annotations: *labels
spec:
  containers:
  - &base
    name: a
    image: nginx
    securityContext: &sc
      privileged: true
  - <<: *base
    name: b
    securityContext: *sc
";
    let loaded = parse(text);
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    let object = only_object(&loaded);
    assert_eq!(
        object
            .metadata
            .annotations
            .as_ref()
            .map(|a| a["app"].as_str()),
        Some("web")
    );
    let containers = &object.pod.as_ref().expect("pod").spec.containers;
    assert_eq!(containers[1].name, "b");
    assert_eq!(containers[1].image.as_deref(), Some("nginx"));
    assert_eq!(
        containers[1]
            .security_context
            .as_ref()
            .and_then(|s| s.privileged),
        Some(true)
    );
}

#[test]
fn duplicate_keys_are_an_error_for_that_document() {
    let loaded = parse(
        "kind: Namespace\nmetadata:\n  name: a\n  name: b\n---\nkind: Namespace\nmetadata: {name: c}\n",
    );
    assert_eq!(loaded.objects.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(
        (d.severity, d.position),
        (Severity::Error, Position::new(4, 3))
    );
    assert!(d.message.contains("duplicate key \"name\""), "{d}");
}

#[test]
fn empty_inputs_are_silent() {
    for text in [
        "",
        "   \n\n",
        "# just a comment\n",
        "---\n---\n# c\n---\n",
        "\u{feff}",
        "---\n...\n",
    ] {
        let loaded = parse(text);
        assert!(loaded.objects.is_empty(), "{text:?}");
        assert!(
            loaded.diagnostics.is_empty(),
            "{text:?}: {:?}",
            messages(&loaded)
        );
        assert_eq!(loaded.documents, 0, "{text:?}");
        assert_eq!(loaded.sources, 1);
    }
    let loaded = parse(
        "---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n",
    );
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.objects[0].position, Position::new(4, 1));
    assert!(loaded.diagnostics.is_empty());
}

#[test]
fn non_object_documents_are_errors() {
    let loaded = parse("just a string\n---\n- a\n- b\n---\nkind: Namespace\nmetadata: {name: a}\n");
    assert_eq!(loaded.objects.len(), 1);
    let got: Vec<(Position, Severity)> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.position, d.severity))
        .collect();
    assert_eq!(
        got,
        [
            (Position::new(1, 1), Severity::Error),
            (Position::new(3, 1), Severity::Error)
        ]
    );
    assert!(loaded.diagnostics[0].message.contains("found a string"));
    assert!(loaded.diagnostics[1].message.contains("found a sequence"));
}

#[test]
fn documents_without_kind_are_skipped_with_a_warning() {
    let loaded = parse("replicaCount: 3\nimage:\n  tag: latest\n");
    assert!(loaded.objects.is_empty());
    assert_eq!(loaded.diagnostics[0].severity, Severity::Warning);
    assert_eq!(loaded.documents, 1);
}

#[test]
fn kind_must_be_a_string() {
    let loaded = parse("kind: [Pod]\n");
    assert_eq!(loaded.diagnostics[0].severity, Severity::Error);
    assert!(loaded.diagnostics[0].message.contains("at kind"));
}

#[test]
fn invalid_utf8_is_an_error() {
    let loaded = parse_bytes("b.yaml", b"kind: Namespace\nmetadata:\n  name: \xff\n");
    assert!(loaded.objects.is_empty());
    assert_eq!(loaded.diagnostics[0].position, Position::new(3, 9));
    assert!(loaded.has_errors());
}

#[test]
fn garbage_never_panics() {
    let inputs: &[&[u8]] = &[
        b"{",
        b"[",
        b"}",
        b"]",
        b"{\"a\"",
        b"{\"items\":[",
        b"[1,",
        b"\"\\",
        b"{}{}[]",
        b"nul",
        b"- - - -",
        b": :",
        b"&a [*a]",
        b"*x",
        b"!!binary x",
        b"? [a]\n: b",
        b"%YAML 1.2\n",
        b"kind: List\nitems: 5\n",
        b"kind: PodList\nitems:\n- 1\n- [x]\n",
        b"\t\tkind: x",
        b"{\"kind\":\"List\",\"items\":[1,\"x\",null,{}]}",
        b"kind: Pod\nspec: 5\n",
        b"kind: Deployment\nspec:\n  template: 7\n",
        b"kind: CronJob\nspec:\n  jobTemplate: []\n",
    ];
    for input in inputs {
        let _ = parse_bytes("g", input);
    }
}

#[test]
fn json_typed_list_with_kind_after_items_still_infers() {
    let json = r#"{"apiVersion": "v1", "items": [
  {"metadata": {"name": "a"}, "spec": {"containers": []}},
  {"kind": "Pod", "metadata": {"name": "b"}, "spec": {"containers": []}}
], "kind": "PodList", "metadata": {}}"#;
    let loaded = parse_bytes("l.json", json.as_bytes());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    let got: Vec<(&str, &str, &str)> = loaded
        .objects
        .iter()
        .map(|o| (o.kind.as_str(), o.api_version.as_str(), o.name()))
        .collect();
    assert_eq!(got, [("Pod", "v1", "a"), ("Pod", "v1", "b")]);
    assert_eq!(loaded.objects[1].position, Position::new(3, 3));
}

#[test]
fn json_object_with_items_that_is_not_a_list_stays_one_object() {
    let json = r#"{"apiVersion": "example.com/v1", "items": [{"apiVersion": "v1", "kind": "Pod", "spec": {}}], "kind": "Basket", "metadata": {"name": "b"}}"#;
    let loaded = parse_bytes("b.json", json.as_bytes());
    let object = only_object(&loaded);
    assert_eq!(object.kind, "Basket");
    assert_eq!(
        object.body.as_ref().map(|b| b["items"][0]["kind"].clone()),
        Some("Pod".into())
    );
}

#[test]
fn big_json_lists_keep_order_and_positions() {
    let mut json = String::from("{\"apiVersion\": \"v1\", \"items\": [\n");
    for i in 0..3000 {
        if i > 0 {
            json.push_str(",\n");
        }
        if i % 2 == 0 {
            json.push_str(&format!(
                "  {{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p{i}\"}}, \"spec\": {{\"containers\": []}}}}"
            ));
        } else {
            json.push_str(&format!(
                "  {{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {{\"name\": \"p{i}\"}}}}"
            ));
        }
    }
    json.push_str("\n], \"kind\": \"List\"}\n");
    let loaded = parse_bytes("big.json", json.as_bytes());
    assert!(loaded.diagnostics.is_empty());
    assert_eq!(loaded.documents, 3000);
    for (i, o) in loaded.objects.iter().enumerate() {
        assert_eq!(o.name(), format!("p{i}"));
        assert_eq!(o.position, Position::new(i as u32 + 2, 3));
    }
    let mapped = kensa_k8s::parse_bytes_map("big.json", json.as_bytes(), |o| o.position.line);
    assert_eq!(mapped.items, (2..3002).collect::<Vec<u32>>());
}

#[test]
fn deeply_nested_lists_do_not_overflow() {
    let depth = 200;
    let mut json = String::new();
    for _ in 0..depth {
        json.push_str(r#"{"apiVersion":"v1","kind":"List","items":["#);
    }
    json.push_str(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"deep"}}"#);
    for _ in 0..depth {
        json.push_str("]}");
    }
    let loaded = parse_bytes("deep.json", json.as_bytes());
    assert!(loaded.objects.len() + loaded.diagnostics.len() >= 1);

    let mut yaml = String::new();
    for level in 0..depth {
        yaml.push_str(&format!(
            "{}- kind: List\n{}  items:\n",
            "  ".repeat(level),
            "  ".repeat(level)
        ));
    }
    let yaml = format!("kind: List\nitems:\n{yaml}");
    let loaded = parse_bytes("deep.yaml", yaml.as_bytes());
    assert!(loaded.objects.is_empty());

    // As deep as the YAML parser allows, in a body kept as JSON.
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}1{}\n",
        "{a: ".repeat(250),
        "}".repeat(250)
    );
    let loaded = parse_bytes("deep.yaml", deep.as_bytes());
    assert_eq!(loaded.objects.len() + loaded.diagnostics.len(), 1);

    let brackets = "[".repeat(100_000);
    let loaded = parse_bytes("b.json", brackets.as_bytes());
    assert!(loaded.has_errors());
    let braces = format!("a: {}", "{".repeat(100_000));
    let loaded = parse_bytes("b.yaml", braces.as_bytes());
    assert!(loaded.has_errors());
}

#[test]
fn yaml_lists_with_aliases_across_items_still_load() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: a
    labels: &common
      team: x
- apiVersion: v1
  kind: Namespace
  metadata:
    name: b
    labels: *common
";
    let loaded = parse(text);
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(&loaded));
    let labels: Vec<Option<&str>> = loaded
        .objects
        .iter()
        .map(|o| o.metadata.labels.as_ref().map(|l| l["team"].as_str()))
        .collect();
    assert_eq!(labels, [Some("x"), Some("x")]);
    assert_eq!(loaded.objects[1].position, Position::new(10, 3));
}

#[test]
fn yaml_list_with_a_broken_item_reports_the_exact_line() {
    let text = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: a
- apiVersion: v1
  kind: Namespace
  metadata:
    name: [b
- apiVersion: v1
  kind: Namespace
  metadata:
    name: c
kind: List
---
apiVersion: v1
kind: Namespace
metadata:
  name: after
";
    let loaded = parse(text);
    // The list is one document: it fails as a whole; the next document loads.
    let names: Vec<&str> = loaded.objects.iter().map(Object::name).collect();
    assert_eq!(names, ["after"]);
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", messages(&loaded));
    let d = &loaded.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!((10..=11).contains(&d.position.line), "{d}");
}

#[test]
fn yaml_list_items_with_type_errors_are_skipped_alone() {
    let text = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec:
    hostPID: \"yes\"
    containers: []
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec:
    containers: []
kind: List
metadata:
  resourceVersion: \"\"
";
    let loaded = parse(text);
    let names: Vec<&str> = loaded.objects.iter().map(Object::name).collect();
    assert_eq!(names, ["b"]);
    assert_eq!(loaded.documents, 2);
    assert_eq!(
        messages(&loaded),
        [
            "test.yaml:7:14: error: invalid type: string \"yes\", expected a boolean at spec.hostPID (Pod a)"
        ]
    );
}
