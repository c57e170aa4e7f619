//! Container images for `kensa image`: [`layers`] reads layer tars as
//! streams into one merged, in-memory file index (whiteouts applied in
//! layer order, paths kept inside the image root, decompression capped), so
//! nothing is written to disk; [`catalog`] finds the OS and the packages in
//! that index, one cataloger per file; [`sbom`] writes what was found as
//! SPDX 2.3 or CycloneDX 1.6 JSON.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod image;
pub mod layers;
pub mod sbom;
pub mod source;
