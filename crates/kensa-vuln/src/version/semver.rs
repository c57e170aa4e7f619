//! Semantic Versioning 2.0.0 precedence, lenient as the advisory databases
//! need: a leading `v`, and missing minor or patch (`1.2` = `1.2.0`).
//! Build metadata (`+...`) does not count.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq)]
enum Identifier<'a> {
    Numeric(u64),
    Alphanumeric(&'a str),
}

impl Ord for Identifier<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => a.cmp(b),
            (Identifier::Numeric(_), Identifier::Alphanumeric(_)) => Ordering::Less,
            (Identifier::Alphanumeric(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::Alphanumeric(a), Identifier::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed version: the release triple and the pre-release identifiers.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Semver<'a> {
    release: [u64; 3],
    pre: Vec<Identifier<'a>>,
}

impl Ord for Semver<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release.cmp(&other.release).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release comes before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

impl PartialOrd for Semver<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses a version; `None` when it is not one.
pub(super) fn parse(version: &str) -> Option<Semver<'_>> {
    let version = version.trim();
    let version = version.strip_prefix('v').unwrap_or(version);
    let version = version.split_once('+').map_or(version, |(v, _)| v);
    let (release, pre) = match version.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (version, None),
    };
    let mut parts = release.split('.');
    let mut triple = [0u64; 3];
    for (n, slot) in triple.iter_mut().enumerate() {
        match parts.next() {
            Some(part) => *slot = number(part)?,
            None if n > 0 => break,
            None => return None,
        }
    }
    if parts.next().is_some() {
        return None;
    }
    let pre = match pre {
        None => Vec::new(),
        Some(pre) => pre
            .split('.')
            .map(|id| {
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    None
                } else if let Some(n) = number(id) {
                    Some(Identifier::Numeric(n))
                } else {
                    Some(Identifier::Alphanumeric(id))
                }
            })
            .collect::<Option<Vec<_>>>()?,
    };
    Some(Semver {
        release: triple,
        pre,
    })
}

/// Compares two versions; see the module doc.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    super::by_key(a, b, parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_semver_precedence() {
        // The chain from semver.org, 11.4, then leniencies.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1",
            "v1.2.0",
            "2.0.0",
            "10.0.0",
        ];
        super::super::assert_increasing(compare, &chain);
        assert_eq!(compare("1.0.0+build.1", "1.0.0+build.2"), Ordering::Equal);
        assert_eq!(compare("v1.2", "1.2.0"), Ordering::Equal);
        assert!(parse("1.2.3.4").is_none());
        assert!(parse("1.x").is_none());
        assert_eq!(compare("9.9.9", "not a version"), Ordering::Less);
    }
}
