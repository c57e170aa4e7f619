//! Vulnerability matching for `kensa image scan`. Today: the version
//! orderings of the ecosystems whose advisories kensa matches
//! ([`version`]); the database and the matcher come next (issue 7).
#![forbid(unsafe_code)]

pub mod version;
