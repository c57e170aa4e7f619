//! What kensa knows about a few well-known images: the paths they write to
//! (which need a volume under `readOnlyRootFilesystem: true`) and why they
//! may not start as a non-root user.
//!
//! | image | writable paths | as non-root |
//! |---|---|---|
//! | `nginx` | `/var/cache/nginx`, `/var/run`, `/tmp` | runs as root and listens on 80 |
//! | `nginxinc/nginx-unprivileged` | `/tmp`, `/var/cache/nginx` | fine (UID 101, port 8080) |
//! | `httpd` | `/usr/local/apache2/logs` | runs as root and listens on 80 |
//! | `redis` | `/data` | root entrypoint, drops to UID 999 |
//! | `postgres` | `/var/run/postgresql`, `/tmp` | root entrypoint, drops to UID 999; PGDATA |
//! | `mysql` | `/var/run/mysqld`, `/tmp` | root entrypoint, drops to UID 999 |
//! | `mariadb` | `/run/mysqld`, `/tmp` | root entrypoint, drops to UID 999 |
//! | `mongo` | `/data/db`, `/data/configdb`, `/tmp` | root entrypoint, drops to UID 999 |
//! | `rabbitmq` | `/var/lib/rabbitmq` | root entrypoint, drops to UID 999 |
//! | `memcached` | none | fine (UID 11211) |
//! | `grafana/grafana` | `/var/lib/grafana`, `/tmp` | fine (UID 472) |
//! | `prom/prometheus` | `/prometheus` | fine (UID 65534) |
//! | `busybox`, `alpine`, `ubuntu`, `debian` | `/tmp` | no USER: runs as root |
//! | `node` | `/tmp` | runs as root; the image has user `node` (UID 1000) |
//! | `python` | `/tmp` | no USER: runs as root |

/// Facts about one image.
pub(crate) struct ImageFacts {
    /// Repositories (Docker Hub short names, `library/` left out).
    pub repos: &'static [&'static str],
    /// Paths the image writes to at run time.
    pub writable: &'static [&'static str],
    /// Whether the image starts as a non-root user by itself.
    pub non_root: bool,
    /// Why the image needs more than `runAsNonRoot` to run as non-root, and what to do.
    pub non_root_note: Option<&'static str>,
    /// What else a read-only root filesystem needs.
    pub read_only_note: Option<&'static str>,
}

const ROOT_ENTRYPOINT_999: &str = "its entrypoint starts as root to take ownership of the data directory and then drops to UID 999; set securityContext.runAsUser: 999, runAsGroup: 999 and fsGroup: 999 so it starts as that user";

static TABLE: &[ImageFacts] = &[
    ImageFacts {
        repos: &["nginx"],
        writable: &["/var/cache/nginx", "/var/run", "/tmp"],
        non_root: false,
        non_root_note: Some(
            "nginx runs as root and listens on port 80, which a non-root process cannot bind; use nginxinc/nginx-unprivileged (UID 101, port 8080) or configure nginx to listen on 8080 and set runAsUser: 101",
        ),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["nginxinc/nginx-unprivileged"],
        writable: &["/tmp", "/var/cache/nginx"],
        non_root: true,
        non_root_note: None,
        read_only_note: None,
    },
    ImageFacts {
        repos: &["httpd"],
        writable: &["/usr/local/apache2/logs"],
        non_root: false,
        non_root_note: Some(
            "httpd runs as root and listens on port 80, which a non-root process cannot bind; configure `Listen 8080` and set runAsUser to a non-root UID",
        ),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["redis", "bitnami/redis"],
        writable: &["/data"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["postgres"],
        writable: &["/var/run/postgresql", "/tmp"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: Some(
            "postgres also writes its data to PGDATA (/var/lib/postgresql/data by default): mount a persistent volume there",
        ),
    },
    ImageFacts {
        repos: &["mysql"],
        writable: &["/var/run/mysqld", "/tmp"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: Some(
            "mysql also writes its data to /var/lib/mysql: mount a persistent volume there",
        ),
    },
    ImageFacts {
        repos: &["mariadb"],
        writable: &["/run/mysqld", "/tmp"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: Some(
            "mariadb also writes its data to /var/lib/mysql: mount a persistent volume there",
        ),
    },
    ImageFacts {
        repos: &["mongo"],
        writable: &["/data/db", "/data/configdb", "/tmp"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["rabbitmq"],
        writable: &["/var/lib/rabbitmq"],
        non_root: false,
        non_root_note: Some(ROOT_ENTRYPOINT_999),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["memcached"],
        writable: &[],
        non_root: true,
        non_root_note: None,
        read_only_note: None,
    },
    ImageFacts {
        repos: &["grafana/grafana", "grafana/grafana-oss"],
        writable: &["/var/lib/grafana", "/tmp"],
        non_root: true,
        non_root_note: None,
        read_only_note: None,
    },
    ImageFacts {
        repos: &["prom/prometheus"],
        writable: &["/prometheus"],
        non_root: true,
        non_root_note: None,
        read_only_note: None,
    },
    ImageFacts {
        repos: &["busybox", "alpine", "ubuntu", "debian", "python"],
        writable: &["/tmp"],
        non_root: false,
        non_root_note: Some(
            "the image has no USER and runs as root; set securityContext.runAsUser to a non-root UID (for example 65534)",
        ),
        read_only_note: None,
    },
    ImageFacts {
        repos: &["node"],
        writable: &["/tmp"],
        non_root: false,
        non_root_note: Some(
            "the image runs as root by default; set securityContext.runAsUser: 1000 (its `node` user)",
        ),
        read_only_note: None,
    },
];

/// The repository of an image reference, without registry, tag or digest,
/// and without Docker Hub's `library/`: `docker.io/library/nginx:1.27` → `nginx`.
pub(crate) fn repository(image: &str) -> &str {
    let image = image.trim();
    let without_digest = image.split('@').next().unwrap_or(image);
    // A tag is a `:` after the last `/`.
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(i) => &without_digest[..last_slash + i],
        None => without_digest,
    };
    let without_registry = match without_tag.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => without_tag,
    };
    without_registry
        .strip_prefix("library/")
        .unwrap_or(without_registry)
}

/// What kensa knows about `image`, if anything.
pub(crate) fn facts(image: &str) -> Option<&'static ImageFacts> {
    let repo = repository(image);
    TABLE.iter().find(|f| f.repos.contains(&repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        assert_eq!(repository("nginx"), "nginx");
        assert_eq!(repository("nginx:1.27-alpine"), "nginx");
        assert_eq!(repository("docker.io/library/nginx:1.27"), "nginx");
        assert_eq!(repository("localhost:5000/team/app:v1"), "team/app");
        assert_eq!(repository("grafana/grafana@sha256:abc"), "grafana/grafana");
        assert_eq!(repository("ghcr.io/x/y"), "x/y");
    }

    #[test]
    fn known_images() {
        assert!(facts("nginx:1.27").is_some_and(|f| !f.non_root));
        assert!(facts("nginxinc/nginx-unprivileged:stable").is_some_and(|f| f.non_root));
        assert!(facts("quay.io/someone/nginx").is_none());
        assert!(facts("postgres:16").is_some_and(|f| f.writable.contains(&"/tmp")));
    }
}
