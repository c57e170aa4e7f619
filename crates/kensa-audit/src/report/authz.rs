//! Denied requests: forbidden by the authorizer, rejected by admission, or not
//! authenticated at all.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::event::Event;
use crate::report::summary::{Span, Tally, is_request, resource_key, shown, time_text};
use crate::report::{Aggregate, Table};

/// How many (verb, resource) pairs each user's row lists.
const PAIRS_PER_USER: usize = 5;

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Denial {
    /// The authorizer said no (`authorization.k8s.io/decision=forbid`), e.g.
    /// RBAC has no rule for it.
    Authz,
    /// Authorized, then rejected with 403 by admission (decision `allow`):
    /// PodSecurity, a validating webhook, a policy engine.
    Admission,
    /// 401: the credentials were missing, expired or revoked.
    Unauthenticated,
}

/// Classifies a request's outcome; `None` when it was not denied.
///
/// 401 is [`Denial::Unauthenticated`]. A `forbid` decision is
/// [`Denial::Authz`], and a 403 with an `allow` decision is
/// [`Denial::Admission`]. Logs without the decision annotation (older API
/// servers) fall back to the message: the authorizer's 403s say
/// `User "x" cannot ...`, so a 403 whose message has `cannot ` (or no message)
/// is authz, any other 403 admission.
pub fn denial(event: &Event<'_>) -> Option<Denial> {
    let code = event.code();
    if code == Some(401) {
        return Some(Denial::Unauthenticated);
    }
    match event.decision() {
        Some("forbid") => Some(Denial::Authz),
        Some(_) => (code == Some(403)).then_some(Denial::Admission),
        None if code == Some(403) => {
            let message = event
                .response_status
                .as_ref()
                .and_then(|s| s.message.as_deref())
                .unwrap_or("");
            if message.is_empty() || message.contains("cannot ") {
                Some(Denial::Authz)
            } else {
                Some(Denial::Admission)
            }
        }
        None => None,
    }
}

/// Collects denied requests per user into an [`AuthzReport`].
///
/// What it counts: requests (final stage, or stageless events) that
/// [`denial`] classifies as denied, by the user the request acted as (the
/// impersonated user when there is one, since that is whom the authorizer
/// judged; the authenticated user is kept as `impersonatedBy`). Unauthenticated
/// requests have an empty user.
#[derive(Debug, Clone)]
pub struct Authz {
    top: usize,
    users: HashMap<String, UserDenials>,
    pairs: Tally,
}

#[derive(Debug, Clone, Default)]
struct UserDenials {
    authz: u64,
    admission: u64,
    unauthenticated: u64,
    verbs: BTreeSet<String>,
    resources: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    source_ips: BTreeSet<String>,
    impersonated_by: BTreeSet<String>,
    span: Span,
    pairs: Tally,
}

impl Default for Authz {
    fn default() -> Self {
        Authz::new(crate::report::summary::DEFAULT_TOP)
    }
}

impl Authz {
    /// A collector listing the `top` most denied (verb, resource) pairs.
    pub fn new(top: usize) -> Authz {
        Authz {
            top,
            users: HashMap::new(),
            pairs: Tally::default(),
        }
    }

    /// The report: users with the most denials first.
    pub fn finish(self) -> AuthzReport {
        let mut report = AuthzReport {
            requests: 0,
            authz: 0,
            admission: 0,
            unauthenticated: 0,
            users: Vec::new(),
            top_denied: pairs(&self.pairs, self.top),
        };
        for (user, d) in self.users {
            report.authz += d.authz;
            report.admission += d.admission;
            report.unauthenticated += d.unauthenticated;
            let requests = d.authz + d.admission + d.unauthenticated;
            report.requests += requests;
            report.users.push(DeniedUser {
                user,
                requests,
                authz: d.authz,
                admission: d.admission,
                unauthenticated: d.unauthenticated,
                first_time: time_text(d.span.first),
                last_time: time_text(d.span.last),
                verbs: d.verbs.into_iter().collect(),
                resources: d.resources.into_iter().collect(),
                namespaces: d.namespaces.into_iter().collect(),
                source_ips: d.source_ips.into_iter().collect(),
                impersonated_by: d.impersonated_by.into_iter().collect(),
                top_denied: pairs(&d.pairs, PAIRS_PER_USER),
            });
        }
        report.users.sort_by(|a, b| {
            b.requests
                .cmp(&a.requests)
                .then_with(|| a.user.cmp(&b.user))
        });
        report
    }
}

fn pairs(tally: &Tally, top: usize) -> Vec<DeniedPair> {
    tally
        .top(top)
        .into_iter()
        .map(|c| {
            let (verb, resource) = c.key.split_once(' ').unwrap_or((c.key.as_str(), ""));
            DeniedPair {
                verb: verb.to_owned(),
                resource: resource.to_owned(),
                count: c.count,
            }
        })
        .collect()
}

impl Aggregate for Authz {
    fn fresh(&self) -> Self {
        Authz::new(self.top)
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        if !is_request(event) {
            return;
        }
        let Some(kind) = denial(event) else { return };
        let user = event.effective_user().username.as_ref();
        let entry = match self.users.get_mut(user) {
            Some(entry) => entry,
            None => self.users.entry(user.to_owned()).or_default(),
        };
        match kind {
            Denial::Authz => entry.authz += 1,
            Denial::Admission => entry.admission += 1,
            Denial::Unauthenticated => entry.unauthenticated += 1,
        }
        let resource = resource_key(event);
        // Verbs never hold spaces, so the pair key splits back unambiguously.
        let pair = format!("{} {resource}", event.verb);
        entry.pairs.add(&pair, 1);
        self.pairs.add(&pair, 1);
        insert(&mut entry.verbs, &event.verb);
        insert(&mut entry.resources, &resource);
        if let Some(namespace) = event.namespace() {
            insert(&mut entry.namespaces, namespace);
        }
        if let Some(ip) = event.source_ip() {
            insert(&mut entry.source_ips, ip);
        }
        if event.impersonated_user.is_some() {
            insert(&mut entry.impersonated_by, &event.user.username);
        }
        entry.span.add(event.time());
    }

    fn merge(&mut self, other: Self) {
        self.pairs.merge(other.pairs);
        for (user, theirs) in other.users {
            let ours = self.users.entry(user).or_default();
            ours.authz += theirs.authz;
            ours.admission += theirs.admission;
            ours.unauthenticated += theirs.unauthenticated;
            ours.verbs.extend(theirs.verbs);
            ours.resources.extend(theirs.resources);
            ours.namespaces.extend(theirs.namespaces);
            ours.source_ips.extend(theirs.source_ips);
            ours.impersonated_by.extend(theirs.impersonated_by);
            ours.span.merge(theirs.span);
            ours.pairs.merge(theirs.pairs);
        }
    }
}

fn insert(set: &mut BTreeSet<String>, value: &str) {
    if !set.contains(value) {
        set.insert(value.to_owned());
    }
}

/// A verb on a resource, and how often it was denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeniedPair {
    /// The verb.
    pub verb: String,
    /// `resource/subresource`, or the path of a non-resource request.
    pub resource: String,
    /// How many denied requests.
    pub count: u64,
}

/// The denied requests of one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeniedUser {
    /// The user the requests acted as (empty: unauthenticated).
    pub user: String,
    /// Denied requests in all.
    pub requests: u64,
    /// Forbidden by the authorizer.
    pub authz: u64,
    /// Rejected by admission after being authorized.
    pub admission: u64,
    /// Not authenticated (401).
    pub unauthenticated: u64,
    /// The first denial (RFC 3339).
    pub first_time: Option<String>,
    /// The last denial (RFC 3339).
    pub last_time: Option<String>,
    /// The distinct verbs denied, sorted.
    pub verbs: Vec<String>,
    /// The distinct resources denied, sorted.
    pub resources: Vec<String>,
    /// The distinct namespaces of the denied requests, sorted.
    pub namespaces: Vec<String>,
    /// The distinct client addresses, sorted.
    pub source_ips: Vec<String>,
    /// The authenticated users that impersonated this one, sorted.
    pub impersonated_by: Vec<String>,
    /// This user's most denied (verb, resource) pairs, at most five.
    pub top_denied: Vec<DeniedPair>,
}

/// Denied requests (`-o json` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzReport {
    /// Denied requests in all.
    pub requests: u64,
    /// Forbidden by the authorizer.
    pub authz: u64,
    /// Rejected by admission after being authorized.
    pub admission: u64,
    /// Not authenticated (401).
    pub unauthenticated: u64,
    /// Per user, the most denied first.
    pub users: Vec<DeniedUser>,
    /// The most denied (verb, resource) pairs over all users.
    pub top_denied: Vec<DeniedPair>,
}

impl AuthzReport {
    /// Two tables: users, then the most denied pairs.
    pub fn tables(&self) -> Vec<Table> {
        let mut users = Table::new(
            format!(
                "Denied requests: {} ({} authz, {} admission, {} unauthenticated)",
                self.requests, self.authz, self.admission, self.unauthenticated
            ),
            &[
                "user",
                "denied",
                "authz",
                "admission",
                "401",
                "verbs",
                "resources",
                "namespaces",
                "source IPs",
                "first",
                "last",
            ],
        );
        for u in &self.users {
            let user = if u.impersonated_by.is_empty() {
                shown(&u.user)
            } else {
                format!("{} (via {})", shown(&u.user), u.impersonated_by.join(", "))
            };
            users.push(vec![
                user,
                u.requests.to_string(),
                u.authz.to_string(),
                u.admission.to_string(),
                u.unauthenticated.to_string(),
                u.verbs.join(", "),
                u.resources.join(", "),
                u.namespaces.join(", "),
                u.source_ips.join(", "),
                u.first_time.clone().unwrap_or_default(),
                u.last_time.clone().unwrap_or_default(),
            ]);
        }
        let mut pairs = Table::new("Most denied", &["verb", "resource", "denied"]);
        for p in &self.top_denied {
            pairs.push(vec![
                p.verb.clone(),
                p.resource.clone(),
                p.count.to_string(),
            ]);
        }
        vec![users, pairs]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(user: &str, code: i32, decision: Option<&str>, message: &str) -> String {
        let annotations = decision
            .map(|d| format!(r#","annotations":{{"authorization.k8s.io/decision":"{d}"}}"#))
            .unwrap_or_default();
        format!(
            r#"{{"auditID":"x","stage":"ResponseComplete","verb":"list","user":{user},"sourceIPs":["203.0.113.45"],"objectRef":{{"resource":"secrets","namespace":"kube-system"}},"responseStatus":{{"code":{code},"message":"{message}"}},"stageTimestamp":"2025-03-14T08:00:00Z"{annotations}}}"#
        )
    }

    fn kind(text: &str) -> Option<Denial> {
        denial(&Event::from_json(text.as_bytes()).unwrap())
    }

    #[test]
    fn classifies_denials() {
        let sa = r#"{"username":"system:serviceaccount:web:frontend"}"#;
        assert_eq!(
            kind(&line(sa, 403, Some("forbid"), "")),
            Some(Denial::Authz)
        );
        assert_eq!(
            kind(&line(sa, 403, Some("allow"), "violates PodSecurity")),
            Some(Denial::Admission)
        );
        assert_eq!(
            kind(&line("{}", 401, None, "Unauthorized")),
            Some(Denial::Unauthenticated)
        );
        assert_eq!(
            kind(&line(sa, 403, None, r#"User \"bob\" cannot list pods"#)),
            Some(Denial::Authz)
        );
        assert_eq!(
            kind(&line(sa, 403, None, "admission webhook denied the request")),
            Some(Denial::Admission)
        );
        assert_eq!(kind(&line(sa, 200, Some("allow"), "")), None);
        assert_eq!(kind(&line(sa, 404, None, "")), None);
    }

    #[test]
    fn groups_by_effective_user() {
        let mut authz = Authz::default();
        let lines = [
            line(r#"{"username":"mallory"}"#, 403, Some("forbid"), ""),
            line(r#"{"username":"mallory"}"#, 403, Some("forbid"), "")
                .replace(r#""verb":"list""#, r#""verb":"get""#),
            line(
                r#"{"username":"admin"},"impersonatedUser":{"username":"bob"}"#,
                403,
                None,
                "User bob cannot list",
            ),
            line("{}", 401, None, "Unauthorized"),
            line(r#"{"username":"mallory"}"#, 403, Some("forbid"), "")
                .replace("ResponseComplete", "ResponseStarted"),
        ];
        for l in &lines {
            let event = Event::from_json(l.as_bytes()).unwrap();
            let mut part = authz.fresh();
            part.add(&event, l.as_bytes());
            authz.merge(part);
        }
        let report = authz.finish();
        assert_eq!(
            (report.requests, report.authz, report.unauthenticated),
            (4, 3, 1)
        );
        assert_eq!(report.users[0].user, "mallory");
        assert_eq!(report.users[0].requests, 2);
        assert_eq!(report.users[0].verbs, ["get", "list"]);
        assert_eq!(report.users[0].namespaces, ["kube-system"]);
        let bob = report.users.iter().find(|u| u.user == "bob").unwrap();
        assert_eq!(bob.impersonated_by, ["admin"]);
        assert_eq!(
            report.top_denied[0],
            DeniedPair {
                verb: "list".into(),
                resource: "secrets".into(),
                count: 3
            }
        );
        assert_eq!(report.tables()[0].rows.len(), 3);
    }
}
