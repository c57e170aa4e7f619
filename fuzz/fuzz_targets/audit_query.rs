//! Any text as `--where` expressions: parsing never panics, and a query that
//! parses runs on a fixed event; when it keeps the event, its byte prefilter
//! keeps the event's line too (the prefilter may only reject non-matches).
#![no_main]

use kensa_audit::event::Event;
use kensa_audit::query::Query;
use libfuzzer_sys::fuzz_target;

const LINE_TEXT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/web/pods?x=1\u0026y=2","verb":"create","user":{"username":"system:serviceaccount:web:api","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.0.5"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"pods","namespace":"web","name":"grüße","apiVersion":"v1"},"responseStatus":{"code":201},"stageTimestamp":"2025-03-14T08:51:07.000022Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#;
const LINE: &[u8] = LINE_TEXT.as_bytes();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let wheres: Vec<String> = text.split('\n').map(str::to_string).collect();
    let Ok(query) = Query::parse(&wheres) else {
        return;
    };
    let event = Event::from_json(LINE).expect("the fixed line is an event");
    if query.matches(&event)
        && let Some(prefilter) = query.prefilter()
    {
        assert!(prefilter.may_match(LINE));
    }
});
