//! SHA-256 over a stream as it is read, to check blobs against the digests
//! manifests give for them.

use std::io::{self, Read};

use super::SourceError;

/// `sha256:` and the hex digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(7 + bytes.len() * 2);
    out.push_str("sha256:");
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A reader that hashes what passes through it.
pub struct Verifying<R> {
    inner: R,
    context: ring::digest::Context,
}

impl<R: Read> Verifying<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Verifying {
            inner,
            context: ring::digest::Context::new(&ring::digest::SHA256),
        }
    }

    /// Reads what the consumer left (tar padding, a compression trailer)
    /// and compares the digest of everything with `expected`.
    pub fn finish(mut self, expected: &str, location: &str) -> Result<(), SourceError> {
        io::copy(&mut self, &mut io::sink()).map_err(|source| SourceError::Io {
            path: location.into(),
            source,
        })?;
        let actual = hex(self.context.finish().as_ref());
        if actual == expected {
            Ok(())
        } else {
            Err(SourceError::DigestMismatch {
                location: location.to_owned(),
                expected: expected.to_owned(),
                actual,
            })
        }
    }
}

impl<R: Read> Read for Verifying<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.context.update(&buf[..n]);
        Ok(n)
    }
}
