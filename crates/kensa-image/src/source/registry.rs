//! Registries over the OCI distribution API, through `oci-client`.
//!
//! A reference (`host[:port]/ns/img[:tag][@sha256:...]`, or Docker Hub
//! shorthand such as `alpine`) is resolved in three steps:
//!
//! 1. the manifest the tag or digest names is fetched and checked against
//!    the reference's digest; an image index (or Docker manifest list) is
//!    resolved to the manifest for the platform asked for;
//! 2. the config is fetched (digest checked) for the diff IDs and platform;
//! 3. each layer is taken from the [`LayerCache`] by diff ID, or streamed
//!    from the registry into it; the cache checks the blob's digest before
//!    the file gets its final name.
//!
//! Manifests and configs are decoded here (not by `oci-client`) so that the
//! same lenient-but-checked rules as for OCI layouts apply, and so that a
//! Docker schema 1 manifest is refused with a reason rather than a parse
//! error.
//!
//! Errors are mapped to [`SourceError::Registry`] with the HTTP status when
//! there was one. `oci-client` does not expose response headers, so a 429's
//! `Retry-After` cannot be honoured: kensa does not retry and says so.

pub mod credentials;

use std::io::{self, Read};
use std::net::IpAddr;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{DigestError, OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde::Deserialize;

use self::credentials::{Credentials, Secret};
use super::cache::{self, LayerCache};
use super::spec::{self, Descriptor, Index, Manifest};
use super::{Blob, Progress, ReadOptions, Resolved, SourceError, digest};
use crate::image::Image;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker image manifest, schema 1 (refused).
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker image manifest, schema 1, signed (refused).
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// Manifest kinds asked for, in the `Accept` header.
const ACCEPTED_MANIFESTS: &[&str] = &[
    OCI_MANIFEST,
    DOCKER_MANIFEST,
    spec::OCI_INDEX,
    spec::DOCKER_LIST,
];

/// Config media types of container images (an artifact such as a Helm
/// chart or a Wasm module has another, and no root filesystem to scan).
const IMAGE_CONFIGS: &[&str] = &[
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// Layer media types kensa reads: tars, plain, gzip or zstd (the layer
/// reader tells them apart by their magic bytes).
const IMAGE_LAYERS: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// Configs are small; a registry that sends more is not sending a config.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Indexes may nest; real ones are one level deep.
const MAX_INDEX_DEPTH: usize = 4;

/// What to say on a 401 or 403.
const AUTH_HINT: &str =
    "authentication required or denied (check ~/.docker/config.json / docker login)";

/// Resolves a registry reference, downloading layers into the cache.
///
/// Synchronous: it runs its own single-threaded tokio runtime, so it must
/// not be called from inside an async runtime (that is refused with an
/// error rather than a panic).
pub fn resolve(
    reference: &str,
    name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Resolved, SourceError> {
    let parsed = parse_reference(reference)?;
    let host = parsed.registry().to_owned();
    let protocol = protocol_for(reference, &host, options.registry.insecure)?;
    let creds = credentials::lookup(options.registry.docker_config.as_deref(), &host)?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(registry_error(
            reference,
            None,
            "registry pulls run their own runtime and cannot be started from async code \
             (call from a blocking thread)",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| registry_error(reference, None, &format!("cannot start a runtime: {e}")))?;
    let client = new_client(reference, protocol)?;
    let puller = Puller {
        client,
        reference: parsed,
        text: reference.to_owned(),
        auth: to_registry_auth(&creds),
        creds,
    };
    let target = runtime.block_on(puller.manifest_and_config(options))?;
    let layers = spec::layers(&target.manifest, &target.config, &target.manifest_digest)?;
    for layer in &target.manifest.layers {
        if !IMAGE_LAYERS.contains(&layer.media_type.as_str()) {
            return Err(SourceError::BadManifest {
                location: format!("{reference} ({})", target.manifest_digest),
                message: format!(
                    "layer {} has media type {:?}, which is not an image layer",
                    layer.digest, layer.media_type
                ),
            });
        }
    }
    let cache = LayerCache::new(options.cache_dir.clone().unwrap_or_else(cache::default_dir));
    let mut blobs = Vec::with_capacity(layers.len());
    for (layer, diff_id) in target
        .manifest
        .layers
        .iter()
        .zip(&target.config.rootfs.diff_ids)
    {
        if let Some(blob) = cache.lookup(diff_id) {
            blobs.push(blob);
            continue;
        }
        blobs.push(puller.download(&runtime, &cache, layer, diff_id, progress)?);
    }
    let repository = format!(
        "{}/{}",
        puller.reference.registry(),
        puller.reference.repository()
    );
    let repo_tags = puller
        .reference
        .tag()
        .map(|tag| format!("{repository}:{tag}"))
        .into_iter()
        .collect();
    Ok(Resolved {
        image: Image {
            name: name.to_owned(),
            id: Some(target.manifest.config.digest.clone()),
            manifest_digest: Some(target.manifest_digest.clone()),
            repo_tags,
            // The digest the tag points at (an index for a multi-arch
            // image), as `docker inspect` reports it: it pulls this image
            // again on any platform.
            repo_digests: vec![format!("{repository}@{}", target.top_digest)],
            platform: target.config.platform(),
            layers,
            catalog: Default::default(),
        },
        blobs,
    })
}

/// Parses a reference with `oci-client`'s rules (Docker Hub shorthand
/// included).
pub fn parse_reference(reference: &str) -> Result<Reference, SourceError> {
    Reference::try_from(reference).map_err(|e| SourceError::BadReference {
        reference: reference.to_owned(),
        message: format!("not a registry reference: {e}"),
    })
}

/// Whether `host[:port]` is a loopback address or name.
pub fn is_loopback(host: &str) -> bool {
    let bare = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Plain HTTP only for loopback registries: anything else would send
/// credentials and trust image bytes over the network in the clear.
fn protocol_for(
    reference: &str,
    host: &str,
    insecure: bool,
) -> Result<ClientProtocol, SourceError> {
    if !insecure {
        return Ok(ClientProtocol::Https);
    }
    if is_loopback(host) {
        Ok(ClientProtocol::HttpsExcept(vec![host.to_owned()]))
    } else {
        Err(SourceError::BadReference {
            reference: reference.to_owned(),
            message: format!(
                "--insecure (plain HTTP) is allowed only for loopback registries \
                 (localhost, 127.0.0.0/8, ::1), not {host}"
            ),
        })
    }
}

fn new_client(reference: &str, protocol: ClientProtocol) -> Result<Client, SourceError> {
    // reqwest is built without a crypto provider so that ring is the only
    // one in the workspace; another caller may have installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::try_from(ClientConfig {
        protocol,
        ..Default::default()
    })
    .map_err(|e| registry_error(reference, None, &format!("cannot set up HTTP client: {e}")))
}

fn to_registry_auth(creds: &Credentials) -> RegistryAuth {
    match &creds.secret {
        Secret::Anonymous => RegistryAuth::Anonymous,
        Secret::Basic { username, password } => {
            RegistryAuth::Basic(username.clone(), password.clone())
        }
        Secret::Bearer(token) => RegistryAuth::Bearer(token.clone()),
    }
}

fn registry_error(reference: &str, status: Option<u16>, message: &str) -> SourceError {
    SourceError::Registry {
        reference: reference.to_owned(),
        status,
        message: message.to_owned(),
    }
}

/// The words for an HTTP status a user can act on.
pub fn status_message(status: u16) -> String {
    match status {
        401 | 403 => AUTH_HINT.to_owned(),
        404 => "image or tag not found".to_owned(),
        429 => "rate limited by the registry; retry later".to_owned(),
        500..=599 => format!("registry error {status}"),
        other => format!("registry answered HTTP {other}"),
    }
}

/// The status a distribution error code stands for: `oci-client` decodes
/// the error body of a 4xx but drops its status.
fn status_of_code(code: &OciErrorCode) -> Option<u16> {
    match code {
        OciErrorCode::Unauthorized => Some(401),
        OciErrorCode::Denied => Some(403),
        OciErrorCode::ManifestUnknown
        | OciErrorCode::NameUnknown
        | OciErrorCode::BlobUnknown
        | OciErrorCode::NotFound => Some(404),
        OciErrorCode::Toomanyrequests => Some(429),
        _ => None,
    }
}

/// Every cause in an error chain, so "error sending request" comes with
/// "Connection refused" or the certificate problem behind it.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

struct Target {
    manifest: Manifest,
    manifest_digest: String,
    top_digest: String,
    config: spec::Config,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Versioned {
    #[serde(default)]
    schema_version: Option<u64>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
}

struct Puller {
    client: Client,
    reference: Reference,
    text: String,
    auth: RegistryAuth,
    creds: Credentials,
}

impl Puller {
    fn error(&self, error: OciDistributionError) -> SourceError {
        let (status, message) = match &error {
            OciDistributionError::UnauthorizedError { .. } => (Some(401), AUTH_HINT.to_owned()),
            OciDistributionError::AuthenticationFailure(reason) => (
                Some(401),
                format!("{AUTH_HINT}; the token server said: {}", reason.trim()),
            ),
            OciDistributionError::RegistryError { envelope, .. } => {
                let status = envelope.errors.iter().find_map(|e| status_of_code(&e.code));
                let detail = envelope
                    .errors
                    .iter()
                    .map(|e| e.message.trim())
                    .filter(|m| !m.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                let base = status.map_or_else(|| "registry refused".to_owned(), status_message);
                let message = if detail.is_empty() {
                    base
                } else {
                    format!("{base} ({detail})")
                };
                (status, message)
            }
            OciDistributionError::ServerError { code, .. } => (Some(*code), status_message(*code)),
            OciDistributionError::RequestError(e) => {
                let host = self.reference.resolve_registry();
                match e.status() {
                    Some(status) => (Some(status.as_u16()), status_message(status.as_u16())),
                    None if e.is_connect() => {
                        (None, format!("cannot connect to {host}: {}", causes(e)))
                    }
                    None if e.is_timeout() => (None, format!("{host} timed out: {}", causes(e))),
                    None => (None, format!("request to {host} failed: {}", causes(e))),
                }
            }
            OciDistributionError::DigestError(DigestError::VerificationError {
                expected,
                actual,
            }) => {
                return SourceError::DigestMismatch {
                    location: self.text.clone(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                };
            }
            other => (None, causes(other)),
        };
        let message = match (&self.creds.helper, status) {
            (Some(helper), Some(401 | 403)) => format!(
                "{message}; the credentials for {} are in the credential helper {helper}, \
                 which kensa does not run: add them under \"auths\" in {}",
                self.reference.registry(),
                self.creds.source.as_ref().map_or_else(
                    || "the Docker config".to_owned(),
                    |p| p.display().to_string()
                )
            ),
            _ => message,
        };
        registry_error(&self.text, status, &message)
    }

    fn with_digest(&self, digest: &str) -> Reference {
        self.reference.clone_with_digest(digest.to_owned())
    }

    /// Fetches a manifest by tag or digest and checks it against `expected`.
    async fn fetch_manifest(
        &self,
        at: &Reference,
        expected: Option<&str>,
    ) -> Result<(Vec<u8>, String), SourceError> {
        let (body, _) = self
            .client
            .pull_manifest_raw(at, &self.auth, ACCEPTED_MANIFESTS)
            .await
            .map_err(|e| self.error(e))?;
        let actual = digest::sha256(&body);
        if let Some(expected) = expected
            && expected != actual
        {
            return Err(SourceError::DigestMismatch {
                location: format!("{} (manifest)", self.text),
                expected: expected.to_owned(),
                actual,
            });
        }
        Ok((body.to_vec(), actual))
    }

    async fn manifest_and_config(&self, options: &ReadOptions) -> Result<Target, SourceError> {
        let mut at = self.reference.clone();
        let mut expected = self.reference.digest().map(str::to_owned);
        let mut top_digest = None;
        for _ in 0..MAX_INDEX_DEPTH {
            let (body, manifest_digest) = self.fetch_manifest(&at, expected.as_deref()).await?;
            top_digest.get_or_insert_with(|| manifest_digest.clone());
            let location = format!("{} ({manifest_digest})", self.text);
            let versioned: Versioned = spec::decode(&body, &location, "manifest")?;
            let media_type = versioned.media_type.as_deref().unwrap_or("");
            if versioned.schema_version == Some(1)
                || media_type == DOCKER_SCHEMA1
                || media_type == DOCKER_SCHEMA1_SIGNED
            {
                return Err(SourceError::BadManifest {
                    location,
                    message: "Docker schema 1 manifests are not supported (deprecated since \
                              2017); push the image again with a current docker or skopeo"
                        .into(),
                });
            }
            let is_index = media_type == spec::OCI_INDEX
                || media_type == spec::DOCKER_LIST
                || (media_type.is_empty() && versioned.manifests.is_some());
            if is_index {
                let index: Index = spec::decode(&body, &location, "image index")?;
                let chosen =
                    spec::pick_platform(&index, options.registry.platform.as_deref(), &self.text)?;
                if !spec::valid_digest(&chosen.digest) {
                    return Err(SourceError::BadManifest {
                        location,
                        message: format!("{:?} is not a sha256 digest", chosen.digest),
                    });
                }
                at = self.with_digest(&chosen.digest);
                expected = Some(chosen.digest.clone());
                continue;
            }
            if !media_type.is_empty() && media_type != OCI_MANIFEST && media_type != DOCKER_MANIFEST
            {
                return Err(SourceError::BadManifest {
                    location,
                    message: format!("unsupported manifest media type {media_type:?}"),
                });
            }
            let manifest: Manifest = spec::decode(&body, &location, "image manifest")?;
            if !IMAGE_CONFIGS.contains(&manifest.config.media_type.as_str()) {
                return Err(SourceError::BadManifest {
                    location,
                    message: format!(
                        "config media type {:?} is not a container image's (an artifact?)",
                        manifest.config.media_type
                    ),
                });
            }
            let config_bytes = self.fetch_config(&manifest.config).await?;
            let config: spec::Config = spec::decode(
                &config_bytes,
                &format!("{} ({})", self.text, manifest.config.digest),
                "image config",
            )?;
            return Ok(Target {
                manifest,
                top_digest: top_digest.unwrap_or_else(|| manifest_digest.clone()),
                manifest_digest,
                config,
            });
        }
        Err(SourceError::BadManifest {
            location: self.text.clone(),
            message: format!("image indexes nested more than {MAX_INDEX_DEPTH} deep"),
        })
    }

    fn descriptor(layer: &Descriptor) -> OciDescriptor {
        OciDescriptor {
            media_type: layer.media_type.clone(),
            digest: layer.digest.clone(),
            size: i64::try_from(layer.size).unwrap_or(i64::MAX),
            ..Default::default()
        }
    }

    async fn fetch_config(&self, config: &Descriptor) -> Result<Vec<u8>, SourceError> {
        if !spec::valid_digest(&config.digest) {
            return Err(SourceError::BadManifest {
                location: self.text.clone(),
                message: format!("config digest {:?} is not a sha256 digest", config.digest),
            });
        }
        if config.size > MAX_CONFIG_BYTES {
            return Err(SourceError::BadManifest {
                location: self.text.clone(),
                message: format!("config of {} bytes is too large", config.size),
            });
        }
        let mut stream = self
            .client
            .pull_blob_stream(&self.reference, &Self::descriptor(config))
            .await
            .map_err(|e| self.error(e))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.stream_error(e, &config.digest))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > config.size.max(1) {
                return Err(SourceError::BadManifest {
                    location: self.text.clone(),
                    message: format!(
                        "config {} is larger than the {} bytes the manifest gives",
                        config.digest, config.size
                    ),
                });
            }
        }
        let actual = digest::sha256(&bytes);
        if actual != config.digest {
            return Err(SourceError::DigestMismatch {
                location: format!("{} (config)", self.text),
                expected: config.digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// An error from a blob stream: a digest mismatch that `oci-client`
    /// found at the end of the stream, or a broken download.
    fn stream_error(&self, error: io::Error, blob: &str) -> SourceError {
        if let Some(DigestError::VerificationError { expected, actual }) = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<DigestError>())
        {
            return SourceError::DigestMismatch {
                location: format!("{} (blob {blob})", self.text),
                expected: expected.clone(),
                actual: actual.clone(),
            };
        }
        registry_error(
            &self.text,
            None,
            &format!("download of {blob} failed: {}", causes(&error)),
        )
    }

    fn download(
        &self,
        runtime: &tokio::runtime::Runtime,
        cache: &LayerCache,
        layer: &Descriptor,
        diff_id: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Blob, SourceError> {
        if !spec::valid_digest(&layer.digest) {
            return Err(SourceError::BadManifest {
                location: self.text.clone(),
                message: format!("layer digest {:?} is not a sha256 digest", layer.digest),
            });
        }
        let stream = runtime
            .block_on(
                self.client
                    .pull_blob_stream(&self.reference, &Self::descriptor(layer)),
            )
            .map_err(|e| self.error(e))?;
        let mut reader = BlockingStream {
            runtime,
            stream: stream.stream,
            pending: bytes::Bytes::new(),
            received: 0,
            limit: layer.size,
            failure: None,
            ended: false,
        };
        let total = Some(layer.size);
        let digest = layer.digest.clone();
        progress(Progress::Download {
            digest: digest.clone(),
            done: 0,
            total,
        });
        let stored = cache.store(diff_id, &layer.digest, &mut reader, &mut |done| {
            progress(Progress::Download {
                digest: digest.clone(),
                done,
                total,
            })
        });
        match (stored, reader.failure.take()) {
            (Ok(blob), _) => Ok(blob),
            (Err(_), Some(failure)) => Err(self.stream_error(failure, &layer.digest)),
            (Err(error), None) => Err(error),
        }
    }
}

/// A blob stream read synchronously, so [`LayerCache::store`] can write it
/// to disk as it arrives instead of holding it in memory.
struct BlockingStream<'a> {
    runtime: &'a tokio::runtime::Runtime,
    stream: BoxStream<'static, io::Result<bytes::Bytes>>,
    pending: bytes::Bytes,
    received: u64,
    /// The size the manifest gives: a registry that sends more is stopped
    /// there rather than allowed to fill the disk before the digest check.
    limit: u64,
    /// The download's own error, kept to tell it from a local write error.
    failure: Option<io::Error>,
    /// The stream has ended. It must not be polled again: oci-client's
    /// verifying stream checks (and resets) its digest at the end, and a
    /// second poll would report the digest of nothing.
    ended: bool,
}

impl Read for BlockingStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.runtime.block_on(self.stream.next()) {
                None => {
                    self.ended = true;
                    return Ok(0);
                }
                Some(Ok(chunk)) => {
                    self.received += chunk.len() as u64;
                    if self.received > self.limit {
                        let error = io::Error::other(format!(
                            "the registry sent more than the {} bytes the manifest gives",
                            self.limit
                        ));
                        self.failure = Some(io::Error::other(error.to_string()));
                        return Err(error);
                    }
                    self.pending = chunk;
                }
                Some(Err(error)) => {
                    let kind = error.kind();
                    let text = error.to_string();
                    self.failure = Some(error);
                    return Err(io::Error::new(kind, text));
                }
            }
        }
        let n = buf.len().min(self.pending.len());
        let chunk = self.pending.split_to(n);
        buf[..n].copy_from_slice(&chunk);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "localhost:5000",
            "LOCALHOST:1",
            "127.0.0.1",
            "127.1.2.3:5000",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.invalid",
            "10.0.0.1:5000",
            "docker.io",
            "localhost.example.com",
            "[::2]:5000",
            "128.0.0.1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn insecure_is_refused_for_remote_hosts() {
        let err = protocol_for("example.invalid/a:b", "example.invalid", true).unwrap_err();
        assert!(err.to_string().contains("only for loopback"), "{err}");
        assert!(matches!(
            protocol_for("127.0.0.1:5000/a", "127.0.0.1:5000", true),
            Ok(ClientProtocol::HttpsExcept(hosts)) if hosts == ["127.0.0.1:5000"]
        ));
        assert!(matches!(
            protocol_for("reg.example/a", "reg.example", false),
            Ok(ClientProtocol::Https)
        ));
    }

    #[test]
    fn docker_hub_shorthand() {
        let reference = parse_reference("alpine").expect("parses");
        assert_eq!(reference.registry(), "docker.io");
        assert_eq!(reference.repository(), "library/alpine");
        assert_eq!(reference.tag(), Some("latest"));
        let reference = parse_reference(
            "127.0.0.1:5000/ns/img@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        )
        .expect("parses");
        assert_eq!(reference.registry(), "127.0.0.1:5000");
        assert_eq!(reference.repository(), "ns/img");
        assert!(reference.digest().is_some());
        assert!(parse_reference("UPPER/Case:tag").is_err());
    }

    #[test]
    fn statuses_have_actionable_words() {
        assert!(status_message(401).contains("docker login"));
        assert!(status_message(403).contains("docker login"));
        assert_eq!(status_message(404), "image or tag not found");
        assert!(status_message(429).contains("retry later"));
        assert_eq!(status_message(503), "registry error 503");
    }

    #[test]
    fn blocking_stream_stops_at_the_declared_size() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let chunks: Vec<io::Result<bytes::Bytes>> = vec![
            Ok(bytes::Bytes::from_static(b"abc")),
            Ok(bytes::Bytes::from_static(b"defg")),
        ];
        let read_all = |limit| {
            let mut reader = BlockingStream {
                runtime: &runtime,
                stream: futures_util::stream::iter(
                    chunks
                        .iter()
                        .map(|c| match c {
                            Ok(b) => Ok(b.clone()),
                            Err(_) => Err(io::Error::other("x")),
                        })
                        .collect::<Vec<_>>(),
                )
                .boxed(),
                pending: bytes::Bytes::new(),
                received: 0,
                limit,
                failure: None,
                ended: false,
            };
            let mut out = Vec::new();
            let result = reader.read_to_end(&mut out);
            (result.is_ok(), out, reader.failure.is_some())
        };
        assert_eq!(read_all(7), (true, b"abcdefg".to_vec(), false));
        let (ok, _, failed) = read_all(6);
        assert!(!ok && failed);
    }

    /// oci-client's verifying stream answers a poll after its end with a
    /// digest error (its digester is spent): the reader must not poll
    /// again once the stream has ended, or every download fails its check.
    #[test]
    fn a_finished_stream_is_not_polled_again() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let mut polls = 0;
        let stream = futures_util::stream::poll_fn(move |_| {
            polls += 1;
            std::task::Poll::Ready(match polls {
                1 => Some(Ok(bytes::Bytes::from_static(b"layer"))),
                2 => None,
                _ => Some(Err(io::Error::other("polled after the end"))),
            })
        });
        let mut reader = BlockingStream {
            runtime: &runtime,
            stream: stream.boxed(),
            pending: bytes::Bytes::new(),
            received: 0,
            limit: 5,
            failure: None,
            ended: false,
        };
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("read");
        assert_eq!(out, b"layer");
        assert_eq!(reader.read(&mut [0u8; 8]).expect("again"), 0);
        assert!(reader.failure.is_none());
    }
}
