//! A real webhook server on loopback with a fresh certificate, and clients
//! for it: a hyper client for ordinary requests and raw TLS streams for
//! slow, partial and oversized ones.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kensa_server::admission::Reviewer;
use kensa_server::metrics::Metrics;
use kensa_server::serve::{App, ServeOptions, serve};
use kensa_server::state::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// A self-signed certificate for `localhost` and 127.0.0.1, written to `dir`.
pub struct Certificate {
    pub cert_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn certificate(dir: &Path, name: &str) -> Certificate {
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, issued.cert.pem()).expect("write cert");
    std::fs::write(&key, issued.signing_key.serialize_pem()).expect("write key");
    Certificate {
        cert_pem: issued.cert.pem(),
        cert,
        key,
    }
}

pub struct Server {
    pub address: SocketAddr,
    pub dir: tempfile::TempDir,
    pub trusted: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<Result<(), kensa_server::Error>>,
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a server over `store` with the default configuration.
    pub async fn start(store: Store) -> Server {
        Self::start_with(
            store,
            kensa_pss::namespace::AdmissionConfig::default(),
            |_| {},
        )
        .await
    }

    pub async fn start_with(
        store: Store,
        config: kensa_pss::namespace::AdmissionConfig,
        tweak: impl FnOnce(&mut ServeOptions),
    ) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let certificate = certificate(dir.path(), "server");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let store = Arc::new(store);
        let mut options = ServeOptions::new(certificate.cert.clone(), certificate.key.clone());
        options.tls_poll = Duration::from_millis(50);
        options.header_timeout = Duration::from_secs(2);
        tweak(&mut options);
        let app = App::new(
            Reviewer::new(config, Arc::clone(&store)),
            store,
            Arc::new(Metrics::new()),
            options.body_limit,
        );
        let (tx, rx) = oneshot::channel::<()>();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let task = tokio::spawn(serve(
            app,
            listener,
            options,
            async move {
                let _ = rx.await;
            },
            Arc::new(move |line| sink.lock().expect("log").push(line)),
        ));
        let server = Server {
            address,
            dir,
            trusted: certificate.cert_pem,
            cert: certificate.cert,
            key: certificate.key,
            shutdown: Some(tx),
            task,
            log,
        };
        server.wait_until_serving().await;
        server
    }

    async fn wait_until_serving(&self) {
        for _ in 0..200 {
            if self.get("/healthz").await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the server did not come up");
    }

    pub fn shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub fn client(&self) -> Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>> {
        client_trusting(&self.trusted)
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.address.port())
    }

    pub async fn get(&self, path: &str) -> Result<(StatusCode, String), String> {
        let request = Request::get(self.url(path))
            .body(Full::new(Bytes::new()))
            .expect("request");
        send(&self.client(), request).await
    }

    pub async fn post(&self, path: &str, body: impl Into<Bytes>) -> (StatusCode, String) {
        let request = Request::post(self.url(path))
            .header("content-type", "application/json")
            .body(Full::new(body.into()))
            .expect("request");
        send(&self.client(), request).await.expect("response")
    }

    /// A raw TLS stream to the server (for slow and oversized requests).
    pub async fn raw(&self) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config(&self.trusted)));
        let tcp = tokio::net::TcpStream::connect(self.address)
            .await
            .expect("connect");
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        connector.connect(name, tcp).await.expect("handshake")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
        self.task.abort();
    }
}

pub fn tls_config(trusted_pem: &str) -> rustls::ClientConfig {
    kensa_server::tls::install_ring_provider();
    let mut roots = rustls::RootCertStore::empty();
    let mut reader = trusted_pem.as_bytes();
    for cert in rustls_pemfile_certs(&mut reader) {
        roots.add(cert).expect("root");
    }
    rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn rustls_pemfile_certs(reader: &mut &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_reader_iter(reader)
        .map(|c| c.expect("pem"))
        .collect()
}

pub fn client_trusting(
    trusted_pem: &str,
) -> Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config(trusted_pem))
        .https_only()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(connector)
}

pub async fn send(
    client: &Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, String), String> {
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Reads an HTTP/1.1 response from a raw stream until the server closes it
/// or `limit` passes; returns what arrived.
pub async fn read_response(
    stream: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    limit: Duration,
) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    });
                    if length.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn write_all(
    stream: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    bytes: &[u8],
) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// A snapshot store from `kubectl get -o json`-shaped text.
pub fn store_from_json(json: &str) -> Store {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cluster.json");
    std::fs::write(&path, json).expect("write");
    Store::from_snapshot_file(&path).expect("snapshot")
}
