//! First-match evaluation, as the API server's policy checker does it
//! (kubernetes/apiserver `pkg/audit/policy/checker.go`).
//!
//! The facts this relies on:
//! - rules are tried in order and the first that matches decides; when none
//!   does the level is `None` and the policy's own `omitStages` and
//!   `omitManagedFields` apply;
//! - a rule's stages are the union of the policy's and its own;
//! - a rule's `omitManagedFields`, when set, overrides the policy's;
//! - `users`, `userGroups` (any of), `verbs` are exact string matches, with no
//!   wildcards (`system:serviceaccount:*` is a literal), and a request with no
//!   authenticated user never matches a rule that names users or groups;
//! - a rule naming `namespaces` or `resources` matches resource requests only,
//!   and then ignores `nonResourceURLs`; one naming only `nonResourceURLs`
//!   matches non-resource requests only; one naming none of them matches all;
//! - `namespaces: [""]` selects cluster-scoped requests and cluster-wide lists;
//! - a group matches exactly, or `*` matches every group (kubernetes PR
//!   135262); a group entry with no resources matches all its resources and
//!   then ignores `resourceNames`;
//! - `resourceNames` compare with the request's name, which is empty for
//!   lists and creates, so they never match those;
//! - a resource entry matches `resource/subresource` exactly, `*` matches all,
//!   `*/sub` matches that subresource of any resource, and `res/*` matches any
//!   subresource of `res` *and* `res` itself;
//! - `nonResourceURLs`: `*` matches all, otherwise exact, or a trailing `*`
//!   makes the rest a plain string prefix (`/api*` matches `/apis`).

use crate::event::{Event, Level, Stage};
use crate::policy::model::{GroupResources, Policy, PolicyRule};
use crate::policy::{Attributes, Evaluation};
use crate::{Error, Result};

/// A borrowed view of a request, so evaluating events needs no allocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a, G> {
    /// `None` for a request that was not authenticated.
    pub user: Option<&'a str>,
    pub groups: &'a [G],
    pub verb: &'a str,
    /// `Some` for resource requests.
    pub resource: Option<ResourceRequest<'a>>,
    /// The URL path of a non-resource request.
    pub path: &'a str,
}

/// The resource part of a request; empty strings where the API server's
/// request info has empty strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResourceRequest<'a> {
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl Attributes {
    pub(crate) fn request(&self) -> Request<'_, String> {
        Request {
            user: (!self.user.is_empty()).then_some(self.user.as_str()),
            groups: &self.groups,
            verb: &self.verb,
            resource: self.resource.as_deref().map(|resource| ResourceRequest {
                group: &self.api_group,
                resource,
                subresource: self.subresource.as_deref().unwrap_or(""),
                namespace: self.namespace.as_deref().unwrap_or(""),
                name: self.name.as_deref().unwrap_or(""),
            }),
            path: self.path.as_deref().unwrap_or(""),
        }
    }

    /// What the API server's policy checker saw for the request an event
    /// records.
    ///
    /// The user is the *authenticated* user (`user`), not `impersonatedUser`:
    /// the audit filter runs before the impersonation filter in the API
    /// server's handler chain, so the policy decides on who made the request,
    /// and an impersonator cannot pick the audit level by choosing whom to
    /// impersonate. An event with an empty `user` (failed authentication)
    /// has no user: rules naming users or groups do not match it.
    ///
    /// A request with an `objectRef` is a resource request. On `create`
    /// without a subresource the name is left empty even when `objectRef`
    /// has one, because the API server fills that name in from the body
    /// after the policy was evaluated (the URL of a create has no name).
    pub fn from_event(event: &Event<'_>) -> Attributes {
        let parts = event_parts(event);
        Attributes {
            user: event.user.username.to_string(),
            groups: event.user.groups.iter().map(|g| g.to_string()).collect(),
            verb: event.verb.to_string(),
            resource: parts.resource.map(|r| r.resource.to_string()),
            api_group: parts
                .resource
                .map(|r| r.group.to_string())
                .unwrap_or_default(),
            subresource: parts
                .resource
                .and_then(|r| (!r.subresource.is_empty()).then(|| r.subresource.to_string())),
            namespace: parts
                .resource
                .and_then(|r| (!r.namespace.is_empty()).then(|| r.namespace.to_string())),
            name: parts
                .resource
                .and_then(|r| (!r.name.is_empty()).then(|| r.name.to_string())),
            path: Some(parts.path.to_string()),
        }
    }

    /// A request described on the command line.
    ///
    /// `resource` is in kubectl's form: `pods`, `deployments.apps`,
    /// `pods/exec`, `deployments.apps/scale`, `leases.coordination.k8s.io`
    /// (the group is everything after the first dot). Give either a
    /// `resource` or a non-resource `path` (such as `/healthz`), not both;
    /// `namespace` and `name` only go with a resource. An empty `user` means
    /// an unauthenticated request.
    pub fn from_cli(
        user: &str,
        groups: &[String],
        verb: &str,
        resource: Option<&str>,
        namespace: Option<&str>,
        name: Option<&str>,
        path: Option<&str>,
    ) -> Result<Attributes> {
        let verb = verb.trim();
        if verb.is_empty() {
            return Err(Error::BadRequest(
                "a verb is required (get, list, create, ...)".into(),
            ));
        }
        if verb.contains(char::is_whitespace) || verb.contains('*') {
            return Err(Error::BadRequest(format!(
                "verb {verb:?} is not a single verb"
            )));
        }
        if groups.iter().any(|g| g.is_empty()) {
            return Err(Error::BadRequest("a group name is empty".into()));
        }
        let mut attrs = Attributes {
            user: user.to_string(),
            groups: groups.to_vec(),
            verb: verb.to_string(),
            ..Attributes::default()
        };
        match (resource, path) {
            (Some(_), Some(_)) => {
                return Err(Error::BadRequest(
                    "give a resource or a non-resource path, not both".into(),
                ));
            }
            (None, None) => {
                return Err(Error::BadRequest(
                    "give a resource (e.g. pods, deployments.apps/scale) or a non-resource path (e.g. /healthz)".into(),
                ));
            }
            (None, Some(path)) => {
                if !path.starts_with('/') {
                    return Err(Error::BadRequest(format!(
                        "non-resource path {path:?} must start with '/'"
                    )));
                }
                if namespace.is_some() || name.is_some() {
                    return Err(Error::BadRequest(
                        "a non-resource path has no namespace or name".into(),
                    ));
                }
                attrs.path = Some(path.to_string());
            }
            (Some(spec), None) => {
                let (group, resource, subresource) = parse_kubectl_resource(spec)?;
                attrs.api_group = group;
                attrs.resource = Some(resource);
                attrs.subresource = subresource;
                attrs.namespace = non_empty("namespace", namespace)?;
                attrs.name = non_empty("name", name)?;
            }
        }
        Ok(attrs)
    }
}

fn non_empty(what: &str, value: Option<&str>) -> Result<Option<String>> {
    match value {
        Some(v) if v.contains(char::is_whitespace) || v.contains('/') => Err(Error::BadRequest(
            format!("{what} {v:?} is not a valid {what}"),
        )),
        // An empty namespace is a cluster-scoped request, as in the API server.
        Some("") | None => Ok(None),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// `deployments.apps/scale` as (`apps`, `deployments`, `Some("scale")`).
fn parse_kubectl_resource(spec: &str) -> Result<(String, String, Option<String>)> {
    let bad = |why: &str| {
        Error::BadRequest(format!(
            "resource {spec:?}: {why} (expected e.g. pods, deployments.apps, pods/exec, deployments.apps/scale)"
        ))
    };
    if spec.contains(char::is_whitespace) || spec.contains('*') {
        return Err(bad("no spaces or wildcards: name one resource"));
    }
    let (head, subresource) = match spec.split_once('/') {
        Some((head, sub)) => {
            if sub.is_empty() || sub.contains('/') {
                return Err(bad("one subresource after a single '/'"));
            }
            (head, Some(sub.to_string()))
        }
        None => (spec, None),
    };
    let (resource, group) = head.split_once('.').unwrap_or((head, ""));
    if resource.is_empty() {
        return Err(bad("the resource name is empty"));
    }
    if head.contains('.')
        && (group.is_empty()
            || group.starts_with('.')
            || group.ends_with('.')
            || group.contains(".."))
    {
        return Err(bad("the API group after the '.' is malformed"));
    }
    if resource.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(bad("resources are lower-case plurals, like pods"));
    }
    Ok((group.to_string(), resource.to_string(), subresource))
}

/// The request parts of an event, borrowed.
pub(crate) struct EventParts<'e> {
    pub resource: Option<ResourceRequest<'e>>,
    pub path: &'e str,
}

pub(crate) fn event_parts<'e>(event: &'e Event<'_>) -> EventParts<'e> {
    let uri: &str = &event.request_uri;
    let path = uri.split_once('?').map_or(uri, |(p, _)| p);
    let resource = event.object_ref.as_ref().map(|o| {
        let subresource = o.subresource.as_deref().unwrap_or("");
        let name = if event.verb == "create" && subresource.is_empty() {
            ""
        } else {
            o.name.as_deref().unwrap_or("")
        };
        ResourceRequest {
            group: o.api_group.as_deref().unwrap_or(""),
            resource: o.resource.as_deref().unwrap_or(""),
            subresource,
            namespace: o.namespace.as_deref().unwrap_or(""),
            name,
        }
    });
    EventParts { resource, path }
}

pub(crate) fn event_request<'e>(event: &'e Event<'_>) -> Request<'e, std::borrow::Cow<'e, str>> {
    let parts = event_parts(event);
    let user: &str = &event.user.username;
    Request {
        user: (!user.is_empty()).then_some(user),
        groups: &event.user.groups,
        verb: &event.verb,
        resource: parts.resource,
        path: parts.path,
    }
}

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|s| s == value)
}

pub(crate) fn rule_matches<G: AsRef<str>>(rule: &PolicyRule, req: &Request<'_, G>) -> bool {
    if !rule.users.is_empty() {
        match req.user {
            Some(user) if has(&rule.users, user) => {}
            _ => return false,
        }
    }
    if !rule.user_groups.is_empty() {
        if req.user.is_none() {
            return false;
        }
        if !req
            .groups
            .iter()
            .any(|g| has(&rule.user_groups, g.as_ref()))
        {
            return false;
        }
    }
    if !rule.verbs.is_empty() && !has(&rule.verbs, req.verb) {
        return false;
    }
    if rule.is_resource_rule() {
        return match &req.resource {
            Some(res) => resource_matches(rule, res),
            None => false,
        };
    }
    if !rule.non_resource_urls.is_empty() {
        if req.resource.is_some() {
            return false;
        }
        return rule
            .non_resource_urls
            .iter()
            .any(|spec| path_matches(req.path, spec));
    }
    true
}

pub(crate) fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*"
        || spec == path
        || (spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*')))
}

fn resource_matches(rule: &PolicyRule, req: &ResourceRequest<'_>) -> bool {
    if !rule.namespaces.is_empty() && !has(&rule.namespaces, req.namespace) {
        return false;
    }
    if rule.resources.is_empty() {
        return true;
    }
    rule.resources
        .iter()
        .any(|gr| group_resources_match(gr, req))
}

pub(crate) fn group_resources_match(gr: &GroupResources, req: &ResourceRequest<'_>) -> bool {
    if gr.group != req.group && gr.group != "*" {
        return false;
    }
    if gr.resources.is_empty() {
        return true;
    }
    if !gr.resource_names.is_empty() && !has(&gr.resource_names, req.name) {
        return false;
    }
    gr.resources
        .iter()
        .any(|pattern| resource_pattern_matches(pattern, req.resource, req.subresource))
}

pub(crate) fn resource_pattern_matches(pattern: &str, resource: &str, subresource: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let exact = if subresource.is_empty() {
        pattern == resource
    } else {
        pattern.len() == resource.len() + 1 + subresource.len()
            && pattern.starts_with(resource)
            && pattern[resource.len()..].starts_with('/')
            && pattern.ends_with(subresource)
    };
    if exact {
        return true;
    }
    if !subresource.is_empty() && pattern.strip_prefix("*/") == Some(subresource) {
        return true;
    }
    pattern.strip_suffix("/*") == Some(resource)
}

impl Policy {
    /// The index of the first rule that matches, `None` when none does.
    pub fn matching_rule(&self, attrs: &Attributes) -> Option<usize> {
        self.first_match(&attrs.request())
    }

    pub(crate) fn first_match<G: AsRef<str>>(&self, req: &Request<'_, G>) -> Option<usize> {
        self.rules.iter().position(|rule| rule_matches(rule, req))
    }

    /// What the API server records for a request: the first matching rule's
    /// level, its stages joined with the policy's, and its
    /// `omitManagedFields` or else the policy's; level `None` with the
    /// policy's settings when no rule matches.
    pub fn evaluate(&self, attrs: &Attributes) -> Evaluation {
        self.evaluation_of(self.matching_rule(attrs))
    }

    /// The decision of a rule (by index), or the default when `None` or out
    /// of range.
    pub fn evaluation_of(&self, rule_index: Option<usize>) -> Evaluation {
        match rule_index.and_then(|i| self.rules.get(i).map(|r| (i, r))) {
            Some((index, rule)) => Evaluation {
                level: rule.level,
                omit_stages: union_stages(&self.omit_stages, &rule.omit_stages),
                omit_managed_fields: rule.omit_managed_fields.unwrap_or(self.omit_managed_fields),
                rule_index: Some(index),
            },
            None => Evaluation {
                level: Level::None,
                omit_stages: union_stages(&self.omit_stages, &[]),
                omit_managed_fields: self.omit_managed_fields,
                rule_index: None,
            },
        }
    }
}

/// The union, in the order requests go through the stages (the API server
/// builds it from a map, so its order is arbitrary; only the set matters).
pub(crate) fn union_stages(a: &[Stage], b: &[Stage]) -> Vec<Stage> {
    Stage::ALL
        .into_iter()
        .filter(|s| a.contains(s) || b.contains(s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: [\"system:serviceaccount:*\"]
  - level: RequestResponse
    namespaces: [prod]
    resources:
      - group: \"\"
        resources: [\"pods/*\"]
  - level: Request
    omitManagedFields: true
    resources:
      - group: \"*\"
        resources: [\"*/status\"]
  - level: Metadata
    omitStages: [ResponseStarted]
    resources:
      - group: \"\"
        resources: [configmaps]
        resourceNames: [kubeadm-config]
  - level: None
    namespaces: [\"\"]
    verbs: [get, list, watch]
  - level: None
    nonResourceURLs: [\"/healthz*\", \"/api*\"]
";

    fn res(
        verb: &str,
        group: &str,
        resource: &str,
        sub: Option<&str>,
        ns: Option<&str>,
        name: Option<&str>,
    ) -> Attributes {
        Attributes {
            user: "alice".into(),
            groups: vec!["system:authenticated".into()],
            verb: verb.into(),
            resource: Some(resource.into()),
            api_group: group.into(),
            subresource: sub.map(Into::into),
            namespace: ns.map(Into::into),
            name: name.map(Into::into),
            path: None,
        }
    }

    #[test]
    fn first_match_and_defaults() {
        let policy = Policy::from_yaml(POLICY).unwrap();
        let p = |a: &Attributes| policy.evaluate(a).rule_index;
        assert_eq!(
            p(&res("get", "", "pods", None, Some("prod"), Some("p"))),
            Some(1)
        );
        assert_eq!(
            p(&res(
                "get",
                "",
                "pods",
                Some("log"),
                Some("prod"),
                Some("p")
            )),
            Some(1)
        );
        assert_eq!(
            p(&res("get", "", "pods", Some("log"), Some("dev"), Some("p"))),
            None
        );
        assert_eq!(
            p(&res(
                "patch",
                "apps",
                "deployments",
                Some("status"),
                Some("dev"),
                Some("d")
            )),
            Some(2)
        );
        assert_eq!(
            p(&res(
                "get",
                "",
                "configmaps",
                None,
                Some("kube-system"),
                Some("kubeadm-config")
            )),
            Some(3)
        );
        assert_eq!(
            p(&res(
                "list",
                "",
                "configmaps",
                None,
                Some("kube-system"),
                None
            )),
            None
        );
        assert_eq!(p(&res("list", "", "secrets", None, None, None)), Some(4));
        let none = policy.evaluate(&res("delete", "", "secrets", None, Some("dev"), Some("s")));
        assert_eq!(none.level, Level::None);
        assert_eq!(none.omit_stages, vec![Stage::RequestReceived]);
        let cm = policy.evaluate(&res(
            "get",
            "",
            "configmaps",
            None,
            Some("kube-system"),
            Some("kubeadm-config"),
        ));
        assert_eq!(
            cm.omit_stages,
            vec![Stage::RequestReceived, Stage::ResponseStarted]
        );
        let status = policy.evaluate(&res("patch", "", "nodes", Some("status"), None, Some("n")));
        assert!(status.omit_managed_fields);
    }

    #[test]
    fn users_do_not_glob_and_no_user_matches_no_user_rule() {
        let policy = Policy::from_yaml(POLICY).unwrap();
        let mut a = res("get", "", "nodes", None, None, Some("n"));
        a.user = "system:serviceaccount:ns:sa".into();
        assert_eq!(policy.matching_rule(&a), Some(4));
        a.user = "system:serviceaccount:*".into();
        assert_eq!(policy.matching_rule(&a), Some(0));
        a.user = String::new();
        assert_eq!(policy.matching_rule(&a), Some(4));
    }

    #[test]
    fn non_resource_prefixes() {
        let policy = Policy::from_yaml(POLICY).unwrap();
        let a = Attributes::from_cli("bob", &[], "get", None, None, None, Some("/apis")).unwrap();
        assert_eq!(policy.matching_rule(&a), Some(5));
        let a =
            Attributes::from_cli("bob", &[], "get", None, None, None, Some("/version")).unwrap();
        assert_eq!(policy.matching_rule(&a), None);
    }

    #[test]
    fn resource_patterns() {
        assert!(resource_pattern_matches("pods/*", "pods", ""));
        assert!(resource_pattern_matches("pods/*", "pods", "exec"));
        assert!(!resource_pattern_matches("pods/*", "podsx", "exec"));
        assert!(resource_pattern_matches("*/scale", "deployments", "scale"));
        assert!(!resource_pattern_matches("*/scale", "deployments", ""));
        assert!(resource_pattern_matches("pods/log", "pods", "log"));
        assert!(!resource_pattern_matches("pods", "pods", "log"));
        assert!(!resource_pattern_matches("pods/lo", "pods", "log"));
        assert!(!resource_pattern_matches("podsxlog", "pods", "log"));
        assert!(resource_pattern_matches("*", "anything", "sub"));
    }

    #[test]
    fn cli_forms() {
        let a = Attributes::from_cli(
            "u",
            &[],
            "patch",
            Some("deployments.apps/scale"),
            Some("web"),
            Some("d"),
            None,
        )
        .unwrap();
        assert_eq!(
            (
                a.api_group.as_str(),
                a.resource.as_deref(),
                a.subresource.as_deref()
            ),
            ("apps", Some("deployments"), Some("scale"))
        );
        let a = Attributes::from_cli(
            "u",
            &[],
            "get",
            Some("leases.coordination.k8s.io"),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(a.api_group, "coordination.k8s.io");
        let a = Attributes::from_cli(
            "u",
            &[],
            "create",
            Some("pods/exec"),
            Some("web"),
            Some("p"),
            None,
        )
        .unwrap();
        assert_eq!(
            (a.api_group.as_str(), a.subresource.as_deref()),
            ("", Some("exec"))
        );
        for bad in [
            "",
            "pods/",
            "/exec",
            "pods/a/b",
            "deployments.",
            "Pods",
            "*",
            "a..b",
        ] {
            assert!(
                Attributes::from_cli("u", &[], "get", Some(bad), None, None, None).is_err(),
                "{bad}"
            );
        }
        assert!(
            Attributes::from_cli("u", &[], "get", Some("pods"), None, None, Some("/x")).is_err()
        );
        assert!(Attributes::from_cli("u", &[], "get", None, None, None, None).is_err());
        assert!(Attributes::from_cli("u", &[], "get", None, None, None, Some("healthz")).is_err());
        assert!(Attributes::from_cli("u", &[], "", Some("pods"), None, None, None).is_err());
        assert!(Attributes::from_cli("u", &[], "get", None, Some("ns"), None, Some("/x")).is_err());
    }

    #[test]
    fn from_event_uses_the_authenticated_user_and_drops_backfilled_names() {
        let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/web/configmaps?fieldManager=kubectl","verb":"create","user":{"username":"alice","groups":["g1"]},"impersonatedUser":{"username":"bob"},"objectRef":{"resource":"configmaps","namespace":"web","name":"cfg","apiVersion":"v1"}}"#;
        let event = Event::from_json(line).unwrap();
        let a = Attributes::from_event(&event);
        assert_eq!(a.user, "alice");
        assert_eq!(a.groups, vec!["g1".to_string()]);
        assert_eq!(a.name, None);
        assert_eq!(a.namespace.as_deref(), Some("web"));
        assert_eq!(a.path.as_deref(), Some("/api/v1/namespaces/web/configmaps"));
        let line = br#"{"kind":"Event","level":"Metadata","auditID":"b","stage":"ResponseComplete","requestURI":"/healthz?verbose","verb":"get","user":{}}"#;
        let event = Event::from_json(line).unwrap();
        let a = Attributes::from_event(&event);
        assert_eq!(a.resource, None);
        assert_eq!(a.path.as_deref(), Some("/healthz"));
    }
}
