//! What the control-plane checks share: finding the component a container
//! runs, parsing its command-line flags, and the usual flag rules (a boolean
//! that must have one value, a flag that must or must not be given, an
//! admission plugin that must or must not be on).
//!
//! The static pods of kube-apiserver, kube-controller-manager,
//! kube-scheduler and etcd carry their whole configuration on the command
//! line. A container runs a component when the first word of its command
//! (or, with no command, of its args) is the component's binary, by base
//! name (`/usr/local/bin/kube-apiserver` counts); a shell wrapper
//! (`sh -c "exec kube-apiserver --..."`) is looked through. A container
//! whose command names no component still counts when the pod's
//! `component` label names one and the container is named after it (or is
//! the pod's only container): images such as Rancher's start the binary
//! from their entrypoint and pass only flags in `args`.
//!
//! Flags follow the rules of the Go flag parsers the components use:
//! `--flag=value`, `--flag value`, a bare boolean `--flag` meaning true (a
//! boolean never takes the next word as its value), one or two leading
//! dashes, the last occurrence winning for plain values, and list flags
//! (`--enable-admission-plugins`, `--feature-gates`) adding up over repeated
//! occurrences. etcd also reads `ETCD_<FLAG>` environment variables, which
//! the command line overrides; it ignores both when `--config-file` is
//! given, so an etcd started with a config file is not judged.

use k8s_openapi::api::core::v1::Container;

use crate::check::Hit;
use crate::context::{ContainerRef, ObjectContext};

/// A control-plane component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component {
    /// kube-apiserver.
    ApiServer,
    /// kube-controller-manager.
    ControllerManager,
    /// kube-scheduler.
    Scheduler,
    /// etcd.
    Etcd,
}

const COMPONENTS: [Component; 4] = [
    Component::ApiServer,
    Component::ControllerManager,
    Component::Scheduler,
    Component::Etcd,
];

/// Boolean flags of the Kubernetes components that the checks read or that
/// kubeadm sets: a boolean never takes the following word as its value.
const KUBE_BOOL_FLAGS: &[&str] = &[
    "allow-privileged",
    "anonymous-auth",
    "allocate-node-cidrs",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-garbage-collector",
    "enable-hostpath-provisioner",
    "enable-priority-and-fairness",
    "kubelet-https",
    "leader-elect",
    "logtostderr",
    "alsologtostderr",
    "profiling",
    "contention-profiling",
    "service-account-lookup",
    "use-service-account-credentials",
    "enable-logs-handler",
    "strict-transport-security-directives",
    "insecure-skip-tls-verify",
    "permit-port-sharing",
    "permit-address-sharing",
    "help",
    "version",
];

/// Boolean flags of etcd.
const ETCD_BOOL_FLAGS: &[&str] = &[
    "auto-tls",
    "peer-auto-tls",
    "client-cert-auth",
    "peer-client-cert-auth",
    "enable-pprof",
    "enable-v2",
    "strict-reconfig-check",
    "force-new-cluster",
    "experimental-initial-corrupt-check",
    "experimental-enable-lease-checkpoint",
    "experimental-compact-hash-check-enabled",
    "feature-gates",
    "debug",
    "pre-vote",
    "proxy",
    "socket-reuse-port",
    "socket-reuse-address",
    "help",
    "version",
];

impl Component {
    /// The binary's name, which is also the name messages use.
    pub(crate) fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }

    fn from_binary(word: &str) -> Option<Component> {
        let base = word.rsplit('/').next().unwrap_or(word);
        COMPONENTS.into_iter().find(|c| c.binary() == base)
    }

    fn is_bool_flag(self, name: &str) -> bool {
        match self {
            Component::Etcd => ETCD_BOOL_FLAGS.contains(&name),
            _ => KUBE_BOOL_FLAGS.contains(&name),
        }
    }
}

/// Where a flag was given: an entry of the container's `command`, `args` or
/// (for etcd) `env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `command[i]`.
    Command(usize),
    /// `args[i]`.
    Args(usize),
    /// `env[i]`.
    Env(usize),
}

/// One flag as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flag {
    /// The name without dashes (`anonymous-auth`).
    pub(crate) name: String,
    /// The value; `None` for a bare `--flag`.
    pub(crate) value: Option<String>,
    /// Where it was given.
    pub(crate) source: Source,
}

impl Flag {
    /// The flag as it would be written: `--name=value`, or `--name` when bare.
    pub(crate) fn display(&self) -> String {
        match &self.value {
            Some(value) => format!("--{}={value}", self.name),
            None => format!("--{}", self.name),
        }
    }

    /// The value, `""` for a bare flag.
    pub(crate) fn text(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    /// The flag as a boolean: bare means true; otherwise Go's `ParseBool`
    /// spellings; `None` when the value is not a boolean.
    pub(crate) fn bool(&self) -> Option<bool> {
        match self.value.as_deref() {
            None => Some(true),
            Some(value) => parse_bool(value),
        }
    }
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The flags of one container, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    flags: Vec<Flag>,
}

/// One word of a command line and the entry it came from.
type Word<'a> = (&'a str, Source);

impl Flags {
    /// Parses `words`; `is_bool` says which flags are booleans.
    fn parse(words: &[Word<'_>], is_bool: impl Fn(&str) -> bool) -> Flags {
        let mut flags = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let (word, source) = words[i];
            i += 1;
            if word == "--" {
                break;
            }
            let Some(body) = flag_body(word) else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, Some(unquote(value).to_owned())),
                None if is_bool(body) => (body, None),
                None => match words.get(i) {
                    Some((next, _)) if !next.starts_with("--") => {
                        i += 1;
                        (body, Some(unquote(next).to_owned()))
                    }
                    _ => (body, None),
                },
            };
            if name.is_empty() {
                continue;
            }
            flags.push(Flag {
                name: name.to_owned(),
                value,
                source,
            });
        }
        Flags { flags }
    }

    /// Every occurrence of `name`, in order.
    pub(crate) fn all<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s Flag> + use<'s> {
        let name = name.to_owned();
        self.flags.iter().filter(move |flag| flag.name == name)
    }

    /// The occurrence that counts for a plain flag: the last one.
    pub(crate) fn last(&self, name: &str) -> Option<&Flag> {
        self.all(name).last()
    }

    /// The items of a comma-separated list flag over all its occurrences,
    /// trimmed, empty items dropped, each with the occurrence it came from.
    pub(crate) fn list(&self, name: &str) -> Vec<(String, &Flag)> {
        self.all(name)
            .flat_map(|flag| {
                flag.text()
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(move |item| (item.to_owned(), flag))
            })
            .collect()
    }

    /// The value of `key` in a `key=value,...` map flag (`--feature-gates`),
    /// the last one winning, with the occurrence it came from.
    pub(crate) fn map_value(&self, name: &str, key: &str) -> Option<(String, &Flag)> {
        self.list(name).into_iter().rev().find_map(|(item, flag)| {
            let (k, v) = item.split_once('=')?;
            (k.trim() == key).then(|| (v.trim().to_owned(), flag))
        })
    }
}

/// The name-and-value part of a flag word, without its dashes; `None` for
/// a word that is not a flag.
fn flag_body(word: &str) -> Option<&str> {
    let body = word.strip_prefix("--").or_else(|| word.strip_prefix('-'))?;
    (!body.is_empty() && !body.starts_with('-')).then_some(body)
}

/// Drops one pair of matching quotes around a value (shell-split words keep them).
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

/// The words of a container's command line: `command` then `args`, each
/// entry one word, except that a shell wrapper's script is split on white
/// space.
fn words(container: &Container) -> Vec<Word<'_>> {
    let command = container.command.as_deref().unwrap_or_default();
    let args = container.args.as_deref().unwrap_or_default();
    let shell = command
        .first()
        .or(args.first())
        .is_some_and(|first| SHELLS.contains(&first.rsplit('/').next().unwrap_or(first)));
    let mut out = Vec::new();
    let entries = command
        .iter()
        .enumerate()
        .map(|(i, entry)| (entry, Source::Command(i)))
        .chain(
            args.iter()
                .enumerate()
                .map(|(i, entry)| (entry, Source::Args(i))),
        );
    for (entry, source) in entries {
        if shell {
            out.extend(entry.split_whitespace().map(|word| (word, source)));
        } else {
            out.push((entry.trim(), source));
        }
    }
    out
}

/// The component `words` start, and where its flags begin: the first word
/// before any `--flag` whose base name is a component binary.
fn find_binary(words: &[Word<'_>]) -> Option<(Component, usize)> {
    words
        .iter()
        .take_while(|(word, _)| !word.starts_with("--"))
        .enumerate()
        .find_map(|(i, (word, _))| Component::from_binary(word).map(|c| (c, i + 1)))
}

/// A container running a control-plane component, with its flags.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    /// The component.
    pub(crate) component: Component,
    /// The container.
    pub(crate) container: ContainerRef<'a>,
    /// Its flags.
    pub(crate) flags: Flags,
    object: String,
}

impl Target<'_> {
    /// `kube-apiserver (Pod kube-system/kube-apiserver-cp1)`: how messages
    /// name the component.
    pub(crate) fn who(&self) -> String {
        format!("{} ({})", self.component.binary(), self.object)
    }

    /// The path of the entry a flag was given in.
    pub(crate) fn path_of(&self, flag: &Flag) -> String {
        match flag.source {
            Source::Command(i) => format!("{}.command[{i}]", self.container.path),
            Source::Args(i) => format!("{}.args[{i}]", self.container.path),
            Source::Env(i) => format!("{}.env[{i}]", self.container.path),
        }
    }

    /// Where a missing flag belongs: the container's `command`, else its
    /// `args`, else the container.
    pub(crate) fn flags_path(&self) -> String {
        let container = self.container.container;
        if container.command.as_ref().is_some_and(|c| !c.is_empty()) {
            format!("{}.command", self.container.path)
        } else if container.args.as_ref().is_some_and(|a| !a.is_empty()) {
            format!("{}.args", self.container.path)
        } else {
            self.container.path.clone()
        }
    }

    /// A hit on the entry that gave `flag`.
    pub(crate) fn hit_on(&self, flag: &Flag, message: String) -> Hit {
        Hit::at(self.path_of(flag), message)
    }

    /// A hit for a flag that is not given.
    pub(crate) fn hit_missing(&self, message: String) -> Hit {
        Hit::at(self.flags_path(), message)
    }

    /// The Kubernetes minor version the component runs: from an image tag
    /// such as `kube-apiserver:v1.31.2`, else the scan's setting.
    pub(crate) fn kubernetes_minor(&self, fallback: u32) -> u32 {
        self.container
            .container
            .image
            .as_deref()
            .and_then(image_minor)
            .unwrap_or(fallback)
    }

    /// The admission plugins turned on with `--enable-admission-plugins` (or
    /// the old `--admission-control`).
    pub(crate) fn enabled_plugins(&self) -> Vec<(String, &Flag)> {
        let mut plugins = self.flags.list("enable-admission-plugins");
        plugins.extend(self.flags.list("admission-control"));
        plugins
    }

    /// The admission plugins turned off with `--disable-admission-plugins`.
    pub(crate) fn disabled_plugins(&self) -> Vec<(String, &Flag)> {
        self.flags.list("disable-admission-plugins")
    }
}

/// The minor version in an image tag `...:v1.31.2` (digest and suffixes allowed).
fn image_minor(image: &str) -> Option<u32> {
    let image = image.split('@').next().unwrap_or(image);
    let (_, tag) = image.rsplit_once(':')?;
    if tag.contains('/') {
        return None;
    }
    let version = tag.strip_prefix('v')?;
    let mut parts = version.split('.');
    (parts.next()? == "1").then_some(())?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    minor.parse().ok()
}

/// The containers of `object` that run `component`, with their flags.
pub(crate) fn targets<'a>(object: &ObjectContext<'a>, component: Component) -> Vec<Target<'a>> {
    let labelled = object
        .pod()
        .and_then(|pod| pod.metadata.labels.as_ref())
        .and_then(|labels| labels.get("component"))
        .and_then(|label| Component::from_binary(label));
    let containers = object.containers();
    let count = containers.len();
    let mut out = Vec::new();
    for container in containers {
        let words = words(container.container);
        let (found, start) = match find_binary(&words) {
            Some((found, start)) => (found, start),
            None if labelled == Some(component)
                && (container.name() == component.binary() || count == 1) =>
            {
                (component, 0)
            }
            None => continue,
        };
        if found != component {
            continue;
        }
        let mut flags = Flags::parse(&words[start..], |name| component.is_bool_flag(name));
        if component == Component::Etcd {
            if flags.last("config-file").is_some() {
                continue;
            }
            let mut from_env = etcd_env(container.container);
            from_env.append(&mut flags.flags);
            flags.flags = from_env;
        }
        out.push(Target {
            component,
            container,
            flags,
            object: object.object.display_name(),
        });
    }
    out
}

/// etcd's `ETCD_<FLAG>` environment variables with literal values, as flags.
fn etcd_env(container: &Container) -> Vec<Flag> {
    container
        .env
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, var)| {
            let name = var.name.strip_prefix("ETCD_")?;
            let value = var.value.clone()?;
            Some(Flag {
                name: name.to_ascii_lowercase().replace('_', "-"),
                value: Some(value),
                source: Source::Env(i),
            })
        })
        .collect()
}

/// Runs `rule` on every container of `object` that runs `component`.
pub(crate) fn each(
    object: &ObjectContext<'_>,
    component: Component,
    rule: impl Fn(&Target<'_>) -> Option<Hit>,
) -> Vec<Hit> {
    targets(object, component).iter().filter_map(rule).collect()
}

/// A boolean flag must be `want`; `default` is the value the component uses
/// when the flag is absent.
pub(crate) fn expect_bool(
    target: &Target<'_>,
    name: &str,
    want: bool,
    default: bool,
) -> Option<Hit> {
    match target.flags.last(name) {
        Some(flag) => match flag.bool() {
            Some(value) if value == want => None,
            Some(_) => Some(target.hit_on(
                flag,
                format!("{} sets {}; set it to {want}", target.who(), flag.display()),
            )),
            None => Some(target.hit_on(
                flag,
                format!(
                    "{} sets {}, which is not a boolean; set it to {want}",
                    target.who(),
                    flag.display()
                ),
            )),
        },
        None if default == want => None,
        None => Some(target.hit_missing(format!(
            "{} does not set --{name}, which defaults to {default}; set --{name}={want}",
            target.who()
        ))),
    }
}

/// A flag must be given with a non-empty value; `what` says what to set it to.
pub(crate) fn require(target: &Target<'_>, name: &str, what: &str) -> Option<Hit> {
    match target.flags.last(name) {
        Some(flag) if !flag.text().trim().is_empty() => None,
        Some(flag) => Some(target.hit_on(
            flag,
            format!(
                "{} sets {} without a value; set it to {what}",
                target.who(),
                flag.display()
            ),
        )),
        None => Some(target.hit_missing(format!(
            "{} does not set --{name}; set it to {what}",
            target.who()
        ))),
    }
}

/// Several flags must all be given: one hit for each one that is not.
pub(crate) fn require_all(
    object: &ObjectContext<'_>,
    component: Component,
    flags: &[(&str, &str)],
) -> Vec<Hit> {
    targets(object, component)
        .iter()
        .flat_map(|target| {
            flags
                .iter()
                .filter_map(|(name, what)| require(target, name, what))
        })
        .collect()
}

/// A flag must not be given at all; `instead` says what to do.
pub(crate) fn forbid(target: &Target<'_>, name: &str, instead: &str) -> Option<Hit> {
    target.flags.last(name).map(|flag| {
        target.hit_on(
            flag,
            format!("{} sets {}; {instead}", target.who(), flag.display()),
        )
    })
}

/// An integer flag must be at least `min`; absent counts as too low (the
/// components default these to 0 or leave them unset).
pub(crate) fn require_at_least(target: &Target<'_>, name: &str, min: i64) -> Option<Hit> {
    match target.flags.last(name) {
        Some(flag) => match flag.text().trim().parse::<i64>() {
            Ok(value) if value >= min => None,
            _ => Some(target.hit_on(
                flag,
                format!(
                    "{} sets {}; set it to {min} or more",
                    target.who(),
                    flag.display()
                ),
            )),
        },
        None => Some(target.hit_missing(format!(
            "{} does not set --{name}; set it to {min} or more",
            target.who()
        ))),
    }
}

/// An admission plugin must be on: listed in `--enable-admission-plugins`
/// and not in `--disable-admission-plugins`. Only for plugins that are off
/// unless enabled.
pub(crate) fn require_plugin(target: &Target<'_>, plugin: &str) -> Option<Hit> {
    if let Some((_, flag)) = target
        .disabled_plugins()
        .into_iter()
        .find(|(p, _)| p == plugin)
    {
        return Some(target.hit_on(
            flag,
            format!(
                "{} disables the {plugin} admission plugin with {}; remove it there and add it to --enable-admission-plugins",
                target.who(),
                flag.display()
            ),
        ));
    }
    if target.enabled_plugins().iter().any(|(p, _)| p == plugin) {
        return None;
    }
    let message = format!(
        "{} does not enable the {plugin} admission plugin; add it to --enable-admission-plugins",
        target.who()
    );
    Some(match target.flags.last("enable-admission-plugins") {
        Some(flag) => target.hit_on(flag, message),
        None => target.hit_missing(message),
    })
}

/// An admission plugin must not be turned on.
pub(crate) fn forbid_plugin(target: &Target<'_>, plugin: &str) -> Option<Hit> {
    let (_, flag) = target
        .enabled_plugins()
        .into_iter()
        .find(|(p, _)| p == plugin)?;
    Some(target.hit_on(
        flag,
        format!(
            "{} enables the {plugin} admission plugin with {}; remove it from the list",
            target.who(),
            flag.display()
        ),
    ))
}

/// A default-on admission plugin must not be turned off.
pub(crate) fn forbid_disabled_plugin(target: &Target<'_>, plugin: &str) -> Option<Hit> {
    let (_, flag) = target
        .disabled_plugins()
        .into_iter()
        .find(|(p, _)| p == plugin)?;
    Some(target.hit_on(
        flag,
        format!(
            "{} disables the {plugin} admission plugin with {}; remove it from --disable-admission-plugins",
            target.who(),
            flag.display()
        ),
    ))
}

/// `--authorization-mode` must include `mode`. The API server authorizes
/// every request (AlwaysAllow) when neither `--authorization-mode` nor
/// `--authorization-config` is given; with `--authorization-config` alone
/// the authorizers live in a file this check cannot see, so it passes.
pub(crate) fn require_mode(target: &Target<'_>, mode: &str) -> Option<Hit> {
    let modes = target.flags.list("authorization-mode");
    if modes.iter().any(|(m, _)| m == mode) {
        return None;
    }
    match target.flags.last("authorization-mode") {
        Some(flag) if !modes.is_empty() => Some(target.hit_on(
            flag,
            format!(
                "{} sets {}, which leaves out {mode}; add {mode} to --authorization-mode",
                target.who(),
                flag.display()
            ),
        )),
        _ if target.flags.last("authorization-config").is_some() => None,
        _ => Some(target.hit_missing(format!(
            "{} does not set --authorization-mode, which defaults to AlwaysAllow; set --authorization-mode=Node,RBAC",
            target.who()
        ))),
    }
}

/// `--bind-address` must be a loopback address (127.0.0.1, ::1); the
/// components listen on every interface (0.0.0.0) when it is absent.
pub(crate) fn expect_loopback(target: &Target<'_>) -> Option<Hit> {
    match target.flags.last("bind-address") {
        Some(flag)
            if flag
                .text()
                .trim()
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()) =>
        {
            None
        }
        Some(flag) => Some(target.hit_on(
            flag,
            format!(
                "{} sets {}; set --bind-address=127.0.0.1",
                target.who(),
                flag.display()
            ),
        )),
        None => Some(target.hit_missing(format!(
            "{} does not set --bind-address, which defaults to 0.0.0.0; set --bind-address=127.0.0.1",
            target.who()
        ))),
    }
}

/// A control-plane Pod manifest for tests: `binary` run with `flags`.
#[cfg(test)]
pub(crate) fn manifest(binary: &str, flags: &[&str]) -> String {
    let image = if binary == "etcd" {
        "registry.k8s.io/etcd:3.5.15-0".to_owned()
    } else {
        format!("registry.k8s.io/{binary}:v1.31.2")
    };
    let mut yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {binary}-cp1\n  namespace: kube-system\n  labels: {{component: {binary}, tier: control-plane}}\nspec:\n  hostNetwork: true\n  containers:\n  - name: {binary}\n    image: {image}\n    command:\n    - {binary}\n"
    );
    for flag in flags {
        yaml.push_str(&format!("    - '{}'\n", flag.replace('\'', "''")));
    }
    yaml
}

/// Asserts that `check`, run on a manifest of `binary` with `flags`, finds
/// exactly one problem, at `path` and saying `message`. Every check in this
/// family is tested through the same manifest, so the asserting lives here
/// while each check keeps its own examples.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_hit(
    check: &crate::check::Check,
    binary: &str,
    flags: &[&str],
    path: &str,
    message: &str,
) {
    let found = crate::testing::hits(check, &manifest(binary, flags));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path.as_deref(), Some(path));
    assert_eq!(found[0].message, message);
}

/// Asserts that `check`, run on a manifest of `binary` with `flags`, finds
/// nothing.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_clean(check: &crate::check::Check, binary: &str, flags: &[&str]) {
    let found = crate::testing::hits(check, &manifest(binary, flags));
    assert!(found.is_empty(), "{found:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Settings;
    use crate::testing::objects;

    fn words_of(list: &[&'static str]) -> Vec<Word<'static>> {
        list.iter()
            .enumerate()
            .map(|(i, w)| (*w, Source::Command(i)))
            .collect()
    }

    fn parse(list: &[&'static str]) -> Flags {
        Flags::parse(&words_of(list), |name| {
            Component::ApiServer.is_bool_flag(name)
        })
    }

    #[test]
    fn parses_equals_space_and_bare_forms() {
        let flags = parse(&[
            "--a=1",
            "--b",
            "two",
            "--profiling",
            "false",
            "--c",
            "--d=",
            "-v=2",
            "--e=x=y",
        ]);
        assert_eq!(flags.last("a").unwrap().text(), "1");
        assert_eq!(flags.last("b").unwrap().text(), "two");
        // A boolean does not take the next word: `false` is a stray word.
        assert_eq!(flags.last("profiling").unwrap().bool(), Some(true));
        assert_eq!(flags.last("c").unwrap().value, None);
        assert_eq!(flags.last("d").unwrap().value.as_deref(), Some(""));
        assert_eq!(flags.last("v").unwrap().text(), "2");
        assert_eq!(flags.last("e").unwrap().text(), "x=y");
        assert_eq!(flags.last("false"), None);
    }

    #[test]
    fn value_never_swallows_the_next_flag() {
        let flags = parse(&["--token-auth-file", "--anonymous-auth=false"]);
        assert_eq!(flags.last("token-auth-file").unwrap().value, None);
        assert_eq!(flags.last("anonymous-auth").unwrap().bool(), Some(false));
    }

    #[test]
    fn last_occurrence_wins_and_lists_add_up() {
        let flags = parse(&[
            "--anonymous-auth=true",
            "--anonymous-auth=false",
            "--enable-admission-plugins=NodeRestriction, AlwaysPullImages",
            "--enable-admission-plugins=EventRateLimit,,",
            "--feature-gates=A=true,RotateKubeletServerCertificate=true",
            "--feature-gates=RotateKubeletServerCertificate=false",
        ]);
        let last = flags.last("anonymous-auth").unwrap();
        assert_eq!(last.bool(), Some(false));
        assert_eq!(last.source, Source::Command(1));
        let plugins: Vec<String> = flags
            .list("enable-admission-plugins")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            plugins,
            ["NodeRestriction", "AlwaysPullImages", "EventRateLimit"]
        );
        let (value, flag) = flags
            .map_value("feature-gates", "RotateKubeletServerCertificate")
            .unwrap();
        assert_eq!(value, "false");
        assert_eq!(flag.source, Source::Command(5));
        assert_eq!(flags.map_value("feature-gates", "B"), None);
    }

    #[test]
    fn stops_at_double_dash_and_ignores_odd_words() {
        let flags = parse(&["positional", "-", "---x", "--=v", "--a=1", "--", "--b=2"]);
        assert_eq!(flags.flags.len(), 1);
        assert_eq!(flags.last("a").unwrap().text(), "1");
    }

    #[test]
    fn booleans_follow_go() {
        for (value, want) in [
            ("1", Some(true)),
            ("T", Some(true)),
            ("False", Some(false)),
            ("no", None),
        ] {
            assert_eq!(parse_bool(value), want, "{value}");
        }
    }

    #[test]
    fn reads_image_versions() {
        assert_eq!(
            image_minor("registry.k8s.io/kube-apiserver:v1.31.2"),
            Some(31)
        );
        assert_eq!(
            image_minor("localhost:5000/kube-apiserver:v1.24.0-rc.1@sha256:ab"),
            Some(24)
        );
        assert_eq!(image_minor("localhost:5000/kube-apiserver"), None);
        assert_eq!(image_minor("registry.k8s.io/etcd:3.5.15-0"), None);
    }

    fn find(yaml: &str, component: Component) -> Vec<(String, Flags)> {
        let objects = objects(yaml);
        let settings = Settings::default();
        let context = ObjectContext::new(&objects[0], &settings);
        targets(&context, component)
            .into_iter()
            .map(|t| (t.container.path.clone(), t.flags))
            .collect()
    }

    #[test]
    fn finds_the_component_by_command_path_args_shell_or_label() {
        let by_path = r#"
apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  containers:
  - name: sidecar
    image: busybox
    command: [kube-apiserver-proxy, --profiling=false]
  - name: api
    image: k8s
    command: [/usr/local/bin/kube-apiserver]
    args: [--profiling=false, --secure-port, "6443"]
"#;
        let found = find(by_path, Component::ApiServer);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "spec.containers[1]");
        let flag = found[0].1.last("secure-port").unwrap();
        assert_eq!((flag.text(), flag.source), ("6443", Source::Args(1)));
        assert!(find(by_path, Component::Scheduler).is_empty());

        let shell = r#"
apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  containers:
  - name: s
    image: k8s
    command: [/bin/sh, -c, "exec kube-scheduler --profiling=false --bind-address '127.0.0.1'"]
"#;
        let found = find(shell, Component::Scheduler);
        assert_eq!(found.len(), 1);
        let flag = found[0].1.last("bind-address").unwrap();
        assert_eq!(
            (flag.text(), flag.source),
            ("127.0.0.1", Source::Command(2))
        );
        assert!(found[0].1.last("c").is_none());

        let labelled = r#"
apiVersion: v1
kind: Pod
metadata: {name: x, labels: {component: kube-controller-manager}}
spec:
  containers:
  - name: cm
    image: rancher/hyperkube
    args: [--profiling=false]
"#;
        let found = find(labelled, Component::ControllerManager);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1.last("profiling").unwrap().bool(), Some(false));
        assert!(find(labelled, Component::ApiServer).is_empty());
    }

    #[test]
    fn etcd_reads_env_and_skips_config_files() {
        let env = r#"
apiVersion: v1
kind: Pod
metadata: {name: etcd}
spec:
  containers:
  - name: etcd
    image: etcd
    command: [etcd, --client-cert-auth=false]
    env:
    - {name: ETCD_CLIENT_CERT_AUTH, value: "true"}
    - {name: ETCD_AUTO_TLS, value: "true"}
    - {name: ETCD_PEER_KEY_FILE, valueFrom: {secretKeyRef: {name: s, key: k}}}
"#;
        let found = find(env, Component::Etcd);
        let flags = &found[0].1;
        assert_eq!(flags.last("client-cert-auth").unwrap().bool(), Some(false));
        let auto = flags.last("auto-tls").unwrap();
        assert_eq!((auto.bool(), auto.source), (Some(true), Source::Env(1)));
        assert!(flags.last("peer-key-file").is_none());

        let config = r#"
apiVersion: v1
kind: Pod
metadata: {name: etcd}
spec:
  containers:
  - name: etcd
    image: etcd
    command: [etcd, --config-file=/etc/etcd/etcd.yaml, --auto-tls]
"#;
        assert!(find(config, Component::Etcd).is_empty());
    }

    #[test]
    fn odd_shapes_find_nothing() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: x, labels: {component: kube-apiserver}}
spec:
  containers:
  - {name: a, image: nginx}
  - {name: b, image: nginx, command: [""], args: []}
"#;
        assert!(find(yaml, Component::ApiServer).is_empty());
    }
}
