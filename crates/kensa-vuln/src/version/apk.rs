//! Alpine version ordering (apk-tools): `digits{.digits}[letter]
//! {_suffix[digits]}[-rN]`. The first number compares as a number; later
//! components too, unless one starts with `0`, when they compare as
//! strings (as decimal fractions: `1.05` < `1.1`); more components are
//! newer. A letter is newer than none. Pre-release suffixes (`_alpha` <
//! `_beta` < `_pre` < `_rc`) are older than no suffix, post-release ones
//! (`_cvs` < `_svn` < `_git` < `_hg` < `_p`) newer. A missing revision is
//! older than `-r0`.

use std::cmp::Ordering;

/// Suffixes in order; the release (no suffix) sits between `rc` and `cvs`.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
const RELEASE: i8 = 4;

#[derive(Debug, PartialEq, Eq)]
struct Apk<'a> {
    first: u64,
    rest: Vec<&'a str>,
    letter: Option<u8>,
    suffixes: Vec<(i8, u64)>,
    revision: Option<u64>,
}

fn component_cmp(a: &str, b: &str) -> Ordering {
    if a.starts_with('0') || b.starts_with('0') {
        a.cmp(b)
    } else {
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    }
}

impl Ord for Apk<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.first
            .cmp(&other.first)
            .then_with(|| {
                for (a, b) in self.rest.iter().zip(&other.rest) {
                    match component_cmp(a, b) {
                        Ordering::Equal => {}
                        unequal => return unequal,
                    }
                }
                self.rest.len().cmp(&other.rest.len())
            })
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| {
                let n = self.suffixes.len().max(other.suffixes.len());
                for k in 0..n {
                    let release = (RELEASE, 0);
                    let a = self.suffixes.get(k).copied().unwrap_or(release);
                    let b = other.suffixes.get(k).copied().unwrap_or(release);
                    match a.cmp(&b) {
                        Ordering::Equal => {}
                        unequal => return unequal,
                    }
                }
                Ordering::Equal
            })
            .then_with(|| self.revision.cmp(&other.revision))
    }
}

impl PartialOrd for Apk<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn digits(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn parse(version: &str) -> Option<Apk<'_>> {
    let (first, mut s) = digits(version);
    if first.is_empty() {
        return None;
    }
    let first = first.parse().unwrap_or(u64::MAX);
    let mut rest = Vec::new();
    while let Some(after) = s.strip_prefix('.') {
        let (component, after) = digits(after);
        if component.is_empty() {
            return None;
        }
        rest.push(component);
        s = after;
    }
    let mut letter = None;
    if let Some(&c) = s.as_bytes().first()
        && c.is_ascii_lowercase()
    {
        letter = Some(c);
        s = &s[1..];
    }
    let mut suffixes = Vec::new();
    while let Some(after) = s.strip_prefix('_') {
        let (index, name) = SUFFIXES
            .iter()
            .enumerate()
            .filter(|(_, name)| after.starts_with(*name))
            .max_by_key(|(_, name)| name.len())?;
        let (number, after) = digits(&after[name.len()..]);
        let rank = if (index as i8) < RELEASE {
            index as i8
        } else {
            index as i8 + 1
        };
        suffixes.push((rank, number.parse().unwrap_or(0)));
        s = after;
    }
    let mut revision = None;
    if let Some(after) = s.strip_prefix("-r") {
        let (number, after) = digits(after);
        if number.is_empty() {
            return None;
        }
        revision = Some(number.parse().unwrap_or(u64::MAX));
        s = after;
    }
    s.is_empty().then_some(Apk {
        first,
        rest,
        letter,
        suffixes,
        revision,
    })
}

/// Whether `version` is a valid Alpine version.
pub(super) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

/// Compares two Alpine versions; see the module doc.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    super::by_key(a, b, parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_apk() {
        let less = [
            ("1.0", "1.1"),
            ("1.0_alpha1", "1.0_beta1"),
            ("1.0_beta2", "1.0_pre1"),
            ("1.0_pre1", "1.0_rc1"),
            ("1.0_rc1", "1.0"),
            ("1.0", "1.0_p1"),
            ("1.0_cvs1", "1.0_p1"),
            ("1.0", "1.0-r0"),
            ("1.0-r1", "1.0-r10"),
            ("1.0", "1.0a"),
            ("1.0a", "1.0b"),
            ("1.2.3", "1.2.10"),
            ("1.01", "1.1"),
            ("1.05", "1.1"),
            ("1.0", "1.0.1"),
            ("1.0_rc1", "1.0.1"),
            ("3.0.8-r0", "3.0.15-r0"),
            ("1.36.1-r5", "1.36.1-r15"),
            ("2.9", "2.10"),
            ("1.0_p1", "1.0_p1_p1"),
            ("1.0_rc1_pre1", "1.0_rc1"),
        ];
        super::super::assert_less(compare, less);
        assert_eq!(compare("1.0-r0", "1.0-r0"), Ordering::Equal);
    }

    #[test]
    fn validity() {
        for good in [
            "1",
            "1.2.3",
            "1.0a",
            "1.0_rc1",
            "1.0_p20200101-r3",
            "1.0_git20230101",
        ] {
            assert!(is_valid(good), "{good}");
        }
        for bad in ["", "a1", "1.0-x", "1.0_foo", "1..0", "1.0-r", "1.0A"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
