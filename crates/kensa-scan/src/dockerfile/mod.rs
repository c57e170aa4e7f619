//! Dockerfiles: the parser and its model.
//!
//! [`parse`] reads a Dockerfile the way BuildKit's frontend does: parser
//! directives (`# escape=`, `# syntax=`), comments, blank lines, line
//! continuations with the escape character (comment and blank lines inside
//! a continuation are skipped), heredocs (`RUN <<EOF`, `<<-EOF`, quoted
//! delimiters, several on one line, `COPY <<EOF /file`), the JSON (exec)
//! and shell forms, flags (`--from=`, `--mount=`, ...), `ENV`/`ARG`/`LABEL`
//! pairs (and the legacy `ENV key value`), and build stages.
//!
//! Parsing never fails: problems (an unterminated heredoc, an unknown
//! instruction) are [`Diagnostic`]s on the returned [`Dockerfile`], and
//! whatever could be read is kept, so checks can still run.
//!
//! ```
//! let df = kensa_scan::dockerfile::parse("FROM alpine:3.20 AS build\nRUN apk add --no-cache curl\nUSER app\n");
//! assert!(df.errors().next().is_none());
//! let stage = df.final_stage().unwrap();
//! assert_eq!(stage.base, "alpine:3.20");
//! assert_eq!(df.user(stage.index).unwrap().words, ["app"]);
//! ```

use std::fmt;
use std::ops::Range;

mod parse;
pub mod shell;
mod words;

pub use parse::parse;
pub use shell::ShellCommand;

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The parser directives at the top of the file (`# syntax=...`).
    pub directives: Vec<Directive>,
    /// The escape character: `\` unless `# escape=` set a backquote.
    pub escape: char,
    /// The instructions, in file order.
    pub instructions: Vec<Instruction>,
    /// The build stages, one per `FROM`, in file order.
    pub stages: Vec<Stage>,
    /// What the parser found wrong, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A parser directive, such as `# escape=` followed by a backquote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The name, lower case (`syntax`, `escape`, `check`).
    pub name: String,
    /// The value as written.
    pub value: String,
    /// The line (1-based).
    pub line: u32,
}

/// One instruction, such as `RUN apt-get update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, upper case (`RUN`, `FROM`).
    pub keyword: String,
    /// The arguments as written, continuation lines joined (escape
    /// characters and comment lines removed), flags included.
    pub arguments: String,
    /// The leading `--name=value` flags of `FROM`, `RUN`, `COPY`, `ADD` and
    /// `HEALTHCHECK`.
    pub flags: Vec<Flag>,
    /// The arguments after the flags.
    pub body: String,
    /// The arguments as words, quotes removed: the JSON array when the
    /// instruction uses the JSON form, otherwise the body split on
    /// whitespace (for `WORKDIR`, the whole body as one word).
    pub words: Vec<String>,
    /// What `RUN`, `CMD`, `ENTRYPOINT` and `SHELL` run, and what
    /// `HEALTHCHECK CMD` runs.
    pub command: Option<Command>,
    /// The `key=value` pairs of `ENV`, `ARG` and `LABEL`.
    pub variables: Vec<Variable>,
    /// The heredocs the instruction opens, in order.
    pub heredocs: Vec<Heredoc>,
    /// The index of the stage the instruction belongs to; `None` before
    /// the first `FROM`.
    pub stage: Option<usize>,
    /// The first line (1-based).
    pub start_line: u32,
    /// The last line (continuation lines and heredoc bodies included).
    pub end_line: u32,
}

/// A `--name=value` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without the dashes, such as `from`.
    pub name: String,
    /// The value, quotes removed; `None` for a bare `--link`.
    pub value: Option<String>,
}

/// What a `RUN`, `CMD`, `ENTRYPOINT`, `SHELL` or `HEALTHCHECK CMD` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The JSON (exec) form: `["nginx", "-g", "daemon off;"]`.
    Exec(Vec<String>),
    /// The shell form, as written (continuations joined).
    Shell(String),
}

/// One `key=value` of `ENV`, `ARG` or `LABEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The name.
    pub key: String,
    /// The value, quotes removed; `None` for `ARG name` without a default.
    pub value: Option<String>,
}

/// A heredoc: `<<EOF` and the lines up to `EOF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter, quotes removed.
    pub name: String,
    /// The content: each line followed by a newline (leading tabs removed
    /// for `<<-`).
    pub body: String,
    /// `<<-`: leading tabs are stripped.
    pub strip_tabs: bool,
    /// The delimiter was quoted (`<<'EOF'`): no variable expansion.
    pub quoted: bool,
    /// The first line of the body.
    pub start_line: u32,
    /// The line of the closing delimiter (the last line when unterminated).
    pub end_line: u32,
}

/// A build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The index in [`Dockerfile::stages`].
    pub index: usize,
    /// The base image (or earlier stage) as written: `golang:1.23`.
    pub base: String,
    /// The name given with `AS`, as written.
    pub name: Option<String>,
    /// The `--platform` flag.
    pub platform: Option<String>,
    /// The stage's instructions as indexes into
    /// [`Dockerfile::instructions`]; the first is the `FROM`.
    pub instructions: Range<usize>,
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Docker refuses the file.
    Error,
    /// Docker accepts the file but the line is suspect.
    Warning,
}

/// A problem the parser found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The line (1-based); 0 for the file as a whole.
    pub line: u32,
    /// How bad it is.
    pub level: Level,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{level}: {}", self.message)
        } else {
            write!(f, "line {}: {level}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for Diagnostic {}

impl Dockerfile {
    /// The diagnostics that make Docker refuse the file.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.level == Level::Error)
    }

    /// The instructions with this keyword (case-insensitive), in file order.
    pub fn instructions_named<'a>(
        &'a self,
        keyword: &'a str,
    ) -> impl Iterator<Item = &'a Instruction> {
        self.instructions.iter().filter(move |i| i.is(keyword))
    }

    /// The `RUN` instructions, in file order.
    pub fn runs(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions_named("RUN")
    }

    /// The instructions of a stage, its `FROM` first; empty for an unknown stage.
    pub fn stage_instructions(&self, stage: usize) -> &[Instruction] {
        self.stages
            .get(stage)
            .and_then(|s| self.instructions.get(s.instructions.clone()))
            .unwrap_or(&[])
    }

    /// The `FROM` instruction of a stage.
    pub fn stage_from(&self, stage: usize) -> Option<&Instruction> {
        self.stage_instructions(stage).first()
    }

    /// The last stage: the image `docker build` produces by default.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage named `name` (case-insensitive, as Docker compares them).
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The earlier stage a stage is built on (`FROM build AS test`), if its
    /// base names one.
    pub fn parent_stage(&self, stage: usize) -> Option<usize> {
        let base = &self.stages.get(stage)?.base;
        self.stages[..stage]
            .iter()
            .rev()
            .find(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(base))
            })
            .map(|s| s.index)
    }

    /// The `ARG`s before the first `FROM`: the only variables `FROM` lines see.
    pub fn global_args(&self) -> impl Iterator<Item = &Variable> {
        self.instructions
            .iter()
            .filter(|i| i.stage.is_none() && i.is("ARG"))
            .flat_map(|i| i.variables.iter())
    }

    /// The last `USER` of a stage itself (not inherited).
    pub fn user(&self, stage: usize) -> Option<&Instruction> {
        self.stage_instructions(stage)
            .iter()
            .rev()
            .find(|i| i.is("USER"))
    }

    /// The `USER` in effect at the end of a stage: its own last `USER`, or
    /// the one of the earlier stage it is built on, and so on.
    pub fn effective_user(&self, stage: usize) -> Option<&Instruction> {
        self.stage_chain(stage).find_map(|s| self.user(s))
    }

    /// A stage, then the earlier stage it is built on, and so on.
    pub fn stage_chain(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = (stage < self.stages.len()).then_some(stage);
        std::iter::from_fn(move || {
            let current = next?;
            // parent_stage only looks backwards, so this ends.
            next = self.parent_stage(current);
            Some(current)
        })
    }
}

impl Instruction {
    /// Whether the keyword is `keyword` (case-insensitive).
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }

    /// The flag `name` (without dashes).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The value of the flag `name`.
    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flag(name).and_then(|f| f.value.as_deref())
    }

    /// Whether the instruction uses the JSON (exec) form.
    pub fn is_exec_form(&self) -> bool {
        matches!(self.command, Some(Command::Exec(_)))
    }

    /// What the instruction runs as shell text: the shell form as written
    /// (with the heredoc scripts it runs), or the exec form's words joined
    /// by spaces. `None` for instructions that run nothing.
    pub fn shell_text(&self) -> Option<String> {
        match self.command.as_ref()? {
            Command::Exec(argv) => Some(argv.join(" ")),
            Command::Shell(text) => {
                if self.heredocs.is_empty() {
                    return Some(text.clone());
                }
                if text.trim_start().starts_with("<<") {
                    // `RUN <<EOF`: the heredoc is the script.
                    let scripts: Vec<&str> =
                        self.heredocs.iter().map(|h| h.body.as_str()).collect();
                    return Some(scripts.concat());
                }
                // `RUN cat <<EOF > file`: the shell reads the heredoc.
                let mut script = text.clone();
                script.push('\n');
                for heredoc in &self.heredocs {
                    script.push_str(&heredoc.body);
                    script.push_str(&heredoc.name);
                    script.push('\n');
                }
                Some(script)
            }
        }
    }

    /// The simple commands the instruction runs (see [`shell::commands`]);
    /// empty for instructions that run nothing.
    pub fn commands(&self) -> Vec<ShellCommand> {
        match &self.command {
            Some(Command::Exec(argv)) => shell::commands_of_argv(argv),
            Some(Command::Shell(_)) => self
                .shell_text()
                .map(|t| shell::commands(&t))
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
