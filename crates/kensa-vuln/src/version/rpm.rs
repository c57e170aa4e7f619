//! RPM version ordering, as `rpmvercmp` applied to epoch, version and
//! release (`[epoch:]version[-release]`, a missing epoch being 0): runs of
//! digits compare as numbers and beat runs of letters; other characters
//! only separate; `~` sorts before anything (even the end), `^` after the
//! end but before anything else.

use std::cmp::Ordering;

/// `rpmvercmp`.
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let separator = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(separator) {
            i += 1;
        }
        while b.get(j).is_some_and(separator) {
            j += 1;
        }
        let (x, y) = (a.get(i), b.get(j));
        if x == Some(&b'~') || y == Some(&b'~') {
            if x != Some(&b'~') {
                return Ordering::Greater;
            }
            if y != Some(&b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x == Some(&b'^') || y == Some(&b'^') {
            if x.is_none() {
                return Ordering::Less;
            }
            if y.is_none() {
                return Ordering::Greater;
            }
            if x != Some(&b'^') {
                return Ordering::Greater;
            }
            if y != Some(&b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if x.is_none() || y.is_none() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let run = |s: &[u8], k: usize| {
            let mut end = k;
            while s.get(end).is_some_and(|c| {
                if numeric {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_alphabetic()
                }
            }) {
                end += 1;
            }
            end
        };
        let (end_a, end_b) = (run(a, i), run(b, j));
        if end_b == j {
            // One side numeric, the other alphabetic: numbers are newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (&a[i..end_a], &b[j..end_b]);
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                longer => return longer,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            other => return other,
        }
        i = end_a;
        j = end_b;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Epoch, version, release.
fn split(evr: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match evr.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            (epoch.parse().unwrap_or(u64::MAX), rest)
        }
        _ => (0, evr),
    };
    match rest.rsplit_once('-') {
        Some((version, release)) => (epoch, version, release),
        None => (epoch, rest, ""),
    }
}

/// Compares two RPM `[epoch:]version[-release]` strings; see the module doc.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = split(a);
    let (eb, vb, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| rpmvercmp(va, vb))
        .then_with(|| rpmvercmp(ra, rb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_rpmvercmp() {
        // Pairs from rpm's own test suite (rpmvercmp.at), a < b.
        let less = [
            ("1.0", "1.0.1"),
            ("1.0", "2.0"),
            ("2.0", "2.0.1"),
            ("2.0.1", "2.0.1a"),
            ("5.5p1", "5.5p2"),
            ("5.5p1", "5.5p10"),
            ("10xyz", "10.1xyz"),
            ("xyz10", "xyz10.1"),
            ("xyz.4", "8"),
            ("xyz.4", "2"),
            ("5.5p2", "5.6p1"),
            ("5.6p1", "6.5p1"),
            ("6.0", "6.0.rc1"),
            ("10a2", "10b2"),
            ("1.0~rc1", "1.0"),
            ("1.0~rc1", "1.0~rc2"),
            ("1.0~rc1~git123", "1.0~rc1"),
            ("1.0", "1.0^"),
            ("1.0", "1.0^git1"),
            ("1.0^git1", "1.01"),
            ("1.0^20160101", "1.0.1"),
            ("1.0~rc1", "1.0^git1"),
            ("1:1.0", "2:0.1"),
            ("0.9-1.el8", "1:0.1-1.el8"),
            ("2.28-151.el8", "2.28-164.el8"),
        ];
        super::super::assert_less(compare, less);
        super::super::assert_equal(
            compare,
            [
                ("1.0", "1.0"),
                ("1.0010", "1.10"),
                ("2.0", "2_0"),
                ("a+", "a_"),
            ],
        );
    }
}
