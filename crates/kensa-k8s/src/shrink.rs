//! Gives back the spare capacity serde leaves in vectors.
//!
//! serde_json gives no length hints, so a vector that gets one element has
//! room for four: with k8s-openapi's large structs (a `VolumeProjection` is
//! over 500 bytes) that is about 3 KB wasted per typical pod. When objects
//! are kept ([`crate::parse_bytes`], [`crate::load`]) the common vectors of
//! a pod are shrunk. Only fields present in every supported Kubernetes
//! version are touched.

use k8s_openapi::api::core::v1::{Container, EphemeralContainer, PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn fit<T>(v: &mut Option<Vec<T>>) {
    if let Some(v) = v {
        v.shrink_to_fit();
    }
}

pub(crate) fn meta(meta: &mut ObjectMeta) {
    fit(&mut meta.owner_references);
    fit(&mut meta.finalizers);
    fit(&mut meta.managed_fields);
}

/// The list fields shared by `Container` and `EphemeralContainer` (distinct types).
macro_rules! fit_container_lists {
    ($c:expr) => {{
        fit(&mut $c.args);
        fit(&mut $c.command);
        fit(&mut $c.env);
        fit(&mut $c.env_from);
        fit(&mut $c.ports);
        fit(&mut $c.volume_mounts);
        fit(&mut $c.volume_devices);
    }};
}

fn container(c: &mut Container) {
    fit_container_lists!(c);
    fit(&mut c.resize_policy);
    if let Some(caps) = c
        .security_context
        .as_mut()
        .and_then(|s| s.capabilities.as_mut())
    {
        fit(&mut caps.add);
        fit(&mut caps.drop);
    }
}

fn ephemeral(c: &mut EphemeralContainer) {
    fit_container_lists!(c);
}

fn volume(v: &mut Volume) {
    if let Some(projected) = v.projected.as_mut()
        && let Some(sources) = projected.sources.as_mut()
    {
        sources.shrink_to_fit();
        for source in sources {
            if let Some(c) = source.config_map.as_mut() {
                fit(&mut c.items);
            }
            if let Some(s) = source.secret.as_mut() {
                fit(&mut s.items);
            }
            if let Some(d) = source.downward_api.as_mut() {
                fit(&mut d.items);
            }
        }
    }
    if let Some(c) = v.config_map.as_mut() {
        fit(&mut c.items);
    }
    if let Some(s) = v.secret.as_mut() {
        fit(&mut s.items);
    }
}

pub(crate) fn pod_spec(spec: &mut PodSpec) {
    spec.containers.shrink_to_fit();
    spec.containers.iter_mut().for_each(container);
    if let Some(init) = spec.init_containers.as_mut() {
        init.shrink_to_fit();
        init.iter_mut().for_each(container);
    }
    if let Some(eph) = spec.ephemeral_containers.as_mut() {
        eph.shrink_to_fit();
        eph.iter_mut().for_each(ephemeral);
    }
    if let Some(volumes) = spec.volumes.as_mut() {
        volumes.shrink_to_fit();
        volumes.iter_mut().for_each(volume);
    }
    fit(&mut spec.tolerations);
    fit(&mut spec.image_pull_secrets);
    fit(&mut spec.host_aliases);
    fit(&mut spec.topology_spread_constraints);
    fit(&mut spec.readiness_gates);
}
