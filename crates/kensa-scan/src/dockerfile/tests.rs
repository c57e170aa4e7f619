use super::*;

fn only(df: &Dockerfile, keyword: &str) -> Instruction {
    let found: Vec<_> = df.instructions_named(keyword).collect();
    assert_eq!(found.len(), 1, "expected one {keyword}: {df:#?}");
    found[0].clone()
}

fn messages(df: &Dockerfile) -> Vec<String> {
    df.diagnostics.iter().map(ToString::to_string).collect()
}

#[test]
fn directives_and_backquote_escape() {
    let df = parse(
        "# syntax=docker/dockerfile:1\n# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nCOPY . C:\\app\\\nRUN dir `\n  C:\\app\n",
    );
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    assert_eq!(df.escape, '`');
    assert_eq!(df.directives.len(), 2);
    assert_eq!(df.directives[0].name, "syntax");
    assert_eq!(df.directives[0].value, "docker/dockerfile:1");
    let copy = only(&df, "COPY");
    assert_eq!(copy.words, vec![".", "C:\\app\\"]);
    assert_eq!((copy.start_line, copy.end_line), (4, 4));
    let run = only(&df, "RUN");
    assert_eq!(run.command, Some(Command::Shell("dir   C:\\app".into())));
    assert_eq!((run.start_line, run.end_line), (5, 6));
}

#[test]
fn directives_only_at_the_top() {
    let df = parse("FROM a:1\n# escape=`\nRUN echo \\\n  hi\n");
    assert_eq!(df.escape, '\\');
    assert!(df.directives.is_empty());
    assert_eq!(only(&df, "RUN").body, "echo   hi");
    let df = parse("\n# escape=`\nFROM a:1\n");
    assert!(df.directives.is_empty());
}

#[test]
fn invalid_escape_directive_is_an_error() {
    let df = parse("# escape=x\nFROM a:1\n");
    assert_eq!(df.escape, '\\');
    assert_eq!(df.errors().next().unwrap().line, 1);
}

#[test]
fn comments_blank_lines_and_continuations() {
    let text = "# a comment\n\nFROM debian:12\n\nRUN apt-get update \\\n    # a comment inside\n\n    && apt-get install -y curl \\  \n    && rm -rf /var/lib/apt/lists/*\n# trailing\nUSER app # not a comment\n";
    let df = parse(text);
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    let run = only(&df, "RUN");
    assert_eq!((run.start_line, run.end_line), (5, 9));
    assert_eq!(
        run.body,
        "apt-get update     && apt-get install -y curl     && rm -rf /var/lib/apt/lists/*"
    );
    // The empty line inside the continuation is skipped with a warning.
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.line == 7 && d.level == Level::Warning)
    );
    let user = only(&df, "USER");
    assert_eq!(user.words, vec!["app", "#", "not", "a", "comment"]);
    assert_eq!(user.start_line, 11);
}

#[test]
fn crlf_and_bom() {
    let df = parse("\u{feff}FROM a:1\r\nRUN echo \\\r\n  hi\r\n");
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    assert_eq!(only(&df, "RUN").body, "echo   hi");
}

#[test]
fn heredocs() {
    let text = "FROM alpine:3.20\nRUN <<EOF\napk add curl\nrm -rf /tmp/x\nEOF\nRUN <<-'SCRIPT' bash\n\t\techo $HOME\n\tSCRIPT\nCOPY <<A <<\"B\" /etc/\nfirst\nA\nsecond\nB\nUSER app\n";
    let df = parse(text);
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    let runs: Vec<_> = df.runs().collect();
    assert_eq!((runs[0].start_line, runs[0].end_line), (2, 5));
    assert_eq!(runs[0].heredocs[0].name, "EOF");
    assert_eq!(runs[0].heredocs[0].body, "apk add curl\nrm -rf /tmp/x\n");
    assert_eq!(
        runs[0].shell_text().unwrap(),
        "apk add curl\nrm -rf /tmp/x\n"
    );
    let commands = runs[0].commands();
    assert_eq!(commands[0].words, vec!["apk", "add", "curl"]);
    assert_eq!(commands[1].program(), Some("rm"));

    let h = &runs[1].heredocs[0];
    assert!(h.strip_tabs && h.quoted);
    assert_eq!(h.name, "SCRIPT");
    assert_eq!(h.body, "echo $HOME\n");
    assert_eq!((runs[1].start_line, runs[1].end_line), (6, 8));

    let copy = only(&df, "COPY");
    assert_eq!(copy.words, vec!["<<A", "<<B", "/etc/"]);
    assert_eq!(copy.heredocs.len(), 2);
    assert_eq!(copy.heredocs[0].body, "first\n");
    assert_eq!(copy.heredocs[1].body, "second\n");
    assert!(!copy.heredocs[0].quoted && copy.heredocs[1].quoted);
    assert_eq!((copy.start_line, copy.end_line), (9, 13));
    assert_eq!(only(&df, "USER").start_line, 14);
}

#[test]
fn heredoc_read_by_a_command() {
    let df = parse("FROM a:1\nRUN cat <<EOF > /etc/motd\nsudo is not run here\nEOF\n");
    let run = only(&df, "RUN");
    let commands = run.commands();
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].words, vec!["cat"]);
}

#[test]
fn unterminated_heredoc_is_an_error() {
    let df = parse("FROM a:1\nRUN <<EOF\necho hi\n");
    let errors: Vec<_> = df.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].message.contains("unterminated heredoc"));
    let run = only(&df, "RUN");
    assert_eq!(run.heredocs[0].body, "echo hi\n");
    assert_eq!(run.end_line, 3);
}

#[test]
fn here_strings_are_not_heredocs() {
    let df = parse("FROM a:1\nRUN cat <<<hello\nUSER app\n");
    assert!(only(&df, "RUN").heredocs.is_empty());
    assert_eq!(only(&df, "USER").start_line, 3);
}

#[test]
fn exec_and_shell_forms() {
    let df = parse(
        "FROM a:1\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT ['bad', 'json']\nRUN [\"/bin/sh\", \"-c\", \"apt-get update && apt-get install -y x\"]\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
    );
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    assert_eq!(
        only(&df, "CMD").command,
        Some(Command::Exec(vec![
            "nginx".into(),
            "-g".into(),
            "daemon off;".into()
        ]))
    );
    let entrypoint = only(&df, "ENTRYPOINT");
    assert_eq!(
        entrypoint.command,
        Some(Command::Shell("['bad', 'json']".into()))
    );
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.line == 3 && d.level == Level::Warning)
    );
    let run = only(&df, "RUN");
    assert!(run.is_exec_form());
    let programs: Vec<_> = run
        .commands()
        .iter()
        .filter_map(|c| c.program().map(str::to_owned))
        .collect();
    assert_eq!(programs, vec!["sh", "apt-get", "apt-get"]);
    assert_eq!(
        only(&df, "SHELL").words,
        vec!["/bin/bash", "-o", "pipefail", "-c"]
    );
}

#[test]
fn shell_must_use_json() {
    let df = parse("FROM a:1\nSHELL /bin/bash -c\n");
    assert_eq!(df.errors().next().unwrap().line, 2);
}

#[test]
fn flags() {
    let df = parse(
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN --mount=type=cache,target=/root/.cache --network=none go build ./...\nFROM scratch\nCOPY --from=build --chown=\"app:app\" --link /out/app /app\n",
    );
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let run = only(&df, "RUN");
    assert_eq!(
        run.flag_value("mount"),
        Some("type=cache,target=/root/.cache")
    );
    assert_eq!(run.flag_value("network"), Some("none"));
    assert_eq!(run.command, Some(Command::Shell("go build ./...".into())));
    let copy = only(&df, "COPY");
    assert_eq!(copy.flag_value("from"), Some("build"));
    assert_eq!(copy.flag_value("chown"), Some("app:app"));
    assert!(copy.flag("link").is_some_and(|f| f.value.is_none()));
    assert_eq!(copy.words, vec!["/out/app", "/app"]);
}

#[test]
fn env_arg_and_label() {
    let df = parse(
        "ARG VERSION=1.2 BASE\nFROM a:$VERSION\nENV A=1 B=\"two words\" C=three\\ words\nENV LEGACY some value here\nLABEL org.opencontainers.image.title=\"x y\"\nARG TOKEN\n",
    );
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    let globals: Vec<_> = df.global_args().collect();
    assert_eq!(globals.len(), 2);
    assert_eq!(globals[0].key, "VERSION");
    assert_eq!(globals[0].value.as_deref(), Some("1.2"));
    assert_eq!(globals[1].value, None);
    let envs: Vec<_> = df.instructions_named("ENV").collect();
    let pairs: Vec<_> = envs[0]
        .variables
        .iter()
        .map(|v| (v.key.as_str(), v.value.as_deref().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        vec![("A", "1"), ("B", "two words"), ("C", "three words")]
    );
    assert_eq!(envs[1].variables[0].key, "LEGACY");
    assert_eq!(
        envs[1].variables[0].value.as_deref(),
        Some("some value here")
    );
    assert_eq!(
        only(&df, "LABEL").variables[0].value.as_deref(),
        Some("x y")
    );
    let arg = df.instructions.last().unwrap();
    assert_eq!(arg.stage, Some(0));
    assert_eq!(arg.variables[0].key, "TOKEN");
}

#[test]
fn malformed_env_is_an_error() {
    let df = parse("FROM a:1\nENV A=1 B\n");
    assert_eq!(df.errors().next().unwrap().line, 2);
    assert_eq!(only(&df, "ENV").variables.len(), 1);
}

#[test]
fn stages_and_users() {
    let df = parse(
        "FROM golang:1.23 AS Build\nUSER builder\nRUN make\nFROM build AS test\nRUN make test\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /out /\n",
    );
    assert_eq!(df.stages.len(), 3);
    assert_eq!(df.stages[0].name.as_deref(), Some("Build"));
    assert_eq!(df.stages[0].instructions, 0..3);
    assert_eq!(df.stage_instructions(1).len(), 2);
    assert_eq!(df.stage_named("BUILD").map(|s| s.index), Some(0));
    assert_eq!(df.parent_stage(1), Some(0));
    assert_eq!(df.parent_stage(2), None);
    assert!(df.user(1).is_none());
    assert_eq!(df.effective_user(1).unwrap().words, vec!["builder"]);
    assert!(df.effective_user(2).is_none());
    assert_eq!(
        df.final_stage().unwrap().base,
        "gcr.io/distroless/static:nonroot"
    );
    assert_eq!(df.stage_from(2).unwrap().start_line, 6);
    assert!(df.instructions.iter().skip(5).all(|i| i.stage == Some(2)));
}

#[test]
fn unknown_instruction_and_missing_from() {
    let df = parse("RUN echo hi\nFOO bar\nFROM a:1\n");
    let errors: Vec<_> = df.errors().map(|d| (d.line, d.message.clone())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].1.contains("before the first FROM"));
    assert_eq!(errors[1], (2, "unknown instruction: FOO".to_owned()));
    assert_eq!(df.instructions[1].keyword, "FOO");

    let df = parse("# only a comment\n");
    assert_eq!(df.errors().next().unwrap().line, 0);
}

#[test]
fn healthcheck() {
    let df = parse(
        "FROM a:1\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK NONE\n",
    );
    assert!(df.errors().next().is_none(), "{:?}", messages(&df));
    let checks: Vec<_> = df.instructions_named("HEALTHCHECK").collect();
    assert_eq!(checks[0].flag_value("interval"), Some("30s"));
    assert_eq!(
        checks[0].command,
        Some(Command::Shell("curl -f http://localhost/ || exit 1".into()))
    );
    assert_eq!(checks[1].command, None);
}

#[test]
fn continuation_at_end_of_file() {
    let df = parse("FROM a:1\nRUN echo \\");
    let run = only(&df, "RUN");
    assert_eq!(run.body, "echo");
    assert_eq!(run.end_line, 2);
}

#[test]
fn odd_input_never_panics() {
    let inputs = [
        "",
        "\n",
        "\\",
        "FROM",
        "FROM --",
        "RUN <<",
        "RUN <<-",
        "RUN <<''",
        "COPY <<EOF",
        "ENV",
        "ENV =",
        "ARG =x",
        "HEALTHCHECK",
        "HEALTHCHECK CMD",
        "FROM a AS",
        "FROM a b c d",
        "RUN [",
        "RUN [\"a\"",
        "# escape=\n",
        "# escape=``\nRUN a`",
        "RUN \"unterminated",
        "RUN $(",
        "é\u{0}\u{7f}",
        "FROM a:1\nRUN <<A <<B\nA\n",
        "\r\r\n\r",
        "ONBUILD",
        "RUN --mount",
        "USER \\\n\\\n\\",
    ];
    for input in inputs {
        let df = parse(input);
        for ins in &df.instructions {
            assert!(
                ins.start_line >= 1 && ins.end_line >= ins.start_line,
                "{input:?}: {ins:?}"
            );
            let _ = ins.commands();
        }
    }
}
