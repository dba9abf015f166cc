//! schemathesis against `/openapi.json` (issue 15, finding 13): every response's status, content
//! type and schema are documented, no request the description allows is refused, nothing is
//! a 5xx. The server is read-only, so writes are answered 403 and no webhook is ever created
//! (schemathesis would invent public hosts). Not checked: `negative_data_rejection` (the server
//! deliberately accepts more than the description says — codes in any case, surrounding spaces,
//! words in any script), and the two auth checks a read-only server cannot exercise.
//!
//! Runs when schemathesis is installed (`.ci/run` installs it): `MARSAD_SCHEMATHESIS` names the
//! program, else `schemathesis` on PATH, else `python3 -m schemathesis.cli`; otherwise it says it
//! skipped (and fails under `MARSAD_REQUIRE_SCHEMATHESIS=1`).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn schemathesis() -> Option<Command> {
    if let Ok(p) = std::env::var("MARSAD_SCHEMATHESIS") {
        return Some(Command::new(p));
    }
    if runs("schemathesis", &[]) {
        return Some(Command::new("schemathesis"));
    }
    if runs("python3", &["-m", "schemathesis.cli"]) {
        let mut c = Command::new("python3");
        c.args(["-m", "schemathesis.cli"]);
        return Some(c);
    }
    None
}

#[test]
fn the_api_conforms_to_its_openapi_description() {
    let Some(mut st) = schemathesis() else {
        assert!(std::env::var("MARSAD_REQUIRE_SCHEMATHESIS").is_err(), "schemathesis is required but not installed");
        eprintln!("skipped: schemathesis is not installed (pip install schemathesis)");
        return;
    };
    let t = TempDir::new("schemathesis");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, None);
    // (its output goes to a file, not a pipe: a pipe nobody reads until the end fills at 64 KiB
    // and stalls schemathesis, which then looks like a hung server)
    let log_path = t.0.join("schemathesis.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = st
        .current_dir(&t.0)
        .args(["run", &format!("{}/openapi.json", srv.base)])
        .args(["--checks", "all", "--exclude-checks", "negative_data_rejection,missing_required_header,ignored_auth"])
        .args(["--max-examples", "20", "--seed", "15", "--workers", "2", "--generation-database", "none", "--request-timeout", "20"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            panic!("schemathesis ran over 300 s; its last lines:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: String = text.lines().rev().take(80).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    eprintln!("{}", text.lines().last().unwrap_or(""));
    assert!(status.success(), "schemathesis found mismatches:\n{tail}");
}
