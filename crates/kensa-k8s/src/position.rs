//! Line and column bookkeeping.

/// A 1-based line and column in a source. Columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Position {
    /// Line, starting at 1.
    pub line: u32,
    /// Column in characters, starting at 1.
    pub column: u32,
}

impl Position {
    /// The first character of a source.
    pub const START: Position = Position { line: 1, column: 1 };

    /// Builds a position from a 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Number of characters (UTF-8 scalar values) in `bytes`: bytes that are not
/// continuation bytes.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// The position of byte `target` in `bytes`, counting forward from byte `from`
/// whose position is `at`. Costs `O(target - from)` and is fast (memchr).
pub(crate) fn locate(bytes: &[u8], from: usize, at: Position, target: usize) -> Position {
    let target = target.min(bytes.len());
    if target <= from {
        return at;
    }
    let span = &bytes[from..target];
    let newlines = memchr::memchr_iter(b'\n', span).count();
    if newlines == 0 {
        return Position {
            line: at.line,
            column: at.column.saturating_add(to_u32(char_count(span))),
        };
    }
    let last = memchr::memrchr(b'\n', span).unwrap_or(0);
    Position {
        line: at.line.saturating_add(to_u32(newlines)),
        column: to_u32(char_count(&span[last + 1..]) + 1),
    }
}

/// Byte offset of 1-based `line`/`column` (column counted in bytes, as
/// serde_json reports it) in `bytes`, clamped to the input.
pub(crate) fn offset_of_line_col(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0usize;
    let mut current = 1usize;
    if line > 1 {
        for nl in memchr::memchr_iter(b'\n', bytes) {
            current += 1;
            if current == line {
                start = nl + 1;
                break;
            }
        }
        if current < line {
            return bytes.len();
        }
    }
    let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
    // serde_json's column points at the byte it stopped on (1-based); clamp it
    // to the line so a column past the end stays on that line.
    (start + column.saturating_sub(1)).min(line_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_lines_and_chars() {
        let text = "ab\ncdé\nxyz".as_bytes();
        assert_eq!(locate(text, 0, Position::START, 0), Position::new(1, 1));
        assert_eq!(locate(text, 0, Position::START, 1), Position::new(1, 2));
        assert_eq!(locate(text, 0, Position::START, 3), Position::new(2, 1));
        // "é" is two bytes but one column.
        let x = text.iter().position(|&b| b == b'x').unwrap_or(0);
        assert_eq!(locate(text, 0, Position::START, x), Position::new(3, 1));
        assert_eq!(
            locate(text, 3, Position::new(2, 1), x + 1),
            Position::new(3, 2)
        );
        assert_eq!(locate(text, 0, Position::new(5, 7), 2), Position::new(5, 9));
    }

    #[test]
    fn offset_of_line_col_clamps() {
        let text = b"ab\ncd\n";
        assert_eq!(offset_of_line_col(text, 1, 1), 0);
        assert_eq!(offset_of_line_col(text, 2, 2), 4);
        assert_eq!(offset_of_line_col(text, 2, 99), 5);
        assert_eq!(offset_of_line_col(text, 9, 1), 6);
    }
}
