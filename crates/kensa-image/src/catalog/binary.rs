//! Evidence taken from executables, shared by the Go and cargo-auditable
//! catalogers.
//!
//! The layer reader asks catalogers in order and uses the first one that
//! wants a file, so two catalogers that both read executables cannot each
//! have their own extractor: this module's [`extract`] looks for everything
//! either needs in one pass over the bytes and keeps only that (a few KiB
//! instead of a many-MiB binary):
//!
//! - Go build information: the `\xff Go buildinf:` header, 16-byte aligned.
//!   Go 1.18 and later write the version and module information inline
//!   after the 32-byte header (flag bit 2) as two varint-length-prefixed
//!   strings. Older binaries hold pointers into the data segment instead;
//!   those are recorded as present but not followed (see [`Evidence`]).
//! - cargo-auditable's ELF section `.dep-v0`, zlib-compressed JSON, kept
//!   compressed and decoded by the cargo-auditable cataloger.
//!
//! The kept record is `MAGIC` followed by `tag, u32 little-endian length,
//! bytes` items, so a decoder can tell it from any other kept content.

/// Smallest file worth reading: a linked Go or Rust binary is far larger,
/// and tiny executables (scripts, stubs) are the majority of executables.
pub const MIN_SIZE: u64 = 4096;

/// Starts every kept record.
pub const MAGIC: &[u8] = b"\0kensa-binary-evidence-1\0";

const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
const GO_HEADER_LEN: usize = 32;
/// A Go version string is short; module information can list thousands of
/// dependencies but stays far below this.
const GO_MAX_VERSION: usize = 256;
const GO_MAX_MODINFO: usize = 16 << 20;
/// Compressed `.dep-v0` bytes kept at most.
const MAX_DEP_V0: usize = 4 << 20;

const TAG_GO_VERSION: u8 = 1;
const TAG_GO_MODINFO: u8 = 2;
const TAG_GO_POINTER_FORMAT: u8 = 3;
const TAG_DEP_V0: u8 = 4;

/// Whether a file with this mode and size is an executable worth reading.
pub fn is_candidate(mode: u32, size: u64) -> bool {
    mode & 0o111 != 0 && size >= MIN_SIZE
}

/// What [`extract`] found in one executable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The Go toolchain version (`go1.22.1`), from inline build info.
    pub go_version: Option<String>,
    /// The Go module information (`path`, `mod`, `dep`, `=>` lines).
    pub go_modinfo: Option<String>,
    /// Build info in the pre-1.18 pointer format was found and not read.
    pub go_pointer_format: bool,
    /// The zlib-compressed `.dep-v0` section of a cargo-auditable binary.
    pub cargo_dep_v0: Option<Vec<u8>>,
}

impl Evidence {
    fn is_empty(&self) -> bool {
        self.go_version.is_none()
            && self.go_modinfo.is_none()
            && !self.go_pointer_format
            && self.cargo_dep_v0.is_none()
    }

    /// The compact record kept in the file index.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut item = |tag: u8, bytes: &[u8]| {
            out.push(tag);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        if let Some(version) = &self.go_version {
            item(TAG_GO_VERSION, version.as_bytes());
        }
        if let Some(modinfo) = &self.go_modinfo {
            item(TAG_GO_MODINFO, modinfo.as_bytes());
        }
        if self.go_pointer_format {
            item(TAG_GO_POINTER_FORMAT, &[]);
        }
        if let Some(dep) = &self.cargo_dep_v0 {
            item(TAG_DEP_V0, dep);
        }
        out
    }

    /// Reads a record written by [`Evidence::encode`]; `None` for anything
    /// else (other kept content, a truncated record).
    pub fn decode(bytes: &[u8]) -> Option<Evidence> {
        let mut rest = bytes.strip_prefix(MAGIC)?;
        let mut evidence = Evidence::default();
        while let Some((&tag, after_tag)) = rest.split_first() {
            let len_bytes: [u8; 4] = after_tag.get(..4)?.try_into().ok()?;
            let len = u32::from_le_bytes(len_bytes) as usize;
            let value = after_tag.get(4..4usize.checked_add(len)?)?;
            rest = &after_tag[4 + len..];
            match tag {
                TAG_GO_VERSION => {
                    evidence.go_version = Some(String::from_utf8_lossy(value).into_owned())
                }
                TAG_GO_MODINFO => {
                    evidence.go_modinfo = Some(String::from_utf8_lossy(value).into_owned())
                }
                TAG_GO_POINTER_FORMAT => evidence.go_pointer_format = true,
                TAG_DEP_V0 => evidence.cargo_dep_v0 = Some(value.to_vec()),
                _ => {}
            }
        }
        Some(evidence)
    }
}

/// The [`crate::layers::Extractor`] for executables: the encoded
/// [`Evidence`], or `None` when the file has neither kind.
pub fn extract(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut evidence = Evidence::default();
    go_build_info(bytes, &mut evidence);
    evidence.cargo_dep_v0 = elf_section(bytes, b".dep-v0")
        .filter(|section| section.len() <= MAX_DEP_V0)
        .map(<[u8]>::to_vec);
    (!evidence.is_empty()).then(|| evidence.encode())
}

/// Finds the first aligned Go build-info header and reads what follows it.
fn go_build_info(bytes: &[u8], evidence: &mut Evidence) {
    let Some(start) = (0..bytes.len())
        .step_by(16)
        .find(|&at| bytes.get(at..at + GO_MAGIC.len()) == Some(GO_MAGIC))
    else {
        return;
    };
    let Some(header) = bytes.get(start..start + GO_HEADER_LEN) else {
        return;
    };
    let flags = header[15];
    if flags & 2 == 0 {
        evidence.go_pointer_format = true;
        return;
    }
    let rest = &bytes[start + GO_HEADER_LEN..];
    let Some((version, rest)) = varint_string(rest, GO_MAX_VERSION) else {
        return;
    };
    let Some((modinfo, _)) = varint_string(rest, GO_MAX_MODINFO) else {
        return;
    };
    evidence.go_version = Some(String::from_utf8_lossy(version).into_owned());
    // The linker wraps module information in 16-byte sentinels; a string
    // that does not look wrapped carries no usable module information.
    let modinfo = if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[][..]
    };
    if !modinfo.is_empty() {
        evidence.go_modinfo = Some(String::from_utf8_lossy(modinfo).into_owned());
    }
}

/// An unsigned LEB128 length then that many bytes (at most `max`).
fn varint_string(bytes: &[u8], max: usize) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let len = usize::try_from(len).ok().filter(|&len| len <= max)?;
            let body = bytes.get(i + 1..)?;
            return (body.len() >= len).then(|| body.split_at(len));
        }
    }
    None
}

/// Reads little- or big-endian integers at offsets, `None` past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Reader<'_> {
    fn uint(&self, at: usize, width: usize) -> Option<u64> {
        let field = self.bytes.get(at..at.checked_add(width)?)?;
        let mut value: u64 = 0;
        for i in 0..width {
            let byte = if self.big_endian {
                field[i]
            } else {
                field[width - 1 - i]
            };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    }

    fn usize(&self, at: usize, width: usize) -> Option<usize> {
        usize::try_from(self.uint(at, width)?).ok()
    }
}

/// The contents of the ELF section with this name, when the file is an
/// ELF file (32 or 64 bit, either byte order) that has it.
pub fn elf_section<'a>(bytes: &'a [u8], wanted: &[u8]) -> Option<&'a [u8]> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return None;
    }
    let wide = match bytes.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big_endian = match bytes.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let r = Reader { bytes, big_endian };
    let word = if wide { 8 } else { 4 };
    // Offsets of e_shoff, e_shentsize, e_shnum and e_shstrndx.
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (
            r.usize(0x28, 8)?,
            r.usize(0x3a, 2)?,
            r.usize(0x3c, 2)?,
            r.usize(0x3e, 2)?,
        )
    } else {
        (
            r.usize(0x20, 4)?,
            r.usize(0x2e, 2)?,
            r.usize(0x30, 2)?,
            r.usize(0x32, 2)?,
        )
    };
    let min_entsize = if wide { 0x40 } else { 0x28 };
    if shentsize < min_entsize {
        return None;
    }
    // sh_name at 0, sh_type at 4; sh_offset and sh_size follow sh_flags
    // and sh_addr, which are word-sized.
    let section = |n: usize| -> Option<(usize, u32, &[u8])> {
        let base = shoff.checked_add(n.checked_mul(shentsize)?)?;
        let name = r.usize(base, 4)?;
        let kind = u32::try_from(r.uint(base + 4, 4)?).ok()?;
        let offset = r.usize(base + 8 + 2 * word, word)?;
        let size = r.usize(base + 8 + 3 * word, word)?;
        // SHT_NOBITS occupies no bytes in the file.
        let data = if kind == 8 {
            &[][..]
        } else {
            bytes.get(offset..offset.checked_add(size)?)?
        };
        Some((name, kind, data))
    };
    let (_, _, names) = section(shstrndx)?;
    for n in 0..shnum {
        let Some((name_at, _, data)) = section(n) else {
            continue;
        };
        let Some(name) = names.get(name_at..) else {
            continue;
        };
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        if name == wanted {
            return Some(data);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_inline(version: &str, modinfo: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0u8; 48];
        bytes.extend_from_slice(GO_MAGIC);
        bytes.push(8);
        bytes.push(2);
        bytes.resize(48 + GO_HEADER_LEN, 0);
        bytes.push(version.len() as u8);
        bytes.extend_from_slice(version.as_bytes());
        // Two-byte varint, as a real modinfo of over 127 bytes has.
        bytes.push((modinfo.len() as u8 & 0x7f) | 0x80);
        bytes.push((modinfo.len() >> 7) as u8);
        bytes.extend_from_slice(modinfo);
        bytes
    }

    fn wrapped(modinfo: &str) -> Vec<u8> {
        let mut bytes = vec![b'S'; 16];
        bytes.extend_from_slice(modinfo.as_bytes());
        bytes.extend_from_slice(&[b'E'; 16]);
        bytes
    }

    #[test]
    fn inline_go_build_info_round_trips_through_the_record() {
        let modinfo = "path\texample.com/x\nmod\texample.com/x\t(devel)\t\n".repeat(4);
        let bytes = go_inline("go1.22.1", &wrapped(&modinfo));
        let evidence = Evidence::decode(&extract(&bytes).expect("evidence")).expect("record");
        assert_eq!(evidence.go_version.as_deref(), Some("go1.22.1"));
        assert_eq!(evidence.go_modinfo.as_deref(), Some(modinfo.as_str()));
        assert!(!evidence.go_pointer_format);
    }

    #[test]
    fn unaligned_magic_and_truncated_info_give_nothing_usable() {
        let mut unaligned = vec![0u8; 3];
        unaligned.extend_from_slice(&go_inline("go1.22.1", &wrapped("x\n".repeat(20).as_str())));
        assert_eq!(extract(&unaligned), None);
        let full = go_inline("go1.22.1", &wrapped("path\tx\n".repeat(10).as_str()));
        for cut in 48..full.len() {
            let evidence = extract(&full[..cut]).and_then(|e| Evidence::decode(&e));
            assert!(
                evidence.is_none_or(|e| e.go_modinfo.is_none()),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn pointer_format_is_recorded_not_followed() {
        let mut bytes = vec![0u8; 16];
        bytes.extend_from_slice(GO_MAGIC);
        bytes.extend_from_slice(&[8, 0]);
        bytes.resize(64, 0);
        let evidence = Evidence::decode(&extract(&bytes).expect("evidence")).expect("record");
        assert!(evidence.go_pointer_format);
        assert_eq!(evidence.go_version, None);
    }

    #[test]
    fn records_that_are_cut_short_do_not_decode() {
        let record = Evidence {
            go_version: Some("go1.21.0".into()),
            cargo_dep_v0: Some(vec![1, 2, 3]),
            ..Evidence::default()
        }
        .encode();
        assert!(Evidence::decode(&record).is_some());
        assert_eq!(Evidence::decode(&record[..record.len() - 1]), None);
        assert_eq!(Evidence::decode(b"not a record"), None);
    }

    #[test]
    fn elf_headers_pointing_out_of_the_file_are_rejected() {
        let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
        bytes.resize(0x40, 0);
        bytes[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        bytes[0x3a] = 0x40;
        bytes[0x3c] = 3;
        assert_eq!(elf_section(&bytes, b".dep-v0"), None);
        assert_eq!(elf_section(b"\x7fELF", b".dep-v0"), None);
    }
}
