//! The scan that both ConfigMap content checks share: which names and
//! values a ConfigMap's `data` holds.
//!
//! Every `data` entry gives candidates:
//! - the entry's own key with its whole value, when the value is one line
//!   (a key that names a file, whose value runs over several lines, is judged
//!   by the file's content instead: `secret-rotation.yaml` is not a secret);
//! - every `name=value` / `name: value` assignment in every line of the
//!   value (see [`super::support::assignments`]).
//!
//! A check judges the candidates and reports each data key at most once.
//! `binaryData` is not looked at.

use super::support::{Assignment, assignments, key_path, string_map};
use crate::check::Hit;
use crate::context::ObjectContext;

/// A name with its value, found in one `data` entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    /// The setting's name: the data key itself, or a name inside its value.
    pub name: &'a str,
    /// The setting's value.
    pub value: &'a str,
    /// Whether `name` is the data key (rather than a name inside the value).
    pub is_key: bool,
}

/// The hits of a ConfigMap content check: `judge` says, for one candidate,
/// what sensitive thing it holds (e.g. `a password`), if any; `whole` may
/// judge the entry's whole text (for patterns that need no name). One hit per
/// data key, at `data.<key>`.
pub(crate) fn scan(
    object: &ObjectContext<'_>,
    what: &str,
    judge: impl Fn(&Candidate<'_>) -> Option<&'static str>,
    whole: impl Fn(&str) -> Option<&'static str>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (key, value) in string_map(object, "data") {
        let single_line = !value.trim_end().contains('\n');
        let key_candidate = single_line.then_some(Candidate {
            name: key,
            value,
            is_key: true,
        });
        let inner = value
            .lines()
            .flat_map(assignments)
            .map(|Assignment { name, value }| Candidate {
                name,
                value,
                is_key: false,
            });
        let found = key_candidate
            .into_iter()
            .chain(inner)
            .find_map(|candidate| judge(&candidate).map(|reason| (candidate, reason)));
        let message = match found {
            Some((candidate, reason)) if candidate.is_key => format!(
                "{} stores {reason} in key '{key}'; {what}",
                object.describe()
            ),
            Some((candidate, reason)) => format!(
                "{} stores {reason} in key '{key}' (setting '{}'); {what}",
                object.describe(),
                candidate.name
            ),
            None => match whole(value) {
                Some(reason) => format!(
                    "{} stores {reason} in key '{key}'; {what}",
                    object.describe()
                ),
                None => continue,
            },
        };
        hits.push(Hit::at(key_path("data", key), message));
    }
    hits
}

/// Whether `words` names the thing `term` describes and not a setting about
/// it: `term` matches a word (trailing digits ignored, `password2` is
/// `password`), is not directly preceded by a word of `before` (`existingSecret`
/// names a Secret object) and not directly followed by a word of
/// [`NOT_A_VALUE`] (`passwordFile`, `tokenTtl`, `secretName`).
pub(crate) fn names(words: &[String], term: impl Fn(usize, &str) -> bool, before: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, word)| {
        let word = word.trim_end_matches(|c: char| c.is_ascii_digit());
        term(i, word)
            && !(i > 0 && before.contains(&words[i - 1].as_str()))
            && !words
                .get(i + 1)
                .is_some_and(|next| NOT_A_VALUE.contains(&next.as_str()))
    })
}

/// Words that, right after a sensitive word, make the name a setting about
/// the sensitive thing (where it is, how it is checked) rather than the thing.
pub(crate) const NOT_A_VALUE: &[&str] = &[
    "name",
    "names",
    "ref",
    "reference",
    "file",
    "files",
    "path",
    "paths",
    "dir",
    "directory",
    "url",
    "uri",
    "endpoint",
    "length",
    "len",
    "min",
    "max",
    "ttl",
    "timeout",
    "expiry",
    "expiration",
    "expires",
    "lifetime",
    "age",
    "header",
    "policy",
    "policies",
    "type",
    "kind",
    "mount",
    "location",
    "provider",
    "store",
    "source",
    "env",
    "var",
    "field",
    "enabled",
    "enable",
    "disabled",
    "required",
    "rotation",
    "regex",
    "pattern",
    "label",
    "namespace",
    "limit",
    "limits",
    "count",
    "size",
    "hint",
    "prompt",
    "reset",
    "mode",
    "method",
    "format",
    "version",
    "prefix",
    "suffix",
    "interval",
    "period",
    "duration",
    "seconds",
    "secs",
    "strength",
    "complexity",
    "history",
    "template",
    "validation",
    "validator",
    "host",
    "port",
    "server",
    "column",
    "attribute",
    "claim",
    "param",
    "parameter",
    "query",
    "cookie",
];
