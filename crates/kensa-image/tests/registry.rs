//! Pulling from a real registry (Debian's docker-registry on 127.0.0.1,
//! started here with its own config): anonymous and basic auth, tags and
//! digests, the layer cache, multi-arch indexes with --platform, and the
//! errors users meet (401, 404, 429, 5xx, --insecure off loopback).

mod registry_support;

use std::path::Path;

use kensa_image::image::Image;
use kensa_image::source::{self, Progress, ReadOptions, RegistryOptions, SourceError};
use registry_support::{Registry, answering, docker_config, have};

fn tools() -> Option<std::path::PathBuf> {
    let fixtures = kensa_reference::image_fixtures()?;
    (have("docker-registry") && have("skopeo") && have("htpasswd") && have("umoci"))
        .then_some(fixtures)
}

fn options(cache: &Path) -> ReadOptions {
    ReadOptions {
        registry: RegistryOptions {
            insecure: true,
            ..RegistryOptions::default()
        },
        cache_dir: Some(cache.to_owned()),
        ..ReadOptions::default()
    }
}

/// Reads an image, counting download progress events.
fn read(reference: &str, options: &ReadOptions) -> (Result<Image, SourceError>, usize) {
    let mut downloads = 0;
    let image = source::read(reference, options, &mut |event| {
        if matches!(event, Progress::Download { .. }) {
            downloads += 1;
        }
    });
    (image, downloads)
}

fn names(image: &Image) -> Vec<String> {
    image
        .catalog
        .packages
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect()
}

#[test]
fn anonymous_pulls_by_tag_and_digest_and_the_cache_serves_the_second() {
    let Some(fixtures) = tools() else { return };
    let registry = Registry::start(None);
    registry.push(
        &format!("oci:{}/debian:bookworm", fixtures.display()),
        "team/debian:bookworm",
        false,
    );
    let cache = tempfile::tempdir().expect("cache");
    let reference = format!("{}/team/debian:bookworm", registry.host());
    let (image, downloads) = read(&reference, &options(cache.path()));
    let image = image.expect("pulled");
    assert!(downloads > 0, "the first pull downloads");
    let local = source::read(
        &format!("oci:{}/debian:bookworm", fixtures.display()),
        &ReadOptions::default(),
        &mut |_| {},
    )
    .expect("layout");
    assert_eq!(
        names(&image),
        names(&local),
        "the same packages as the layout"
    );
    assert_eq!(image.id, local.id, "the same config");
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(image.repo_tags, std::slice::from_ref(&reference));
    let digest = image.manifest_digest.clone().expect("manifest digest");
    assert_eq!(
        image.repo_digests,
        [format!("{}/team/debian@{digest}", registry.host())]
    );

    let (again, downloads) = read(&reference, &options(cache.path()));
    assert_eq!(downloads, 0, "the layer comes from the cache by diff ID");
    assert_eq!(names(&again.expect("cached")), names(&local));

    let by_digest = format!("{}/team/debian@{digest}", registry.host());
    let (pinned, _) = read(&by_digest, &options(cache.path()));
    assert_eq!(pinned.expect("by digest").id, local.id);

    let (missing, _) = read(
        &format!("{}/team/debian:nope", registry.host()),
        &options(cache.path()),
    );
    let error = missing.expect_err("no such tag");
    assert!(matches!(error, SourceError::Registry { .. }), "{error}");
    assert!(error.to_string().contains("not found"), "{error}");
}

#[test]
fn basic_auth_needs_the_docker_config_credentials() {
    let Some(fixtures) = tools() else { return };
    let registry = Registry::with_basic_auth("kensa", "s3cret-pass");
    registry.push(
        &format!("oci:{}/busybox:latest", fixtures.display()),
        "private/busybox:1",
        false,
    );
    let cache = tempfile::tempdir().expect("cache");
    let reference = format!("{}/private/busybox:1", registry.host());
    let mut anonymous = options(cache.path());
    let empty = tempfile::tempdir().expect("no config");
    std::fs::write(empty.path().join("config.json"), "{\"auths\": {}}").expect("write");
    anonymous.registry.docker_config = Some(empty.path().join("config.json"));
    let (denied, _) = read(&reference, &anonymous);
    match denied.expect_err("401 without credentials") {
        SourceError::Registry {
            status, message, ..
        } => {
            assert_eq!(status, Some(401), "{message}");
            assert!(
                message.contains("docker login") || message.contains("config.json"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    let config_dir = tempfile::tempdir().expect("config");
    let mut with_creds = options(cache.path());
    with_creds.registry.docker_config = Some(docker_config(
        config_dir.path(),
        &registry.host(),
        "kensa:s3cret-pass",
    ));
    let (image, _) = read(&reference, &with_creds);
    let image = image.expect("pulled with credentials");
    assert!(image.catalog.os.is_none());
    assert_eq!(image.layers.len(), 1);
    let mut wrong = options(cache.path());
    let wrong_dir = tempfile::tempdir().expect("config");
    wrong.registry.docker_config = Some(docker_config(
        wrong_dir.path(),
        &registry.host(),
        "kensa:wrong",
    ));
    let (refused, _) = read(&format!("{}/private/busybox:1", registry.host()), &wrong);
    assert!(
        matches!(
            refused,
            Err(SourceError::Registry {
                status: Some(401),
                ..
            })
        ),
        "{refused:?}"
    );
}

/// Writes an image index holding the busybox manifest as linux/amd64 and
/// a copy of it re-labelled linux/arm64 (umoci config), tagged `multi`.
fn multi_arch_layout(fixtures: &Path, dir: &Path) -> std::path::PathBuf {
    let layout = dir.join("multi");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixtures.join("busybox"))
        .arg(&layout)
        .status()
        .expect("cp");
    assert!(status.success());
    let status = std::process::Command::new("umoci")
        .args(["config", "--architecture", "arm64", "--image"])
        .arg(format!("{}:latest", layout.display()))
        .args(["--tag", "arm"])
        .status()
        .expect("umoci");
    assert!(status.success());
    let index_path = layout.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).expect("index")).expect("json");
    let descriptor = |tag: &str, arch: &str| {
        let mut d = index["manifests"]
            .as_array()
            .expect("manifests")
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .expect("tagged")
            .clone();
        d["annotations"] = serde_json::json!({});
        d["platform"] = serde_json::json!({"os": "linux", "architecture": arch});
        d
    };
    let nested = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [descriptor("latest", "amd64"), descriptor("arm", "arm64")],
    });
    let bytes = serde_json::to_vec(&nested).expect("json");
    let hex: String = ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(layout.join("blobs/sha256").join(&hex), &bytes).expect("blob");
    index["manifests"]
        .as_array_mut()
        .expect("manifests")
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": format!("sha256:{hex}"),
            "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"},
        }));
    std::fs::write(&index_path, serde_json::to_vec(&index).expect("json")).expect("index");
    layout
}

#[test]
fn a_multi_arch_image_is_resolved_with_the_platform() {
    let Some(fixtures) = tools() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = multi_arch_layout(&fixtures, dir.path());
    // The layout itself, then the same index through a registry.
    let registry = Registry::start(None);
    registry.push(
        &format!("oci:{}:multi", layout.display()),
        "multi/busybox:1",
        true,
    );
    let cache = tempfile::tempdir().expect("cache");
    for reference in [
        format!("oci:{}:multi", layout.display()),
        format!("{}/multi/busybox:1", registry.host()),
    ] {
        for (platform, arch) in [
            ("linux/amd64", "linux/amd64"),
            ("linux/arm64", "linux/arm64"),
        ] {
            let mut opts = options(cache.path());
            opts.registry.platform = Some(platform.into());
            let (image, _) = read(&reference, &opts);
            let image = image.unwrap_or_else(|e| panic!("{reference} {platform}: {e}"));
            assert_eq!(image.platform.as_deref(), Some(arch), "{reference}");
        }
        let mut opts = options(cache.path());
        opts.registry.platform = Some("linux/s390x".into());
        let (image, _) = read(&reference, &opts);
        match image.expect_err("no s390x") {
            SourceError::NoPlatform { available, .. } => {
                assert!(
                    available.contains("linux/amd64") && available.contains("linux/arm64"),
                    "{available}"
                )
            }
            other => panic!("{reference}: {other}"),
        }
    }
}

#[test]
fn rate_limits_and_server_errors_say_so() {
    let cache = tempfile::tempdir().expect("cache");
    for (status, reason, expected) in [
        (429, "Too Many Requests", "rate limited"),
        (503, "Service Unavailable", "503"),
        (500, "Internal Server Error", "500"),
    ] {
        let (port, _server) = answering(status, reason);
        let (image, _) = read(
            &format!("127.0.0.1:{port}/any/image:1"),
            &options(cache.path()),
        );
        let error = image.expect_err("an error answer");
        assert!(
            matches!(&error, SourceError::Registry { status: Some(s), .. } if *s == status),
            "{status}: {error}"
        );
        assert!(error.to_string().contains(expected), "{status}: {error}");
    }
    assert!(
        std::fs::read_dir(cache.path())
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "nothing cached"
    );
}

#[test]
fn insecure_is_only_for_loopback_and_refused_early() {
    let cache = tempfile::tempdir().expect("cache");
    let (image, downloads) = read("registry.example.invalid/a/b:1", &options(cache.path()));
    let error = image.expect_err("refused");
    assert!(error.to_string().contains("only for loopback"), "{error}");
    assert_eq!(downloads, 0);
    let (port, _server) = (registry_support::free_port(), ());
    let (image, _) = read(&format!("127.0.0.1:{port}/a/b:1"), &options(cache.path()));
    let error = image.expect_err("nothing listens");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[test]
fn bearer_tokens_from_a_token_server() {
    let Some(fixtures) = tools() else { return };
    let tokens = registry_support::TokenServer::start("robot", "t0ken-pass", "kensa-registry");
    let bundle_dir = tempfile::tempdir().expect("bundle");
    let auth = tokens.registry_auth(bundle_dir.path(), "kensa-registry");
    let mut registry = Registry::start(Some(&auth));
    registry.creds = Some("robot:t0ken-pass".into());
    registry.push(
        &format!("oci:{}/busybox:latest", fixtures.display()),
        "tokens/busybox:1",
        false,
    );
    let cache = tempfile::tempdir().expect("cache");
    let reference = format!("{}/tokens/busybox:1", registry.host());
    let config_dir = tempfile::tempdir().expect("config");
    let mut with_creds = options(cache.path());
    with_creds.registry.docker_config = Some(docker_config(
        config_dir.path(),
        &registry.host(),
        "robot:t0ken-pass",
    ));
    let (image, downloads) = read(&reference, &with_creds);
    let image = image.expect("pulled with a bearer token");
    assert_eq!(image.layers.len(), 1);
    assert!(downloads > 0);
    let empty = tempfile::tempdir().expect("empty");
    std::fs::write(empty.path().join("config.json"), "{}").expect("write");
    let mut anonymous = options(cache.path());
    anonymous.registry.docker_config = Some(empty.path().join("config.json"));
    let (denied, _) = read(
        &format!(
            "{}/tokens/busybox@{}",
            registry.host(),
            image.manifest_digest.clone().unwrap_or_default()
        ),
        &anonymous,
    );
    assert!(
        matches!(
            denied,
            Err(SourceError::Registry {
                status: Some(401),
                ..
            })
        ),
        "{denied:?}"
    );
}
