//! Licence strings as packages state them, turned into SPDX licence
//! expressions where that can be done without guessing.
//!
//! Packages state licences in many dialects: SPDX expressions (apk, npm,
//! newer Python metadata), Debian `copyright` short names (`GPL-2+`,
//! `BSD-3-clause`, `Expat`), RPM names (`GPLv2+`, `ASL 2.0`) and free text.
//! [`to_spdx`] accepts an expression whose every leaf is a known SPDX
//! licence ID, a `LicenseRef-`, or a short name with one obvious SPDX
//! meaning, and returns it in canonical form. Anything else is `None`, and
//! the writers record the original text as an extracted licence instead.
//!
//! The IDs are the SPDX licence list (3.26.0) as CycloneDX's
//! `spdx.schema.json` enumerates it, so an ID written here is one a
//! CycloneDX validator accepts.

use std::collections::HashMap;
use std::sync::OnceLock;

/// SPDX licence IDs, one a line (deprecated IDs included: they are still
/// valid in expressions).
const LICENSE_IDS: &str = include_str!("license-ids.txt");
/// SPDX licence exception IDs (the right side of `WITH`), one a line.
const EXCEPTION_IDS: &str = include_str!("exception-ids.txt");

/// IDs are matched case-insensitively (SPDX 2.3 Annex D), and written in
/// the list's case.
fn by_lowercase(list: &'static str) -> HashMap<String, &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| (id.to_ascii_lowercase(), id))
        .collect()
}

fn license_ids() -> &'static HashMap<String, &'static str> {
    static IDS: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    IDS.get_or_init(|| by_lowercase(LICENSE_IDS))
}

fn exception_ids() -> &'static HashMap<String, &'static str> {
    static IDS: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    IDS.get_or_init(|| by_lowercase(EXCEPTION_IDS))
}

/// The canonical spelling of an SPDX licence ID, if `id` is one.
pub fn canonical_id(id: &str) -> Option<&'static str> {
    license_ids().get(&id.to_ascii_lowercase()).copied()
}

/// Whether `id` is the idstring of a `LicenseRef-` (letters, digits, `.`
/// and `-`).
fn is_idstring(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// `LicenseRef-x` or `DocumentRef-y:LicenseRef-x`, in canonical case.
fn license_ref(token: &str) -> Option<String> {
    let (document, reference) = match token.split_once(':') {
        Some((document, reference)) => {
            let id = strip_prefix_ignore_case(document, "DocumentRef-")?;
            is_idstring(id).then_some(())?;
            (Some(id), reference)
        }
        None => (None, token),
    };
    let id = strip_prefix_ignore_case(reference, "LicenseRef-")?;
    is_idstring(id).then_some(())?;
    Some(match document {
        Some(document) => format!("DocumentRef-{document}:LicenseRef-{id}"),
        None => format!("LicenseRef-{id}"),
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// Whole-string names with one obvious SPDX meaning that do not parse as
/// an expression (they contain spaces or commas).
fn phrase_alias(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    Some(match lower.as_str() {
        "mit license" | "the mit license" | "mit licence" => "MIT",
        "apache 2.0"
        | "apache license 2.0"
        | "apache license, version 2.0"
        | "asl 2.0"
        | "apache software license 2.0"
        | "apache-2"
        | "apache 2" => "Apache-2.0",
        "public domain" | "public-domain" => "LicenseRef-public-domain",
        "isc license" => "ISC",
        "zlib license" => "Zlib",
        "mozilla public license 2.0" | "mpl 2.0" => "MPL-2.0",
        _ => return None,
    })
}

/// One leaf of an expression in a dialect other than SPDX: Debian
/// `copyright` short names and RPM names.
fn leaf_alias(token: &str) -> Option<String> {
    let lower = token.to_ascii_lowercase();
    let fixed = match lower.as_str() {
        "expat" => Some("MIT"),
        "public-domain" | "pd" => Some("LicenseRef-public-domain"),
        "zlib" => Some("Zlib"),
        "cc0" => Some("CC0-1.0"),
        "psf" | "psfl" => Some("PSF-2.0"),
        "perl" => Some("Artistic-1.0-Perl OR GPL-1.0-or-later"),
        "asl-2.0" | "apache2" => Some("Apache-2.0"),
        _ => None,
    };
    if let Some(fixed) = fixed {
        return Some(fixed.to_owned());
    }
    gnu_alias(&lower)
}

/// `GPL-2`, `GPL-2+`, `GPLv2+`, `LGPL-2.1+`, `AGPL-3`, `GFDL-1.3+`: the GNU
/// licences with a version. A bare version means "only" (Debian's
/// copyright format says so), a `+` "or later".
fn gnu_alias(lower: &str) -> Option<String> {
    // Debian's "no invariant sections" GFDL.
    if let Some(rest) = lower.strip_prefix("gfdl-niv-") {
        let (version, later) = match rest.strip_suffix('+') {
            Some(version) => (version, true),
            None => (rest, false),
        };
        let id = format!(
            "GFDL-{version}-no-invariants-{}",
            if later { "or-later" } else { "only" }
        );
        return canonical_id(&id).map(str::to_owned);
    }
    let (family, rest) = ["lgpl", "agpl", "gfdl", "gpl"]
        .iter()
        .find_map(|family| lower.strip_prefix(family).map(|rest| (*family, rest)))?;
    let rest = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('v'))
        .unwrap_or(rest);
    let (version, later) = match rest.strip_suffix('+') {
        Some(version) => (version, true),
        None => (rest, false),
    };
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let version = if version.contains('.') {
        version.to_owned()
    } else {
        format!("{version}.0")
    };
    let id = format!(
        "{}-{version}-{}",
        family.to_ascii_uppercase(),
        if later { "or-later" } else { "only" }
    );
    canonical_id(&id).map(str::to_owned)
}

/// A parsed licence expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    /// A licence ID or reference, written canonically (an alias may
    /// expand to a parenthesised expression).
    Leaf(String),
    /// `licence WITH exception`.
    With(Box<Expr>, &'static str),
    /// Conjunction.
    And(Vec<Expr>),
    /// Disjunction.
    Or(Vec<Expr>),
}

impl Expr {
    fn render(&self, out: &mut String) {
        match self {
            Expr::Leaf(text) => out.push_str(text),
            Expr::With(license, exception) => {
                license.render(out);
                out.push_str(" WITH ");
                out.push_str(exception);
            }
            Expr::And(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" AND ");
                    }
                    if matches!(part, Expr::Or(_)) {
                        out.push('(');
                        part.render(out);
                        out.push(')');
                    } else {
                        part.render(out);
                    }
                }
            }
            Expr::Or(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    part.render(out);
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if let Some(word) = start.take().and_then(|s| text.get(s..i)) {
                out.push(Token::Word(word));
            }
            match c {
                '(' => out.push(Token::Open),
                ')' => out.push(Token::Close),
                _ => {}
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(word) = start.and_then(|s| text.get(s..)) {
        out.push(Token::Word(word));
    }
    out
}

/// Nesting deeper than this is not a licence; refusing it keeps the
/// recursive parser's stack bounded on hostile input.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }

    fn is_operator(&self, operator: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(operator))
    }

    fn or(&mut self, depth: usize) -> Option<Expr> {
        let mut parts = vec![self.and(depth)?];
        while self.is_operator("OR") {
            self.at += 1;
            parts.push(self.and(depth)?);
        }
        Some(if parts.len() == 1 {
            parts.pop()?
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Option<Expr> {
        let mut parts = vec![self.with(depth)?];
        while self.is_operator("AND") {
            self.at += 1;
            parts.push(self.with(depth)?);
        }
        Some(if parts.len() == 1 {
            parts.pop()?
        } else {
            Expr::And(parts)
        })
    }

    fn with(&mut self, depth: usize) -> Option<Expr> {
        let license = self.simple(depth)?;
        if !self.is_operator("WITH") {
            return Some(license);
        }
        self.at += 1;
        let Some(Token::Word(word)) = self.peek() else {
            return None;
        };
        let exception = exception_ids().get(&word.to_ascii_lowercase()).copied()?;
        self.at += 1;
        // Only a single licence takes an exception.
        match license {
            Expr::Leaf(_) => Some(Expr::With(Box::new(license), exception)),
            _ => None,
        }
    }

    fn simple(&mut self, depth: usize) -> Option<Expr> {
        match self.peek()? {
            Token::Open => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let inner = self.or(depth + 1)?;
                if self.peek() != Some(&Token::Close) {
                    return None;
                }
                self.at += 1;
                Some(inner)
            }
            Token::Close => None,
            Token::Word(word) => {
                let word = *word;
                if ["AND", "OR", "WITH"]
                    .iter()
                    .any(|op| word.eq_ignore_ascii_case(op))
                {
                    return None;
                }
                self.at += 1;
                leaf(word).map(Expr::Leaf)
            }
        }
    }
}

/// One leaf: an SPDX ID (optionally with `+`), a reference, or an alias.
fn leaf(word: &str) -> Option<String> {
    // Before the list: it still holds the deprecated `GPL-2.0` and
    // `LGPL-2.1+`, and the `-only`/`-or-later` IDs replace them.
    if let Some(id) = gnu_alias(&word.to_ascii_lowercase()) {
        return Some(id);
    }
    if let Some(id) = canonical_id(word) {
        return Some(id.to_owned());
    }
    if let Some(reference) = license_ref(word) {
        return Some(reference);
    }
    if let Some(alias) = leaf_alias(word) {
        // An alias that expands to a compound expression is parenthesised
        // so it binds as one leaf.
        return Some(if alias.contains(' ') {
            format!("({alias})")
        } else {
            alias
        });
    }
    let (base, plus) = match word.strip_suffix('+') {
        Some(base) => (base, "+"),
        None => (word, ""),
    };
    if let Some(id) = canonical_id(base).filter(|_| !plus.is_empty()) {
        return Some(format!("{id}+"));
    }
    // `Artistic-2`, `MPL-2`: a major version written without its `.0`.
    let ends_in_major = base
        .rsplit_once('-')
        .is_some_and(|(_, major)| !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()));
    if ends_in_major {
        return canonical_id(&format!("{base}.0")).map(|id| format!("{id}{plus}"));
    }
    None
}

/// The licence as a valid SPDX licence expression in canonical form, or
/// `None` when it is free text or names a licence kensa does not know.
///
/// Debian and RPM short names are mapped where the meaning is plain
/// (`GPL-2+` is `GPL-2.0-or-later`, `Expat` is `MIT`, `public-domain` is
/// `LicenseRef-public-domain`); lowercase `and`/`or`/`with` are accepted
/// and written in upper case.
pub fn to_spdx(text: &str) -> Option<String> {
    let mut out = String::new();
    parse(text)?.render(&mut out);
    Some(out)
}

/// The operands of the top-level `AND` of [`to_spdx`]'s expression (the
/// expression itself when it is not a conjunction), each a valid
/// expression: writers joining several stated licences use them to drop
/// repeats.
pub fn to_spdx_conjuncts(text: &str) -> Option<Vec<String>> {
    let render = |expr: &Expr| {
        let mut out = String::new();
        if matches!(expr, Expr::Or(_)) {
            out.push('(');
            expr.render(&mut out);
            out.push(')');
        } else {
            expr.render(&mut out);
        }
        out
    };
    Some(match parse(text)? {
        Expr::And(parts) => parts.iter().map(render).collect(),
        other => vec![render(&other)],
    })
}

fn parse(text: &str) -> Option<Expr> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(alias) = phrase_alias(text) {
        return Some(Expr::Leaf(alias.to_owned()));
    }
    let mut parser = Parser {
        tokens: tokens(text),
        at: 0,
    };
    let expr = parser.or(0)?;
    (parser.at == parser.tokens.len()).then_some(expr)
}

/// Whether the expression is one licence ID (no operators, no reference,
/// no `+`): what CycloneDX accepts as a `license.id`.
pub fn is_single_id(expression: &str) -> bool {
    canonical_id(expression) == Some(expression)
}

/// `LicenseRef-` plus the text with every character outside
/// `[A-Za-z0-9.-]` replaced by `-`: a reference for free-text licences.
pub fn license_ref_for(text: &str) -> String {
    let mut id = String::from("LicenseRef-");
    let mut last_dash = false;
    for c in text.trim().chars() {
        let keep = c.is_ascii_alphanumeric() || c == '.';
        if keep {
            id.push(c);
            last_dash = false;
        } else if !last_dash {
            id.push('-');
            last_dash = true;
        }
    }
    if id.len() == "LicenseRef-".len() {
        id.push_str("unknown");
    }
    id
}

/// The `LicenseRef-` names an expression uses (without document prefixes).
pub fn license_refs(expression: &str) -> Vec<&str> {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| w.starts_with("LicenseRef-"))
        .collect()
}

/// Joins conjuncts with `AND`; a single parenthesised disjunction loses
/// its parentheses, which only an `AND` around it would need.
pub fn join_conjuncts(parts: &[String]) -> String {
    if let [only] = parts
        && let Some(inner) = only.strip_prefix('(').and_then(|o| o.strip_suffix(')'))
        && to_spdx(inner).as_deref() == Some(inner)
    {
        return inner.to_owned();
    }
    parts.join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_ids_are_accepted_in_canonical_case() {
        assert_eq!(to_spdx("MIT").as_deref(), Some("MIT"));
        assert_eq!(to_spdx("apache-2.0").as_deref(), Some("Apache-2.0"));
        assert_eq!(to_spdx("bsd-3-clause").as_deref(), Some("BSD-3-Clause"));
        assert_eq!(to_spdx("  0BSD ").as_deref(), Some("0BSD"));
    }

    #[test]
    fn debian_short_names_map_to_spdx() {
        assert_eq!(to_spdx("GPL-2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(to_spdx("GPL-2").as_deref(), Some("GPL-2.0-only"));
        assert_eq!(to_spdx("LGPL-2.1+").as_deref(), Some("LGPL-2.1-or-later"));
        assert_eq!(to_spdx("GFDL-1.3+").as_deref(), Some("GFDL-1.3-or-later"));
        assert_eq!(to_spdx("BSD-3-clause").as_deref(), Some("BSD-3-Clause"));
        assert_eq!(to_spdx("Expat").as_deref(), Some("MIT"));
        assert_eq!(
            to_spdx("public-domain").as_deref(),
            Some("LicenseRef-public-domain")
        );
        assert_eq!(
            to_spdx("Perl").as_deref(),
            Some("(Artistic-1.0-Perl OR GPL-1.0-or-later)")
        );
    }

    #[test]
    fn more_debian_forms_map_to_spdx() {
        assert_eq!(
            to_spdx("GFDL-NIV-1.3+").as_deref(),
            Some("GFDL-1.3-no-invariants-or-later")
        );
        assert_eq!(
            to_spdx("GFDL-NIV-1.2").as_deref(),
            Some("GFDL-1.2-no-invariants-only")
        );
        assert_eq!(to_spdx("Artistic-2").as_deref(), Some("Artistic-2.0"));
        assert_eq!(to_spdx("MPL-2+").as_deref(), Some("MPL-2.0+"));
        assert_eq!(to_spdx("GFDL-NIV-9"), None);
        assert_eq!(to_spdx("Nonsense-2"), None);
    }

    #[test]
    fn conjuncts_split_the_top_level_and_only() {
        assert_eq!(
            to_spdx_conjuncts("GPL-2+ and (MIT or Zlib) and BSD-3-clause"),
            Some(vec![
                "GPL-2.0-or-later".to_owned(),
                "(MIT OR Zlib)".to_owned(),
                "BSD-3-Clause".to_owned()
            ])
        );
        assert_eq!(
            to_spdx_conjuncts("MIT OR Zlib"),
            Some(vec!["(MIT OR Zlib)".to_owned()])
        );
        assert_eq!(to_spdx_conjuncts("MIT"), Some(vec!["MIT".to_owned()]));
        assert_eq!(to_spdx_conjuncts("see COPYING"), None);
    }

    #[test]
    fn rpm_names_map_to_spdx() {
        assert_eq!(to_spdx("GPLv2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(to_spdx("LGPLv3").as_deref(), Some("LGPL-3.0-only"));
        assert_eq!(to_spdx("ASL 2.0").as_deref(), Some("Apache-2.0"));
    }

    #[test]
    fn a_gnu_version_that_does_not_exist_is_not_invented() {
        assert_eq!(to_spdx("GPL-9+"), None);
        assert_eq!(to_spdx("GPL"), None);
        assert_eq!(to_spdx("GPL-x"), None);
    }

    #[test]
    fn expressions_parse_with_precedence_and_canonical_operators() {
        assert_eq!(
            to_spdx("GPL-2+ or Artistic-2.0").as_deref(),
            Some("GPL-2.0-or-later OR Artistic-2.0")
        );
        assert_eq!(
            to_spdx("(MIT OR Apache-2.0) and BSD-2-clause").as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-2-Clause")
        );
        assert_eq!(
            to_spdx("MIT AND (Zlib)").as_deref(),
            Some("MIT AND Zlib"),
            "redundant parentheses go"
        );
        assert_eq!(
            to_spdx("GPL-2.0-or-later WITH classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
        assert_eq!(to_spdx("Apache-2.0+").as_deref(), Some("Apache-2.0+"));
        assert_eq!(to_spdx("GPL-2.0+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(to_spdx("GPL-2.0").as_deref(), Some("GPL-2.0-only"));
        assert_eq!(
            to_spdx("GPL-2.0-with-GCC-exception").as_deref(),
            Some("GPL-2.0-with-GCC-exception")
        );
    }

    #[test]
    fn references_are_kept() {
        assert_eq!(
            to_spdx("LicenseRef-foo.1 OR MIT").as_deref(),
            Some("LicenseRef-foo.1 OR MIT")
        );
        assert_eq!(
            to_spdx("documentref-x:licenseref-y").as_deref(),
            Some("DocumentRef-x:LicenseRef-y")
        );
        assert_eq!(to_spdx("LicenseRef-"), None);
        assert_eq!(to_spdx("LicenseRef-a_b"), None);
    }

    #[test]
    fn free_text_and_malformed_expressions_are_refused() {
        for text in [
            "",
            "   ",
            "see COPYING",
            "MIT AND",
            "AND MIT",
            "(MIT",
            "MIT)",
            "MIT OR OR Zlib",
            "MIT WITH",
            "MIT WITH MIT",
            "(MIT OR Zlib) WITH Classpath-exception-2.0",
            "Classpath-exception-2.0",
            "MIT, BSD",
            "Ünïcode licence",
        ] {
            assert_eq!(to_spdx(text), None, "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}MIT{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(to_spdx(&deep), None);
        let shallow = format!("{}MIT{}", "(".repeat(5), ")".repeat(5));
        assert_eq!(to_spdx(&shallow).as_deref(), Some("MIT"));
    }

    #[test]
    fn single_ids_are_told_from_expressions() {
        assert!(is_single_id("MIT"));
        assert!(!is_single_id("mit"), "only the canonical spelling");
        assert!(!is_single_id("MIT OR Zlib"));
        assert!(!is_single_id("LicenseRef-x"));
        assert!(!is_single_id("Apache-2.0+"));
    }

    #[test]
    fn free_text_becomes_a_valid_reference() {
        assert_eq!(license_ref_for("see COPYING"), "LicenseRef-see-COPYING");
        assert_eq!(license_ref_for("GPL (v2)/BSD"), "LicenseRef-GPL-v2-BSD");
        assert_eq!(license_ref_for("©"), "LicenseRef--");
        assert_eq!(license_ref_for("  "), "LicenseRef-unknown");
        for text in ["a b", "ü", "x_y", "1.0"] {
            let id = license_ref_for(text);
            assert_eq!(to_spdx(&id).as_deref(), Some(id.as_str()), "{text:?}");
        }
    }

    #[test]
    fn references_in_an_expression_are_listed() {
        assert_eq!(
            license_refs("(LicenseRef-a OR MIT) AND LicenseRef-b"),
            vec!["LicenseRef-a", "LicenseRef-b"]
        );
    }
}
