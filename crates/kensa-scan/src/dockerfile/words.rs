//! Word splitting and unquoting as Docker does it for instruction arguments.

/// One word of an instruction's arguments, quotes kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawWord {
    /// The word as written, quotes and escapes included.
    pub text: String,
    /// Byte offset of the word's first character.
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
}

/// Splits `text` on whitespace; quoted parts and escaped characters do not
/// split. Quotes stay in the words (see [`unquote`]).
pub(crate) fn split_raw(text: &str, escape: char) -> Vec<RawWord> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push(RawWord {
                    text: std::mem::take(&mut current),
                    start: s,
                    end: i,
                });
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        current.push(c);
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                if let Some((_, next)) = chars.next() {
                    current.push(next);
                }
            }
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == escape => {
                if let Some((_, next)) = chars.next() {
                    current.push(next);
                }
            }
            None => {}
        }
    }
    if let Some(s) = start {
        words.push(RawWord {
            text: current,
            start: s,
            end: text.len(),
        });
    }
    words
}

/// Removes quotes and escapes from one word: `'...'` is literal, `"..."`
/// honours escaped `"`, `$` and the escape character, and outside quotes
/// the escape character makes the next character literal.
pub(crate) fn unquote(word: &str, escape: char) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    if c == '"' {
                        break;
                    }
                    if c == escape {
                        match chars.peek() {
                            Some(&next) if next == '"' || next == '$' || next == escape => {
                                out.push(next);
                                chars.next();
                            }
                            _ => out.push(c),
                        }
                    } else {
                        out.push(c);
                    }
                }
            }
            c if c == escape => match chars.next() {
                Some(next) => out.push(next),
                None => out.push(c),
            },
            c => out.push(c),
        }
    }
    out
}

/// Splits and unquotes.
pub(crate) fn split(text: &str, escape: char) -> Vec<String> {
    split_raw(text, escape)
        .into_iter()
        .map(|w| unquote(&w.text, escape))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_whitespace_outside_quotes() {
        assert_eq!(
            split(r#"a "b c" 'd e' f\ g"#, '\\'),
            vec!["a", "b c", "d e", "f g"]
        );
        let raw = split_raw("  x  \"y z\"", '\\');
        assert_eq!(raw[0].start, 2);
        assert_eq!(raw[1].text, "\"y z\"");
        assert_eq!(raw[1].end, 10);
    }

    #[test]
    fn unquotes_escapes() {
        assert_eq!(unquote(r#""a \"b\" \$c \d""#, '\\'), r#"a "b" $c \d"#);
        assert_eq!(unquote("C:\\dir", '`'), "C:\\dir");
        assert_eq!(unquote("a` b", '`'), "a b");
        assert_eq!(unquote("\"unterminated", '\\'), "unterminated");
    }
}
