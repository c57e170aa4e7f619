//! `kensa serve` (vulnerability management) as a process: `kensa image
//! scan --upload` and `kensa scan --upload` filling it, usage errors, and
//! kill -9 in the middle of an ingest leaving the database whole.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::{Value, json};

const TOKEN: &str = "serve-vm-test-token";

fn kensa() -> Command {
    let mut command = Command::cargo_bin("kensa").unwrap();
    command.env(
        "KENSA_CACHE_DIR",
        std::env::temp_dir().join("kensa-serve-vm-cache"),
    );
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `kensa serve` child; killed (by its pid) on drop.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(dir, extra, &[])
    }

    fn start_with_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
        let port = free_port();
        let log = dir.join(format!("serve-{port}.log"));
        let child = StdCommand::new(assert_cmd::cargo::cargo_bin("kensa"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(format!("sqlite://{}", dir.join("vm.db").display()))
            .arg("--token-file")
            .arg(dir.join("token"))
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while get(&server.url, "/healthz").is_none() {
            assert!(
                Instant::now() < deadline,
                "the server never answered: {}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// GET through curl (a separate process, like any client).
fn get(base: &str, path: &str) -> Option<Value> {
    let output = StdCommand::new("curl")
        .args(["-sf", "--max-time", "10", &format!("{base}{path}")])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

fn total(base: &str, path: &str) -> i64 {
    get(base, path)
        .and_then(|v| v["total"].as_i64())
        .unwrap_or_else(|| panic!("{path} answered no list"))
}

fn fixtures() -> Option<PathBuf> {
    match std::env::var_os("KENSA_IMAGE_FIXTURES") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "KENSA_IMAGE_FIXTURES is needed under CI (scripts/test.sh sets it)"
            );
            eprintln!("SKIP: KENSA_IMAGE_FIXTURES is not set (scripts/test.sh builds them)");
            None
        }
    }
}

/// A vulnerability database imported from the bookworm tracker fixture.
fn vulnerability_db(dir: &Path) -> PathBuf {
    let db = dir.join("vulndb");
    kensa()
        .args(["db", "import", "--quiet", "--db"])
        .arg(&db)
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/image/bookworm-tracker.json"),
        )
        .assert()
        .success();
    db
}

#[test]
fn image_scan_and_scan_upload_to_the_server() {
    let Some(fixtures) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let db = vulnerability_db(dir.path());
    let image = format!("dir:{}/debian-rootfs", fixtures.display());
    let local = kensa()
        .args(["image", "scan", "-o", "json", "--exit-code", "0", "--db"])
        .arg(&db)
        .arg(&image)
        .output()
        .unwrap();
    assert!(local.status.success());
    let local: Value = serde_json::from_slice(&local.stdout).unwrap();
    let mut expected: Vec<String> = local["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().unwrap().iter())
        .map(|v| v["vulnerability_id"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    expected.dedup();
    assert!(!expected.is_empty(), "the fixture database has findings");

    // A filtered local report still uploads every finding.
    kensa()
        .args([
            "image",
            "scan",
            "--exit-code",
            "0",
            "--severity",
            "CRITICAL",
            "--db",
        ])
        .arg(&db)
        .args(["--upload", &server.url, "--token-file"])
        .arg(dir.path().join("token"))
        .args([
            "--cluster-name",
            "prod",
            "--namespace-name",
            "base",
            "--application",
            "debian-tools",
        ])
        .arg(&image)
        .assert()
        .success()
        .stderr(contains("uploaded: scan #1 on the server"));
    let listed = get(&server.url, "/api/v1/vulnerabilities?per_page=500").unwrap();
    let mut ids: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, expected);
    let apps = get(&server.url, "/api/v1/applications").unwrap();
    assert_eq!(apps["items"][0]["name"], "debian-tools");
    assert_eq!(apps["items"][0]["namespace"], "base");
    assert_eq!(apps["items"][0]["cluster"], "prod");
    let packages = local["summary"]["packages"].as_i64().unwrap();
    let images = get(&server.url, "/api/v1/images").unwrap();
    assert_eq!(images["items"][0]["packages"], packages);
    assert_eq!(total(&server.url, "/api/v1/packages"), packages);

    // Ignoring a finding on the server suppresses it locally through the
    // server's OpenVEX export.
    let finding = &get(&server.url, "/api/v1/findings?per_page=1").unwrap()["items"][0];
    let (id, vulnerability) = (
        finding["id"].as_i64().unwrap(),
        finding["vulnerability"].as_str().unwrap().to_owned(),
    );
    let decided = StdCommand::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["-H", "Content-Type: application/json"])
        .args([
            "--data",
            r#"{"kind": "ignored", "justification": "not reachable from the entrypoint"}"#,
        ])
        .arg(format!("{}/api/v1/findings/{id}/decision", server.url))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&decided.stdout), "204");
    let vex = dir.path().join("server.openvex.json");
    std::fs::write(
        &vex,
        serde_json::to_vec(&get(&server.url, "/api/v1/vex").unwrap()).unwrap(),
    )
    .unwrap();
    let suppressed = kensa()
        .args(["image", "scan", "-o", "json", "--exit-code", "0", "--db"])
        .arg(&db)
        .arg("--vex")
        .arg(&vex)
        .arg(&image)
        .output()
        .unwrap();
    assert!(suppressed.status.success());
    let suppressed: Value = serde_json::from_slice(&suppressed.stdout).unwrap();
    let ids: Vec<&str> = suppressed["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["vulnerability_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&vulnerability.as_str()), "{suppressed}");

    // A wrong token: the report is still printed, the exit code says the upload failed.
    kensa()
        .args(["image", "scan", "-o", "json", "--exit-code", "0", "--db"])
        .arg(&db)
        .args(["--upload", &server.url, "--token", "wrong"])
        .arg(&image)
        .assert()
        .code(2)
        .stdout(contains("\"schema_version\""))
        .stderr(contains("401"));

    // kensa scan --upload files misconfigurations.
    let manifest = dir.path().join("pod.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: root, namespace: shop}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    let scan = kensa()
        .arg("scan")
        .arg(&manifest)
        .args(["--upload", &server.url, "--cluster-name", "prod"])
        .env("KENSA_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(1), "findings: exit 1");
    assert!(
        String::from_utf8_lossy(&scan.stderr).contains("new misconfigurations"),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let misconfigurations = get(&server.url, "/api/v1/misconfigurations?per_page=500").unwrap();
    assert!(misconfigurations["total"].as_i64().unwrap() > 0);
    assert!(
        misconfigurations["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["resource"] == "Pod/root" && m["namespace"] == "shop")
    );
}

#[test]
fn usage_errors_say_what() {
    kensa()
        .args(["serve", "--db", "mysql://x/y", "--listen", "127.0.0.1:0"])
        .assert()
        .code(2)
        .stderr(contains("unsupported database URL"));
    kensa()
        .args(["serve", "--admission", "--db", "sqlite:///tmp/x.db"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    kensa()
        .args(["serve", "--listen", "127.0.0.1:0", "--scan-interval", "1h"])
        .arg("--db")
        .arg(format!("sqlite://{}", dir.path().join("a.db").display()))
        .arg("--token-file")
        .arg(dir.path().join("missing-token"))
        .assert()
        .code(2)
        .stderr(contains("missing-token"));
    let broken = dir.path().join("pods.json");
    std::fs::write(&broken, "{\"kind\": \"List\", \"items\": [").unwrap();
    std::fs::write(dir.path().join("token"), "t\n").unwrap();
    kensa()
        .args(["serve", "--listen", "127.0.0.1:0", "--scan-snapshot"])
        .arg(&broken)
        .arg("--token-file")
        .arg(dir.path().join("token"))
        .arg("--db")
        .arg(format!("sqlite://{}", dir.path().join("b.db").display()))
        .assert()
        .code(2)
        .stderr(contains("pods.json"))
        .stderr(contains("line 1"));
    kensa()
        .args([
            "image",
            "scan",
            "dir:/nonexistent",
            "--upload",
            "http://127.0.0.1:1",
        ])
        .env_remove("KENSA_TOKEN")
        .assert()
        .code(2);
}

/// An upload big enough to take a while to write.
fn big_upload(packages: usize, per_package: usize, digest: u8) -> Value {
    let packages_json: Vec<Value> = (0..packages)
        .map(|p| {
            json!({"purl": format!("pkg:deb/debian/pkg{p}@1.{p}"), "name": format!("pkg{p}"),
                   "version": format!("1.{p}"), "type": "deb", "licenses": ["MIT"]})
        })
        .collect();
    let findings: Vec<Value> = (0..packages)
        .flat_map(|p| {
            (0..per_package).map(move |v| {
                let severity = ["CRITICAL", "HIGH", "MEDIUM", "LOW"][v % 4];
                json!({"vulnerability_id": format!("CVE-2099-{:05}", p * per_package + v),
                       "purl": format!("pkg:deb/debian/pkg{p}@1.{p}"), "installed_version": format!("1.{p}"),
                       "fixed_version": if v % 2 == 0 { "2.0" } else { "" },
                       "status": if v % 2 == 0 { "fixed" } else { "affected" },
                       "severity": severity,
                       "title": "t", "description": "d", "references": [], "aliases": []})
            })
        })
        .collect();
    json!({"schema_version": 1,
           "placements": [{"cluster": "c", "namespace": "n", "application": "a"}],
           "image": {"name": format!("big:{digest}"), "digest": format!("sha256:{}", format!("{digest:02x}").repeat(32)), "os": "", "platform": ""},
           "packages": packages_json, "findings": findings})
}

/// The database as the server sees it: (images, open findings, scans),
/// after checking that every image's counts agree with its findings.
fn state(base: &str) -> (i64, i64, i64) {
    let images = get(base, "/api/v1/images?per_page=500").unwrap();
    for image in images["items"].as_array().unwrap() {
        let counts = &image["counts"];
        let sum: i64 = ["critical", "high", "medium", "low", "unknown"]
            .iter()
            .map(|k| counts[k].as_i64().unwrap())
            .sum();
        let digest = image["digest"].as_str().unwrap();
        let listed = total(base, &format!("/api/v1/findings?per_page=1&image={digest}"));
        assert_eq!(sum, listed, "{digest}: counts agree with the findings");
    }
    (
        images["total"].as_i64().unwrap(),
        total(base, "/api/v1/findings?per_page=1"),
        total(base, "/api/v1/scans"),
    )
}

/// Posts `body` with curl; returns the child (its stdout is the status code).
fn post_in_background(server: &Server, body: &Path) -> Child {
    StdCommand::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["-H", "Content-Type: application/json"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .arg(format!("{}/api/v1/uploads/image-scan", server.url))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn answer(mut curl: Child) -> String {
    let mut code = String::new();
    curl.stdout
        .take()
        .unwrap()
        .read_to_string(&mut code)
        .unwrap();
    let _ = curl.wait();
    code.trim().to_owned()
}

#[test]
fn kill_9_mid_ingest_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (packages, per_package) = (4000, 10);
    let expected = i64::try_from(packages * per_package).unwrap();
    let body = |digest: u8| {
        let path = dir.path().join(format!("upload-{digest}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec(&big_upload(packages, per_package, digest)).unwrap(),
        )
        .unwrap();
        path
    };
    // How long one upload takes here, so that the kills below land inside it.
    let server = Server::start(dir.path(), &[]);
    let started = Instant::now();
    assert_eq!(answer(post_in_background(&server, &body(1))), "201");
    let full = started.elapsed();
    assert_eq!(state(&server.url), (1, expected, 1));
    drop(server);

    let mut interrupted = 0;
    for (round, fraction) in [0.2, 0.4, 0.6, 0.75, 0.9].into_iter().enumerate() {
        let digest = u8::try_from(round + 2).unwrap();
        let upload = body(digest);
        let mut server = Server::start(dir.path(), &[]);
        let before = state(&server.url);
        let curl = post_in_background(&server, &upload);
        std::thread::sleep(full.mul_f64(fraction));
        server.kill_9();
        let answered = answer(curl) == "201";
        drop(server);

        let server = Server::start(dir.path(), &[]);
        let after = state(&server.url);
        let whole = (before.0 + 1, before.1 + expected, before.2 + 1);
        if answered {
            assert_eq!(after, whole, "an answered upload is all there");
        } else {
            interrupted += 1;
            assert!(
                after == before || after == whole,
                "killed at {fraction} of an upload: before {before:?}, after {after:?}"
            );
        }
    }
    assert!(interrupted > 0, "no round was killed before its answer");
}

/// Waits until the newest scan has ended; returns it.
fn wait_for_scan(base: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let scans = get(base, "/api/v1/scans").unwrap();
        if let Some(newest) = scans["items"].as_array().unwrap().first()
            && newest["status"] != "running"
        {
            return newest.clone();
        }
        assert!(Instant::now() < deadline, "the scan never ended: {scans}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn scheduled_and_on_demand_cluster_scans() {
    let Some(fixtures) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = vulnerability_db(dir.path());
    // The registry path is tested against a real registry in kensa-server's
    // vm_runtime_scan; here the wiring: a snapshot naming a local rootfs.
    let image = format!("dir:{}/debian-rootfs", fixtures.display());
    let pod = json!({"apiVersion": "v1", "kind": "List", "items": [{
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "tools-0", "namespace": "ops",
                     "labels": {"app.kubernetes.io/name": "tools"}},
        "spec": {"containers": [{"name": "c", "image": image}]},
        "status": {"phase": "Running"}}]});
    let snapshot = dir.path().join("pods.json");
    std::fs::write(&snapshot, serde_json::to_vec(&pod).unwrap()).unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--scan-snapshot",
            snapshot.to_str().unwrap(),
            "--cluster-name",
            "lab",
            "--scan-interval",
            "1h",
            "--vuln-db",
            db.to_str().unwrap(),
        ],
    );
    // The schedule scans at start.
    let first = wait_for_scan(&server.url);
    assert_eq!(first["kind"], "runtime");
    assert_eq!(first["status"], "completed", "{first}");
    assert_eq!(first["images_done"], 1);
    assert!(first["new_findings"].as_i64().unwrap() > 0);
    let apps = get(&server.url, "/api/v1/applications").unwrap();
    assert_eq!(apps["items"][0]["name"], "tools");
    assert_eq!(apps["items"][0]["cluster"], "lab");

    // On demand: POST /api/v1/scans with a token.
    let started = StdCommand::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .arg(format!("{}/api/v1/scans", server.url))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&started.stdout).to_string();
    assert!(text.trim_end().ends_with("202"), "{text}");
    std::thread::sleep(Duration::from_millis(100));
    let second = wait_for_scan(&server.url);
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["status"], "completed");
    assert_eq!(second["new_findings"], 0, "nothing new the second time");
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("runtime scan"), "{log}");
    assert!(!log.contains(TOKEN), "no token in the log");
}

#[test]
fn scans_a_live_cluster_through_kube_rs() {
    let Some(fixtures) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = vulnerability_db(dir.path());
    let image = format!("dir:{}/debian-rootfs", fixtures.display());
    // A Deployment's pods, listed in pages as the API server does, with the
    // ReplicaSet and Deployment that own them.
    let pods: Vec<Value> = (0..3)
        .map(|i| {
            json!({"metadata": {"name": format!("web-7d9-{i}"), "namespace": "shop",
                "labels": {"pod-template-hash": "7d9"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-7d9", "uid": "rs1", "controller": true}]},
                "spec": {"containers": [{"name": "app", "image": image}]},
                "status": {"phase": "Running"}})
        })
        .collect();
    let replica_set = json!({"metadata": {"name": "web-7d9", "namespace": "shop", "uid": "rs1",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
            "uid": "d1", "controller": true}]},
        "spec": {"selector": {"matchLabels": {"app": "web"}}}});
    let deployment = json!({"metadata": {"name": "web", "namespace": "shop", "uid": "d1"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
    let list = |kind: &'static str, items: Vec<Value>| support::Answer::List {
        kind,
        items,
        page: 2,
    };
    let api = support::start(vec![
        ("/api/v1/pods", list("PodList", pods)),
        (
            "/apis/apps/v1/replicasets",
            list("ReplicaSetList", vec![replica_set]),
        ),
        (
            "/apis/apps/v1/deployments",
            list("DeploymentList", vec![deployment]),
        ),
        (
            "/apis/apps/v1/statefulsets",
            list("StatefulSetList", vec![]),
        ),
        ("/apis/apps/v1/daemonsets", list("DaemonSetList", vec![])),
        ("/apis/batch/v1/jobs", list("JobList", vec![])),
        ("/apis/batch/v1/cronjobs", list("CronJobList", vec![])),
    ]);
    let kubeconfig = support::kubeconfig(&dir, &api.url);
    let server = Server::start_with_env(
        dir.path(),
        &[
            "--scan-cluster",
            "--context",
            "local-ctx",
            "--cluster-name",
            "live",
            "--scan-interval",
            "1h",
            "--vuln-db",
            db.to_str().unwrap(),
        ],
        &[("KUBECONFIG", kubeconfig.to_str().unwrap())],
    );
    let scan = wait_for_scan(&server.url);
    assert_eq!(scan["status"], "completed", "{scan}");
    assert_eq!(scan["images_total"], 1, "three pods, one image");
    let apps = get(&server.url, "/api/v1/applications").unwrap();
    assert_eq!(apps["total"], 1);
    assert_eq!(apps["items"][0]["name"], "web");
    assert_eq!(apps["items"][0]["kind"], "Deployment");
    assert_eq!(apps["items"][0]["namespace"], "shop");
    assert_eq!(apps["items"][0]["cluster"], "live");
    let seen = api.seen.lock().unwrap().join("\n");
    assert!(seen.contains("GET /apis/apps/v1/replicasets"), "{seen}");
}
