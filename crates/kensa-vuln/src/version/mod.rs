//! Version ordering per ecosystem, each as its package manager orders
//! versions (the order a "fixed in" version of an advisory is compared in):
//!
//! | scheme | used for | reference behaviour |
//! |---|---|---|
//! | [`Scheme::Dpkg`] | Debian, Ubuntu, distroless | `dpkg --compare-versions` (epoch, upstream, revision; `~` before everything) |
//! | [`Scheme::Apk`] | Alpine, Wolfi, Chainguard | apk-tools (`_alpha` < `_beta` < `_pre` < `_rc` < release < `_cvs` … `_p`, `-rN`) |
//! | [`Scheme::Rpm`] | RHEL, Fedora, SUSE, … | `rpmvercmp` on epoch, version, release (`~` before, `^` after) |
//! | [`Scheme::Semver`] | npm, Go, Cargo, NuGet, … | SemVer 2.0.0 precedence, lenient about missing parts and a `v` |
//! | [`Scheme::Pep440`] | PyPI | PEP 440 (`packaging.version`): epochs, pre, post, dev, local |
//! | [`Scheme::Maven`] | Maven | Maven's `ComparableVersion` (qualifiers `alpha` < `beta` < `milestone` < `rc` < `snapshot` < release < `sp`) |
//!
//! Every comparison is total: any two strings compare, so a malformed
//! version in an advisory can never panic or make a sort inconsistent.
//! Strings that are not versions of the scheme sort after every valid one,
//! and among themselves bytewise.

mod apk;
mod dpkg;
mod maven;
mod pep440;
mod rpm;
mod semver;

use std::cmp::Ordering;

/// A versioning scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian packages.
    Dpkg,
    /// Alpine packages.
    Apk,
    /// RPM packages.
    Rpm,
    /// Semantic versioning.
    Semver,
    /// Python packages.
    Pep440,
    /// Maven artifacts.
    Maven,
}

impl Scheme {
    /// Compares two versions of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Apk => apk::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Semver => semver::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
            Scheme::Maven => maven::compare(a, b),
        }
    }

    /// Whether `version` is a well-formed version of this scheme.
    pub fn is_valid(self, version: &str) -> bool {
        match self {
            Scheme::Dpkg => dpkg::is_valid(version),
            Scheme::Apk => apk::is_valid(version),
            Scheme::Rpm => !version.is_empty(),
            Scheme::Semver => semver::parse(version).is_some(),
            Scheme::Pep440 => pep440::parse(version).is_some(),
            Scheme::Maven => !version.is_empty(),
        }
    }
}

/// Orders `a` and `b` by `parse`: valid before invalid, invalid bytewise.
fn by_key<'a, K: Ord>(a: &'a str, b: &'a str, parse: impl Fn(&'a str) -> Option<K>) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod properties;

/// Asserts `a < b` (and `b > a`) for each pair.
#[cfg(test)]
fn assert_less<'a>(
    compare: fn(&str, &str) -> Ordering,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (a, b) in pairs {
        assert_eq!(compare(a, b), Ordering::Less, "{a} < {b}");
        assert_eq!(compare(b, a), Ordering::Greater, "{b} > {a}");
    }
}

/// Asserts the versions are in strictly increasing order.
#[cfg(test)]
fn assert_increasing(compare: fn(&str, &str) -> Ordering, chain: &[&str]) {
    assert_less(compare, chain.windows(2).map(|pair| (pair[0], pair[1])));
}

/// Asserts each pair compares equal.
#[cfg(test)]
fn assert_equal<'a>(
    compare: fn(&str, &str) -> Ordering,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (a, b) in pairs {
        assert_eq!(compare(a, b), Ordering::Equal, "{a} = {b}");
    }
}
