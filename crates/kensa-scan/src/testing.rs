//! Helpers for the checks' unit tests.
#![allow(dead_code)] // each helper serves one family of checks; not every family exists yet

use kensa_k8s::Object;

use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::{ClusterContext, ObjectContext, Settings};
use crate::dockerfile::Dockerfile;

/// Parses YAML (one or more documents) into objects; panics on any error
/// diagnostic, since test fixtures must be valid.
pub fn objects(yaml: &str) -> Vec<Object> {
    let loaded = kensa_k8s::parse_bytes("test.yaml", yaml.as_bytes());
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "fixture does not load: {errors:?}");
    loaded.objects
}

/// Runs an object check on the single object in `yaml` with default settings.
pub fn hits(check: &Check, yaml: &str) -> Vec<Hit> {
    hits_with(check, yaml, &Settings::default())
}

/// Runs an object check on the single object in `yaml`.
pub fn hits_with(check: &Check, yaml: &str, settings: &Settings) -> Vec<Hit> {
    let objects = objects(yaml);
    assert_eq!(objects.len(), 1, "fixture must hold one object");
    let Run::Object { kinds, check: run } = check.run else {
        panic!("{} is not an object check", check.id);
    };
    assert!(
        kinds.matches(&objects[0].kind),
        "{} does not apply to {}",
        check.id,
        objects[0].kind
    );
    run(&ObjectContext::new(&objects[0], settings))
}

/// Runs a cluster check over every object in `yaml`; returns each hit with
/// the name of the object it is on.
pub fn cluster_hits(check: &Check, yaml: &str) -> Vec<(String, Hit)> {
    let objects = objects(yaml);
    let settings = Settings::default();
    let Run::Cluster(run) = check.run else {
        panic!("{} is not a cluster check", check.id);
    };
    run(&ClusterContext {
        objects: &objects,
        settings: &settings,
    })
    .into_iter()
    .map(|ClusterHit { object, hit }| (objects[object].display_name(), hit))
    .collect()
}

/// Runs a Dockerfile check over a parsed Dockerfile.
pub fn dockerfile_hits(check: &Check, dockerfile: &Dockerfile) -> Vec<crate::check::DockerfileHit> {
    let Run::Dockerfile(run) = check.run else {
        panic!("{} is not a Dockerfile check", check.id);
    };
    run(dockerfile)
}
