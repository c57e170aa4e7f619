//! The PostgreSQL test harness (support/postgres.rs) itself: a server
//! starts, answers `select 1`, hands out fresh databases, and stops on drop.

#[path = "support/postgres.rs"]
mod postgres;

#[test]
fn starts_answers_and_creates_databases() {
    let Some(server) = postgres::Postgres::start() else {
        return;
    };
    let output = server.psql(&server.url, &["-tA", "-c", "select 1"]);
    assert!(
        output.status.success(),
        "psql: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1");

    let first = server.fresh_database("harness_one");
    let second = server.fresh_database("harness_two");
    assert_ne!(first, second);
    for url in [&first, &second] {
        let output = server.psql(url, &["-tA", "-c", "select current_database()"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let name = url.rsplit('/').next().unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), name);
    }

    // Dropping stops the server: the port no longer answers.
    let url = server.url.clone();
    drop(server);
    let output = std::process::Command::new("psql")
        .args(["-X", "-tA", "-d", &url, "-c", "select 1"])
        .env("PGCONNECT_TIMEOUT", "2")
        .output()
        .expect("run psql");
    assert!(!output.status.success(), "server still answers after drop");
}
