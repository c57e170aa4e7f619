//! A real PostgreSQL for tests: a fresh cluster in a temporary directory,
//! listening on a free loopback port with trust authentication for the
//! role `kensa`, stopped (by its data directory) on drop.
//!
//! `initdb` and `pg_ctl` are looked up on PATH, in /usr/local/bin and
//! under /usr/lib/postgresql/*/bin. Without them [`Postgres::start`]
//! prints a SKIP line and returns None, except under `CI=true` where it
//! panics. PostgreSQL refuses to run as root, so as root both run as
//! `nobody` (through `runuser`, else `setpriv`) over a directory handed
//! to that user.
#![allow(dead_code)] // each test binary uses part of it

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A running PostgreSQL server.
pub struct Postgres {
    /// `postgres://kensa@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    run_as: Option<RunAs>,
    _dir: tempfile::TempDir,
}

/// How to drop root for PostgreSQL's tools.
#[derive(Clone, Copy)]
enum RunAs {
    Runuser,
    Setpriv { uid: u32, gid: u32 },
}

const USER: &str = "nobody";

fn skip(reason: &str) -> Option<Postgres> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PostgreSQL is required under CI=true: {reason}");
    }
    eprintln!("SKIP: PostgreSQL tests: {reason}");
    None
}

/// The directory holding both `initdb` and `pg_ctl`.
fn find_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates.push(PathBuf::from("/usr/local/bin"));
    candidates.push(PathBuf::from("/usr/local/pgsql/bin"));
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .collect();
        // The newest major version first.
        versions.sort_by_key(|p| {
            std::cmp::Reverse(
                p.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0),
            )
        });
        candidates.extend(versions);
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn id_of(flag: &str) -> Option<u32> {
    let output = Command::new("id").args([flag, USER]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// How to run as `nobody`: the first of runuser and setpriv that works.
fn drop_root() -> Option<RunAs> {
    let works = |command: &mut Command| {
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(Command::new("runuser").args(["-u", USER, "--", "true"])) {
        return Some(RunAs::Runuser);
    }
    let (uid, gid) = (id_of("-u")?, id_of("-g")?);
    if works(Command::new("setpriv").args([
        &format!("--reuid={uid}"),
        &format!("--regid={gid}"),
        "--clear-groups",
        "--",
        "true",
    ])) {
        return Some(RunAs::Setpriv { uid, gid });
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .expect("local address")
        .port()
}

/// Runs `program` (a PostgreSQL tool) with `args`, as `nobody` when `run_as`.
fn run(run_as: Option<RunAs>, program: &Path, args: &[&str]) -> std::io::Result<Output> {
    let mut command = match run_as {
        None => Command::new(program),
        Some(RunAs::Runuser) => {
            let mut c = Command::new("runuser");
            c.args(["-u", USER, "--"]).arg(program);
            c
        }
        Some(RunAs::Setpriv { uid, gid }) => {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".to_owned(),
                "--".to_owned(),
            ])
            .arg(program);
            c
        }
    };
    command
        .args(args)
        // A home `nobody` can read; PostgreSQL's tools look for ~/.pgpass and the like.
        .env("HOME", "/tmp")
        .env_remove("PGDATA")
        .env_remove("PGPORT")
        .env_remove("PGHOST")
        .stdin(Stdio::null())
        .output()
}

fn chown_to_nobody(path: &Path) {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{USER}:"))
        .arg(path)
        .status()
        .expect("run chown");
    assert!(status.success(), "chown {} to {USER}", path.display());
}

impl Postgres {
    /// Starts a fresh PostgreSQL; None (after a SKIP line) when it is not
    /// installed, a panic under `CI=true`.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = find_bin() else {
            return skip(
                "initdb/pg_ctl not found on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin",
            );
        };
        let run_as = if is_root() {
            match drop_root() {
                Some(run_as) => Some(run_as),
                None => {
                    return skip(&format!(
                        "running as root and neither `runuser -u {USER}` nor setpriv works"
                    ));
                }
            }
        } else {
            None
        };
        // /tmp rather than $TMPDIR: `nobody` must be able to reach it, and
        // the Unix socket path must stay short.
        let dir = tempfile::Builder::new()
            .prefix("kensa-pg-")
            .tempdir_in("/tmp")
            .expect("tempdir");
        if run_as.is_some() {
            chown_to_nobody(dir.path());
        }
        let data = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        let initdb = run(
            run_as,
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().expect("utf-8 path"),
                "-U",
                "kensa",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )
        .expect("run initdb");
        assert!(
            initdb.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&initdb.stdout),
            String::from_utf8_lossy(&initdb.stderr)
        );
        // A free port can be taken between the probe and the start: retry.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-k {} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off",
                dir.path().display()
            );
            let started = run(
                run_as,
                &bin.join("pg_ctl"),
                &[
                    "-D",
                    data.to_str().expect("utf-8 path"),
                    "-o",
                    &options,
                    "-l",
                    log.to_str().expect("utf-8 path"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            )
            .expect("run pg_ctl start");
            if started.status.success() {
                return Some(Postgres {
                    url: format!("postgres://kensa@127.0.0.1:{port}/postgres"),
                    port,
                    bin,
                    data,
                    log,
                    run_as,
                    _dir: dir,
                });
            }
            last_error = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&started.stdout),
                String::from_utf8_lossy(&started.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            // pg_ctl may leave a half-started server behind.
            let _ = run(
                run_as,
                &bin.join("pg_ctl"),
                &[
                    "-D",
                    data.to_str().expect("utf-8 path"),
                    "-m",
                    "immediate",
                    "stop",
                ],
            );
        }
        panic!("pg_ctl start failed: {last_error}");
    }

    /// The URL of database `name`.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://kensa@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` (letters, digits and `_`) and returns its URL.
    pub fn fresh_database(&self, name: &str) -> String {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "database name {name:?}: letters, digits and _ only"
        );
        let psql = self.tool("psql");
        let output = Command::new(&psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url, "-c"])
            .arg(format!("CREATE DATABASE \"{name}\""))
            .env_remove("PGPASSWORD")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", psql.display()));
        assert!(
            output.status.success(),
            "CREATE DATABASE {name}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        self.database_url(name)
    }

    /// Runs `psql` with `args` against database `url`; its output.
    pub fn psql(&self, url: &str, args: &[&str]) -> Output {
        Command::new(self.tool("psql"))
            .args(["-X", "-v", "ON_ERROR_STOP=1", "-d", url])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run psql")
    }

    /// A client tool: next to initdb, else on PATH.
    fn tool(&self, name: &str) -> PathBuf {
        let beside = self.bin.join(name);
        if beside.is_file() {
            beside
        } else {
            PathBuf::from(name)
        }
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // By its data directory: only this server.
        let _ = run(
            self.run_as,
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                self.data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}
