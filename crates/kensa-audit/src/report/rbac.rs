//! Least-privilege RBAC from what principals did: the roles and bindings that
//! grant the requests seen in the log, in the manner of liggitt/audit2rbac.
//!
//! How requests become rules:
//! - a request in a namespace becomes a rule of a `Role` in that namespace,
//!   bound by a `RoleBinding`;
//! - a request on a cluster-scoped resource, a request across all namespaces
//!   (a `list` or `watch` without a namespace) and a non-resource request
//!   (`/metrics`, `/logs`) become rules of a `ClusterRole`, bound by a
//!   `ClusterRoleBinding`; non-resource rules carry `nonResourceURLs`;
//! - rules of one API group and one set of names merge their verbs per
//!   resource, then resources with the same verbs merge into one rule;
//!   subresources appear as `pods/exec`;
//! - `resourceNames` are kept only when every request of that verb on that
//!   resource named an object and the verb can be limited by name (`get`,
//!   `update`, `patch`, `delete`, and verbs on subresources such as
//!   `create pods/exec`); RBAC cannot limit `list`, `watch` or a plain
//!   `create` by name, so those drop the names, as audit2rbac does;
//! - a namespaced request already granted by the principal's cluster rules
//!   adds nothing to the namespace's role.
//!
//! Denied requests count by default ([`RbacOptions::include_denied`]), as in
//! audit2rbac: the point is to grant what the workload tried to do, and a
//! workload being narrowed down typically fails on exactly the permissions it
//! lacks. Unauthenticated requests (401, or no user name) never count.
//!
//! The aggregator keeps each distinct request once per principal, so its size
//! follows the variety of the traffic, not its volume.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::event::Event;
use crate::report::{Aggregate, Table};

/// Whose requests to turn into roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// One user, by name as the authenticator reports it (`alice`,
    /// `oidc:alice@example.com`, `system:node:worker-1`).
    User(String),
    /// One service account.
    ServiceAccount {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// Every principal seen, each with its own roles. Users whose names start
    /// with `system:` (control-plane components, nodes, anonymous) are left
    /// out unless [`RbacOptions::include_system`] is set; service accounts
    /// are always in.
    All,
}

impl Principal {
    /// Parses `namespace:name` (as audit2rbac's `--serviceaccount`) into a
    /// service account principal; `None` when either part is missing.
    pub fn service_account(text: &str) -> Option<Principal> {
        let (namespace, name) = text.split_once(':')?;
        (!namespace.is_empty() && !name.is_empty() && !name.contains(':')).then(|| {
            Principal::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            }
        })
    }
}

/// Settings of the [`Rbac`] report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RbacOptions {
    /// Whose roles to generate.
    pub principal: Principal,
    /// Whether denied requests (403, or authorizer decision `forbid`) count.
    /// Default `true`, as in audit2rbac.
    pub include_denied: bool,
    /// With [`Principal::All`]: whether `system:` users other than service
    /// accounts get roles too. Default `false`.
    pub include_system: bool,
    /// Whether `get` requests on the discovery and health endpoints
    /// (`/api`, `/apis/...`, `/version`, `/healthz`, `/openapi/...`) are left
    /// out, because the default `system:discovery` and
    /// `system:public-info-viewer` roles grant them to everyone. Default
    /// `true`, as in audit2rbac.
    pub skip_discovery: bool,
    /// Whether verbs are widened the way clients need them, as audit2rbac
    /// does: `list` and `watch` each bring `get`, `list` and `watch`;
    /// `update` and `patch` each bring `get`, `update` and `patch`.
    /// Default `true`; `false` grants exactly the verbs seen.
    pub expand_verbs: bool,
    /// Prefix of the generated objects' names. Default `audit2rbac`.
    pub name_prefix: String,
    /// When a verb on a resource was used on more objects than this, the
    /// rule covers all objects instead of listing them (generated names such
    /// as pods' make long lists that are useless a day later). Default
    /// `None`: no limit. audit2rbac behaves like `Some(1)`.
    pub max_resource_names: Option<usize>,
}

impl RbacOptions {
    /// The defaults for a principal.
    pub fn new(principal: Principal) -> RbacOptions {
        RbacOptions {
            principal,
            include_denied: true,
            include_system: false,
            skip_discovery: true,
            expand_verbs: true,
            name_prefix: "audit2rbac".to_string(),
            max_resource_names: None,
        }
    }
}

/// One distinct request of a principal, reduced to what RBAC looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Request {
    /// A request on a resource.
    Resource {
        verb: String,
        api_group: String,
        /// `pods` or `pods/exec`.
        resource: String,
        namespace: Option<String>,
        /// Only when the verb can be limited by name.
        name: Option<String>,
    },
    /// A request on a path outside the resource API.
    NonResource { verb: String, path: String },
}

#[derive(Debug, Clone, Default)]
struct Seen {
    requests: u64,
    denied: u64,
    distinct: HashSet<Request>,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        self.requests += other.requests;
        self.denied += other.denied;
        self.distinct.extend(other.distinct);
    }
}

/// The `rbac` report: an aggregator of the requests per principal.
#[derive(Debug, Clone)]
pub struct Rbac {
    options: RbacOptions,
    principals: HashMap<String, Seen>,
}

impl Rbac {
    /// An empty report with these settings.
    pub fn new(options: RbacOptions) -> Rbac {
        Rbac {
            options,
            principals: HashMap::new(),
        }
    }

    fn wants(&self, username: &str) -> bool {
        match &self.options.principal {
            Principal::User(name) => username == name,
            Principal::ServiceAccount { namespace, name } => {
                service_account_parts(username) == Some((namespace.as_str(), name.as_str()))
            }
            Principal::All => {
                self.options.include_system
                    || !username.starts_with("system:")
                    || service_account_parts(username).is_some()
            }
        }
    }

    /// Builds the roles and bindings.
    pub fn finish(self) -> RbacReport {
        let mut principals: Vec<PrincipalRbac> = self
            .principals
            .into_iter()
            .map(|(username, seen)| build_principal(&self.options, username, seen))
            .collect();
        principals.sort_by(|a, b| a.username.cmp(&b.username));
        RbacReport { principals }
    }
}

impl Aggregate for Rbac {
    fn fresh(&self) -> Self {
        Rbac::new(self.options.clone())
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        // One request is counted once: on its final stage, or on its only
        // event when the policy wrote a single stage without naming it.
        if event.stage.is_some_and(|stage| !stage.is_final()) || event.verb.is_empty() {
            return;
        }
        let username = event.effective_user().username.as_ref();
        if username.is_empty() || event.code() == Some(401) || !self.wants(username) {
            return;
        }
        let denied = is_denied(event);
        if denied && !self.options.include_denied {
            return;
        }
        let Some(request) = request_of(event, self.options.skip_discovery) else {
            return;
        };
        let seen = match self.principals.get_mut(username) {
            Some(seen) => seen,
            None => self.principals.entry(username.to_string()).or_default(),
        };
        seen.requests += 1;
        seen.denied += u64::from(denied);
        seen.distinct.insert(request);
    }

    fn merge(&mut self, other: Self) {
        for (username, seen) in other.principals {
            self.principals.entry(username).or_default().merge(seen);
        }
    }
}

/// Whether the authorizer refused the request.
fn is_denied(event: &Event<'_>) -> bool {
    match event.decision() {
        Some("allow") => false,
        Some("forbid") => true,
        _ => event.code() == Some(403),
    }
}

fn service_account_parts(username: &str) -> Option<(&str, &str)> {
    let rest = username.strip_prefix("system:serviceaccount:")?;
    let (namespace, name) = rest.split_once(':')?;
    (!namespace.is_empty() && !name.is_empty() && !name.contains(':')).then_some((namespace, name))
}

/// Whether RBAC can limit this verb on this (sub)resource by object name.
fn name_limitable(verb: &str, has_subresource: bool) -> bool {
    match verb {
        "get" | "update" | "patch" | "delete" => true,
        // The name of a plain create comes from the body, after
        // authorization; list, watch and deletecollection act on many objects.
        "list" | "watch" | "deletecollection" => false,
        "create" => has_subresource,
        _ => has_subresource,
    }
}

/// Whether the default discovery roles already let everyone `get` this path.
fn is_discovery(verb: &str, path: &str) -> bool {
    if verb != "get" {
        return false;
    }
    matches!(
        path,
        "/api" | "/apis" | "/version" | "/version/" | "/healthz" | "/livez" | "/readyz"
    ) || [
        "/api/",
        "/apis/",
        "/openapi/",
        "/healthz/",
        "/livez/",
        "/readyz/",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
        || path == "/openapi"
}

fn request_of(event: &Event<'_>, skip_discovery: bool) -> Option<Request> {
    let verb = event.verb.to_string();
    match event.resource() {
        Some(resource) if !resource.is_empty() => {
            let subresource = event.subresource().filter(|s| !s.is_empty());
            let resource = match subresource {
                Some(sub) => format!("{resource}/{sub}"),
                None => resource.to_string(),
            };
            let name = event
                .name()
                .filter(|name| !name.is_empty() && name_limitable(&verb, subresource.is_some()))
                .map(str::to_string);
            Some(Request::Resource {
                api_group: event.api_group().unwrap_or("").to_string(),
                resource,
                namespace: event
                    .namespace()
                    .filter(|ns| !ns.is_empty())
                    .map(str::to_string),
                name,
                verb,
            })
        }
        _ => {
            let uri = event.request_uri.as_ref();
            let path = uri.split_once('?').map_or(uri, |(path, _)| path);
            if path.is_empty() || (skip_discovery && is_discovery(&verb, path)) {
                return None;
            }
            Some(Request::NonResource {
                verb,
                path: path.to_string(),
            })
        }
    }
}

/// The verbs a request of `verb` is granted.
fn expanded(verb: &str, expand: bool) -> &'static [&'static str] {
    if !expand {
        return &[];
    }
    match verb {
        "list" | "watch" => &["get", "list", "watch"],
        "update" | "patch" => &["get", "patch", "update"],
        _ => &[],
    }
}

/// `None`: any object; `Some(names)`: only these.
type Names = Option<BTreeSet<String>>;

/// Per API group and resource, per verb, the names seen.
type Grants = BTreeMap<(String, String), BTreeMap<String, Names>>;

fn grant(
    grants: &mut Grants,
    max_names: Option<usize>,
    group: &str,
    resource: &str,
    verb: &str,
    name: Option<&str>,
) {
    let names = grants
        .entry((group.to_string(), resource.to_string()))
        .or_default()
        .entry(verb.to_string())
        .or_insert_with(|| Some(BTreeSet::new()));
    match (names.as_mut(), name) {
        (Some(set), Some(name)) => {
            set.insert(name.to_string());
            if max_names.is_some_and(|max| set.len() > max) {
                *names = None;
            }
        }
        (None, _) => {}
        (Some(_), None) => *names = None,
    }
}

fn grant_request(grants: &mut Grants, options: &RbacOptions, request: &Request) {
    let Request::Resource {
        verb,
        api_group,
        resource,
        name,
        ..
    } = request
    else {
        return;
    };
    let max = options.max_resource_names;
    grant(grants, max, api_group, resource, verb, name.as_deref());
    for extra in expanded(verb, options.expand_verbs) {
        if extra != verb {
            // A widened read is only as narrow as the request it came from:
            // a list brings unrestricted gets, an update of one object a get
            // of that object.
            let name = if name_limitable(extra, resource.contains('/')) {
                name.as_deref()
            } else {
                None
            };
            grant(grants, max, api_group, resource, extra, name);
        }
    }
}

/// Whether `cluster` grants `verb` on the object.
fn covered(cluster: &Grants, group: &str, resource: &str, verb: &str, name: Option<&str>) -> bool {
    let Some(names) = cluster
        .get(&(group.to_string(), resource.to_string()))
        .and_then(|verbs| verbs.get(verb))
    else {
        return false;
    };
    match (names, name) {
        (None, _) => true,
        (Some(set), Some(name)) => set.contains(name),
        (Some(_), None) => false,
    }
}

/// Turns grants into compact, sorted rules.
fn rules_of(grants: &Grants) -> Vec<PolicyRule> {
    // First the verbs of each resource that share a set of names, then the
    // resources that share verbs and names.
    let mut by_names: BTreeMap<(String, Names, String), BTreeSet<String>> = BTreeMap::new();
    for ((group, resource), verbs) in grants {
        for (verb, names) in verbs {
            by_names
                .entry((group.clone(), names.clone(), resource.clone()))
                .or_default()
                .insert(verb.clone());
        }
    }
    let mut merged: BTreeMap<(String, BTreeSet<String>, Names), BTreeSet<String>> = BTreeMap::new();
    for ((group, names, resource), verbs) in by_names {
        merged
            .entry((group, verbs, names))
            .or_default()
            .insert(resource);
    }
    let mut rules: Vec<PolicyRule> = merged
        .into_iter()
        .map(|((group, verbs, names), resources)| PolicyRule {
            api_groups: vec![group],
            resources: resources.into_iter().collect(),
            resource_names: names.map(|n| n.into_iter().collect()).unwrap_or_default(),
            non_resource_urls: Vec::new(),
            verbs: verbs.into_iter().collect(),
        })
        .collect();
    rules.sort();
    rules
}

fn non_resource_rules(paths: &BTreeMap<String, BTreeSet<String>>) -> Vec<PolicyRule> {
    let mut by_verbs: BTreeMap<&BTreeSet<String>, Vec<String>> = BTreeMap::new();
    for (path, verbs) in paths {
        by_verbs.entry(verbs).or_default().push(path.clone());
    }
    let mut rules: Vec<PolicyRule> = by_verbs
        .into_iter()
        .map(|(verbs, urls)| PolicyRule {
            api_groups: Vec::new(),
            resources: Vec::new(),
            resource_names: Vec::new(),
            non_resource_urls: urls,
            verbs: verbs.iter().cloned().collect(),
        })
        .collect();
    rules.sort();
    rules
}

fn build_principal(options: &RbacOptions, username: String, seen: Seen) -> PrincipalRbac {
    let mut requests: Vec<Request> = seen.distinct.into_iter().collect();
    requests.sort();

    let mut cluster = Grants::new();
    let mut paths: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for request in &requests {
        match request {
            Request::NonResource { verb, path } => {
                paths.entry(path.clone()).or_default().insert(verb.clone());
            }
            Request::Resource {
                namespace: None, ..
            } => grant_request(&mut cluster, options, request),
            Request::Resource { .. } => {}
        }
    }

    let mut namespaced: BTreeMap<String, Grants> = BTreeMap::new();
    for request in &requests {
        let Request::Resource {
            verb,
            api_group,
            resource,
            namespace: Some(namespace),
            name,
        } = request
        else {
            continue;
        };
        let all_granted = std::iter::once(verb.as_str())
            .chain(expanded(verb, options.expand_verbs).iter().copied())
            .all(|v| {
                let name = if name_limitable(v, resource.contains('/')) {
                    name.as_deref()
                } else {
                    None
                };
                covered(&cluster, api_group, resource, v, name)
            });
        if !all_granted {
            grant_request(
                namespaced.entry(namespace.clone()).or_default(),
                options,
                request,
            );
        }
    }

    let mut cluster_rules = non_resource_rules(&paths);
    cluster_rules.extend(rules_of(&cluster));
    let roles = namespaced
        .iter()
        .map(|(namespace, grants)| NamespacedRules {
            namespace: namespace.clone(),
            rules: rules_of(grants),
        })
        .collect();

    let subject = match service_account_parts(&username) {
        Some((namespace, name)) => Subject {
            kind: "ServiceAccount".to_string(),
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
            api_group: None,
        },
        None => Subject {
            kind: "User".to_string(),
            name: username.clone(),
            namespace: None,
            api_group: Some(RBAC_GROUP.to_string()),
        },
    };
    let object_name = object_name(&options.name_prefix, &username);
    PrincipalRbac {
        username,
        object_name,
        subject,
        requests: seen.requests,
        denied: seen.denied,
        cluster_rules,
        roles,
    }
}

/// The generated objects' name: the prefix and the principal, with the
/// characters RBAC names may not hold (`/`, `%`) replaced. Service accounts
/// use `namespace:name`, so two accounts of the same name do not collide.
fn object_name(prefix: &str, username: &str) -> String {
    let principal = match service_account_parts(username) {
        Some((namespace, name)) => format!("{namespace}:{name}"),
        None => username.to_string(),
    };
    let principal: String = principal
        .chars()
        .map(|c| if c == '/' || c == '%' { '-' } else { c })
        .collect();
    if prefix.is_empty() {
        principal
    } else {
        format!("{prefix}:{principal}")
    }
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const LABEL_KEY: &str = "kensa.dev/generated-from";
const LABEL_VALUE: &str = "audit";
const PRINCIPAL_ANNOTATION: &str = "kensa.dev/principal";

/// One rule of a role, as in `rbac.authorization.k8s.io/v1` `PolicyRule`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// The API groups (`""` for the core group); empty for non-resource rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// The resources, with subresources as `pods/exec`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The objects the rule is limited to; empty: all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// The non-resource paths, for non-resource rules.
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
    /// The verbs, sorted.
    pub verbs: Vec<String>,
}

/// Who a binding grants the role to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `User` or `ServiceAccount`.
    pub kind: String,
    /// The user or service account name.
    pub name: String,
    /// The service account's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `rbac.authorization.k8s.io` for users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
}

/// The rules of one namespace's `Role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespacedRules {
    /// The namespace.
    pub namespace: String,
    /// The rules.
    pub rules: Vec<PolicyRule>,
}

/// What one principal needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalRbac {
    /// The user name as in the events (the impersonated one when there was
    /// impersonation).
    pub username: String,
    /// The name of the generated roles and bindings.
    pub object_name: String,
    /// The bindings' subject.
    pub subject: Subject,
    /// The requests counted.
    pub requests: u64,
    /// How many of them were denied.
    pub denied: u64,
    /// The `ClusterRole`'s rules (non-resource rules first); empty: no
    /// `ClusterRole`.
    pub cluster_rules: Vec<PolicyRule>,
    /// One `Role` per namespace, by namespace.
    pub roles: Vec<NamespacedRules>,
}

/// The finished `rbac` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RbacReport {
    /// Per principal, by user name.
    pub principals: Vec<PrincipalRbac>,
}

impl RbacReport {
    /// The roles and bindings as a multi-document YAML stream (`---`
    /// between documents), ready for `kubectl apply -f`. Empty when no
    /// principal needs anything.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for principal in &self.principals {
            if !principal.cluster_rules.is_empty() {
                document(&mut out, principal, "ClusterRole", None);
                write_rules(&mut out, &principal.cluster_rules);
                document(&mut out, principal, "ClusterRoleBinding", None);
                write_binding(&mut out, principal, "ClusterRole");
            }
            for role in &principal.roles {
                document(&mut out, principal, "Role", Some(&role.namespace));
                write_rules(&mut out, &role.rules);
                document(&mut out, principal, "RoleBinding", Some(&role.namespace));
                write_binding(&mut out, principal, "Role");
            }
        }
        out
    }

    /// Text tables: a summary per principal, and every rule.
    pub fn tables(&self) -> Vec<Table> {
        let mut summary = Table::new(
            "RBAC needed per principal",
            &[
                "principal",
                "requests",
                "denied",
                "cluster rules",
                "namespaces",
            ],
        );
        let mut rules = Table::new(
            "Generated RBAC rules",
            &[
                "principal",
                "scope",
                "api group",
                "resources / URLs",
                "verbs",
                "names",
            ],
        );
        for principal in &self.principals {
            summary.push(vec![
                principal.username.clone(),
                principal.requests.to_string(),
                principal.denied.to_string(),
                principal.cluster_rules.len().to_string(),
                principal
                    .roles
                    .iter()
                    .map(|r| r.namespace.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
            let scoped = std::iter::repeat_n("cluster".to_string(), principal.cluster_rules.len())
                .zip(&principal.cluster_rules)
                .chain(principal.roles.iter().flat_map(|role| {
                    std::iter::repeat_n(format!("ns/{}", role.namespace), role.rules.len())
                        .zip(&role.rules)
                }));
            for (scope, rule) in scoped {
                let (group, targets) = if rule.non_resource_urls.is_empty() {
                    let group = rule.api_groups.join(",");
                    let group = if group.is_empty() {
                        "core".to_string()
                    } else {
                        group
                    };
                    (group, rule.resources.join(","))
                } else {
                    ("-".to_string(), rule.non_resource_urls.join(","))
                };
                rules.push(vec![
                    principal.username.clone(),
                    scope,
                    group,
                    targets,
                    rule.verbs.join(","),
                    rule.resource_names.join(","),
                ]);
            }
        }
        vec![summary, rules]
    }
}

/// Starts a document: separator, kind and metadata.
fn document(out: &mut String, principal: &PrincipalRbac, kind: &str, namespace: Option<&str>) {
    if !out.is_empty() {
        out.push_str("---\n");
    }
    let _ = writeln!(out, "apiVersion: {RBAC_GROUP}/v1");
    let _ = writeln!(out, "kind: {kind}");
    out.push_str("metadata:\n");
    let _ = writeln!(out, "  name: {}", scalar(&principal.object_name));
    if let Some(namespace) = namespace {
        let _ = writeln!(out, "  namespace: {}", scalar(namespace));
    }
    out.push_str("  labels:\n");
    let _ = writeln!(out, "    {LABEL_KEY}: {LABEL_VALUE}");
    out.push_str("  annotations:\n");
    let _ = writeln!(
        out,
        "    {PRINCIPAL_ANNOTATION}: {}",
        scalar(&principal.username)
    );
}

fn write_list(out: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {key}:");
    for item in items {
        let _ = writeln!(out, "  - {}", scalar(item));
    }
}

fn write_rules(out: &mut String, rules: &[PolicyRule]) {
    out.push_str("rules:\n");
    for rule in rules {
        // The first key of each item opens it with `- `; the rest are
        // indented under it.
        let mut item = String::new();
        write_list(&mut item, "apiGroups", &rule.api_groups);
        write_list(&mut item, "resources", &rule.resources);
        write_list(&mut item, "resourceNames", &rule.resource_names);
        write_list(&mut item, "nonResourceURLs", &rule.non_resource_urls);
        write_list(&mut item, "verbs", &rule.verbs);
        out.push_str("- ");
        out.push_str(item.strip_prefix("  ").unwrap_or(&item));
    }
}

fn write_binding(out: &mut String, principal: &PrincipalRbac, role_kind: &str) {
    out.push_str("roleRef:\n");
    let _ = writeln!(out, "  apiGroup: {RBAC_GROUP}");
    let _ = writeln!(out, "  kind: {role_kind}");
    let _ = writeln!(out, "  name: {}", scalar(&principal.object_name));
    out.push_str("subjects:\n");
    let subject = &principal.subject;
    let _ = writeln!(out, "- kind: {}", subject.kind);
    let _ = writeln!(out, "  name: {}", scalar(&subject.name));
    if let Some(namespace) = &subject.namespace {
        let _ = writeln!(out, "  namespace: {}", scalar(namespace));
    }
    if let Some(group) = &subject.api_group {
        let _ = writeln!(out, "  apiGroup: {group}");
    }
}

/// A YAML scalar for a string: plain when YAML 1.1 and 1.2 both read it back
/// as that same string, double-quoted otherwise (a JSON string is a valid
/// YAML double-quoted scalar).
fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_default()))
    }
}

fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let chars_ok = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '@' | '-' | ':'));
    let keyword = matches!(
        text.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off" | "null"
    );
    // Anything number-like (`1`, `1.5`, `1e3`, `0x1f`, `1_000`, `12:30`
    // in YAML 1.1's sexagesimal) stays quoted.
    let numberish = first.is_ascii_digit() || matches!(first, '.' | '-' | '+');
    chars_ok
        && (first.is_ascii_alphabetic() || first == '/')
        && !numberish
        && !keyword
        && !text.ends_with(':')
        && !text.contains("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_json(user: &str, verb: &str, object: &str, uri: &str, code: i32) -> String {
        let object = if object.is_empty() {
            String::new()
        } else {
            format!(r#""objectRef":{object},"#)
        };
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"ResponseComplete","requestURI":"{uri}","verb":"{verb}","user":{{"username":"{user}"}},{object}"responseStatus":{{"code":{code}}}}}"#
        )
    }

    fn run(options: RbacOptions, lines: &[String]) -> RbacReport {
        let mut rbac = Rbac::new(options);
        for line in lines {
            let event = Event::from_json(line.as_bytes()).unwrap();
            rbac.add(&event, line.as_bytes());
        }
        rbac.finish()
    }

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> PolicyRule {
        let strings = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        PolicyRule {
            api_groups: strings(groups),
            resources: strings(resources),
            resource_names: strings(names),
            non_resource_urls: Vec::new(),
            verbs: strings(verbs),
        }
    }

    fn alice() -> RbacOptions {
        RbacOptions::new(Principal::User("alice".into()))
    }

    #[test]
    fn namespaced_requests_make_a_role_per_namespace() {
        let lines = [
            event_json(
                "alice",
                "create",
                r#"{"resource":"configmaps","namespace":"web","name":"c1"}"#,
                "/api/v1/namespaces/web/configmaps",
                201,
            ),
            event_json(
                "alice",
                "delete",
                r#"{"resource":"deployments","apiGroup":"apps","namespace":"db","name":"d"}"#,
                "/apis/apps/v1/namespaces/db/deployments/d",
                200,
            ),
            event_json(
                "bob",
                "delete",
                r#"{"resource":"secrets","namespace":"web","name":"s"}"#,
                "/api/v1/namespaces/web/secrets/s",
                200,
            ),
        ];
        let report = run(alice(), &lines);
        assert_eq!(report.principals.len(), 1);
        let p = &report.principals[0];
        assert_eq!(p.username, "alice");
        assert_eq!(p.object_name, "audit2rbac:alice");
        assert!(p.cluster_rules.is_empty());
        assert_eq!(p.roles.len(), 2);
        assert_eq!(p.roles[0].namespace, "db");
        assert_eq!(
            p.roles[0].rules,
            vec![rule(&["apps"], &["deployments"], &["delete"], &["d"])]
        );
        assert_eq!(p.roles[1].namespace, "web");
        // A plain create cannot be limited by name.
        assert_eq!(
            p.roles[1].rules,
            vec![rule(&[""], &["configmaps"], &["create"], &[])]
        );
    }

    #[test]
    fn cluster_scoped_and_all_namespace_requests_make_a_cluster_role() {
        let lines = [
            event_json(
                "alice",
                "get",
                r#"{"resource":"nodes","name":"n1"}"#,
                "/api/v1/nodes/n1",
                200,
            ),
            event_json(
                "alice",
                "list",
                r#"{"resource":"pods"}"#,
                "/api/v1/pods",
                200,
            ),
            // Granted by the cluster-wide list already.
            event_json(
                "alice",
                "list",
                r#"{"resource":"pods","namespace":"web"}"#,
                "/api/v1/namespaces/web/pods",
                200,
            ),
        ];
        let report = run(alice(), &lines);
        let p = &report.principals[0];
        assert!(p.roles.is_empty(), "{:?}", p.roles);
        assert_eq!(
            p.cluster_rules,
            vec![
                rule(&[""], &["nodes"], &["get"], &["n1"]),
                rule(&[""], &["pods"], &["get", "list", "watch"], &[]),
            ]
        );
        let mut exact = alice();
        exact.expand_verbs = false;
        let p = &run(exact, &lines).principals[0];
        assert_eq!(p.cluster_rules[1], rule(&[""], &["pods"], &["list"], &[]));
    }

    #[test]
    fn non_resource_urls_make_cluster_rules_unless_discovery() {
        let lines = [
            event_json("alice", "get", "", "/metrics", 200),
            event_json("alice", "get", "", "/logs/kube.log?x=1", 200),
            event_json("alice", "post", "", "/logs/kube.log", 200),
            event_json("alice", "get", "", "/healthz", 200),
            event_json("alice", "get", "", "/apis/apps/v1", 200),
        ];
        let p = &run(alice(), &lines).principals[0];
        let urls: Vec<_> = p
            .cluster_rules
            .iter()
            .map(|r| (r.non_resource_urls.clone(), r.verbs.clone()))
            .collect();
        assert_eq!(
            urls,
            vec![
                (
                    vec!["/logs/kube.log".to_string()],
                    vec!["get".into(), "post".into()]
                ),
                (vec!["/metrics".to_string()], vec!["get".into()]),
            ]
        );
        let mut all = alice();
        all.skip_discovery = false;
        let p = &run(all, &lines).principals[0];
        let get_rule = p.cluster_rules.iter().find(|r| r.verbs == ["get"]).unwrap();
        assert_eq!(
            get_rule.non_resource_urls,
            ["/apis/apps/v1", "/healthz", "/metrics"]
        );
    }

    #[test]
    fn verbs_merge_and_resources_with_same_verbs_merge() {
        let lines = [
            event_json(
                "alice",
                "list",
                r#"{"resource":"configmaps","namespace":"a"}"#,
                "/",
                200,
            ),
            event_json(
                "alice",
                "watch",
                r#"{"resource":"secrets","namespace":"a"}"#,
                "/",
                200,
            ),
            event_json(
                "alice",
                "create",
                r#"{"resource":"secrets","namespace":"a"}"#,
                "/",
                201,
            ),
            event_json(
                "alice",
                "list",
                r#"{"resource":"pods","namespace":"a"}"#,
                "/",
                200,
            ),
        ];
        let p = &run(alice(), &lines).principals[0];
        assert_eq!(
            p.roles[0].rules,
            vec![
                rule(
                    &[""],
                    &["configmaps", "pods"],
                    &["get", "list", "watch"],
                    &[]
                ),
                rule(
                    &[""],
                    &["secrets"],
                    &["create", "get", "list", "watch"],
                    &[]
                ),
            ]
        );
    }

    #[test]
    fn resource_names_kept_only_when_every_request_named_one() {
        let named = |verb: &str, name: &str| {
            event_json(
                "alice",
                verb,
                &format!(r#"{{"resource":"configmaps","namespace":"a","name":"{name}"}}"#),
                "/",
                200,
            )
        };
        let lines = [
            named("get", "one"),
            named("get", "two"),
            named("delete", "one"),
        ];
        let p = &run(alice(), &lines).principals[0];
        assert_eq!(
            p.roles[0].rules,
            vec![
                rule(&[""], &["configmaps"], &["delete"], &["one"]),
                rule(&[""], &["configmaps"], &["get"], &["one", "two"]),
            ]
        );
        // An unnamed get (impossible in practice, but possible in a log) widens it.
        let mut lines = lines.to_vec();
        lines.push(event_json(
            "alice",
            "get",
            r#"{"resource":"configmaps","namespace":"a"}"#,
            "/",
            200,
        ));
        let p = &run(alice(), &lines).principals[0];
        assert!(
            p.roles[0]
                .rules
                .contains(&rule(&[""], &["configmaps"], &["get"], &[]))
        );
        // Beyond the limit, all objects.
        let mut capped = alice();
        capped.max_resource_names = Some(1);
        let lines = [
            named("get", "one"),
            named("get", "two"),
            named("delete", "one"),
        ];
        let p = &run(capped, &lines).principals[0];
        assert!(
            p.roles[0]
                .rules
                .contains(&rule(&[""], &["configmaps"], &["get"], &[]))
        );
        assert!(
            p.roles[0]
                .rules
                .contains(&rule(&[""], &["configmaps"], &["delete"], &["one"]))
        );
        // Update brings get and patch of the same object.
        let lines = [named("update", "one")];
        let p = &run(alice(), &lines).principals[0];
        assert_eq!(
            p.roles[0].rules,
            vec![rule(
                &[""],
                &["configmaps"],
                &["get", "patch", "update"],
                &["one"]
            )]
        );
    }

    #[test]
    fn subresources_and_exec() {
        let lines = [event_json(
            "alice",
            "create",
            r#"{"resource":"pods","namespace":"a","name":"web-0","subresource":"exec"}"#,
            "/api/v1/namespaces/a/pods/web-0/exec?command=sh",
            101,
        )];
        let p = &run(alice(), &lines).principals[0];
        assert_eq!(
            p.roles[0].rules,
            vec![rule(&[""], &["pods/exec"], &["create"], &["web-0"])]
        );
    }

    #[test]
    fn denied_requests_count_unless_excluded() {
        let lines = [
            event_json(
                "alice",
                "get",
                r#"{"resource":"secrets","namespace":"a","name":"s"}"#,
                "/",
                403,
            ),
            event_json(
                "alice",
                "get",
                r#"{"resource":"pods","namespace":"a","name":"p"}"#,
                "/",
                404,
            ),
            event_json(
                "alice",
                "get",
                r#"{"resource":"nodes","name":"x"}"#,
                "/",
                401,
            ),
        ];
        let p = &run(alice(), &lines).principals[0];
        assert_eq!((p.requests, p.denied), (2, 1));
        assert_eq!(p.roles[0].rules.len(), 2);
        assert!(p.cluster_rules.is_empty(), "401s never count");
        let mut allowed = alice();
        allowed.include_denied = false;
        let p = &run(allowed, &lines).principals[0];
        assert_eq!(
            p.roles[0].rules,
            vec![rule(&[""], &["pods"], &["get"], &["p"])],
            "a 404 was authorized"
        );
    }

    #[test]
    fn principals_service_accounts_and_impersonation() {
        let sa = "system:serviceaccount:ns1:sa1";
        let mut lines = vec![
            event_json(
                sa,
                "get",
                r#"{"resource":"pods","namespace":"ns1","name":"p"}"#,
                "/",
                200,
            ),
            event_json(
                "system:kube-controller-manager",
                "get",
                r#"{"resource":"pods","namespace":"ns1","name":"p"}"#,
                "/",
                200,
            ),
            event_json(
                "bob",
                "get",
                r#"{"resource":"pods","namespace":"ns1","name":"p"}"#,
                "/",
                200,
            ),
        ];
        lines.push(
            r#"{"stage":"ResponseComplete","verb":"list","auditID":"i","user":{"username":"admin"},"impersonatedUser":{"username":"carol"},"objectRef":{"resource":"nodes"},"responseStatus":{"code":200}}"#.to_string(),
        );
        // Not final: ignored.
        lines.push(
            r#"{"stage":"RequestReceived","verb":"delete","auditID":"j","user":{"username":"bob"},"objectRef":{"resource":"nodes","name":"n"}}"#.to_string(),
        );
        let report = run(RbacOptions::new(Principal::All), &lines);
        let names: Vec<_> = report
            .principals
            .iter()
            .map(|p| p.username.as_str())
            .collect();
        assert_eq!(names, ["bob", "carol", sa]);
        assert!(report.principals[0].cluster_rules.is_empty());
        let sa_report = &report.principals[2];
        assert_eq!(sa_report.object_name, "audit2rbac:ns1:sa1");
        assert_eq!(sa_report.subject.kind, "ServiceAccount");
        assert_eq!(sa_report.subject.namespace.as_deref(), Some("ns1"));

        let only_sa = run(
            RbacOptions::new(Principal::service_account("ns1:sa1").unwrap()),
            &lines,
        );
        assert_eq!(only_sa.principals.len(), 1);
        let mut system = RbacOptions::new(Principal::All);
        system.include_system = true;
        assert_eq!(run(system, &lines).principals.len(), 4);
        assert_eq!(Principal::service_account("nope"), None);
    }

    #[test]
    fn merge_equals_single_pass() {
        let lines: Vec<String> = (0..20)
            .map(|i| {
                event_json(
                    if i % 3 == 0 {
                        "alice"
                    } else {
                        "system:serviceaccount:a:b"
                    },
                    ["get", "list", "update", "delete"][i % 4],
                    &format!(
                        r#"{{"resource":"configmaps","namespace":"ns{}","name":"c{}"}}"#,
                        i % 2,
                        i % 5
                    ),
                    "/",
                    200,
                )
            })
            .collect();
        let options = RbacOptions::new(Principal::All);
        let whole = run(options.clone(), &lines);
        let mut first = Rbac::new(options);
        let mut second = first.fresh();
        for (i, line) in lines.iter().enumerate() {
            let event = Event::from_json(line.as_bytes()).unwrap();
            if i % 2 == 0 { &mut first } else { &mut second }.add(&event, line.as_bytes());
        }
        first.merge(second);
        assert_eq!(first.finish(), whole);
    }

    #[test]
    fn yaml_quotes_what_needs_quoting() {
        for plain in [
            "get",
            "pods/exec",
            "audit2rbac:alice",
            "/metrics",
            "apps",
            "oidc:alice@example.com",
        ] {
            assert_eq!(scalar(plain), plain);
        }
        for quoted in [
            "", "*", "true", "No", "null", "123", "1e3", "a b", "x: y", "-", "~", "a#b", "end:",
        ] {
            assert!(scalar(quoted).starts_with('"'), "{quoted}");
        }
    }

    #[test]
    fn yaml_shape() {
        let lines = [
            event_json(
                "alice",
                "get",
                r#"{"resource":"nodes","name":"n1"}"#,
                "/",
                200,
            ),
            event_json("alice", "get", "", "/metrics", 200),
            event_json(
                "alice",
                "list",
                r#"{"resource":"pods","namespace":"web"}"#,
                "/",
                200,
            ),
        ];
        let yaml = run(alice(), &lines).to_yaml();
        let expected = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: audit2rbac:alice
  labels:
    kensa.dev/generated-from: audit
  annotations:
    kensa.dev/principal: alice
rules:
- nonResourceURLs:
  - /metrics
  verbs:
  - get
- apiGroups:
  - ""
  resources:
  - nodes
  resourceNames:
  - n1
  verbs:
  - get
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: audit2rbac:alice
  labels:
    kensa.dev/generated-from: audit
  annotations:
    kensa.dev/principal: alice
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: audit2rbac:alice
subjects:
- kind: User
  name: alice
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: audit2rbac:alice
  namespace: web
  labels:
    kensa.dev/generated-from: audit
  annotations:
    kensa.dev/principal: alice
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
  - list
  - watch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: audit2rbac:alice
  namespace: web
  labels:
    kensa.dev/generated-from: audit
  annotations:
    kensa.dev/principal: alice
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: audit2rbac:alice
subjects:
- kind: User
  name: alice
  apiGroup: rbac.authorization.k8s.io
"#;
        assert_eq!(yaml, expected);
        let tables = run(alice(), &lines).tables();
        assert_eq!(tables[0].rows[0][0], "alice");
        assert_eq!(tables[1].rows.len(), 3);
    }
}
