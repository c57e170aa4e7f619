//! The SBOM writers against the official JSON schemas (SPDX 2.3, CycloneDX
//! 1.6 with its SPDX licence and JSF schemas; see schemas/SOURCES.md), and
//! the structure the schemas do not check: the image → OS → package tree,
//! NOASSERTION, purls and CPEs, unique IDs, and determinism.

use std::collections::{BTreeSet, HashSet};

use kensa_image::catalog::os::{Family, Os};
use kensa_image::catalog::{Catalog, Package, PackageType, purl};
use kensa_image::image::{Image, ImageLayer};
use kensa_image::sbom::cyclonedx::{self, AnalysisState, CdxVulnerability};
use kensa_image::sbom::{SbomOptions, spdx};
use serde_json::Value;

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas");

fn schema(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SCHEMAS}/{file}")).expect("schema file");
    serde_json::from_str(&text).expect("schema JSON")
}

/// Checks against the schema whose `$id` is `root`, with the other files
/// registered under their `$id`s so nothing is fetched.
fn check(document: &Value, root: &str, files: &[&str]) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    for file in files {
        let json = schema(file);
        let id = json["$id"].as_str().expect("$id").to_owned();
        compiler.add_resource(&id, json).expect("resource");
    }
    let index = compiler.compile(root, &mut schemas).expect("compile");
    schemas
        .validate(document, index)
        .map_err(|error| format!("{error:#}"))
}

const SPDX_ROOT: &str = "http://spdx.org/rdf/terms/2.3";
const SPDX_FILES: &[&str] = &["spdx-schema.json"];
const CDX_ROOT: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";
const CDX_FILES: &[&str] = &[
    "bom-1.6.schema.json",
    "spdx.schema.json",
    "jsf-0.82.schema.json",
];

fn validate(document: &Value, root: &str, files: &[&str]) {
    if let Err(error) = check(document, root, files) {
        panic!(
            "does not validate against {root}: {error}\n{}",
            serde_json::to_string_pretty(document).unwrap_or_default()
        );
    }
}

fn spdx_json(image: &Image) -> Value {
    let document = serde_json::to_value(spdx::write(image, &options())).expect("serialise");
    validate(&document, SPDX_ROOT, SPDX_FILES);
    document
}

fn cyclonedx_json(image: &Image, vulnerabilities: &[CdxVulnerability]) -> Value {
    let document = serde_json::to_value(cyclonedx::write(image, &options(), vulnerabilities))
        .expect("serialise");
    validate(&document, CDX_ROOT, CDX_FILES);
    document
}

fn options() -> SbomOptions {
    SbomOptions {
        created: "2026-03-04T05:06:07.890Z".into(),
        tool_version: "0.1.0".into(),
        document_id: "5d0c1c5e-3b0a-4f7e-9a7c-0b1e2d3c4f5a".into(),
    }
}

#[allow(clippy::too_many_arguments)] // a fixture builder: one argument per field set
fn package(
    ptype: PackageType,
    namespace: &str,
    name: &str,
    version: &str,
    source: Option<(&str, &str)>,
    licenses: &[&str],
    location: &str,
    files: &[&str],
) -> Package {
    Package {
        ptype,
        namespace: namespace.into(),
        name: name.into(),
        version: version.into(),
        source: source.map(|(n, v)| (n.to_owned(), Some(v.to_owned()))),
        arch: ptype.is_os().then(|| "amd64".to_owned()),
        licenses: licenses.iter().map(|l| (*l).to_owned()).collect(),
        location: location.into(),
        layer: 1,
        files: files.iter().map(|f| (*f).to_owned()).collect(),
        found_by: if ptype.is_os() { "dpkg" } else { "lang" },
        ..Package::default()
    }
}

/// Fills purls and CPEs as the catalog does.
fn image(name: &str, os: Option<Os>, mut packages: Vec<Package>) -> Image {
    for p in &mut packages {
        p.purl = purl::of(p, os.as_ref());
        p.cpes = vec![purl::cpe(p)];
    }
    Image {
        name: name.into(),
        id: Some("sha256:1111111111111111111111111111111111111111111111111111111111111111".into()),
        manifest_digest: Some(
            "sha256:2222222222222222222222222222222222222222222222222222222222222222".into(),
        ),
        // Local layouts and archives have no registry tag.
        repo_tags: if name.contains(":/") {
            Vec::new()
        } else {
            vec![name.to_owned()]
        },
        repo_digests: Vec::new(),
        platform: Some("linux/amd64".into()),
        layers: vec![
            ImageLayer {
                diff_id: Some("sha256:aaaa".into()),
                ..ImageLayer::default()
            },
            ImageLayer {
                diff_id: Some("sha256:bbbb".into()),
                ..ImageLayer::default()
            },
        ],
        catalog: Catalog {
            os,
            packages,
            notes: Vec::new(),
        },
    }
}

fn debian() -> Image {
    let os = Os {
        family: Family::Debian,
        version: "12".into(),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
    };
    image(
        "localhost:5000/kensa/debian:12",
        Some(os),
        vec![
            package(
                PackageType::Deb,
                "",
                "libssl3",
                "3.0.11-1~deb12u2",
                Some(("openssl", "3.0.11-1~deb12u2")),
                &["Apache-2.0", "Artistic or GPL"],
                "/var/lib/dpkg/status",
                &["/usr/lib/x86_64-linux-gnu/libssl.so.3"],
            ),
            package(
                PackageType::Deb,
                "",
                "libc6",
                "2.36-9+deb12u4",
                Some(("glibc", "2.36-9+deb12u4")),
                &["GPL-2+", "LGPL-2.1+", "public-domain"],
                "/var/lib/dpkg/status",
                &[
                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
                    "/etc/ld.so.conf.d/x.conf",
                ],
            ),
            package(
                PackageType::Deb,
                "",
                "base-files",
                "12.4+deb12u5",
                None,
                &["GPL"],
                "/var/lib/dpkg/status",
                &[],
            ),
            package(
                PackageType::Deb,
                "",
                "tzdata",
                "2024a-0+deb12u1",
                None,
                &[],
                "/var/lib/dpkg/status",
                &[],
            ),
        ],
    )
}

fn alpine() -> Image {
    let os = Os {
        family: Family::Alpine,
        version: "3.19.1".into(),
        pretty_name: None,
    };
    image(
        "oci:/srv/images/alpine:3.19",
        Some(os),
        vec![
            package(
                PackageType::Apk,
                "",
                "musl",
                "1.2.4-r2",
                None,
                &["MIT"],
                "/lib/apk/db/installed",
                &["/lib/ld-musl-x86_64.so.1"],
            ),
            package(
                PackageType::Apk,
                "",
                "ssl_client",
                "1.36.1-r15",
                Some(("busybox", "1.36.1-r15")),
                &["GPL-2.0-only AND MIT"],
                "/lib/apk/db/installed",
                &["/usr/bin/ssl_client"],
            ),
        ],
    )
}

fn language_only() -> Image {
    image(
        "docker-archive:/tmp/app.tar",
        None,
        vec![
            package(
                PackageType::GoModule,
                "",
                "github.com/spf13/cobra",
                "v1.8.0",
                None,
                &["Apache-2.0"],
                "/usr/bin/app",
                &[],
            ),
            package(
                PackageType::GoStdlib,
                "",
                "stdlib",
                "go1.22.1",
                None,
                &["BSD-3-Clause"],
                "/usr/bin/app",
                &[],
            ),
            package(
                PackageType::Npm,
                "@babel",
                "core",
                "7.24.0",
                None,
                &["MIT"],
                "/app/node_modules/@babel/core/package.json",
                &[],
            ),
            package(
                PackageType::Python,
                "",
                "Django",
                "5.0.3",
                None,
                &["BSD-3-Clause"],
                "/usr/lib/python3/site-packages/Django-5.0.3.dist-info/METADATA",
                &["/usr/lib/python3/site-packages/django/__init__.py"],
            ),
            package(
                PackageType::Java,
                "org.apache.logging.log4j",
                "log4j-core",
                "2.14.1",
                None,
                &["Apache License, Version 2.0"],
                "/app/lib/log4j-core-2.14.1.jar",
                &[],
            ),
        ],
    )
}

fn packages_by_name<'a>(document: &'a Value, name: &str) -> Vec<&'a Value> {
    document["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["name"] == name)
        .collect()
}

fn one<'a>(document: &'a Value, name: &str) -> &'a Value {
    let found = packages_by_name(document, name);
    assert_eq!(found.len(), 1, "{name}");
    found[0]
}

/// (from, relationship, to) by package name.
fn relationships(document: &Value) -> BTreeSet<(String, String, String)> {
    let name_of = |id: &str| -> String {
        if id == "SPDXRef-DOCUMENT" {
            return "DOCUMENT".into();
        }
        document["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .find(|p| p["SPDXID"] == id)
            .and_then(|p| p["name"].as_str())
            .unwrap_or_else(|| panic!("relationship to unknown {id}"))
            .to_owned()
    };
    document["relationships"]
        .as_array()
        .expect("relationships")
        .iter()
        .map(|r| {
            (
                name_of(r["spdxElementId"].as_str().expect("from")),
                r["relationshipType"].as_str().expect("type").to_owned(),
                name_of(r["relatedSpdxElement"].as_str().expect("to")),
            )
        })
        .collect()
}

fn rel(from: &str, kind: &str, to: &str) -> (String, String, String) {
    (from.into(), kind.into(), to.into())
}

fn external_refs(package: &Value, kind: &str) -> Vec<String> {
    package["externalRefs"]
        .as_array()
        .map(|refs| {
            refs.iter()
                .filter(|r| r["referenceType"] == kind)
                .filter_map(|r| r["referenceLocator"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_unique_spdx_ids(document: &Value) {
    let ids: Vec<&str> = document["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["SPDXID"].as_str().expect("SPDXID"))
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate SPDXIDs: {ids:?}");
}

fn component<'a>(document: &'a Value, name: &str) -> &'a Value {
    let found: Vec<&Value> = document["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| c["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{name}");
    found[0]
}

fn depends_on(document: &Value, reference: &str) -> BTreeSet<String> {
    document["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .find(|d| d["ref"] == reference)
        .unwrap_or_else(|| panic!("no dependency entry for {reference}"))["dependsOn"]
        .as_array()
        .expect("dependsOn")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect()
}

fn property<'a>(component: &'a Value, name: &str) -> Vec<&'a str> {
    component["properties"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter(|p| p["name"] == name)
                .filter_map(|p| p["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn debian_spdx_has_the_image_os_package_tree_licences_and_refs() {
    let document = spdx_json(&debian());
    assert_eq!(document["spdxVersion"], "SPDX-2.3");
    assert_eq!(document["dataLicense"], "CC0-1.0");
    assert_eq!(document["creationInfo"]["created"], "2026-03-04T05:06:07Z");
    assert_eq!(
        document["creationInfo"]["creators"],
        serde_json::json!(["Organization: kensa", "Tool: kensa-0.1.0"])
    );
    assert_eq!(
        document["documentNamespace"],
        "https://kensa.dev/spdx/image/localhost-5000-kensa-debian-12-5d0c1c5e-3b0a-4f7e-9a7c-0b1e2d3c4f5a"
    );
    assert_unique_spdx_ids(&document);

    let image_name = "localhost:5000/kensa/debian:12";
    let expected: BTreeSet<_> = [
        rel("DOCUMENT", "DESCRIBES", image_name),
        rel(image_name, "CONTAINS", "debian"),
        rel("debian", "CONTAINS", "libc6"),
        rel("debian", "CONTAINS", "libssl3"),
        rel("debian", "CONTAINS", "base-files"),
        rel("debian", "CONTAINS", "tzdata"),
    ]
    .into_iter()
    .collect();
    assert_eq!(relationships(&document), expected);

    let image = one(&document, image_name);
    assert_eq!(image["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(
        external_refs(image, "purl"),
        vec![
            "pkg:oci/debian@sha256%3A2222222222222222222222222222222222222222222222222222222222222222?arch=amd64&repository_url=localhost%3A5000%2Fkensa%2Fdebian"
        ]
    );
    let os = one(&document, "debian");
    assert_eq!(os["primaryPackagePurpose"], "OPERATING_SYSTEM");
    assert_eq!(os["versionInfo"], "12");

    let libc = one(&document, "libc6");
    assert_eq!(libc["primaryPackagePurpose"], "LIBRARY");
    assert_eq!(libc["versionInfo"], "2.36-9+deb12u4");
    assert_eq!(libc["licenseConcluded"], "NOASSERTION");
    assert_eq!(libc["supplier"], "NOASSERTION");
    assert_eq!(libc["downloadLocation"], "NOASSERTION");
    assert_eq!(libc["filesAnalyzed"], false);
    assert_eq!(
        libc["licenseDeclared"],
        "GPL-2.0-or-later AND LGPL-2.1-or-later AND LicenseRef-public-domain"
    );
    assert_eq!(
        libc["sourceInfo"],
        "built package from: glibc 2.36-9+deb12u4"
    );
    assert_eq!(
        external_refs(libc, "purl"),
        vec!["pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"]
    );
    assert_eq!(
        external_refs(libc, "cpe23Type"),
        vec!["cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*"]
    );
    let comments: Vec<&str> = libc["annotations"]
        .as_array()
        .expect("annotations")
        .iter()
        .filter_map(|a| a["comment"].as_str())
        .collect();
    assert!(
        comments.contains(&"LayerDiffID: sha256:bbbb"),
        "{comments:?}"
    );
    assert!(comments.contains(&"FoundBy: dpkg"), "{comments:?}");

    assert_eq!(
        one(&document, "libssl3")["licenseDeclared"],
        "Apache-2.0 AND LicenseRef-Artistic-or-GPL"
    );
    assert_eq!(
        one(&document, "base-files")["licenseDeclared"],
        "LicenseRef-GPL"
    );
    assert_eq!(one(&document, "tzdata")["licenseDeclared"], "NOASSERTION");
    assert!(one(&document, "base-files").get("sourceInfo").is_none());

    // Every LicenseRef used is defined, with the text as the package said it.
    let extracted: Vec<(String, String)> = document["hasExtractedLicensingInfos"]
        .as_array()
        .expect("extracted")
        .iter()
        .map(|e| {
            (
                e["licenseId"].as_str().expect("id").to_owned(),
                e["extractedText"].as_str().expect("text").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        extracted,
        vec![
            (
                "LicenseRef-Artistic-or-GPL".into(),
                "Artistic or GPL".into()
            ),
            ("LicenseRef-GPL".into(), "GPL".into()),
            ("LicenseRef-public-domain".into(), "public-domain".into()),
        ]
    );
}

#[test]
fn debian_cyclonedx_has_components_dependencies_properties_and_evidence() {
    let image = debian();
    let document = cyclonedx_json(&image, &[]);
    assert_eq!(document["specVersion"], "1.6");
    assert_eq!(
        document["serialNumber"],
        "urn:uuid:5d0c1c5e-3b0a-4f7e-9a7c-0b1e2d3c4f5a"
    );
    assert_eq!(
        document["metadata"]["timestamp"],
        "2026-03-04T05:06:07.890Z"
    );
    assert_eq!(
        document["metadata"]["tools"]["components"][0]["name"],
        "kensa"
    );
    assert_eq!(
        document["metadata"]["tools"]["components"][0]["version"],
        "0.1.0"
    );
    let root = &document["metadata"]["component"];
    assert_eq!(root["type"], "container");
    assert_eq!(root["purl"], root["bom-ref"]);
    assert!(document.get("vulnerabilities").is_none());

    let os = component(&document, "debian");
    assert_eq!(os["type"], "operating-system");
    assert_eq!(os["version"], "12");
    let os_ref = os["bom-ref"].as_str().expect("os ref");
    let image_ref = root["bom-ref"].as_str().expect("image ref");
    assert_eq!(
        depends_on(&document, image_ref),
        BTreeSet::from([os_ref.to_owned()])
    );
    let debs: BTreeSet<String> = image
        .catalog
        .packages
        .iter()
        .map(|p| p.purl.clone())
        .collect();
    assert_eq!(depends_on(&document, os_ref), debs);

    let libc = component(&document, "libc6");
    assert_eq!(libc["type"], "library");
    assert_eq!(libc["bom-ref"], libc["purl"]);
    assert_eq!(
        libc["cpe"],
        "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*"
    );
    assert_eq!(
        libc["licenses"],
        serde_json::json!([{"expression": "GPL-2.0-or-later AND LGPL-2.1-or-later AND LicenseRef-public-domain"}])
    );
    assert_eq!(property(libc, "kensa:package:source_name"), vec!["glibc"]);
    assert_eq!(
        property(libc, "kensa:package:source_version"),
        vec!["2.36-9+deb12u4"]
    );
    assert_eq!(
        property(libc, "kensa:package:layer_diff_id"),
        vec!["sha256:bbbb"]
    );
    assert_eq!(property(libc, "kensa:package:type"), vec!["deb"]);
    assert_eq!(
        property(libc, "kensa:package:location"),
        vec!["/var/lib/dpkg/status"]
    );
    assert_eq!(
        libc["evidence"]["occurrences"],
        serde_json::json!([
            {"location": "/usr/lib/x86_64-linux-gnu/libc.so.6"},
            {"location": "/etc/ld.so.conf.d/x.conf"}
        ])
    );
    let libssl = component(&document, "libssl3");
    assert_eq!(
        libssl["licenses"],
        serde_json::json!([
            {"license": {"id": "Apache-2.0"}},
            {"license": {"name": "Artistic or GPL"}}
        ])
    );
    assert!(component(&document, "tzdata").get("licenses").is_none());
}

#[test]
fn alpine_packages_hang_under_the_os() {
    let image = alpine();
    let document = spdx_json(&image);
    assert_unique_spdx_ids(&document);
    let expected: BTreeSet<_> = [
        rel("DOCUMENT", "DESCRIBES", "oci:/srv/images/alpine:3.19"),
        rel("oci:/srv/images/alpine:3.19", "CONTAINS", "alpine"),
        rel("alpine", "CONTAINS", "musl"),
        rel("alpine", "CONTAINS", "ssl_client"),
    ]
    .into_iter()
    .collect();
    assert_eq!(relationships(&document), expected);
    assert_eq!(
        one(&document, "ssl_client")["licenseDeclared"],
        "GPL-2.0-only AND MIT"
    );
    assert_eq!(
        external_refs(one(&document, "musl"), "purl"),
        vec!["pkg:apk/alpine/musl@1.2.4-r2?arch=amd64&distro=3.19.1"]
    );
    assert!(document.get("hasExtractedLicensingInfos").is_none());

    let bom = cyclonedx_json(&image, &[]);
    assert_eq!(
        component(&bom, "musl")["licenses"],
        serde_json::json!([{"license": {"id": "MIT"}}])
    );
    assert_eq!(
        component(&bom, "ssl_client")["licenses"],
        serde_json::json!([{"expression": "GPL-2.0-only AND MIT"}])
    );
}

#[test]
fn without_an_os_the_image_contains_every_language_package() {
    let image = language_only();
    let document = spdx_json(&image);
    assert_unique_spdx_ids(&document);
    assert!(
        document["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .all(|p| p["primaryPackagePurpose"] != "OPERATING_SYSTEM")
    );
    let name = "docker-archive:/tmp/app.tar";
    let expected: BTreeSet<_> = [
        rel("DOCUMENT", "DESCRIBES", name),
        rel(name, "CONTAINS", "github.com/spf13/cobra"),
        rel(name, "CONTAINS", "stdlib"),
        rel(name, "CONTAINS", "core"),
        rel(name, "CONTAINS", "Django"),
        rel(name, "CONTAINS", "log4j-core"),
    ]
    .into_iter()
    .collect();
    assert_eq!(relationships(&document), expected);
    assert_eq!(
        external_refs(one(&document, "core"), "purl"),
        vec!["pkg:npm/%40babel/core@7.24.0"]
    );
    assert_eq!(
        one(&document, "log4j-core")["licenseDeclared"],
        "Apache-2.0",
        "a long-form name with one meaning maps to its ID"
    );
    // A local archive has no repository: the image purl names the file.
    assert_eq!(
        external_refs(one(&document, name), "purl"),
        vec![
            "pkg:oci/app.tar@sha256%3A2222222222222222222222222222222222222222222222222222222222222222?arch=amd64"
        ]
    );

    let bom = cyclonedx_json(&image, &[]);
    let image_ref = bom["metadata"]["component"]["bom-ref"]
        .as_str()
        .expect("ref");
    let all: BTreeSet<String> = image
        .catalog
        .packages
        .iter()
        .map(|p| p.purl.clone())
        .collect();
    assert_eq!(depends_on(&bom, image_ref), all);
    assert_eq!(component(&bom, "core")["group"], "@babel");
    assert_eq!(
        component(&bom, "log4j-core")["group"],
        "org.apache.logging.log4j"
    );
    assert!(component(&bom, "Django").get("group").is_none());
    assert!(
        bom["components"]
            .as_array()
            .expect("components")
            .iter()
            .all(|c| c["type"] == "library")
    );
}

#[test]
fn an_empty_image_is_a_valid_document_with_only_the_image() {
    let empty = Image {
        name: "dir:/tmp/rootfs".into(),
        ..Image::default()
    };
    let document = spdx_json(&empty);
    let packages = document["packages"].as_array().expect("packages");
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["primaryPackagePurpose"], "CONTAINER");
    assert!(
        packages[0].get("externalRefs").is_none(),
        "no digest, no purl"
    );
    assert_eq!(
        relationships(&document),
        BTreeSet::from([rel("DOCUMENT", "DESCRIBES", "dir:/tmp/rootfs")])
    );

    let bom = cyclonedx_json(&empty, &[]);
    assert_eq!(bom["components"], serde_json::json!([]));
    let image_ref = bom["metadata"]["component"]["bom-ref"]
        .as_str()
        .expect("ref");
    assert!(depends_on(&bom, image_ref).is_empty());
    assert!(bom["metadata"]["component"].get("purl").is_none());
}

#[test]
fn duplicate_purls_get_distinct_ids_and_refs() {
    let twin = package(
        PackageType::Npm,
        "",
        "left-pad",
        "1.3.0",
        None,
        &["MIT"],
        "/a/node_modules/left-pad/package.json",
        &[],
    );
    let mut elsewhere = twin.clone();
    elsewhere.location = "/b/node_modules/left-pad/package.json".into();
    let image = image(
        "registry.example/app:1",
        None,
        vec![twin.clone(), elsewhere, twin],
    );
    let document = spdx_json(&image);
    assert_unique_spdx_ids(&document);
    assert_eq!(packages_by_name(&document, "left-pad").len(), 3);
    assert_eq!(
        relationships(&document).len(),
        2,
        "one DESCRIBES and one CONTAINS per distinct name pair"
    );
    assert_eq!(document["relationships"].as_array().expect("rels").len(), 4);

    let bom = cyclonedx_json(&image, &[]);
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| c["bom-ref"].as_str().expect("ref"))
        .collect();
    assert_eq!(refs.len(), 3);
    assert_eq!(refs.iter().collect::<HashSet<_>>().len(), 3, "{refs:?}");
    assert!(refs.contains(&"pkg:npm/left-pad@1.3.0"));
    assert!(
        refs.iter()
            .filter(|r| **r != "pkg:npm/left-pad@1.3.0")
            .all(|r| r.starts_with("pkg:npm/left-pad@1.3.0?package-id=")),
        "{refs:?}"
    );
}

#[test]
fn weird_names_and_licences_still_validate() {
    let mut odd = package(
        PackageType::Python,
        "",
        "pkg with spaces/ü:é",
        "1.0 beta+ü",
        None,
        &["GPL (v2)/ü", "MIT, BSD", "", "LicenseRef-bad_chars", "(MIT"],
        "/odd path/ü/METADATA",
        &["/odd path/ü/file with space", "/odd path/ü/file with space"],
    );
    odd.found_by = "";
    let image = image("weird name/ü:1", None, vec![odd]);
    let document = spdx_json(&image);
    assert_unique_spdx_ids(&document);
    for package in document["packages"].as_array().expect("packages") {
        let id = package["SPDXID"].as_str().expect("id");
        assert!(
            id.strip_prefix("SPDXRef-").is_some_and(|rest| rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')),
            "{id}"
        );
    }
    let declared = one(&document, "pkg with spaces/ü:é")["licenseDeclared"]
        .as_str()
        .expect("declared")
        .to_owned();
    let extracted = document["hasExtractedLicensingInfos"]
        .as_array()
        .expect("extracted");
    let texts: BTreeSet<&str> = extracted
        .iter()
        .filter_map(|e| e["extractedText"].as_str())
        .collect();
    assert_eq!(
        texts,
        BTreeSet::from(["GPL (v2)/ü", "MIT, BSD", "LicenseRef-bad_chars", "(MIT"])
    );
    for entry in extracted {
        let id = entry["licenseId"].as_str().expect("id");
        assert!(declared.contains(id), "{id} unused in {declared}");
    }

    let bom = cyclonedx_json(&image, &[]);
    let component = component(&bom, "pkg with spaces/ü:é");
    assert_eq!(
        component["evidence"]["occurrences"],
        serde_json::json!([{"location": "/odd path/ü/file with space"}]),
        "duplicate files are listed once"
    );
    assert_eq!(component["licenses"].as_array().expect("licences").len(), 4);
}

fn vulnerabilities(image: &Image) -> Vec<CdxVulnerability> {
    let libssl = image
        .catalog
        .packages
        .iter()
        .find(|p| p.name == "libssl3")
        .expect("libssl3");
    let libc = image
        .catalog
        .packages
        .iter()
        .find(|p| p.name == "libc6")
        .expect("libc6");
    vec![
        CdxVulnerability {
            id: "CVE-2024-5535".into(),
            source_name: "debian".into(),
            source_url: Some("https://security-tracker.debian.org/tracker/CVE-2024-5535".into()),
            severity: "HIGH".into(),
            score: Some(9.1),
            vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H".into()),
            method: Some("CVSSv31".into()),
            description: Some("SSL_select_next_proto buffer overread".into()),
            recommendation: Some("Upgrade openssl to 3.0.15-1~deb12u1".into()),
            fixed_versions: vec!["3.0.15-1~deb12u1".into()],
            affects_bom_refs: vec![libssl.purl.clone()],
            state: None,
            justification: None,
            published: Some("2024-06-27T11:15:24Z".into()),
            updated: Some("last tuesday".into()),
        },
        CdxVulnerability {
            id: "CVE-2010-4756".into(),
            source_name: "nvd".into(),
            severity: "medium".into(),
            method: Some("CVSSv2".into()),
            score: Some(4.0),
            affects_bom_refs: vec![libc.purl.clone(), "pkg:deb/debian/not-here@1".into()],
            state: AnalysisState::parse("not_affected"),
            justification: Some("vulnerable_code_not_in_execute_path".into()),
            ..CdxVulnerability::default()
        },
        CdxVulnerability {
            id: "CVE-2010-4756".into(),
            source_name: "osv".into(),
            severity: "whatever".into(),
            affects_bom_refs: vec![libc.purl.clone()],
            state: Some(AnalysisState::InTriage),
            justification: Some("someone is looking".into()),
            ..CdxVulnerability::default()
        },
    ]
}

#[test]
fn cyclonedx_vulnerabilities_with_ratings_affects_and_analysis_validate() {
    let image = debian();
    let findings = vulnerabilities(&image);
    let bom = cyclonedx_json(&image, &findings);
    let entries = bom["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(entries.len(), 3);

    let openssl = &entries[0];
    assert_eq!(openssl["id"], "CVE-2024-5535");
    assert_eq!(openssl["source"]["name"], "debian");
    assert_eq!(openssl["ratings"][0]["severity"], "high");
    assert_eq!(openssl["ratings"][0]["method"], "CVSSv31");
    assert_eq!(openssl["ratings"][0]["score"], 9.1);
    assert_eq!(
        openssl["recommendation"],
        "Upgrade openssl to 3.0.15-1~deb12u1"
    );
    assert_eq!(openssl["published"], "2024-06-27T11:15:24Z");
    assert!(openssl.get("updated").is_none(), "not a date-time: dropped");
    assert!(openssl.get("analysis").is_none());
    let libssl = component(&bom, "libssl3");
    assert_eq!(openssl["affects"][0]["ref"], libssl["bom-ref"]);
    assert_eq!(
        openssl["affects"][0]["versions"][0]["version"],
        "3.0.11-1~deb12u2"
    );
    assert_eq!(
        property(openssl, "kensa:vulnerability:fixed_version"),
        vec!["3.0.15-1~deb12u1"]
    );

    let suppressed = &entries[1];
    assert_eq!(suppressed["analysis"]["state"], "not_affected");
    assert_eq!(
        suppressed["analysis"]["justification"],
        "code_not_reachable"
    );
    assert_eq!(
        suppressed["analysis"]["detail"],
        "vulnerable_code_not_in_execute_path"
    );
    let affected: Vec<&str> = suppressed["affects"]
        .as_array()
        .expect("affects")
        .iter()
        .filter_map(|a| a["ref"].as_str())
        .collect();
    assert_eq!(
        affected,
        vec![
            component(&bom, "libc6")["bom-ref"].as_str().expect("ref"),
            "pkg:deb/debian/not-here@1"
        ]
    );

    let triage = &entries[2];
    assert_eq!(triage["analysis"]["state"], "in_triage");
    assert!(triage["analysis"].get("justification").is_none());
    assert_eq!(triage["analysis"]["detail"], "someone is looking");
    assert_eq!(triage["ratings"][0]["severity"], "unknown");
    assert_ne!(
        triage["bom-ref"], suppressed["bom-ref"],
        "same advisory, two findings"
    );
}

#[test]
fn output_is_deterministic_whatever_the_catalog_order() {
    let forward = debian();
    let mut reversed = debian();
    reversed.catalog.packages.reverse();
    let findings = vulnerabilities(&forward);
    for (a, b) in [
        (
            serde_json::to_string(&spdx::write(&forward, &options())).expect("json"),
            serde_json::to_string(&spdx::write(&reversed, &options())).expect("json"),
        ),
        (
            serde_json::to_string(&cyclonedx::write(&forward, &options(), &findings))
                .expect("json"),
            serde_json::to_string(&cyclonedx::write(&reversed, &options(), &findings))
                .expect("json"),
        ),
    ] {
        assert_eq!(a, b);
    }
    let mut other = options();
    other.document_id = "6d0c1c5e-3b0a-4f7e-9a7c-0b1e2d3c4f5a".into();
    assert_ne!(
        serde_json::to_value(cyclonedx::write(&forward, &options(), &[])).expect("json")["serialNumber"],
        serde_json::to_value(cyclonedx::write(&forward, &other, &[])).expect("json")["serialNumber"],
    );
}

#[test]
fn a_large_file_list_is_capped() {
    let files: Vec<String> = (0..cyclonedx::MAX_OCCURRENCES + 5)
        .map(|i| format!("/usr/share/doc/f{i}"))
        .collect();
    let mut big = package(PackageType::Deb, "", "big", "1", None, &[], "/s", &[]);
    big.files = files;
    let image = image("x", None, vec![big]);
    let bom = serde_json::to_value(cyclonedx::write(&image, &options(), &[])).expect("json");
    assert_eq!(
        component(&bom, "big")["evidence"]["occurrences"]
            .as_array()
            .expect("occurrences")
            .len(),
        cyclonedx::MAX_OCCURRENCES
    );
}

/// The fields Syft and Trivy write for a package are the fields kensa
/// writes (values differ by tool; the shape should not).
#[test]
fn package_fields_match_the_syft_and_trivy_goldens() {
    let Some(syft) = kensa_reference::dir(
        "image/syft/output-golden",
        "syft-spdx-json-image.golden.json",
    ) else {
        return;
    };
    let read = |path: std::path::PathBuf| -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden")).expect("json")
    };
    let ours = spdx_json(&debian());
    let our_package = one(&ours, "libc6");
    let golden = read(syft.join("syft-spdx-json-image.golden.json"));
    for key in [
        "spdxVersion",
        "dataLicense",
        "SPDXID",
        "name",
        "documentNamespace",
    ] {
        assert!(
            golden.get(key).is_some() && ours.get(key).is_some(),
            "{key}"
        );
    }
    let our_image = one(&ours, "localhost:5000/kensa/debian:12");
    for package in golden["packages"].as_array().expect("packages") {
        let (ours_like, what) = if package["primaryPackagePurpose"] == "CONTAINER" {
            (our_image, "the image")
        } else {
            (our_package, "a package")
        };
        for key in package.as_object().expect("object").keys() {
            assert!(
                ours_like.get(key).is_some(),
                "syft writes {key} for {what}, kensa does not"
            );
        }
    }
    assert_eq!(
        our_image["checksums"],
        serde_json::json!([{
            "algorithm": "SHA256",
            "checksumValue": "2222222222222222222222222222222222222222222222222222222222222222"
        }])
    );
    for relationship in golden["relationships"].as_array().expect("relationships") {
        let kind = relationship["relationshipType"].as_str().expect("type");
        assert!(
            ours["relationships"]
                .as_array()
                .expect("ours")
                .iter()
                .any(|r| r["relationshipType"] == kind),
            "{kind}"
        );
    }

    let bom = cyclonedx_json(&debian(), &[]);
    let golden = read(syft.join("syft-cyclonedx-json-image.golden.json"));
    let our_component = component(&bom, "libc6");
    for component in golden["components"].as_array().expect("components") {
        if component["type"] != "library" {
            continue;
        }
        for key in component.as_object().expect("object").keys() {
            assert!(
                our_component.get(key).is_some(),
                "syft writes {key}, kensa does not"
            );
        }
    }
    assert_eq!(
        golden["metadata"]["component"]["type"],
        bom["metadata"]["component"]["type"]
    );

    if let Some(trivy) = kensa_reference::dir("image/trivy/golden", "npm-cyclonedx.json.golden") {
        let golden = read(trivy.join("npm-cyclonedx.json.golden"));
        let ours = cyclonedx_json(&debian(), &vulnerabilities(&debian()));
        let our_vulnerability = &ours["vulnerabilities"][0];
        let theirs = &golden["vulnerabilities"][0];
        for key in [
            "id",
            "source",
            "ratings",
            "description",
            "recommendation",
            "affects",
            "published",
        ] {
            assert!(theirs.get(key).is_some(), "trivy golden lacks {key}");
            assert!(our_vulnerability.get(key).is_some(), "kensa lacks {key}");
        }
        for key in theirs["ratings"][0].as_object().expect("rating").keys() {
            assert!(
                ours["vulnerabilities"][0]["ratings"][0].get(key).is_some(),
                "trivy rates with {key}, kensa does not"
            );
        }
    }
}

/// The validation above can fail: documents broken in ways the writers
/// must never produce are refused, including a licence ID only the
/// referenced `spdx.schema.json` knows is wrong.
#[test]
fn the_schemas_refuse_broken_documents() {
    // The 2.3 schema has no patterns for SPDXIDs and dates (2.3.1 added
    // them); the structural tests above check those.
    let good = spdx_json(&debian());
    let mut missing = good.clone();
    missing["packages"][1]
        .as_object_mut()
        .expect("package")
        .remove("downloadLocation");
    assert!(check(&missing, SPDX_ROOT, SPDX_FILES).is_err());
    let mut unknown_field = good.clone();
    unknown_field["packages"][1]["layer"] = 1.into();
    assert!(check(&unknown_field, SPDX_ROOT, SPDX_FILES).is_err());
    let mut bad_purpose = good;
    bad_purpose["packages"][1]["primaryPackagePurpose"] = "OPERATING-SYSTEM".into();
    assert!(check(&bad_purpose, SPDX_ROOT, SPDX_FILES).is_err());

    let good = cyclonedx_json(&debian(), &[]);
    let mut bad_licence = good.clone();
    bad_licence["components"][1]["licenses"] =
        serde_json::json!([{"license": {"id": "Not-An-SPDX-Licence"}}]);
    assert!(check(&bad_licence, CDX_ROOT, CDX_FILES).is_err());
    let mut bad_serial = good.clone();
    bad_serial["serialNumber"] = "urn:uuid:not-a-uuid".into();
    assert!(check(&bad_serial, CDX_ROOT, CDX_FILES).is_err());
    let mut duplicate = good;
    let first = duplicate["components"][0].clone();
    duplicate["components"]
        .as_array_mut()
        .expect("components")
        .push(first);
    assert!(check(&duplicate, CDX_ROOT, CDX_FILES).is_err());
}

/// The real images `scripts/images/build-fixtures.sh` builds (a debootstrap
/// Debian minbase and a busybox-static umoci layout): their SBOMs validate,
/// list every package once, and give every real licence string a valid
/// SPDX form.
#[test]
fn real_fixture_images_give_valid_sboms() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let read = |reference: String| {
        kensa_image::source::read(
            &reference,
            &kensa_image::source::ReadOptions::default(),
            &mut |_| {},
        )
        .expect("fixture image")
    };
    let debian = read(format!("oci:{}/debian:bookworm", fixtures.display()));
    let busybox = read(format!("oci:{}/busybox", fixtures.display()));
    for image in [&debian, &busybox] {
        let document = spdx_json(image);
        assert_unique_spdx_ids(&document);
        let bom = cyclonedx_json(image, &[]);
        let packages = image.catalog.packages.len();
        assert_eq!(
            document["packages"].as_array().expect("packages").len(),
            packages + 1 + usize::from(image.catalog.os.is_some())
        );
        assert_eq!(
            bom["components"].as_array().expect("components").len(),
            packages + usize::from(image.catalog.os.is_some())
        );
    }
    let document = spdx_json(&debian);
    for package in document["packages"].as_array().expect("packages") {
        let declared = package["licenseDeclared"].as_str().expect("declared");
        let conjuncts: Vec<&str> = declared.split(" AND ").collect();
        let unique: HashSet<&str> = conjuncts.iter().copied().collect();
        assert_eq!(unique.len(), conjuncts.len(), "repeats in {declared}");
    }
    let libc = one(&document, "libc6");
    assert!(
        libc["licenseDeclared"]
            .as_str()
            .is_some_and(|d| d.contains("GPL-2.0-only")),
        "{}",
        libc["licenseDeclared"]
    );
    assert_eq!(
        libc["sourceInfo"]
            .as_str()
            .map(|s| s.starts_with("built package from: glibc ")),
        Some(true)
    );
}

/// The real Debian image scripts/images/build-fixtures.sh builds: both
/// documents validate, with every one of its packages in them.
#[test]
fn the_debian_minbase_image_validates_in_both_formats() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let image = kensa_image::source::read(
        &format!("oci:{}/debian:bookworm", fixtures.display()),
        &kensa_image::source::ReadOptions::default(),
        &mut |_| {},
    )
    .expect("the layout reads");
    let spdx = spdx_json(&image);
    let packages = spdx["packages"].as_array().expect("packages");
    assert_eq!(
        packages.len(),
        image.catalog.packages.len() + 2,
        "image, OS and packages"
    );
    let cyclonedx = cyclonedx_json(&image, &[]);
    assert_eq!(
        cyclonedx["components"]
            .as_array()
            .expect("components")
            .len(),
        image.catalog.packages.len() + 1,
        "OS and packages"
    );
}
