//! Who may write, and the browser's side of it.
//!
//! - API writes need `Authorization: Bearer TOKEN`, a token from the token
//!   file. Tokens are kept only as SHA-256 digests and compared in constant
//!   time; no token is ever logged.
//! - The UI's forms carry a CSRF token bound to a per-browser cookie
//!   (`SameSite=Strict`, `HttpOnly`): the hidden field must be the HMAC of
//!   the cookie under the server's secret. Cross-site posts are refused
//!   on `Sec-Fetch-Site`/`Origin` as well.
//! - Every answer carries a strict Content-Security-Policy (no inline
//!   script, `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`
//!   and `Referrer-Policy`.

use std::path::Path;

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac};

use crate::vm::VmError;

/// The CSRF cookie's name.
pub const CSRF_COOKIE: &str = "kensa_csrf";

/// The Content-Security-Policy of every answer.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The bearer tokens allowed to write.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl Tokens {
    /// Reads a token file: one token a line; blank lines and `#` comments
    /// skipped. An empty file is refused (it would lock every writer out
    /// without saying so).
    pub fn from_file(path: &Path) -> Result<Tokens, VmError> {
        let text = std::fs::read_to_string(path).map_err(|source| VmError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let tokens = Tokens::from_lines(&text);
        if tokens.digests.is_empty() {
            return Err(VmError::Invalid(format!(
                "{}: no token in the file",
                path.display()
            )));
        }
        Ok(tokens)
    }

    /// Tokens from text, a token a line.
    pub fn from_lines(text: &str) -> Tokens {
        let digests = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(hash)
            .collect();
        Tokens { digests }
    }

    /// Whether the request's `Authorization: Bearer` token is one of them.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
        else {
            return false;
        };
        let presented = hash(presented.trim());
        // Every digest is compared, so the time taken does not say which
        // (or whether any) matched.
        self.digests
            .iter()
            .fold(false, |found, digest| found | equal(digest, &presented))
    }
}

fn hash(token: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
    out
}

fn equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random token, URL-safe base64 of 32 bytes.
pub fn random_token() -> Result<String, VmError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| VmError::Invalid("the system random source failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Reads the token file, creating it (mode 0600) with one random token
/// when it does not exist: a plain `kensa serve` can take uploads at once,
/// from whoever can read that file.
pub fn load_or_create_tokens(path: &Path) -> Result<(Tokens, bool), VmError> {
    if path.exists() {
        return Ok((Tokens::from_file(path)?, false));
    }
    let io = |source| VmError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let token = random_token()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, format!("{token}\n").as_bytes()).map_err(io)?;
    Ok((Tokens::from_lines(&token), true))
}

/// Issues and checks CSRF tokens.
pub struct Csrf {
    key: hmac::Key,
}

impl Csrf {
    /// With a fresh random key (tokens do not survive a restart; a form
    /// left open across one is refused and reloaded).
    pub fn new() -> Result<Csrf, VmError> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| VmError::Invalid("the system random source failed".into()))?;
        Ok(Csrf { key })
    }

    /// The form token for a browser's cookie value.
    pub fn token_for(&self, cookie: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, cookie.as_bytes()).as_ref())
    }

    /// Whether a form's token matches the browser's cookie.
    pub fn verify(&self, cookie: &str, token: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        !cookie.is_empty() && hmac::verify(&self.key, cookie.as_bytes(), &tag).is_ok()
    }
}

/// The browser's CSRF cookie, when it sent one.
pub fn csrf_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The `Set-Cookie` value for a new CSRF cookie.
pub fn csrf_set_cookie(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .ok()
}

/// Whether a form post comes from a page of this server: refused when
/// the browser says the request is cross-site, or when an `Origin` is
/// sent that is not this host.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    origin_host == host
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn only_listed_bearer_tokens_write() {
        let tokens = Tokens::from_lines("# ci\nalpha\n\n beta \n");
        assert!(tokens.allows(&with("authorization", "Bearer alpha")));
        assert!(tokens.allows(&with("authorization", "Bearer beta")));
        assert!(!tokens.allows(&with("authorization", "Bearer gamma")));
        assert!(!tokens.allows(&with("authorization", "Basic alpha")));
        assert!(!tokens.allows(&HeaderMap::new()));
        assert!(!Tokens::default().allows(&with("authorization", "Bearer ")));
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_cookie() {
        let csrf = Csrf::new().expect("key");
        let token = csrf.token_for("cookie-a");
        assert!(csrf.verify("cookie-a", &token));
        assert!(!csrf.verify("cookie-b", &token));
        assert!(!csrf.verify("", &csrf.token_for("")));
        assert!(!csrf.verify("cookie-a", "not base64!"));
        let other = Csrf::new().expect("key");
        assert!(!other.verify("cookie-a", &token));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(same_origin(&HeaderMap::new()));
        assert!(!same_origin(&with("sec-fetch-site", "cross-site")));
        assert!(same_origin(&with("sec-fetch-site", "same-origin")));
        let mut headers = with("origin", "http://evil.example");
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let headers = with("cookie", "a=1; kensa_csrf=xyz; b=2");
        assert_eq!(csrf_cookie(&headers).as_deref(), Some("xyz"));
        assert_eq!(csrf_cookie(&with("cookie", "a=1")), None);
    }
}
