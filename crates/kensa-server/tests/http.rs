//! The webhook's HTTPS side against a real server on loopback: health,
//! metrics, bad requests, body limit, slow clients, graceful shutdown and
//! certificate reload.

mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use support::{Server, certificate, client_trusting, read_response, store_from_json, write_all};

const CLUSTER: &str = r#"{"apiVersion":"v1","kind":"List","items":[
  {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}
]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    assert_eq!(
        server.get("/healthz").await.expect("healthz").0,
        StatusCode::OK
    );
    assert_eq!(
        server.get("/readyz").await.expect("readyz").0,
        StatusCode::OK
    );
    server.post("/validate", "not json").await;
    let (status, text) = server.get("/metrics").await.expect("metrics");
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("kensa_admission_errors_total{kind=\"malformed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE kensa_admission_evaluation_seconds histogram"),
        "{text}"
    );
    assert_eq!(
        server.get("/nope").await.expect("404").0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_store_is_not_ready() {
    let server = Server::start(kensa_server::state::Store::new()).await;
    let (status, text) = server.get("/readyz").await.expect("readyz");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("not loaded"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_not_reviews_get_400_with_the_reason() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    let cases = [
        ("{\"kind\":", "malformed"),
        ("[1,2]", "malformed"),
        (
            r#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}"#,
            "admission.k8s.io/v1",
        ),
        (r#"{"apiVersion":"v1","kind":"Pod"}"#, "AdmissionReview"),
        (
            r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
            "no request",
        ),
    ];
    for (body, expected) in cases {
        let (status, text) = server.post("/validate", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        assert!(text.contains(expected), "{body}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10_mb_body_is_refused_with_413_declared_or_chunked() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    let ten_mb = 10 * 1024 * 1024;

    // Declared: refused from the header, before the body is read.
    let mut stream = server.raw().await;
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {ten_mb}\r\n\r\n"
    );
    write_all(&mut stream, head.as_bytes()).await.expect("head");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");

    // Chunked: refused once the limit is crossed.
    let mut stream = server.raw().await;
    let head = "POST /validate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    write_all(&mut stream, head.as_bytes()).await.expect("head");
    let chunk = vec![b' '; 1024 * 1024];
    let mut sent = 0;
    while sent < ten_mb {
        let frame = format!("{:x}\r\n", chunk.len());
        if write_all(&mut stream, frame.as_bytes()).await.is_err()
            || write_all(&mut stream, &chunk).await.is_err()
            || write_all(&mut stream, b"\r\n").await.is_err()
        {
            break; // the server answered and closed
        }
        sent += chunk.len();
    }
    let _ = write_all(&mut stream, b"0\r\n\r\n").await;
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    let (_, metrics) = server.get("/metrics").await.expect("metrics");
    assert!(
        metrics.contains("kensa_admission_errors_total{kind=\"too_large\"} 2"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_blocks_nobody_and_is_cut_off() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    // Ten clients that send half a request line and stall.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut stream = server.raw().await;
        write_all(&mut stream, b"POST /validate HTTP/1.1\r\nHost: loc")
            .await
            .expect("partial");
        stalled.push(stream);
    }
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(
            server.get("/healthz").await.expect("healthz").0,
            StatusCode::OK
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "others waited {:?}",
        started.elapsed()
    );
    // The header timeout (2 s here) closes the stalled connections.
    for stream in &mut stalled {
        let rest = read_response(stream, Duration::from_secs(6)).await;
        assert!(
            rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
            "{rest}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_the_review_in_flight() {
    let mut server = Server::start(store_from_json(CLUSTER)).await;
    let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
    let mut stream = server.raw().await;
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    write_all(&mut stream, head.as_bytes()).await.expect("head");
    write_all(&mut stream, &body[..10]).await.expect("half");
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections once shutting down.
    let refused = tokio::net::TcpStream::connect(server.address).await;
    if let Ok(tcp) = refused {
        // Accepted by the kernel backlog at most; never served.
        drop(tcp);
    }
    // The request in flight still gets its answer.
    write_all(&mut stream, &body[10..]).await.expect("rest");
    let response = read_response(&mut stream, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("no request"), "{response}");
    let finished = tokio::time::timeout(Duration::from_secs(5), &mut server.task)
        .await
        .expect("the server stops after draining");
    assert!(finished.expect("task").is_ok());
    let log = server.log.lock().expect("log").join("\n");
    assert!(log.contains("shutting down"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_certificate_is_served_without_a_restart() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    let old_client = client_trusting(&server.trusted);
    let ok = |result: Result<(StatusCode, String), String>| result.map(|r| r.0);
    let healthz = || {
        axum::http::Request::get(server.url("/healthz"))
            .body(http_body_util::Full::new(axum::body::Bytes::new()))
            .expect("request")
    };
    assert_eq!(
        ok(support::send(&old_client, healthz()).await),
        Ok(StatusCode::OK)
    );

    // A broken pair is reported and the old certificate kept.
    std::fs::write(&server.key, "not a key").expect("break key");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fresh_old = client_trusting(&server.trusted);
    assert_eq!(
        ok(support::send(&fresh_old, healthz()).await),
        Ok(StatusCode::OK)
    );

    // Replace both files atomically, as a Secret update does.
    let next = certificate(server.dir.path(), "next");
    std::fs::rename(&next.key, &server.key).expect("key");
    std::fs::rename(&next.cert, &server.cert).expect("cert");
    let new_client = client_trusting(&next.cert_pem);
    let mut served = false;
    for _ in 0..100 {
        if ok(support::send(&new_client, healthz()).await) == Ok(StatusCode::OK) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "the new certificate was never served");
    // A client that only trusts the old certificate now fails.
    let stale = client_trusting(&server.trusted);
    assert!(support::send(&stale, healthz()).await.is_err());
    let log = server.log.lock().expect("log").join("\n");
    assert!(log.contains("keeping the old TLS certificate"), "{log}");
    assert!(log.contains("reloaded"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_without_an_object_is_answered_as_a_bad_request() {
    let server = Server::start(store_from_json(CLUSTER)).await;
    let review = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
        "uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},
        "resource":{"group":"","version":"v1","resource":"pods"},
        "name":"web","namespace":"dev","operation":"CREATE","userInfo":{"username":"alice"}}}"#;
    let (status, body) = server.post("/validate", review).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).expect("a review");
    let response = &answer["response"];
    assert_eq!(response["uid"], "u-1");
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["reason"], "BadRequest");
    assert_eq!(response["status"]["code"], 400);
    assert!(
        response["auditAnnotations"]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("failed to decode object")),
        "{body}"
    );
}
