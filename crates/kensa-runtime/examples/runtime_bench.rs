//! Workloads for `scripts/bench/runtime.sh`, the benchmark of the runtime
//! engine's cost (docs/benchmarks.md, "kensa runtime"). `floor` and
//! `compare` load BPF programs and need root.
//!
//! ```text
//! runtime_bench loop N FILE          N × open(FILE), read 4 KiB, close; prints ns per iteration
//! runtime_bench floor N FILE         N iterations with nothing attached and N with only the
//!                                    empty sys_enter program attached, in alternating tenths;
//!                                    prints "none floor median-ratio" (ns per iteration)
//! runtime_bench compare N FILE POLICY outside|inside
//!                                    N iterations under the floor and N with POLICY's programs
//!                                    loaded as `kensa runtime run` loads them, in alternating
//!                                    tenths, this process outside or inside the policy's
//!                                    cgroup; prints "floor policy median-ratio"
//! runtime_bench rate R|max SECONDS FILE [pread]
//!                                    open/read/close paced at R per second (or as fast as
//!                                    it goes) for SECONDS; with `pread`, 4 KiB preads of
//!                                    FILE opened once instead; prints "iterations seconds"
//! ```
//!
//! FILE should hold at least 4 KiB so that each iteration is exactly three
//! syscalls (openat, read, close). Figures go to standard output on one
//! line; details go to standard error, the last line being this process's
//! CPU time (`runtime_bench: cpu SECONDS s`).
//!
//! The alternating modes compare two configurations inside one process,
//! slice by slice (A B B A A B …), so that drifts in the machine's speed
//! fall on both alike; the ratio is the median of the ten pairs' ratios.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kensa_runtime::compile::{self, Mode};
use kensa_runtime::kernel::{self, Engine, Options, Scope};

/// One open/read/close; the number of bytes read.
#[inline(never)]
fn once(path: &Path, buf: &mut [u8; 4096]) -> usize {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(err) => {
            eprintln!("runtime_bench: {}: {err}", path.display());
            std::process::exit(1);
        }
    };
    file.read(buf).unwrap_or(0)
}

/// `n` iterations; ns per iteration.
fn iterations(n: u64, path: &Path, buf: &mut [u8; 4096]) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(once(path, buf));
    }
    start.elapsed().as_nanos() as f64 / n.max(1) as f64
}

/// A short warm-up that also checks the read is one full 4 KiB read.
fn warm_up(n: u64, path: &Path, buf: &mut [u8; 4096]) {
    let mut bytes = 0;
    for _ in 0..n.max(1) {
        bytes = once(path, buf);
    }
    if bytes < buf.len() {
        eprintln!(
            "runtime_bench: note: {} gave {bytes} bytes, not 4096: the read is not one full read",
            path.display()
        );
    }
}

/// Runs `n` iterations (after a warm-up of n/100); ns per iteration.
fn run_loop(n: u64, path: &Path) -> f64 {
    let mut buf = [0u8; 4096];
    warm_up(n / 100, path, &mut buf);
    // Timed in ten slices, to show how steady the machine was.
    let mut slices = Vec::with_capacity(10);
    let start = Instant::now();
    for k in 0..10u64 {
        let (from, to) = (n * k / 10, n * (k + 1) / 10);
        if to > from {
            slices.push(iterations(to - from, path, &mut buf));
        }
    }
    let elapsed = start.elapsed();
    let ns = elapsed.as_nanos() as f64 / n.max(1) as f64;
    slices.sort_by(f64::total_cmp);
    eprintln!(
        "runtime_bench: {n} iterations in {:.3} s: {ns:.1} ns per iteration \
         (tenths: min {:.0}, median {:.0}, max {:.0})",
        elapsed.as_secs_f64(),
        slices.first().copied().unwrap_or(ns),
        slices.get(slices.len() / 2).copied().unwrap_or(ns),
        slices.last().copied().unwrap_or(ns),
    );
    ns
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `n` iterations under configuration A and `n` under B, in ten
/// alternating pairs of slices (A B, B A, A B, …). `setup(false)` sets up A,
/// `setup(true)` B; what it returns stays alive for the slice. Returns
/// (A ns/iter, B ns/iter, median of the pairs' B/A).
fn alternate<T>(
    n: u64,
    path: &Path,
    setup: &mut dyn FnMut(bool) -> Result<T, String>,
) -> Result<(f64, f64, f64), String> {
    let mut buf = [0u8; 4096];
    warm_up(n / 100, path, &mut buf);
    let slice = (n / 10).max(1);
    let (mut total_a, mut total_b) = (0.0, 0.0);
    let mut ratios = Vec::with_capacity(10);
    for pair in 0..10 {
        let mut measured = [0.0; 2];
        let order = if pair % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for b in order {
            let held = setup(b)?;
            // Let attaching or detaching settle (deferred closes, RCU).
            std::thread::sleep(Duration::from_millis(20));
            measured[usize::from(b)] = iterations(slice, path, &mut buf);
            drop(held);
        }
        total_a += measured[0];
        total_b += measured[1];
        ratios.push(measured[1] / measured[0]);
    }
    let (a, b) = (total_a / 10.0, total_b / 10.0);
    let mut sorted = ratios.clone();
    let ratio = median(&mut sorted);
    eprintln!(
        "runtime_bench: 10 × {slice} iterations each: {a:.1} and {b:.1} ns per iteration; \
         pair ratios {}; median {ratio:.3}",
        ratios
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok((a, b, ratio))
}

/// The policies of `file`, read, checked and compiled as `kensa runtime run`
/// does.
fn compile_policy(file: &Path) -> Result<compile::Compiled, String> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| format!("{name}: {e}"))?;
    let (policies, errors) = kensa_runtime::parse_policies(&name, &text);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    let mut loaded = Vec::new();
    for policy in policies {
        if let Some(e) = kensa_runtime::validate(&policy).first() {
            return Err(format!("{name}: {}: {}", e.path, e.problem));
        }
        match kensa_runtime::plan(&policy) {
            Ok(plan) => loaded.push((policy, plan)),
            Err(unsupported) => {
                return Err(unsupported
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "));
            }
        }
    }
    let resolve = |p: &str| {
        std::fs::canonicalize(p)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    };
    compile::compile(
        &loaded,
        Mode::Run,
        &resolve,
        &kensa_runtime::namespaces::HostNamespaces::read(std::path::Path::new("/proc")),
    )
    .map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The cgroup2 mount point, from /proc/self/mountinfo.
fn cgroup2_mount() -> Result<PathBuf, String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|line| {
            let (mount, fs) = line.split_once(" - ")?;
            if fs.split(' ').next()? != "cgroup2" {
                return None;
            }
            let mut fields = mount.split(' ');
            let root = fields.nth(3)?;
            let point = fields.next()?;
            (root == "/").then(|| PathBuf::from(point))
        })
        .ok_or_else(|| "no cgroup2 hierarchy is mounted".to_owned())
}

/// A cgroup of its own for the policy's scope; with `enter`, this process
/// moves into it (and back out when dropped).
struct BenchCgroup {
    dir: PathBuf,
    home: Option<PathBuf>,
}

impl BenchCgroup {
    fn create(enter: bool) -> Result<Self, String> {
        let mount = cgroup2_mount()?;
        let dir = mount.join(format!("kensa-bench-{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut cgroup = BenchCgroup { dir, home: None };
        if enter {
            let own = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| e.to_string())?;
            let relative = own
                .lines()
                .find_map(|l| l.strip_prefix("0::"))
                .ok_or("this process has no cgroup2 cgroup")?;
            let home = mount.join(relative.trim_start_matches('/'));
            let procs = cgroup.dir.join("cgroup.procs");
            std::fs::write(&procs, std::process::id().to_string())
                .map_err(|e| format!("{}: {e}", procs.display()))?;
            cgroup.home = Some(home);
        }
        Ok(cgroup)
    }
}

impl Drop for BenchCgroup {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            let _ = std::fs::write(home.join("cgroup.procs"), std::process::id().to_string());
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// This process's CPU time in seconds (user + system), from
/// /proc/self/stat, so that the script can tell kensa's CPU from the
/// workload's.
fn own_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces) start at 3.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok());
    match (ticks(14), ticks(15)) {
        // USER_HZ is 100 on Linux for every architecture kensa runs on.
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: runtime_bench loop N FILE | floor N FILE | compare N FILE POLICY outside|inside \
         | rate PER_SECOND|max SECONDS FILE [pread]"
    );
    ExitCode::from(2)
}

fn floor() -> Result<Engine, String> {
    Engine::load_floor().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["loop", n, file] => {
            let Ok(n) = n.parse::<u64>() else {
                return usage();
            };
            println!("{:.1}", run_loop(n, Path::new(file)));
            Ok(())
        }
        ["floor", n, file] => {
            let Ok(n) = n.parse::<u64>() else {
                return usage();
            };
            alternate(n, Path::new(file), &mut |attached| {
                attached.then(floor).transpose()
            })
            .map(|(none, floor, ratio)| println!("{none:.1} {floor:.1} {ratio:.4}"))
        }
        ["compare", n, file, policy, side @ ("outside" | "inside")] => {
            let Ok(n) = n.parse::<u64>() else {
                return usage();
            };
            (|| {
                let compiled = compile_policy(Path::new(policy))?;
                let cgroup = BenchCgroup::create(*side == "inside")?;
                let id = kernel::cgroup_id(&cgroup.dir).map_err(|e| e.to_string())?;
                let scope = Scope::Workload {
                    dir: cgroup.dir.clone(),
                    id,
                };
                let result = alternate(n, Path::new(file), &mut |policy| {
                    if policy {
                        Engine::load(&compiled, &scope, &Options::default())
                            .map_err(|e| e.to_string())
                    } else {
                        floor()
                    }
                });
                drop(cgroup);
                result
            })()
            .map(|(floor, policy, ratio)| println!("{floor:.1} {policy:.1} {ratio:.4}"))
        }
        ["rate", rate, seconds, file, rest @ ..] if rest.is_empty() || rest == ["pread"] => {
            let rate = match *rate {
                "max" => None,
                r => match r.parse::<u64>() {
                    Ok(r) if r > 0 => Some(r),
                    _ => return usage(),
                },
            };
            let Ok(seconds) = seconds.parse::<f64>() else {
                return usage();
            };
            let (done, wall) = run_rate(rate, seconds, Path::new(file), !rest.is_empty());
            eprintln!(
                "runtime_bench: {done} iterations in {:.3} s: {:.0} per second (asked {})",
                wall.as_secs_f64(),
                done as f64 / wall.as_secs_f64(),
                rate.map_or("as fast as possible".to_owned(), |r| r.to_string())
            );
            println!("{done} {:.6}", wall.as_secs_f64());
            Ok(())
        }
        _ => return usage(),
    };
    eprintln!("runtime_bench: cpu {:.2} s", own_cpu_seconds());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("runtime_bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `rate` iterations per second (as fast as it goes with `None`) for
/// `seconds`, paced against the clock (late iterations catch up, so the
/// average holds). An iteration is open/read/close, or with `pread` one
/// 4 KiB pread of FILE opened once. Returns the number done and the wall
/// time.
fn run_rate(rate: Option<u64>, seconds: f64, path: &Path, pread: bool) -> (u64, Duration) {
    use std::os::unix::fs::FileExt;
    let mut buf = [0u8; 4096];
    let file = if pread {
        match File::open(path) {
            Ok(f) => Some(f),
            Err(err) => {
                eprintln!("runtime_bench: {}: {err}", path.display());
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let limit = Duration::from_secs_f64(seconds);
    let total = rate.map_or(u64::MAX, |r| (r as f64 * seconds).round() as u64);
    let period = rate.map_or(0.0, |r| 1e9 / r as f64);
    let start = Instant::now();
    let mut done = 0;
    while done < total {
        if rate.is_some() {
            let due = Duration::from_nanos((done as f64 * period) as u64);
            let now = start.elapsed();
            if due > now {
                let ahead = due - now;
                // Sleeping costs a timer slack of ~50 µs; below that, spin.
                if ahead > Duration::from_micros(200) {
                    std::thread::sleep(ahead - Duration::from_micros(100));
                }
                while start.elapsed() < due {
                    std::hint::spin_loop();
                }
            }
        } else if done % 1024 == 0 && start.elapsed() >= limit {
            break;
        }
        match &file {
            Some(f) => {
                std::hint::black_box(f.read_at(&mut buf, 0).unwrap_or(0));
            }
            None => {
                std::hint::black_box(once(path, &mut buf));
            }
        }
        done += 1;
    }
    (done, start.elapsed())
}
