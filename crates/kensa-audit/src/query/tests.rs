//! Query tests over small inline events, plus the prefilter's soundness
//! property over random values.

use super::*;

const EXEC: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"805755e1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/payments/pods/checkout/exec?command=sh","verb":"create","user":{"username":"oidc:alice@example.com","groups":["oidc:platform-team","system:authenticated"]},"sourceIPs":["192.168.50.23","10.0.0.5"],"userAgent":"kubectl/v1.29.3","objectRef":{"resource":"pods","namespace":"payments","name":"checkout","apiVersion":"v1","subresource":"exec"},"responseStatus":{"code":101},"stageTimestamp":"2025-03-14T08:51:07.000022Z","annotations":{"authorization.k8s.io/decision":"allow","pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"restricted:latest\": runAsNonRoot != true"}}"#;
const FORBID: &str = r#"{"kind":"Event","level":"Metadata","auditID":"x1","stage":"ResponseComplete","requestURI":"/api/v1/secrets","verb":"list","user":{"username":"system:serviceaccount:web:frontend","groups":["system:serviceaccounts"]},"sourceIPs":["203.0.113.45"],"userAgent":"curl/8.5.0","objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"code":403},"stageTimestamp":"2025-03-14T09:02:00.000000Z","annotations":{"authorization.k8s.io/decision":"forbid"}}"#;

fn event(json: &str) -> Event<'_> {
    Event::from_json(json.as_bytes()).unwrap()
}

fn keeps(wheres: &[&str], json: &str) -> bool {
    let wheres: Vec<String> = wheres.iter().map(|w| w.to_string()).collect();
    let query = Query::parse(&wheres).unwrap();
    let kept = query.matches(&event(json));
    if kept && let Some(prefilter) = query.prefilter() {
        assert!(
            prefilter.may_match(json.as_bytes()),
            "prefilter rejected a match: {wheres:?}"
        );
    }
    kept
}

#[test]
fn equality_globs_and_alternatives() {
    assert!(keeps(&["verb=create", "resource=pods"], EXEC));
    assert!(keeps(&["verb=CREATE"], EXEC));
    assert!(keeps(&["verb=create|update|patch"], EXEC));
    assert!(!keeps(&["verb=get|list"], EXEC));
    assert!(keeps(&["user=oidc:*"], EXEC));
    assert!(keeps(&["user=system:serviceaccount:*"], FORBID));
    assert!(!keeps(&["user=system:serviceaccount:*"], EXEC));
    assert!(keeps(&["user!=system:*"], EXEC));
    assert!(keeps(&["subresource=exec"], EXEC));
    assert!(keeps(&["subresource="], FORBID));
    assert!(keeps(&["namespace="], FORBID));
    assert!(keeps(&["namespace!="], EXEC));
}

#[test]
fn multi_valued_fields() {
    assert!(keeps(&["group=system:authenticated"], EXEC));
    assert!(keeps(&["ip=10.*"], EXEC));
    assert!(!keeps(&["ip!=10.*"], EXEC), "!= means no value matches");
    assert!(keeps(&["ip!=10.*"], FORBID));
}

#[test]
fn codes_ranges_and_comparisons() {
    assert!(keeps(&["code=4xx"], FORBID));
    assert!(keeps(&["code=401|403"], FORBID));
    assert!(keeps(&["code=400-499"], FORBID));
    assert!(keeps(&["code>=400"], FORBID));
    assert!(!keeps(&["code<400"], FORBID));
    assert!(keeps(&["code!=2xx"], FORBID));
    assert!(keeps(&["code=101"], EXEC));
    assert!(!keeps(&["code=5xx"], EXEC));
}

#[test]
fn annotations_contains_and_decision() {
    assert!(keeps(
        &["annotation.pod-security.kubernetes.io/audit-violations"],
        EXEC
    ));
    assert!(!keeps(
        &["annotation.pod-security.kubernetes.io/audit-violations"],
        FORBID
    ));
    assert!(keeps(
        &["!annotation.pod-security.kubernetes.io/audit-violations"],
        FORBID
    ));
    assert!(keeps(
        &["annotation.pod-security.kubernetes.io/audit-violations~runAsNonRoot"],
        EXEC
    ));
    assert!(keeps(&["decision=forbid"], FORBID));
    assert!(keeps(&["useragent~curl"], FORBID));
    assert!(!keeps(&["useragent!~curl"], FORBID));
    assert!(keeps(&["uri=/api/v1/namespaces/*/exec*"], EXEC));
}

#[test]
fn time_conditions_and_bounds() {
    assert!(keeps(&["time>=2025-03-14T08:50:00Z"], EXEC));
    assert!(!keeps(&["time<2025-03-14T08:50:00Z"], EXEC));
    assert!(keeps(&["time<2025-03-15"], EXEC));
    let from = parse_time("2025-03-14T09:00:00Z").unwrap();
    let query = Query::parse(&[]).unwrap().with_time(Some(from), None);
    assert!(!query.matches(&event(EXEC)));
    assert!(query.matches(&event(FORBID)));
}

#[test]
fn since_and_dates() {
    let now = parse_time("2025-03-14T10:00:00Z").unwrap();
    assert_eq!(
        parse_since("2h", now).unwrap().to_string(),
        "2025-03-14T08:00:00.000000Z"
    );
    assert_eq!(
        parse_since("1h30m", now).unwrap().to_string(),
        "2025-03-14T08:30:00.000000Z"
    );
    assert_eq!(
        parse_since("1d", now).unwrap().to_string(),
        "2025-03-13T10:00:00.000000Z"
    );
    for bad in ["", "2", "h", "2x", "-2h"] {
        assert!(parse_since(bad, now).is_err(), "{bad}");
    }
    assert_eq!(
        parse_time("2025-03-14").unwrap().to_string(),
        "2025-03-14T00:00:00.000000Z"
    );
    assert!(parse_time("yesterday").is_err());
}

#[test]
fn errors_say_what_is_wrong() {
    let error = |expr: &str| Query::parse(&[expr.to_string()]).unwrap_err().to_string();
    assert!(error("vrb=create").contains("did you mean \"verb\""));
    assert!(error("=create").contains("missing field name"));
    assert!(error("verb").contains("expected FIELD=VALUE"));
    assert!(error("code=abc").contains("not a code"));
    assert!(error("user>=3").contains("works on code and time only"));
    assert!(error("time>=soon").contains("not a time"));
    assert!(error("").contains("empty condition"));
}

/// A small xorshift generator, so the property test needs no crate.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Whatever the values (escapes, slashes, non-ASCII), a line whose event
/// matches always passes the prefilter.
#[test]
fn prefilter_never_rejects_a_match() {
    let values = [
        "create",
        "pods",
        "a/b",
        "x&y",
        "<tag>",
        "quote\"d",
        "back\\slash",
        "grüße",
        "web",
        "system:serviceaccount:web:api",
        "line\u{2028}sep",
        "kube-system",
        "",
    ];
    let patterns = [
        "create",
        "pods",
        "a/b",
        "x&y",
        "<tag>",
        "*slash",
        "gr*",
        "web",
        "system:serviceaccount:*",
        "*line*",
        "kube-*",
        "*",
        "??",
        "[a-z]*",
        "create|web",
        "*/b",
    ];
    let fields = [
        "verb",
        "resource",
        "namespace",
        "name",
        "user",
        "useragent",
        "uri",
    ];
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let event = serde_json::json!({
            "kind": "Event",
            "auditID": "id",
            "verb": random.pick(&values),
            "requestURI": random.pick(&values),
            "userAgent": random.pick(&values),
            "user": {"username": random.pick(&values)},
            "objectRef": {
                "resource": random.pick(&values),
                "namespace": random.pick(&values),
                "name": random.pick(&values),
            },
        });
        // Go's encoder escapes <, > and &; serde_json does not: try both.
        let plain = serde_json::to_string(&event).unwrap();
        let go_style = plain
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('/', "\\/");
        let condition = format!(
            "{}{}{}",
            random.pick(&fields),
            random.pick(&["=", "~", "!="]),
            random.pick(&patterns)
        );
        let query = Query::parse(std::slice::from_ref(&condition)).unwrap();
        let Some(prefilter) = query.prefilter() else {
            continue;
        };
        for line in [&plain, &go_style] {
            let parsed = Event::from_json(line.as_bytes()).unwrap();
            if query.matches(&parsed) {
                assert!(
                    prefilter.may_match(line.as_bytes()),
                    "{condition} on {line}"
                );
            }
        }
    }
}

/// Random text never panics the parser, and whatever parses can be run.
#[test]
fn random_expressions_never_panic() {
    let pieces = [
        "verb",
        "user",
        "code",
        "time",
        "annotation.",
        "!",
        "=",
        "!=",
        "~",
        ">=",
        "<",
        "*",
        "?",
        "[",
        "]",
        "|",
        "4xx",
        "-",
        "a",
        "ü",
        " ",
        "2025-03-14",
        "\u{0}",
    ];
    let mut random = Random(42);
    let exec = event(EXEC);
    for _ in 0..20_000 {
        let length = 1 + random.next() % 6;
        let expr: String = (0..length).map(|_| random.pick(&pieces)).collect();
        if let Ok(query) = Query::parse(&[expr]) {
            let _ = query.matches(&exec);
            if let Some(prefilter) = query.prefilter() {
                let _ = prefilter.may_match(EXEC.as_bytes());
            }
        }
    }
}
