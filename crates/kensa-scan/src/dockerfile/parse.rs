//! The parser: physical lines to instructions, then instructions to stages.

use super::words::{self, RawWord};
use super::{
    Command, Diagnostic, Directive, Dockerfile, Flag, Heredoc, Instruction, Level, Stage, Variable,
};

/// The instructions Docker knows.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The instructions that take leading `--flags`.
const WITH_FLAGS: &[&str] = &["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"];

/// The instructions that may open heredocs.
const WITH_HEREDOCS: &[&str] = &["RUN", "COPY", "ADD"];

/// The parser directives Docker knows.
const DIRECTIVES: &[&str] = &["syntax", "escape", "check"];

/// Parses a Dockerfile. Never fails and never panics: problems are
/// [`Dockerfile::diagnostics`], and what could be read is kept.
pub fn parse(text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if lines.len() > 1 && lines.last() == Some(&"") {
        lines.pop(); // the newline that ends the last line
    }
    let mut parser = Parser {
        lines: &lines,
        next: 0,
        escape: '\\',
        out: Dockerfile {
            escape: '\\',
            ..Dockerfile::default()
        },
    };
    parser.directives();
    while let Some(instruction) = parser.instruction() {
        parser.out.instructions.push(instruction);
    }
    parser.stages();
    let mut out = parser.out;
    out.diagnostics.sort_by_key(|d| d.line);
    out
}

struct Parser<'a> {
    lines: &'a [&'a str],
    /// The index of the next unread line.
    next: usize,
    escape: char,
    out: Dockerfile,
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

impl Parser<'_> {
    fn diagnostic(&mut self, line: u32, level: Level, message: impl Into<String>) {
        self.out.diagnostics.push(Diagnostic {
            line,
            level,
            message: message.into(),
        });
    }

    /// Reads the directives: `# name=value` lines at the very top, before
    /// any blank line, comment or instruction.
    fn directives(&mut self) {
        while let Some(line) = self.lines.get(self.next) {
            let Some((name, value)) = directive(line) else {
                return;
            };
            if !DIRECTIVES.contains(&name.as_str()) {
                // Unknown directives read as comments and end the directives.
                return;
            }
            let number = line_number(self.next);
            self.next += 1;
            if self.out.directives.iter().any(|d| d.name == name) {
                self.diagnostic(
                    number,
                    Level::Error,
                    format!("the '{name}' directive appears more than once"),
                );
                continue;
            }
            if name == "escape" {
                match value.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    _ => self.diagnostic(
                        number,
                        Level::Error,
                        format!("invalid escape character '{value}': it must be a backslash or a backquote"),
                    ),
                }
                self.out.escape = self.escape;
            }
            self.out.directives.push(Directive {
                name,
                value,
                line: number,
            });
        }
    }

    /// Whether `line` ends with the escape character (trailing blanks allowed);
    /// returns the line without it.
    fn continued<'l>(&self, line: &'l str) -> Option<&'l str> {
        line.trim_end_matches([' ', '\t']).strip_suffix(self.escape)
    }

    /// Reads the next instruction, with its continuation lines and heredocs.
    fn instruction(&mut self) -> Option<Instruction> {
        // Skip blank lines and comments.
        while let Some(line) = self.lines.get(self.next) {
            if line.trim().is_empty() || is_comment(line) {
                self.next += 1;
            } else {
                break;
            }
        }
        let first = *self.lines.get(self.next)?;
        let start_line = line_number(self.next);
        let mut end = self.next;
        self.next += 1;

        let mut logical = String::new();
        let mut current = first.trim_start();
        loop {
            let Some(stripped) = self.continued(current) else {
                logical.push_str(current);
                break;
            };
            logical.push_str(stripped);
            // The next line that is neither blank nor a comment continues it.
            let mut next_line = None;
            while let Some(line) = self.lines.get(self.next) {
                let number = line_number(self.next);
                self.next += 1;
                if is_comment(line) {
                    continue;
                }
                if line.trim().is_empty() {
                    self.diagnostic(
                        number,
                        Level::Warning,
                        "empty continuation line (Docker will refuse these in a future release)",
                    );
                    continue;
                }
                end = self.next - 1;
                next_line = Some(*line);
                break;
            }
            match next_line {
                Some(line) => current = line,
                None => break, // the file ends inside a continuation
            }
        }

        let logical = logical.trim_end();
        let (keyword, arguments) = match logical.find(char::is_whitespace) {
            Some(at) => (&logical[..at], logical[at..].trim_start()),
            None => (logical, ""),
        };
        let keyword = keyword.to_ascii_uppercase();
        let mut instruction = Instruction {
            keyword,
            arguments: arguments.to_owned(),
            flags: Vec::new(),
            body: String::new(),
            words: Vec::new(),
            command: None,
            variables: Vec::new(),
            heredocs: Vec::new(),
            stage: None,
            start_line,
            end_line: line_number(end),
        };
        self.fill(&mut instruction);
        if WITH_HEREDOCS.contains(&instruction.keyword.as_str()) {
            self.heredocs(&mut instruction);
        }
        Some(instruction)
    }

    /// Parses an instruction's arguments by its keyword.
    fn fill(&mut self, ins: &mut Instruction) {
        let line = ins.start_line;
        let keyword = ins.keyword.as_str();
        if !KEYWORDS.contains(&keyword) {
            let keyword = ins.keyword.clone();
            self.diagnostic(
                line,
                Level::Error,
                format!("unknown instruction: {keyword}"),
            );
            ins.body = ins.arguments.clone();
            ins.words = words::split(&ins.body, self.escape);
            return;
        }
        if ins.arguments.is_empty() {
            let keyword = ins.keyword.clone();
            self.diagnostic(
                line,
                Level::Error,
                format!("{keyword} requires at least one argument"),
            );
            return;
        }
        let raw = words::split_raw(&ins.arguments, self.escape);
        let mut body_start = 0;
        if WITH_FLAGS.contains(&keyword) {
            for word in &raw {
                let Some(flag) = word.text.strip_prefix("--") else {
                    break;
                };
                body_start = word.end;
                if flag.is_empty() {
                    break; // a lone `--` ends the flags
                }
                let (name, value) = match flag.split_once('=') {
                    Some((name, value)) => (name, Some(words::unquote(value, self.escape))),
                    None => (flag, None),
                };
                ins.flags.push(Flag {
                    name: name.to_ascii_lowercase(),
                    value,
                });
            }
        }
        ins.body = ins
            .arguments
            .get(body_start..)
            .unwrap_or("")
            .trim_start()
            .to_owned();
        if ins.body.is_empty() && keyword != "HEALTHCHECK" {
            let keyword = ins.keyword.clone();
            self.diagnostic(
                line,
                Level::Error,
                format!("{keyword} has flags but no arguments"),
            );
            return;
        }
        match keyword {
            "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => {
                let command = self.command(&ins.body, line);
                ins.words = match &command {
                    Command::Exec(argv) => argv.clone(),
                    Command::Shell(text) => words::split(text, self.escape),
                };
                if keyword == "SHELL" && matches!(command, Command::Shell(_)) {
                    self.diagnostic(
                        line,
                        Level::Error,
                        "SHELL requires the JSON form: SHELL [\"executable\", \"parameters\"]",
                    );
                }
                ins.command = Some(command);
            }
            "HEALTHCHECK" => {
                let raw = words::split_raw(&ins.body, self.escape);
                ins.words = raw
                    .iter()
                    .map(|w| words::unquote(&w.text, self.escape))
                    .collect();
                match raw.first().map(|w| w.text.to_ascii_uppercase()).as_deref() {
                    Some("NONE") => {
                        if raw.len() > 1 {
                            self.diagnostic(
                                line,
                                Level::Error,
                                "HEALTHCHECK NONE takes no arguments",
                            );
                        }
                    }
                    Some("CMD") => {
                        let rest = ins.body.get(raw[0].end..).unwrap_or("").trim();
                        if rest.is_empty() {
                            self.diagnostic(
                                line,
                                Level::Error,
                                "HEALTHCHECK CMD requires a command",
                            );
                        } else {
                            ins.command = Some(self.command(rest, line));
                        }
                    }
                    _ => self.diagnostic(
                        line,
                        Level::Error,
                        "HEALTHCHECK must be followed by CMD or NONE",
                    ),
                }
            }
            "ENV" | "LABEL" => ins.variables = self.pairs(&ins.body, keyword, line),
            "ARG" => ins.variables = self.args(&ins.body, line),
            "WORKDIR" => ins.words = vec![words::unquote(ins.body.trim(), self.escape)],
            "COPY" | "ADD" | "VOLUME" => {
                ins.words = match json_array(&ins.body) {
                    Some(array) => array,
                    None => words::split(&ins.body, self.escape),
                };
            }
            _ => ins.words = words::split(&ins.body, self.escape),
        }
    }

    /// The JSON form when `text` is a JSON array of strings, else the shell
    /// form (with a warning when it looks like a broken JSON form).
    fn command(&mut self, text: &str, line: u32) -> Command {
        if let Some(argv) = json_array(text) {
            return Command::Exec(argv);
        }
        if text.starts_with('[') {
            self.diagnostic(
                line,
                Level::Warning,
                "the arguments start with '[' but are not a JSON array of strings; Docker runs them in a shell",
            );
        }
        Command::Shell(text.to_owned())
    }

    /// `ENV`/`LABEL` pairs: `a=1 b="2 3"`, or for ENV the legacy `key value`.
    fn pairs(&mut self, body: &str, keyword: &str, line: u32) -> Vec<Variable> {
        let raw = words::split_raw(body, self.escape);
        let Some(first) = raw.first() else {
            return Vec::new();
        };
        if keyword == "ENV" && !first.text.contains('=') {
            // Legacy form: the rest of the line is the value.
            let value = body.get(first.end..).unwrap_or("").trim();
            if value.is_empty() {
                self.diagnostic(
                    line,
                    Level::Error,
                    format!("ENV {} has no value: use ENV name=value", first.text),
                );
            }
            return vec![Variable {
                key: words::unquote(&first.text, self.escape),
                value: Some(words::unquote(value, self.escape)),
            }];
        }
        let mut out = Vec::new();
        for word in &raw {
            match word.text.split_once('=') {
                Some((key, value)) if !key.is_empty() => out.push(Variable {
                    key: words::unquote(key, self.escape),
                    value: Some(words::unquote(value, self.escape)),
                }),
                _ => self.diagnostic(
                    line,
                    Level::Error,
                    format!("{keyword} '{}' is not of the form name=value", word.text),
                ),
            }
        }
        out
    }

    /// `ARG name`, `ARG name=default`, several per line.
    fn args(&mut self, body: &str, line: u32) -> Vec<Variable> {
        let mut out = Vec::new();
        for RawWord { text, .. } in words::split_raw(body, self.escape) {
            let (key, value) = match text.split_once('=') {
                Some((key, value)) => (key, Some(words::unquote(value, self.escape))),
                None => (text.as_str(), None),
            };
            if key.is_empty() {
                self.diagnostic(line, Level::Error, format!("ARG '{text}' has no name"));
                continue;
            }
            out.push(Variable {
                key: words::unquote(key, self.escape),
                value,
            });
        }
        out
    }

    /// Reads the bodies of the heredocs the instruction opens: the lines
    /// after the instruction, in the order the markers appear.
    fn heredocs(&mut self, ins: &mut Instruction) {
        let markers: Vec<(String, bool, bool)> = words::split_raw(&ins.body, self.escape)
            .iter()
            .filter_map(|w| heredoc_marker(&w.text, self.escape))
            .collect();
        for (name, strip_tabs, quoted) in markers {
            let start = self.next;
            let mut body = String::new();
            let mut terminated = false;
            while let Some(line) = self.lines.get(self.next) {
                self.next += 1;
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == name {
                    terminated = true;
                    break;
                }
                body.push_str(line);
                body.push('\n');
            }
            if !terminated {
                self.diagnostic(
                    ins.start_line,
                    Level::Error,
                    format!(
                        "unterminated heredoc: no line '{name}' closes the <<{name} opened here"
                    ),
                );
            }
            let end_line = if self.next > start {
                line_number(self.next - 1)
            } else {
                ins.end_line
            };
            ins.end_line = ins.end_line.max(end_line);
            ins.heredocs.push(Heredoc {
                name,
                body,
                strip_tabs,
                quoted,
                start_line: line_number(start),
                end_line,
            });
        }
    }

    /// Groups the instructions into stages.
    fn stages(&mut self) {
        let mut diagnostics = Vec::new();
        let count = self.out.instructions.len();
        for index in 0..count {
            let ins = &self.out.instructions[index];
            if ins.is("FROM") {
                let (base, name) = match ins.words.as_slice() {
                    [base] => (base.clone(), None),
                    [base, as_, name] if as_.eq_ignore_ascii_case("as") => {
                        (base.clone(), Some(name.clone()))
                    }
                    [] => (String::new(), None),
                    [base, ..] => {
                        diagnostics.push((
                            ins.start_line,
                            "FROM takes an image and optionally 'AS name'".to_owned(),
                        ));
                        (base.clone(), None)
                    }
                };
                let stage = Stage {
                    index: self.out.stages.len(),
                    base,
                    name,
                    platform: ins.flag_value("platform").map(str::to_owned),
                    instructions: index..index + 1,
                };
                self.out.stages.push(stage);
            } else if let Some(stage) = self.out.stages.last_mut() {
                stage.instructions.end = index + 1;
            } else if !ins.is("ARG") && KEYWORDS.contains(&ins.keyword.as_str()) {
                diagnostics.push((
                    ins.start_line,
                    format!("{} comes before the first FROM (only ARG may)", ins.keyword),
                ));
            }
            let stage = self.out.stages.len().checked_sub(1);
            self.out.instructions[index].stage = stage;
        }
        if self.out.instructions.is_empty() {
            diagnostics.push((0, "the file has no instructions".to_owned()));
        } else if self.out.stages.is_empty() {
            diagnostics.push((0, "the file has no FROM instruction".to_owned()));
        }
        for (line, message) in diagnostics {
            self.diagnostic(line, Level::Error, message);
        }
    }
}

/// `# name=value` at the top of the file: the name (lower case) and value.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.trim().to_owned()))
}

/// A heredoc marker word (`<<EOF`, `<<-EOF`, `<<"EOF"`): its name, whether
/// tabs are stripped and whether the name was quoted.
fn heredoc_marker(word: &str, escape: char) -> Option<(String, bool, bool)> {
    let rest = word.strip_prefix("<<")?;
    if rest.starts_with('<') {
        return None; // a here-string
    }
    let (rest, strip_tabs) = match rest.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    let quoted = rest.contains(['"', '\'']);
    let name = words::unquote(rest, escape);
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return None;
    }
    Some((name, strip_tabs, quoted))
}

/// `text` as a JSON array of strings, if it is one.
fn json_array(text: &str) -> Option<Vec<String>> {
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(text).ok()
}
