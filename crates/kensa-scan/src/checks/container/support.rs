//! Helpers shared by the container checks: messages, capabilities, resources,
//! image references and the effective seccomp profile.

use std::fmt::Display;

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, SELinuxOptions, SecurityContext};

use crate::check::Hit;
use crate::context::{ContainerList, ContainerRef, ObjectContext};

/// A hit on one container: `Container 'NAME' of Kind 'name' TEXT`.
pub(super) fn container_hit(
    object: &ObjectContext<'_>,
    container: &ContainerRef<'_>,
    path: String,
    text: impl Display,
) -> Hit {
    Hit::at(
        path,
        format!(
            "Container '{}' of {} {text}",
            container.name(),
            object.describe()
        ),
    )
}

/// A capability name as the runtime reads it: trimmed, upper case, without
/// the `CAP_` prefix (`cap_sys_admin` and `SYS_ADMIN` are the same).
pub(super) fn capability_name(raw: &str) -> String {
    let upper = raw.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_owned(),
        None => upper,
    }
}

/// `securityContext.capabilities.add` of a container, with indexes.
pub(super) fn added_capabilities<'a>(
    container: &ContainerRef<'a>,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let list: &'a [String] = container
        .container
        .security_context
        .as_ref()
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|caps| caps.add.as_deref())
        .unwrap_or_default();
    list.iter().enumerate().map(|(i, cap)| (i, cap.as_str()))
}

/// `securityContext.capabilities.drop` of a container, `None` when absent.
pub(super) fn dropped_capabilities<'a>(container: &ContainerRef<'a>) -> Option<&'a [String]> {
    let container = container.container;
    container
        .security_context
        .as_ref()
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|caps| caps.drop.as_deref())
}

/// Whether a container drops `ALL` capabilities.
pub(super) fn drops_all(container: &ContainerRef<'_>) -> bool {
    dropped_capabilities(container)
        .unwrap_or_default()
        .iter()
        .any(|cap| capability_name(cap) == "ALL")
}

/// One hit per container and `capabilities.add` entry that names `capability`.
pub(super) fn added_capability_hits(object: &ObjectContext<'_>, capability: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    for container in object.containers() {
        for (i, cap) in added_capabilities(&container) {
            if capability_name(cap) == capability {
                hits.push(container_hit(
                    object,
                    &container,
                    format!("{}[{i}]", container.security_path("capabilities.add")),
                    format_args!(
                        "should not add capability '{capability}' in 'securityContext.capabilities.add'"
                    ),
                ));
            }
        }
    }
    hits
}

/// One hit per container that leaves `resources.SECTION.RESOURCE` unset, where
/// SECTION is `limits` or `requests` and RESOURCE is `cpu` or `memory`.
pub(super) fn missing_resource_hits(
    object: &ObjectContext<'_>,
    section: &str,
    resource: &str,
) -> Vec<Hit> {
    object
        .containers()
        .into_iter()
        .filter(|container| {
            let resources = container.container.resources.as_ref();
            let map = match section {
                "limits" => resources.and_then(|r| r.limits.as_ref()),
                _ => resources.and_then(|r| r.requests.as_ref()),
            };
            map.and_then(|map| map.get(resource))
                .is_none_or(|quantity| quantity.0.trim().is_empty())
        })
        .map(|container| {
            container_hit(
                object,
                &container,
                format!("{}.resources.{section}.{resource}", container.path),
                format_args!("should set 'resources.{section}.{resource}'"),
            )
        })
        .collect()
}

/// One hit per regular container that lacks the probe in `field` (`has` tells
/// whether one is set), described as `what` ("a liveness probe"). Jobs and
/// CronJobs run to completion and serve no traffic, so probes do not apply,
/// nor do they to init containers, which finish before the pod is ready.
pub(super) fn missing_probe_hits(
    object: &ObjectContext<'_>,
    field: &str,
    what: &str,
    has: impl Fn(&Container) -> bool,
) -> Vec<Hit> {
    if matches!(object.kind(), "Job" | "CronJob") {
        return Vec::new();
    }
    object
        .containers()
        .into_iter()
        .filter(|c| c.list == ContainerList::Regular && !has(c.container))
        .map(|c| {
            container_hit(
                object,
                &c,
                format!("{}.{field}", c.path),
                format_args!("should configure {what} in '{field}'"),
            )
        })
        .collect()
}

/// One hit per container port number named in `fields` (`containerPort`,
/// `hostPort`) for which `text` (given the port's index, the field and the
/// number) returns a message. An unset `hostPort` is skipped.
pub(super) fn port_hits(
    object: &ObjectContext<'_>,
    fields: &[&str],
    text: impl Fn(usize, &str, i32) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for c in object.containers() {
        let ports = c.container.ports.as_deref().unwrap_or_default();
        for (i, port) in ports.iter().enumerate() {
            for &field in fields {
                let value = match field {
                    "containerPort" => Some(port.container_port),
                    _ => port.host_port,
                };
                let Some(message) = value.and_then(|number| text(i, field, number)) else {
                    continue;
                };
                hits.push(container_hit(
                    object,
                    &c,
                    format!("{}.ports[{i}].{field}", c.path),
                    message,
                ));
            }
        }
    }
    hits
}

/// A `securityContext` field that exists on both the pod and the container,
/// where the container's own value wins.
pub(super) struct Inherited<T: 'static> {
    /// The field name, e.g. `runAsUser`.
    pub field: &'static str,
    /// The field in a container's `securityContext`.
    pub container: fn(&SecurityContext) -> Option<T>,
    /// The field in the pod's `securityContext`.
    pub pod: fn(&PodSecurityContext) -> Option<T>,
}

impl<T> Inherited<T> {
    /// The container's own value.
    pub(super) fn own(&self, container: &ContainerRef<'_>) -> Option<T> {
        container.security_context().and_then(self.container)
    }

    /// The value that applies to the container: its own, else the pod's.
    pub(super) fn effective(
        &self,
        object: &ObjectContext<'_>,
        container: &ContainerRef<'_>,
    ) -> Option<T> {
        self.own(container)
            .or_else(|| object.pod_security_context().and_then(self.pod))
    }

    /// Where to point a hit: the pod's field when the container inherits a
    /// pod-level value, else the container's own field (set or to be set).
    pub(super) fn path(&self, object: &ObjectContext<'_>, container: &ContainerRef<'_>) -> String {
        let pod_sets = object
            .pod_security_context()
            .is_some_and(|sc| (self.pod)(sc).is_some());
        if self.own(container).is_none() && pod_sets {
            object.spec_path(&format!("securityContext.{}", self.field))
        } else {
            container.security_path(self.field)
        }
    }
}

/// `securityContext.runAsUser`.
pub(super) const RUN_AS_USER: Inherited<i64> = Inherited {
    field: "runAsUser",
    container: |sc| sc.run_as_user,
    pod: |sc| sc.run_as_user,
};

/// `securityContext.runAsGroup`.
pub(super) const RUN_AS_GROUP: Inherited<i64> = Inherited {
    field: "runAsGroup",
    container: |sc| sc.run_as_group,
    pod: |sc| sc.run_as_group,
};

/// `securityContext.runAsNonRoot`.
pub(super) const RUN_AS_NON_ROOT: Inherited<bool> = Inherited {
    field: "runAsNonRoot",
    container: |sc| sc.run_as_non_root,
    pod: |sc| sc.run_as_non_root,
};

/// Ids up to this one are the host's own users and groups on most systems.
const HIGHEST_HOST_ID: i64 = 10000;

/// One hit per container whose effective `id` field (a `uid` or `gid`, named
/// by `unit`) is unset or not above [`HIGHEST_HOST_ID`].
pub(super) fn low_id_hits(object: &ObjectContext<'_>, id: &Inherited<i64>, unit: &str) -> Vec<Hit> {
    let field = id.field;
    object
        .containers()
        .into_iter()
        .filter_map(|c| {
            let effective = id.effective(object, &c);
            if effective.is_some_and(|value| value > HIGHEST_HOST_ID) {
                return None;
            }
            let text = match effective {
                Some(value) => format!(
                    "should set 'securityContext.{field}' above {HIGHEST_HOST_ID} (it runs with {unit} {value})"
                ),
                None => format!("should set 'securityContext.{field}' above {HIGHEST_HOST_ID}"),
            };
            Some(container_hit(object, &c, id.path(object, &c), text))
        })
        .collect()
}

/// The parts of a container image reference
/// (`[registry/]repository[:tag][@digest]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Image<'a> {
    /// The registry host (with port) when the reference names one.
    pub registry: Option<&'a str>,
    /// The repository path, without registry, tag or digest.
    pub repository: &'a str,
    /// The tag, when given.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:...`), when given.
    pub digest: Option<&'a str>,
}

impl<'a> Image<'a> {
    /// Splits an image reference. The first path component is a registry
    /// when it holds a `.` or a `:` or is `localhost`, as Docker reads it.
    pub(super) fn parse(reference: &'a str) -> Image<'a> {
        let reference = reference.trim();
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest).filter(|d| !d.is_empty())),
            None => (reference, None),
        };
        let (registry, rest) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        let last_start = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_start..].rfind(':') {
            Some(i) => (
                &rest[..last_start + i],
                Some(&rest[last_start + i + 1..]).filter(|t| !t.is_empty()),
            ),
            None => (rest, None),
        };
        Image {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The registry host in lower case, without a port; `docker.io` when the
    /// reference names none (Docker Hub is the default).
    pub(super) fn host(&self) -> String {
        let registry = self.registry.unwrap_or("docker.io");
        let host = registry.split(':').next().unwrap_or(registry);
        host.to_ascii_lowercase()
    }
}

/// The images of a workload's containers, with the container, for checks
/// about where images come from. Containers without an image are skipped.
pub(super) fn images<'a>(object: &ObjectContext<'a>) -> Vec<(ContainerRef<'a>, &'a str)> {
    object
        .containers()
        .into_iter()
        .filter_map(|container| {
            let image: &'a str = container.container.image.as_deref()?;
            (!image.trim().is_empty()).then_some((container, image))
        })
        .collect()
}

/// One hit per container whose image does not pass `trusted` (given the
/// reference and its registry host), saying it should come from `what`.
pub(super) fn untrusted_image_hits(
    object: &ObjectContext<'_>,
    what: &str,
    trusted: impl Fn(&str, &str) -> bool,
) -> Vec<Hit> {
    images(object)
        .into_iter()
        .filter(|(_, reference)| !trusted(reference, &Image::parse(reference).host()))
        .map(|(c, reference)| {
            container_hit(
                object,
                &c,
                format!("{}.image", c.path),
                format_args!("should use an image from {what}, not '{reference}'"),
            )
        })
        .collect()
}

/// Whether `host` is `domain` or a sub-domain of it.
pub(super) fn host_in(host: &str, domain: &str) -> bool {
    let domain = domain.trim().trim_start_matches('.').to_ascii_lowercase();
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain.as_str())
                .is_some_and(|prefix| prefix.ends_with('.')))
}

/// Whether `host` is an Azure Container Registry (`*.azurecr.io`).
pub(super) fn is_azure_registry(host: &str) -> bool {
    host_in(host, "azurecr.io")
}

/// Whether `host` is Google Container Registry (`gcr.io` and its regional
/// hosts such as `eu.gcr.io`).
pub(super) fn is_gcr_registry(host: &str) -> bool {
    host_in(host, "gcr.io")
}

/// Whether `host` is a private Amazon ECR registry
/// (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`, `.com.cn` in China).
pub(super) fn is_ecr_registry(host: &str) -> bool {
    (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
        && host.contains(".dkr.ecr")
}

/// How a container's seccomp profile is decided, with where the deciding
/// value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seccomp {
    /// The profile type (`RuntimeDefault`, `Localhost`, `Unconfined`, or
    /// whatever odd value was given); `None` when nothing sets one.
    pub profile: Option<String>,
    /// The path of the deciding field, or of the container's
    /// `securityContext.seccompProfile.type` when nothing sets one.
    pub path: String,
}

const POD_SECCOMP_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_SECCOMP_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// The seccomp profile that applies to `container`: its own
/// `securityContext.seccompProfile`, else its legacy annotation, else the
/// pod's `securityContext.seccompProfile`, else the pod's legacy annotation.
pub(super) fn effective_seccomp(
    object: &ObjectContext<'_>,
    container: &ContainerRef<'_>,
) -> Seccomp {
    let own = container
        .security_context()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .map(|profile| profile.type_.trim())
        .filter(|kind| !kind.is_empty());
    if let Some(kind) = own {
        return Seccomp {
            profile: Some(kind.to_owned()),
            path: container.security_path("seccompProfile.type"),
        };
    }
    let annotations = object
        .pod()
        .and_then(|pod| pod.metadata.annotations.as_ref());
    let annotation = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(annotation_profile)
    };
    if let Some(kind) = annotation(&format!(
        "{CONTAINER_SECCOMP_ANNOTATION}{}",
        container.name()
    )) {
        return Seccomp {
            profile: Some(kind),
            path: object.template_metadata_path("annotations"),
        };
    }
    let pod = object
        .pod_security_context()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .map(|profile| profile.type_.trim())
        .filter(|kind| !kind.is_empty());
    if let Some(kind) = pod {
        return Seccomp {
            profile: Some(kind.to_owned()),
            path: object.spec_path("securityContext.seccompProfile.type"),
        };
    }
    if let Some(kind) = annotation(POD_SECCOMP_ANNOTATION) {
        return Seccomp {
            profile: Some(kind),
            path: object.template_metadata_path("annotations"),
        };
    }
    Seccomp {
        profile: None,
        path: container.security_path("seccompProfile.type"),
    }
}

/// One hit per container for which `text`, given the effective seccomp
/// profile type (`None` when nothing sets one), returns a message; the hit
/// points at the field that decides the profile.
pub(super) fn seccomp_hits(
    object: &ObjectContext<'_>,
    text: impl Fn(Option<&str>) -> Option<String>,
) -> Vec<Hit> {
    object
        .containers()
        .into_iter()
        .filter_map(|c| {
            let seccomp = effective_seccomp(object, &c);
            let message = text(seccomp.profile.as_deref())?;
            Some(container_hit(object, &c, seccomp.path, message))
        })
        .collect()
}

/// A legacy seccomp annotation value as a profile type.
fn annotation_profile(value: &str) -> String {
    match value {
        "runtime/default" | "docker/default" => "RuntimeDefault".to_owned(),
        "unconfined" => "Unconfined".to_owned(),
        other if other.starts_with("localhost/") => "Localhost".to_owned(),
        other => other.to_owned(),
    }
}

/// The SELinux types a container runtime assigns on its own, which are safe
/// to name explicitly.
const SAFE_SELINUX_TYPES: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];

/// What is custom about SELinux options: an unusual `type`, or any `user` or
/// `role`; `None` when the options are harmless.
pub(super) fn custom_selinux(options: &SELinuxOptions) -> Option<String> {
    let kind = options.type_.as_deref().unwrap_or("").trim();
    if !SAFE_SELINUX_TYPES.contains(&kind) {
        return Some(format!("type '{kind}'"));
    }
    if let Some(user) = options.user.as_deref().filter(|u| !u.trim().is_empty()) {
        return Some(format!("user '{user}'"));
    }
    if let Some(role) = options.role.as_deref().filter(|r| !r.trim().is_empty()) {
        return Some(format!("role '{role}'"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_image_references() {
        let image = Image::parse("nginx");
        assert_eq!(image.registry, None);
        assert_eq!(image.repository, "nginx");
        assert_eq!(image.tag, None);
        assert_eq!(image.host(), "docker.io");

        let image = Image::parse("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(image.registry, Some("localhost:5000"));
        assert_eq!(image.repository, "team/app");
        assert_eq!(image.tag, Some("1.2"));
        assert_eq!(image.digest, Some("sha256:abc"));
        assert_eq!(image.host(), "localhost");

        let image = Image::parse("library/redis:7");
        assert_eq!(image.registry, None);
        assert_eq!(image.repository, "library/redis");
        assert_eq!(image.tag, Some("7"));

        let image = Image::parse("Example.AzureCR.io/app:");
        assert_eq!(image.host(), "example.azurecr.io");
        assert_eq!(image.tag, None);

        let image = Image::parse("");
        assert_eq!(image.repository, "");
    }

    #[test]
    fn matches_registry_hosts() {
        assert!(host_in("eu.gcr.io", "gcr.io"));
        assert!(host_in("gcr.io", ".gcr.io"));
        assert!(!host_in("evilgcr.io", "gcr.io"));
        assert!(!host_in("gcr.io", ""));
        assert!(is_ecr_registry(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        ));
        assert!(!is_ecr_registry("public.ecr.aws"));
        assert!(is_azure_registry("contoso.azurecr.io"));
    }

    #[test]
    fn normalises_capabilities() {
        assert_eq!(capability_name(" cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(capability_name("all"), "ALL");
    }
}
