//! PEP 440 ordering, as `packaging.version.Version` orders: epoch, release
//! (trailing zeros ignored), pre-release (`a` < `b` < `rc`), post-release,
//! development release, local label. Alternate spellings normalise as PEP
//! 440 says (`alpha`, `beta`, `c`, `pre`, `preview`, `rev`, `r`, `-N`
//! post releases, `_`/`-`/`.` separators, case).

use std::cmp::Ordering;

/// A local-label segment: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Text(String),
    Number(u64),
}

/// Where a development release without a pre-release sorts: before every
/// pre-release of its release (packaging's trick).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    DevOnly,
    Some(u8, u64),
    None,
}

/// The sort key, field for field as packaging's `_cmpkey`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    epoch: u64,
    release: Vec<u64>,
    pre: Pre,
    /// `None` (no post release) sorts first.
    post: Option<u64>,
    /// `u64::MAX` stands for "no dev release" (sorts last).
    dev: u64,
    /// `None` (no local label) sorts first.
    local: Option<Vec<Local>>,
}

fn digits(s: &str) -> (Option<u64>, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    if end == 0 {
        return (None, s);
    }
    (s[..end].parse().ok(), &s[end..])
}

fn strip_separator(s: &str) -> &str {
    s.strip_prefix(['.', '-', '_']).unwrap_or(s)
}

/// Parses a version into its sort key; `None` when it is not PEP 440.
pub(super) fn parse(version: &str) -> Option<Key> {
    let lower = version.trim().to_ascii_lowercase();
    let mut s = lower.strip_prefix('v').unwrap_or(&lower);
    let (public, local) = match s.split_once('+') {
        Some((public, local)) => (public, Some(local)),
        None => (s, None),
    };
    s = public;

    let mut epoch = 0;
    if let (Some(n), rest) = digits(s)
        && let Some(rest) = rest.strip_prefix('!')
    {
        epoch = n;
        s = rest;
    }
    let mut release = Vec::new();
    loop {
        let (n, rest) = digits(s);
        release.push(n?);
        s = rest;
        match s.strip_prefix('.') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => s = rest,
            _ => break,
        }
    }

    let mut pre = None;
    let candidate = strip_separator(s);
    for (spelling, kind) in [
        ("alpha", 0u8),
        ("beta", 1),
        ("preview", 2),
        ("pre", 2),
        ("rc", 2),
        ("a", 0),
        ("b", 1),
        ("c", 2),
    ] {
        if let Some(rest) = candidate.strip_prefix(spelling) {
            let (n, rest) = digits(strip_separator(rest));
            pre = Some((kind, n.unwrap_or(0)));
            s = rest;
            break;
        }
    }

    let mut post = None;
    if let Some(rest) = s.strip_prefix('-')
        && let (Some(n), rest) = digits(rest)
    {
        post = Some(n);
        s = rest;
    } else {
        let candidate = strip_separator(s);
        for spelling in ["post", "rev", "r"] {
            if let Some(rest) = candidate.strip_prefix(spelling) {
                let (n, rest) = digits(strip_separator(rest));
                post = Some(n.unwrap_or(0));
                s = rest;
                break;
            }
        }
    }

    let mut dev = None;
    let candidate = strip_separator(s);
    if let Some(rest) = candidate.strip_prefix("dev") {
        let (n, rest) = digits(strip_separator(rest));
        dev = Some(n.unwrap_or(0));
        s = rest;
    }
    if !s.is_empty() {
        return None;
    }

    let local = match local {
        None => None,
        Some(label) => {
            let mut parts = Vec::new();
            for part in label.split(['.', '-', '_']) {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                parts.push(match part.parse() {
                    Ok(n) if part.bytes().all(|b| b.is_ascii_digit()) => Local::Number(n),
                    _ => Local::Text(part.to_owned()),
                });
            }
            Some(parts)
        }
    };

    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let pre = match (pre, post, dev) {
        (None, None, Some(_)) => Pre::DevOnly,
        (None, _, _) => Pre::None,
        (Some((kind, n)), _, _) => Pre::Some(kind, n),
    };
    Some(Key {
        epoch,
        release,
        pre,
        post,
        dev: dev.unwrap_or(u64::MAX),
        local,
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
    fn orders_as_packaging() {
        // The ordering example of PEP 440 ("Summary of permitted suffixes
        // and relative ordering"), plus epochs and local labels.
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        super::super::assert_increasing(compare, &chain);
        super::super::assert_equal(
            compare,
            [
                ("1.0", "1.0.0"),
                ("1.0alpha1", "1.0a1"),
                ("1.0-beta.2", "1.0b2"),
                ("1.0c1", "1.0rc1"),
                ("1.0-1", "1.0.post1"),
                ("1.0.rev1", "1.0.post1"),
                ("v2.0", "2.0"),
                ("1.0.DEV1", "1.0.dev1"),
            ],
        );
        for bad in ["", "abc", "1.0foo", "1.0+", "1.0+a..b"] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }
}
