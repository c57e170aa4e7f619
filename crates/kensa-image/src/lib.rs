//! Container images for `kensa image` (issue 7). Today: [`layers`], which
//! reads layer tars as streams into one merged, in-memory file index —
//! whiteouts applied in layer order, paths kept inside the image root,
//! decompression capped — so catalogers can look at an image's files
//! without anything being written to disk; [`catalog`] reads the OS and
//! its package databases from that index.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod layers;
