//! The catalogers on layers built here: a distroless Debian image
//! (`status.d`), an Alpine image (os-release through a symlink, the apk
//! database from Trivy's test data), Wolfi, a dpkg `status` from Trivy's
//! test data, and an image with no OS.

mod support;

use kensa_image::catalog::{self, os::Family};
use kensa_image::layers::{FileIndex, Limits};
use support::{Item, layer};

fn index_of(layers: &[Vec<u8>]) -> FileIndex {
    let mut index = FileIndex::new();
    for (n, bytes) in layers.iter().enumerate() {
        index
            .apply_layer(
                &format!("layer{n}"),
                n,
                &bytes[..],
                Limits::default(),
                catalog::keep,
            )
            .expect("layer");
    }
    index
}

/// One database parser's packages and notes.
fn parsed(
    parse: fn(&str, &str, usize, &mut catalog::Found),
    text: &str,
    path: &str,
) -> (Vec<catalog::Package>, Vec<String>) {
    let mut found = catalog::Found::default();
    parse(text, path, 0, &mut found);
    (found.packages, found.notes)
}

const DEBIAN_OS_RELEASE: &[u8] =
    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";

#[test]
fn a_distroless_debian_image_lists_its_handful_of_packages() {
    let index = index_of(&[
        layer(&[
            Item::File("etc/os-release", DEBIAN_OS_RELEASE),
            Item::File(
                "var/lib/dpkg/status.d/base-files",
                b"Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila\n",
            ),
            Item::File("var/lib/dpkg/status.d/base-files.md5sums", b"d41d8cd98f00b204e9800998ecf8427e  etc/issue\n"),
        ]),
        layer(&[Item::File(
            "var/lib/dpkg/status.d/libc6",
            b"Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\nDescription: GNU C Library\n shared libraries\n",
        )]),
    ]);
    let catalog::Catalog {
        os,
        packages,
        notes,
    } = catalog::catalog(&index);
    let os = os.expect("an OS");
    assert_eq!((os.family, os.version.as_str()), (Family::Debian, "12"));
    assert_eq!(
        os.pretty_name.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    let names: Vec<(&str, &str, usize)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.source_name(), p.layer))
        .collect();
    assert_eq!(
        names,
        [("base-files", "base-files", 0), ("libc6", "glibc", 1)]
    );
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn alpine_os_release_through_a_symlink_and_trivys_apk_database() {
    let Some(reference) = kensa_reference::dir("image/trivy/pkgdb-samples", "apk-installed.txt")
    else {
        return;
    };
    let installed = std::fs::read(reference.join("apk-installed.txt")).expect("sample");
    let index = index_of(&[layer(&[
        Item::File(
            "usr/lib/os-release",
            b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n",
        ),
        Item::Symlink("etc/os-release", "../usr/lib/os-release"),
        Item::File("lib/apk/db/installed", &installed),
    ])]);
    let catalog::Catalog {
        os,
        packages,
        notes,
    } = catalog::catalog(&index);
    let os = os.expect("an OS");
    assert_eq!((os.family, os.version.as_str()), (Family::Alpine, "3.20.3"));
    let musl = packages.iter().find(|p| p.name == "musl").expect("musl");
    assert_eq!(musl.version, "1.1.14-r10");
    assert_eq!(musl.source_name(), "musl");
    assert_eq!(musl.licenses, ["MIT"]);
    assert!(
        packages
            .iter()
            .any(|p| p.name == "busybox" && p.version == "1.24.2-r9")
    );
    assert!(packages.iter().all(|p| !p.version.is_empty()));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("invalidPackageWithoutAVersion")),
        "{notes:?}"
    );
}

#[test]
fn trivys_dpkg_status_sample_keeps_installed_packages_with_their_source() {
    let Some(reference) =
        kensa_reference::dir("image/trivy/pkgdb-samples", "dpkg-status-valid.txtar")
    else {
        return;
    };
    let txtar = std::fs::read_to_string(reference.join("dpkg-status-valid.txtar")).expect("sample");
    let status = txtar
        .split("-- var/lib/dpkg/status --\n")
        .nth(1)
        .map(|rest| rest.split("\n-- ").next().unwrap_or(rest))
        .expect("a status section");
    let (packages, _) = parsed(catalog::dpkg::parse, status, "var/lib/dpkg/status");
    let fdisk = packages.iter().find(|p| p.name == "fdisk").expect("fdisk");
    assert_eq!(fdisk.version, "2.31.1-0.4ubuntu3.1");
    assert_eq!(fdisk.source_name(), "util-linux");
    assert_eq!(fdisk.arch.as_deref(), Some("amd64"));
    let stanzas = status
        .split("\n\n")
        .filter(|s| s.contains("Package:"))
        .count();
    let installed = status
        .split("\n\n")
        .filter(|s| {
            s.lines()
                .any(|l| l.starts_with("Status:") && l.ends_with(" installed"))
        })
        .count();
    assert_eq!(packages.len(), installed, "of {stanzas} stanzas");
}

#[test]
fn source_versions_and_removed_packages() {
    let status = "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.15-1~deb12u1\nSource: openssl (3.0.15-1~deb12u1)\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\nStatus: install ok installed\nVersion: 9\n";
    let mut found = catalog::Found::default();
    catalog::dpkg::parse(status, "var/lib/dpkg/status", 2, &mut found);
    let packages = found.packages;
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].source_name(), "openssl");
    assert_eq!(packages[0].source_version(), "3.0.15-1~deb12u1");
    assert_eq!(
        found.notes,
        ["var/lib/dpkg/status:10: a stanza without Package or Version, skipped"]
    );
}

#[test]
fn wolfi_and_no_os() {
    let wolfi = index_of(&[layer(&[Item::File(
        "etc/os-release",
        b"ID=wolfi\nNAME=\"Wolfi\"\n",
    )])]);
    let os = catalog::os::detect(&wolfi).expect("wolfi");
    assert_eq!((os.family, os.version.as_str()), (Family::Wolfi, ""));

    let scratch = index_of(&[layer(&[Item::File("app", b"\x7fELF")])]);
    let catalog::Catalog { os, packages, .. } = catalog::catalog(&scratch);
    assert!(os.is_none() && packages.is_empty());

    let old_debian = index_of(&[layer(&[Item::File("etc/debian_version", b"9.13\n")])]);
    let os = catalog::os::detect(&old_debian).expect("debian");
    assert_eq!((os.family, os.version.as_str()), (Family::Debian, "9.13"));
}

/// Found by the `pkgdb` fuzz target: empty names and versions are records
/// to skip, not packages.
#[test]
fn empty_names_and_versions_are_skipped_with_a_note() {
    let (packages, notes) = parsed(
        catalog::dpkg::parse,
        "Package:\nVersion: 1\n\nPackage: a\nVersion:\n",
        "var/lib/dpkg/status.d/x",
    );
    assert!(packages.is_empty());
    assert_eq!(notes.len(), 2, "{notes:?}");
    let (packages, notes) = parsed(catalog::apk::parse, "P:\nV:1.0\n", "lib/apk/db/installed");
    assert!(packages.is_empty());
    assert_eq!(
        notes,
        ["lib/apk/db/installed:1: a record with an empty package name, skipped"]
    );
}
