//! Dockerfiles: the parser and its model.
//!
//! The parser handles line continuations (the `escape` directive included),
//! comments, heredocs (`RUN <<EOF`), and the JSON (exec) and shell forms.

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The instructions, in file order.
    pub instructions: Vec<Instruction>,
}

/// One instruction, such as `RUN apt-get update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, upper case (`RUN`, `FROM`).
    pub keyword: String,
    /// The arguments as written, continuation lines joined.
    pub arguments: String,
    /// The first line (1-based).
    pub start_line: u32,
    /// The last line.
    pub end_line: u32,
}
