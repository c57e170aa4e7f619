//! Crafted layers against the walker: whiteouts, names that try to leave
//! the root, symlink and hard-link escapes, device nodes, a gzip bomb, a
//! layer too large, a truncated tar.

mod support;

use kensa_image::layers::{EntryKind, FileIndex, Keep, LayerError, Limits};
use support::{Item, gzip, layer};

fn apply(index: &mut FileIndex, n: usize, bytes: &[u8]) -> kensa_image::layers::LayerStats {
    index
        .apply_layer(
            &format!("layer{n}"),
            n,
            bytes,
            Limits::default(),
            |p, _, _| {
                if p == "etc/os-release" {
                    Keep::Content
                } else {
                    Keep::Skip
                }
            },
        )
        .expect("layer reads")
}

#[test]
fn whiteouts_delete_what_lower_layers_wrote() {
    let mut index = FileIndex::new();
    apply(
        &mut index,
        0,
        &layer(&[
            Item::Dir("etc"),
            Item::File("etc/os-release", b"ID=debian\n"),
            Item::File("etc/secret", b"x"),
            Item::Dir("var/cache"),
            Item::File("var/cache/a", b"1"),
            Item::File("var/cache/sub/b", b"2"),
            Item::File("opt/keep", b"k"),
        ]),
    );
    let stats = apply(
        &mut index,
        1,
        &gzip(&layer(&[
            Item::File("etc/.wh.secret", b""),
            Item::File("var/cache/.wh..wh..opq", b""),
            Item::File("var/cache/new", b"3"),
            Item::File("etc/os-release", b"ID=wolfi\n"),
        ])),
    );
    assert_eq!(stats.whiteouts, 2);
    assert!(index.get("etc/secret").is_none());
    assert!(index.get("var/cache/a").is_none() && index.get("var/cache/sub/b").is_none());
    assert!(
        index.get("var/cache/new").is_some(),
        "the opaque layer's own files stay"
    );
    assert!(
        index.get("var/cache").is_some(),
        "the directory itself stays"
    );
    assert!(index.get("opt/keep").is_some());
    let release = index.get("/etc/os-release").expect("os-release");
    assert_eq!(release.layer, 1);
    assert_eq!(release.content.as_deref(), Some(&b"ID=wolfi\n"[..]));
    assert!(index.get(".wh.secret").is_none() && index.get("etc/.wh.secret").is_none());
}

#[test]
fn names_outside_the_root_are_brought_inside() {
    let mut index = FileIndex::new();
    let stats = apply(
        &mut index,
        0,
        &layer(&[
            Item::File("../../../../tmp/evil", b"x"),
            Item::File("/etc/passwd", b"root:x:0:0"),
            Item::File("usr/../../bin/sh", b"#!"),
        ]),
    );
    assert_eq!(stats.cleaned_names, 3);
    assert!(index.get("tmp/evil").is_some());
    assert!(index.get("etc/passwd").is_some());
    assert!(index.get("bin/sh").is_some());
    assert!(
        index
            .iter()
            .all(|(path, _)| !path.starts_with('/') && !path.contains(".."))
    );
}

#[test]
fn symlinks_and_hard_links_resolve_inside_the_root() {
    let mut index = FileIndex::new();
    let stats = apply(
        &mut index,
        0,
        &layer(&[
            Item::File("etc/passwd", b"image's own"),
            Item::Symlink("up", "../../../../etc"),
            Item::Symlink("abs", "/etc"),
            Item::Symlink("lib64", "usr/lib"),
            Item::File("usr/lib/libc.so", b"elf"),
            Item::Symlink("loop1", "loop2"),
            Item::Symlink("loop2", "loop1"),
            Item::Hardlink("hl", "../../etc/passwd"),
        ]),
    );
    assert_eq!(stats.cleaned_names, 1, "the hard link's target");
    for through in ["up/passwd", "abs/passwd", "/up/../abs/passwd"] {
        let (path, entry) = index
            .resolve(through)
            .unwrap_or_else(|| panic!("{through}"));
        assert_eq!(path, "etc/passwd", "{through}");
        assert_eq!(entry.kind, EntryKind::File { size: 11 });
    }
    assert_eq!(
        index.resolve("lib64/libc.so").expect("lib").0,
        "usr/lib/libc.so"
    );
    assert!(
        index.resolve("loop1").is_none(),
        "a symlink loop resolves to nothing"
    );
    assert_eq!(
        index.get("hl").expect("hl").kind,
        EntryKind::Hardlink("etc/passwd".into())
    );
    assert_eq!(index.resolve("hl").expect("hl").0, "etc/passwd");
}

#[test]
fn device_nodes_are_indexed_without_content() {
    let mut index = FileIndex::new();
    apply(
        &mut index,
        0,
        &layer(&[
            Item::CharDevice("dev/null"),
            Item::File("etc/os-release", b"ID=x"),
        ]),
    );
    let device = index.get("dev/null").expect("device");
    assert_eq!(device.kind, EntryKind::Other);
    assert!(device.content.is_none());
}

#[test]
fn a_gzip_bomb_is_stopped_and_the_layer_named() {
    let bomb = gzip(&layer(&[Item::Zeros("zeros", 48 << 20)]));
    // Deflate's best is about 1000:1 on zeros: far past the 200:1 cap.
    assert!(bomb.len() < 100 << 10, "the bomb is small: {}", bomb.len());
    let mut index = FileIndex::new();
    let error = index
        .apply_layer("sha256:bomb", 0, &bomb[..], Limits::default(), |_, _, _| {
            Keep::Skip
        })
        .expect_err("the bomb is refused");
    assert!(matches!(error, LayerError::TooLarge { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("sha256:bomb") && text.contains("ratio"),
        "{text}"
    );
}

#[test]
fn a_layer_over_the_size_cap_is_refused() {
    let plain = layer(&[Item::Zeros("big", 3 << 20)]);
    let limits = Limits {
        max_layer_bytes: 2 << 20,
        ..Limits::default()
    };
    let error = FileIndex::new()
        .apply_layer("layer.tar", 0, &plain[..], limits, |_, _, _| Keep::Skip)
        .expect_err("too large");
    assert!(
        error
            .to_string()
            .contains("layer.tar: decompresses to more than 2097152 bytes"),
        "{error}"
    );
}

#[test]
fn a_truncated_layer_is_an_error_naming_it() {
    let whole = layer(&[Item::File("etc/os-release", &[b'x'; 4000])]);
    let error = FileIndex::new()
        .apply_layer(
            "sha256:cut",
            0,
            &whole[..1500],
            Limits::default(),
            |p, _, _| {
                if p == "etc/os-release" {
                    Keep::Content
                } else {
                    Keep::Skip
                }
            },
        )
        .expect_err("truncated");
    assert!(matches!(error, LayerError::Malformed { .. }), "{error}");
    assert!(
        error.to_string().starts_with("layer sha256:cut: "),
        "{error}"
    );
}
