//! Every source on real images built by `scripts/images/build-fixtures.sh`:
//! a busybox-static OCI layout made with umoci, and a Debian bookworm
//! minbase rootfs (debootstrap) as an OCI layout, as a `docker save`
//! archive (skopeo) and as a directory. The four views of the Debian image
//! must find the same packages.

use std::collections::BTreeSet;
use std::path::Path;

use kensa_image::catalog::os::Family;
use kensa_image::image::Image;
use kensa_image::source::{self, ReadOptions, SourceError};

fn read(reference: &str) -> Result<Image, SourceError> {
    source::read(reference, &ReadOptions::default(), &mut |_| {})
}

fn package_set(image: &Image) -> BTreeSet<(String, String)> {
    image
        .catalog
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn at(dir: &Path, rest: &str) -> String {
    format!("{}{rest}", dir.display())
}

#[test]
fn the_debian_image_reads_the_same_from_every_source() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let layout = read(&format!("oci:{}", at(&fixtures, "/debian:bookworm"))).expect("oci layout");
    let archive =
        read(&format!("docker-archive:{}", at(&fixtures, "/debian.tar"))).expect("docker archive");
    let rootfs = read(&format!("dir:{}", at(&fixtures, "/debian-rootfs"))).expect("rootfs");
    let os = layout.catalog.os.as_ref().expect("an OS");
    assert_eq!((&os.family, os.version.as_str()), (&Family::Debian, "12"));
    let packages = package_set(&layout);
    assert!(packages.len() > 80, "{} packages", packages.len());
    assert!(packages.iter().any(|(name, _)| name == "libc6"));
    assert_eq!(package_set(&archive), packages);
    assert_eq!(package_set(&rootfs), packages);
    assert_eq!(layout.id, archive.id, "the same config");
    assert_eq!(layout.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(layout.layers.len(), 1);
    assert_eq!(archive.layers[0].diff_id, layout.layers[0].diff_id);
    let libc = layout
        .catalog
        .packages
        .iter()
        .find(|p| p.name == "libc6")
        .expect("libc6");
    assert_eq!(libc.source_name(), "glibc");
    assert!(
        libc.purl.starts_with("pkg:deb/debian/libc6@"),
        "{}",
        libc.purl
    );
    assert!(libc.purl.contains("distro=debian-12"), "{}", libc.purl);
    assert!(
        libc.files.iter().any(|f| f.contains("libc.so.6")),
        "{:?}",
        &libc.files[..5.min(libc.files.len())]
    );
    assert!(!libc.licenses.is_empty());
}

#[test]
fn busybox_has_no_os_and_no_packages() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let image = read(&format!("oci:{}", at(&fixtures, "/busybox"))).expect("busybox");
    assert!(image.catalog.os.is_none());
    assert!(image.catalog.packages.is_empty());
    assert_eq!(image.repo_tags, ["latest"]);
    let missing =
        read(&format!("oci:{}", at(&fixtures, "/busybox:nope"))).expect_err("no such tag");
    assert!(
        missing
            .to_string()
            .contains("no image tagged \"nope\" (the layout has latest)"),
        "{missing}"
    );
}

#[test]
fn a_changed_blob_is_refused_by_its_digest() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let copy = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new("cp")
        .args([
            "-a",
            &at(&fixtures, "/busybox/."),
            &copy.path().display().to_string(),
        ])
        .status()
        .expect("cp");
    assert!(status.success());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(copy.path().join("index.json")).expect("index"))
            .expect("json");
    let manifest_digest = index["manifests"][0]["digest"].as_str().expect("digest");
    let manifest_path = copy
        .path()
        .join("blobs")
        .join(manifest_digest.replacen(':', "/", 1));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("json");
    let layer = manifest["layers"][0]["digest"].as_str().expect("layer");
    let layer_path = copy.path().join("blobs").join(layer.replacen(':', "/", 1));
    let mut bytes = std::fs::read(&layer_path).expect("layer");
    // Change a byte of the gzip trailer's CRC: the tar still reads, only
    // the digest can tell.
    let last = bytes.len() - 5;
    bytes[last] ^= 0xff;
    std::fs::write(&layer_path, bytes).expect("write");
    let error = read(&format!("oci:{}", copy.path().display())).expect_err("tampered");
    assert!(
        matches!(
            error,
            SourceError::DigestMismatch { .. } | SourceError::Layer(_)
        ),
        "{error}"
    );
    std::fs::remove_file(&layer_path).expect("rm");
    let error = read(&format!("oci:{}", copy.path().display())).expect_err("missing");
    assert!(matches!(error, SourceError::MissingBlob { .. }), "{error}");
    assert!(error.to_string().contains(layer), "{error}");
}

#[test]
fn bad_archives_say_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar file at all, not even close").expect("write");
    let error = read(&format!("docker-archive:{}", junk.display())).expect_err("junk");
    assert!(error.to_string().contains("junk.tar"), "{error}");
    let layout = dir.path().join("layout");
    std::fs::create_dir(&layout).expect("mkdir");
    std::fs::write(layout.join("index.json"), b"{\"manifests\": 3}").expect("write");
    let error = read(&format!("oci:{}", layout.display())).expect_err("bad index");
    assert!(
        error
            .to_string()
            .contains("index.json: not a valid OCI image index"),
        "{error}"
    );
    let error = read("dir:/no/such/dir").expect_err("missing dir");
    assert!(error.to_string().contains("/no/such/dir"), "{error}");
    assert!(matches!(
        source::ImageRef::parse("oci:"),
        Err(SourceError::BadReference { .. })
    ));
}
