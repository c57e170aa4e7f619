//! The vulnerability-management API over HTTP, on SQLite and on a real
//! PostgreSQL started for the run: uploads, every list with its filters,
//! sorting and paging, re-scans resolving findings, decisions and their
//! OpenVEX export and expiry, tokens and read-only mode, CSRF and the
//! security headers, and SQL injection tried through every filter
//! (KubeClarity's GHSA-5248-h45p-9pgw was one through a list filter).

#[path = "support/postgres.rs"]
mod postgres;

use std::sync::Arc;

use kensa_server::vm::security::Tokens;
use kensa_server::vm::upload::ImageScanUpload;
use kensa_server::vm::web::{VmState, router};
use kensa_server::vm::{Db, now};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-7c1f";

struct Server {
    base: String,
    state: Arc<VmState>,
    client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(url: &str, read_only: bool) -> Server {
    kensa_server::tls::install_ring_provider();
    let db = Db::connect(url).await.expect("connects and migrates");
    let state =
        Arc::new(VmState::new(db, Tokens::from_lines(TOKEN), read_only, None).expect("state"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(Arc::clone(&state));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Server {
        base,
        state,
        client,
        task,
    }
}

impl Server {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn upload(&self, document: &Value, token: &str) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/uploads/image-scan", self.base))
            .bearer_auth(token)
            .json(document)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn total(&self, path: &str) -> i64 {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body["total"].as_i64().expect("total")
    }
}

fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

fn package(name: &str, version: &str) -> Value {
    json!({"purl": format!("pkg:deb/debian/{name}@{version}?arch=amd64"), "name": name,
           "version": version, "type": "deb", "licenses": ["MIT"]})
}

fn finding(id: &str, name: &str, version: &str, severity: &str, fixed: &str) -> Value {
    json!({"vulnerability_id": id, "purl": format!("pkg:deb/debian/{name}@{version}?arch=amd64"),
           "installed_version": version, "fixed_version": fixed,
           "status": if fixed.is_empty() { "affected" } else { "fixed" },
           "severity": severity, "title": format!("{id} in {name}"),
           "description": "A test vulnerability.", "references": [format!("https://tracker.example/{id}")],
           "primary_url": format!("https://tracker.example/{id}"), "aliases": [], "cvss_score": 7.5})
}

fn scan(
    image: &str,
    n: u8,
    placement: (&str, &str, &str),
    packages: Vec<Value>,
    findings: Vec<Value>,
) -> Value {
    json!({"schema_version": 1,
           "placements": [{"cluster": placement.0, "namespace": placement.1, "application": placement.2, "application_kind": "Deployment"}],
           "image": {"name": image, "digest": digest(n), "os": "debian 12", "platform": "linux/amd64"},
           "packages": packages, "findings": findings})
}

/// Three images in two clusters: web (2 critical, 1 high unfixed),
/// api (1 critical shared with web, 1 medium), batch (1 low).
fn inventory() -> Vec<Value> {
    vec![
        scan(
            "registry.example/shop/web:1",
            1,
            ("prod", "shop", "web"),
            vec![package("openssl", "3.0.11-1"), package("zlib", "1.2.13")],
            vec![
                finding(
                    "CVE-2024-0001",
                    "openssl",
                    "3.0.11-1",
                    "CRITICAL",
                    "3.0.13-1",
                ),
                finding(
                    "CVE-2024-0002",
                    "openssl",
                    "3.0.11-1",
                    "CRITICAL",
                    "3.0.13-1",
                ),
                finding("CVE-2023-9999", "zlib", "1.2.13", "HIGH", ""),
            ],
        ),
        scan(
            "registry.example/shop/api:2",
            2,
            ("prod", "shop", "api"),
            vec![package("openssl", "3.0.11-1"), package("curl", "7.88.1")],
            vec![
                finding(
                    "CVE-2024-0001",
                    "openssl",
                    "3.0.11-1",
                    "CRITICAL",
                    "3.0.13-1",
                ),
                finding("CVE-2024-0100", "curl", "7.88.1", "MEDIUM", "7.88.2"),
            ],
        ),
        scan(
            "registry.example/ops/batch:7",
            3,
            ("staging", "ops", "batch"),
            vec![package("bash", "5.2")],
            vec![finding("CVE-2022-0042", "bash", "5.2", "LOW", "")],
        ),
    ]
}

async fn exercise(url: &str) {
    let server = start(url, false).await;
    for document in inventory() {
        let (status, body) = server.upload(&document, TOKEN).await;
        assert_eq!(status, 201, "{body}");
    }
    lists_filters_sorting_paging(&server).await;
    rescans_resolve_findings(&server).await;
    decisions_and_openvex(&server).await;
    bad_uploads_and_tokens(&server).await;
    sql_injection_through_every_filter(&server).await;
    forms_need_csrf_and_same_origin(&server).await;
    headers_and_health(&server).await;

    let read_only = start(url, true).await;
    let (status, _) = read_only.upload(&inventory()[0], TOKEN).await;
    assert_eq!(status, 403, "read-only refuses uploads even with a token");
    let response = read_only
        .client
        .put(format!("{}/api/v1/findings/1/decision", read_only.base))
        .bearer_auth(TOKEN)
        .json(&json!({"kind": "accepted", "justification": "x"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        read_only.total("/api/v1/images").await,
        3,
        "reads still work"
    );
}

async fn lists_filters_sorting_paging(server: &Server) {
    assert_eq!(server.total("/api/v1/images").await, 3);
    assert_eq!(server.total("/api/v1/applications").await, 3);
    assert_eq!(server.total("/api/v1/vulnerabilities").await, 5);
    assert_eq!(server.total("/api/v1/findings").await, 6);
    assert_eq!(server.total("/api/v1/packages").await, 4);
    assert_eq!(server.total("/api/v1/scans").await, 3);

    // Filters.
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?severity=CRITICAL")
            .await,
        2
    );
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?severity=critical,high")
            .await,
        3
    );
    assert_eq!(
        server.total("/api/v1/vulnerabilities?fixable=1").await,
        3,
        "unfixed ones hidden"
    );
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?cluster=staging")
            .await,
        1
    );
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?cluster=prod&namespace=shop&application=api")
            .await,
        2
    );
    assert_eq!(server.total("/api/v1/vulnerabilities?q=cve-2024").await, 3);
    assert_eq!(server.total("/api/v1/vulnerabilities?q=in%20zlib").await, 1);
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?package=openssl")
            .await,
        2
    );
    assert_eq!(
        server
            .total(&format!("/api/v1/findings?image={}", digest(2)))
            .await,
        2
    );
    assert_eq!(
        server
            .total("/api/v1/images?vulnerability=CVE-2024-0001")
            .await,
        2
    );
    assert_eq!(server.total("/api/v1/images?severity=CRITICAL").await, 2);
    assert_eq!(server.total("/api/v1/images?package=bash").await, 1);
    assert_eq!(server.total("/api/v1/packages?severity=CRITICAL").await, 1);
    assert_eq!(server.total("/api/v1/packages?type=deb&q=ssl").await, 1);
    assert_eq!(server.total("/api/v1/applications?cluster=prod").await, 2);

    // The shared CVE counts both images.
    let (_, body) = server.get("/api/v1/vulnerabilities?q=CVE-2024-0001").await;
    assert_eq!(body["items"][0]["images"], 2);
    assert_eq!(body["items"][0]["fixed_version"], "3.0.13-1");

    // Sorting and paging.
    let (_, body) = server.get("/api/v1/images?sort=name&order=asc").await;
    let names: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "registry.example/ops/batch:7",
            "registry.example/shop/api:2",
            "registry.example/shop/web:1"
        ]
    );
    let (_, body) = server.get("/api/v1/images").await;
    assert_eq!(
        body["items"][0]["name"], "registry.example/shop/web:1",
        "riskiest first by default"
    );
    assert_eq!(body["items"][0]["counts"]["critical"], 2);
    let (_, body) = server
        .get("/api/v1/vulnerabilities?sort=id&order=asc&per_page=2&page=2")
        .await;
    assert_eq!(body["total"], 5);
    assert_eq!(body["page"], 2);
    let ids: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["CVE-2024-0001", "CVE-2024-0002"]);

    // Exports.
    let response = server
        .client
        .get(format!(
            "{}/api/v1/vulnerabilities?severity=CRITICAL&format=csv",
            server.base
        ))
        .send()
        .await
        .expect("csv");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let text = response.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("vulnerability,severity,"), "{text}");
    assert_eq!(lines.len(), 3, "{text}");
    for path in [
        "/applications",
        "/images",
        "/packages",
        "/vulnerabilities",
        "/findings",
        "/scans",
        "/misconfigurations",
    ] {
        for format in ["csv", "json"] {
            let (status, _) = server.get(&format!("{path}?format={format}")).await;
            assert_eq!(status, 200, "{path} as {format}");
            let (status, _) = server.get(&format!("/api/v1{path}?format={format}")).await;
            assert_eq!(status, 200, "/api/v1{path} as {format}");
        }
    }

    // Dashboard.
    let (_, body) = server.get("/api/v1/dashboard").await;
    assert_eq!(body["open"]["critical"], 3);
    assert_eq!(body["open"]["high"], 1);
    assert_eq!(body["fixable"]["critical"], 3);
    assert_eq!(body["fixable"]["high"], 0);
    assert_eq!(body["top_images"][0]["name"], "registry.example/shop/web:1");
    assert_eq!(body["top_packages"][0]["name"], "openssl");
    assert_eq!(body["trend"].as_array().expect("trend").len(), 3);
    assert_eq!(body["trend"][2]["counts"]["critical"], 3);
}

async fn rescans_resolve_findings(server: &Server) {
    // web:1 rebuilt with openssl fixed: two criticals resolved, zlib stays.
    let rescan = scan(
        "registry.example/shop/web:1",
        1,
        ("prod", "shop", "web"),
        vec![package("zlib", "1.2.13")],
        vec![finding("CVE-2023-9999", "zlib", "1.2.13", "HIGH", "")],
    );
    let (status, body) = server.upload(&rescan, TOKEN).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["resolved_findings"], 2);
    assert_eq!(body["new_findings"], 0);
    assert_eq!(server.total("/api/v1/findings?status=resolved").await, 2);
    assert_eq!(
        server
            .total(&format!("/api/v1/findings?image={}", digest(1)))
            .await,
        1
    );
    let (_, body) = server.get("/api/v1/dashboard").await;
    assert_eq!(body["open"]["critical"], 1);
    let trend = body["trend"].as_array().expect("trend");
    assert_eq!(trend.last().expect("point")["counts"]["critical"], 1);
    // The same scan again changes nothing.
    let (_, body) = server.upload(&rescan, TOKEN).await;
    assert_eq!(
        (
            body["new_findings"].clone(),
            body["resolved_findings"].clone()
        ),
        (json!(0), json!(0))
    );
}

async fn decisions_and_openvex(server: &Server) {
    let (_, body) = server
        .get("/api/v1/findings?vulnerability=CVE-2024-0100")
        .await;
    let id = body["items"][0]["id"].as_i64().expect("finding id");
    let url = format!("{}/api/v1/findings/{id}/decision", server.base);
    let unauthenticated = server
        .client
        .put(&url)
        .json(&json!({"kind": "accepted", "justification": "x"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(unauthenticated.status().as_u16(), 401);
    let missing_reason = server
        .client
        .put(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"kind": "accepted", "justification": "  "}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(missing_reason.status().as_u16(), 400);
    let accepted = server
        .client
        .put(&url)
        .bearer_auth(TOKEN)
        .json(
            &json!({"kind": "ignored", "justification": "curl is never run in this image",
                      "expires_at": now() + 86_400 * 30}),
        )
        .send()
        .await
        .expect("PUT");
    assert_eq!(accepted.status().as_u16(), 204);
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?severity=MEDIUM")
            .await,
        0,
        "decided findings leave the open list"
    );
    assert_eq!(
        server
            .total("/api/v1/vulnerabilities?severity=MEDIUM&status=ignored")
            .await,
        1
    );
    let (_, body) = server.get("/api/v1/dashboard").await;
    assert_eq!(body["open"]["medium"], 0);
    let (status, vex) = server.get("/api/v1/vex").await;
    assert_eq!(status, 200);
    assert_eq!(vex["@context"], "https://openvex.dev/ns/v0.2.0");
    let statement = &vex["statements"][0];
    assert_eq!(statement["vulnerability"]["name"], "CVE-2024-0100");
    assert_eq!(statement["status"], "not_affected");
    assert!(
        statement["impact_statement"]
            .as_str()
            .expect("impact")
            .starts_with("curl is never run in this image (until ")
    );
    assert_eq!(
        statement["products"][0]["subcomponents"][0]["@id"],
        "pkg:deb/debian/curl@7.88.1?arch=amd64"
    );

    // An expiring decision reopens its finding.
    let (_, body) = server
        .get("/api/v1/findings?vulnerability=CVE-2022-0042")
        .await;
    let id = body["items"][0]["id"].as_i64().expect("finding id");
    server
        .state
        .db
        .decide(
            id,
            &kensa_server::vm::decision::DecisionRequest {
                kind: "accepted".into(),
                justification: "batch job is being retired".into(),
                expires_at: Some(now() + 1),
            },
            "test",
        )
        .await
        .expect("decide");
    assert_eq!(server.total("/api/v1/findings?status=accepted").await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(server.state.db.expire_decisions().await.expect("expire"), 1);
    assert_eq!(server.total("/api/v1/findings?status=accepted").await, 0);
    assert_eq!(
        server
            .total("/api/v1/findings?vulnerability=CVE-2022-0042")
            .await,
        1,
        "open again"
    );
    let (_, vex) = server.get("/api/v1/vex").await;
    assert_eq!(vex["statements"].as_array().expect("statements").len(), 1);
}

async fn bad_uploads_and_tokens(server: &Server) {
    let document = inventory().remove(2);
    let (status, _) = server.upload(&document, "wrong-token").await;
    assert_eq!(status, 401);
    let mut bad = document.clone();
    bad["findings"][0]["severity"] = json!("SEVERE");
    let (status, body) = server.upload(&bad, TOKEN).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .contains("findings[0].severity"),
        "{body}"
    );
    let mut bad = document.clone();
    bad["findings"][0]["purl"] = json!("pkg:deb/debian/unlisted@1");
    let (status, body) = server.upload(&bad, TOKEN).await;
    assert_eq!(status, 400, "{body}");
    let response = server
        .client
        .post(format!("{}/api/v1/uploads/image-scan", server.base))
        .bearer_auth(TOKEN)
        .body("{\"schema_version\": 1, \"image\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(body["error"].as_str().expect("error").contains("line 1"));
    let parsed: Result<ImageScanUpload, _> = serde_json::from_value(document);
    assert!(parsed.is_ok());
}

/// Payloads that break out of a quoted string, a number or an identifier.
const INJECTIONS: &[&str] = &[
    "' OR '1'='1",
    "x' UNION SELECT name, name, name FROM sqlite_master --",
    "1; DROP TABLE findings; --",
    "\") OR 1=1 --",
    "%' OR 1=1 --",
    "1 OR 1=1",
    "CRITICAL' OR severity > '0",
    "name DESC; DELETE FROM images",
];

async fn sql_injection_through_every_filter(server: &Server) {
    let findings_before = server.total("/api/v1/findings?status=all").await;
    let images_before = server.total("/api/v1/images").await;
    let filters = [
        "q",
        "cluster",
        "namespace",
        "application",
        "image",
        "package",
        "vulnerability",
        "type",
        "severity",
        "fixable",
        "status",
        "sort",
        "order",
        "page",
        "per_page",
        "format",
    ];
    let lists = [
        "applications",
        "images",
        "packages",
        "vulnerabilities",
        "findings",
        "scans",
        "misconfigurations",
    ];
    for list in lists {
        for filter in filters {
            for payload in INJECTIONS {
                let path = format!(
                    "/api/v1/{list}?{filter}={}",
                    kensa_server::vm::query::percent_encode(payload)
                );
                let (status, body) = server.get(&path).await;
                // Enumerated parameters refuse the payload; free text
                // matches it literally, i.e. nothing.
                assert!(status == 200 || status == 400, "{path}: {status} {body}");
                if status == 200 {
                    assert_eq!(body["total"], 0, "{path} matched rows: {body}");
                }
            }
        }
    }
    // The HTML lists go through the same queries.
    for payload in INJECTIONS {
        let (status, _) = server
            .get(&format!(
                "/vulnerabilities?q={}",
                kensa_server::vm::query::percent_encode(payload)
            ))
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        server.total("/api/v1/findings?status=all").await,
        findings_before
    );
    assert_eq!(server.total("/api/v1/images").await, images_before);
}

async fn forms_need_csrf_and_same_origin(server: &Server) {
    let (_, body) = server
        .get("/api/v1/findings?vulnerability=CVE-2023-9999")
        .await;
    let id = body["items"][0]["id"].as_i64().expect("finding id");
    // A page visit hands out the cookie and signs its forms for it.
    let page = server
        .client
        .get(format!("{}/vulnerabilities/CVE-2023-9999", server.base))
        .send()
        .await
        .expect("page");
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let html = page.text().await.expect("html");
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf field")
        .to_owned();
    let url = format!("{}/findings/{id}/decision", server.base);
    let form = [
        ("kind", "accepted"),
        ("justification", "mitigated by the WAF"),
        ("expires", "2099-12-31"),
        ("return_to", "/vulnerabilities/CVE-2023-9999"),
    ];
    let no_token = server
        .client
        .post(&url)
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(no_token.status().as_u16(), 403);
    let mut with_token = form.to_vec();
    with_token.push(("csrf", &token));
    let other_cookie = server
        .client
        .post(&url)
        .header("cookie", "kensa_csrf=someone-else")
        .form(&with_token)
        .send()
        .await
        .expect("POST");
    assert_eq!(other_cookie.status().as_u16(), 403);
    let cross_site = server
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&with_token)
        .send()
        .await
        .expect("POST");
    assert_eq!(cross_site.status().as_u16(), 403);
    assert_eq!(server.total("/api/v1/findings?status=accepted").await, 0);
    let good = server
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .form(&with_token)
        .send()
        .await
        .expect("POST");
    assert_eq!(good.status().as_u16(), 303);
    assert_eq!(good.headers()["location"], "/vulnerabilities/CVE-2023-9999");
    assert_eq!(server.total("/api/v1/findings?status=accepted").await, 1);
    // An open redirect is not offered.
    let mut offsite = with_token.clone();
    offsite.retain(|(k, _)| *k != "return_to");
    offsite.push(("return_to", "//evil.example/"));
    let redirected = server
        .client
        .post(&url)
        .header("cookie", &cookie)
        .form(&offsite)
        .send()
        .await
        .expect("POST");
    assert_eq!(redirected.headers()["location"], "/vulnerabilities");
}

async fn headers_and_health(server: &Server) {
    for path in ["/", "/vulnerabilities", "/api/v1/images", "/nope"] {
        let response = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("GET");
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
    let (status, body) = server.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["schema_version"], 1);
    let (status, metrics) = server.get("/metrics").await;
    assert_eq!(status, 200);
    let metrics = metrics.as_str().expect("text").to_owned();
    assert!(metrics.contains("kensa_vm_uploads_total{kind=\"image_scan\",result=\"ok\"}"));
    assert!(
        metrics.contains("kensa_vm_uploads_total{kind=\"image_scan\",result=\"unauthorized\"} 1")
    );
    assert!(!metrics.contains(TOKEN));
    let (status, openapi) = server.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(openapi["openapi"], "3.1.0");
    for list in [
        "applications",
        "images",
        "packages",
        "vulnerabilities",
        "scans",
    ] {
        assert!(
            openapi["paths"][format!("/api/v1/{list}")]["get"].is_object(),
            "{list} documented"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    exercise(&format!("sqlite://{}", dir.path().join("vm.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_on_postgres() {
    let Some(server) = postgres::Postgres::start() else {
        return;
    };
    exercise(&server.fresh_database("api")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_versioned_and_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("vm.db").display());
    let db = Db::connect(&url).await.expect("first start");
    assert_eq!(db.applied_versions().await.expect("versions"), [1]);
    drop(db);
    let db = Db::connect(&url)
        .await
        .expect("second start applies nothing");
    sqlx::query("INSERT INTO kensa_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', 0)")
        .execute(db.pool())
        .await
        .expect("insert");
    drop(db);
    let error = Db::connect(&url).await.expect_err("newer schema refused");
    assert!(error.to_string().contains("schema version 99"), "{error}");
    let error = Db::connect("mysql://db/kensa").await.expect_err("refused");
    assert!(error.to_string().contains("unsupported database URL"));
    let error = Db::connect("postgres://kensa:hunter2@127.0.0.1:1/none")
        .await
        .expect_err("unreachable");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_from_kensa_scan_record_misconfigurations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(
        &format!("sqlite://{}", dir.path().join("vm.db").display()),
        false,
    )
    .await;
    let post = |document: Value| {
        let request = server
            .client
            .post(format!("{}/api/v1/uploads/misconfigurations", server.base))
            .bearer_auth(TOKEN)
            .json(&document);
        async move {
            let response = request.send().await.expect("POST");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("json"),
            )
        }
    };
    let first = json!({"schema_version": 1, "cluster": "prod", "source": "cluster", "findings": [
        {"namespace": "shop", "resource": "Deployment/web", "check_id": "KSV017", "severity": "HIGH",
         "title": "Privileged container", "message": "container web is privileged"},
        {"namespace": "shop", "resource": "Deployment/web", "check_id": "KSV001", "severity": "MEDIUM",
         "title": "Privilege escalation", "message": "allowPrivilegeEscalation is not false"}]});
    let (status, body) = post(first).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["new_findings"], 2);
    assert_eq!(server.total("/api/v1/misconfigurations").await, 2);
    assert_eq!(
        server
            .total("/api/v1/misconfigurations?severity=HIGH")
            .await,
        1
    );
    let second = json!({"schema_version": 1, "cluster": "prod", "source": "cluster", "findings": [
        {"namespace": "shop", "resource": "Deployment/web", "check_id": "KSV017", "severity": "HIGH",
         "title": "Privileged container", "message": "container web is privileged"}]});
    let (_, body) = post(second).await;
    assert_eq!(body["resolved_findings"], 1);
    assert_eq!(server.total("/api/v1/misconfigurations").await, 1);
}
