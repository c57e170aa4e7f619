//! The audit event of `audit.k8s.io/v1` (and the older `v1beta1`), as the API
//! server's log and webhook backends write it.
//!
//! Strings borrow from the input line when they hold no JSON escapes, and the
//! large request and response bodies stay raw JSON, parsed only by the code
//! that needs them: most queries never look inside them.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::time::Timestamp;

/// How much of a request the audit policy recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Level {
    /// Nothing: the event is not written (appears only in policies).
    None,
    /// Request metadata only: user, verb, resource, response code.
    Metadata,
    /// Metadata and the request body.
    Request,
    /// Metadata, the request body and the response body.
    RequestResponse,
    /// A level this version of kensa does not know.
    #[serde(other)]
    Unknown,
}

impl Level {
    /// The name the API server uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
            Level::Unknown => "Unknown",
        }
    }

    /// Parses a level name as written in events and policies.
    pub fn parse(name: &str) -> Option<Level> {
        Some(match name {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }
}

/// The point in a request's life at which the event was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Stage {
    /// As soon as the request arrived, before any handling.
    RequestReceived,
    /// After the response headers were sent (long-running requests: watch, exec).
    ResponseStarted,
    /// After the response was sent.
    ResponseComplete,
    /// The handler panicked.
    Panic,
    /// A stage this version of kensa does not know.
    #[serde(other)]
    Unknown,
}

impl Stage {
    /// Every known stage, in the order a request goes through them.
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];

    /// The name the API server uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
            Stage::Unknown => "Unknown",
        }
    }

    /// Parses a stage name.
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == name)
    }

    /// Whether the request is over at this stage (its response code is final).
    pub fn is_final(self) -> bool {
        matches!(self, Stage::ResponseComplete | Stage::Panic)
    }
}

/// Who made the request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo<'a> {
    /// The user name, e.g. `system:serviceaccount:web:frontend`.
    #[serde(borrow, default)]
    pub username: Cow<'a, str>,
    /// The user's uid, when the authenticator gives one.
    #[serde(borrow, default)]
    pub uid: Option<Cow<'a, str>>,
    /// The groups the user is in.
    #[serde(borrow, default)]
    pub groups: Vec<Cow<'a, str>>,
    /// Authenticator-specific extra information, raw.
    #[serde(borrow, default)]
    pub extra: Option<&'a RawValue>,
}

/// The object a request is about.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef<'a> {
    /// The resource, plural and lower case: `pods`, `deployments`.
    #[serde(borrow, default)]
    pub resource: Option<Cow<'a, str>>,
    /// The namespace, absent for cluster-scoped resources.
    #[serde(borrow, default)]
    pub namespace: Option<Cow<'a, str>>,
    /// The object's name, absent for lists and for creates without a name.
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    /// The object's uid.
    #[serde(borrow, default)]
    pub uid: Option<Cow<'a, str>>,
    /// The API group, empty or absent for the core group.
    #[serde(borrow, default)]
    pub api_group: Option<Cow<'a, str>>,
    /// The API version.
    #[serde(borrow, default)]
    pub api_version: Option<Cow<'a, str>>,
    /// The resource version.
    #[serde(borrow, default)]
    pub resource_version: Option<Cow<'a, str>>,
    /// The subresource: `exec`, `status`, `log`.
    #[serde(borrow, default)]
    pub subresource: Option<Cow<'a, str>>,
}

/// The response's status, as recorded (never the body for successes).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseStatus<'a> {
    /// The HTTP status code.
    #[serde(default)]
    pub code: Option<i32>,
    /// `Success` or `Failure`, for errors.
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    /// The machine-readable reason, e.g. `Forbidden`.
    #[serde(borrow, default)]
    pub reason: Option<Cow<'a, str>>,
    /// The human-readable message.
    #[serde(borrow, default)]
    pub message: Option<Cow<'a, str>>,
}

/// The `metadata` that `v1beta1` events carried.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyMetadata<'a> {
    /// When the event was created.
    #[serde(borrow, default)]
    pub creation_timestamp: Option<Cow<'a, str>>,
}

/// An event's annotations, in the order written. Events carry a handful, so a
/// list is faster to build and search than a map.
#[derive(Debug, Clone, Default)]
pub struct Annotations<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Annotations<'a> {
    /// The value of an annotation.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Every annotation, as key and value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnnotationsVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for AnnotationsVisitor<'a> {
            type Value = Annotations<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings or null")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Annotations::default())
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Annotations::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((key, value)) = map.next_entry::<BorrowedStr, BorrowedStr>()? {
                    pairs.push((key.0, value.0));
                }
                Ok(Annotations(pairs))
            }
        }
        deserializer.deserialize_option(AnnotationsVisitor(std::marker::PhantomData))
    }
}

/// A string that borrows from the input when it can.
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wrapper<'a>(#[serde(borrow)] Cow<'a, str>);
        Wrapper::deserialize(deserializer).map(|w| BorrowedStr(w.0))
    }
}

/// One audit event.
///
/// Unknown fields are ignored, so newer API servers' events still read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    /// `Event` (absent in some re-encoded logs).
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// `audit.k8s.io/v1` or `audit.k8s.io/v1beta1`.
    #[serde(borrow, default)]
    pub api_version: Option<Cow<'a, str>>,
    /// The level the policy chose.
    #[serde(default)]
    pub level: Option<Level>,
    /// The request's id, shared by all of its stages.
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Cow<'a, str>,
    /// The stage this event was written at.
    #[serde(default)]
    pub stage: Option<Stage>,
    /// The request URI, with its query string.
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Cow<'a, str>,
    /// The Kubernetes verb (`get`, `list`, `watch`, `create`, ...), or the
    /// lower-case HTTP method for non-resource requests.
    #[serde(borrow, default)]
    pub verb: Cow<'a, str>,
    /// The authenticated user.
    #[serde(borrow, default)]
    pub user: UserInfo<'a>,
    /// The user being impersonated, if any.
    #[serde(borrow, default)]
    pub impersonated_user: Option<UserInfo<'a>>,
    /// The client's address and the proxies it came through.
    #[serde(borrow, default, rename = "sourceIPs")]
    pub source_ips: Vec<Cow<'a, str>>,
    /// The client's user agent.
    #[serde(borrow, default)]
    pub user_agent: Option<Cow<'a, str>>,
    /// The object the request is about (absent for non-resource requests).
    #[serde(borrow, default)]
    pub object_ref: Option<ObjectRef<'a>>,
    /// The response's status.
    #[serde(borrow, default)]
    pub response_status: Option<ResponseStatus<'a>>,
    /// The request body, raw (level Request and above).
    #[serde(borrow, default)]
    pub request_object: Option<&'a RawValue>,
    /// The response body, raw (level RequestResponse).
    #[serde(borrow, default)]
    pub response_object: Option<&'a RawValue>,
    /// When the request arrived.
    #[serde(borrow, default)]
    pub request_received_timestamp: Option<Cow<'a, str>>,
    /// When this stage was reached.
    #[serde(borrow, default)]
    pub stage_timestamp: Option<Cow<'a, str>>,
    /// Annotations set by authorizers, admission and the API server.
    #[serde(borrow, default)]
    pub annotations: Annotations<'a>,
    /// The event time of `v1beta1` events.
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    /// The object metadata of `v1beta1` events.
    #[serde(borrow, default)]
    pub metadata: Option<LegacyMetadata<'a>>,
}

impl<'a> Event<'a> {
    /// Parses one event from JSON.
    pub fn from_json(bytes: &'a [u8]) -> Result<Event<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The resource, e.g. `pods`.
    pub fn resource(&self) -> Option<&str> {
        self.object_ref.as_ref()?.resource.as_deref()
    }

    /// The subresource, e.g. `exec`.
    pub fn subresource(&self) -> Option<&str> {
        self.object_ref.as_ref()?.subresource.as_deref()
    }

    /// The namespace.
    pub fn namespace(&self) -> Option<&str> {
        self.object_ref.as_ref()?.namespace.as_deref()
    }

    /// The object's name.
    pub fn name(&self) -> Option<&str> {
        self.object_ref.as_ref()?.name.as_deref()
    }

    /// The API group, `""` for the core group.
    pub fn api_group(&self) -> Option<&str> {
        let object = self.object_ref.as_ref()?;
        Some(object.api_group.as_deref().unwrap_or(""))
    }

    /// The HTTP response code.
    pub fn code(&self) -> Option<i32> {
        self.response_status.as_ref()?.code
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key)
    }

    /// The authorizer's decision (`allow` or `forbid`), if recorded.
    pub fn decision(&self) -> Option<&str> {
        self.annotation("authorization.k8s.io/decision")
    }

    /// The client's own address: the first of `sourceIPs`.
    pub fn source_ip(&self) -> Option<&str> {
        self.source_ips.first().map(|ip| ip.as_ref())
    }

    /// The user the request acted as: the impersonated user when there is one.
    pub fn effective_user(&self) -> &UserInfo<'a> {
        self.impersonated_user.as_ref().unwrap_or(&self.user)
    }

    /// When this stage was reached, falling back to the request's arrival and
    /// the `v1beta1` fields. `None` when no field holds a valid time.
    pub fn time(&self) -> Option<Timestamp> {
        [
            self.stage_timestamp.as_deref(),
            self.request_received_timestamp.as_deref(),
            self.timestamp.as_deref(),
            self.metadata
                .as_ref()
                .and_then(|m| m.creation_timestamp.as_deref()),
        ]
        .into_iter()
        .flatten()
        .find_map(|text| Timestamp::parse(text).ok())
    }

    /// When the request arrived, falling back to [`Event::time`].
    pub fn received_time(&self) -> Option<Timestamp> {
        self.request_received_timestamp
            .as_deref()
            .and_then(|text| Timestamp::parse(text).ok())
            .or_else(|| self.time())
    }

    /// Whether this looks like an audit event at all: JSON objects that are
    /// not (a `kind` other than `Event`, or no verb and no audit id) are
    /// rejected by readers.
    pub fn looks_like_event(&self) -> bool {
        let kind_ok = self.kind.as_deref().is_none_or(|kind| kind == "Event");
        kind_ok && !(self.verb.is_empty() && self.audit_id.is_empty())
    }
}

/// A webhook backend's POST body: `{"kind":"EventList","items":[...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventList<'a> {
    /// `EventList`.
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    /// The events.
    #[serde(borrow, default)]
    pub items: Vec<Event<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"805755e1","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/payments/pods/checkout/exec?command=sh\u0026tty=true","verb":"create","user":{"username":"oidc:alice@example.com","groups":["oidc:platform-team","system:authenticated"]},"impersonatedUser":{"username":"bob"},"sourceIPs":["192.168.50.23","10.0.0.5"],"userAgent":"kubectl/v1.29.3","objectRef":{"resource":"pods","namespace":"payments","name":"checkout","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestObject":{"a":[1,2,{"b":"c"}]},"requestReceivedTimestamp":"2025-03-14T08:51:07.000000Z","stageTimestamp":"2025-03-14T08:51:07.000022Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by \"x\""},"unknownField":{"x":1}}"#;

    #[test]
    fn reads_a_v1_event() {
        let event = Event::from_json(V1.as_bytes()).unwrap();
        assert!(event.looks_like_event());
        assert_eq!(event.level, Some(Level::RequestResponse));
        assert_eq!(event.stage, Some(Stage::ResponseStarted));
        assert_eq!(event.verb, "create");
        assert_eq!(event.resource(), Some("pods"));
        assert_eq!(event.subresource(), Some("exec"));
        assert_eq!(event.namespace(), Some("payments"));
        assert_eq!(event.api_group(), Some(""));
        assert_eq!(event.code(), Some(101));
        assert_eq!(event.decision(), Some("allow"));
        assert_eq!(
            event.annotation("authorization.k8s.io/reason"),
            Some("RBAC: allowed by \"x\"")
        );
        assert_eq!(event.source_ip(), Some("192.168.50.23"));
        assert_eq!(event.effective_user().username, "bob");
        assert_eq!(
            event.request_uri,
            "/api/v1/namespaces/payments/pods/checkout/exec?command=sh&tty=true"
        );
        assert_eq!(
            event.request_object.unwrap().get(),
            r#"{"a":[1,2,{"b":"c"}]}"#
        );
        assert_eq!(
            event.time().unwrap().to_string(),
            "2025-03-14T08:51:07.000022Z"
        );
        assert_eq!(
            event.received_time().unwrap().to_string(),
            "2025-03-14T08:51:07.000000Z"
        );
        assert!(
            matches!(event.verb, Cow::Borrowed(_)),
            "plain strings borrow"
        );
    }

    #[test]
    fn reads_a_v1beta1_event() {
        let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2018-10-25T13:58:49Z"},"level":"Request","timestamp":"2018-10-25T13:58:49Z","auditID":"x","stage":"ResponseComplete","requestURI":"/api/v1/namespaces","verb":"create","user":{"username":"minikube-user"},"sourceIPs":["1.2.3.4"],"objectRef":{"resource":"namespaces","name":"foo"},"responseStatus":{"code":201}}"#;
        let event = Event::from_json(line.as_bytes()).unwrap();
        assert_eq!(
            event.time().unwrap().to_string(),
            "2018-10-25T13:58:49.000000Z"
        );
        assert_eq!(event.namespace(), None);
        assert_eq!(event.name(), Some("foo"));
    }

    #[test]
    fn rejects_what_is_not_an_event() {
        assert!(Event::from_json(br#"{"kind": 0}"#).is_err());
        let list = Event::from_json(br#"{"kind":"EventList","items":[]}"#).unwrap();
        assert!(!list.looks_like_event());
        let other = Event::from_json(br#"{"hello":"world"}"#).unwrap();
        assert!(!other.looks_like_event());
    }

    #[test]
    fn unknown_levels_and_stages_do_not_fail() {
        let event = Event::from_json(
            br#"{"level":"Everything","stage":"Later","verb":"get","annotations":null}"#,
        )
        .unwrap();
        assert_eq!(event.level, Some(Level::Unknown));
        assert_eq!(event.stage, Some(Stage::Unknown));
        assert!(event.annotations.is_empty());
    }

    #[test]
    fn reads_an_event_list() {
        let body = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{V1},{V1}]}}"#
        );
        let list: EventList = serde_json::from_str(&body).unwrap();
        assert_eq!(list.items.len(), 2);
    }
}
