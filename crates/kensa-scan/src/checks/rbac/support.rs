//! Shared helpers for the RBAC checks.
//!
//! - Reading Roles, ClusterRoles and bindings straight from the JSON body,
//!   so that a wrong shape (a string where a list belongs, a missing field)
//!   only drops that part instead of the whole object.
//! - Matching a rule against apiGroups, resources, verbs and resourceNames,
//!   either literally (as Trivy's checks do) or with Kubernetes' wildcard
//!   semantics (`*`, `*/subresource`).
//! - Resolving a binding's `roleRef` to the rules it grants, for the
//!   cluster checks: loaded Roles/ClusterRoles (aggregated ClusterRoles
//!   included) or, when not loaded, a small table of the built-in
//!   ClusterRoles ([`BUILTIN_CLUSTER_ROLES`]).

use std::collections::{BTreeMap, HashSet};

use kensa_k8s::Object;
use serde_json::Value;

use crate::check::Hit;
use crate::context::{ClusterContext, ObjectContext, is_workload_kind};

/// The API group of the RBAC resources.
pub(crate) const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Verbs that change objects (Trivy's list for "manage" checks).
pub(crate) const WRITE_VERBS: &[&str] = &[
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
];

/// Reading or changing an object; the Secret checks count reads because a
/// Secret that can be read is as good as a leaked credential.
pub(crate) const READ_WRITE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
];

/// The verbs the `*`-resource checks report, one list for the Role and the
/// ClusterRole variant so that they cannot drift apart.
pub(crate) const ANY_RESOURCE_VERBS: &[&str] = &[
    "create",
    "update",
    "delete",
    "deletecollection",
    "impersonate",
    "*",
    "list",
    "get",
];

/// The namespace a namespaced object without `metadata.namespace` lands in.
pub(crate) fn ns_or_default(namespace: Option<&str>) -> &str {
    match namespace {
        Some(ns) if !ns.is_empty() => ns,
        _ => "default",
    }
}

/// The strings of a JSON list; anything that is not a list of strings
/// contributes nothing.
pub(crate) fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// `'a', 'b'`: a list as messages show it.
pub(crate) fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("'{item}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One rule of a Role or ClusterRole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule<'a> {
    /// Its index in `rules` (0 for built-in rules).
    pub index: usize,
    /// `apiGroups`.
    pub api_groups: Vec<&'a str>,
    /// `resources`.
    pub resources: Vec<&'a str>,
    /// `verbs`.
    pub verbs: Vec<&'a str>,
    /// `resourceNames`.
    pub resource_names: Vec<&'a str>,
}

impl<'a> Rule<'a> {
    /// Reads one rule; `None` when it is not a JSON object.
    fn from_json(index: usize, value: &'a Value) -> Option<Rule<'a>> {
        value.as_object()?;
        Some(Rule {
            index,
            api_groups: strings(value.get("apiGroups")),
            resources: strings(value.get("resources")),
            verbs: strings(value.get("verbs")),
            resource_names: strings(value.get("resourceNames")),
        })
    }

    /// `rules[i]`, the rule's path from the object root.
    pub fn path(&self) -> String {
        format!("rules[{}]", self.index)
    }

    /// The rule's verbs that are literally in `verbs`.
    pub fn verbs_in(&self, verbs: &[&str]) -> Vec<&'a str> {
        self.verbs
            .iter()
            .copied()
            .filter(|verb| verbs.contains(verb))
            .collect()
    }

    /// The rule's resources that are literally in `resources`.
    pub fn resources_in(&self, resources: &[&str]) -> Vec<&'a str> {
        self.resources
            .iter()
            .copied()
            .filter(|resource| resources.contains(resource))
            .collect()
    }

    /// Whether the rule names `resource` literally.
    pub fn names_resource(&self, resource: &str) -> bool {
        self.resources.contains(&resource)
    }

    /// Whether the rule allows `verb` (literally or through `*`).
    pub fn allows_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| *v == "*" || *v == verb)
    }

    /// Whether the rule covers API group `group` (literally or through `*`).
    pub fn allows_group(&self, group: &str) -> bool {
        self.api_groups.iter().any(|g| *g == "*" || *g == group)
    }

    /// Whether the rule covers `resource` (which may be `name/subresource`),
    /// with the API server's wildcards: `*` is every resource and
    /// subresource, `*/sub` is subresource `sub` of every resource.
    pub fn allows_resource(&self, resource: &str) -> bool {
        let subresource = resource.split_once('/').map(|(_, sub)| sub);
        self.resources.iter().any(|r| {
            *r == "*"
                || *r == resource
                || subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub))
        })
    }

    /// Whether the rule lets its holder do `verb` on `resource` of `group`
    /// (on some objects at least: `resourceNames` are not considered).
    pub fn grants(&self, group: &str, resource: &str, verb: &str) -> bool {
        self.allows_group(group) && self.allows_resource(resource) && self.allows_verb(verb)
    }

    /// Whether the rule applies to every object of its resources (no
    /// `resourceNames`).
    pub fn unrestricted(&self) -> bool {
        self.resource_names.is_empty()
    }
}

/// The rules of a Role or ClusterRole body (entries that are not objects
/// are skipped, keeping the others' indexes).
pub(crate) fn rules_of(body: Option<&Value>) -> Vec<Rule<'_>> {
    body.and_then(|body| body.get("rules"))
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .enumerate()
                .filter_map(|(i, rule)| Rule::from_json(i, rule))
                .collect()
        })
        .unwrap_or_default()
}

/// The rules of the object under check.
pub(crate) fn rules<'a>(object: &ObjectContext<'a>) -> Vec<Rule<'a>> {
    rules_of(object.body())
}

/// One hit per rule that literally names one of `resources` together with
/// one of `verbs` (Trivy's matching: resource names are compared as written,
/// so `*` resources are left to the wildcard checks).
pub(crate) fn literal_grant_hits(
    object: &ObjectContext<'_>,
    resources: &[&str],
    verbs: &[&str],
) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter_map(|rule| {
            let matched_resources = rule.resources_in(resources);
            let matched_verbs = rule.verbs_in(verbs);
            if matched_resources.is_empty() || matched_verbs.is_empty() {
                return None;
            }
            Some(grant_hit(object, &rule, &matched_verbs, &matched_resources))
        })
        .collect()
}

/// `Kind 'name' should not grant 'verbs' on 'resources' (rules[i])`, at the rule.
pub(crate) fn grant_hit(
    object: &ObjectContext<'_>,
    rule: &Rule<'_>,
    verbs: &[&str],
    resources: &[&str],
) -> Hit {
    Hit::at(
        rule.path(),
        format!(
            "{} should not grant {} on {} ({})",
            object.describe(),
            quoted(verbs),
            quoted(resources),
            rule.path()
        ),
    )
}

/// `rules[a], rules[b]`, or just `rules[a]` when both are the same rule.
pub(crate) fn two_rule_paths(first: &Rule<'_>, second: &Rule<'_>) -> String {
    if first.index == second.index {
        first.path()
    } else {
        format!("{}, {}", first.path(), second.path())
    }
}

/// KSV-0051/0052: a rule that may `create` `binding_resource` plus a rule
/// that may `bind` any Role or ClusterRole (no `resourceNames`, or `*`
/// among them); one hit per creating rule, naming the binding rule.
pub(crate) fn create_binding_and_bind_any_hits(
    object: &ObjectContext<'_>,
    binding_resource: &str,
) -> Vec<Hit> {
    let rules = rules(object);
    let Some(bind_rule) = rules.iter().find(|rule| {
        rule.allows_group(RBAC_GROUP)
            && (rule.names_resource("roles") || rule.names_resource("clusterroles"))
            && rule.allows_verb("bind")
            && (rule.unrestricted() || rule.resource_names.contains(&"*"))
    }) else {
        return Vec::new();
    };
    rules
        .iter()
        .filter(|rule| {
            rule.allows_group(RBAC_GROUP)
                && rule.names_resource(binding_resource)
                && rule.allows_verb("create")
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant 'create' on '{}' together with 'bind' on any role ({})",
                    object.describe(),
                    binding_resource,
                    two_rule_paths(rule, bind_rule)
                ),
            )
        })
        .collect()
}

/// One subject of a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject<'a> {
    /// Its index in `subjects`.
    pub index: usize,
    /// `kind`: User, Group or ServiceAccount (`""` when missing).
    pub kind: &'a str,
    /// `name`.
    pub name: &'a str,
    /// `namespace`, for ServiceAccounts.
    pub namespace: Option<&'a str>,
}

impl Subject<'_> {
    /// `subjects[i]`.
    pub fn path(&self) -> String {
        format!("subjects[{}]", self.index)
    }

    /// The namespace of a ServiceAccount subject: its own, else the
    /// binding's (as the API server defaults it for RoleBindings), else
    /// `default`.
    pub fn service_account_namespace<'b>(&'b self, binding_namespace: Option<&'b str>) -> &'b str {
        match self.namespace {
            Some(ns) if !ns.is_empty() => ns,
            _ => ns_or_default(binding_namespace),
        }
    }

    /// `ServiceAccount 'ns/name'`, `User 'alice'`, `Group 'devs'`.
    pub fn describe(&self, binding_namespace: Option<&str>) -> String {
        if self.kind == "ServiceAccount" {
            format!(
                "ServiceAccount '{}/{}'",
                self.service_account_namespace(binding_namespace),
                self.name
            )
        } else if self.kind.is_empty() {
            format!("subject '{}'", self.name)
        } else {
            format!("{} '{}'", self.kind, self.name)
        }
    }
}

/// The subjects of a binding body (entries that are not objects are skipped).
pub(crate) fn subjects_of(body: Option<&Value>) -> Vec<Subject<'_>> {
    body.and_then(|body| body.get("subjects"))
        .and_then(Value::as_array)
        .map(|subjects| {
            subjects
                .iter()
                .enumerate()
                .filter(|(_, subject)| subject.is_object())
                .map(|(index, subject)| Subject {
                    index,
                    kind: subject.get("kind").and_then(Value::as_str).unwrap_or(""),
                    name: subject.get("name").and_then(Value::as_str).unwrap_or(""),
                    namespace: subject.get("namespace").and_then(Value::as_str),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A binding's `roleRef`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoleRef<'a> {
    /// `Role` or `ClusterRole`.
    pub kind: &'a str,
    /// The role's name.
    pub name: &'a str,
}

/// The `roleRef` of a binding body, when it has a name.
pub(crate) fn role_ref_of(body: Option<&Value>) -> Option<RoleRef<'_>> {
    let role_ref = body?.get("roleRef")?;
    let name = role_ref.get("name").and_then(Value::as_str)?;
    if name.is_empty() {
        return None;
    }
    Some(RoleRef {
        kind: role_ref
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("ClusterRole"),
        name,
    })
}

/// Subjects with a given name, as object-check hits at `subjects[i]`.
pub(crate) fn subject_name_hits(object: &ObjectContext<'_>, name: &str, what: &str) -> Vec<Hit> {
    subjects_of(object.body())
        .into_iter()
        .filter(|subject| subject.name == name)
        .map(|subject| {
            Hit::at(
                subject.path(),
                format!(
                    "{} should not bind {} '{}' ({})",
                    object.describe(),
                    what,
                    name,
                    subject.path()
                ),
            )
        })
        .collect()
}

/// Whether a binding or role is one of the API server's own defaults
/// (`kubernetes.io/bootstrapping: rbac-defaults`), which the cluster checks
/// leave alone.
pub(crate) fn is_bootstrap_default(object: &Object) -> bool {
    object
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get("kubernetes.io/bootstrapping"))
        .is_some_and(|value| value == "rbac-defaults")
}

// ---------------------------------------------------------------------------
// Built-in ClusterRoles

/// A rule of a built-in ClusterRole: apiGroups, resources, verbs.
type StaticRule = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// A built-in ClusterRole that kensa knows without it being loaded.
#[derive(Debug)]
pub(crate) struct BuiltinRole {
    /// Its name.
    pub name: &'static str,
    /// The rules that matter to the checks (abridged: read access to
    /// harmless resources is left out).
    rules: &'static [StaticRule],
    /// The values of `rbac.authorization.k8s.io/aggregate-to-<label>: "true"`
    /// whose loaded ClusterRoles the role absorbs (view flows into edit, edit
    /// into admin, as the defaults are labelled).
    aggregates: &'static [&'static str],
}

const CORE: &[&str] = &[""];
const MANAGE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ: &[&str] = &["get", "list", "watch"];

/// What the edit role grants (and admin on top of its own rules).
const EDIT_RULES: &[StaticRule] = &[
    (
        CORE,
        &[
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "secrets",
            "services/proxy",
        ],
        READ,
    ),
    (CORE, &["serviceaccounts"], &["impersonate"]),
    (
        CORE,
        &[
            "pods",
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
        ],
        MANAGE,
    ),
    (
        CORE,
        &[
            "configmaps",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "secrets",
            "serviceaccounts",
            "services",
            "services/proxy",
        ],
        MANAGE,
    ),
    (CORE, &["serviceaccounts/token"], &["create"]),
    (
        &["apps"],
        &[
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
        MANAGE,
    ),
    (&["batch"], &["cronjobs", "jobs"], MANAGE),
    (
        &["networking.k8s.io"],
        &["ingresses", "networkpolicies"],
        MANAGE,
    ),
];

/// What admin grants beyond edit.
const ADMIN_RULES: &[StaticRule] = &[
    (
        &[RBAC_GROUP],
        &["rolebindings", "roles"],
        &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
    ),
    (
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ),
];

/// What view grants (no secrets, no exec).
const VIEW_RULES: &[StaticRule] = &[(
    CORE,
    &[
        "configmaps",
        "endpoints",
        "persistentvolumeclaims",
        "pods",
        "pods/log",
        "pods/status",
        "replicationcontrollers",
        "serviceaccounts",
        "services",
    ],
    READ,
)];

/// The built-in ClusterRoles the cluster checks know when they are not among
/// the loaded objects. Sources: the API server's bootstrap RBAC policy.
///
/// - `cluster-admin`: every verb on every resource.
/// - `admin`: everything `edit` grants, plus managing Roles and RoleBindings
///   in the namespace (so its holder can hand its own power to others).
/// - `edit`: exec/attach into pods, read and write Secrets, impersonate
///   ServiceAccounts, manage workloads.
/// - `view`: read most namespaced objects, but not Secrets and not exec.
/// - `system:aggregate-to-{admin,edit,view}`: the parts the above aggregate.
/// - `system:node`: read Secrets and ConfigMaps (used by kubelets).
/// - `system:basic-user`, `system:discovery`, `system:public-info-viewer`,
///   `system:auth-delegator`: nothing the checks look for.
///
/// Other `system:*` roles are not modelled: a binding to one that is not
/// loaded yields no finding.
pub(crate) static BUILTIN_CLUSTER_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        name: "cluster-admin",
        rules: &[(&["*"], &["*"], &["*"])],
        aggregates: &[],
    },
    BuiltinRole {
        name: "admin",
        rules: &[],
        aggregates: &["admin", "edit", "view"],
    },
    BuiltinRole {
        name: "edit",
        rules: &[],
        aggregates: &["edit", "view"],
    },
    BuiltinRole {
        name: "view",
        rules: VIEW_RULES,
        aggregates: &["view"],
    },
    BuiltinRole {
        name: "system:aggregate-to-admin",
        rules: ADMIN_RULES,
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:aggregate-to-edit",
        rules: EDIT_RULES,
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:aggregate-to-view",
        rules: VIEW_RULES,
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:node",
        rules: &[(
            CORE,
            &[
                "secrets",
                "configmaps",
                "persistentvolumeclaims",
                "persistentvolumes",
            ],
            &["get"],
        )],
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:basic-user",
        rules: &[],
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:discovery",
        rules: &[],
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:public-info-viewer",
        rules: &[],
        aggregates: &[],
    },
    BuiltinRole {
        name: "system:auth-delegator",
        rules: &[],
        aggregates: &[],
    },
];

impl BuiltinRole {
    /// The role's own rules, admin/edit including the parts they aggregate
    /// from the other defaults.
    fn own_rules(&self) -> Vec<Rule<'static>> {
        let tables: &[&[StaticRule]] = match self.name {
            "admin" => &[ADMIN_RULES, EDIT_RULES, VIEW_RULES],
            "edit" => &[EDIT_RULES, VIEW_RULES],
            _ => &[self.rules],
        };
        tables
            .iter()
            .flat_map(|table| table.iter())
            .map(|(groups, resources, verbs)| Rule {
                index: 0,
                api_groups: groups.to_vec(),
                resources: resources.to_vec(),
                verbs: verbs.to_vec(),
                resource_names: Vec::new(),
            })
            .collect()
    }
}

/// The built-in ClusterRole of this name, if kensa models it.
pub(crate) fn builtin_cluster_role(name: &str) -> Option<&'static BuiltinRole> {
    BUILTIN_CLUSTER_ROLES.iter().find(|role| role.name == name)
}

// ---------------------------------------------------------------------------
// Label selectors (for aggregated ClusterRoles)

/// Whether `labels` match a JSON LabelSelector (`matchLabels` and
/// `matchExpressions`; an empty selector matches everything, a malformed
/// one nothing).
pub(crate) fn selector_matches(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let Some(selector) = selector.as_object() else {
        return false;
    };
    if let Some(match_labels) = selector.get("matchLabels") {
        let Some(match_labels) = match_labels.as_object() else {
            return false;
        };
        for (key, value) in match_labels {
            if labels.get(key).map(String::as_str) != value.as_str() {
                return false;
            }
        }
    }
    if let Some(expressions) = selector.get("matchExpressions") {
        let Some(expressions) = expressions.as_array() else {
            return false;
        };
        for expression in expressions {
            let key = expression.get("key").and_then(Value::as_str).unwrap_or("");
            let values = strings(expression.get("values"));
            let actual = labels.get(key).map(String::as_str);
            let ok = match expression.get("operator").and_then(Value::as_str) {
                Some("In") => actual.is_some_and(|v| values.contains(&v)),
                Some("NotIn") => actual.is_none_or(|v| !values.contains(&v)),
                Some("Exists") => actual.is_some(),
                Some("DoesNotExist") => actual.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

// ---------------------------------------------------------------------------
// Resolving bindings

/// Where a binding's role came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleSource {
    /// A Role or ClusterRole among the loaded objects.
    Loaded,
    /// kensa's table of built-in ClusterRoles.
    Builtin,
}

/// The role a binding refers to, with the rules it grants.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedRole<'a> {
    /// `Role` or `ClusterRole`.
    pub kind: &'a str,
    /// The role's name.
    pub name: &'a str,
    /// Where it was found.
    pub source: RoleSource,
    /// Its rules, aggregated rules included.
    pub rules: Vec<Rule<'a>>,
}

impl ResolvedRole<'_> {
    /// `ClusterRole 'edit' (built-in)`, `Role 'reader'`.
    pub fn describe(&self) -> String {
        match self.source {
            RoleSource::Loaded => format!("{} '{}'", self.kind, self.name),
            RoleSource::Builtin => format!("{} '{}' (built-in)", self.kind, self.name),
        }
    }

    /// Whether the role grants every verb on every resource, as cluster-admin does.
    pub fn is_cluster_admin_equivalent(&self) -> bool {
        self.rules.iter().any(|rule| {
            rule.api_groups.contains(&"*")
                && rule.resources.contains(&"*")
                && rule.verbs.contains(&"*")
                && rule.unrestricted()
        })
    }
}

/// A binding among the loaded objects, with what it refers to.
#[derive(Debug, Clone)]
pub(crate) struct Binding<'a> {
    /// Its index in the cluster context.
    pub index: usize,
    /// The binding.
    pub object: &'a Object,
    /// Its subjects.
    pub subjects: Vec<Subject<'a>>,
    /// Its `roleRef`.
    pub role_ref: Option<RoleRef<'a>>,
}

impl Binding<'_> {
    /// `ClusterRoleBinding 'name'` or `RoleBinding 'ns/name'`.
    pub fn describe(&self) -> String {
        match self.object.namespace() {
            Some(ns) if self.object.kind == "RoleBinding" => {
                format!("RoleBinding '{}/{}'", ns, self.object.name())
            }
            _ => format!("{} '{}'", self.object.kind, self.object.name()),
        }
    }

    /// Whether this is a ClusterRoleBinding (cluster-wide).
    pub fn is_cluster_wide(&self) -> bool {
        self.object.kind == "ClusterRoleBinding"
    }

    /// `cluster-wide` or `in namespace 'ns'`.
    pub fn scope(&self) -> String {
        if self.is_cluster_wide() {
            "cluster-wide".to_owned()
        } else {
            format!("in namespace '{}'", ns_or_default(self.object.namespace()))
        }
    }
}

/// The RBAC objects of a scan, for the cluster checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rbac<'a> {
    ctx: ClusterContext<'a>,
}

impl<'a> Rbac<'a> {
    /// Wraps a cluster context.
    pub fn new(ctx: &ClusterContext<'a>) -> Self {
        Rbac { ctx: *ctx }
    }

    /// Every RoleBinding and ClusterRoleBinding, except the API server's
    /// bootstrap defaults.
    pub fn bindings(&self) -> Vec<Binding<'a>> {
        self.ctx
            .objects
            .iter()
            .enumerate()
            .filter(|(_, object)| {
                (object.kind == "RoleBinding" || object.kind == "ClusterRoleBinding")
                    && !is_bootstrap_default(object)
            })
            .map(|(index, object)| Binding {
                index,
                object,
                subjects: subjects_of(object.body.as_ref()),
                role_ref: role_ref_of(object.body.as_ref()),
            })
            .collect()
    }

    /// The loaded ClusterRole called `name`.
    fn cluster_role(&self, name: &str) -> Option<&'a Object> {
        self.ctx
            .objects
            .iter()
            .find(|object| object.kind == "ClusterRole" && object.name() == name)
    }

    /// The loaded Role `name` in `namespace`.
    fn role(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.ctx.objects.iter().find(|object| {
            object.kind == "Role"
                && object.name() == name
                && ns_or_default(object.namespace()) == namespace
        })
    }

    /// The role a binding refers to, or `None` when it is neither loaded nor
    /// a modelled built-in.
    pub fn resolve(&self, binding: &Binding<'a>) -> Option<ResolvedRole<'a>> {
        let role_ref = binding.role_ref?;
        if role_ref.kind == "Role" {
            // A ClusterRoleBinding cannot refer to a Role; the API rejects it.
            if binding.is_cluster_wide() {
                return None;
            }
            let role = self.role(ns_or_default(binding.object.namespace()), role_ref.name)?;
            return Some(ResolvedRole {
                kind: "Role",
                name: role_ref.name,
                source: RoleSource::Loaded,
                rules: rules_of(role.body.as_ref()),
            });
        }
        if role_ref.kind != "ClusterRole" {
            return None;
        }
        if let Some(role) = self.cluster_role(role_ref.name) {
            let mut seen = HashSet::new();
            return Some(ResolvedRole {
                kind: "ClusterRole",
                name: role_ref.name,
                source: RoleSource::Loaded,
                rules: self.cluster_role_rules(role, &mut seen),
            });
        }
        let builtin = builtin_cluster_role(role_ref.name)?;
        let mut rules = builtin.own_rules();
        let mut seen = HashSet::new();
        for object in self.ctx.objects.iter().filter(|o| o.kind == "ClusterRole") {
            let labels = object.metadata.labels.clone().unwrap_or_default();
            let absorbed = builtin.aggregates.iter().any(|tier| {
                labels
                    .get(&format!("{RBAC_GROUP}/aggregate-to-{tier}"))
                    .is_some_and(|value| value == "true")
            });
            if absorbed {
                rules.extend(self.cluster_role_rules(object, &mut seen));
            }
        }
        Some(ResolvedRole {
            kind: "ClusterRole",
            name: role_ref.name,
            source: RoleSource::Builtin,
            rules,
        })
    }

    /// A loaded ClusterRole's rules plus, when it has an aggregationRule,
    /// those of every loaded ClusterRole its selectors match (recursively,
    /// each role once).
    fn cluster_role_rules(
        &self,
        role: &'a Object,
        seen: &mut HashSet<*const Object>,
    ) -> Vec<Rule<'a>> {
        if !seen.insert(std::ptr::from_ref(role)) {
            return Vec::new();
        }
        let mut rules = rules_of(role.body.as_ref());
        let selectors: &'a [Value] = role
            .body
            .as_ref()
            .and_then(|body| body.get("aggregationRule"))
            .and_then(|rule| rule.get("clusterRoleSelectors"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        if selectors.is_empty() {
            return rules;
        }
        let empty = BTreeMap::new();
        for other in self.ctx.objects.iter().filter(|o| o.kind == "ClusterRole") {
            if std::ptr::eq(other, role) {
                continue;
            }
            let labels = other.metadata.labels.as_ref().unwrap_or(&empty);
            if selectors
                .iter()
                .any(|selector| selector_matches(selector, labels))
            {
                rules.extend(self.cluster_role_rules(other, seen));
            }
        }
        rules
    }
}

/// The ServiceAccount a workload runs as, as (namespace, name): its
/// `serviceAccountName` (or the deprecated `serviceAccount`), else
/// `default`, in the workload's namespace (`default` when unset). `None`
/// for objects that are not workloads.
pub(crate) fn workload_service_account(object: &Object) -> Option<(&str, &str)> {
    if !is_workload_kind(&object.kind) {
        return None;
    }
    let spec = &object.pod.as_ref()?.spec;
    #[allow(deprecated)] // `serviceAccount` is the old spelling some manifests still use
    let name = spec
        .service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .filter(|name| !name.is_empty())
        .unwrap_or("default");
    Some((ns_or_default(object.namespace()), name))
}

/// `Deployment 'ns/name'`: a workload as the cluster checks name it.
pub(crate) fn describe_workload(object: &Object) -> String {
    format!(
        "{} '{}/{}'",
        object.kind,
        ns_or_default(object.namespace()),
        object.name()
    )
}

/// The loaded workloads that run as ServiceAccount `namespace/name`, with
/// their indices.
pub(crate) fn workloads_running_as<'a>(
    ctx: &ClusterContext<'a>,
    namespace: &str,
    name: &str,
) -> Vec<(usize, &'a Object)> {
    ctx.objects
        .iter()
        .enumerate()
        .filter(|(_, object)| workload_service_account(object) == Some((namespace, name)))
        .collect()
}

/// `; used by Deployment 'ns/a', Pod 'ns/b'`, or nothing when no loaded
/// workload runs as the subject (or it is not a ServiceAccount).
pub(crate) fn used_by_suffix(
    ctx: &ClusterContext<'_>,
    subject: &Subject<'_>,
    binding_namespace: Option<&str>,
) -> String {
    if subject.kind != "ServiceAccount" {
        return String::new();
    }
    let namespace = subject.service_account_namespace(binding_namespace);
    used_by(&workloads_running_as(ctx, namespace, subject.name))
}

/// `; used by Deployment 'ns/a', Pod 'ns/b'`, or nothing for no workloads.
pub(crate) fn used_by(workloads: &[(usize, &Object)]) -> String {
    if workloads.is_empty() {
        return String::new();
    }
    let names: Vec<String> = workloads
        .iter()
        .map(|(_, object)| describe_workload(object))
        .collect();
    format!("; used by {}", names.join(", "))
}

/// Whether a subject is a ServiceAccount or a node (Checkov's "Node"
/// subjects: kind `Node`, user `system:node:*` or group `system:nodes`).
pub(crate) fn is_service_account_or_node(subject: &Subject<'_>) -> bool {
    match subject.kind {
        "ServiceAccount" | "Node" => true,
        "User" => subject.name.starts_with("system:node:"),
        "Group" => subject.name == "system:nodes",
        _ => false,
    }
}

/// One permission a cluster check looks for: `verbs` on any of `resources`
/// in any of `groups`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Permission {
    /// API groups.
    pub groups: &'static [&'static str],
    /// Resources (`name` or `name/subresource`).
    pub resources: &'static [&'static str],
    /// Verbs.
    pub verbs: &'static [&'static str],
}

impl Permission {
    /// Whether `role` grants this permission through some rule; with
    /// `unrestricted_only`, only rules without `resourceNames` count.
    pub fn granted_by(&self, role: &ResolvedRole<'_>, unrestricted_only: bool) -> bool {
        role.rules.iter().any(|rule| {
            (!unrestricted_only || rule.unrestricted())
                && self.groups.iter().any(|group| {
                    self.resources.iter().any(|resource| {
                        self.verbs
                            .iter()
                            .any(|verb| rule.grants(group, resource, verb))
                    })
                })
        })
    }
}

/// Hits for a cluster check "ServiceAccounts and nodes must not get
/// `permission`": one per binding × ServiceAccount/node subject whose
/// resolved role grants it, at `subjects[i]`.
pub(crate) fn service_account_permission_hits(
    ctx: &ClusterContext<'_>,
    permission: &Permission,
    unrestricted_only: bool,
    what: &str,
) -> Vec<crate::check::ClusterHit> {
    subject_grant_hits(ctx, is_service_account_or_node, |role| {
        permission
            .granted_by(role, unrestricted_only)
            .then(|| what.to_owned())
    })
}

/// Hits for the cluster checks that follow each binding to its role:
/// `grants` says what the resolved role lets its holder do (`None` when
/// nothing of interest), and every subject that `subjects` selects gets a
/// hit at `subjects[i]`: `<subject> can <grants> <scope> through <role>
/// bound by <binding>`, plus the workloads that run as a ServiceAccount.
pub(crate) fn subject_grant_hits(
    ctx: &ClusterContext<'_>,
    subjects: impl Fn(&Subject<'_>) -> bool,
    grants: impl Fn(&ResolvedRole<'_>) -> Option<String>,
) -> Vec<crate::check::ClusterHit> {
    let rbac = Rbac::new(ctx);
    let mut hits = Vec::new();
    for binding in rbac.bindings() {
        let Some(role) = rbac.resolve(&binding) else {
            continue;
        };
        let Some(what) = grants(&role) else {
            continue;
        };
        for subject in binding.subjects.iter().filter(|subject| subjects(subject)) {
            hits.push(crate::check::ClusterHit {
                object: binding.index,
                hit: Hit::at(
                    subject.path(),
                    format!(
                        "{} can {} {} through {} bound by {}{}",
                        subject.describe(binding.object.namespace()),
                        what,
                        binding.scope(),
                        role.describe(),
                        binding.describe(),
                        used_by_suffix(ctx, subject, binding.object.namespace())
                    ),
                ),
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(value: &Value) -> Rule<'_> {
        Rule::from_json(0, value).unwrap()
    }

    #[test]
    fn wildcards_match_as_the_api_server_does() {
        let value = json!({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["*"]});
        let r = rule(&value);
        assert!(r.grants("", "pods/exec", "create"));
        assert!(!r.grants("", "pods", "get"));
        assert!(!r.grants("apps", "pods/exec", "create"));
        let value = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]});
        let r = rule(&value);
        assert!(r.grants("", "secrets", "get"));
        assert!(r.grants("x", "pods/exec", "get"));
        assert!(!r.grants("", "secrets", "list"));
    }

    #[test]
    fn wrong_shapes_are_tolerated() {
        let body = json!({"rules": [1, {"resources": "secrets", "verbs": [1, "get"]}, null]});
        let rules = rules_of(Some(&body));
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].index, 1);
        assert!(rules[0].resources.is_empty());
        assert_eq!(rules[0].verbs, vec!["get"]);
        assert!(rules_of(Some(&json!({"rules": "x"}))).is_empty());
        assert!(subjects_of(Some(&json!({"subjects": {"a": 1}}))).is_empty());
        assert!(role_ref_of(Some(&json!({"roleRef": "x"}))).is_none());
    }

    #[test]
    fn selectors_match_labels() {
        let labels: BTreeMap<String, String> =
            [("a".to_owned(), "1".to_owned())].into_iter().collect();
        assert!(selector_matches(
            &json!({"matchLabels": {"a": "1"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"a": "2"}}),
            &labels
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}),
            &labels
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "b", "operator": "DoesNotExist"}]}),
            &labels
        ));
        assert!(!selector_matches(&json!("x"), &labels));
        assert!(selector_matches(&json!({}), &labels));
    }

    #[test]
    fn builtin_edit_grants_exec_but_view_does_not() {
        let edit = builtin_cluster_role("edit").unwrap().own_rules();
        assert!(edit.iter().any(|r| r.grants("", "pods/exec", "create")));
        assert!(edit.iter().any(|r| r.grants("", "secrets", "get")));
        assert!(
            !edit
                .iter()
                .any(|r| r.grants(RBAC_GROUP, "rolebindings", "create"))
        );
        let admin = builtin_cluster_role("admin").unwrap().own_rules();
        assert!(
            admin
                .iter()
                .any(|r| r.grants(RBAC_GROUP, "rolebindings", "create"))
        );
        let view = builtin_cluster_role("view").unwrap().own_rules();
        assert!(!view.iter().any(|r| r.grants("", "secrets", "get")));
        assert!(!view.iter().any(|r| r.grants("", "pods/exec", "create")));
    }
}

/// Test scaffolding shared by the RBAC checks: the fixtures around each
/// check's own rule or subject, and the assertions on a single hit. Every
/// check keeps its failing and passing examples in its own file.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::check::{Check, Hit};
    use crate::testing::{cluster_hits, hits};

    /// Runs an object check on a `kind` (Role or ClusterRole) named `r`
    /// (in namespace `ns` for a Role) whose `rules:` list is `rules`.
    pub(crate) fn role_hits(check: &Check, kind: &str, rules: &str) -> Vec<Hit> {
        let metadata = if kind == "Role" {
            "{name: r, namespace: ns}"
        } else {
            "{name: r}"
        };
        hits(
            check,
            &format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {metadata}\nrules:\n{rules}"
            ),
        )
    }

    /// Runs an object check on a `kind` (RoleBinding or ClusterRoleBinding)
    /// named `b` (in namespace `ns` for a RoleBinding) of ClusterRole `view`
    /// whose `subjects:` list is `subjects`.
    pub(crate) fn binding_hits(check: &Check, kind: &str, subjects: &str) -> Vec<Hit> {
        let metadata = if kind == "RoleBinding" {
            "{name: b, namespace: ns}"
        } else {
            "{name: b}"
        };
        hits(
            check,
            &format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {metadata}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\nsubjects:\n{subjects}"
            ),
        )
    }

    /// Rules that are not objects, or whose lists are not lists, must not
    /// make a rule check report anything.
    pub(crate) fn assert_tolerates_odd_rules(check: &Check, kind: &str) {
        let found = role_hits(
            check,
            kind,
            "- \"not a rule\"\n- resources: secrets\n  verbs: 5\n",
        );
        assert!(found.is_empty());
    }

    /// Exactly one hit, at `path`, saying `message`.
    pub(crate) fn assert_single_hit(found: &[Hit], path: &str, message: &str) {
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some(path));
        assert_eq!(found[0].message, message);
    }

    /// Runs a ServiceAccount/node cluster check on ClusterRole `r` (a
    /// harmless rule, then `rule`) bound by ClusterRoleBinding `b` to user
    /// `alice` and ServiceAccount `tools/bot`.
    pub(crate) fn service_account_grant_hits(check: &Check, rule: &str) -> Vec<(String, Hit)> {
        cluster_hits(
            check,
            &format!(
                r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: r}}
rules:
- {{apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get"]}}
{rule}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: b}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}}
subjects:
- {{kind: User, name: alice}}
- {{kind: ServiceAccount, name: bot, namespace: tools}}
"#
            ),
        )
    }

    /// The one hit of [`service_account_grant_hits`]: on `tools/bot`'s
    /// subject of binding `b`, saying `message`.
    pub(crate) fn assert_service_account_hit(found: &[(String, Hit)], message: &str) {
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "ClusterRoleBinding b");
        assert_eq!(found[0].1.path.as_deref(), Some("subjects[1]"));
        assert_eq!(found[0].1.message, message);
    }

    /// Runs a ServiceAccount/node cluster check where the granting `rule`
    /// is bound only to user `alice` and the ServiceAccount `bot` gets only
    /// `harmless` (both Roles in namespace `tools`).
    pub(crate) fn service_account_pass_hits(
        check: &Check,
        rule: &str,
        harmless: &str,
    ) -> Vec<(String, Hit)> {
        cluster_hits(
            check,
            &format!(
                r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: r, namespace: tools}}
rules:
{rule}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: users, namespace: tools}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}}
subjects:
- {{kind: User, name: alice}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: harmless, namespace: tools}}
rules:
{harmless}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: bots, namespace: tools}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: harmless}}
subjects:
- {{kind: ServiceAccount, name: bot}}
"#
            ),
        )
    }
}
