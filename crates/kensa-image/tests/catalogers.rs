//! The language, rpm and shipped-SBOM catalogers on layers built here:
//! a Go binary and a cargo-auditable Rust binary compiled by the test, a
//! Python distribution written here and one copied from this machine, npm
//! manifests, a jar and a war built with the zip crate, an rpm database
//! made by `rpm` itself, and a Wolfi-style image whose shipped SBOM repeats
//! its apk database.
//!
//! The Go, Rust and rpm tests need `go` (Debian `golang-go`),
//! `cargo auditable` (`cargo install cargo-auditable`) and `rpmbuild`
//! (Debian `rpm`): without them they say so and pass, except under
//! `CI=true`, where they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use kensa_image::catalog::{self, Catalog, Package, PackageType};
use kensa_image::layers::{FileIndex, Limits};

/// One file of a layer: path, mode and content.
type File<'a> = (&'a str, u32, &'a [u8]);

fn layer(files: &[File<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, mode, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_path(path).expect("path");
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        builder.append(&header, *data).expect("append");
    }
    builder.into_inner().expect("tar")
}

fn catalog_of(layers: &[Vec<u8>]) -> Catalog {
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
    catalog::catalog(&index)
}

fn of_type(catalog: &Catalog, ptype: PackageType) -> Vec<&Package> {
    catalog
        .packages
        .iter()
        .filter(|p| p.ptype == ptype)
        .collect()
}

/// Whether a tool is there; when it is not, the test says so and passes,
/// except under CI=true.
fn have(tool: &str, args: &[&str], apt: &str) -> bool {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "`{tool}` is needed under CI ({apt})"
        );
        eprintln!("skipped: `{tool}` is not installed ({apt})");
    }
    ok
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("spawn");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, content).expect("write");
}

#[test]
fn a_go_binary_shows_its_modules_and_the_stdlib() {
    if !have("go", &["version"], "apt-get install golang-go") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        &root.join("greet/go.mod"),
        "module example.com/greet\n\ngo 1.18\n",
    );
    write(
        &root.join("greet/greet.go"),
        "package greet\n\nfunc Hello() string { return \"hello\" }\n",
    );
    write(
        &root.join("hello/go.mod"),
        "module example.com/hello\n\ngo 1.18\n\nrequire example.com/greet v0.1.0\n\nreplace example.com/greet => ../greet\n",
    );
    write(
        &root.join("hello/main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n",
    );
    let mut build = Command::new("go");
    build
        .args(["build", "-o", "hello", "."])
        .current_dir(root.join("hello"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOPATH", root.join("gopath"));
    if std::env::var_os("HOME").is_none() {
        build.env("GOCACHE", root.join("gocache"));
    }
    run(&mut build);
    let go_version = run(Command::new("go").arg("version"));
    let toolchain = go_version
        .split_whitespace()
        .nth(2)
        .expect("go version go1.N.M os/arch");
    let binary = std::fs::read(root.join("hello/hello")).expect("binary");

    let catalog = catalog_of(&[
        layer(&[("etc/hostname", 0o644, b"x\n")]),
        layer(&[("usr/local/bin/hello", 0o755, &binary)]),
    ]);
    let go: Vec<(&str, &str)> = catalog
        .packages
        .iter()
        .filter(|p| matches!(p.ptype, PackageType::GoModule | PackageType::GoStdlib))
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    // The main module was built outside version control: `(devel)`, left
    // out. The local replacement keeps the required path and version.
    let stdlib = format!("v{}", toolchain.trim_start_matches("go"));
    assert_eq!(
        go,
        [("example.com/greet", "v0.1.0"), ("stdlib", stdlib.as_str())]
    );
    for package in of_type(&catalog, PackageType::GoModule) {
        assert_eq!(
            (package.location.as_str(), package.layer, package.found_by),
            ("usr/local/bin/hello", 1, "go-binary")
        );
    }
    assert!(
        of_type(&catalog, PackageType::GoStdlib)[0]
            .purl
            .starts_with("pkg:golang/stdlib@")
    );

    // The same binary without its exec bit is not read.
    let plain = catalog_of(&[layer(&[("usr/local/bin/hello", 0o644, &binary)])]);
    assert!(plain.packages.is_empty());
}

#[test]
fn a_cargo_auditable_binary_shows_its_registry_crates() {
    if !have(
        "cargo",
        &["auditable", "--version"],
        "cargo install cargo-auditable",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // memchr is a dependency of this workspace, so it is in the local
    // registry cache and the build works offline.
    write(
        &root.join("Cargo.toml"),
        "[package]\nname = \"audited\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nmemchr = \"2\"\n\n[workspace]\n",
    );
    write(
        &root.join("src/main.rs"),
        "fn main() { println!(\"{:?}\", memchr::memchr(b'x', b\"abx\")); }\n",
    );
    run(Command::new("cargo")
        .args(["auditable", "build", "--offline", "--quiet"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("RUSTFLAGS"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let memchr_version = lock
        .split("[[package]]")
        .find(|block| block.contains("name = \"memchr\""))
        .and_then(|block| block.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"'))
        .expect("memchr in Cargo.lock");
    let binary = std::fs::read(root.join("target/debug/audited")).expect("binary");

    let catalog = catalog_of(&[layer(&[("usr/bin/audited", 0o755, &binary)])]);
    let crates: Vec<(&str, &str, &str)> = of_type(&catalog, PackageType::Cargo)
        .into_iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.location.as_str()))
        .collect();
    assert_eq!(crates, [("memchr", memchr_version, "usr/bin/audited")]);
    assert_eq!(
        of_type(&catalog, PackageType::Cargo)[0].purl,
        format!("pkg:cargo/memchr@{memchr_version}")
    );
    assert!(catalog.notes.is_empty(), "{:?}", catalog.notes);
}

#[test]
fn python_dist_info_written_here_and_from_this_machine() {
    let metadata = b"Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.2.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n\nLong description\nLicense: not a header\n";
    let record = b"demo_pkg/__init__.py,sha256=abc,10\ndemo_pkg-1.2.0.dist-info/METADATA,,\n../../../bin/demo,,\n";
    let site = "usr/lib/python3/site-packages";
    let mut files: Vec<(String, u32, Vec<u8>)> = vec![
        (
            format!("{site}/demo_pkg-1.2.0.dist-info/METADATA"),
            0o644,
            metadata.to_vec(),
        ),
        (
            format!("{site}/demo_pkg-1.2.0.dist-info/RECORD"),
            0o644,
            record.to_vec(),
        ),
        (
            format!("{site}/old-0.1.egg-info/PKG-INFO"),
            0o644,
            b"Name: old\nVersion: 0.1\nLicense: BSD\n".to_vec(),
        ),
    ];

    // A real dist-info from this machine, checked against what Python's own
    // importlib.metadata says about it.
    let real = ["/usr/lib/python3/dist-packages"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.extension().is_some_and(|e| e == "dist-info")
                && path.join("METADATA").is_file()
                && path.join("RECORD").is_file()
        });
    let mut expected_real: Option<(String, String, usize)> = None;
    if let Some(real) = &real {
        let oracle = Command::new("python3")
            .args([
                "-c",
                "import importlib.metadata as m, pathlib, sys\n\
                 d = m.PathDistribution(pathlib.Path(sys.argv[1]))\n\
                 print(d.metadata['Name']); print(d.version); print(len(d.files or []))",
            ])
            .arg(real)
            .output()
            .ok()
            .filter(|o| o.status.success());
        if let Some(oracle) = oracle {
            let text = String::from_utf8_lossy(&oracle.stdout).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            if let [name, version, count] = lines[..] {
                expected_real = Some((
                    name.to_owned(),
                    version.to_owned(),
                    count.parse().expect("file count"),
                ));
                let dist_info = real.file_name().expect("name").to_string_lossy();
                for file in ["METADATA", "RECORD"] {
                    files.push((
                        format!("usr/lib/python3/dist-packages/{dist_info}/{file}"),
                        0o644,
                        std::fs::read(real.join(file)).expect("read"),
                    ));
                }
            }
        }
    }
    if expected_real.is_none() {
        eprintln!("no dist-info with METADATA and RECORD on this machine: only the written one");
    }
    let borrowed: Vec<File<'_>> = files
        .iter()
        .map(|(p, m, d)| (p.as_str(), *m, d.as_slice()))
        .collect();
    let catalog = catalog_of(&[layer(&borrowed)]);
    let python = of_type(&catalog, PackageType::Python);

    let demo = python
        .iter()
        .find(|p| p.name == "Demo_Pkg")
        .expect("demo package");
    assert_eq!(demo.version, "1.2.0");
    assert_eq!(demo.licenses, ["MIT License"]);
    assert_eq!(
        demo.files,
        [
            "/usr/lib/python3/site-packages/demo_pkg/__init__.py",
            "/usr/lib/python3/site-packages/demo_pkg-1.2.0.dist-info/METADATA",
            "/usr/bin/demo",
        ]
    );
    assert_eq!(demo.purl, "pkg:pypi/demo-pkg@1.2.0");
    let old = python.iter().find(|p| p.name == "old").expect("egg-info");
    assert_eq!(
        (old.version.as_str(), old.licenses.as_slice()),
        ("0.1", &["BSD".to_owned()][..])
    );

    if let Some((name, version, count)) = expected_real {
        let found = python
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not found in {python:?}"));
        assert_eq!(found.version, version);
        assert_eq!(found.files.len(), count);
        assert!(found.location.starts_with("usr/lib/python3/dist-packages/"));
    }
}

#[test]
fn npm_manifests_scoped_and_unscoped() {
    let catalog = catalog_of(&[
        layer(&[(
            "app/node_modules/left-pad/package.json",
            0o644,
            br#"{"name":"left-pad","version":"1.3.0","license":"WTFPL"}"#,
        )]),
        layer(&[
            (
                "app/node_modules/@babel/core/package.json",
                0o644,
                br#"{"name":"@babel/core","version":"7.24.0","license":{"type":"MIT"}}"#,
            ),
            (
                "app/node_modules/@babel/core/lib/package.json",
                0o644,
                br#"{"type":"module"}"#,
            ),
            (
                "app/node_modules/broken/package.json",
                0o644,
                br#"{"name":"broken"}"#,
            ),
        ]),
    ]);
    let npm: Vec<(&str, &str, &str, &[String], usize)> = of_type(&catalog, PackageType::Npm)
        .into_iter()
        .map(|p| {
            (
                p.namespace.as_str(),
                p.name.as_str(),
                p.version.as_str(),
                p.licenses.as_slice(),
                p.layer,
            )
        })
        .collect();
    assert_eq!(
        npm,
        [
            ("@babel", "core", "7.24.0", &["MIT".to_owned()][..], 1),
            ("", "left-pad", "1.3.0", &["WTFPL".to_owned()][..], 0),
        ]
    );
    assert_eq!(
        of_type(&catalog, PackageType::Npm)[0].purl,
        "pkg:npm/%40babel/core@7.24.0"
    );
    assert_eq!(catalog.notes.len(), 1, "{:?}", catalog.notes);
    assert!(catalog.notes[0].starts_with("app/node_modules/broken/package.json:"));
}

/// A zip archive of (name, content) entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).expect("entry");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("zip").into_inner()
}

#[test]
fn jars_and_a_war_with_a_jar_inside() {
    let library = zip_of(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nBundle-License: Apache-2.0\r\n\r\n",
        ),
        (
            "META-INF/maven/org.example/greeting/pom.properties",
            b"#Generated by Maven\ngroupId=org.example\nartifactId=greeting\nversion=2.1.0\n",
        ),
        ("org/example/Greeting.class", b"\xca\xfe\xba\xbe"),
    ]);
    let manifest_only = zip_of(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nImplementation-Title: plain-tool\r\nImplementation-Version: 0.9\r\n\r\n",
    )]);
    let war = zip_of(&[
        (
            "META-INF/maven/org.example/webapp/pom.properties",
            b"groupId=org.example\nartifactId=webapp\nversion=1.0.0\n",
        ),
        ("WEB-INF/lib/greeting-2.1.0.jar", &library),
        ("WEB-INF/web.xml", b"<web-app/>"),
    ]);
    let catalog = catalog_of(&[layer(&[
        ("opt/app/greeting-2.1.0.jar", 0o644, &library),
        ("opt/app/tool.jar", 0o755, &manifest_only),
        ("opt/app/webapp.war", 0o644, &war),
        ("opt/app/broken.jar", 0o644, b"not a zip"),
    ])]);
    let java: Vec<(&str, &str, &str, &str, &[String])> = of_type(&catalog, PackageType::Java)
        .into_iter()
        .map(|p| {
            (
                p.location.as_str(),
                p.namespace.as_str(),
                p.name.as_str(),
                p.version.as_str(),
                p.licenses.as_slice(),
            )
        })
        .collect();
    let apache = &["Apache-2.0".to_owned()][..];
    assert_eq!(
        java,
        [
            (
                "opt/app/greeting-2.1.0.jar",
                "org.example",
                "greeting",
                "2.1.0",
                apache
            ),
            ("opt/app/tool.jar", "", "plain-tool", "0.9", &[][..]),
            (
                "opt/app/webapp.war",
                "org.example",
                "webapp",
                "1.0.0",
                &[][..]
            ),
            (
                "opt/app/webapp.war:WEB-INF/lib/greeting-2.1.0.jar",
                "org.example",
                "greeting",
                "2.1.0",
                apache
            ),
        ]
    );
    assert_eq!(
        of_type(&catalog, PackageType::Java)[0].purl,
        "pkg:maven/org.example/greeting@2.1.0"
    );
}

/// Builds a noarch rpm from a spec and installs it into a fresh database
/// with `rpm --justdb`; the database directory.
fn rpm_database(root: &Path) -> PathBuf {
    let top = root.join("rpmbuild");
    write(
        &top.join("SPECS/hello.spec"),
        "Name: kensa-hello\nVersion: 1.2.3\nRelease: 4.test\nEpoch: 2\nSummary: A test package\n\
         License: MIT AND BSD-3-Clause\nBuildArch: noarch\n\n%description\nA test package.\n\n\
         %install\nmkdir -p %{buildroot}/usr/share/kensa-hello\n\
         echo hello > %{buildroot}/usr/share/kensa-hello/greeting.txt\n\n\
         %files\n/usr/share/kensa-hello/greeting.txt\n",
    );
    run(Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args(["--define", "_db_backend sqlite", "-bb", "--quiet"])
        .arg(top.join("SPECS/hello.spec")));
    let rpm_file = top.join("RPMS/noarch/kensa-hello-1.2.3-4.test.noarch.rpm");
    let db = root.join("db");
    std::fs::create_dir_all(&db).expect("db dir");
    let rpm = |args: &[&str]| {
        let mut command = Command::new("rpm");
        command
            .args(["--define", "_db_backend sqlite", "--dbpath"])
            .arg(&db)
            .args(args);
        command
    };
    run(&mut rpm(&["--initdb"]));
    run(rpm(&["-i", "--nodeps", "--justdb", "--nosignature"]).arg(&rpm_file));
    db
}

#[test]
fn an_rpm_database_made_by_rpm() {
    if !have("rpmbuild", &["--version"], "apt-get install rpm") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = rpm_database(dir.path());
    let sqlite = std::fs::read(db.join("rpmdb.sqlite")).expect("rpmdb.sqlite");
    let catalog = catalog_of(&[
        layer(&[("etc/hostname", 0o644, b"x\n")]),
        layer(&[("var/lib/rpm/rpmdb.sqlite", 0o644, &sqlite)]),
    ]);
    let rpms = of_type(&catalog, PackageType::Rpm);
    assert_eq!(rpms.len(), 1, "{:?} {:?}", catalog.packages, catalog.notes);
    let package = rpms[0];
    assert_eq!(package.name, "kensa-hello");
    assert_eq!(package.version, "2:1.2.3-4.test");
    assert_eq!(package.arch.as_deref(), Some("noarch"));
    assert_eq!(package.licenses, ["MIT AND BSD-3-Clause"]);
    assert_eq!(
        package.source,
        Some(("kensa-hello".to_owned(), Some("2:1.2.3-4.test".to_owned())))
    );
    assert_eq!(package.files, ["/usr/share/kensa-hello/greeting.txt"]);
    assert_eq!(
        (package.location.as_str(), package.layer, package.found_by),
        ("var/lib/rpm/rpmdb.sqlite", 1, "rpm-db")
    );
    assert!(package.purl.starts_with("pkg:rpm/"));
    assert!(package.purl.contains("epoch=2"));
}

#[test]
fn berkeley_db_and_garbage_rpm_databases_are_notes() {
    let catalog = catalog_of(&[layer(&[
        ("var/lib/rpm/Packages", 0o644, b"\0\0\0\0 a BerkeleyDB file"),
        ("usr/lib/sysimage/rpm/Packages", 0o644, b"another"),
        ("usr/share/rpm/rpmdb.sqlite", 0o644, b"not SQLite at all"),
    ])]);
    assert!(catalog.packages.is_empty());
    assert_eq!(catalog.notes.len(), 2, "{:?}", catalog.notes);
    assert!(
        catalog.notes[0].starts_with("usr/share/rpm/rpmdb.sqlite: not a readable rpm database")
    );
    assert_eq!(catalog.notes[1], "rpm database format BerkeleyDB not read");
}

#[test]
fn a_shipped_sbom_adds_only_what_the_apk_database_lacks() {
    let installed = b"P:glibc\nV:2.39-r1\nA:x86_64\nL:LGPL-2.1-or-later\no:glibc\n\nP:ca-certificates-bundle\nV:20240315-r0\nA:x86_64\nL:MPL-2.0\n\n";
    let spdx = br#"{
      "spdxVersion": "SPDX-2.3",
      "name": "sbom-glibc-2.39-r1",
      "packages": [
        {"SPDXID": "SPDXRef-OperatingSystem", "name": "wolfi", "versionInfo": "20230201"},
        {"SPDXID": "SPDXRef-Package-glibc", "name": "glibc", "versionInfo": "2.39-r1",
         "licenseDeclared": "LGPL-2.1-or-later",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:apk/wolfi/glibc@2.39-r1?arch=x86_64"}]},
        {"SPDXID": "SPDXRef-Package-x-sys", "name": "golang.org/x/sys", "versionInfo": "v0.18.0",
         "licenseDeclared": "NOASSERTION",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
           "referenceLocator": "pkg:golang/golang.org/x/sys@v0.18.0"}]}
      ]
    }"#;
    let catalog = catalog_of(&[
        layer(&[
            ("etc/os-release", 0o644, b"ID=wolfi\nVERSION_ID=20230201\n"),
            ("lib/apk/db/installed", 0o644, installed),
        ]),
        layer(&[
            ("var/lib/db/sbom/glibc-2.39-r1.spdx.json", 0o644, spdx),
            (
                "var/lib/db/sbom/broken.spdx.json",
                0o644,
                b"{\"spdxVersion\":",
            ),
        ]),
    ]);
    let all: Vec<(&str, &str, &str)> = catalog
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.found_by))
        .collect();
    assert_eq!(
        all,
        [
            ("glibc", "2.39-r1", "apk"),
            ("ca-certificates-bundle", "20240315-r0", "apk"),
            ("golang.org/x/sys", "v0.18.0", "shipped-sbom"),
        ]
    );
    let go = &catalog.packages[2];
    assert_eq!(go.ptype, PackageType::GoModule);
    assert_eq!(go.purl, "pkg:golang/golang.org/x/sys@v0.18.0");
    assert!(go.licenses.is_empty());
    assert_eq!(
        (go.location.as_str(), go.layer),
        ("var/lib/db/sbom/glibc-2.39-r1.spdx.json", 1)
    );
    assert_eq!(catalog.notes.len(), 1, "{:?}", catalog.notes);
    assert!(catalog.notes[0].starts_with("var/lib/db/sbom/broken.spdx.json:"));
}

/// An ELF file with one `.dep-v0` section holding `section`, in either
/// class and byte order, padded past the executable size threshold.
fn elf_with_dep_v0(section: &[u8], wide: bool, big_endian: bool) -> Vec<u8> {
    let put = |out: &mut Vec<u8>, value: u64, width: usize| {
        let bytes = value.to_be_bytes();
        let field = &bytes[8 - width..];
        if big_endian {
            out.extend_from_slice(field);
        } else {
            out.extend(field.iter().rev());
        }
    };
    let word = if wide { 8 } else { 4 };
    let (ehsize, shentsize) = if wide { (64, 64) } else { (52, 40) };
    let names = b"\0.dep-v0\0.shstrtab\0";
    let data_at = ehsize;
    let names_at = data_at + section.len();
    let headers_at = names_at + names.len();
    let mut out = vec![0x7f, b'E', b'L', b'F'];
    out.push(if wide { 2 } else { 1 });
    out.push(if big_endian { 2 } else { 1 });
    out.push(1);
    out.resize(16, 0);
    put(&mut out, 2, 2); // e_type: executable
    put(&mut out, 62, 2); // e_machine
    put(&mut out, 1, 4); // e_version
    put(&mut out, 0, word); // e_entry
    put(&mut out, 0, word); // e_phoff
    put(&mut out, headers_at as u64, word); // e_shoff
    put(&mut out, 0, 4); // e_flags
    put(&mut out, ehsize as u64, 2);
    put(&mut out, 0, 2); // e_phentsize
    put(&mut out, 0, 2); // e_phnum
    put(&mut out, shentsize as u64, 2);
    put(&mut out, 3, 2); // e_shnum
    put(&mut out, 2, 2); // e_shstrndx
    assert_eq!(out.len(), ehsize);
    out.extend_from_slice(section);
    out.extend_from_slice(names);
    // (name offset, type, offset, size): null, .dep-v0 (PROGBITS),
    // .shstrtab (STRTAB).
    for (name, kind, offset, size) in [
        (0, 0, 0, 0),
        (1, 1, data_at, section.len()),
        (9, 3, names_at, names.len()),
    ] {
        put(&mut out, name, 4);
        put(&mut out, kind, 4);
        put(&mut out, 0, word); // sh_flags
        put(&mut out, 0, word); // sh_addr
        put(&mut out, offset as u64, word);
        put(&mut out, size as u64, word);
        put(&mut out, 0, 4); // sh_link
        put(&mut out, 0, 4); // sh_info
        put(&mut out, 1, word); // sh_addralign
        put(&mut out, 0, word); // sh_entsize
    }
    out.resize(out.len().max(8192), 0);
    out
}

#[test]
fn a_dep_v0_section_in_either_elf_class_and_byte_order() {
    let json = br#"{"packages":[
        {"name":"tool","version":"0.3.0","source":"local","root":true,"dependencies":[1]},
        {"name":"itoa","version":"1.0.11","source":"crates.io"}]}"#;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(json).expect("zlib");
    let section = encoder.finish().expect("zlib");
    for (wide, big_endian) in [(true, false), (false, true)] {
        let binary = elf_with_dep_v0(&section, wide, big_endian);
        let catalog = catalog_of(&[layer(&[("usr/bin/tool", 0o755, &binary)])]);
        let crates: Vec<(&str, &str, &str)> = catalog
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.found_by))
            .collect();
        assert_eq!(
            crates,
            [("itoa", "1.0.11", "cargo-auditable")],
            "wide {wide}, big-endian {big_endian}"
        );
    }
    // A corrupt section is a note naming the binary.
    let catalog = catalog_of(&[layer(&[(
        "usr/bin/tool",
        0o755,
        &elf_with_dep_v0(b"not zlib", true, false),
    )])]);
    assert!(catalog.packages.is_empty());
    assert!(
        catalog.notes[0].starts_with("usr/bin/tool: .dep-v0"),
        "{:?}",
        catalog.notes
    );
}
