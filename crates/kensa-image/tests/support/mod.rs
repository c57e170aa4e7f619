//! Building layers in tests: tar entries with raw names, as an attacker
//! (or a real image) would write them.
#![allow(dead_code)]

use std::io::{Read, Write};

/// One tar entry: raw name (not checked, as an attacker would write it).
pub enum Item<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    CharDevice(&'a str),
    Zeros(&'a str, u64),
}

pub fn header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    let bytes = name.as_bytes();
    header.as_gnu_mut().expect("gnu").name[..bytes.len()].copy_from_slice(bytes);
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    header
}

pub fn layer(items: &[Item<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for item in items {
        match item {
            Item::File(name, data) => {
                let mut h = header(name, tar::EntryType::Regular, data.len() as u64);
                h.set_cksum();
                builder.append(&h, *data).expect("file");
            }
            Item::Dir(name) => {
                let mut h = header(name, tar::EntryType::Directory, 0);
                h.set_cksum();
                builder.append(&h, std::io::empty()).expect("dir");
            }
            Item::Symlink(name, target) | Item::Hardlink(name, target) => {
                let kind = if matches!(item, Item::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                };
                let mut h = header(name, kind, 0);
                let t = target.as_bytes();
                h.as_gnu_mut().expect("gnu").linkname[..t.len()].copy_from_slice(t);
                h.set_cksum();
                builder.append(&h, std::io::empty()).expect("link");
            }
            Item::CharDevice(name) => {
                let mut h = header(name, tar::EntryType::Char, 0);
                h.set_device_major(1).expect("major");
                h.set_device_minor(3).expect("minor");
                h.set_cksum();
                builder.append(&h, std::io::empty()).expect("device");
            }
            Item::Zeros(name, size) => {
                let mut h = header(name, tar::EntryType::Regular, *size);
                h.set_cksum();
                builder
                    .append(&h, std::io::repeat(0).take(*size))
                    .expect("zeros");
            }
        }
    }
    builder.into_inner().expect("tar")
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}
