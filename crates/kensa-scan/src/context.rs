//! What a check sees: one object with helpers ([`ObjectContext`]), or all of
//! them ([`ClusterContext`]), and the scan's [`Settings`].

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_k8s::{Object, PodTemplate};

/// Site-specific settings for the checks that need them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Registries images may come from (host names or suffixes such as
    /// `azurecr.io`), for the trusted-registry check.
    pub trusted_registries: Vec<String>,
    /// Capabilities containers may add without a finding (upper case, no `CAP_`).
    pub allowed_capabilities: Vec<String>,
    /// The Kubernetes minor version the cluster runs (for version-aware checks
    /// such as the safe sysctls).
    pub kubernetes_minor: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            trusted_registries: Vec::new(),
            allowed_capabilities: Vec::new(),
            kubernetes_minor: 37,
        }
    }
}

/// Whether `kind` has a pod template that workload checks look at.
pub fn is_workload_kind(kind: &str) -> bool {
    kensa_k8s::pod_bearing_kind(kind) && kind != "PodTemplate" || kind == "DeploymentConfig"
}

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerList {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerList {
    /// The field name in the pod spec.
    pub fn field(self) -> &'static str {
        match self {
            ContainerList::Init => "initContainers",
            ContainerList::Regular => "containers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A container of a workload, with where it lives.
#[derive(Debug, Clone)]
pub struct ContainerRef<'a> {
    /// The container.
    pub container: &'a Container,
    /// Which list it is in.
    pub list: ContainerList,
    /// Its path from the object root, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
}

impl ContainerRef<'_> {
    /// The container's name.
    pub fn name(&self) -> &str {
        &self.container.name
    }

    /// The container's `securityContext`, if set.
    pub fn security_context(&self) -> Option<&SecurityContext> {
        self.container.security_context.as_ref()
    }

    /// `PATH.securityContext.FIELD`: where a container security setting lives.
    pub fn security_path(&self, field: &str) -> String {
        if field.is_empty() {
            format!("{}.securityContext", self.path)
        } else {
            format!("{}.securityContext.{field}", self.path)
        }
    }
}

/// One object under check, with helpers for the usual questions.
#[derive(Debug, Clone, Copy)]
pub struct ObjectContext<'a> {
    /// The object.
    pub object: &'a Object,
    /// The scan's settings.
    pub settings: &'a Settings,
}

impl<'a> ObjectContext<'a> {
    /// Wraps an object.
    pub fn new(object: &'a Object, settings: &'a Settings) -> Self {
        ObjectContext { object, settings }
    }

    /// The object's kind.
    pub fn kind(&self) -> &'a str {
        &self.object.kind
    }

    /// The object's name (or generateName).
    pub fn name(&self) -> &'a str {
        self.object.name()
    }

    /// The object's namespace, if set.
    pub fn namespace(&self) -> Option<&'a str> {
        self.object.namespace()
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &'a ObjectMeta {
        &self.object.metadata
    }

    /// `Kind 'name'`, as messages name the object.
    pub fn describe(&self) -> String {
        format!("{} '{}'", self.kind(), self.name())
    }

    /// The pod template of a workload.
    pub fn pod(&self) -> Option<&'a PodTemplate> {
        self.object.pod.as_ref()
    }

    /// The pod spec of a workload.
    pub fn pod_spec(&self) -> Option<&'a PodSpec> {
        self.pod().map(|pod| &pod.spec)
    }

    /// The pod-level `securityContext`, if set.
    pub fn pod_security_context(&self) -> Option<&'a PodSecurityContext> {
        self.pod_spec()
            .and_then(|spec| spec.security_context.as_ref())
    }

    /// Path of a pod spec field, e.g. `spec.template.spec.hostNetwork`.
    pub fn spec_path(&self, field: &str) -> String {
        let base = self.pod().map_or("spec", |pod| pod.spec_path);
        if field.is_empty() {
            base.to_owned()
        } else {
            format!("{base}.{field}")
        }
    }

    /// Path of a pod template metadata field, e.g. `spec.template.metadata.annotations`.
    pub fn template_metadata_path(&self, field: &str) -> String {
        let base = self.pod().map_or("metadata", |pod| pod.metadata_path);
        if field.is_empty() {
            base.to_owned()
        } else {
            format!("{base}.{field}")
        }
    }

    /// The containers and init containers, in that order (Trivy's meaning of
    /// "containers": ephemeral containers are left out).
    pub fn containers(&self) -> Vec<ContainerRef<'a>> {
        self.containers_in(&[ContainerList::Regular, ContainerList::Init])
    }

    fn containers_in(&self, lists: &[ContainerList]) -> Vec<ContainerRef<'a>> {
        let Some(spec) = self.pod_spec() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &list in lists {
            let containers: &'a [Container] = match list {
                ContainerList::Regular => &spec.containers,
                ContainerList::Init => spec.init_containers.as_deref().unwrap_or_default(),
                ContainerList::Ephemeral => continue,
            };
            for (i, container) in containers.iter().enumerate() {
                out.push(ContainerRef {
                    container,
                    list,
                    path: format!("{}.{}[{i}]", self.spec_path(""), list.field()),
                });
            }
        }
        out
    }

    /// `runAsNonRoot` as it applies to `container`: the container's own
    /// setting, else the pod's.
    pub fn effective_run_as_non_root(&self, container: &ContainerRef<'a>) -> Option<bool> {
        container
            .security_context()
            .and_then(|sc| sc.run_as_non_root)
            .or_else(|| {
                self.pod_security_context()
                    .and_then(|sc| sc.run_as_non_root)
            })
    }

    /// `runAsUser` as it applies to `container`.
    pub fn effective_run_as_user(&self, container: &ContainerRef<'a>) -> Option<i64> {
        container
            .security_context()
            .and_then(|sc| sc.run_as_user)
            .or_else(|| self.pod_security_context().and_then(|sc| sc.run_as_user))
    }

    /// `runAsGroup` as it applies to `container`.
    pub fn effective_run_as_group(&self, container: &ContainerRef<'a>) -> Option<i64> {
        container
            .security_context()
            .and_then(|sc| sc.run_as_group)
            .or_else(|| self.pod_security_context().and_then(|sc| sc.run_as_group))
    }

    /// `seccompProfile.type` as it applies to `container`: the container's
    /// own profile, else the pod's.
    pub fn effective_seccomp_type(&self, container: &ContainerRef<'a>) -> Option<&'a str> {
        let container: &'a Container = container.container;
        container
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .or_else(|| {
                self.pod_security_context()
                    .and_then(|sc| sc.seccomp_profile.as_ref())
            })
            .map(|profile| profile.type_.as_str())
    }

    /// The object as JSON, for kinds whose body the loader kept.
    pub fn body(&self) -> Option<&'a serde_json::Value> {
        self.object.body.as_ref()
    }

    /// The value at a dotted path of the body (`spec.replicas`).
    pub fn body_at(&self, path: &str) -> Option<&'a serde_json::Value> {
        let mut value = self.body()?;
        for key in path.split('.') {
            value = value.get(key)?;
        }
        Some(value)
    }

    /// The body's `field`, decoded into a typed value (e.g. `rules` of a Role).
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.body()?.clone()).ok()
    }
}

/// All objects of a scan, for checks that relate objects to each other.
#[derive(Debug, Clone, Copy)]
pub struct ClusterContext<'a> {
    /// Every loaded object, in input order.
    pub objects: &'a [Object],
    /// The scan's settings.
    pub settings: &'a Settings,
}

impl<'a> ClusterContext<'a> {
    /// The objects of `kind`, with their indices.
    pub fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = (usize, &'a Object)> + 'a {
        self.objects
            .iter()
            .enumerate()
            .filter(move |(_, object)| object.kind == kind)
    }

    /// An [`ObjectContext`] for one object.
    pub fn context(&self, object: &'a Object) -> ObjectContext<'a> {
        ObjectContext::new(object, self.settings)
    }
}
