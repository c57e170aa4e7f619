//! Helpers shared by the resource checks: paths of map keys, words of
//! setting names, `name=value` assignments inside ConfigMap values, and
//! whether a value is only a reference or a placeholder.

use std::collections::BTreeMap;

use crate::context::ObjectContext;

/// The path of `key` inside the map at `parent` (`data.password`). Keys that
/// would make the dotted path ambiguous (`nginx.ingress.kubernetes.io/auth-url`,
/// `app.properties`) give the map's own path: the nearest parent that a
/// dotted path can name unambiguously.
pub(crate) fn key_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{parent}.{key}")
    } else {
        parent.to_owned()
    }
}

/// The object's annotations (empty when it has none).
pub(crate) fn annotations<'a>(object: &ObjectContext<'a>) -> Vec<(&'a str, &'a str)> {
    object
        .metadata()
        .annotations
        .as_ref()
        .map(|map: &'a BTreeMap<String, String>| {
            map.iter()
                .map(|(key, value)| (key.as_str(), value.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// The annotations whose key contains `snippet` (case-insensitive): the
/// NGINX ingress controllers' raw configuration snippets
/// (`nginx.ingress.kubernetes.io/configuration-snippet`, `server-snippet`,
/// `auth-snippet`, `nginx.org/location-snippets`, ...).
pub(crate) fn snippet_annotations<'a>(object: &ObjectContext<'a>) -> Vec<(&'a str, &'a str)> {
    annotations(object)
        .into_iter()
        .filter(|(key, _)| key.to_ascii_lowercase().contains("snippet"))
        .collect()
}

/// Whether `word` occurs in `text` with no letter, digit or `_` right before
/// or after it.
pub(crate) fn contains_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_word)
            && !text[at + word.len()..].chars().next().is_some_and(is_word)
    })
}

/// The string entries of the JSON object at `path` of the body, in order
/// (non-string values are left out).
pub(crate) fn string_map<'a>(object: &ObjectContext<'a>, path: &str) -> Vec<(&'a str, &'a str)> {
    object
        .body_at(path)
        .and_then(serde_json::Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The lower-case words of a setting name: split at every character that is
/// not a letter or digit and at camelCase humps, so `dbPassword`,
/// `DB_PASSWORD`, `db.password` and `db-password` all give `db`, `password`,
/// and `bypass` stays one word.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous = None;
            continue;
        }
        let hump =
            c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
        if hump && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
        previous = Some(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// One `name = value` or `name: value` assignment found in a line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment<'a> {
    /// The name before the delimiter (`DB_PASSWORD`, `password`).
    pub name: &'a str,
    /// The value after it, without surrounding quotes; empty when nothing follows.
    pub value: &'a str,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The assignments in one line: every `=` or `:` preceded by a name (letters,
/// digits, `_`, `.`, `-`, optionally quoted) gives one, whose value runs to the
/// closing quote when quoted, else to the next blank, `;`, `&` or `,`. This
/// finds `password: x` in YAML, `PASSWORD=x` in env files, `"password": "x"`
/// in JSON and `Password=x;` inside connection strings and URLs.
pub(crate) fn assignments(line: &str) -> Vec<Assignment<'_>> {
    let mut out = Vec::new();
    for (at, delimiter) in line.char_indices() {
        if delimiter != '=' && delimiter != ':' {
            continue;
        }
        let before = line[..at].trim_end_matches([' ', '\t']);
        let before = before.strip_suffix(['"', '\'']).unwrap_or(before);
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_name_char(c))
            .last()
            .map_or(before.len(), |(i, _)| i);
        let name = &before[start..];
        if name.is_empty() {
            continue;
        }
        let after = line[at + delimiter.len_utf8()..].trim_start_matches([' ', '\t']);
        // `==`, `:=` and `://` are not assignments of a value to this name.
        if after.starts_with('=') || after.starts_with("//") {
            continue;
        }
        let value = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &after[1..];
                inner.find(quote).map_or(inner, |end| &inner[..end])
            }
            _ => after
                .find(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | ','))
                .map_or(after, |end| &after[..end]),
        };
        out.push(Assignment { name, value });
    }
    out
}

/// Whether a value carries no literal data of its own: empty, a boolean or
/// null, a reference that something fills in later (`${VAR}`, `$VAR`,
/// `$(cmd)`, `{{ template }}`, `<%= erb %>`, `%(var)s`, `#{spring}`,
/// `ENC(...)` ciphertext), a `<placeholder>`, or a mask such as `****`.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let value = value.trim().trim_matches(['"', '\'']).trim();
    if value.is_empty() {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "null"
            | "nil"
            | "none"
            | "~"
            | "{}"
            | "[]"
            | "|"
            | ">"
            | "|-"
            | ">-"
    ) {
        return true;
    }
    const REFERENCE_PREFIXES: &[&str] =
        &["$", "{{", "<%", "%(", "#{", "enc(", "vault:", "secretref:"];
    if REFERENCE_PREFIXES
        .iter()
        .any(|prefix| lower.starts_with(prefix))
    {
        return true;
    }
    if value.starts_with('<') && value.ends_with('>') {
        return true;
    }
    let mut chars = value.chars();
    let first = chars.next().unwrap_or(' ');
    value.chars().count() >= 3
        && matches!(first, '*' | 'x' | 'X' | '.' | '#' | '-')
        && chars.all(|c| c == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_humps_and_punctuation() {
        assert_eq!(words("dbPassword"), ["db", "password"]);
        assert_eq!(words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(
            words("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(words("bypass"), ["bypass"]);
        assert_eq!(words("clientSecret2"), ["client", "secret2"]);
        assert_eq!(words("oauth2Token"), ["oauth2", "token"]);
    }

    #[test]
    fn assignments_in_several_syntaxes() {
        let pairs = |line| {
            assignments(line)
                .into_iter()
                .map(|a| (a.name, a.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs("DB_PASSWORD=abc"), [("DB_PASSWORD", "abc")]);
        assert_eq!(pairs("  password: \"a b\""), [("password", "a b")]);
        assert_eq!(pairs(r#"  "token": "t0k", "#), [("token", "t0k")]);
        assert_eq!(
            pairs("Server=db;User Id=sa;Password=p4ss;"),
            [("Server", "db"), ("Id", "sa"), ("Password", "p4ss")]
        );
        assert_eq!(
            pairs("url: https://example.com/x"),
            [("url", "https://example.com/x")]
        );
        assert_eq!(pairs("password:"), [("password", "")]);
        assert!(pairs("no assignment here").is_empty());
    }

    #[test]
    fn placeholders() {
        for value in [
            "",
            "${PASS}",
            "$PASS",
            "{{ .Values.pw }}",
            "<password>",
            "****",
            "true",
            "ENC(abc)",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["hunter2", "abcd1234", "x"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn key_paths() {
        assert_eq!(key_path("data", "password"), "data.password");
        assert_eq!(key_path("data", "app.properties"), "data");
    }
}
