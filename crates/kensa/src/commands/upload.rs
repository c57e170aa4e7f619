//! `--upload URL`: posting scan results to a `kensa serve` inventory.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;

/// Where and as whom to upload.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// Also post the results to this kensa server (its base URL, e.g.
    /// http://kensa.example:8080). Every finding is sent, before --severity,
    /// --ignore-unfixed and --vex filter the local report.
    #[arg(long, value_name = "URL")]
    pub upload: Option<String>,
    /// Bearer token for --upload (else $KENSA_TOKEN, else --token-file).
    /// A token on the command line is visible to other local users.
    #[arg(long, value_name = "TOKEN", requires = "upload")]
    pub token: Option<String>,
    /// File holding the bearer token for --upload.
    #[arg(
        long,
        value_name = "FILE",
        requires = "upload",
        conflicts_with = "token"
    )]
    pub token_file: Option<PathBuf>,
    /// Cluster name the results are filed under.
    #[arg(long, value_name = "NAME", requires = "upload")]
    pub cluster_name: Option<String>,
    /// Namespace the image runs in (with --application).
    #[arg(long, value_name = "NS", requires = "upload")]
    pub namespace_name: Option<String>,
    /// Application the image belongs to.
    #[arg(long, value_name = "NAME", requires = "upload")]
    pub application: Option<String>,
}

impl UploadArgs {
    fn token(&self) -> anyhow::Result<String> {
        if let Some(token) = &self.token {
            return Ok(token.clone());
        }
        if let Some(path) = &self.token_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the token file {}", path.display()))?;
            let token = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .with_context(|| format!("{}: no token in the file", path.display()))?;
            return Ok(token.to_owned());
        }
        match std::env::var("KENSA_TOKEN") {
            Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
            _ => bail!("--upload needs a token: --token, --token-file or $KENSA_TOKEN"),
        }
    }

    /// The placement of an uploaded image, from the flags.
    pub fn placements(&self) -> Vec<kensa_server::vm::upload::Placement> {
        match &self.application {
            Some(application) => vec![kensa_server::vm::upload::Placement {
                cluster: self.cluster_name.clone().unwrap_or_default(),
                namespace: self.namespace_name.clone().unwrap_or_default(),
                application: application.clone(),
                application_kind: "application".into(),
            }],
            None => Vec::new(),
        }
    }
}

/// What the server answered.
#[derive(Debug, serde::Deserialize)]
pub struct Answer {
    /// The scan's ID on the server.
    pub scan_id: i64,
    /// Findings new to the server.
    pub new_findings: i64,
    /// Findings the server had open that this scan no longer has.
    pub resolved_findings: i64,
}

/// Posts `document` to `path` under the server's base URL.
pub fn post(args: &UploadArgs, path: &str, document: &impl Serialize) -> anyhow::Result<Answer> {
    let Some(base) = &args.upload else {
        bail!("no --upload URL");
    };
    let token = args.token()?;
    let url = format!("{}{path}", base.trim_end_matches('/'));
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("--upload {base}: use an http:// or https:// URL");
    }
    let body = serde_json::to_vec(document).context("encoding the upload")?;
    kensa_server::tls::install_ring_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP client")?;
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(300))
            .build()
            .context("building the HTTP client")?;
        let response = client
            .post(&url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .with_context(|| format!("posting to {url}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or(text);
            bail!("{url} answered {status}: {message}");
        }
        serde_json::from_str(&text).with_context(|| format!("reading {url}'s answer"))
    })
}
