//! Generates realistic `kubectl get pods -A -o json|yaml` output (pods with
//! status, no managedFields, about 4 KB each) for benchmarks.
#![allow(dead_code)] // Each user (bench, example) calls a different subset.

use std::fmt::Write as _;

/// One pod as pretty-printed JSON (kubectl's 4-space indentation), at the
/// indentation of a list item.
fn pod_json(i: usize, out: &mut String) {
    let ns = format!("team-{}", i % 50);
    let app = format!("svc-{}", i % 977);
    let hash = format!(
        "{:08x}",
        (i as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff
    );
    let privileged = i.is_multiple_of(10);
    let host_network = i.is_multiple_of(25);
    let _ = write!(
        out,
        r#"        {{
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {{
                "creationTimestamp": "2024-05-01T10:00:00Z",
                "generateName": "{app}-{hash}-",
                "labels": {{
                    "app.kubernetes.io/name": "{app}",
                    "app.kubernetes.io/part-of": "shop",
                    "pod-template-hash": "{hash}"
                }},
                "name": "{app}-{hash}-{i:05}",
                "namespace": "{ns}",
                "ownerReferences": [
                    {{
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "ReplicaSet",
                        "name": "{app}-{hash}",
                        "uid": "5b1e7c9a-{i:04x}-4c1d-9e2f-0a1b2c3d4e5f"
                    }}
                ],
                "resourceVersion": "{rv}",
                "uid": "9f8e7d6c-{i:04x}-4b3a-8c7d-6e5f4a3b2c1d"
            }},
            "spec": {{
                "containers": [
                    {{
                        "image": "registry.example.com/shop/{app}:1.{minor}.3",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "{app}",
                        "ports": [
                            {{
                                "containerPort": 8080,
                                "name": "http",
                                "protocol": "TCP"
                            }}
                        ],
                        "resources": {{
                            "limits": {{
                                "cpu": "500m",
                                "memory": "256Mi"
                            }},
                            "requests": {{
                                "cpu": "100m",
                                "memory": "128Mi"
                            }}
                        }},
                        "securityContext": {{
                            "allowPrivilegeEscalation": false,
                            "privileged": {privileged},
                            "runAsNonRoot": true,
                            "runAsUser": 1000
                        }},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
                            {{
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                "name": "kube-api-access-{hash}",
                                "readOnly": true
                            }}
                        ]
                    }}
                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "hostNetwork": {host_network},
                "nodeName": "node-{node}",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {{}},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "volumes": [
                    {{
                        "name": "kube-api-access-{hash}",
                        "projected": {{
                            "defaultMode": 420,
                            "sources": [
                                {{
                                    "serviceAccountToken": {{
                                        "expirationSeconds": 3607,
                                        "path": "token"
                                    }}
                                }}
                            ]
                        }}
                    }}
                ]
            }},
            "status": {{
                "conditions": [
                    {{
                        "lastProbeTime": null,
                        "lastTransitionTime": "2024-05-01T10:00:05Z",
                        "status": "True",
                        "type": "Ready"
                    }}
                ],
                "containerStatuses": [
                    {{
                        "containerID": "containerd://{hash}{hash}{hash}{hash}",
                        "image": "registry.example.com/shop/{app}:1.{minor}.3",
                        "imageID": "registry.example.com/shop/{app}@sha256:{hash}{hash}{hash}{hash}",
                        "lastState": {{}},
                        "name": "{app}",
                        "ready": true,
                        "restartCount": 0,
                        "started": true,
                        "state": {{
                            "running": {{
                                "startedAt": "2024-05-01T10:00:03Z"
                            }}
                        }}
                    }}
                ],
                "hostIP": "10.0.{n1}.{n2}",
                "hostIPs": [
                    {{
                        "ip": "10.0.{n1}.{n2}"
                    }}
                ],
                "phase": "Running",
                "podIP": "10.244.{n1}.{n2}",
                "podIPs": [
                    {{
                        "ip": "10.244.{n1}.{n2}"
                    }}
                ],
                "qosClass": "Burstable",
                "startTime": "2024-05-01T10:00:00Z"
            }}
        }}"#,
        rv = 100_000 + i,
        minor = i % 30,
        node = i % 200,
        n1 = (i / 250) % 250,
        n2 = i % 250,
    );
}

/// `kubectl get pods -A -o json` for `n` pods.
pub fn pods_json(n: usize) -> String {
    let mut out = String::with_capacity(n * 6200 + 200);
    out.push_str("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n");
    for i in 0..n {
        if i > 0 {
            out.push_str(",\n");
        }
        pod_json(i, &mut out);
    }
    out.push_str("\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n");
    out
}

/// `kubectl get pods -A -o yaml` for `n` pods (converted from the JSON).
pub fn pods_yaml(n: usize) -> String {
    let json: serde_json::Value = serde_json::from_str(&pods_json(n)).unwrap_or_default();
    let mut out = String::with_capacity(n * 4000);
    to_yaml(&json, 0, false, &mut out);
    out
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            if s.is_empty()
                || s.parse::<f64>().is_ok()
                || matches!(s.as_str(), "true" | "false" | "null" | "True")
                || s.contains(": ")
                || s.starts_with(['*', '&', '!', '{', '[', '-', '@', '\''])
            {
                format!("{s:?}")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

/// Block YAML in kubectl's style (sequences not indented under their key).
fn to_yaml(v: &serde_json::Value, indent: usize, in_seq: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (n, (k, v)) in map.iter().enumerate() {
                if !(in_seq && n == 0) {
                    out.push_str(&pad);
                }
                out.push_str(k);
                out.push(':');
                match v {
                    serde_json::Value::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        to_yaml(v, indent + 2, false, out);
                    }
                    serde_json::Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        to_yaml(v, indent, false, out);
                    }
                    serde_json::Value::Object(_) => out.push_str(" {}\n"),
                    serde_json::Value::Array(_) => out.push_str(" []\n"),
                    other => {
                        out.push(' ');
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    serde_json::Value::Object(m) if !m.is_empty() => {
                        to_yaml(item, indent + 2, true, out)
                    }
                    other => {
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}
