//! `kensa serve`: the vulnerability-management server (default) and the
//! Pod Security Admission webhook (`--admission`).

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use kensa_server::admission::Reviewer;
use kensa_server::manifests::{self, ManifestOptions};
use kensa_server::metrics::Metrics;
use kensa_server::serve::{App, ServeOptions, serve};
use kensa_server::state::Store;
use kensa_server::vm;

use crate::exit;

/// Arguments of `kensa serve`.
#[derive(Args, Debug)]
#[command(
    about = "Serve the vulnerability-management UI and API, or the PSA admission webhook",
    long_about = "Serve kensa's vulnerability management: an inventory of clusters, namespaces, \
        applications, images, packages and vulnerabilities, filled by `kensa image scan --upload`, \
        `kensa scan --upload` and the server's own cluster scans, with a web UI and a REST API \
        (/api/v1, OpenAPI at /api/openapi.json).\n\n\
        Storage is SQLite by default (~/.local/share/kensa/kensa.db, no setup) or PostgreSQL \
        (--db postgres://...); migrations are applied at start. Writes through the API need a \
        bearer token from --token-file (created with a random token when missing); the UI's \
        forms are CSRF-protected; --read-only serves no writes at all. /healthz and /metrics \
        (Prometheus) are served too.\n\n\
        With --admission, serve Pod Security Admission as a ValidatingAdmissionWebhook over HTTPS \
        instead (docs/admission.md): reviews go to POST /validate and are answered exactly as \
        the API server's PodSecurity plugin answers.",
    after_help = "Examples:\n  \
        kensa serve                                   # http://127.0.0.1:8080, SQLite\n  \
        kensa serve --listen 0.0.0.0:8080 --db postgres://kensa@db/kensa --token-file /etc/kensa/tokens\n  \
        kensa serve --scan-snapshot pods.json --cluster-name prod --scan-interval 6h\n  \
        kensa image scan registry.example/app:1 --upload http://127.0.0.1:8080 --token-file tok\n  \
        kensa serve --admission --listen 127.0.0.1:8443 --tls-cert tls.crt --tls-key tls.key --snapshot cluster.json\n\n\
        Exit codes: 0 stopped cleanly, 2 usage error (bad flags, database unreachable or newer \
        than this kensa, unreadable token file, certificate, snapshot or config, address in use).\n\
        Docs: docs/server.md, docs/admission.md"
)]
pub struct ServeArgs {
    /// Serve the Pod Security Admission webhook instead of vulnerability management.
    #[arg(long)]
    admission: bool,
    /// Address to listen on [default: 127.0.0.1:8080; 0.0.0.0:8443 with --admission].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Database: sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://~/.local/share/kensa/kensa.db].
    #[arg(long, value_name = "URL", conflicts_with = "admission")]
    db: Option<String>,
    /// Bearer tokens allowed to write, one a line [default: ~/.local/share/kensa/token,
    /// created with a random token when missing].
    #[arg(long, value_name = "FILE", conflicts_with = "admission")]
    token_file: Option<PathBuf>,
    /// Serve no writes: no uploads, no decisions, no scans.
    #[arg(long, conflicts_with = "admission")]
    read_only: bool,
    /// Scan the images of the pods in this file (`kubectl get pods,replicasets,deployments,
    /// statefulsets,daemonsets,jobs,cronjobs -A -o json`), re-read at every scan.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["admission", "scan_cluster"])]
    scan_snapshot: Option<PathBuf>,
    /// Scan the images of the live cluster's pods (kubeconfig context, or in-cluster).
    #[arg(long, conflicts_with = "admission")]
    scan_cluster: bool,
    /// The scanned cluster's name in the inventory.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "default",
        conflicts_with = "admission"
    )]
    cluster_name: String,
    /// Scan the cluster at start and then every DURATION (e.g. 30m, 6h, 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "admission")]
    scan_interval: Option<Duration>,
    /// Images scanned at once.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4,
        conflicts_with = "admission"
    )]
    scan_concurrency: usize,
    /// The most one image's pull and scan may take, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        conflicts_with = "admission"
    )]
    scan_timeout: u64,
    /// Vulnerability database for the server's scans [default: ~/.cache/kensa/db].
    #[arg(long, value_name = "DIR", conflicts_with = "admission")]
    vuln_db: Option<PathBuf>,
    /// Plain HTTP to loopback registries in the server's scans.
    #[arg(long, conflicts_with = "admission")]
    insecure_registry: bool,
    /// Layer cache for the server's scans [default: ~/.cache/kensa/layers].
    #[arg(long, value_name = "DIR", conflicts_with = "admission")]
    cache_dir: Option<PathBuf>,
    /// PEM certificate chain (reloaded when it changes). Vulnerability management serves
    /// plain HTTP without it.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key (reloaded when it changes).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A PodSecurityConfiguration, or an AdmissionConfiguration holding one
    /// (defaults for unlabelled namespaces, exemptions). Default: privileged, no exemptions.
    #[arg(long, value_name = "FILE", requires = "admission")]
    config: Option<PathBuf>,
    /// Namespaces and pods from this file instead of a live cluster (--admission).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "context",
        requires = "admission"
    )]
    snapshot: Option<PathBuf>,
    /// kubeconfig context to watch or scan (default: the current one, or in-cluster).
    #[arg(long, value_name = "CTX")]
    context: Option<String>,
    /// Largest request body accepted, in bytes [default: 6 MiB; 64 MiB without --admission].
    #[arg(long, value_name = "BYTES")]
    body_limit: Option<usize>,
    /// How long requests in flight may finish after SIGTERM, in seconds.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    shutdown_grace: u64,
    /// Print the Deployment, PodDisruptionBudget, Service, RBAC,
    /// ValidatingWebhookConfiguration and cert-manager Certificate, and exit (--admission).
    #[arg(long, requires = "admission")]
    print_manifests: bool,
    /// Namespace for --print-manifests.
    #[arg(long, default_value = "kensa-system", requires = "print_manifests")]
    namespace: String,
    /// Container image for --print-manifests.
    #[arg(long, requires = "print_manifests")]
    image: Option<String>,
}

/// `30s`, `15m`, `6h`, `1d`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (30s, 15m, 6h, 1d)"))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    if seconds < 60 {
        return Err(format!("{text:?}: scans are at least a minute apart"));
    }
    Ok(Duration::from_secs(seconds))
}

pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    if args.admission {
        run_admission(args)
    } else {
        run_inventory(args)
    }
}

fn run_inventory(args: ServeArgs) -> anyhow::Result<u8> {
    let listen = args
        .listen
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let db_url = args
        .db
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", vm::db::default_sqlite_path().display()));
    let token_path = args
        .token_file
        .clone()
        .unwrap_or_else(|| vm::db::default_sqlite_path().with_file_name("token"));
    let (tokens, created) = if args.read_only {
        (vm::security::Tokens::default(), false)
    } else if args.token_file.is_some() {
        (vm::security::Tokens::from_file(&token_path)?, false)
    } else {
        vm::security::load_or_create_tokens(&token_path)?
    };
    let scanner = if args.scan_snapshot.is_some() || args.scan_cluster {
        let source = match &args.scan_snapshot {
            Some(path) => {
                // Re-read at every scan, but a file that is missing or
                // broken now is a usage error now, not a failed scan later.
                vm::web::images_in_snapshot(path, &args.cluster_name)?;
                vm::web::ScanSource::Snapshot(path.clone())
            }
            None => vm::web::ScanSource::Cluster(args.context.clone()),
        };
        let read = kensa_image::source::ReadOptions {
            registry: kensa_image::source::RegistryOptions {
                insecure: args.insecure_registry,
                ..Default::default()
            },
            cache_dir: args.cache_dir.clone(),
            ..Default::default()
        };
        Some(vm::web::Scanner {
            source,
            cluster: args.cluster_name.clone(),
            options: vm::runtime_scan::RuntimeScanOptions {
                concurrency: args.scan_concurrency.max(1),
                timeout: Duration::from_secs(args.scan_timeout.max(1)),
                read: Arc::new(read),
                vuln_db: args
                    .vuln_db
                    .clone()
                    .unwrap_or_else(kensa_vuln::db::Database::default_dir),
            },
        })
    } else {
        if args.scan_interval.is_some() {
            bail!("--scan-interval needs --scan-snapshot FILE or --scan-cluster");
        }
        None
    };
    let listener = TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let shutdown = shutdown_signal()?;
        let db = vm::Db::connect(&db_url).await?;
        let log: Arc<dyn Fn(String) + Send + Sync> =
            Arc::new(|line: String| eprintln!("kensa serve: {line}"));
        if created {
            log(format!(
                "created the token file {} (uploads need a token from it)",
                token_path.display()
            ));
        }
        let state = Arc::new(vm::web::VmState {
            log: Arc::clone(&log),
            ..vm::web::VmState::new(db, tokens, args.read_only, scanner)?
        });
        let scheme = if args.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        log(format!(
            "vulnerability management on {scheme}://{} ({}, {}{})",
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            vm::db::redact_url(&db_url),
            if args.read_only {
                "read-only"
            } else {
                "writes need a token"
            },
            match &state.scanner {
                Some(s) => format!(", scanning cluster {}", s.cluster),
                None => String::new(),
            }
        ));
        let options = vm::web::RunOptions {
            tls: args.tls_cert.clone().zip(args.tls_key.clone()),
            body_limit: args.body_limit.unwrap_or(64 * 1024 * 1024),
            scan_interval: args.scan_interval,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        };
        vm::web::run(state, listener, options, shutdown).await?;
        log("stopped".into());
        anyhow::Ok(())
    })?;
    Ok(exit::OK)
}

fn run_admission(args: ServeArgs) -> anyhow::Result<u8> {
    let listen = args
        .listen
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8443)));
    let body_limit = args.body_limit.unwrap_or(6 * 1024 * 1024);
    if args.print_manifests {
        let mut options = ManifestOptions {
            namespace: args.namespace.clone(),
            ..ManifestOptions::default()
        };
        if let Some(image) = &args.image {
            options.image = image.clone();
        }
        print!("{}", manifests::render(&options));
        return Ok(exit::OK);
    }
    let (Some(cert), Some(key)) = (args.tls_cert.clone(), args.tls_key.clone()) else {
        bail!("--tls-cert and --tls-key are required");
    };
    let config = match &args.config {
        Some(path) => super::pss_namespaces::read_config(path)?,
        None => kensa_pss::namespace::AdmissionConfig::default(),
    };
    let listener = TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let shutdown = shutdown_signal()?;
        let store = Arc::new(match &args.snapshot {
            Some(path) => Store::from_snapshot_file(path)?,
            None => Store::new(),
        });
        if args.snapshot.is_none() {
            start_watching(Arc::clone(&store), args.context.clone()).await?;
        }
        let metrics = Arc::new(Metrics::new());
        let reviewer = Reviewer::new(config, Arc::clone(&store));
        let app = App::new(reviewer, store, metrics, body_limit);
        let mut options = ServeOptions::new(cert, key);
        options.body_limit = body_limit;
        options.shutdown_grace = Duration::from_secs(args.shutdown_grace);
        let log: Arc<dyn Fn(String) + Send + Sync> =
            Arc::new(|line: String| eprintln!("kensa serve: {line}"));
        eprintln!(
            "kensa serve: admission webhook on https://{}/validate",
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
        serve(app, listener, options, shutdown, log).await?;
        eprintln!("kensa serve: stopped");
        anyhow::Ok(())
    })?;
    Ok(exit::OK)
}

async fn start_watching(store: Arc<Store>, context: Option<String>) -> anyhow::Result<()> {
    kensa_server::watch::start(store, context.as_deref())
        .await
        .context("watching the cluster (use --snapshot FILE to run without one)")
}

/// Resolves on SIGTERM (what the kubelet sends) or Ctrl-C. The handlers
/// are registered when this is called, not when the future is first polled,
/// so a signal that arrives while the server starts is not lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("handling SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("handling SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
    })
}
