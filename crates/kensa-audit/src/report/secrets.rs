//! Who read which secrets.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::event::Event;
use crate::report::summary::{Span, is_request, shown, time_text};
use crate::report::{Aggregate, Table};

/// Collects reads of secrets into a [`SecretsReport`].
///
/// What it counts: requests (final stage, or stageless events) with verb
/// `get`, `list` or `watch` on `secrets` of the core API group, without a
/// subresource, whatever their response code (denied reads are attempts worth
/// seeing). One row per user, impersonated user, verb, namespace and name.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    reads: HashMap<Key, Reads>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    user: String,
    impersonated_user: Option<String>,
    verb: String,
    namespace: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Reads {
    count: u64,
    span: Span,
    codes: BTreeMap<i32, u64>,
}

impl Secrets {
    /// An empty collector.
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// The report: rows sorted by user, then namespace and name.
    pub fn finish(self) -> SecretsReport {
        let mut reads: Vec<SecretRead> = self
            .reads
            .into_iter()
            .map(|(key, reads)| {
                let anonymous = key.user.is_empty() || key.user == "system:anonymous";
                let human = !key.user.is_empty() && !key.user.starts_with("system:")
                    || key
                        .impersonated_user
                        .as_deref()
                        .is_some_and(|u| !u.starts_with("system:"));
                let collection = key.name.is_none();
                SecretRead {
                    all_namespaces: collection && key.namespace.is_none(),
                    anonymous,
                    not_a_service_account: human,
                    user: key.user,
                    impersonated_user: key.impersonated_user,
                    verb: key.verb,
                    namespace: key.namespace.unwrap_or_default(),
                    name: key.name.unwrap_or_else(|| "*".to_owned()),
                    count: reads.count,
                    first_time: time_text(reads.span.first),
                    last_time: time_text(reads.span.last),
                    codes: reads
                        .codes
                        .into_iter()
                        .map(|(code, count)| CodeCount { code, count })
                        .collect(),
                }
            })
            .collect();
        reads.sort_by(|a, b| {
            (
                &a.user,
                &a.impersonated_user,
                &a.namespace,
                &a.name,
                &a.verb,
            )
                .cmp(&(
                    &b.user,
                    &b.impersonated_user,
                    &b.namespace,
                    &b.name,
                    &b.verb,
                ))
        });
        SecretsReport { reads }
    }
}

impl Aggregate for Secrets {
    fn fresh(&self) -> Self {
        Secrets::default()
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        if event.resource() != Some("secrets")
            || event.api_group() != Some("")
            || event.subresource().is_some_and(|s| !s.is_empty())
            || !matches!(event.verb.as_ref(), "get" | "list" | "watch")
            || !is_request(event)
        {
            return;
        }
        let key = Key {
            user: event.user.username.to_string(),
            impersonated_user: event
                .impersonated_user
                .as_ref()
                .map(|u| u.username.to_string()),
            verb: event.verb.to_string(),
            namespace: event
                .namespace()
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            name: event.name().filter(|n| !n.is_empty()).map(str::to_owned),
        };
        let reads = self.reads.entry(key).or_default();
        reads.count += 1;
        reads.span.add(event.time());
        if let Some(code) = event.code() {
            *reads.codes.entry(code).or_insert(0) += 1;
        }
    }

    fn merge(&mut self, other: Self) {
        for (key, theirs) in other.reads {
            let ours = self.reads.entry(key).or_default();
            ours.count += theirs.count;
            ours.span.merge(theirs.span);
            for (code, count) in theirs.codes {
                *ours.codes.entry(code).or_insert(0) += count;
            }
        }
    }
}

/// How many responses had a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    /// The HTTP response code.
    pub code: i32,
    /// How many requests got it.
    pub count: u64,
}

/// Reads of secrets by one user with one verb on one namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretRead {
    /// The authenticated user (empty: unauthenticated).
    pub user: String,
    /// The impersonated user, if any.
    pub impersonated_user: Option<String>,
    /// `get`, `list` or `watch`.
    pub verb: String,
    /// The namespace; empty for a list or watch across all namespaces.
    pub namespace: String,
    /// The secret, or `*` for list and watch.
    pub name: String,
    /// How many requests.
    pub count: u64,
    /// The first request's time (RFC 3339).
    pub first_time: Option<String>,
    /// The last request's time (RFC 3339).
    pub last_time: Option<String>,
    /// The response codes, each with how many requests got it.
    pub codes: Vec<CodeCount>,
    /// Flag: the user (or the impersonated user) is neither a service account
    /// nor a system component, i.e. is not empty and does not start with
    /// `system:`; people rarely need to read secrets through the API.
    pub not_a_service_account: bool,
    /// Flag: a list or watch across all namespaces.
    pub all_namespaces: bool,
    /// Flag: unauthenticated (no user, as in 401s) or `system:anonymous`.
    pub anonymous: bool,
}

impl SecretRead {
    /// Whether any request was answered with a success (2xx).
    pub fn succeeded(&self) -> bool {
        self.codes.iter().any(|c| (200..300).contains(&c.code))
    }
}

/// Who read which secrets (`-o json` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsReport {
    /// The reads, sorted by user, namespace and name.
    pub reads: Vec<SecretRead>,
}

impl SecretsReport {
    /// The reads worth a look first: by people, by anonymous users, or across
    /// all namespaces.
    pub fn flagged(&self) -> impl Iterator<Item = &SecretRead> {
        self.reads
            .iter()
            .filter(|r| r.not_a_service_account || r.anonymous || r.all_namespaces)
    }

    /// One table, flagged rows marked in the last column.
    pub fn tables(&self) -> Vec<Table> {
        let mut table = Table::new(
            "Secret reads",
            &[
                "user",
                "verb",
                "namespace",
                "name",
                "count",
                "first",
                "last",
                "codes",
                "flags",
            ],
        );
        for read in &self.reads {
            let user = match &read.impersonated_user {
                Some(as_user) => format!("{} (as {as_user})", shown(&read.user)),
                None => shown(&read.user),
            };
            let codes: Vec<String> = read
                .codes
                .iter()
                .map(|c| format!("{}×{}", c.code, c.count))
                .collect();
            let mut flags = Vec::new();
            if read.not_a_service_account {
                flags.push("not a service account");
            }
            if read.all_namespaces {
                flags.push("all namespaces");
            }
            if read.anonymous {
                flags.push("anonymous");
            }
            table.push(vec![
                user,
                read.verb.clone(),
                if read.namespace.is_empty() {
                    "*".to_owned()
                } else {
                    read.namespace.clone()
                },
                read.name.clone(),
                read.count.to_string(),
                read.first_time.clone().unwrap_or_default(),
                read.last_time.clone().unwrap_or_default(),
                codes.join(" "),
                flags.join(", "),
            ]);
        }
        vec![table]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[String]) -> SecretsReport {
        let mut secrets = Secrets::new();
        for line in lines {
            let event = Event::from_json(line.as_bytes()).unwrap();
            secrets.add(&event, line.as_bytes());
        }
        secrets.finish()
    }

    fn read(user: &str, verb: &str, object: &str, code: i32, time: &str) -> String {
        format!(
            r#"{{"auditID":"x","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"{user}"}},"objectRef":{{"resource":"secrets",{object}"apiVersion":"v1"}},"responseStatus":{{"code":{code}}},"stageTimestamp":"2025-03-14T08:00:0{time}.000000Z"}}"#
        )
    }

    #[test]
    fn groups_reads_and_flags_people_and_cluster_wide_lists() {
        let report = run(&[
            read(
                "alice",
                "get",
                r#""namespace":"web","name":"db","#,
                200,
                "1",
            ),
            read(
                "alice",
                "get",
                r#""namespace":"web","name":"db","#,
                403,
                "3",
            ),
            read("system:serviceaccount:ci:deployer", "list", "", 200, "2"),
            read(
                "system:serviceaccount:cert-manager:cert-manager",
                "watch",
                r#""namespace":"web","#,
                200,
                "4",
            ),
            // Not reads, or not a final stage: ignored.
            read(
                "alice",
                "delete",
                r#""namespace":"web","name":"db","#,
                200,
                "5",
            ),
            read(
                "alice",
                "get",
                r#""namespace":"web","name":"db","#,
                200,
                "6",
            )
            .replace("ResponseComplete", "RequestReceived"),
            read(
                "alice",
                "get",
                r#""namespace":"web","name":"db","#,
                200,
                "7",
            )
            .replace(
                r#""resource":"secrets","#,
                r#""resource":"secrets","apiGroup":"other.io","#,
            ),
        ]);
        assert_eq!(report.reads.len(), 3);
        let alice = &report.reads[0];
        assert_eq!(
            (
                alice.user.as_str(),
                alice.namespace.as_str(),
                alice.name.as_str()
            ),
            ("alice", "web", "db")
        );
        assert_eq!(alice.count, 2);
        assert_eq!(
            alice.codes,
            [
                CodeCount {
                    code: 200,
                    count: 1
                },
                CodeCount {
                    code: 403,
                    count: 1
                }
            ]
        );
        assert_eq!(
            alice.first_time.as_deref(),
            Some("2025-03-14T08:00:01.000000Z")
        );
        assert_eq!(
            alice.last_time.as_deref(),
            Some("2025-03-14T08:00:03.000000Z")
        );
        assert!(alice.not_a_service_account && !alice.all_namespaces && alice.succeeded());
        let watcher = &report.reads[1];
        assert_eq!(
            (watcher.verb.as_str(), watcher.name.as_str()),
            ("watch", "*")
        );
        assert!(!watcher.not_a_service_account && !watcher.all_namespaces);
        let lister = &report.reads[2];
        assert!(lister.all_namespaces && !lister.not_a_service_account);
        assert_eq!(report.tables()[0].rows.len(), 3);
    }

    #[test]
    fn merge_adds_up() {
        let line = read(
            "alice",
            "get",
            r#""namespace":"web","name":"db","#,
            200,
            "1",
        );
        let event = Event::from_json(line.as_bytes()).unwrap();
        let mut a = Secrets::new();
        let mut b = a.fresh();
        a.add(&event, line.as_bytes());
        b.add(&event, line.as_bytes());
        a.merge(b);
        let report = a.finish();
        assert_eq!(report.reads[0].count, 2);
        assert_eq!(
            report.reads[0].codes,
            [CodeCount {
                code: 200,
                count: 2
            }]
        );
    }
}
