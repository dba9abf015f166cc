//! The findings of the adversarial audit (issue 15), one test each, scaled to run in seconds:
//! webhooks that never answer do not slow reads; idle, slow and surplus connections are closed
//! or kept waiting; webhooks cannot reach inside; deleted subscriptions stop and their ids are
//! not reused; the token need not be on the command line; every error is the documented JSON.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

fn post_sub(base: &str, token: &str, body: &str) -> (u16, serde_json::Value) {
    let mut r = agent().post(&format!("{base}/api/subscriptions")).header("Authorization", &format!("Bearer {token}")).send(body).unwrap();
    let s = r.status().as_u16();
    (s, serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default()).unwrap_or_default())
}

/// An article with a new Russia–Kazakhstan meeting (the test lexicon knows التقى).
fn new_article(t: &TempDir, name: &str, day: u32) -> std::path::PathBuf {
    let p = t.0.join(name);
    std::fs::write(
        &p,
        format!("موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم {day} ديسمبر 2025، وبحثا التعاون الاقتصادي بين البلدين.\n"),
    )
    .unwrap();
    p
}

fn threads_of(pid: u32) -> Option<usize> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|v| v.trim().parse().ok())
}

fn fds_of(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// A receiver that accepts connections and never answers (nor reads); counts connections.
fn black_hole() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let n = Arc::new(AtomicUsize::new(0));
    let c = n.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            held.push(s);
        }
    });
    (url, n)
}

/// Finding 1. 60 subscriptions to a receiver that never answers, then an ingest: deliveries
/// run on their own few threads, so the server's threads stay bounded (before: one blocking
/// thread per subscription, 600 of them froze every read) and reads stay fast; the 61st
/// subscription is refused at the cap.
#[test]
fn webhooks_that_never_answer_do_not_slow_reads() {
    let t = TempDir::new("blackhole");
    let (data, db) = seeded(&t);
    let srv = Server::start_with(&db, Some("tok"), &["--allow-private-webhooks", "--max-subscriptions", "60"]);
    let b = srv.base.clone();
    let (hole, conns) = black_hole();
    for i in 0..60 {
        let (s, v) = post_sub(&b, "tok", &format!(r#"{{"name":"hole {i}","filter":{{"dyad":"RUS-KAZ"}},"webhook":"{hole}/{i}"}}"#));
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = post_sub(&b, "tok", &format!(r#"{{"name":"one too many","webhook":"{hole}/x"}}"#));
    assert_eq!(s, 409, "the cap on subscriptions: {v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("at most 60"), "{v}");
    ingest(&data, &db, &[new_article(&t, "new.txt", 3)]);
    assert!(wait_until(Duration::from_secs(10), || conns.load(Ordering::SeqCst) >= 8), "deliveries started");
    // reads while every sender waits on the black hole
    let ag = agent();
    let mut lat = Vec::new();
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let t0 = Instant::now();
        let r = ag.get(&format!("{b}/api/events?dyad=RUS-KAZ&limit=5")).call().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        lat.push(t0.elapsed());
    }
    lat.sort();
    let p99 = lat[lat.len() * 99 / 100];
    eprintln!("black hole: {} reads, p50 {:?}, p99 {:?}, {} connections to the receiver", lat.len(), lat[lat.len() / 2], p99, conns.load(Ordering::SeqCst));
    // generous for a loaded 2-core CI machine; measured by hand: see docs/serve.md
    assert!(p99 < Duration::from_millis(500), "read p99 {p99:?}");
    if let Some(n) = threads_of(srv.pid()) {
        assert!(n < 45, "the server runs {n} threads with 60 subscriptions waiting on a black hole");
    }
}

/// Finding 2. Idle connections, connections that trickle a partial request head, and a
/// kept-alive connection are closed after the idle timeout (here 1 s; 200 connections, scaled
/// down from the audit's 2,000), and a new request is served meanwhile.
#[test]
fn idle_and_slow_connections_are_closed_and_new_requests_served_meanwhile() {
    let t = TempDir::new("idle");
    let (_, db) = seeded(&t);
    let srv = Server::start_with(&db, None, &["--idle-timeout-ms", "1000"]);
    let addr = srv.base.trim_start_matches("http://").to_string();
    let mut idle: Vec<TcpStream> = (0..200).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    for s in idle.iter_mut().take(20) {
        s.write_all(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n").unwrap(); // never finished
    }
    let mut kept = TcpStream::connect(&addr).unwrap();
    kept.write_all(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let t0 = Instant::now();
    let (s, _) = get(&format!("{}/api/stats", srv.base));
    assert_eq!(s, 200);
    assert!(t0.elapsed() < Duration::from_millis(900), "a new request waited {:?}", t0.elapsed());
    idle.push(kept);
    // every one of them is closed by the server within the timeout (and a margin)
    let deadline = Instant::now() + Duration::from_secs(4);
    for (i, s) in idle.iter_mut().enumerate() {
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "connection {i} still open after 4 s");
            s.set_read_timeout(Some(left)).unwrap();
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => continue, // the kept-alive one's answer
            }
        }
    }
}

/// Finding 2. At most --max-connections are open at once: 150 clients connect to a server
/// allowing 40, and the server holds no more sockets than that (before: one per client, until
/// the open-file limit); a request still gets its answer once idle ones are closed.
#[test]
fn connections_are_capped() {
    let t = TempDir::new("cap");
    let (_, db) = seeded(&t);
    let srv = Server::start_with(&db, None, &["--idle-timeout-ms", "1500", "--max-connections", "40"]);
    let addr = srv.base.trim_start_matches("http://").to_string();
    let base_fds = fds_of(srv.pid());
    let _idle: Vec<TcpStream> = (0..150).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    // (a few more for the webhook poller's reading connection, opened and closed every 100 ms)
    if let (Some(before), Some(now)) = (base_fds, fds_of(srv.pid())) {
        assert!(now <= before + 40 + 8, "the server holds {now} descriptors (at start {before}) for 150 clients with a cap of 40");
    }
    let t0 = Instant::now();
    let (s, _) = get(&format!("{}/api/stats", srv.base));
    assert_eq!(s, 200);
    assert!(t0.elapsed() < Duration::from_secs(10), "served after {:?}", t0.elapsed());
}

/// Finding 2. With a low open-file limit the connection cap is lowered to fit under it, so
/// client sockets can never use the descriptors the store needs (the audit's "unable to open
/// database file" at 19,980 idle connections).
#[cfg(target_os = "linux")]
#[test]
fn the_connection_cap_fits_under_the_open_file_limit() {
    let t = TempDir::new("nofile");
    let (_, db) = seeded(&t);
    let bin = env!("CARGO_BIN_EXE_marsad");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 400 && exec '{bin}' serve --addr 127.0.0.1:0 --idle-timeout-ms 1000 --db '{}'", db.display()))
        .env_remove("MARSAD_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).unwrap().to_string();
    // more clients than the limit allows descriptors
    let _held: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let (s, _) = get(&format!("http://{addr}/api/stats"));
    assert_eq!(s, 200, "the store is still readable");
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-connections lowered to 144"), "{err}");
    assert!(!err.contains("unable to open"), "{err}");
}

/// Finding 6. Webhook hosts that are (or resolve to) loopback, private, link-local or
/// unspecified addresses are refused, in every spelling the audit tried.
#[test]
fn webhooks_cannot_reach_inside() {
    let t = TempDir::new("ssrf");
    let (_, db) = seeded(&t);
    let srv = Server::start_with(&db, Some("tok"), &[]);
    for host in [
        "169.254.169.254",
        "10.0.0.1",
        "localhost:22",
        "127.0.0.1:8080",
        "[::1]",
        "0.0.0.0",
        "2130706433",
        "0x7f000001",
        "127.1",
        "192.168.0.1",
        "[::ffff:127.0.0.1]",
    ] {
        let (s, v) = post_sub(&srv.base, "tok", &format!(r#"{{"name":"x","webhook":"http://{host}/hook"}}"#));
        assert_eq!(s, 400, "{host}: {v}");
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("webhook"), "{host}: {v}");
    }
    assert_eq!(get_json(&format!("{}/api/subscriptions", srv.base))["subscriptions"].as_array().unwrap().len(), 0);
}

/// Finding 6. A redirect is not followed (the 302's target sees nothing) and why a delivery
/// failed is shown only with the token.
#[test]
fn webhook_redirects_are_not_followed_and_errors_need_the_token() {
    let t = TempDir::new("redirect");
    let (data, db) = seeded(&t);
    let srv = Server::start_with(&db, Some("tok"), &["--allow-private-webhooks", "--webhook-attempts", "2", "--webhook-backoff-ms", "100"]);
    let inside = TcpListener::bind("127.0.0.1:0").unwrap();
    let inside_addr = inside.local_addr().unwrap();
    inside.set_nonblocking(true).unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.read(&mut buf);
            let _ = s.write_all(format!("HTTP/1.1 302 Found\r\nLocation: http://{inside_addr}/secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
        }
    });
    let b = srv.base.clone();
    let ag = agent();
    let mut r = ag
        .post(&format!("{b}/api/subscriptions"))
        .header("Authorization", "Bearer tok")
        .send(format!(r#"{{"name":"redir","filter":{{"dyad":"RUS-KAZ"}},"webhook":"{url}/hook"}}"#).as_str())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = serde_json::from_str::<serde_json::Value>(&r.body_mut().read_to_string().unwrap()).unwrap()["subscription"]["id"].as_i64().unwrap();
    ingest(&data, &db, &[new_article(&t, "new.txt", 4)]);
    let detail = |tok: bool| -> serde_json::Value {
        let mut req = ag.get(&format!("{b}/api/subscriptions/{id}"));
        if tok {
            req = req.header("Authorization", "Bearer tok");
        }
        serde_json::from_str(&req.call().unwrap().body_mut().read_to_string().unwrap()).unwrap()
    };
    assert!(wait_until(Duration::from_secs(10), || !detail(true)["deliveries"].as_array().unwrap().is_empty()), "the delivery was given up");
    assert!(inside.accept().is_err(), "the redirect's target was contacted");
    let with = detail(true);
    assert_eq!(with["deliveries"][0]["ok"], false, "{with}");
    assert_eq!(with["deliveries"][0]["status"], "HTTP 302", "{with}");
    let without = detail(false);
    let st = without["deliveries"][0]["status"].as_str().unwrap();
    assert!(!st.contains("302") && st.contains("token"), "{without}");
}

/// Finding 7. Deleting a subscription stops its deliveries at once (before: its retries went
/// on), and the next subscription gets a new id without the old one's deliveries.
#[test]
fn deleted_subscriptions_stop_delivering_and_their_ids_are_not_reused() {
    let t = TempDir::new("delete");
    let (data, db) = seeded(&t);
    let srv = Server::start(&db, Some("tok"));
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let posts = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let p = posts.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.read(&mut buf);
            p.lock().unwrap().push(Instant::now());
            let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let b = srv.base.clone();
    let (s, v) = post_sub(&b, "tok", &format!(r#"{{"name":"failing","filter":{{"dyad":"RUS-KAZ"}},"webhook":"{url}/hook"}}"#));
    assert_eq!(s, 201);
    let id = v["subscription"]["id"].as_i64().unwrap();
    ingest(&data, &db, &[new_article(&t, "new.txt", 5)]);
    assert!(wait_until(Duration::from_secs(10), || posts.lock().unwrap().len() >= 2), "two attempts arrived");
    let s = agent().delete(&format!("{b}/api/subscriptions/{id}")).header("Authorization", "Bearer tok").call().unwrap().status().as_u16();
    assert_eq!(s, 204);
    let at_delete = posts.lock().unwrap().len();
    // the remaining retries would come after 1, 2, 4 and 8 s
    std::thread::sleep(Duration::from_millis(3500));
    let after = posts.lock().unwrap().len();
    assert!(after <= at_delete + 1, "{} POSTs after the delete", after - at_delete);
    let (s, v) = post_sub(&b, "tok", r#"{"name":"next"}"#);
    assert_eq!(s, 201);
    let next = v["subscription"]["id"].as_i64().unwrap();
    assert!(next > id, "the deleted id {id} was given again ({next})");
    assert_eq!(get_json(&format!("{b}/api/subscriptions/{next}"))["deliveries"].as_array().unwrap().len(), 0);
    assert_eq!(get(&format!("{b}/api/subscriptions/{id}")).0, 404);
}

/// Finding 11. The token can be given in a file (or MARSAD_TOKEN) and then appears on no
/// command line.
#[test]
fn the_token_comes_from_a_file_and_not_the_command_line() {
    let t = TempDir::new("tokfile");
    let (_, db) = seeded(&t);
    let f = t.0.join("token");
    std::fs::write(&f, "file-s3cret\n").unwrap();
    let srv = Server::start_with(&db, None, &["--token-file", f.to_str().unwrap()]);
    if let Ok(cmd) = std::fs::read(format!("/proc/{}/cmdline", srv.pid())) {
        assert!(!String::from_utf8_lossy(&cmd).contains("file-s3cret"));
    }
    let (s, v) = post_sub(&srv.base, "file-s3cret", r#"{"name":"from the file"}"#);
    assert_eq!(s, 201, "{v}");
    assert_eq!(post_sub(&srv.base, "wrong", r#"{"name":"x"}"#).0, 401);
    // an empty token file is an error, not a server without a token
    std::fs::write(&f, "\n").unwrap();
    let out = marsad().args(["serve", "--addr", "127.0.0.1:0", "--db"]).arg(&db).arg("--token-file").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token-file"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Finding 12. 405, 413, 414 and 431 are answered with the documented JSON error.
#[test]
fn every_error_status_is_the_documented_json() {
    let t = TempDir::new("json-errors");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, Some("tok"));
    let b = &srv.base;
    let long_path = format!("/api/events/{}", "9".repeat(50_000));
    let many: Vec<(String, String)> = (0..80).map(|i| (format!("X-H{i}"), "v".to_string())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(70_000));
    for (method, path, headers, body, want) in [
        ("DELETE", "/api/events", vec![], "", 405),
        ("PUT", "/api/subscriptions", vec![], "", 405),
        ("POST", "/api/subscriptions", vec![("Authorization", "Bearer tok"), ("Content-Type", "application/json")], big.as_str(), 413),
        ("GET", long_path.as_str(), vec![], "", 414),
        ("GET", "/api/stats", many.clone(), "", 431),
    ] {
        let (s, body) = raw(b, method, path, &headers, body);
        assert_eq!(s, want, "{method} {}: {body}", &path[..path.len().min(40)]);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{method} {want}: not JSON ({e}): {body:?}"));
        assert_eq!(v["error"]["status"], want, "{v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
}

// ---- inputs and outputs of the command line ----

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    marsad().args(args).output().unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn sample_text() -> String {
    std::fs::read_to_string(root().join("samples/004_4fe84c6801f8dc08.txt")).unwrap()
}

/// Finding 5. A folder with links to itself is read once: extract prints the article once (the
/// audit got 58,495 copies in 30 s) and ingest stores one sighting; the loop is reported.
#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_read_once() {
    let t = TempDir::new("loops");
    let d = t.0.join("in");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("a.txt"), sample_text()).unwrap();
    std::os::unix::fs::symlink(&d, d.join("self1")).unwrap();
    std::os::unix::fs::symlink("..", d.join("self2")).unwrap();
    let t0 = Instant::now();
    let out = run(&[os("extract"), d.as_os_str()]);
    assert!(t0.elapsed() < Duration::from_secs(60));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already read"), "{}", String::from_utf8_lossy(&out.stderr));
    let db = t.0.join("m.db");
    let out = run(&[os("ingest"), os("--json"), os("--db"), db.as_os_str(), d.as_os_str()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!((v["read"].as_i64(), v["new"].as_i64()), (Some(1), Some(1)), "{v}");
    let st: serde_json::Value = serde_json::from_slice(&run(&[os("stats"), os("--json"), os("--db"), db.as_os_str()]).stdout).unwrap();
    assert_eq!(st["sightings"], 1, "{st}");
}

fn mkfifo(p: &std::path::Path) -> bool {
    Command::new("mkfifo").arg(p).status().is_ok_and(|s| s.success())
}

use std::process::Command;

/// Finding 10. A FIFO named like an article does not hang extract or ingest: given by name it is
/// refused, inside a folder it is skipped.
#[cfg(unix)]
#[test]
fn a_fifo_named_txt_does_not_hang() {
    let t = TempDir::new("fifo");
    let d = t.0.join("in");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("a.txt"), sample_text()).unwrap();
    let fifo = d.join("b.txt");
    if !mkfifo(&fifo) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let db = t.0.join("m.db");
    for args in [vec![os("extract"), fifo.as_os_str()], vec![os("ingest"), os("--db"), db.as_os_str(), fifo.as_os_str()]] {
        let mut child = marsad().args(&args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let t0 = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("{args:?} hangs on a FIFO");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("b.txt: a named pipe (FIFO), not a regular file"), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // in a folder: skipped, the article beside it read
    let out = run(&[os("extract"), d.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

/// Finding 9. `export --out` refuses a FIFO, a symbolic link and a device instead of replacing
/// them (or reporting events written into /dev/full).
#[cfg(unix)]
#[test]
fn export_refuses_targets_that_are_not_regular_files() {
    let t = TempDir::new("export-out");
    let (_, db) = seeded(&t);
    let fifo = t.0.join("out.csv");
    let have_fifo = mkfifo(&fifo);
    let target = t.0.join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = t.0.join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut cases = vec![(link.clone(), "symbolic link"), (std::path::PathBuf::from("/dev/full"), "not a regular file"), (std::path::PathBuf::from("/dev/null"), "not a regular file")];
    if have_fifo {
        cases.push((fifo.clone(), "not a regular file"));
    }
    for (out_path, why) in cases {
        let out = run(&[os("export"), os("--db"), db.as_os_str(), os("--out"), out_path.as_os_str()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", out_path.display());
        assert!(err.contains("--out") && err.contains(why), "{}: {err}", out_path.display());
        assert!(!err.contains("events written"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
    if have_fifo {
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
    }
    // a regular file is still replaced
    let ok = t.0.join("events.csv");
    std::fs::write(&ok, "old").unwrap();
    let out = run(&[os("export"), os("--db"), db.as_os_str(), os("--out"), ok.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&ok).unwrap().starts_with("event_id") || std::fs::read_to_string(&ok).unwrap().contains(','));
}

/// Finding 8. UTF-8 with a few bad bytes is ingested as UTF-8 with a warning naming the
/// offset (before: as windows-1252 or GBK mojibake, silently, with 0 events).
#[test]
fn utf8_with_bad_bytes_is_not_mojibake() {
    let t = TempDir::new("mojibake");
    let data = data_dir(&t);
    let text = "التقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 3 ديسمبر 2025.";
    let mut b = text.as_bytes().to_vec();
    let at = text.find("في موسكو").unwrap();
    b.splice(at..at, [0xFF, 0xC3, 0x28, 0x80]);
    let f = t.0.join("bad.txt");
    std::fs::write(&f, &b).unwrap();
    let db = t.0.join("m.db");
    let out = marsad().arg("--data").arg(&data).args(["ingest", "--json", "--db"]).arg(&db).arg(&f).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning") && err.contains(&format!("offset {at}")), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["events_added"].as_i64().unwrap() >= 1, "the meeting is found: {v}");
    let srv = Server::start(&db, None);
    let art = get_json(&format!("{}/api/articles/1", srv.base));
    assert!(art["text"].as_str().unwrap().contains("لافروف"), "{art}");
}

/// Finding 12. An empty .txt file fails the same way in extract and ingest; UTF-16 without a
/// byte-order mark is read as text, not called binary data.
#[test]
fn empty_files_and_utf16_without_bom() {
    let t = TempDir::new("empty-utf16");
    let empty = t.0.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let db = t.0.join("m.db");
    let ex = run(&[os("extract"), empty.as_os_str()]);
    let ing = run(&[os("ingest"), os("--db"), db.as_os_str(), empty.as_os_str()]);
    assert_eq!(ex.status.code(), Some(1), "extract: {}", String::from_utf8_lossy(&ex.stderr));
    assert_eq!(ing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ex.stderr).contains("empty.txt: empty file"), "{}", String::from_utf8_lossy(&ex.stderr));
    let u16 = t.0.join("u16.txt");
    let text = sample_text();
    std::fs::write(&u16, text.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>()).unwrap();
    let out = run(&[os("ingest"), os("--json"), os("--db"), db.as_os_str(), u16.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["new"], 1, "{v}");
}

/// One input limit: an article over 8 MiB of text is refused by extract and by ingest, as a
/// .txt file and as a JSON Lines record, with an error naming it; the other inputs go on.
#[test]
fn one_article_size_limit_for_every_command() {
    let t = TempDir::new("limit");
    let big_text = "ب".repeat((8 << 20) / 2 + 10); // 2 bytes each: just over 8 MiB
    let txt = t.0.join("big.txt");
    std::fs::write(&txt, &big_text).unwrap();
    let jsonl = t.0.join("records.jsonl");
    let rec = serde_json::json!({"id": "huge", "text": big_text}).to_string();
    let small = serde_json::json!({"id": "small", "text": sample_text()}).to_string();
    std::fs::write(&jsonl, format!("{rec}\n{small}\n")).unwrap();
    let db = t.0.join("m.db");
    for args in [vec![os("extract"), txt.as_os_str(), jsonl.as_os_str()], vec![os("ingest"), os("--json"), os("--db"), db.as_os_str(), txt.as_os_str(), jsonl.as_os_str()]] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("big.txt: text of 8388628 bytes is larger than the 8 MiB limit for one article"), "{args:?}: {err}");
        assert!(err.contains("records.jsonl:1: record huge: text of 8388628 bytes is larger than the 8 MiB limit"), "{args:?}: {err}");
    }
    let out = run(&[os("extract"), jsonl.as_os_str()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "the small record is extracted");
}
