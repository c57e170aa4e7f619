//! Registry credentials from a Docker `config.json`: `auths.<host>.auth`
//! (base64 `user:password`), `username`/`password`, or `registrytoken` (a
//! bearer token). Credential helpers (`credHelpers`, `credsStore`) are
//! programs kensa does not run; when a host's only credentials are in one,
//! [`Credentials::helper`] names it so a refusal can say why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

use crate::source::SourceError;

/// What to authenticate with at one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// No credentials: anonymous access (a bearer token server may still
    /// hand out an anonymous token).
    Anonymous,
    /// A user name and password, sent as HTTP Basic or to the token server.
    Basic {
        /// The user.
        username: String,
        /// The password.
        password: String,
    },
    /// A registry bearer token used as is.
    Bearer(String),
}

/// The credentials found for one registry host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// What to send.
    pub secret: Secret,
    /// The credential helper that holds this host's credentials when the
    /// config has no usable entry for it in `auths`.
    pub helper: Option<String>,
    /// The config file they came from, when there was one.
    pub source: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

/// The registry host a Docker config key names: keys are written as
/// `https://host/v1/`, `host` or `http://host`, and Docker Hub has several
/// names that all mean `docker.io`.
pub fn normalise_host(key: &str) -> String {
    let without_scheme = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = without_scheme
        .split('/')
        .next()
        .unwrap_or(without_scheme)
        .to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_owned()
        }
        _ => host,
    }
}

/// Where the Docker config is: the path given, else
/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

fn decode_auth(encoded: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The credentials for `host` (as in a reference: `host[:port]`) from the
/// config text. A bad entry is an error rather than a silent anonymous pull,
/// so the user learns their config is broken.
pub fn from_config_text(text: &[u8], host: &str, path: &Path) -> Result<Credentials, SourceError> {
    let bad = |message: String| SourceError::BadManifest {
        location: path.display().to_string(),
        message,
    };
    let config: DockerConfig =
        serde_json::from_slice(text).map_err(|e| bad(format!("not a valid Docker config: {e}")))?;
    let wanted = normalise_host(host);
    let entry = config
        .auths
        .iter()
        .find(|(key, _)| normalise_host(key) == wanted)
        .map(|(_, entry)| entry);
    let secret = match entry {
        Some(AuthEntry {
            registrytoken: Some(token),
            ..
        }) if !token.is_empty() => Secret::Bearer(token.clone()),
        Some(AuthEntry {
            auth: Some(encoded),
            ..
        }) if !encoded.is_empty() => {
            let (username, password) = decode_auth(encoded).ok_or_else(|| {
                bad(format!(
                    "auths.{host}.auth is not base64 of \"user:password\""
                ))
            })?;
            Secret::Basic { username, password }
        }
        Some(AuthEntry {
            username: Some(username),
            password: Some(password),
            ..
        }) => Secret::Basic {
            username: username.clone(),
            password: password.clone(),
        },
        _ => Secret::Anonymous,
    };
    let helper = if secret == Secret::Anonymous {
        config
            .cred_helpers
            .iter()
            .find(|(key, _)| normalise_host(key) == wanted)
            .map(|(_, helper)| helper.clone())
            .or(config.creds_store)
            .map(|helper| format!("docker-credential-{helper}"))
    } else {
        None
    };
    Ok(Credentials {
        secret,
        helper,
        source: Some(path.to_owned()),
    })
}

/// The credentials for `host`: from `explicit` (which must exist), else
/// from the default config when there is one, else anonymous.
pub fn lookup(explicit: Option<&Path>, host: &str) -> Result<Credentials, SourceError> {
    let anonymous = Credentials {
        secret: Secret::Anonymous,
        helper: None,
        source: None,
    };
    let Some(path) = config_path(explicit) else {
        return Ok(anonymous);
    };
    match std::fs::read(&path) {
        Ok(text) => from_config_text(&text, host, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => Ok(anonymous),
        Err(source) => Err(SourceError::Io { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(config: &str, host: &str) -> Credentials {
        from_config_text(config.as_bytes(), host, Path::new("config.json")).expect("valid config")
    }

    #[test]
    fn host_keys_are_normalised() {
        assert_eq!(
            normalise_host("https://Reg.Example:5000/v1/"),
            "reg.example:5000"
        );
        assert_eq!(normalise_host("http://reg.example"), "reg.example");
        assert_eq!(normalise_host("reg.example/v2/"), "reg.example");
        assert_eq!(normalise_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalise_host("docker.io"), "docker.io");
    }

    #[test]
    fn auth_field_is_base64_user_and_password() {
        // "alice:s3cr:et" — the password may itself hold a colon.
        let config = r#"{"auths":{"https://127.0.0.1:5000/v1/":{"auth":"YWxpY2U6czNjcjpldA=="}}}"#;
        assert_eq!(
            creds(config, "127.0.0.1:5000").secret,
            Secret::Basic {
                username: "alice".into(),
                password: "s3cr:et".into()
            }
        );
        assert_eq!(creds(config, "127.0.0.1:5001").secret, Secret::Anonymous);
    }

    #[test]
    fn username_and_password_fields() {
        let config = r#"{"auths":{"reg.example":{"username":"bob","password":"pw"}}}"#;
        assert_eq!(
            creds(config, "reg.example").secret,
            Secret::Basic {
                username: "bob".into(),
                password: "pw".into()
            }
        );
    }

    #[test]
    fn registry_token_is_a_bearer_token() {
        let config = r#"{"auths":{"reg.example":{"registrytoken":"abc"}}}"#;
        assert_eq!(
            creds(config, "reg.example").secret,
            Secret::Bearer("abc".into())
        );
    }

    #[test]
    fn helpers_are_named_only_when_they_hold_the_only_credentials() {
        let config = r#"{"auths":{"a.example":{"auth":"dTpw"}},
            "credHelpers":{"b.example":"ecr-login"},"credsStore":"desktop"}"#;
        assert_eq!(creds(config, "a.example").helper, None);
        let b = creds(config, "b.example");
        assert_eq!(b.secret, Secret::Anonymous);
        assert_eq!(b.helper.as_deref(), Some("docker-credential-ecr-login"));
        assert_eq!(
            creds(config, "c.example").helper.as_deref(),
            Some("docker-credential-desktop")
        );
    }

    #[test]
    fn broken_configs_are_errors_not_anonymous_pulls() {
        for config in [
            "not json",
            r#"{"auths":{"reg.example":{"auth":"%%%"}}}"#,
            r#"{"auths":{"reg.example":{"auth":"bm9jb2xvbg=="}}}"#,
            r#"{"auths":[]}"#,
        ] {
            assert!(
                from_config_text(config.as_bytes(), "reg.example", Path::new("c.json")).is_err(),
                "{config}"
            );
        }
    }

    #[test]
    fn an_explicit_config_must_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("config.json");
        assert!(matches!(
            lookup(Some(&missing), "reg.example"),
            Err(SourceError::Io { .. })
        ));
    }
}
