//! The deployment of the webhook (`kensa serve --admission
//! --print-manifests`): everything a cluster needs, as one YAML stream.
//!
//! - a Namespace, enforcing `restricted` itself;
//! - a ServiceAccount with read access to namespaces and pods (the watch
//!   cache), and the ConfigMap with the PodSecurityConfiguration;
//! - a Deployment of 2 replicas spread over nodes, whose pods pass PSS
//!   `restricted`, with readiness on `/readyz` (a draining replica leaves the
//!   Service before it stops) and a PodDisruptionBudget keeping one up;
//! - a Service, and a ValidatingWebhookConfiguration in upstream's shape:
//!   pods, `pods/ephemeralcontainers` and namespaces fail closed (they are
//!   enforced); the pod-template kinds only warn and audit, so they fail
//!   open. Both skip the webhook's own namespace, so the webhook can always
//!   be restarted;
//! - a cert-manager self-signed Issuer and Certificate, with the CA injected
//!   into the webhook configuration. Without cert-manager, the header of the
//!   output says how to make the Secret and the caBundle with openssl.

/// What to print.
#[derive(Debug, Clone)]
pub struct ManifestOptions {
    /// The namespace the webhook runs in.
    pub namespace: String,
    /// The container image.
    pub image: String,
}

impl Default for ManifestOptions {
    fn default() -> Self {
        ManifestOptions {
            namespace: "kensa-system".into(),
            image: format!("ghcr.io/kensa-dev/kensa:{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

const TEMPLATE: &str = r#"# kensa Pod Security Admission webhook.
#
# Needs cert-manager for the serving certificate. Without it, delete the
# Issuer and Certificate below and make the Secret and caBundle yourself:
#   openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=kensa-admission CA" \
#     -keyout ca.key -out ca.crt
#   openssl req -newkey rsa:2048 -nodes -subj "/CN=kensa-admission.@NS@.svc" \
#     -keyout tls.key -out tls.csr
#   printf 'subjectAltName=DNS:kensa-admission.@NS@.svc,DNS:kensa-admission.@NS@.svc.cluster.local\n' > san.ext
#   openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
#     -extfile san.ext -out tls.crt
#   kubectl -n @NS@ create secret tls kensa-admission-tls --cert=tls.crt --key=tls.key
#   # and set caBundle of both webhooks below to: base64 -w0 ca.crt
# The server reloads the certificate when the Secret changes.
apiVersion: v1
kind: Namespace
metadata:
  name: @NS@
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: kensa-admission
  namespace: @NS@
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kensa-admission
rules:
  - apiGroups: [""]
    resources: ["namespaces", "pods"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kensa-admission
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kensa-admission
subjects:
  - kind: ServiceAccount
    name: kensa-admission
    namespace: @NS@
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kensa-admission
  namespace: @NS@
data:
  podsecurity.yaml: |
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: privileged
      enforce-version: latest
      audit: privileged
      audit-version: latest
      warn: privileged
      warn-version: latest
    exemptions:
      usernames: []
      runtimeClasses: []
      namespaces: ["@NS@"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kensa-admission
  namespace: @NS@
  labels:
    app.kubernetes.io/name: kensa-admission
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: kensa-admission
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kensa-admission
    spec:
      serviceAccountName: kensa-admission
      priorityClassName: system-cluster-critical
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: kensa-admission
      containers:
        - name: kensa
          image: @IMAGE@
          args:
            - serve
            - --admission
            - --listen=0.0.0.0:8443
            - --tls-cert=/etc/kensa/tls/tls.crt
            - --tls-key=/etc/kensa/tls/tls.key
            - --config=/etc/kensa/config/podsecurity.yaml
          ports:
            - name: https
              containerPort: 8443
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
            limits:
              memory: 512Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tls
              mountPath: /etc/kensa/tls
              readOnly: true
            - name: config
              mountPath: /etc/kensa/config
              readOnly: true
      volumes:
        - name: tls
          secret:
            secretName: kensa-admission-tls
        - name: config
          configMap:
            name: kensa-admission
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: kensa-admission
  namespace: @NS@
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: kensa-admission
---
apiVersion: v1
kind: Service
metadata:
  name: kensa-admission
  namespace: @NS@
spec:
  selector:
    app.kubernetes.io/name: kensa-admission
  ports:
    - name: https
      port: 443
      targetPort: https
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: kensa-admission-selfsigned
  namespace: @NS@
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: kensa-admission
  namespace: @NS@
spec:
  secretName: kensa-admission-tls
  duration: 2160h
  renewBefore: 360h
  dnsNames:
    - kensa-admission.@NS@.svc
    - kensa-admission.@NS@.svc.cluster.local
  issuerRef:
    kind: Issuer
    name: kensa-admission-selfsigned
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kensa-admission
  annotations:
    cert-manager.io/inject-ca-from: @NS@/kensa-admission
webhooks:
  # Enforcing: fails closed, like the built-in plugin.
  - name: pod-security.kensa.dev
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 5
    namespaceSelector:
      matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: NotIn
          values: ["@NS@"]
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods", "pods/ephemeralcontainers", "namespaces"]
    clientConfig:
      service:
        namespace: @NS@
        name: kensa-admission
        path: /validate
  # Advisory (warn and audit only): fails open.
  - name: advisory.pod-security.kensa.dev
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    timeoutSeconds: 5
    namespaceSelector:
      matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: NotIn
          values: ["@NS@"]
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["podtemplates", "replicationcontrollers"]
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["daemonsets", "deployments", "replicasets", "statefulsets"]
      - apiGroups: ["batch"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["cronjobs", "jobs"]
    clientConfig:
      service:
        namespace: @NS@
        name: kensa-admission
        path: /validate
"#;

/// The manifests as one multi-document YAML text.
pub fn render(options: &ManifestOptions) -> String {
    TEMPLATE
        .replace("@NS@", &options.namespace)
        .replace("@IMAGE@", &options.image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kensa_pss::Evaluator;
    use kensa_pss::api::{Level, LevelVersion, Version};

    fn documents(text: &str) -> Vec<serde_json::Value> {
        let loaded = kensa_k8s::parse_bytes("manifests.yaml", text.as_bytes());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        serde_saphyr::from_multiple::<serde_json::Value>(text).expect("yaml")
    }

    #[test]
    fn the_deployment_passes_restricted_and_the_webhook_skips_its_namespace() {
        let text = render(&ManifestOptions {
            namespace: "sec".into(),
            image: "example/kensa:1".into(),
        });
        let loaded = kensa_k8s::parse_bytes("manifests.yaml", text.as_bytes());
        let deployment = loaded
            .objects
            .iter()
            .find(|o| o.kind == "Deployment")
            .expect("a Deployment");
        let pod = deployment.pod.as_ref().expect("a template");
        let result = Evaluator::global().evaluate(
            LevelVersion::new(Level::Restricted, Version::Latest),
            &pod.metadata,
            &pod.spec,
        );
        assert!(result.allowed(), "{}", result.enforce_message());

        let docs = documents(&text);
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        for kind in [
            "Namespace",
            "Deployment",
            "PodDisruptionBudget",
            "Service",
            "ValidatingWebhookConfiguration",
            "Certificate",
        ] {
            assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
        }
        let deployment = docs
            .iter()
            .find(|d| d["kind"] == "Deployment")
            .expect("deployment");
        assert_eq!(deployment["spec"]["replicas"], 2);
        let webhook = docs
            .iter()
            .find(|d| d["kind"] == "ValidatingWebhookConfiguration")
            .expect("webhook");
        let hooks = webhook["webhooks"].as_array().expect("webhooks");
        assert_eq!(hooks.len(), 2);
        for hook in hooks {
            let expression = &hook["namespaceSelector"]["matchExpressions"][0];
            assert_eq!(expression["operator"], "NotIn");
            assert_eq!(expression["values"][0], "sec");
            assert!(hook["timeoutSeconds"].as_u64().is_some_and(|t| t <= 10));
            assert!(hook["failurePolicy"].is_string());
        }
        let resources: Vec<String> = hooks
            .iter()
            .flat_map(|h| h["rules"].as_array().into_iter().flatten())
            .flat_map(|r| r["resources"].as_array().into_iter().flatten())
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        for resource in [
            "pods",
            "pods/ephemeralcontainers",
            "namespaces",
            "deployments",
            "cronjobs",
            "podtemplates",
        ] {
            assert!(resources.iter().any(|r| r == resource), "{resource}");
        }
        assert!(!text.contains('@'), "a placeholder left");
    }
}
