//! `marsad watch` against a feed server on 127.0.0.1 (started inside each test) whose items
//! change between polls: new items stored once and delivered to a webhook receiver, signed
//! (the receiver checks the HMAC-SHA256 with the subscription's secret), within a polling
//! interval; an unchanged feed answered 304 and nothing stored; SIGTERM stops it cleanly; a
//! watcher killed with SIGKILL in the middle of storing a poll and restarted loses and
//! duplicates nothing (the same counts as one `marsad ingest` of the final feed).

mod support;

use hmac::{KeyInit, Mac};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// What the feed server serves now, and what it saw.
#[derive(Default)]
struct FeedState {
    body: String,
    etag: String,
    ok: usize,
    not_modified: usize,
    /// Answers to give first (status, Retry-After), one per request.
    fail: std::collections::VecDeque<(u16, Option<u64>)>,
    /// When each request came.
    at: Vec<Instant>,
    /// The Content-Type to send (default RSS).
    content_type: Option<String>,
}

/// A feed at `http://127.0.0.1:PORT/feed.xml` with an ETag; `If-None-Match` with the current
/// one is answered 304. Lives until the test process ends (each connection is bounded by a
/// read timeout).
fn feed_server() -> (String, Arc<Mutex<FeedState>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.xml", l.local_addr().unwrap());
    let st = Arc::new(Mutex::new(FeedState::default()));
    let s2 = st.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut inm = None;
            let mut first = true;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if first {
                    first = false;
                    continue;
                }
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("if-none-match") {
                        inm = Some(v.trim().to_string());
                    }
                }
            }
            let mut g = s2.lock().unwrap();
            g.at.push(Instant::now());
            if let Some((status, retry)) = g.fail.pop_front() {
                let retry = retry.map(|r| format!("Retry-After: {r}\r\n")).unwrap_or_default();
                let _ = write!(c, "HTTP/1.1 {status} Oops\r\n{retry}Content-Length: 0\r\nConnection: close\r\n\r\n");
            } else if inm.as_deref() == Some(g.etag.as_str()) {
                g.not_modified += 1;
                let _ = write!(c, "HTTP/1.1 304 Not Modified\r\nETag: {}\r\nConnection: close\r\n\r\n", g.etag);
            } else {
                g.ok += 1;
                let _ = write!(
                    c,
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nETag: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    g.content_type.as_deref().unwrap_or("application/rss+xml; charset=utf-8"),
                    g.etag,
                    g.body.len(),
                    g.body
                );
            }
        }
    });
    (url, st)
}

fn publish(st: &Arc<Mutex<FeedState>>, version: &str, items: &[(String, String)]) {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>وكالة الاختبار</title><link>https://wire.example/</link>");
    for (id, text) in items {
        x.push_str(&format!(
            "<item><title>خبر {id}</title><link>https://wire.example/{id}</link><guid>{id}</guid><pubDate>Wed, 03 Dec 2025 10:00:00 +0000</pubDate><description>{text}</description></item>"
        ));
    }
    x.push_str("</channel></rss>");
    let mut g = st.lock().unwrap();
    g.body = x;
    g.etag = format!("\"{version}\"");
}

const MONTHS: [&str; 12] = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"];

/// Item `n`: Lavrov meets Kazakhstan's foreign minister on a day of its own (one event each).
fn item(n: usize) -> (String, String) {
    let (day, month) = (n % 28 + 1, MONTHS[(n / 28) % 12]);
    (
        format!("item-{n}"),
        format!("موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم {day} {month} 2024، وبحثا الملف رقم {n} بين البلدين."),
    )
}

/// One number from the store; 0 while the watcher has not created it yet.
fn count(db: &Path, sql: &str) -> i64 {
    if !db.exists() {
        return 0;
    }
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    match c.query_row(sql, [], |r| r.get(0)) {
        Ok(n) => n,
        Err(e) if e.to_string().contains("no such table") => 0,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// Starts `marsad watch` on `db` following `url`; its stderr lines are collected.
fn start_watch(data: &Path, db: &Path, url: &str, extra: &[&str]) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut child = marsad()
        .arg("--data")
        .arg(data)
        .args(["watch", "--db"])
        .arg(db)
        .args(["--feed", url, "--every", "1", "--allow-private-webhooks", "--webhook-backoff-ms", "100"])
        .args(if extra.contains(&"--host-gap-ms") { &[][..] } else { &["--host-gap-ms", "0"][..] })
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            l2.lock().unwrap().push(line);
        }
    });
    (child, lines)
}

/// Waits for the child to exit, at most `limit`; kills it after that.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill").arg(format!("-{sig}")).arg(child.id().to_string()).status().unwrap().success();
    assert!(ok, "kill -{sig}");
}

/// A webhook receiver: keeps (signature header, delivery header, body bytes); answers 200.
type Hooked = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

fn receiver() -> (String, Hooked) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let got: Hooked = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let (mut len, mut sig, mut delivery) = (0usize, String::new(), String::new());
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    match k.to_ascii_lowercase().as_str() {
                        "content-length" => len = v.trim().parse().unwrap_or(0),
                        "x-marsad-signature-256" => sig = v.trim().to_string(),
                        "x-marsad-delivery" => delivery = v.trim().to_string(),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            g.lock().unwrap().push((sig, delivery, body));
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got)
}

/// The receiver's check: HMAC-SHA256 of the body's bytes with the secret, hex, after `sha256=`.
fn verify(secret: &str, sig: &str, body: &[u8]) -> bool {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let want: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    sig.strip_prefix("sha256=") == Some(want.as_str())
}

#[test]
fn watch_stores_new_items_once_answers_304_with_nothing_stored_and_delivers_signed_webhooks() {
    let t = TempDir::new("watch");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (hook, got) = receiver();
    // a subscription from the command line; its secret signs the bodies
    let out = marsad()
        .args(["subscriptions", "add", "--db"])
        .arg(&db)
        .args(["--name", "Russia and Kazakhstan", "--dyad", "RUS-KAZ", "--webhook", &hook, "--allow-private-webhooks", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = added["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64, "{added}");
    // a private webhook needs saying so
    let refused = marsad().args(["subscriptions", "add", "--db"]).arg(&db).args(["--name", "x", "--webhook", &hook]).output().unwrap();
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("loopback"), "{}", String::from_utf8_lossy(&refused.stderr));

    let (url, feed) = feed_server();
    publish(&feed, "v1", &[item(1), item(2)]);
    let (mut w, log) = start_watch(&data, &db, &url, &[]);
    assert!(wait_until(Duration::from_secs(60), || count(&db, "SELECT count(*) FROM articles") == 2), "the first poll stored nothing: {:?}", log.lock().unwrap());
    assert!(wait_until(Duration::from_secs(20), || got.lock().unwrap().len() == 2), "two deliveries: {:?}", got.lock().unwrap().len());
    // unchanged: 304, nothing stored
    assert!(wait_until(Duration::from_secs(20), || feed.lock().unwrap().not_modified >= 2), "no conditional GET answered 304");
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM sightings"), 2);
    assert_eq!(feed.lock().unwrap().ok, 1, "the body was sent once");
    assert!(log.lock().unwrap().iter().any(|l| l.contains("304 not modified, nothing stored")), "{:?}", log.lock().unwrap());

    // the feed changes: a new event, and a new report (another wording) of item 1's event
    let known_report = (
        "item-1b".to_string(),
        "موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 2 يناير 2024، في لقاء تناول العلاقات الثنائية.".to_string(),
    );
    let changed = Instant::now();
    publish(&feed, "v2", &[item(1), item(2), item(3), known_report]);
    assert!(wait_until(Duration::from_secs(30), || got.lock().unwrap().len() >= 4), "the new items' deliveries: {:?}", log.lock().unwrap());
    let latency = changed.elapsed();
    eprintln!("new items reached the webhook {:.2} s after the feed changed (polling every 1 s)", latency.as_secs_f64());
    // the next poll (at most 1 s away), storing, and the delivery
    assert!(latency < Duration::from_secs(2), "not within a polling interval and a second: {latency:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 4);
    assert_eq!(count(&db, "SELECT count(*) FROM sightings"), 4, "each item once");

    // clean stop on SIGTERM
    signal(&w, "TERM");
    let st = wait_exit(&mut w, Duration::from_secs(15)).expect("watch stopped on SIGTERM");
    assert!(st.success(), "{st:?}");
    let lines = log.lock().unwrap().clone();
    let polls: Vec<&String> = lines.iter().filter(|l| l.contains("next poll in")).collect();
    let requests = {
        let g = feed.lock().unwrap();
        g.ok + g.not_modified
    };
    assert_eq!(polls.len(), requests, "one log line per poll: {lines:?}");

    // every body signed with the subscription's secret, and each report delivered once
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "{} deliveries", got.len());
    let mut deliveries: Vec<&str> = got.iter().map(|(_, d, _)| d.as_str()).collect();
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(deliveries.len(), 4);
    for (sig, _, body) in &got {
        assert!(verify(&secret, sig, body), "bad signature {sig}");
        assert!(!verify("another secret", sig, body));
    }
    // the new report of the known event: the report apart from the event it joined
    let bodies: Vec<serde_json::Value> = got.iter().map(|(_, _, b)| serde_json::from_slice(b).unwrap()).collect();
    let joined = bodies.iter().find(|v| v["report"]["sentence"].as_str().is_some_and(|s| s.contains("العلاقات الثنائية"))).expect("the new report was delivered");
    assert_eq!(joined["report"]["new_event"], false, "{joined}");
    assert_eq!(joined["event"]["num_articles"], 2, "{joined}");
    assert_eq!(joined["event"]["event_date"], "2024-01-02");
    assert!(joined["event"].get("sentence").is_none(), "the event aggregate carries no report's sentence: {joined}");
    let first = bodies.iter().find(|v| v["event"]["event_id"] == joined["event"]["event_id"] && v["report"]["new_event"] == true).expect("the event's first report");
    assert!(first["report"]["sentence"].as_str().unwrap().contains("الملف رقم 1 "), "{first}");
    assert_eq!(joined["event"]["first_mention_id"], first["report"]["mention_id"]);

    // the cursor survives in the store; the CLI lists and removes the subscription
    assert_eq!(count(&db, "SELECT count(*) FROM watch_feeds WHERE etag = '\"v2\"' AND failures = 0 AND articles = 4"), 1);
    let out = marsad().args(["subscriptions", "list", "--json", "--db"]).arg(&db).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["subscriptions"][0]["subscription"]["name"], "Russia and Kazakhstan");
    assert!(list["subscriptions"][0].get("secret").is_none(), "secrets only with --secrets");
    let id = list["subscriptions"][0]["subscription"]["id"].as_i64().unwrap().to_string();
    assert!(marsad().args(["subscriptions", "remove", "--db"]).arg(&db).arg(&id).status().unwrap().success());
    assert_eq!(marsad().args(["subscriptions", "remove", "--db"]).arg(&db).arg(&id).status().unwrap().code(), Some(1));
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions"), 0);
}

#[test]
fn a_watcher_killed_while_storing_a_poll_and_restarted_loses_and_duplicates_nothing() {
    let t = TempDir::new("watch-kill");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (url, feed) = feed_server();
    publish(&feed, "v1", &(0..3).map(item).collect::<Vec<_>>());
    // (enough items, looked at often, that the kill lands while the poll is being stored even
    // when storing is fast: 60 items were stored within one 100 ms look on an idle machine)
    let total = 300;
    let (mut w, log) = start_watch(&data, &db, &url, &["--batch", "2", "--workers", "1", "--no-webhooks"]);
    assert!(wait_until(Duration::from_secs(60), || count(&db, "SELECT count(*) FROM articles") == 3), "first poll: {:?}", log.lock().unwrap());
    // many new items, committed two at a time: kill -9 once some, not all, are stored
    let all: Vec<(String, String)> = (0..total).map(item).collect();
    publish(&feed, "v2", &all);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let killed_at = loop {
        if count(&db, "SELECT count(*) FROM articles") > 3 {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(killed_at, "the second poll stored nothing: {:?}", log.lock().unwrap());
    signal(&w, "KILL");
    let _ = w.wait();
    let at_kill = count(&db, "SELECT count(*) FROM articles");
    eprintln!("killed with {at_kill} of {total} articles stored");
    assert!(at_kill < total as i64, "the kill came after the whole poll was stored ({at_kill}); not a test of the middle");
    // the cursor was not moved past the poll that was cut short
    assert_eq!(count(&db, "SELECT count(*) FROM watch_feeds WHERE etag = '\"v2\"'"), 0);

    // restart: one round
    let (mut w2, log2) = start_watch(&data, &db, &url, &["--once", "--no-webhooks"]);
    let st = wait_exit(&mut w2, Duration::from_secs(180)).expect("--once ends");
    assert!(st.success(), "{:?}", log2.lock().unwrap());
    assert!(log2.lock().unwrap().iter().any(|l| l.contains(&format!("{at_kill} items stored before")) || l.contains("items stored before")), "{:?}", log2.lock().unwrap());
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), total as i64, "nothing lost");
    assert_eq!(count(&db, "SELECT count(*) FROM sightings"), total as i64, "nothing seen twice");
    assert_eq!(count(&db, "SELECT count(DISTINCT ext_id) FROM articles"), total as i64);
    assert_eq!(count(&db, "SELECT count(*) FROM watch_feeds WHERE etag = '\"v2\"' AND failures = 0"), 1);

    // the same counts as one ingest of the final feed
    let file = t.0.join("final.xml");
    std::fs::write(&file, feed.lock().unwrap().body.clone()).unwrap();
    let reference = t.0.join("ref.db");
    ingest(&data, &reference, &[file]);
    for sql in ["SELECT count(*) FROM articles", "SELECT count(*) FROM events", "SELECT count(*) FROM event_mentions", "SELECT sum(num_mentions) FROM events", "SELECT count(*) FROM clusters"] {
        assert_eq!(count(&db, sql), count(&reference, sql), "{sql}");
    }
}

#[test]
fn serve_watch_follows_the_feeds_inside_the_server_and_stops_on_sigterm() {
    let t = TempDir::new("serve-watch");
    let (data, db) = seeded(&t);
    let (url, feed) = feed_server();
    publish(&feed, "v1", &[item(1), item(2)]);
    let file = t.0.join("feeds.txt");
    std::fs::write(&file, format!("# the test wire\n{url} every=1\n")).unwrap();
    let data_s = data.display().to_string();
    let file_s = file.display().to_string();
    let mut srv = Server::start_with(&db, None, &["--data", &data_s, "--watch", &file_s]);
    let b = srv.base.clone();
    assert!(wait_until(Duration::from_secs(60), || get_json(&format!("{b}/api/stats"))["articles"] == 7), "the watcher inside the server stored nothing");
    publish(&feed, "v2", &[item(1), item(2), item(3)]);
    assert!(wait_until(Duration::from_secs(30), || get_json(&format!("{b}/api/stats"))["articles"] == 8), "the changed feed was not followed");
    assert!(wait_until(Duration::from_secs(10), || feed.lock().unwrap().not_modified >= 1), "no conditional GET");
    let ok = std::process::Command::new("kill").arg("-TERM").arg(srv.pid().to_string()).status().unwrap().success();
    assert!(ok);
    assert!(wait_until(Duration::from_secs(15), || !srv.alive()), "serve did not stop on SIGTERM");
    assert_eq!(count(&db, "SELECT count(*) FROM sightings WHERE origin LIKE 'http://127.0.0.1:%'"), 3, "each item once");
}

#[test]
fn errors_back_off_doubling_or_as_the_server_asks_and_a_success_resets_them() {
    let t = TempDir::new("watch-backoff");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (url, feed) = feed_server();
    publish(&feed, "v1", &[item(1)]);
    feed.lock().unwrap().fail.extend([(503, Some(3)), (500, None)]);
    let (mut w, log) = start_watch(&data, &db, &url, &["--rounds", "3", "--no-webhooks"]);
    let st = wait_exit(&mut w, Duration::from_secs(120)).expect("--rounds 3 ends");
    assert!(st.success(), "{:?}", log.lock().unwrap());
    let lines: Vec<String> = log.lock().unwrap().iter().filter(|l| l.contains("next poll in")).cloned().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    // 503 with Retry-After: 3 outweighs the doubling (2 s); then 500: 1 s × 2² = 4 s; then it works
    assert!(lines[0].contains("error: HTTP 503") && lines[0].contains("(1 in a row)") && lines[0].ends_with("next poll in 3 s"), "{}", lines[0]);
    assert!(lines[1].contains("error: HTTP 500") && lines[1].contains("(2 in a row)") && lines[1].ends_with("next poll in 4 s"), "{}", lines[1]);
    assert!(lines[2].contains("200, 1 unseen items: 1 new articles") && lines[2].ends_with("next poll in 1 s"), "{}", lines[2]);
    let at = feed.lock().unwrap().at.clone();
    assert!(at[1] - at[0] >= Duration::from_millis(2900) && at[2] - at[1] >= Duration::from_millis(3900), "{:?}", at.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>());
    assert_eq!(count(&db, "SELECT count(*) FROM watch_feeds WHERE failures = 0 AND polls = 3 AND articles = 1"), 1);
}

#[test]
fn two_watchers_on_one_postgres_store_each_item_stored_once_each_report_delivered_once() {
    let Some(pg) = marsad_store::testing::fresh_pg_database("two_watchers_on_one_postgres_store") else { return };
    let t = TempDir::new("watch-pg");
    let data = data_dir(&t);
    let (hook, got) = receiver();
    let out = marsad()
        .args(["subscriptions", "add", "--db", &pg, "--name", "all", "--webhook", &hook, "--allow-private-webhooks", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["secret"].as_str().unwrap().to_string();
    let (url, feed) = feed_server();
    publish(&feed, "v1", &(0..6).map(item).collect::<Vec<_>>());
    // two watchers of the same feed, both delivering webhooks, at the same time
    let db = std::path::PathBuf::from(&pg);
    let (mut a, la) = start_watch(&data, &db, &url, &["--rounds", "2"]);
    let (mut b, lb) = start_watch(&data, &db, &url, &["--rounds", "2"]);
    for (w, l) in [(&mut a, &la), (&mut b, &lb)] {
        let st = wait_exit(w, Duration::from_secs(180)).expect("--rounds 2 ends");
        assert!(st.success(), "{:?}", l.lock().unwrap());
    }
    let stats: serde_json::Value = serde_json::from_slice(&marsad().args(["stats", "--json", "--db", &pg]).output().unwrap().stdout).unwrap();
    assert_eq!((stats["articles"].as_i64(), stats["sightings"].as_i64(), stats["events"].as_i64()), (Some(6), Some(6), Some(6)), "{stats}");
    let got = got.lock().unwrap().clone();
    let mut ids: Vec<&str> = got.iter().map(|(_, d, _)| d.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (6, 6), "each report delivered once by one of the two: {ids:?}");
    assert!(got.iter().all(|(sig, _, body)| verify(&secret, sig, body)));
}

#[test]
fn once_delivers_and_ends_without_waiting_on_a_subscription_that_matches_nothing() {
    let t = TempDir::new("watch-once");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (hook, got) = receiver();
    for (name, ty) in [("meetings", "CONSULT"), ("attacks", "ASSAULT")] {
        let out = marsad()
            .args(["subscriptions", "add", "--db"])
            .arg(&db)
            .args(["--name", name, "--type", ty, "--webhook", &hook, "--allow-private-webhooks"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (url, feed) = feed_server();
    publish(&feed, "v1", &[item(1), item(2), item(3)]);
    let started = Instant::now();
    let (mut w, log) = start_watch(&data, &db, &url, &["--once"]);
    let st = wait_exit(&mut w, Duration::from_secs(120)).expect("--once ends");
    assert!(st.success(), "{:?}", log.lock().unwrap());
    let took = started.elapsed();
    eprintln!("--once with two subscriptions took {:.1} s", took.as_secs_f64());
    assert_eq!(got.lock().unwrap().len(), 3, "the three meetings delivered before it ended");
    // the subscription that matched nothing looked at every report too: nothing left to wait for
    assert!(took < Duration::from_secs(45), "{took:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE cursor = (SELECT max(id) FROM event_mentions)"), 2);
}

#[test]
fn followed_links_keep_the_host_gap() {
    let t = TempDir::new("watch-links");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (url, feed) = feed_server();
    // the items link back to this server (it answers every path with the feed, read as a page);
    // what counts is when the requests come
    let items: Vec<(String, String)> = (1..=3).map(item).collect();
    publish(&feed, "v1", &items);
    {
        let mut g = feed.lock().unwrap();
        let base = url.trim_end_matches("/feed.xml").to_string();
        g.body = g.body.replace("https://wire.example/", &format!("{base}/page/"));
    }
    let (mut w, log) = start_watch(&data, &db, &url, &["--once", "--follow-links", "--host-gap-ms", "600", "--no-webhooks"]);
    let st = wait_exit(&mut w, Duration::from_secs(120)).expect("--once ends");
    assert!(st.success(), "{:?}", log.lock().unwrap());
    let at = feed.lock().unwrap().at.clone();
    assert_eq!(at.len(), 4, "the feed and its three items' pages");
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(590)), "{gaps:?}");
    // each item seen once (the pages all read as the same text here: one article, three sightings)
    assert_eq!(count(&db, "SELECT count(*) FROM sightings"), 3);
}

#[test]
fn a_watched_page_is_stored_when_it_changes_and_only_then() {
    let t = TempDir::new("watch-page");
    let data = data_dir(&t);
    let db = t.0.join("w.db");
    let (url, feed) = feed_server();
    let page = |n: usize| {
        let (_, text) = item(n);
        format!("<!doctype html><html><head><title>خبر {n}</title></head><body><article><h1>خبر {n}</h1><p>{}</p></article></body></html>", text.replace('\n', "</p><p>"))
    };
    {
        let mut g = feed.lock().unwrap();
        g.content_type = Some("text/html; charset=utf-8".into());
        g.body = page(1);
        g.etag = "\"p1\"".into();
    }
    let (mut w, log) = start_watch(&data, &db, &url, &["--no-webhooks"]);
    assert!(wait_until(Duration::from_secs(60), || count(&db, "SELECT count(*) FROM articles") == 1), "{:?}", log.lock().unwrap());
    assert!(wait_until(Duration::from_secs(20), || feed.lock().unwrap().not_modified >= 2));
    {
        let mut g = feed.lock().unwrap();
        g.body = page(5);
        g.etag = "\"p2\"".into();
    }
    assert!(wait_until(Duration::from_secs(30), || count(&db, "SELECT count(*) FROM articles") == 2), "{:?}", log.lock().unwrap());
    // the same text under a new ETag adds nothing
    feed.lock().unwrap().etag = "\"p3\"".into();
    assert!(wait_until(Duration::from_secs(20), || feed.lock().unwrap().ok >= 3));
    signal(&w, "TERM");
    assert!(wait_exit(&mut w, Duration::from_secs(15)).expect("stops").success());
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2, "each version's meeting");
}
