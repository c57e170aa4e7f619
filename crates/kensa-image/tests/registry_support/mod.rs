//! A real registry for tests: Debian's `docker-registry` (distribution 2.8)
//! with a config written here, on a free loopback port, storage in a temp
//! dir; images pushed with skopeo. Stopped (by its pid) on drop.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a tool is on PATH; skips (or fails under CI=true) when not.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is needed under CI (scripts/test.sh installs it)"
        );
        eprintln!("SKIP: {tool} is not installed");
    }
    found
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Registry {
    pub port: u16,
    child: Child,
    pub dir: tempfile::TempDir,
    /// `user:password` when the registry asks for basic auth.
    pub creds: Option<String>,
}

impl Registry {
    /// Starts a registry; `auth` is extra YAML for its `auth:` section.
    pub fn start(auth: Option<&str>) -> Registry {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let config = dir.path().join("config.yml");
        let mut text = format!(
            "version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n",
            dir.path().join("data").display()
        );
        if let Some(auth) = auth {
            text.push_str(auth);
        }
        std::fs::write(&config, text).expect("config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "registry did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            port,
            child,
            dir,
            creds: None,
        }
    }

    /// Starts a registry with htpasswd (bcrypt) basic auth for `user:password`.
    pub fn with_basic_auth(user: &str, password: &str) -> Registry {
        let dir = tempfile::tempdir().expect("tempdir");
        let htpasswd = dir.path().join("htpasswd");
        let output = Command::new("htpasswd")
            .args(["-Bbn", user, password])
            .output()
            .expect("htpasswd");
        std::fs::write(&htpasswd, output.stdout).expect("htpasswd file");
        let auth = format!(
            "auth: {{htpasswd: {{realm: kensa-test, path: {}}}}}\n",
            htpasswd.display()
        );
        let mut registry = Registry::start(Some(&auth));
        // Keep the htpasswd file alive with the registry.
        std::mem::forget(dir);
        registry.creds = Some(format!("{user}:{password}"));
        registry
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes `source` (a skopeo source like `oci:DIR:TAG`) as `repo:tag`.
    pub fn push(&self, source: &str, target: &str, all: bool) {
        let mut command = Command::new("skopeo");
        command.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        if all {
            command.arg("--all");
        }
        if let Some(creds) = &self.creds {
            command.args(["--dest-creds", creds]);
        }
        let status = command
            .arg(source)
            .arg(format!("docker://{}/{target}", self.host()))
            .status()
            .expect("skopeo");
        assert!(status.success(), "skopeo copy {source}");
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Docker config.json granting `creds` for `host`.
pub fn docker_config(dir: &Path, host: &str, creds: &str) -> PathBuf {
    use base64_encode as encode;
    let path = dir.join("config.json");
    std::fs::write(
        &path,
        format!(
            "{{\"auths\": {{\"{host}\": {{\"auth\": \"{}\"}}}}}}",
            encode(creds.as_bytes())
        ),
    )
    .expect("config.json");
    path
}

/// Standard base64, for the config file.
pub fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A loopback server that answers every request with `status` (and a
/// Retry-After), for the answers a real registry cannot be made to give.
pub fn answering(status: u16, reason: &'static str) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).ok();
        // Bounded: a handful of requests, then the thread ends.
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { break };
            stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = format!(
                "{{\"errors\":[{{\"code\":\"TOOMANYREQUESTS\",\"message\":\"{reason}\"}}]}}"
            );
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, handle)
}

/// Base64url without padding, for JWTs.
fn base64url(bytes: &[u8]) -> String {
    base64_encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A token server for distribution's token auth: it checks basic
/// credentials and issues ES256 JWTs whose `x5c` header carries the
/// self-signed certificate the registry trusts (its `rootcertbundle`).
pub struct TokenServer {
    pub port: u16,
    pub cert_pem: String,
}

impl TokenServer {
    pub fn start(user: &'static str, password: &'static str, service: &'static str) -> TokenServer {
        let issued = rcgen::generate_simple_self_signed(vec!["kensa-token-issuer".into()])
            .expect("certificate");
        let cert_pem = issued.cert.pem();
        let cert_der = issued.cert.der().to_vec();
        let pkcs8 = issued.signing_key.serialize_der();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let expected = format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        );
        std::thread::spawn(move || {
            let rng = ring::rand::SystemRandom::new();
            let key = ring::signature::EcdsaKeyPair::from_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &pkcs8,
                &rng,
            )
            .expect("key");
            // Bounded: enough for a push and the pulls of one test.
            for stream in listener.incoming().take(64) {
                let Ok(mut stream) = stream else { break };
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut buffer = vec![0u8; 8192];
                let n = stream.read(&mut buffer).unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..n]).into_owned();
                let authorised = request.lines().any(|l| {
                    l.to_ascii_lowercase().starts_with("authorization:")
                        && l[14..].trim() == expected
                });
                if !authorised {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    continue;
                }
                let path = request.split_whitespace().nth(1).unwrap_or("");
                let access: Vec<String> = path
                    .split(['?', '&'])
                    .filter_map(|p| p.strip_prefix("scope="))
                    .filter_map(|scope| {
                        let scope = scope
                            .replace("%3A", ":")
                            .replace("%2C", ",")
                            .replace("%2F", "/");
                        let mut parts = scope.splitn(3, ':');
                        let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
                        let actions: Vec<String> =
                            actions.split(',').map(|a| format!("\"{a}\"")).collect();
                        Some(format!(
                            "{{\"type\":\"{kind}\",\"name\":\"{name}\",\"actions\":[{}]}}",
                            actions.join(",")
                        ))
                    })
                    .collect();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let header = format!(
                    "{{\"typ\":\"JWT\",\"alg\":\"ES256\",\"x5c\":[\"{}\"]}}",
                    base64_encode(&cert_der)
                );
                let claims = format!(
                    "{{\"iss\":\"kensa-test-issuer\",\"sub\":\"{user}\",\"aud\":\"{service}\",\"exp\":{},\"nbf\":{},\"iat\":{},\"jti\":\"{}-{}\",\"access\":[{}]}}",
                    now + 300,
                    now.saturating_sub(10),
                    now,
                    now,
                    n,
                    access.join(",")
                );
                let signing_input = format!(
                    "{}.{}",
                    base64url(header.as_bytes()),
                    base64url(claims.as_bytes())
                );
                let signature = key.sign(&rng, signing_input.as_bytes()).expect("sign");
                let token = format!("{signing_input}.{}", base64url(signature.as_ref()));
                let body = format!(
                    "{{\"token\":\"{token}\",\"access_token\":\"{token}\",\"expires_in\":300}}"
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TokenServer { port, cert_pem }
    }

    /// The registry's `auth:` section for this server.
    pub fn registry_auth(&self, dir: &Path, service: &str) -> String {
        let bundle = dir.join("token-root.pem");
        std::fs::write(&bundle, &self.cert_pem).expect("bundle");
        format!(
            "auth: {{token: {{realm: \"http://127.0.0.1:{}/token\", service: {service}, issuer: kensa-test-issuer, rootcertbundle: {}}}}}\n",
            self.port,
            bundle.display()
        )
    }
}
