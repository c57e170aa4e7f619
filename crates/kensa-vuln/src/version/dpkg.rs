//! Debian version ordering, as `dpkg --compare-versions` (Debian Policy
//! 5.6.12): `[epoch:]upstream[-revision]`; the parts compare in turn, each
//! alternating runs of non-digits (compared character by character with `~`
//! before the end, the end before letters, letters before other
//! characters) and runs of digits (compared as numbers).

use std::cmp::Ordering;

struct Parts<'a> {
    epoch: u64,
    upstream: &'a str,
    revision: &'a str,
}

fn split(version: &str) -> Option<Parts<'_>> {
    let version = version.trim();
    let (epoch, rest) = match version.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (epoch.parse().ok()?, rest)
        }
        None => (0, version),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((upstream, revision)) => (upstream, revision),
        None => (rest, ""),
    };
    if upstream.is_empty() || !upstream.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let allowed = |b: u8, extra: &[u8]| b.is_ascii_alphanumeric() || extra.contains(&b);
    if !upstream.bytes().all(|b| allowed(b, b".+~-:"))
        || !revision.bytes().all(|b| allowed(b, b".+~"))
    {
        return None;
    }
    Some(Parts {
        epoch,
        upstream,
        revision,
    })
}

/// Whether `version` is a valid Debian version.
pub(super) fn is_valid(version: &str) -> bool {
    split(version).is_some()
}

/// dpkg's weight of a character in a non-digit run.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Compares two Debian versions; see the module doc.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    match (split(a), split(b)) {
        (Some(x), Some(y)) => x
            .epoch
            .cmp(&y.epoch)
            .then_with(|| verrevcmp(x.upstream, y.upstream))
            .then_with(|| verrevcmp(x.revision, y.revision)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_dpkg() {
        // Each pair: a < b (checked against dpkg --compare-versions lt).
        let less = [
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0+b1"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.0-9", "1.0-10"),
            ("2.30-1", "2.31-13+deb11u5"),
            ("1:0.9", "2:0.1"),
            ("9.9", "1:0.1"),
            ("1.2.3", "1.2.10"),
            ("1.0a", "1.0b"),
            ("1.0", "1.0a"),
            ("1.0~~", "1.0~"),
            ("1.0~", "1.0"),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u8"),
            ("1.1.1n-0+deb11u4", "1.1.1w-0+deb11u1"),
        ];
        super::super::assert_less(compare, less);
        assert_eq!(compare("1.01", "1.1"), Ordering::Equal);
        assert_eq!(compare("0:1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        for bad in ["", "a1.0", "x:1.0", "1.0 2", "1:", "1.0-a b"] {
            assert!(!is_valid(bad), "{bad:?}");
        }
        assert!(is_valid("1:2.3-4ubuntu0.1~esm1"));
        assert_eq!(compare("1.0", "not-a-version"), Ordering::Less);
    }
}
