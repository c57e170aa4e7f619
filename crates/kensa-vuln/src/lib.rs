//! Vulnerability data and matching for `kensa image scan` and `kensa db`.
//!
//! Data flows one way: advisory files are parsed by the importers
//! ([`import::osv`], [`import::alpine`], [`import::debian`]) into
//! [`Advisory`] and [`Vulnerability`] records, stored in the local
//! database ([`db`]), and matched against an image's
//! [`Catalog`](kensa_image::catalog::Catalog) ([`matching`]) using the
//! version order of each ecosystem ([`version`]). [`filter`] and [`vex`]
//! then decide which findings are reported.
//!
//! ```no_run
//! use kensa_vuln::{db, filter, matching};
//! # fn main() -> Result<(), kensa_vuln::Error> {
//! let dir = db::Database::default_dir();
//! db::import(&dir, &["osv.zip".into()], |event| eprintln!("{event}"))?;
//! let database = db::Database::open(&dir)?;
//! let catalog = kensa_image::catalog::Catalog::default();
//! let findings = matching::match_catalog(&database, &catalog)?;
//! let (kept, suppressed) = filter::apply(findings, &filter::Filter::default());
//! # let _ = (kept, suppressed);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod db;
mod error;
pub mod filter;
pub mod import;
pub mod matching;
mod model;
pub mod namespace;
pub mod score;
pub mod version;
pub mod vex;

pub use error::{Error, Result};
pub use model::{Advisory, Cvss, Event, FixState, Range, Severity, Vulnerability};
