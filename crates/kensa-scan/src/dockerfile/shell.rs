//! A small reader of POSIX shell scripts, enough to find the commands a
//! `RUN` instruction runs: it splits on `&&`, `||`, `;`, `|`, `&`, newlines
//! and parentheses, removes quotes, drops redirections (and the bodies of
//! shell heredocs), and keeps `$(...)` and backquoted parts inside their
//! word. The inline script of `sh -c '...'` is read too.
//!
//! It is not a shell: it does not expand variables, and it reads odd input
//! loosely rather than rejecting it.

/// One simple command, such as `apt-get install -y curl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// The words, quotes removed, redirections dropped.
    pub words: Vec<String>,
    /// The index (in the same list) of the command whose output is piped
    /// into this one: `curl x | sh` gives `sh` the index of `curl`.
    pub pipe_from: Option<usize>,
}

/// Commands that run the rest of their arguments as another command.
const WRAPPERS: &[&str] = &[
    "sudo", "doas", "env", "exec", "nohup", "time", "command", "nice", "su-exec", "gosu",
];

/// Shells whose `-c` argument is a script.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"];

/// Words that may start a command without being its program.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}",
];

impl ShellCommand {
    /// The words from the program on: leading `NAME=value` assignments and
    /// wrappers such as `sudo -u app` or `env X=1` are skipped.
    pub fn argv(&self) -> &[String] {
        let mut i = skip_assignments(&self.words, 0);
        while let Some(word) = self.words.get(i) {
            let name = basename(word);
            if !WRAPPERS.contains(&name) {
                break;
            }
            i += 1;
            if name == "gosu" || name == "su-exec" {
                i += 1; // the user
                continue;
            }
            while let Some(arg) = self.words.get(i) {
                if !arg.starts_with('-') || arg == "-" {
                    break;
                }
                let takes_value = match name {
                    "sudo" => matches!(
                        arg.as_str(),
                        "-u" | "-g" | "-h" | "-p" | "-C" | "-U" | "-r" | "-t"
                    ),
                    "env" => matches!(arg.as_str(), "-u" | "-C" | "-S"),
                    "nice" => arg == "-n",
                    _ => false,
                };
                i += if takes_value { 2 } else { 1 };
            }
            if name == "env" {
                i = skip_assignments(&self.words, i);
            }
        }
        self.words.get(i..).unwrap_or(&[])
    }

    /// The program actually run (see [`ShellCommand::argv`]), without its
    /// directory: `apt-get` for `sudo /usr/bin/apt-get install x`.
    pub fn program(&self) -> Option<&str> {
        self.argv().first().map(|w| basename(w))
    }

    /// The first word after any `NAME=value` assignments, without its
    /// directory; unlike [`ShellCommand::program`] wrappers count:
    /// `sudo` for `sudo apt-get install x`.
    pub fn first_program(&self) -> Option<&str> {
        self.words
            .get(skip_assignments(&self.words, 0))
            .map(|w| basename(w))
    }

    /// The script of `sh -c 'script'` (any shell of [`SHELLS`], flags such
    /// as `-ec` included).
    pub fn inline_script(&self) -> Option<&str> {
        let argv = self.argv();
        let program = basename(argv.first()?);
        if !SHELLS.contains(&program) {
            return None;
        }
        let mut rest = &argv[1..];
        if program == "busybox" {
            // busybox sh -c '...'
            if !matches!(rest.first().map(String::as_str), Some("sh" | "ash")) {
                return None;
            }
            rest = &rest[1..];
        }
        let mut iter = rest.iter();
        while let Some(arg) = iter.next() {
            if arg == "-o" || arg == "+o" {
                iter.next();
                continue;
            }
            if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.starts_with('-')) {
                if flags.contains('c') {
                    return iter.next().map(String::as_str);
                }
                continue;
            }
            if arg.starts_with("--") {
                continue;
            }
            return None;
        }
        None
    }
}

fn skip_assignments(words: &[String], mut i: usize) -> usize {
    while words.get(i).is_some_and(|w| is_assignment(w)) {
        i += 1;
    }
    i
}

/// Whether `word` is a shell variable assignment such as `DEBIAN_FRONTEND=noninteractive`.
pub(crate) fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The last path component: `apt-get` for `/usr/bin/apt-get`.
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Splits a script into its simple commands, in order; the inline scripts
/// of `sh -c` follow the command that holds them.
pub fn commands(script: &str) -> Vec<ShellCommand> {
    let mut out = Vec::new();
    split_into(script, &mut out, 0);
    out
}

/// Splits an argument vector (the exec form) that may itself be `sh -c ...`.
pub fn commands_of_argv(argv: &[String]) -> Vec<ShellCommand> {
    let mut out = Vec::new();
    push(
        &mut out,
        ShellCommand {
            words: argv.to_vec(),
            pipe_from: None,
        },
        0,
    );
    out
}

const MAX_DEPTH: usize = 4;

fn push(out: &mut Vec<ShellCommand>, command: ShellCommand, depth: usize) -> usize {
    let index = out.len();
    let inline = command.inline_script().map(str::to_owned);
    out.push(command);
    if let Some(script) = inline
        && depth < MAX_DEPTH
    {
        split_into(&script, out, depth + 1);
    }
    index
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Pipe,
    Separator,
}

fn split_into(script: &str, out: &mut Vec<ShellCommand>, depth: usize) {
    let mut words: Vec<String> = Vec::new();
    let mut last: Option<usize> = None;
    let mut piped = false;
    let finish = |words: &mut Vec<String>,
                  out: &mut Vec<ShellCommand>,
                  last: &mut Option<usize>,
                  piped: &mut bool| {
        if words.is_empty() {
            return;
        }
        let command = ShellCommand {
            words: std::mem::take(words),
            pipe_from: if *piped { *last } else { None },
        };
        *piped = false;
        *last = Some(push(out, command, depth));
    };
    for token in tokenize(script) {
        match token {
            Token::Word(w) => {
                if words.is_empty() && RESERVED.contains(&w.as_str()) {
                    continue;
                }
                words.push(w);
            }
            Token::Pipe => {
                finish(&mut words, out, &mut last, &mut piped);
                piped = last.is_some();
            }
            Token::Separator => {
                finish(&mut words, out, &mut last, &mut piped);
                piped = false;
            }
        }
    }
    finish(&mut words, out, &mut last, &mut piped);
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
}

impl Lexer {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.i + offset).copied()
    }

    /// Copies a balanced group opened at the current position (`$(`, `<(`,
    /// `${`) into `word`, quotes inside included.
    fn copy_group(&mut self, word: &mut String, open: char, close: char) {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek(0) {
            word.push(c);
            self.i += 1;
            match quote {
                Some(q) if c == q => quote = None,
                Some('"') if c == '\\' => {
                    if let Some(n) = self.peek(0) {
                        word.push(n);
                        self.i += 1;
                    }
                }
                Some(_) => {}
                None => match c {
                    '\'' | '"' | '`' => quote = Some(c),
                    '\\' => {
                        if let Some(n) = self.peek(0) {
                            word.push(n);
                            self.i += 1;
                        }
                    }
                    c if c == open => depth += 1,
                    c if c == close => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return;
                        }
                    }
                    _ => {}
                },
            }
        }
    }

    fn copy_backquoted(&mut self, word: &mut String) {
        word.push('`');
        self.i += 1;
        while let Some(c) = self.peek(0) {
            word.push(c);
            self.i += 1;
            if c == '\\' {
                if let Some(n) = self.peek(0) {
                    word.push(n);
                    self.i += 1;
                }
            } else if c == '`' {
                return;
            }
        }
    }

    /// Skips the rest of the current line and then the body of each
    /// pending shell heredoc.
    fn skip_heredoc_bodies(&mut self, pending: &mut Vec<(String, bool)>) {
        for (delimiter, strip_tabs) in pending.drain(..) {
            loop {
                if self.i >= self.chars.len() {
                    return;
                }
                let start = self.i;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let line: String = self.chars[start..self.i].iter().collect();
                self.i += 1; // the newline
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if line.trim_end() == delimiter {
                    break;
                }
            }
        }
    }
}

// `finish_word!` resets its flags even where nothing reads them again.
#[allow(unused_assignments)]
fn tokenize(script: &str) -> Vec<Token> {
    let mut lx = Lexer {
        chars: script.chars().collect(),
        i: 0,
    };
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    // Set after a redirection operator: the next word is its target.
    let mut skip_word = false;
    // Set after `<<`: the next word is a heredoc delimiter.
    let mut heredoc_next: Option<bool> = None;
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();

    macro_rules! finish_word {
        () => {
            if in_word {
                let w = std::mem::take(&mut word);
                if let Some(strip) = heredoc_next.take() {
                    pending_heredocs.push((w, strip));
                } else if !skip_word {
                    tokens.push(Token::Word(w));
                }
                skip_word = false;
                in_word = false;
            }
        };
    }

    while let Some(c) = lx.peek(0) {
        match c {
            '\\' => {
                if lx.peek(1) == Some('\n') {
                    lx.i += 2;
                    continue;
                }
                in_word = true;
                if let Some(n) = lx.peek(1) {
                    word.push(n);
                }
                lx.i += 2;
            }
            '\'' => {
                in_word = true;
                lx.i += 1;
                while let Some(c) = lx.peek(0) {
                    lx.i += 1;
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                lx.i += 1;
                while let Some(c) = lx.peek(0) {
                    match c {
                        '"' => {
                            lx.i += 1;
                            break;
                        }
                        '\\' => {
                            match lx.peek(1) {
                                Some(n @ ('"' | '\\' | '$' | '`')) => word.push(n),
                                Some('\n') => {}
                                Some(n) => {
                                    word.push('\\');
                                    word.push(n);
                                }
                                None => word.push('\\'),
                            }
                            lx.i += 2;
                        }
                        '$' if lx.peek(1) == Some('(') => lx.copy_group(&mut word, '(', ')'),
                        '`' => lx.copy_backquoted(&mut word),
                        _ => {
                            word.push(c);
                            lx.i += 1;
                        }
                    }
                }
            }
            '$' if lx.peek(1) == Some('(') => {
                in_word = true;
                lx.copy_group(&mut word, '(', ')');
            }
            '$' if lx.peek(1) == Some('{') => {
                in_word = true;
                lx.copy_group(&mut word, '{', '}');
            }
            '`' => {
                in_word = true;
                lx.copy_backquoted(&mut word);
            }
            '<' | '>' if lx.peek(1) == Some('(') => {
                in_word = true;
                word.push(c);
                lx.i += 1;
                lx.copy_group(&mut word, '(', ')');
            }
            '<' | '>' => {
                // A file-descriptor number before the operator belongs to it.
                if in_word && !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                finish_word!();
                let mut op = String::from(c);
                lx.i += 1;
                while let Some(n) = lx.peek(0).filter(|n| matches!(n, '<' | '>' | '&' | '|')) {
                    op.push(n);
                    lx.i += 1;
                }
                if op == "<<" {
                    let strip = lx.peek(0) == Some('-');
                    if strip {
                        lx.i += 1;
                    }
                    heredoc_next = Some(strip);
                } else {
                    skip_word = true;
                }
            }
            '&' if lx.peek(1) == Some('&') => {
                finish_word!();
                tokens.push(Token::Separator);
                lx.i += 2;
            }
            '&' if lx.peek(1) == Some('>') => {
                finish_word!();
                lx.i += 2;
                if lx.peek(0) == Some('>') {
                    lx.i += 1;
                }
                skip_word = true;
            }
            '|' => {
                finish_word!();
                if lx.peek(1) == Some('|') {
                    tokens.push(Token::Separator);
                    lx.i += 2;
                } else {
                    tokens.push(Token::Pipe);
                    lx.i += if lx.peek(1) == Some('&') { 2 } else { 1 };
                }
            }
            '&' | ';' | '(' | ')' => {
                finish_word!();
                tokens.push(Token::Separator);
                lx.i += 1;
            }
            '\n' => {
                finish_word!();
                tokens.push(Token::Separator);
                lx.i += 1;
                if !pending_heredocs.is_empty() {
                    lx.skip_heredoc_bodies(&mut pending_heredocs);
                }
            }
            '#' if !in_word => {
                while lx.peek(0).is_some_and(|c| c != '\n') {
                    lx.i += 1;
                }
            }
            c if c.is_whitespace() => {
                finish_word!();
                lx.i += 1;
            }
            _ => {
                in_word = true;
                word.push(c);
                lx.i += 1;
            }
        }
    }
    finish_word!();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_on_operators() {
        assert_eq!(
            words("apt-get update && apt-get install -y curl; echo 'a && b' || true"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["echo", "a && b"],
                vec!["true"],
            ]
        );
    }

    #[test]
    fn tracks_pipes() {
        let found = commands("set -e; curl -fsSL https://x | sh -s -- -y && echo ok");
        assert_eq!(found[2].words[0], "sh");
        assert_eq!(found[2].pipe_from, Some(1));
        assert_eq!(found[3].pipe_from, None);
    }

    #[test]
    fn drops_redirections_and_heredoc_bodies() {
        assert_eq!(
            words(
                "curl -o- x 2>&1 >/dev/null && cat <<EOF > /etc/x\nsudo rm -rf /\nEOF\necho done"
            ),
            vec![vec!["curl", "-o-", "x"], vec!["cat"], vec!["echo", "done"],]
        );
    }

    #[test]
    fn keeps_substitutions_in_words_and_reads_inline_scripts() {
        let found = commands(r#"sh -c "$(curl -fsSL https://x)"; bash -ec 'cd /x && make'"#);
        assert_eq!(found[0].words, vec!["sh", "-c", "$(curl -fsSL https://x)"]);
        assert_eq!(found[1].words, vec!["$(curl -fsSL https://x)"]);
        assert_eq!(found[3].words, vec!["cd", "/x"]);
        assert_eq!(found[4].words, vec!["make"]);
    }

    #[test]
    fn argv_skips_assignments_and_wrappers() {
        let found = commands(
            "DEBIAN_FRONTEND=noninteractive sudo -u root env A=1 /usr/bin/apt-get install x",
        );
        assert_eq!(found[0].program(), Some("apt-get"));
        assert_eq!(found[0].first_program(), Some("sudo"));
        assert_eq!(found[0].argv()[1], "install");
    }

    #[test]
    fn reserved_words_and_comments() {
        assert_eq!(
            words("if [ -f x ]; then\n  yum install -y a # comment && b\nfi"),
            vec![
                vec!["[", "-f", "x", "]"],
                vec!["yum", "install", "-y", "a"],
                vec!["fi"],
            ]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "\"", "'", "$(", "`", "\\", "<", "<<", "a |", "| a", "${", "<(", "&>", "<<-",
        ] {
            let _ = commands(s);
        }
    }
}
