//! Tiller (Helm v2) listens on all interfaces by default, so every pod in
//! the cluster can send it unauthenticated install requests. When Tiller
//! must still run, binding it to the loopback interface leaves it reachable
//! only through `kubectl port-forward` (which needs API credentials).
//!
//! Fields: `args` and `command` of the Tiller containers: those whose image
//! contains `tiller`, or, when none does, every container of an object
//! carrying Helm v2's markers (a name containing `tiller`, label
//! `app: helm` or `name: tiller`). Fails for each Tiller container without a
//! `--listen` argument naming `localhost` or `127.0.0.1` (e.g.
//! `--listen=localhost:44134`). Passes for workloads that are not Tiller.
//! Checkov reads `args` only; kensa also accepts the flag in `command`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::tiller_containers;

/// The check.
pub static CHECK: Check = Check {
    id: "tiller-listens-in-cluster",
    aliases: &["CKV_K8S_45"],
    title: "Tiller is reachable from within the cluster",
    severity: Severity::High,
    description: "Tiller binds its gRPC port on every interface unless told otherwise, and does not authenticate callers by default. Any compromised pod that can reach it can then ask it to install workloads with Tiller's (usually cluster-admin) rights.",
    remediation: "Add --listen=localhost:44134 to the Tiller container's args so it only accepts local connections (use helm with port-forwarding), and plan the migration to Helm v3, which has no Tiller.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// Whether `arg` restricts Tiller to the loopback interface.
fn listens_locally(arg: &str) -> bool {
    arg.contains("--listen") && (arg.contains("localhost") || arg.contains("127.0.0.1"))
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    tiller_containers(object)
        .into_iter()
        .filter(|c| {
            let args = c.container.args.iter().flatten();
            let command = c.container.command.iter().flatten();
            !args.chain(command).any(|arg| listens_locally(arg))
        })
        .map(|c| {
            let path = if c.container.args.is_some() {
                format!("{}.args", c.path)
            } else {
                c.path.clone()
            };
            Hit::at(
                path,
                format!(
                    "Tiller container '{}' of {} should listen on localhost only: add '--listen=localhost:44134' to 'args'",
                    c.name(),
                    object.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_tiller_listens_on_all_interfaces() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: tiller-deploy, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: tiller
        image: gcr.io/kubernetes-helm/tiller:v2.16.1
        args: ["--storage=secret"]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].args")
        );
        assert_eq!(
            found[0].message,
            "Tiller container 'tiller' of Deployment 'tiller-deploy' should listen on localhost only: add '--listen=localhost:44134' to 'args'"
        );
    }

    #[test]
    fn fails_for_labelled_tiller_without_args() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: helm-server, labels: {app: helm, name: tiller}}
spec:
  containers: [{name: server, image: registry.example.com/helm-server:2}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0]"));
    }

    #[test]
    fn passes_when_bound_to_localhost_or_not_tiller() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: tiller-deploy}
spec:
  template:
    spec:
      containers:
      - name: tiller
        image: gcr.io/kubernetes-helm/tiller:v2.16.1
        args: ["--listen=127.0.0.1:44134"]
"#,
        );
        assert!(found.is_empty());
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n",
        );
        assert!(found.is_empty());
    }
}
