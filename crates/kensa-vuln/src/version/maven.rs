//! Maven version ordering, as Maven's `ComparableVersion` (3.6–3.8
//! behaviour, which most advisory tooling mirrors): the version is split at
//! `.`, `-` and digit/letter changes into a tree of numbers, qualifiers and
//! sub-lists (`-` and a digit/letter change open a sub-list); trailing
//! "null" items (0, release qualifiers, empty lists) are dropped; numbers
//! beat lists and qualifiers; a qualifier meets a list as a one-item list
//! (Maven ranks it below any list, which breaks transitivity). Qualifiers order `alpha` < `beta` <
//! `milestone` < `rc` (= `cr`) < `snapshot` < release (`""`, `ga`,
//! `final`, `release`) < `sp`, then unknown ones alphabetically; `a1`,
//! `b1`, `m1` mean `alpha-1`, `beta-1`, `milestone-1`.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// A number, as its digits without leading zeros (any size).
    Int(String),
    /// A qualifier, already normalised.
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

fn qualifier(text: &str, followed_by_digit: bool) -> Item {
    let mut value = text;
    if followed_by_digit && text.len() == 1 {
        value = match text {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        };
    }
    let value = match value {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(value.to_owned())
}

/// The sortable form of a qualifier: its index among the known ones, or
/// after all of them, alphabetically.
fn comparable(qualifier: &str) -> String {
    match QUALIFIERS.iter().position(|q| *q == qualifier) {
        Some(i) => i.to_string(),
        None => format!("{}-{qualifier}", QUALIFIERS.len()),
    }
}

fn item(text: &str, digits: bool) -> Item {
    if digits {
        let trimmed = text.trim_start_matches('0');
        Item::Int(trimmed.to_owned())
    } else {
        qualifier(text, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(digits) => digits.is_empty(),
            Item::Str(value) => value.is_empty(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// `compareTo`, with `None` for a missing item.
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(digits), None) => {
                if digits.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(value), None) => comparable(value).cmp(&RELEASE_INDEX.to_string()),
            (Item::Str(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::Str(a), Some(Item::Str(b))) => comparable(a).cmp(&comparable(b)),
            // Maven ranks every qualifier below every sub-list, which is not
            // transitive (`11.sp` > `11` > `11-alpha`, yet `11.sp` < `11-alpha`).
            // A qualifier is compared as a one-item list instead: the same
            // answer wherever Maven's order is consistent, a total order
            // everywhere.
            (Item::Str(_), Some(list @ Item::List(_))) => {
                Item::List(vec![self.clone()]).compare(Some(list))
            }
            (Item::List(items), None) => items
                .iter()
                .map(|i| i.compare(None))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(qualifier @ Item::Str(_))) => {
                self.compare(Some(&Item::List(vec![qualifier.clone()])))
            }
            (Item::List(a), Some(Item::List(b))) => {
                for n in 0..a.len().max(b.len()) {
                    let result = match (a.get(n), b.get(n)) {
                        (Some(l), r) => l.compare(r),
                        (None, Some(r)) => r.compare(None).reverse(),
                        (None, None) => Ordering::Equal,
                    };
                    if result != Ordering::Equal {
                        return result;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// Parses into Maven's item tree.
fn parse(version: &str) -> Item {
    let version = version.to_lowercase();
    let chars: Vec<char> = version.chars().collect();
    // The open lists, innermost last; each new list is appended to its
    // parent when it is closed.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut digits = false;
    let mut start = 0;
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    for (i, &c) in chars.iter().enumerate() {
        let list = stack.last_mut().expect("the root list");
        if c == '.' || c == '-' {
            if i == start {
                list.push(Item::Int(String::new()));
            } else {
                list.push(item(&text(start, i), digits));
            }
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !digits && i > start {
                list.push(qualifier(&text(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            digits = true;
        } else {
            if digits && i > start {
                list.push(item(&text(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            digits = false;
        }
    }
    if chars.len() > start {
        let last = item(&text(start, chars.len()), digits);
        stack.last_mut().expect("the root list").push(last);
    }
    // Close the lists from the innermost out, normalising each.
    while stack.len() > 1 {
        let mut inner = stack.pop().expect("an inner list");
        normalize(&mut inner);
        stack.last_mut().expect("a parent").push(Item::List(inner));
    }
    let mut root = stack.pop().expect("the root list");
    normalize(&mut root);
    Item::List(root)
}

/// Compares two Maven versions; see the module doc.
pub(super) fn compare(a: &str, b: &str) -> Ordering {
    parse(a).compare(Some(&parse(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qualifier_meets_a_sub_list_transitively() {
        // Found by the property test in CI: Maven itself orders these in a cycle.
        assert_eq!(compare("11.sp", "11"), Ordering::Greater);
        assert_eq!(compare("11", "11-alpha"), Ordering::Greater);
        assert_eq!(compare("11.sp", "11-alpha"), Ordering::Greater);
        assert_eq!(compare("11.alpha", "11-beta"), Ordering::Less);
    }

    #[test]
    fn orders_as_comparable_version() {
        // From Maven's ComparableVersionTest (VERSIONS_QUALIFIER and
        // VERSIONS_NUMBER), each strictly increasing.
        let qualifiers = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ];
        let numbers = [
            "2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b",
            "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11",
            "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
        ];
        super::super::assert_increasing(compare, &qualifiers);
        super::super::assert_increasing(compare, &numbers);
        super::super::assert_equal(
            compare,
            [
                ("1", "1.0.0"),
                ("1-ga", "1"),
                ("1-final", "1"),
                ("1-release", "1"),
                ("1.0-cr1", "1.0-rc1"),
                ("1a1", "1-alpha-1"),
                ("1.0.RELEASE", "1.0"),
                ("1.0.0.0", "1"),
            ],
        );
    }
}
