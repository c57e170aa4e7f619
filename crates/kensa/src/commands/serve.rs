//! `kensa serve`: the Pod Security Admission webhook (`--admission`).

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

use crate::exit;

/// Arguments of `kensa serve`.
#[derive(Args, Debug)]
#[command(
    about = "Serve Pod Security Admission as a validating webhook",
    long_about = "Serve Pod Security Admission as a ValidatingAdmissionWebhook over HTTPS.\n\n\
        Reviews (admission.k8s.io/v1 AdmissionReview) go to POST /validate and are answered \
        exactly as the API server's built-in PodSecurity plugin answers: denials, warnings and \
        audit annotations. Namespaces and pods come from --snapshot FILE (what \
        `kubectl get namespaces,pods -A -o json` prints) or, without it, from watching the \
        cluster of the kubeconfig context (or the in-cluster service account).\n\n\
        Also serves GET /healthz, /readyz (ready once the cluster state is loaded; not ready \
        while draining) and /metrics (Prometheus). The certificate and key are reloaded when \
        the files change. SIGTERM or Ctrl-C stops accepting and lets reviews in flight finish.",
    after_help = "Examples:\n  \
        kensa serve --admission --print-manifests --namespace kensa-system | kubectl apply -f -\n  \
        kensa serve --admission --listen 127.0.0.1:8443 --tls-cert tls.crt --tls-key tls.key \\\n      \
        --snapshot cluster.json --config podsecurity.yaml\n\n\
        Exit codes: 0 stopped cleanly, 2 usage error (bad flags, unreadable certificate, \
        snapshot or config, address in use).\nDocs: docs/admission.md"
)]
pub struct ServeArgs {
    /// Serve the Pod Security Admission webhook (the only server today).
    #[arg(long)]
    admission: bool,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443", value_name = "ADDR")]
    listen: SocketAddr,
    /// PEM certificate chain (reloaded when it changes).
    #[arg(long, value_name = "FILE", required_unless_present = "print_manifests")]
    tls_cert: Option<PathBuf>,
    /// PEM private key (reloaded when it changes).
    #[arg(long, value_name = "FILE", required_unless_present = "print_manifests")]
    tls_key: Option<PathBuf>,
    /// A PodSecurityConfiguration, or an AdmissionConfiguration holding one
    /// (defaults for unlabelled namespaces, exemptions). Default: privileged, no exemptions.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Namespaces and pods from this file instead of a live cluster.
    #[arg(long, value_name = "FILE", conflicts_with = "context")]
    snapshot: Option<PathBuf>,
    /// kubeconfig context to watch (default: the current one, or in-cluster).
    #[arg(long, value_name = "CTX")]
    context: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 6 * 1024 * 1024, value_name = "BYTES")]
    body_limit: usize,
    /// How long reviews in flight may finish after SIGTERM, in seconds.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    shutdown_grace: u64,
    /// Print the Deployment, PodDisruptionBudget, Service, RBAC,
    /// ValidatingWebhookConfiguration and cert-manager Certificate, and exit.
    #[arg(long)]
    print_manifests: bool,
    /// Namespace for --print-manifests.
    #[arg(long, default_value = "kensa-system", requires = "print_manifests")]
    namespace: String,
    /// Container image for --print-manifests.
    #[arg(long, requires = "print_manifests")]
    image: Option<String>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    if !args.admission {
        bail!("kensa serve: say which server: --admission");
    }
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
    let listener =
        TcpListener::bind(args.listen).with_context(|| format!("listening on {}", args.listen))?;
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
        let app = App::new(reviewer, store, metrics, args.body_limit);
        let mut options = ServeOptions::new(cert, key);
        options.body_limit = args.body_limit;
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
