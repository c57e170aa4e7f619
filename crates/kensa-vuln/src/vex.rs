//! OpenVEX documents (spec v0.2.0): statements that a vulnerability does
//! not affect, or is fixed in, a product.
//!
//! ```json
//! {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{
//!   "vulnerability": {"name": "CVE-2023-1234", "aliases": ["GHSA-..."]},
//!   "products": [{"@id": "pkg:oci/app?...", "subcomponents": [{"@id": "pkg:deb/debian/openssl"}]}],
//!   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
//! ```
//!
//! A statement applies to a finding when its vulnerability (name, `@id`
//! or an alias) equals the finding's ID or one of its aliases, and a
//! product matches the package: a subcomponent's purl when the product
//! lists subcomponents, else the product's own purl. Purls are compared
//! without qualifiers and subpath; a purl without a version matches every
//! version. A product that is not a purl (an image reference) and lists
//! no subcomponents stands for the whole scanned artifact and matches
//! every package: pass only VEX documents about the image being scanned.
//! When several statements apply, the last one in the document decides
//! (OpenVEX's later statements supersede earlier ones).

use crate::error::{Error, Result};
use crate::matching::Finding;
use serde_json::Value;
use std::path::Path;

/// A statement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexStatus {
    /// `not_affected`: suppresses.
    NotAffected,
    /// `affected`.
    Affected,
    /// `fixed`: suppresses.
    Fixed,
    /// `under_investigation`.
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX name.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether a statement with this status suppresses a finding.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// A product and the components inside it a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VexProduct {
    /// Its `@id`: a purl or an image reference.
    pub id: String,
    /// Purls of subcomponents.
    pub subcomponents: Vec<String>,
}

/// One VEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// The vulnerability's name or `@id`.
    pub vulnerability: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// The products.
    pub products: Vec<VexProduct>,
    /// The status.
    pub status: VexStatus,
    /// Why it is not affected (`component_not_present`, ...).
    pub justification: Option<String>,
    /// The free-text explanation.
    pub impact_statement: Option<String>,
    /// The document it came from (a file name, for reports).
    pub source: String,
}

impl VexStatement {
    /// Whether this statement is about this finding's vulnerability and
    /// package.
    pub fn applies_to(&self, finding: &Finding) -> bool {
        let finding_ids = || std::iter::once(&finding.vulnerability_id).chain(&finding.aliases);
        let names_it = std::iter::once(&self.vulnerability)
            .chain(&self.aliases)
            .filter(|id| !id.is_empty())
            .any(|id| finding_ids().any(|known| known.eq_ignore_ascii_case(id)));
        names_it
            && self.products.iter().any(|product| {
                if !product.subcomponents.is_empty() {
                    product
                        .subcomponents
                        .iter()
                        .any(|purl| purl_matches(purl, &finding.purl))
                } else if product.id.starts_with("pkg:") {
                    purl_matches(&product.id, &finding.purl)
                } else {
                    true
                }
            })
    }
}

/// The last statement that applies to a finding, if it suppresses it.
pub fn suppressing<'a>(
    statements: &'a [VexStatement],
    finding: &Finding,
) -> Option<&'a VexStatement> {
    statements
        .iter()
        .rev()
        .find(|statement| statement.applies_to(finding))
        .filter(|statement| statement.status.suppresses())
}

/// A purl split into what is compared: everything before the version
/// (type lower-cased, `%40` read as `@`), and the version.
fn purl_key(purl: &str) -> (String, Option<String>) {
    let purl = purl.trim();
    let purl = purl.split_once('#').map_or(purl, |(before, _)| before);
    let purl = purl.split_once('?').map_or(purl, |(before, _)| before);
    let purl = purl
        .replace("%40", "@")
        .replace("%2B", "+")
        .replace("%2b", "+");
    // The version is after the last `@` of the last path segment (an npm
    // scope's `@` starts a segment).
    let last_slash = purl.rfind('/').unwrap_or(0);
    let (base, version) = match purl[last_slash..].rfind('@') {
        Some(at) => {
            let at = last_slash + at;
            (purl[..at].to_owned(), Some(purl[at + 1..].to_owned()))
        }
        None => (purl.clone(), None),
    };
    let base = match base.split_once('/') {
        Some((scheme_type, rest)) => format!("{}/{rest}", scheme_type.to_ascii_lowercase()),
        None => base.to_ascii_lowercase(),
    };
    (base, version.filter(|v| !v.is_empty()))
}

/// Whether a statement's purl covers a package's purl.
pub fn purl_matches(statement_purl: &str, package_purl: &str) -> bool {
    let (base, version) = purl_key(statement_purl);
    let (package_base, package_version) = purl_key(package_purl);
    base == package_base
        && match version {
            None => true,
            Some(version) => package_version.is_some_and(|v| v == version),
        }
}

/// Reads an OpenVEX document; `source` names it in errors and reports.
pub fn parse(bytes: &[u8], source: &str) -> Result<Vec<VexStatement>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::parse(
            format!("{source}:{}:{}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let Some(statements) = value.get("statements").and_then(Value::as_array) else {
        return Err(Error::parse(
            source,
            "not an OpenVEX document: no statements list",
        ));
    };
    let mut parsed = Vec::with_capacity(statements.len());
    for (index, statement) in statements.iter().enumerate() {
        let place = format!("{source}: statements[{index}]");
        let (vulnerability, aliases) = match statement.get("vulnerability") {
            // OpenVEX before v0.2.0 gave the name as a string.
            Some(Value::String(name)) => (name.clone(), Vec::new()),
            Some(Value::Object(vulnerability)) => {
                let name = vulnerability
                    .get("name")
                    .or_else(|| vulnerability.get("@id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (name, crate::import::strings(vulnerability.get("aliases")))
            }
            _ => return Err(Error::parse(place, "no vulnerability")),
        };
        if vulnerability.is_empty() && aliases.is_empty() {
            return Err(Error::parse(place, "the vulnerability has no name"));
        }
        let status = match statement.get("status").and_then(Value::as_str) {
            Some("not_affected") => VexStatus::NotAffected,
            Some("affected") => VexStatus::Affected,
            Some("fixed") => VexStatus::Fixed,
            Some("under_investigation") => VexStatus::UnderInvestigation,
            other => {
                return Err(Error::parse(place, format!("unknown status {other:?}")));
            }
        };
        let mut products = Vec::new();
        for product in statement
            .get("products")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let id = match product {
                Value::String(id) => id.clone(),
                other => crate::import::text(other.get("@id")),
            };
            let subcomponents = product
                .get("subcomponents")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|sub| match sub {
                    Value::String(id) => Some(id.clone()),
                    other => other.get("@id").and_then(Value::as_str).map(str::to_owned),
                })
                .collect();
            products.push(VexProduct { id, subcomponents });
        }
        if products.is_empty() {
            return Err(Error::parse(place, "no products"));
        }
        let optional = |key: &str| {
            statement
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        parsed.push(VexStatement {
            vulnerability,
            aliases,
            products,
            status,
            justification: optional("justification"),
            impact_statement: optional("impact_statement"),
            source: source.to_owned(),
        });
    }
    Ok(parsed)
}

/// Reads an OpenVEX file.
pub fn load(path: &Path) -> Result<Vec<VexStatement>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_compare_without_qualifiers_and_versionless_match_all() {
        assert!(purl_matches(
            "pkg:deb/debian/openssl",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        ));
        assert!(purl_matches(
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64"
        ));
        assert!(!purl_matches(
            "pkg:deb/debian/openssl@3.0.11-1~deb12u1",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64"
        ));
        assert!(!purl_matches(
            "pkg:deb/debian/openssl",
            "pkg:deb/debian/openssl-dev@1"
        ));
        assert!(purl_matches(
            "pkg:npm/%40babel/core",
            "pkg:npm/@babel/core@7.0.0"
        ));
        assert!(purl_matches(
            "pkg:NPM/@babel/core@7.0.0",
            "pkg:npm/%40babel/core@7.0.0"
        ));
    }

    #[test]
    fn bad_documents_name_the_file() {
        let error = parse(
            b"{\"statements\": [{\"status\": \"not_affected\"}]}",
            "vex.json",
        )
        .expect_err("no vulnerability");
        assert!(
            error.to_string().starts_with("vex.json: statements[0]"),
            "{error}"
        );
        let error = parse(b"{", "other.json").expect_err("not json");
        assert!(error.to_string().starts_with("other.json:"), "{error}");
        let bad_status = br#"{"statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "x"}], "status": "nope"}]}"#;
        assert!(parse(bad_status, "v.json").is_err());
    }
}
