//! Shell-style globs (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`) over whole values.
//!
//! Patterns are compiled once; the common shapes (a literal, `prefix*`,
//! `*suffix`, `*middle*`) skip the general matcher.

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    General(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Glob {
    /// Compiles a pattern. An unclosed `[` is taken literally.
    pub fn new(pattern: &str) -> Glob {
        let tokens = tokenize(pattern);
        let literal = |tokens: &[Token]| -> Option<String> {
            tokens
                .iter()
                .map(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let shape = match tokens.as_slice() {
            [] => Shape::Exact(String::new()),
            [Token::Star, middle @ .., Token::Star] if literal(middle).is_some() => {
                Shape::Contains(literal(middle).unwrap_or_default())
            }
            [Token::Star, rest @ ..] if literal(rest).is_some() => {
                Shape::Suffix(literal(rest).unwrap_or_default())
            }
            [rest @ .., Token::Star] if literal(rest).is_some() => {
                Shape::Prefix(literal(rest).unwrap_or_default())
            }
            all if literal(all).is_some() => Shape::Exact(literal(all).unwrap_or_default()),
            _ => Shape::General(tokens),
        };
        Glob {
            text: pattern.to_string(),
            shape,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no wildcards.
    pub fn is_literal(&self) -> bool {
        matches!(self.shape, Shape::Exact(_))
    }

    /// The longest run of plain characters every match must contain.
    pub fn longest_literal(&self) -> &str {
        match &self.shape {
            Shape::Exact(s) | Shape::Prefix(s) | Shape::Suffix(s) | Shape::Contains(s) => s,
            Shape::General(_) => {
                let mut best: &str = "";
                for piece in self.text.split(['*', '?']) {
                    if piece.len() > best.len() {
                        best = piece;
                    }
                }
                // A piece may come from inside a class; only trust pieces
                // outside brackets.
                if self.text.contains('[') { "" } else { best }
            }
        }
    }

    /// Whether `value` matches the whole pattern.
    pub fn matches(&self, value: &str) -> bool {
        match &self.shape {
            Shape::Exact(s) => value == s,
            Shape::Prefix(s) => value.starts_with(s.as_str()),
            Shape::Suffix(s) => value.ends_with(s.as_str()),
            Shape::Contains(s) => value.contains(s.as_str()),
            Shape::General(tokens) => matches_tokens(tokens, value),
        }
    }
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        match chars[at] {
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '?' => tokens.push(Token::Any),
            '[' => match parse_class(&chars[at + 1..]) {
                Some((token, used)) => {
                    tokens.push(token);
                    at += used;
                }
                None => tokens.push(Token::Char('[')),
            },
            c => tokens.push(Token::Char(c)),
        }
        at += 1;
    }
    tokens
}

/// Parses what follows a `[`; returns the class and how many chars it used
/// (including the closing `]`).
fn parse_class(chars: &[char]) -> Option<(Token, usize)> {
    let mut at = 0;
    let negated = matches!(chars.first(), Some('!' | '^'));
    if negated {
        at += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while at < chars.len() {
        let c = chars[at];
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, at + 1));
        }
        first = false;
        if chars.get(at + 1) == Some(&'-') && chars.get(at + 2).is_some_and(|&e| e != ']') {
            ranges.push((c, chars[at + 2]));
            at += 3;
        } else {
            ranges.push((c, c));
            at += 1;
        }
    }
    None
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Char(t) => *t == c,
        Token::Any => true,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
        Token::Star => false,
    }
}

/// Linear-time glob matching: on a mismatch, retry from the last `*` one
/// character further on (no exponential backtracking).
fn matches_tokens(tokens: &[Token], value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    let (mut t, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < chars.len() {
        if t < tokens.len() && tokens[t] == Token::Star {
            star = Some((t, v));
            t += 1;
        } else if t < tokens.len() && token_matches(&tokens[t], chars[v]) {
            t += 1;
            v += 1;
        } else if let Some((star_t, star_v)) = star {
            t = star_t + 1;
            v = star_v + 1;
            star = Some((star_t, star_v + 1));
        } else {
            return false;
        }
    }
    tokens[t..].iter().all(|token| *token == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_general_matching() {
        let cases = [
            ("create", "create", true),
            ("create", "created", false),
            (
                "system:serviceaccount:*",
                "system:serviceaccount:web:api",
                true,
            ),
            ("system:serviceaccount:*", "system:node:n1", false),
            ("*-controller", "replicaset-controller", true),
            ("*secret*", "my-secrets-reader", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("pod?", "pods", true),
            ("pod?", "pod", false),
            ("[abc]x", "bx", true),
            ("[!abc]x", "bx", false),
            ("[a-c]x", "cx", true),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("[unclosed", "[unclosed", true),
            ("*ü*", "grüße", true),
            ("*a*a*a*a*a*b", &"a".repeat(200), false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(
                Glob::new(pattern).matches(value),
                expected,
                "{pattern} ~ {value}"
            );
        }
    }

    #[test]
    fn longest_literal_is_in_every_match() {
        assert_eq!(
            Glob::new("system:serviceaccount:*").longest_literal(),
            "system:serviceaccount:"
        );
        assert_eq!(Glob::new("*exec*").longest_literal(), "exec");
        assert_eq!(
            Glob::new("a*kube-system*b").longest_literal(),
            "kube-system"
        );
        assert_eq!(Glob::new("[ab]cdef").longest_literal(), "");
    }
}
