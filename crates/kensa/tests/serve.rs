//! `kensa serve --admission` as a process: manifests, usage errors, and a
//! server that starts from a snapshot, answers on loopback and stops
//! cleanly on SIGTERM. (The HTTP behaviour itself is tested against the
//! library in kensa-server's tests.)

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::str::contains;

fn kensa() -> Command {
    Command::cargo_bin("kensa").unwrap()
}

#[test]
fn prints_manifests_for_a_namespace() {
    kensa()
        .args([
            "serve",
            "--admission",
            "--print-manifests",
            "--namespace",
            "sec",
        ])
        .assert()
        .success()
        .stdout(contains("kind: ValidatingWebhookConfiguration"))
        .stdout(contains("kind: PodDisruptionBudget"))
        .stdout(contains("values: [\"sec\"]"))
        .stdout(contains("replicas: 2"));
}

#[test]
fn usage_errors_exit_2_and_say_what() {
    kensa()
        .args(["serve", "--admission", "--tls-key", "k.pem"])
        .assert()
        .code(2)
        .stderr(contains("--tls-cert"));
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("broken.json");
    std::fs::write(&snapshot, "{\"kind\":").unwrap();
    kensa()
        .args([
            "serve",
            "--admission",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ])
        .arg("--snapshot")
        .arg(&snapshot)
        .assert()
        .code(2)
        .stderr(contains("broken.json"));
}

#[test]
fn serves_from_a_snapshot_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.path().join("tls.crt"), issued.cert.pem()).unwrap();
    std::fs::write(
        dir.path().join("tls.key"),
        issued.signing_key.serialize_pem(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cluster.json"),
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev"}}]}"#,
    )
    .unwrap();
    // Pick a free port, then let the server bind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("kensa"))
        .args([
            "serve",
            "--admission",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .arg("--snapshot")
        .arg(dir.path().join("cluster.json"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.contains(&format!("https://127.0.0.1:{port}/validate")),
        "{first}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGTERM, as the kubelet sends: drain and exit 0.
    let pid = child.id().to_string();
    assert!(
        StdCommand::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{status}: {rest}");
    assert!(
        rest.contains("shutting down") && rest.contains("stopped"),
        "{rest}"
    );
}
