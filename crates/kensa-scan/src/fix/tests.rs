//! Unit tests of [`fix_yaml`] on small manifests.

use super::*;

fn restricted() -> FixOptions {
    FixOptions::default()
}

fn fix(text: &str) -> FixOutcome {
    fix_yaml("test.yaml", text, &restricted())
}

/// Fixing the output again changes nothing.
fn assert_idempotent(text: &str, options: &FixOptions) {
    let once = fix_yaml("t.yaml", text, options);
    let twice = fix_yaml("t.yaml", &once.text, options);
    assert_eq!(twice.text, once.text, "second fix changed:\n{}", once.text);
    assert!(!twice.changed);
    assert!(twice.workloads.iter().all(|w| w.changes.is_empty()));
}

/// Every line of `old` is still in `new`, in order.
fn assert_lines_kept(old: &str, new: &str) {
    let mut rest = new.lines();
    for line in old.lines().filter(|l| !l.trim().is_empty()) {
        assert!(rest.any(|l| l == line), "line {line:?} lost in:\n{new}");
    }
}

const DEPLOYMENT: &str = "\
# A web deployment.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep me
  namespace: shop
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: \"registry.example/web:1.0\"
          ports:
            - containerPort: 8080
          # resources are set elsewhere
      restartPolicy: Always
";

#[test]
fn deployment_gets_restricted_fields_and_keeps_comments() {
    let out = fix(DEPLOYMENT);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.text,
        "\
# A web deployment.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep me
  namespace: shop
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: \"registry.example/web:1.0\"
          ports:
            - containerPort: 8080
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
          # resources are set elsewhere
      restartPolicy: Always
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
"
    );
    let w = &out.workloads[0];
    assert_eq!(w.display_name(), "Deployment shop/web");
    assert_eq!(w.line, 2);
    assert!(w.manual.is_empty());
    let paths: Vec<&str> = w.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
            "spec.template.spec.containers[0].securityContext.capabilities.drop",
            "spec.template.spec.securityContext.runAsNonRoot",
            "spec.template.spec.securityContext.seccompProfile",
        ]
    );
    assert_lines_kept(DEPLOYMENT, &out.text);
    assert_idempotent(DEPLOYMENT, &restricted());
}

#[test]
fn flow_mappings_are_rewritten_in_place() {
    let text = "\
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - {name: a, image: x, securityContext: {capabilities: {add: [NET_BIND_SERVICE, SYS_ADMIN]}}}
";
    let out = fix(text);
    assert_eq!(
        out.text,
        "\
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsUser: 1000, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - {name: a, image: x, securityContext: {capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}, allowPrivilegeEscalation: false}}
"
    );
    let removed: Vec<String> = out.workloads[0]
        .changes
        .iter()
        .filter(|c| c.to.is_none())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        removed,
        ["spec.containers[0].securityContext.capabilities.add[1]: - SYS_ADMIN"]
    );
    assert_idempotent(text, &restricted());
}

#[test]
fn multi_document_files_and_cronjobs() {
    let text = "\
apiVersion: v1
kind: Service
metadata: {name: s}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: init
            image: busybox
            securityContext:
              runAsUser: 1000
          containers:
          - name: job
            image: busybox
            securityContext:
              runAsNonRoot: false
              privileged: true
---
# trailing comment
";
    let out = fix(text);
    assert!(out.errors.is_empty());
    assert_eq!(out.workloads.len(), 1);
    let w = &out.workloads[0];
    assert_eq!((w.kind.as_str(), w.line), ("CronJob", 5));
    let base = "spec.jobTemplate.spec.template.spec";
    for path in [
        "initContainers[0].securityContext.allowPrivilegeEscalation",
        "containers[0].securityContext.privileged",
        "containers[0].securityContext.runAsNonRoot",
        "securityContext.seccompProfile",
    ] {
        assert!(
            w.changes.iter().any(|c| c.path == format!("{base}.{path}")),
            "{path} not in {:?}",
            w.changes
        );
    }
    assert!(out.text.contains("              runAsNonRoot: true\n              privileged: false\n              allowPrivilegeEscalation: false\n"), "{}", out.text);
    // privileged and runAsNonRoot: false are noted.
    assert!(w.notes.iter().any(|n| n.path.ends_with("privileged")));
    assert!(w.notes.iter().any(|n| n.path.ends_with("runAsNonRoot")));
    assert!(out.text.ends_with("---\n# trailing comment\n"));
    assert_lines_kept(
        &text
            .replace("runAsNonRoot: false", "")
            .replace("privileged: true", ""),
        &out.text,
    );
    assert_idempotent(text, &restricted());
}

#[test]
fn capabilities_keep_net_bind_service_and_lose_the_rest() {
    let text = "\
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: x
    securityContext:
      capabilities:
        add:
        - NET_BIND_SERVICE
        - SYS_ADMIN   # dangerous
        - NET_RAW
        drop: [NET_RAW]
  - name: b
    image: y
    securityContext:
      capabilities:
        add: [\"SYS_ADMIN\"]
";
    let out = fix(text);
    assert!(
        out.text
            .contains("        add:\n        - NET_BIND_SERVICE\n        drop: [NET_RAW, ALL]\n"),
        "{}",
        out.text
    );
    // All of b's adds are gone: the entry goes.
    assert!(!out.text.contains("SYS_ADMIN"), "{}", out.text);
    assert!(
        out.text
            .contains("      capabilities:\n        drop:\n        - ALL\n"),
        "{}",
        out.text
    );
    let removals = out.workloads[0]
        .changes
        .iter()
        .filter(|c| c.to.is_none())
        .count();
    assert_eq!(removals, 3);
    assert_idempotent(text, &restricted());
}

#[test]
fn existing_passing_values_are_left_alone() {
    let text = "\
kind: Pod
metadata: {name: ok}
spec:
  securityContext:
    runAsNonRoot: yes
    seccompProfile: {type: Localhost, localhostProfile: p.json}
  containers:
  - name: a
    image: x
    securityContext:
      allowPrivilegeEscalation: False
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
";
    let out = fix(text);
    assert_eq!(out.text, text);
    assert!(!out.changed);
    assert!(out.workloads[0].changes.is_empty());
    assert!(out.workloads[0].manual.is_empty());
}

#[test]
fn container_level_seccomp_everywhere_means_no_pod_level() {
    let text = "\
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x
    securityContext:
      seccompProfile: {type: Unconfined}
      runAsNonRoot: true
";
    let out = fix(text);
    assert!(
        out.text.contains("seccompProfile: {type: RuntimeDefault}"),
        "{}",
        out.text
    );
    assert!(!out.text.contains("\n  securityContext:"), "{}", out.text);
    assert!(
        out.workloads[0]
            .notes
            .iter()
            .any(|n| n.message.contains("Unconfined"))
    );
}

#[test]
fn host_settings_are_manual() {
    let text = "\
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      volumes:
      - name: root
        hostPath: {path: /}
      - name: nfs
        nfs: {server: s, path: /}
      containers:
      - name: a
        image: x
        ports:
        - containerPort: 9100
          hostPort: 9100
        securityContext:
          runAsUser: 0
          sysctls: []
";
    let out = fix(text);
    let manual: Vec<&str> = out.workloads[0]
        .manual
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    for expected in [
        "spec.template.spec.hostNetwork",
        "spec.template.spec.hostPID",
        "spec.template.spec.volumes[0].hostPath",
        "spec.template.spec.volumes[1].nfs",
        "spec.template.spec.containers[0].ports[0].hostPort",
        "spec.template.spec.containers[0].securityContext.runAsUser",
    ] {
        assert!(manual.contains(&expected), "{expected} not in {manual:?}");
    }
    // The rest is still fixed.
    assert!(out.text.contains("allowPrivilegeEscalation: false"));
}

#[test]
fn nginx_gets_a_note_and_read_only_mounts() {
    let text = "\
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        volumeMounts:
        - name: cache
          mountPath: /var/cache/nginx
      volumes:
      - name: cache
        emptyDir: {}
";
    let options = FixOptions {
        read_only_root: true,
        ..FixOptions::default()
    };
    let out = fix_yaml("web.yaml", text, &options);
    assert!(
        out.text.contains(
            "        - name: var-run\n          mountPath: /var/run\n        - name: tmp\n          mountPath: /tmp\n"
        ),
        "{}",
        out.text
    );
    assert!(
        out.text.contains(
            "      - name: var-run\n        emptyDir: {}\n      - name: tmp\n        emptyDir: {}\n"
        ),
        "{}",
        out.text
    );
    assert!(out.text.contains("readOnlyRootFilesystem: true"));
    assert!(!out.text.contains("name: var-cache-nginx"));
    let notes = &out.workloads[0].notes;
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("nginx-unprivileged")),
        "{notes:?}"
    );
    assert_idempotent(text, &options);
}

#[test]
fn writable_option_overrides_the_table() {
    let text = "\
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: tmp
    configMap: {name: c}
  containers:
  - name: a
    image: redis
";
    let options = FixOptions {
        read_only_root: true,
        writable: vec!["/tmp".into(), "/scratch/".into()],
        ..FixOptions::default()
    };
    let out = fix_yaml("p.yaml", text, &options);
    // `tmp` is taken by an existing volume: the new one is named after the container.
    assert!(
        out.text
            .contains("  - name: a-tmp\n    emptyDir: {}\n  - name: scratch\n    emptyDir: {}\n"),
        "{}",
        out.text
    );
    assert!(
        out.text
            .contains("    - name: scratch\n      mountPath: /scratch/\n"),
        "{}",
        out.text
    );
    assert!(!out.text.contains("/data"));
    assert_idempotent(text, &options);
}

#[test]
fn baseline_only_fixes_what_baseline_needs() {
    let text = "\
kind: Pod
metadata: {name: p}
spec:
  hostIPC: true
  containers:
  - name: a
    image: x
    securityContext:
      privileged: true
      capabilities:
        add: [CHOWN, SYS_ADMIN]
";
    let options = FixOptions {
        level: Level::Baseline,
        ..FixOptions::default()
    };
    let out = fix_yaml("p.yaml", text, &options);
    assert_eq!(
        out.text,
        "\
kind: Pod
metadata: {name: p}
spec:
  hostIPC: true
  containers:
  - name: a
    image: x
    securityContext:
      privileged: false
      capabilities:
        add: [CHOWN]
"
    );
    assert_eq!(out.workloads[0].manual.len(), 1);
    assert_idempotent(text, &options);
}

#[test]
fn json_and_templates_are_not_touched() {
    let json = "{\"kind\": \"Pod\", \"spec\": {}}";
    let out = fix(json);
    assert_eq!(out.text, json);
    assert!(out.errors[0].message.contains("JSON"));

    let helm = "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  {{- include \"x\" . }}\n";
    let out = fix(helm);
    assert_eq!(out.text, helm);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].line >= 3, "{:?}", out.errors);
}

#[test]
fn null_security_contexts_and_missing_newline() {
    let text = "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n  containers:\n  - name: a\n    image: x\n    securityContext: ~";
    let out = fix(text);
    assert!(
        out.text.starts_with(
            "kind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsNonRoot: true\n"
        ),
        "{}",
        out.text
    );
    assert!(out.text.ends_with("    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop:\n        - ALL"), "{:?}", out.text);
    assert_idempotent(text, &restricted());
}

#[test]
fn lists_and_windows_pods() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: win}
  spec:
    os: {name: windows}
    containers:
    - name: a
      image: x
";
    let out = fix(text);
    let w = &out.workloads[0];
    assert_eq!(w.name, "win");
    assert_eq!(
        w.changes
            .iter()
            .map(|c| c.path.as_str())
            .collect::<Vec<_>>(),
        ["items[0].spec.securityContext.runAsNonRoot"]
    );
    assert_idempotent(text, &restricted());
}

#[test]
fn aliases_are_not_edited_through() {
    let text = "\
kind: Pod
metadata: {name: p}
spec:
  containers:
  - &c
    name: a
    image: x
  initContainers:
  - *c
";
    let out = fix(text);
    assert!(out.errors.is_empty());
    assert!(
        out.workloads[0]
            .manual
            .iter()
            .any(|m| m.message.contains("alias")),
        "{:?}",
        out.workloads[0]
    );
}

#[test]
fn unified_diff_of_a_fix() {
    let out = fix(DEPLOYMENT);
    let diff = unified_diff("a/web.yaml", "b/web.yaml", DEPLOYMENT, &out.text);
    assert!(
        diff.starts_with("--- a/web.yaml\n+++ b/web.yaml\n@@ -15,5 +15,14 @@\n"),
        "{diff}"
    );
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---"))
    );
}
