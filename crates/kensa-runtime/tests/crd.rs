//! Conformance: kensa's policy checks against Tetragon's own CRD schema.
//!
//! Every example policy, and small mutations of a few of them, go through
//! both kensa ([`parse_policies`] then [`validate`]) and the
//! `openAPIV3Schema` of the CRD of the document's kind, compiled with boon.
//! Both must accept, or both refuse, except for the cases listed in
//! [`KNOWN_DIFFERENCES`]; an entry there must still disagree, so the list
//! cannot outlive the difference it records.
//!
//! A CRD schema is not quite JSON Schema, and the API server does more than
//! validate, so the test reproduces what a cluster does with a document
//! rather than what a bare JSON-Schema validator would do with the CRD:
//!
//! - Before validating, the API server drops null fields whose schema is
//!   not `nullable` and fills in `default`s ([`admit`]). Without that,
//!   `hostSelector: null` would fail `type: object` and an argument with no
//!   `type` would fail `required: [index, type]`, though a cluster takes both.
//! - `x-kubernetes-validations` CEL rules are rewritten as JSON Schema
//!   ([`cel`]). Only the rules these CRDs carry are known: an unknown rule
//!   fails the test, so a newer CRD cannot silently lose a constraint.
//! - `format: int32` / `int64` become minimum/maximum bounds: kube-openapi
//!   checks an integer against the range of its format.
//! - An object with `properties` and no `additionalProperties` gets
//!   `additionalProperties: false`: under strict field validation (kubectl's
//!   default since 1.27) an unknown field is an error rather than silently
//!   pruned, and kensa treats it as an error too.
//! - `x-kubernetes-list-type` / `x-kubernetes-map-type: atomic` only tell
//!   server-side apply how to merge and are dropped; a `set` list would
//!   become `uniqueItems`, `nullable: true` would add `null` to `type`,
//!   `x-kubernetes-int-or-string` would allow an integer or a string, and
//!   `x-kubernetes-preserve-unknown-fields` would keep unknown fields. None
//!   of those four occurs in the CRDs today; any other `x-kubernetes-*` key
//!   fails the test.
//! - `description` and `default` are dropped from the schema (the defaults
//!   having been applied by [`admit`]); every other keyword — `enum`,
//!   `required`, `maxItems`, `maxLength`, `minimum`, `pattern`, `type` — is
//!   kept as is, under draft 4, the JSON Schema that OpenAPI 3.0 schema
//!   objects derive from.
//! - `metadata` is a bare `type: object` in the CRD: object-meta rules (a
//!   name is required, names are DNS labels) belong to the API server, not
//!   the schema, and are not modelled.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kensa_runtime::{parse_policies, validate};
use serde_json::{Map, Value, json};

const CRD_FILES: [&str; 2] = [
    "cilium.io_tracingpolicies.yaml",
    "cilium.io_tracingpoliciesnamespaced.yaml",
];

/// One CRD: its kind, its schema as written (for [`admit`]) and compiled.
struct Crd {
    kind: String,
    schema: Value,
    compiled: boon::Schemas,
    index: boon::SchemaIndex,
}

fn crds() -> Option<&'static [Crd]> {
    static CRDS: OnceLock<Vec<Crd>> = OnceLock::new();
    // Outside the cell, so that every test says it skips.
    let dir = kensa_reference::dir("runtime/tetragon-crds", CRD_FILES[1])?;
    Some(CRDS.get_or_init(|| CRD_FILES.iter().map(|f| load_crd(&dir.join(f))).collect()))
}

fn examples_dir() -> Option<PathBuf> {
    kensa_reference::dir(
        "runtime/tetragon-examples",
        "quickstart_file_monitoring_enforce.yaml",
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_crd(path: &Path) -> Crd {
    let crd: Value =
        serde_saphyr::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let kind = crd["spec"]["names"]["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no spec.names.kind", path.display()))
        .to_owned();
    // The version the examples (and kensa) use: cilium.io/v1alpha1.
    let version = crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == "v1alpha1"))
        .unwrap_or_else(|| panic!("{}: no v1alpha1 version", path.display()));
    let schema = version["schema"]["openAPIV3Schema"].clone();
    let mut translated = translate(&schema, &kind);
    translated["$schema"] = json!("http://json-schema.org/draft-04/schema#");
    let location = format!("{kind}.schema.json");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V4);
    compiler
        .add_resource(&location, translated)
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    let mut compiled = boon::Schemas::new();
    let index = compiler
        .compile(&location, &mut compiled)
        .unwrap_or_else(|e| panic!("{kind}: the translated schema does not compile: {e}"));
    Crd {
        kind,
        schema,
        compiled,
        index,
    }
}

/// The JSON Schema equivalent of one OpenAPI schema node (see the header).
fn translate(node: &Value, at: &str) -> Value {
    let Value::Object(fields) = node else {
        panic!("{at}: a schema must be an object, not {node}");
    };
    let mut out = Map::new();
    let mut all_of = Vec::new();
    let mut nullable = false;
    let mut int_or_string = false;
    let mut preserve_unknown = false;
    for (key, value) in fields {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "properties" => {
                let properties = value
                    .as_object()
                    .unwrap_or_else(|| panic!("{here}: not an object"))
                    .iter()
                    .map(|(name, s)| (name.clone(), translate(s, &format!("{here}/{name}"))))
                    .collect();
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "additionalProperties" if value.is_object() => {
                out.insert(key.clone(), translate(value, &here));
            }
            "x-kubernetes-validations" => {
                for rule in value.as_array().into_iter().flatten() {
                    let rule = rule["rule"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{here}: a validation without a rule"));
                    all_of.push(cel(rule, &here));
                }
            }
            "x-kubernetes-list-type" | "x-kubernetes-map-type" => match value.as_str() {
                Some("atomic") => {}
                Some("set") if key == "x-kubernetes-list-type" => {
                    out.insert("uniqueItems".to_owned(), Value::Bool(true));
                }
                _ => panic!("{here}: {value} is not modelled; teach translate() what it means"),
            },
            "x-kubernetes-int-or-string" => int_or_string = value == &Value::Bool(true),
            "x-kubernetes-preserve-unknown-fields" => {
                preserve_unknown = value == &Value::Bool(true);
            }
            k if k.starts_with("x-kubernetes-") => {
                panic!("{here}: not modelled; teach translate() what the API server does with it")
            }
            "nullable" => nullable = value == &Value::Bool(true),
            "format" => match value.as_str() {
                Some("int32") => all_of.push(json!({"minimum": i32::MIN, "maximum": i32::MAX})),
                Some("int64") => all_of.push(json!({"minimum": i64::MIN, "maximum": i64::MAX})),
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            },
            "description" | "default" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if int_or_string {
        out.insert("type".to_owned(), json!(["integer", "string"]));
    }
    if nullable && let Some(Value::String(t)) = out.get("type") {
        let types = json!([t, "null"]);
        out.insert("type".to_owned(), types);
    }
    if out.contains_key("properties")
        && !fields.contains_key("additionalProperties")
        && !preserve_unknown
    {
        out.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    if !all_of.is_empty() {
        out.insert("allOf".to_owned(), Value::Array(all_of));
    }
    Value::Object(out)
}

/// A CEL rule of the CRDs as JSON Schema. CEL's `has(self.f)` is "the field
/// is present", JSON Schema's `required: [f]`.
fn cel(rule: &str, at: &str) -> Value {
    match rule {
        "!has(self.return) || (!self.return || has(self.returnArg))" => json!({"anyOf": [
            {"not": {"required": ["return"]}},
            {"properties": {"return": {"enum": [false]}}},
            {"required": ["returnArg"]},
        ]}),
        "!has(self.matchLabels) && !has(self.matchExpressions)" => {
            json!({"not": {"anyOf": [{"required": ["matchLabels"]}, {"required": ["matchExpressions"]}]}})
        }
        "!has(self.spec.hostSelector)" => {
            json!({"properties": {"spec": {"not": {"required": ["hostSelector"]}}}})
        }
        _ => {
            for [a, b, c] in [
                ["symbols", "addrs", "offsets"],
                ["argNewSymbol", "argNewAddr", "argNewOffset"],
            ] {
                let at_most_one = format!(
                    "!(has(self.{a}) && has(self.{b})) && !(has(self.{a}) && has(self.{c})) && !(has(self.{b}) && has(self.{c}))"
                );
                if rule == at_most_one {
                    return json!({"not": {"anyOf": [
                        {"required": [a, b]}, {"required": [a, c]}, {"required": [b, c]},
                    ]}});
                }
            }
            panic!(
                "{at}: CEL rule {rule:?} is not modelled; add its JSON-Schema equivalent to cel()"
            )
        }
    }
}

/// What the API server does to a document before validating it: null
/// fields not declared `nullable` are dropped, then `default`s filled in.
fn admit(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let rest = schema.get("additionalProperties").filter(|s| s.is_object());
            let field_schema = |name: &str| properties.and_then(|p| p.get(name)).or(rest);
            // An unknown field stays, null or not: strict validation reports it.
            fields.retain(|name, v| {
                !v.is_null()
                    || field_schema(name)
                        .is_none_or(|s| s.get("nullable") == Some(&Value::Bool(true)))
            });
            for (name, v) in fields.iter_mut() {
                if let Some(s) = field_schema(name) {
                    admit(v, s);
                }
            }
            for (name, s) in properties.into_iter().flatten() {
                if let Some(default) = s.get("default")
                    && !fields.contains_key(name)
                {
                    fields.insert(name.clone(), default.clone());
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for v in items {
                    admit(v, s);
                }
            }
        }
        _ => {}
    }
}

fn crd_for<'a>(crds: &'a [Crd], doc: &Value) -> &'a Crd {
    crds.iter()
        .find(|c| doc["kind"] == c.kind.as_str())
        .unwrap_or_else(|| panic!("no CRD for kind {}", doc["kind"]))
}

/// The CRD's innermost complaints about `doc`; empty when it passes.
fn crd_errors(crd: &Crd, doc: &Value) -> Vec<String> {
    let mut doc = doc.clone();
    admit(&mut doc, &crd.schema);
    match crd.compiled.validate(&doc, crd.index) {
        Ok(()) => Vec::new(),
        Err(e) => {
            let mut out = Vec::new();
            leaves(&e, &mut out);
            out
        }
    }
}

/// The innermost errors: the outer ones only say "a property failed".
fn leaves(err: &boon::ValidationError<'_, '_>, out: &mut Vec<String>) {
    if err.causes.is_empty() {
        let mut path = String::new();
        for token in &err.instance_location.tokens {
            match token {
                boon::InstanceToken::Prop(p) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(p);
                }
                boon::InstanceToken::Item(i) => path.push_str(&format!("[{i}]")),
            }
        }
        out.push(format!("{path}: {}", err.kind));
    }
    for cause in &err.causes {
        leaves(cause, out);
    }
}

/// How many policies kensa read from `text`, and every parse and
/// validation message.
fn kensa_errors(file: &str, text: &str) -> (usize, Vec<String>) {
    let (policies, errors) = parse_policies(file, text);
    let mut out: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for policy in &policies {
        out.extend(validate(policy).iter().map(ToString::to_string));
    }
    (policies.len(), out)
}

/// The policy documents of a YAML file, as JSON.
fn policy_documents(crds: &[Crd], file: &str, text: &str) -> Vec<Value> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    docs.into_iter()
        .filter(|d| crds.iter().any(|c| d["kind"] == c.kind.as_str()))
        .collect()
}

fn json_text(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).expect("a JSON value serialises")
}

#[test]
fn every_example_is_accepted_by_its_crd_and_by_kensa() {
    let Some(crds) = crds() else { return };
    let Some(dir) = examples_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read examples dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut checked = 0;
    for path in &files {
        let file = path.file_name().and_then(|n| n.to_str()).expect("utf-8");
        let text = read(path);
        let docs = policy_documents(crds, file, &text);
        let (read, errors) = kensa_errors(file, &text);
        assert!(errors.is_empty(), "{file}: kensa refuses it: {errors:#?}");
        assert_eq!(
            read,
            docs.len(),
            "{file}: kensa and the CRDs see different policies"
        );
        for doc in &docs {
            let crd = crd_for(crds, doc);
            let errors = crd_errors(crd, doc);
            assert!(
                errors.is_empty(),
                "{file}: the {} CRD refuses it: {errors:#?}",
                crd.kind
            );
            // The mutations reach kensa as JSON: the syntax must not change its verdict.
            let (read, errors) = kensa_errors(file, &json_text(doc));
            assert_eq!((read, errors), (1, Vec::new()), "{file} as JSON");
            checked += 1;
        }
    }
    assert!(files.len() >= 19, "only {} example files", files.len());
    assert!(checked >= 19, "only {checked} example policies");
}

/// What kensa says about a mutated document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepts,
    /// Refused, with one message holding every one of these strings: the
    /// field's path and, for a limit, the limit.
    Refuses(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    /// The example file the mutation starts from.
    base: &'static str,
    mutate: fn(&mut Value),
    kensa: Verdict,
}

/// Cases where the CRD and kensa disagree, each with why. The CRD's verdict
/// is the opposite of the case's `kensa` verdict.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // Only kensa refuses: rules Tetragon applies when it loads a policy,
    // or limits of its BPF programs, that the CRD does not encode.
    (
        "unknown capability",
        "capability values are free strings in the CRD; kensa checks them against the kernel's CAP_* names",
    ),
    (
        "unknown policy mode",
        "option values are free strings in the CRD; kensa knows policy-mode is monitoring or enforcement",
    ),
    (
        "six selectors",
        "the 5-selectors-per-hook limit is Tetragon's BPF limit, not in the CRD",
    ),
    (
        "a message of 257 characters",
        "Tetragon's 256-character message limit is not in the CRD",
    ),
    (
        "five matchPIDs values",
        "the 4-pids limit is Tetragon's BPF limit, not in the CRD",
    ),
    (
        "five values for a numeric Equal",
        "the 4-values limit of numeric operators is Tetragon's BPF limit, not in the CRD",
    ),
    (
        "a Prefix operand of 257 bytes",
        "the 256-byte prefix buffer is Tetragon's BPF limit, not in the CRD",
    ),
    (
        "eleven matchNamespaces entries",
        "the 10-entries limit is Tetragon's BPF limit, not in the CRD",
    ),
    (
        "an empty call",
        "the CRD has no minLength on call; kensa refuses a hook with no name up front",
    ),
    (
        "a matchArgs index not declared",
        "a schema cannot relate a selector's index to the declared args; kensa does",
    ),
    (
        "a negative argSig",
        "argSig is a signed int32 in the CRD; kensa reads a signal number as u32",
    ),
    // Only the CRD refuses: kensa is more lenient than a cluster would be.
    (
        "matchPIDs without values",
        "the CRD requires values; kensa defaults it to empty",
    ),
    (
        "matchBinaries without values",
        "the CRD requires values; kensa defaults it to empty",
    ),
    (
        "no spec",
        "the CRD requires spec; kensa defaults it to empty",
    ),
    (
        "index as a string",
        "kensa's YAML reader decodes the quoted \"0\" as the integer 0; the CRD wants an integer",
    ),
    (
        "syscall as a string",
        "kensa's YAML reader decodes the quoted \"false\" as a boolean; the CRD wants a boolean",
    ),
    (
        "matchArgs values as numbers",
        "kensa reads the number 4 as the string \"4\"; the CRD wants strings",
    ),
    (
        "an argument index beyond int32",
        "the CRD's index is format int32; kensa reads u32",
    ),
    (
        "a pid beyond int32",
        "the CRD's pids are format int32; kensa reads u32",
    ),
    (
        "a label value with a space",
        "kensa does not check label values against the CRD's label-value pattern",
    ),
    (
        "a label value of 64 characters",
        "kensa does not check the CRD's 63-character label-value limit",
    ),
    (
        "a hostSelector with empty matchLabels on a cluster policy",
        "CEL's has() is true for an empty map; kensa reads {matchLabels: {}} as {}",
    ),
    (
        "a status read back from a cluster",
        "the CRD has no status (strict validation refuses it); kensa ignores it to read exported policies",
    ),
];

const NS: &str = "quickstart_file_monitoring_enforce.yaml";
const CLUSTER: &str = "quickstart_file_monitoring.yaml";
const OVERRIDE: &str = "tracingpolicy_override-security.yaml";
const UPROBE: &str = "tracingpolicy_uprobe.yaml";
const TRACEPOINT: &str = "tracingpolicy_raw_syscalls.yaml";

/// The first kprobe of [`NS`] and [`CLUSTER`], and its first selector.
const KPROBE: &str = "/spec/kprobes/0";
const SEL: &str = "/spec/kprobes/0/selectors/0";

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the base document"))
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    match at(doc, parent) {
        Value::Object(fields) => {
            fields.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("an index")] = value,
        other => panic!("{parent} is {other}"),
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    at(doc, parent)
        .as_object_mut()
        .and_then(|o| o.remove(key))
        .unwrap_or_else(|| panic!("no {pointer} to remove"));
}

/// `n` copies of the first selector of the first kprobe.
fn selectors(doc: &mut Value, n: usize) {
    let first = at(doc, SEL).clone();
    set(
        doc,
        &format!("{KPROBE}/selectors"),
        Value::Array(vec![first; n]),
    );
}

fn tags(n: usize) -> Value {
    (0..n).map(|i| json!(format!("tag{i}"))).collect()
}

fn sel(field: &str) -> String {
    format!("{SEL}/{field}")
}

fn accepts(name: &'static str, base: &'static str, mutate: fn(&mut Value)) -> Case {
    Case {
        name,
        base,
        mutate,
        kensa: Verdict::Accepts,
    }
}

fn refuses(
    name: &'static str,
    base: &'static str,
    mutate: fn(&mut Value),
    needles: &'static [&'static str],
) -> Case {
    Case {
        name,
        base,
        mutate,
        kensa: Verdict::Refuses(needles),
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Valid variations: neither side may over-refuse.
        accepts("unchanged", NS, |_| {}),
        accepts("five selectors, the limit", NS, |d| selectors(d, 5)),
        accepts("sixteen tags, the limit", NS, |d| {
            set(d, &format!("{KPROBE}/tags"), tags(16));
        }),
        accepts("a message of 256 two-byte characters", NS, |d| {
            set(d, &format!("{KPROBE}/message"), json!("é".repeat(256)));
        }),
        accepts("one matchBinaries entry following children", NS, |d| {
            let b = json!([{"operator": "In", "values": ["/usr/bin/cat"], "followChildren": true}]);
            set(d, &sel("matchBinaries"), b);
        }),
        accepts("matchPIDs NotIn with four values", NS, |d| {
            let p = json!([{"operator": "NotIn", "values": [1, 2, 3, 4], "isNamespacePID": true}]);
            set(d, &sel("matchPIDs"), p);
        }),
        accepts("a null hostSelector on a namespaced policy", NS, |d| {
            set(d, "/spec/hostSelector", Value::Null);
        }),
        accepts("an empty hostSelector on a cluster policy", CLUSTER, |d| {
            set(d, "/spec/hostSelector", json!({}));
        }),
        accepts("an argument without type (auto)", NS, |d| {
            remove(d, &format!("{KPROBE}/args/1/type"));
        }),
        accepts("matchReturnArgs on the declared return value", NS, |d| {
            let r = json!([{"index": 0, "operator": "Equal", "values": ["0"]}]);
            set(d, &sel("matchReturnArgs"), r);
        }),
        accepts("a podSelector with labels and expressions", NS, |d| {
            let s = json!({"matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]});
            set(d, "/spec/podSelector", s);
        }),
        accepts("policy-mode enforcement", NS, |d| {
            let o = json!([{"name": "policy-mode", "value": "enforcement"}]);
            set(d, "/spec/options", o);
        }),
        accepts("a selector macro", NS, |d| {
            let m = json!({"notInit": {"matchPIDs": [{"operator": "NotIn", "values": [1]}]}});
            set(d, "/spec/selectorsMacros", m);
            set(d, &sel("macros"), json!(["notInit"]));
        }),
        accepts("metadata a cluster adds", NS, |d| {
            set(d, "/metadata/namespace", json!("default"));
            set(
                d,
                "/metadata/uid",
                json!("6b1e4a1c-5d59-4d7e-9d55-3f3c2c0f8e11"),
            );
            set(d, "/metadata/resourceVersion", json!("12"));
        }),
        accepts("Signal with argSig", OVERRIDE, |d| {
            let a = json!({"action": "Signal", "argSig": 10});
            set(d, "/spec/kprobes/0/selectors/1/matchActions/0", a);
        }),
        // Both refuse, kensa naming the field (and the limit, if any).
        refuses(
            "unknown matchArgs operator",
            NS,
            |d| set(d, &sel("matchArgs/0/operator"), json!("Equals")),
            &[
                "spec.kprobes[0].selectors[0].matchArgs[0].operator",
                "\"Equals\"",
            ],
        ),
        refuses(
            "unknown action",
            NS,
            |d| set(d, &sel("matchActions/0/action"), json!("Explode")),
            &[
                "spec.kprobes[0].selectors[0].matchActions[0].action",
                "\"Explode\"",
            ],
        ),
        refuses(
            "removed action FollowFD",
            NS,
            |d| set(d, &sel("matchActions/0/action"), json!("FollowFD")),
            &[
                "spec.kprobes[0].selectors[0].matchActions[0].action",
                "\"FollowFD\"",
            ],
        ),
        refuses(
            "matchPIDs operator Foo",
            NS,
            |d| {
                set(
                    d,
                    &sel("matchPIDs"),
                    json!([{"operator": "Foo", "values": [1]}]),
                )
            },
            &[
                "spec.kprobes[0].selectors[0].matchPIDs[0].operator",
                "\"Foo\"",
            ],
        ),
        refuses(
            "unknown argument type",
            NS,
            |d| set(d, &format!("{KPROBE}/args/0/type"), json!("integer")),
            &["spec.kprobes[0].args[0].type", "\"integer\""],
        ),
        refuses(
            "unknown namespace",
            NS,
            |d| {
                let n = json!([{"namespace": "Foo", "operator": "In", "values": ["host_ns"]}]);
                set(d, &sel("matchNamespaces"), n);
            },
            &[
                "spec.kprobes[0].selectors[0].matchNamespaces[0].namespace",
                "\"Foo\"",
            ],
        ),
        refuses(
            "unknown capability set",
            NS,
            |d| {
                let c = json!([{"type": "Bogus", "operator": "In", "values": ["CAP_SYS_ADMIN"]}]);
                set(d, &sel("matchCapabilities"), c);
            },
            &[
                "spec.kprobes[0].selectors[0].matchCapabilities[0].type",
                "\"Bogus\"",
            ],
        ),
        refuses(
            "unknown label selector operator",
            NS,
            |d| {
                let s = json!({"matchExpressions": [{"key": "app", "operator": "Foo"}]});
                set(d, "/spec/podSelector", s);
            },
            &["spec.podSelector.matchExpressions[0].operator", "\"Foo\""],
        ),
        refuses(
            "unknown list type",
            NS,
            |d| {
                let l = json!([{"name": "dups", "type": "bogus", "values": ["sys_dup"]}]);
                set(d, "/spec/lists", l);
            },
            &["spec.lists[0].type", "\"bogus\""],
        ),
        refuses(
            "seventeen tags",
            NS,
            |d| set(d, &format!("{KPROBE}/tags"), tags(17)),
            &["spec.kprobes[0].tags", "17 tags", "limit is 16"],
        ),
        refuses(
            "two matchBinaries entries",
            NS,
            |d| {
                let b = json!([{"operator": "In", "values": ["/a"]}, {"operator": "In", "values": ["/b"]}]);
                set(d, &sel("matchBinaries"), b);
            },
            &[
                "spec.kprobes[0].selectors[0].matchBinaries",
                "2 matchBinaries entries",
                "limit is 1",
            ],
        ),
        refuses(
            "two matchParentBinaries entries",
            NS,
            |d| {
                let b = json!([{"operator": "In", "values": ["/a"]}, {"operator": "In", "values": ["/b"]}]);
                set(d, &sel("matchParentBinaries"), b);
            },
            &[
                "spec.kprobes[0].selectors[0].matchParentBinaries",
                "limit is 1",
            ],
        ),
        refuses(
            "a kprobe without call",
            NS,
            |d| remove(d, &format!("{KPROBE}/call")),
            &["spec.kprobes[0]", "call"],
        ),
        refuses(
            "a tracepoint without event",
            TRACEPOINT,
            |d| remove(d, "/spec/tracepoints/0/event"),
            &["spec.tracepoints[0]", "event"],
        ),
        refuses(
            "matchArgs without operator",
            NS,
            |d| remove(d, &sel("matchArgs/0/operator")),
            &["spec.kprobes[0].selectors[0].matchArgs[0]", "operator"],
        ),
        refuses(
            "an option without name",
            NS,
            |d| set(d, "/spec/options", json!([{"value": "enforcement"}])),
            &["spec.options[0]", "name"],
        ),
        refuses(
            "a negative matchArgs index",
            NS,
            |d| set(d, &sel("matchArgs/0/index"), json!(-1)),
            &["spec.kprobes[0].selectors[0].matchArgs[0].index"],
        ),
        refuses(
            "tags as a string",
            NS,
            |d| set(d, &format!("{KPROBE}/tags"), json!("tag")),
            &["spec.kprobes[0].tags"],
        ),
        refuses(
            "return without returnArg",
            NS,
            |d| remove(d, &format!("{KPROBE}/returnArg")),
            &["spec.kprobes[0].returnArg", "Return=true"],
        ),
        refuses(
            "argNewSymbol with argNewAddr",
            OVERRIDE,
            |d| {
                let a = "/spec/kprobes/0/selectors/1/matchActions/0";
                set(
                    d,
                    &format!("{a}/argNewSymbol"),
                    json!("security_inode_rmdir"),
                );
                set(d, &format!("{a}/argNewAddr"), json!(4096));
            },
            &[
                "spec.kprobes[0].selectors[1].matchActions[0]",
                "argNewSymbol",
            ],
        ),
        refuses(
            "a uprobe with symbols and offsets",
            UPROBE,
            |d| set(d, "/spec/uprobes/0/offsets", json!([16])),
            &["spec.uprobes[0]", "symbols"],
        ),
        refuses(
            "a hostSelector on a namespaced policy",
            NS,
            |d| set(d, "/spec/hostSelector", json!({})),
            &["spec.hostSelector", "TracingPolicyNamespaced"],
        ),
        refuses(
            "a hostSelector with matchLabels on a cluster policy",
            CLUSTER,
            |d| set(d, "/spec/hostSelector", json!({"matchLabels": {"a": "b"}})),
            &["spec.hostSelector", "matchLabels"],
        ),
        refuses(
            "an unknown spec field",
            NS,
            |d| set(d, "/spec/kprobez", json!([])),
            &["spec.kprobez", "unknown field"],
        ),
        refuses(
            "an unknown selector field",
            NS,
            |d| set(d, &sel("matchArg"), json!([])),
            &["spec.kprobes[0].selectors[0].matchArg", "unknown field"],
        ),
        refuses(
            "an unknown top-level field",
            NS,
            |d| set(d, "/specs", json!({})),
            &["specs", "unknown field"],
        ),
        // Only kensa refuses (see KNOWN_DIFFERENCES).
        refuses(
            "unknown capability",
            NS,
            |d| {
                let c = json!([{"operator": "In", "values": ["CAP_FOO"]}]);
                set(d, &sel("matchCapabilities"), c);
            },
            &[
                "spec.kprobes[0].selectors[0].matchCapabilities[0].values[0]",
                "\"CAP_FOO\"",
            ],
        ),
        refuses(
            "unknown policy mode",
            NS,
            |d| {
                let o = json!([{"name": "policy-mode", "value": "audit"}]);
                set(d, "/spec/options", o);
            },
            &["spec.options[0].value", "\"audit\""],
        ),
        refuses(
            "six selectors",
            NS,
            |d| selectors(d, 6),
            &["spec.kprobes[0].selectors", "6 selectors", "limit is 5"],
        ),
        refuses(
            "a message of 257 characters",
            NS,
            |d| set(d, &format!("{KPROBE}/message"), json!("m".repeat(257))),
            &["spec.kprobes[0].message", "257 characters", "limit is 256"],
        ),
        refuses(
            "five matchPIDs values",
            NS,
            |d| {
                let p = json!([{"operator": "In", "values": [1, 2, 3, 4, 5]}]);
                set(d, &sel("matchPIDs"), p);
            },
            &[
                "spec.kprobes[0].selectors[0].matchPIDs[0].values",
                "limit is 4",
            ],
        ),
        refuses(
            "five values for a numeric Equal",
            NS,
            |d| {
                set(
                    d,
                    &sel("matchArgs/1/values"),
                    json!(["1", "2", "3", "4", "5"]),
                )
            },
            &[
                "spec.kprobes[0].selectors[0].matchArgs[1].values",
                "limit is 4",
            ],
        ),
        refuses(
            "a Prefix operand of 257 bytes",
            NS,
            |d| {
                let long = format!("/{}", "a".repeat(256));
                set(d, &sel("matchArgs/0/values/0"), json!(long));
            },
            &[
                "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
                "257 bytes",
                "limit is 256",
            ],
        ),
        refuses(
            "eleven matchNamespaces entries",
            NS,
            |d| {
                let n = json!({"namespace": "Pid", "operator": "In", "values": ["host_ns"]});
                set(d, &sel("matchNamespaces"), Value::Array(vec![n; 11]));
            },
            &[
                "spec.kprobes[0].selectors[0].matchNamespaces",
                "limit is 10",
            ],
        ),
        refuses(
            "an empty call",
            NS,
            |d| set(d, &format!("{KPROBE}/call"), json!("")),
            &["spec.kprobes[0].call", "empty"],
        ),
        refuses(
            "a matchArgs index not declared",
            NS,
            |d| set(d, &sel("matchArgs/0/index"), json!(7)),
            &["spec.kprobes[0].selectors[0].matchArgs[0].index", "index 7"],
        ),
        refuses(
            "a negative argSig",
            OVERRIDE,
            |d| {
                let a = json!({"action": "Signal", "argSig": -1});
                set(d, "/spec/kprobes/0/selectors/1/matchActions/0", a);
            },
            &["spec.kprobes[0].selectors[1].matchActions[0].argSig"],
        ),
        // Only the CRD refuses (see KNOWN_DIFFERENCES).
        accepts("matchPIDs without values", NS, |d| {
            set(d, &sel("matchPIDs"), json!([{"operator": "In"}]))
        }),
        accepts("matchBinaries without values", NS, |d| {
            set(d, &sel("matchBinaries"), json!([{"operator": "In"}]))
        }),
        accepts("no spec", NS, |d| remove(d, "/spec")),
        accepts("index as a string", NS, |d| {
            set(d, &format!("{KPROBE}/args/0/index"), json!("0"))
        }),
        accepts("syscall as a string", NS, |d| {
            set(d, &format!("{KPROBE}/syscall"), json!("false"))
        }),
        accepts("matchArgs values as numbers", NS, |d| {
            set(d, &sel("matchArgs/1/values"), json!([4]))
        }),
        accepts("an argument index beyond int32", NS, |d| {
            let arg = json!({"index": 2_147_483_648_u64, "type": "int"});
            at(d, &format!("{KPROBE}/args"))
                .as_array_mut()
                .expect("args")
                .push(arg);
        }),
        accepts("a pid beyond int32", NS, |d| {
            let p = json!([{"operator": "In", "values": [2_147_483_648_u64]}]);
            set(d, &sel("matchPIDs"), p);
        }),
        accepts("a label value with a space", NS, |d| {
            set(
                d,
                "/spec/podSelector",
                json!({"matchLabels": {"app": "a b"}}),
            )
        }),
        accepts("a label value of 64 characters", NS, |d| {
            let s = json!({"matchLabels": {"app": "a".repeat(64)}});
            set(d, "/spec/podSelector", s);
        }),
        accepts(
            "a hostSelector with empty matchLabels on a cluster policy",
            CLUSTER,
            |d| set(d, "/spec/hostSelector", json!({"matchLabels": {}})),
        ),
        accepts("a status read back from a cluster", NS, |d| {
            set(d, "/status", json!({"state": "enabled"}))
        }),
    ]
}

/// The mutation, as `pointer: old -> new` per changed node, for messages.
fn diff(old: &Value, new: &Value, at: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(x, y, &here, out),
                    (Some(_), None) => out.push(format!("{here} removed")),
                    (None, Some(y)) => out.push(format!("{here}: {y}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(x, y, &format!("{at}/{i}"), out);
            }
        }
        _ if old != new => out.push(format!("{at}: {new}")),
        _ => {}
    }
}

fn base(dir: &Path, crds: &[Crd], file: &str) -> Value {
    let text = read(&dir.join(file));
    let mut docs = policy_documents(crds, file, &text);
    assert_eq!(docs.len(), 1, "{file}: one policy expected");
    docs.remove(0)
}

#[test]
fn mutations_get_the_same_verdict_from_the_crd_and_from_kensa() {
    let Some(crds) = crds() else { return };
    let Some(dir) = examples_dir() else { return };
    let cases = cases();
    let mut failures = Vec::new();
    let (mut agreed, mut differed) = (0, 0);
    for case in &cases {
        let original = base(&dir, crds, case.base);
        let mut doc = original.clone();
        (case.mutate)(&mut doc);
        let crd = crd_errors(crd_for(crds, &doc), &doc);
        let (_, kensa) = kensa_errors(case.base, &json_text(&doc));
        let known = KNOWN_DIFFERENCES.iter().any(|(name, _)| *name == case.name);
        let mut changes = Vec::new();
        diff(&original, &doc, "", &mut changes);
        let said = format!(
            "{:?}: {} with {}\n  CRD: {crd:?}\n  kensa: {kensa:?}",
            case.name,
            case.base,
            changes.join(", ")
        );
        match case.kensa {
            Verdict::Accepts if !kensa.is_empty() => {
                failures.push(format!("kensa refuses {said}"));
            }
            Verdict::Refuses(_) if kensa.is_empty() => {
                failures.push(format!("kensa accepts {said}"));
            }
            Verdict::Refuses(needles)
                if !kensa.iter().any(|m| needles.iter().all(|n| m.contains(n))) =>
            {
                failures.push(format!(
                    "no kensa message holds all of {needles:?} for {said}"
                ));
            }
            // A refusal from elsewhere in the document would be agreement
            // by accident: the CRD must complain at the field, or above it.
            Verdict::Refuses(needles)
                if !crd.is_empty()
                    && !known
                    && !crd.iter().any(|e| {
                        e.split_once(": ")
                            .is_some_and(|(path, _)| needles[0].starts_with(path))
                    }) =>
            {
                failures.push(format!(
                    "the CRD complains elsewhere than {}: {said}",
                    needles[0]
                ));
            }
            _ => {}
        }
        let disagree = crd.is_empty() != kensa.is_empty();
        if disagree != known {
            let what = if known {
                "agree, but are listed in KNOWN_DIFFERENCES"
            } else {
                "disagree"
            };
            failures.push(format!("the CRD and kensa {what}: {said}"));
        }
        if disagree {
            differed += 1;
        } else {
            agreed += 1;
        }
    }
    for (name, _) in KNOWN_DIFFERENCES {
        if !cases.iter().any(|c| c.name == *name) {
            failures.push(format!("KNOWN_DIFFERENCES names no case {name:?}"));
        }
    }
    eprintln!(
        "{} mutations: {agreed} agreed, {differed} known differences",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
