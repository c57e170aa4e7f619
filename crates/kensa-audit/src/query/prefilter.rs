//! A necessary condition on raw JSON lines, tested before parsing.
//!
//! Most filter queries keep a small share of a log. Parsing JSON costs far
//! more than searching bytes, so for each positive condition whose values
//! are plain text we require the line to contain that text: a matching
//! event's line always does, because JSON writes such strings verbatim.
//! The test may pass lines the query then rejects; it never rejects a line
//! the query would keep.

use memchr::memmem::Finder;

use super::Condition;

/// Byte tests that every line of a matching event passes.
#[derive(Debug)]
pub struct Prefilter {
    /// Every group must pass; a group passes when any of its finders hits.
    groups: Vec<Vec<Finder<'static>>>,
}

/// The shortest text worth searching for: shorter ones hit almost every
/// line and only cost time.
const MIN_LITERAL: usize = 3;

/// Text that any JSON encoder writes as-is inside a string: printable ASCII
/// without the characters some encoders escape (`"`, `\`, Go's `<>&`, and
/// `/`, which some write as `\/`).
fn json_verbatim(text: &str) -> bool {
    text.bytes().all(|b| {
        (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&' | b'/')
    })
}

/// The longest piece of `text` between slashes (slashes may be escaped).
fn longest_piece(text: &str) -> &str {
    text.split('/')
        .max_by_key(|piece| piece.len())
        .unwrap_or("")
}

impl Prefilter {
    pub(crate) fn for_conditions(conditions: &[Condition]) -> Option<Prefilter> {
        let mut groups = Vec::new();
        for condition in conditions {
            let needles: Option<Vec<Vec<u8>>> = match condition {
                Condition::Glob {
                    field,
                    alternatives,
                    negated: false,
                } if !field.case_insensitive() || matches!(field, super::Field::Verb) => {
                    // Verbs are lower case by definition, so the lower-cased
                    // pattern is what the line holds.
                    alternatives
                        .iter()
                        .map(|glob| {
                            let literal = glob.longest_literal();
                            if glob.is_literal() && json_verbatim(literal) && !literal.is_empty() {
                                Some(format!("\"{literal}\"").into_bytes())
                            } else {
                                let piece = longest_piece(literal);
                                (piece.len() >= MIN_LITERAL && json_verbatim(piece))
                                    .then(|| piece.as_bytes().to_vec())
                            }
                        })
                        .collect()
                }
                Condition::Contains {
                    field,
                    text,
                    negated: false,
                } if !field.case_insensitive() => {
                    let piece = longest_piece(text);
                    (piece.len() >= MIN_LITERAL && json_verbatim(piece))
                        .then(|| vec![piece.as_bytes().to_vec()])
                }
                Condition::Exists {
                    key,
                    negated: false,
                } => {
                    let piece = longest_piece(key);
                    (piece.len() >= MIN_LITERAL && json_verbatim(piece))
                        .then(|| vec![piece.as_bytes().to_vec()])
                }
                _ => None,
            };
            if let Some(needles) = needles
                && !needles.is_empty()
            {
                let finders = needles
                    .into_iter()
                    .map(|needle| Finder::new(&needle).into_owned())
                    .collect();
                groups.push(finders);
            }
        }
        // Rarer needles first would be better still; longer ones are a
        // cheap stand-in for rarer.
        groups.sort_by_key(|group: &Vec<Finder<'static>>| {
            std::cmp::Reverse(group.iter().map(|f| f.needle().len()).min().unwrap_or(0))
        });
        (!groups.is_empty()).then_some(Prefilter { groups })
    }

    /// Whether a line may hold a matching event.
    pub fn may_match(&self, line: &[u8]) -> bool {
        self.groups
            .iter()
            .all(|group| group.iter().any(|finder| finder.find(line).is_some()))
    }
}
