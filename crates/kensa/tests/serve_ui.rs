//! `kensa serve`'s web UI end to end, in headless Chromium driven over
//! WebDriver (chromedriver + fantoccini): the dashboard's counts, the
//! vulnerability list's filter form, search, paging and exports, a risk
//! acceptance posted through the vulnerability page's form (no JavaScript,
//! no bearer token: the CSRF token) and its effect on the dashboard and
//! the OpenVEX export, and read-only mode without decision forms.
//!
//! Needs /usr/bin/chromium and chromedriver (Debian: chromium,
//! chromium-driver); without them the tests print SKIP and pass, except
//! under CI=true where they fail. With KENSA_SCREENSHOTS=DIR they save
//! PNGs of the main pages to DIR.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const TOKEN: &str = "test-token-123";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Skips (true) with a SKIP line, or panics under CI=true.
fn skip(reason: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the browser tests need {reason} under CI=true");
    }
    eprintln!("SKIP: web UI browser tests: {reason}");
    true
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn http() -> reqwest::Client {
    // reqwest is built with rustls-no-provider (plain HTTP here, but it
    // still wants a provider).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// Kills `pid` (SIGKILL); only ever a process this file started.
fn kill_pid(pid: u32) {
    let _ = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

// ---------------------------------------------------------------------------
// The server under test.

/// A `kensa serve` child on a free port; killed (by its pid) on drop.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    async fn start(dir: &Path, extra: &[&str]) -> Server {
        std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
        let port = free_port();
        let log = dir.join(format!("serve-{port}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_kensa"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(format!("sqlite://{}", dir.join("vm.db").display()))
            .arg("--token-file")
            .arg(dir.join("token"))
            .args(extra)
            .env("KENSA_CACHE_DIR", dir.join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn kensa serve");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = http();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
                && response.status() == 200
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("kensa serve exited ({status}): {}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "kensa serve did not answer /healthz within 60 s: {}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn upload(&self, document: &Value) {
        let response = http()
            .post(self.url("/api/v1/uploads/image-scan"))
            .bearer_auth(TOKEN)
            .json(document)
            .send()
            .await
            .expect("POST upload");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "upload: {status} {body}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// The browser.

/// chromedriver (a child killed by its pid on drop) and a session in a
/// fresh Chromium profile.
struct Browser {
    driver: Child,
    client: Option<Client>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// None (after SKIP) when Chromium or chromedriver is missing.
    async fn start() -> Option<Browser> {
        if !Path::new(CHROMIUM).is_file() {
            skip(&format!("{CHROMIUM} (apt-get install chromium)"));
            return None;
        }
        let Some(chromedriver) = on_path("chromedriver") else {
            skip("chromedriver (apt-get install chromium-driver)");
            return None;
        };
        let profile = tempfile::Builder::new()
            .prefix("kensa-ui-chromium-")
            .tempdir()
            .expect("tempdir");
        let port = free_port();
        let log = std::fs::File::create(profile.path().join("chromedriver.log")).unwrap();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn chromedriver");
        let mut browser = Browser {
            driver,
            client: None,
            profile,
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = http();
        loop {
            if let Ok(response) = http.get(format!("{webdriver}/status")).send().await
                && response.status() == 200
            {
                break;
            }
            if let Ok(Some(status)) = browser.driver.try_wait() {
                panic!("chromedriver exited ({status}): {}", browser.driver_log());
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer within 30 s: {}",
                browser.driver_log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let user_data = browser.profile.path().join("profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", user_data.display()),
                    "--window-size=1400,1000",
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "WebDriver session: {e}\n{}",
                    std::fs::read_to_string(browser.profile.path().join("chromedriver.log"))
                        .unwrap_or_default()
                )
            });
        browser.client = Some(client);
        Some(browser)
    }

    fn client(&self) -> Client {
        self.client.clone().expect("session")
    }

    fn driver_log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("chromedriver.log")).unwrap_or_default()
    }

    /// Runs `body` with the session, then ends the session (closing
    /// Chromium) whether or not `body` panicked, and passes the panic on.
    async fn run<F, Fut>(mut self, body: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let result = tokio::spawn(body(self.client())).await;
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        drop(self);
        if let Err(error) = result {
            match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => panic!("test task: {error}"),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_pid(self.driver.id());
        let _ = self.driver.wait();
        // Chromium processes left behind by a session that was not closed:
        // only those running on this test's own profile directory.
        let marker = self.profile.path().to_string_lossy().into_owned();
        let own = std::process::id();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                else {
                    continue;
                };
                if pid == own {
                    continue;
                }
                let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(&marker) {
                    kill_pid(pid);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Page helpers.

async fn css(client: &Client, selector: &str) -> Element {
    match client.find(Locator::Css(selector)).await {
        Ok(element) => element,
        Err(e) => panic!("{selector}: {e}\n{}", page_text(client).await),
    }
}

async fn css_all(client: &Client, selector: &str) -> Vec<Element> {
    client
        .find_all(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
}

async fn text(client: &Client, selector: &str) -> String {
    css(client, selector).await.text().await.unwrap()
}

/// The page's URL and text, for failure messages.
async fn page_text(client: &Client) -> String {
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let body = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    format!("page {url}:\n{body}")
}

async fn attr(element: &Element, name: &str) -> String {
    element.attr(name).await.unwrap().unwrap_or_default()
}

/// Polls `check` for up to 15 s.
async fn eventually<F, Fut>(client: &Client, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            page_text(client).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_url(client: &Client, what: &str, pred: impl Fn(&reqwest::Url) -> bool) {
    eventually(client, what, || async {
        client.current_url().await.is_ok_and(|u| pred(&u))
    })
    .await;
}

/// Saves a screenshot as DIR/NAME when KENSA_SCREENSHOTS=DIR.
async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("KENSA_SCREENSHOTS") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).unwrap();
}

/// The index of the results table's column headed `label`.
async fn column(client: &Client, label: &str) -> usize {
    let headers = css_all(client, "table#results thead th").await;
    for (i, header) in headers.iter().enumerate() {
        if header
            .text()
            .await
            .unwrap()
            .trim()
            .eq_ignore_ascii_case(label)
        {
            return i;
        }
    }
    panic!(
        "table#results has no column {label:?}\n{}",
        page_text(client).await
    );
}

/// The vulnerability IDs of the result rows (their first cell's `a.vuln`),
/// checking each links to /vulnerabilities/<ID>.
async fn result_ids(client: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for row in css_all(client, "table#results tbody tr").await {
        let link = row
            .find(Locator::Css("td:first-child a.vuln"))
            .await
            .unwrap_or_else(|e| panic!("a row without td:first-child a.vuln: {e}"));
        let id = link.text().await.unwrap().trim().to_owned();
        let href = attr(&link, "href").await;
        assert!(
            href.ends_with(&format!("/vulnerabilities/{id}")),
            "{id} links to {href}"
        );
        ids.push(id);
    }
    ids
}

/// The text of column `index` of every result row.
async fn column_texts(client: &Client, index: usize) -> Vec<String> {
    let mut texts = Vec::new();
    for row in css_all(client, "table#results tbody tr").await {
        let cells = row.find_all(Locator::Css("td")).await.unwrap();
        texts.push(cells[index].text().await.unwrap().trim().to_owned());
    }
    texts
}

async fn dashboard_critical(client: &Client, base: &str) -> String {
    client.goto(&format!("{base}/")).await.unwrap();
    text(
        client,
        "#severity-counts [data-severity=\"CRITICAL\"] .count",
    )
    .await
    .trim()
    .to_owned()
}

fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        href.to_owned()
    } else if href.starts_with('/') {
        format!("{base}{href}")
    } else {
        format!("{base}/{href}")
    }
}

// ---------------------------------------------------------------------------
// Data: three images in two clusters, three applications.

fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

fn purl(name: &str, version: &str) -> String {
    format!("pkg:deb/debian/{name}@{version}?arch=amd64")
}

fn package(name: &str, version: &str, license: &str) -> Value {
    json!({"purl": purl(name, version), "name": name, "version": version, "type": "deb",
           "licenses": [license]})
}

fn finding(id: &str, name: &str, version: &str, severity: &str, fixed: &str, score: f64) -> Value {
    json!({"vulnerability_id": id, "purl": purl(name, version), "installed_version": version,
           "fixed_version": fixed, "status": if fixed.is_empty() { "affected" } else { "fixed" },
           "severity": severity, "title": format!("{id} in {name}"),
           "description": format!("A test vulnerability in {name}."),
           "references": [format!("https://security-tracker.debian.org/tracker/{id}")],
           "primary_url": format!("https://nvd.nist.gov/vuln/detail/{id}"),
           "aliases": [], "cvss_score": score})
}

fn document(
    image: &str,
    n: u8,
    (cluster, namespace, application): (&str, &str, &str),
    packages: Vec<Value>,
    findings: Vec<Value>,
) -> Value {
    json!({"schema_version": 1,
           "placements": [{"cluster": cluster, "namespace": namespace,
                           "application": application, "application_kind": "Deployment"}],
           "image": {"name": image, "digest": digest(n), "os": "debian 12",
                     "platform": "linux/amd64"},
           "packages": packages, "findings": findings})
}

const WEB: &str = "registry.example/web:1";
const API: &str = "registry.example/api:2";
const WORKER: &str = "registry.example/worker:3";
/// Critical, fixable, in `web` and `api`: the one accepted.
const ACCEPTED: &str = "CVE-2024-5535";
/// Critical, no fix, in `web` only.
const UNFIXED_CRITICAL: &str = "CVE-2023-45853";
/// High, in `worker`: what the search finds.
const SEARCHED: &str = "CVE-2023-4911";

/// (documents, open critical findings, critical vulnerabilities).
fn documents() -> (Vec<Value>, usize, BTreeSet<&'static str>) {
    let openssl = ("openssl", "3.0.11-1");
    let web = document(
        WEB,
        1,
        ("prod", "shop", "web"),
        vec![
            package(openssl.0, openssl.1, "Apache-2.0"),
            package("zlib1g", "1:1.2.13.dfsg-1", "Zlib"),
        ],
        vec![
            finding(
                "CVE-2024-0727",
                openssl.0,
                openssl.1,
                "MEDIUM",
                "3.0.13-1~deb12u1",
                5.5,
            ),
            finding(
                ACCEPTED,
                openssl.0,
                openssl.1,
                "CRITICAL",
                "3.0.14-1~deb12u1",
                9.1,
            ),
            finding(
                UNFIXED_CRITICAL,
                "zlib1g",
                "1:1.2.13.dfsg-1",
                "CRITICAL",
                "",
                9.8,
            ),
        ],
    );
    let api = document(
        API,
        2,
        ("prod", "shop", "api"),
        vec![
            package(openssl.0, openssl.1, "Apache-2.0"),
            package("curl", "7.88.1-10+deb12u5", "curl"),
        ],
        vec![
            finding(
                "CVE-2024-0727",
                openssl.0,
                openssl.1,
                "MEDIUM",
                "3.0.13-1~deb12u1",
                5.5,
            ),
            finding(
                ACCEPTED,
                openssl.0,
                openssl.1,
                "CRITICAL",
                "3.0.14-1~deb12u1",
                9.1,
            ),
            finding(
                "CVE-2024-2398",
                "curl",
                "7.88.1-10+deb12u5",
                "HIGH",
                "7.88.1-10+deb12u6",
                8.6,
            ),
        ],
    );
    let worker = document(
        WORKER,
        3,
        ("staging", "jobs", "worker"),
        vec![
            package("libc6", "2.36-9", "LGPL-2.1"),
            package("bash", "5.2.15-2+b2", "GPL-3.0"),
        ],
        vec![
            finding(SEARCHED, "libc6", "2.36-9", "HIGH", "2.36-9+deb12u3", 7.8),
            finding("CVE-2022-3715", "bash", "5.2.15-2+b2", "LOW", "", 3.3),
            finding("CVE-2024-33599", "libc6", "2.36-9", "HIGH", "", 7.6),
        ],
    );
    (
        vec![web, api, worker],
        3,
        [ACCEPTED, UNFIXED_CRITICAL].into_iter().collect(),
    )
}

// ---------------------------------------------------------------------------
// The tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_filter_decide_and_export() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]).await;
    let (uploads, critical, critical_ids) = documents();
    for document in &uploads {
        server.upload(document).await;
    }
    let base = server.base.clone();
    browser
        .run(move |client| async move { flow(client, base, critical, critical_ids).await })
        .await;
    drop(server);
}

async fn flow(client: Client, base: String, critical: usize, critical_ids: BTreeSet<&str>) {
    let http = http();

    // (1) The dashboard.
    client.goto(&format!("{base}/")).await.unwrap();
    let h1 = text(&client, "h1").await;
    assert!(h1.contains("Dashboard"), "h1: {h1}");
    assert_eq!(
        dashboard_critical(&client, &base).await,
        critical.to_string(),
        "open critical findings on the dashboard"
    );
    let top = text(&client, "#top-images").await;
    for image in [WEB, API, WORKER] {
        assert!(top.contains(image), "#top-images lacks {image}: {top}");
    }
    screenshot(&client, "ui-dashboard.png").await;

    // (2) The vulnerability list: the filter form.
    client
        .goto(&format!("{base}/vulnerabilities"))
        .await
        .unwrap();
    let form = css(&client, "form#filters").await;
    assert_eq!(attr(&form, "method").await.to_ascii_lowercase(), "get");
    let all_ids = result_ids(&client).await;
    assert_eq!(all_ids.len(), 7, "every vulnerability: {all_ids:?}");
    let severity = css(&client, "form#filters select[name=severity]").await;
    let mut options = Vec::new();
    for option in severity.find_all(Locator::Css("option")).await.unwrap() {
        options.push(attr(&option, "value").await);
    }
    assert_eq!(
        options,
        ["", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"],
        "severity options"
    );
    css(&client, "form#filters input[name=q]").await;
    let fixable = css(&client, "form#filters input[name=fixable][type=checkbox]").await;
    assert_eq!(attr(&fixable, "value").await, "1");

    severity.select_by_value("CRITICAL").await.unwrap();
    css(&client, "form#filters button#apply")
        .await
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "severity=CRITICAL in the URL", |u| {
        u.query_pairs()
            .any(|(k, v)| k == "severity" && v == "CRITICAL")
    })
    .await;
    let severity_column = column(&client, "Severity").await;
    let severities = column_texts(&client, severity_column).await;
    assert!(
        severities.iter().all(|s| s == "CRITICAL"),
        "severities after filtering: {severities:?}"
    );
    let ids: BTreeSet<String> = result_ids(&client).await.into_iter().collect();
    let expected: BTreeSet<String> = critical_ids.iter().map(|s| s.to_string()).collect();
    assert_eq!(ids, expected, "critical vulnerabilities");
    assert_eq!(severities.len(), critical_ids.len());
    // The form keeps the filter it applied.
    let selected = css(&client, "form#filters select[name=severity]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(selected, "CRITICAL");
    screenshot(&client, "ui-vulnerabilities.png").await;

    // The exports carry the filters.
    let csv_href = attr(&css(&client, "a#export-csv").await, "href").await;
    let json_href = attr(&css(&client, "a#export-json").await, "href").await;
    for (href, format) in [(&csv_href, "csv"), (&json_href, "json")] {
        let url = reqwest::Url::parse(&absolute(&base, href)).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(
            pairs.contains(&("format".into(), format.into())),
            "{href}: format={format}"
        );
        assert!(
            pairs.contains(&("severity".into(), "CRITICAL".into())),
            "{href}: severity=CRITICAL"
        );
    }

    // Fixable only: the critical one without a fix drops out.
    css(&client, "form#filters input[name=fixable][type=checkbox]")
        .await
        .click()
        .await
        .unwrap();
    css(&client, "form#filters button#apply")
        .await
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "fixable=1 in the URL", |u| {
        u.query_pairs().any(|(k, v)| k == "fixable" && v == "1")
    })
    .await;
    assert_eq!(
        result_ids(&client).await,
        [ACCEPTED],
        "critical and fixable"
    );

    // Search for one ID.
    client
        .goto(&format!("{base}/vulnerabilities"))
        .await
        .unwrap();
    css(&client, "form#filters input[name=q]")
        .await
        .send_keys(SEARCHED)
        .await
        .unwrap();
    css(&client, "form#filters button#apply")
        .await
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "q in the URL", |u| {
        u.query_pairs().any(|(k, v)| k == "q" && v == SEARCHED)
    })
    .await;
    assert_eq!(
        result_ids(&client).await,
        [SEARCHED],
        "search for {SEARCHED}"
    );
    let searched_csv = attr(&css(&client, "a#export-csv").await, "href").await;

    // Paging.
    client
        .goto(&format!("{base}/vulnerabilities?per_page=3"))
        .await
        .unwrap();
    let first_page = result_ids(&client).await;
    assert_eq!(first_page.len(), 3, "per_page=3");
    assert!(
        client.find(Locator::Css("a.page-prev")).await.is_err(),
        "a.page-prev on page 1"
    );
    css(&client, "a.page-next").await.click().await.unwrap();
    wait_for_url(&client, "page 2", |u| {
        u.query_pairs().any(|(k, v)| k == "page" && v == "2")
    })
    .await;
    let second_page = result_ids(&client).await;
    assert_eq!(second_page.len(), 3, "page 2");
    assert!(
        first_page.iter().all(|id| !second_page.contains(id)),
        "pages overlap: {first_page:?} {second_page:?}"
    );
    css(&client, "a.page-prev").await;
    css(&client, "a.page-next").await.click().await.unwrap();
    wait_for_url(&client, "page 3", |u| {
        u.query_pairs().any(|(k, v)| k == "page" && v == "3")
    })
    .await;
    assert_eq!(result_ids(&client).await.len(), 1, "page 3");
    assert!(
        client.find(Locator::Css("a.page-next")).await.is_err(),
        "a.page-next on the last page"
    );

    // (3) A vulnerability's page, reached from the filtered list.
    client
        .goto(&format!("{base}/vulnerabilities?severity=CRITICAL"))
        .await
        .unwrap();
    css(
        &client,
        &format!("table#results a.vuln[href$=\"/{ACCEPTED}\"]"),
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for_url(&client, "the vulnerability page", |u| {
        u.path() == format!("/vulnerabilities/{ACCEPTED}")
    })
    .await;
    let h1 = text(&client, "h1").await;
    assert!(h1.contains(ACCEPTED), "h1: {h1}");
    let rows = css_all(&client, "table#findings tbody tr").await;
    assert_eq!(rows.len(), 2, "one row per affected image/package");
    for row in &rows {
        let form = row
            .find(Locator::Css("form.decide"))
            .await
            .expect("form.decide in every row");
        assert_eq!(attr(&form, "method").await.to_ascii_lowercase(), "post");
        let kind = form.find(Locator::Css("select[name=kind]")).await.unwrap();
        let mut kinds = Vec::new();
        for option in kind.find_all(Locator::Css("option")).await.unwrap() {
            kinds.push(attr(&option, "value").await);
        }
        assert_eq!(kinds, ["accepted", "ignored"]);
        form.find(Locator::Css("input[name=justification]"))
            .await
            .unwrap();
        let expires = form
            .find(Locator::Css("input[name=expires]"))
            .await
            .unwrap();
        assert_eq!(attr(&expires, "type").await, "date");
        let csrf = form
            .find(Locator::Css("input[name=csrf][type=hidden]"))
            .await
            .unwrap();
        assert!(
            !attr(&csrf, "value").await.is_empty(),
            "an empty CSRF token"
        );
        form.find(Locator::Css("button.decide-submit"))
            .await
            .unwrap();
    }

    // Accept it in the `web` image.
    let row = find_row(&client, WEB).await;
    let form = row.find(Locator::Css("form.decide")).await.unwrap();
    form.find(Locator::Css("select[name=kind]"))
        .await
        .unwrap()
        .select_by_value("accepted")
        .await
        .unwrap();
    form.find(Locator::Css("input[name=justification]"))
        .await
        .unwrap()
        .send_keys("not reachable")
        .await
        .unwrap();
    // A date input's typing order depends on the locale: set its value.
    let expires = form
        .find(Locator::Css("input[name=expires]"))
        .await
        .unwrap();
    client
        .execute(
            "arguments[0].value = arguments[1]; \
             arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            vec![serde_json::to_value(&expires).unwrap(), json!("2031-06-30")],
        )
        .await
        .unwrap();
    assert_eq!(
        expires.prop("value").await.unwrap().unwrap_or_default(),
        "2031-06-30"
    );
    form.find(Locator::Css("button.decide-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually(&client, "the accepted badge in the web row", || async {
        if !client
            .current_url()
            .await
            .is_ok_and(|u| u.path() == format!("/vulnerabilities/{ACCEPTED}"))
        {
            return false;
        }
        let Some(row) = try_find_row(&client, WEB).await else {
            return false;
        };
        match row.find(Locator::Css(".decision-badge")).await {
            Ok(badge) => badge.text().await.is_ok_and(|t| t.trim() == "accepted"),
            Err(_) => false,
        }
    })
    .await;
    let row = find_row(&client, WEB).await;
    let row_text = row.text().await.unwrap();
    assert!(
        row_text.contains("not reachable"),
        "the web row shows no justification: {row_text}"
    );
    screenshot(&client, "ui-vulnerability.png").await;
    let other = find_row(&client, API).await;
    assert!(
        other.find(Locator::Css(".decision-badge")).await.is_err(),
        "the api row was decided too"
    );
    other
        .find(Locator::Css("form.decide"))
        .await
        .expect("the api row keeps its form");

    assert_eq!(
        dashboard_critical(&client, &base).await,
        (critical - 1).to_string(),
        "open critical findings after accepting one"
    );

    // The OpenVEX export.
    let response = http.get(format!("{base}/api/v1/vex")).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET /api/v1/vex");
    let vex: Value = response.json().await.expect("OpenVEX JSON");
    let statements = vex["statements"].as_array().expect("statements");
    let statement = statements
        .iter()
        .find(|s| {
            s["vulnerability"]["name"] == ACCEPTED
                || s["vulnerability"]["@id"]
                    .as_str()
                    .is_some_and(|id| id.ends_with(ACCEPTED))
                || s["vulnerability"] == ACCEPTED
        })
        .unwrap_or_else(|| panic!("no statement for {ACCEPTED}: {vex:#}"));
    assert!(
        statement.to_string().contains("not reachable"),
        "the statement lacks the justification: {statement:#}"
    );

    // (4) The CSV exports.
    let csv = fetch_csv(&http, &absolute(&base, &csv_href)).await;
    let lines: Vec<&str> = csv.lines().collect();
    let header = lines
        .first()
        .copied()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        header.contains("severity") && (header.contains("id") || header.contains("vulnerability")),
        "CSV header: {header}"
    );
    for id in &critical_ids {
        assert!(
            lines[1..].iter().any(|l| l.contains(id)),
            "no CSV row for {id}:\n{csv}"
        );
    }
    assert!(
        !lines[1..].iter().any(|l| l.contains(SEARCHED)),
        "the severity filter did not apply to the CSV:\n{csv}"
    );
    let csv = fetch_csv(&http, &absolute(&base, &searched_csv)).await;
    let rows: Vec<&str> = csv.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains(SEARCHED)),
        "the searched CSV:\n{csv}"
    );
    let response = http.get(absolute(&base, &json_href)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let exported = response.text().await.unwrap();
    serde_json::from_str::<Value>(&exported).expect("the JSON export parses");
    assert!(
        exported.contains(UNFIXED_CRITICAL),
        "JSON export: {exported}"
    );

    // The other lists render.
    for (path, name) in [
        ("/images", "ui-images.png"),
        ("/applications", "ui-applications.png"),
        ("/packages", "ui-packages.png"),
        ("/scans", "ui-scans.png"),
    ] {
        let status = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "GET {path}");
        client.goto(&format!("{base}{path}")).await.unwrap();
        css(&client, "h1").await;
        screenshot(&client, name).await;
    }
}

async fn fetch_csv(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {url}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/csv"),
        "{url}: content-type {content_type}"
    );
    response.text().await.unwrap()
}

async fn try_find_row(client: &Client, image: &str) -> Option<Element> {
    for row in client
        .find_all(Locator::Css("table#findings tbody tr"))
        .await
        .ok()?
    {
        if row.text().await.is_ok_and(|t| t.contains(image)) {
            return Some(row);
        }
    }
    None
}

async fn find_row(client: &Client, image: &str) -> Element {
    match try_find_row(client, image).await {
        Some(row) => row,
        None => panic!("no findings row for {image}\n{}", page_text(client).await),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_has_no_decision_forms() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Fill the database with a writable server, then serve it read-only.
    {
        let server = Server::start(dir.path(), &[]).await;
        let (uploads, _, _) = documents();
        server.upload(&uploads[0]).await;
    }
    let server = Server::start(dir.path(), &["--read-only"]).await;
    let base = server.base.clone();
    let (uploads, _, _) = documents();
    let response = http()
        .post(server.url("/api/v1/uploads/image-scan"))
        .bearer_auth(TOKEN)
        .json(&uploads[1])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(response.status().as_u16(), 403 | 405),
        "an upload to a read-only server: {}",
        response.status()
    );
    browser
        .run(move |client| async move {
            client
                .goto(&format!("{base}/vulnerabilities/{ACCEPTED}"))
                .await
                .unwrap();
            let h1 = text(&client, "h1").await;
            assert!(h1.contains(ACCEPTED), "h1: {h1}");
            let rows = css_all(&client, "table#findings tbody tr").await;
            assert_eq!(rows.len(), 1, "the web image's finding");
            assert!(
                css_all(&client, "form.decide").await.is_empty(),
                "decision forms on a read-only server"
            );
        })
        .await;
    drop(server);
}
