//! `marsad serve`, `search` and `export` as a user and a client use them, on the seeds: the
//! 22 October 2025 Lavrov–Kazykhanov meeting found by search, by dyad and on the timeline, and
//! followed to its highlighted sentence; hostile input on every endpoint answered with a 4xx
//! and the store untouched; a webhook receiving a newly ingested article's events (after a
//! failure, retried) and the subscription's Atom feed listing them; exports loaded by pyarrow.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

fn chars(s: &str, a: usize, b: usize) -> String {
    s.chars().skip(a).take(b - a).collect()
}

#[test]
fn api_finds_the_lavrov_meeting_by_search_dyad_and_timeline_and_shows_its_sentence() {
    let t = TempDir::new("api");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, None);
    let b = &srv.base;

    // search: لافروف, ranked, with the word highlighted in the snippet
    let s = get_json(&format!("{b}/api/search?q={}", enc("لافروف")));
    let hits = s["hits"].as_array().unwrap();
    let seed = hits.iter().find(|h| h["ext_id"] == "004_4fe84c6801f8dc08").expect("the Lavrov seed is found");
    let snip = &seed["snippet"];
    let text = snip["text"].as_str().unwrap();
    let marked: Vec<String> = snip["highlights"].as_array().unwrap().iter().map(|h| chars(text, h[0].as_u64().unwrap() as usize, h[1].as_u64().unwrap() as usize)).collect();
    assert!(marked.iter().any(|m| m == "لافروف"), "{marked:?}");
    // spelling variants and clitics: أستانة finds the articles that write أستانا
    let s = get_json(&format!("{b}/api/search?q={}", enc("أستانة")));
    let ids: Vec<&str> = s["hits"].as_array().unwrap().iter().map(|h| h["ext_id"].as_str().unwrap()).collect();
    for want in ["001_aab35a8e27cb08f8", "002_c7ecc5b4abfe951f", "003_b729a07f9698dee4"] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let s = get_json(&format!("{b}/api/search?q={}", enc("الكازاخستانية")));
    assert!(s["total"].as_i64().unwrap() >= 4, "{s}");

    // the dyad filter, either order, with type and a date range
    let e = get_json(&format!("{b}/api/events?dyad=RUS-KAZ&type=CONSULT&from=2025-10-01&to=2025-10-31"));
    assert_eq!(e["total"], 1, "{e}");
    let ev = &e["events"][0];
    assert_eq!(ev["event_date"], "2025-10-22");
    let mut codes = [ev["actor1_code"].as_str().unwrap(), ev["actor2_code"].as_str().unwrap()];
    codes.sort();
    assert_eq!(codes, ["KAZ", "RUS"]);
    let all = get_json(&format!("{b}/api/events?dyad=KAZ-RUS&limit=1&sort=-mentions"));
    assert_eq!(all["total"], 3, "{all}");
    assert_eq!(all["events"].as_array().unwrap().len(), 1, "limit holds");
    // …and by full-text query on the events
    let q = get_json(&format!("{b}/api/events?q={}&from=2025-10-22&to=2025-10-22", enc("لافروف")));
    assert_eq!(q["events"][0]["event_id"], ev["event_id"], "{q}");

    // the timeline has the day
    let tl = get_json(&format!("{b}/api/timeline?dyad=RUS-KAZ&interval=day"));
    assert!(tl["points"].as_array().unwrap().iter().any(|p| p["period"] == "2025-10-22" && p["type"] == "CONSULT"), "{tl}");
    let tl = get_json(&format!("{b}/api/timeline?dyad=RUS-KAZ&interval=week"));
    assert!(tl["points"].as_array().unwrap().iter().any(|p| p["period"] == "2025-W42"), "{tl}");

    // the network: RUS and KAZ joined by CONSULT
    let g = get_json(&format!("{b}/api/graph"));
    assert!(g["edges"].as_array().unwrap().iter().any(|e| e["source"] == "KAZ" && e["target"] == "RUS" && e["type"] == "CONSULT" && e["events"] == 3), "{g}");
    let a = get_json(&format!("{b}/api/actors/RUS?interval=day"));
    assert_eq!(a["name"], "Russia");
    assert!(a["timeline"].as_array().unwrap().iter().any(|p| p["period"] == "2025-10-22"), "{a}");
    assert!(get_json(&format!("{b}/api/actors"))["actors"].as_array().unwrap().iter().any(|x| x["code"] == "TUR"));

    // follow it to the article: every span points at its text, the event's trigger inside its sentence
    let aid = ev["article_id"].as_i64().unwrap();
    let art = get_json(&format!("{b}/api/articles/{aid}"));
    let text = art["text"].as_str().unwrap();
    let rep = art["events"].as_array().unwrap().iter().find(|x| x["event_id"] == ev["event_id"]).expect("the event is among the article's events");
    let (s0, e0) = (rep["start"].as_u64().unwrap() as usize, rep["end"].as_u64().unwrap() as usize);
    assert_eq!(chars(text, s0, e0), rep["trigger"].as_str().unwrap());
    let sent = &art["sentences"][rep["sentence"].as_u64().unwrap() as usize];
    let sentence = chars(text, sent["start"].as_u64().unwrap() as usize, sent["end"].as_u64().unwrap() as usize);
    assert!(sentence.contains("22 أكتوبر"), "{sentence}");
    assert!(sentence.contains(rep["trigger"].as_str().unwrap()));
    for kind in ["mentions", "quantities", "dates"] {
        for m in art[kind].as_array().unwrap() {
            let (s, e) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
            assert_eq!(chars(text, s, e), m["text"].as_str().unwrap(), "{kind} {m}");
        }
    }
    assert!(art["mentions"].as_array().unwrap().iter().any(|m| m["code"] == "RUS" && m["kind"] == "PERSON"), "Lavrov is a person acting for RUS");
    assert!(art["dates"].as_array().unwrap().iter().any(|d| d["code"] == "2025-10-22"), "the date is a span");

    // one event, stats, OpenAPI
    let one = get_json(&format!("{b}/api/events/{}", ev["event_id"]));
    assert_eq!(one["event_date"], "2025-10-22");
    assert_eq!(get_json(&format!("{b}/api/stats"))["articles"], 5);
    let api = get_json(&format!("{b}/openapi.json"));
    assert_eq!(api["openapi"], "3.1.0");
    for p in ["/api/search", "/api/events", "/api/articles/{id}", "/api/timeline", "/api/graph", "/api/export", "/api/subscriptions"] {
        assert!(api["paths"][p].is_object(), "{p} documented");
    }
    // the page
    let (s, page) = get(&format!("{b}/"));
    assert_eq!(s, 200);
    assert!(page.contains("dir=\"rtl\"") || page.contains("dir='rtl'"), "right-to-left page");
    assert!(!page.contains("https://") && !page.contains("http://"), "no CDN or outside link in the page");
}

fn snapshot(db: &std::path::Path) -> String {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let integrity: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let mut s = String::new();
    for t in ["articles", "events", "event_mentions", "mentions", "quantities", "dates", "sightings", "clusters", "subscriptions", "deliveries"] {
        let n: i64 = c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap();
        let sum: String = c.query_row(&format!("SELECT coalesce(sum(id), 0) || ':' || coalesce(max(id), 0) FROM {t}"), [], |r| r.get(0)).unwrap();
        s.push_str(&format!("{t}={n}/{sum} "));
    }
    let ev: String = c.query_row("SELECT group_concat(id || type || coalesce(date,'') || num_mentions, ',') FROM events", [], |r| r.get(0)).unwrap();
    s + &ev
}

#[test]
fn hostile_input_on_every_endpoint_gets_a_4xx_and_leaves_the_store_untouched() {
    let t = TempDir::new("hostile");
    let (_, db) = seeded(&t);
    let mut srv = Server::start(&db, Some("s3cret-token"));
    let b = srv.base.clone();
    // one subscription exists, so deletes have something to aim at
    let ag = agent();
    let mut r = ag.post(&format!("{b}/api/subscriptions")).header("Authorization", "Bearer s3cret-token").send(r#"{"name":"keep","filter":{"actor":"RUS"}}"#).unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.body_mut().read_to_string().unwrap());
    let before = snapshot(&db);

    let huge = "ب".repeat(20_000);
    let long_q = "لافروف ".repeat(100);
    let gets: Vec<String> = vec![
        format!("/api/search?q={}", enc(&huge)),
        format!("/api/search?q={}", enc(&long_q)),
        "/api/search".into(),
        "/api/search?q=".into(),
        format!("/api/search?q={}", enc("\" * ( ) : ^ -")),
        "/api/search?q=x&q=y".into(),
        "/api/search?q=a&limit=0".into(),
        "/api/search?q=a&offset=99999999999999999999".into(),
        "/api/search?q=a&bogus=1".into(),
        format!("/api/events?actor={}", enc("RUS' OR '1'='1")),
        format!("/api/events?dyad={}", enc("RUS-KAZ'); DROP TABLE events;--")),
        format!("/api/events?type={}", enc("CONSULT' --")),
        "/api/events?from=2025-02-30x".into(),
        "/api/events?from=2025-02-31".into(),
        "/api/events?limit=-1".into(),
        "/api/events?limit=1e9".into(),
        "/api/events?sort=id;DROP".into(),
        "/api/events?modality=sure".into(),
        "/api/events?article=0".into(),
        format!("/api/events?source={}", enc(&"s".repeat(1000))),
        format!("/api/events?{}", "actor=RUS&".repeat(600)),
        "/api/events?%ZZ=1".into(),
        "/api/events/abc".into(),
        "/api/events/-1".into(),
        "/api/events/99999999999999999999999".into(),
        "/api/events/424242".into(),
        "/api/articles/1%20OR%201=1".into(),
        "/api/articles/0".into(),
        "/api/articles/999999".into(),
        "/api/actors?limit=5000".into(),
        format!("/api/actors/{}", enc("RUS' OR 1=1")),
        "/api/actors/ZZZ".into(),
        "/api/timeline?interval=hour".into(),
        "/api/timeline?interval=day&interval=week".into(),
        "/api/graph?limit=99999".into(),
        "/api/graph?dyad=RUS".into(),
        "/api/export?format=xlsx".into(),
        "/api/export?format=csv&type=NOPE".into(),
        "/api/feed.atom?type=BOMB".into(),
        "/api/subscriptions/abc".into(),
        "/api/subscriptions/999".into(),
        "/api/subscriptions/999/feed.atom".into(),
        "/api/../../etc/passwd".into(),
        "/api/nothing".into(),
        "/openapi.json/x".into(),
    ];
    for p in &gets {
        let (s, body) = raw(&b, "GET", p, &[], "");
        let short: String = p.chars().take(120).collect();
        assert!((400..500).contains(&s), "GET {short}: {s} {}", body.chars().take(200).collect::<String>());
        // the HTTP layer itself answers a too-long request line with a bare 414
        if s != 414 && (s != 404 || p.starts_with("/api/events/") || p.starts_with("/api/articles/")) {
            let v: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("GET {short}: JSON error expected: {body}"));
            assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "GET {short}: {v}");
        }
    }
    // FTS syntax inside otherwise good words is searched as words, never interpreted
    for q in ["لافروف OR", "لافروف\" OR \"*", "NEAR(لافروف موسكو)", "title:لافروف", "لافروف AND NOT"] {
        for ep in ["search", "events"] {
            let (s, body) = get(&format!("{b}/api/{ep}?q={}", enc(q)));
            assert!(s == 200 || s == 400, "{ep} {q}: {s} {body}");
        }
    }
    // writes: no token, bad tokens, bad JSON, wrong shapes, bad webhooks, too large
    let posts: Vec<(Option<&str>, String)> = vec![
        (None, r#"{"name":"x"}"#.into()),
        (Some("Bearer wrong"), r#"{"name":"x"}"#.into()),
        (Some("Bearer s3cret-token-and-more"), r#"{"name":"x"}"#.into()),
        (Some("Bearer "), r#"{"name":"x"}"#.into()),
        (Some("s3cret-token"), r#"{"name":"x"}"#.into()),
        (Some("Basic czNjcmV0LXRva2Vu"), r#"{"name":"x"}"#.into()),
        (Some("Bearer s3cret-token"), "{not json".into()),
        (Some("Bearer s3cret-token"), "".into()),
        (Some("Bearer s3cret-token"), "[1,2,3]".into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","filter":{"dyad":"RUS'--"}}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","filter":{"type":["CONSULT"]}}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","filter":"actor=RUS"}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","webhook":"file:///etc/passwd"}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","webhook":"http://user@127.0.0.1/"}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","webhook":42}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"","filter":{}}"#.into()),
        (Some("Bearer s3cret-token"), r#"{"name":"x","admin":true}"#.into()),
        (Some("Bearer s3cret-token"), format!(r#"{{"name":"{}"}}"#, "x".repeat(100_000))),
    ];
    for (auth, body) in &posts {
        let mut h = vec![("Content-Type", "application/json")];
        if let Some(a) = auth {
            h.push(("Authorization", *a));
        }
        let (s, text) = raw(&b, "POST", "/api/subscriptions", &h, body);
        assert!((400..500).contains(&s), "POST {auth:?} {}: {s} {text}", body.chars().take(80).collect::<String>());
    }
    for (auth, path) in [(None, "/api/subscriptions/1"), (Some("Bearer nope"), "/api/subscriptions/1"), (Some("Bearer s3cret-token"), "/api/subscriptions/x"), (Some("Bearer s3cret-token"), "/api/subscriptions/777")] {
        let mut req = ag.delete(&format!("{b}{path}"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let s = req.call().unwrap().status().as_u16();
        assert!((400..500).contains(&s), "DELETE {auth:?} {path}: {s}");
    }
    // methods the API does not have
    for p in ["/api/events", "/api/articles/1", "/api/search?q=a"] {
        let s = ag.post(&format!("{b}{p}")).send("{}").unwrap().status().as_u16();
        assert_eq!(s, 405, "POST {p}");
    }
    // a raw request with a huge header and a malformed request line
    for raw in [format!("GET /api/events HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(2_000_000)), "BREW /coffee HTCPCP/1.0\r\n\r\n".to_string()] {
        if let Ok(mut s) = std::net::TcpStream::connect(b.trim_start_matches("http://")) {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let _ = s.write_all(raw.as_bytes());
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            assert!(n == 0 || head.starts_with("HTTP/1.1 4"), "{head}");
        }
    }
    assert!(srv.alive(), "the server survived");
    assert_eq!(get_json(&format!("{b}/api/stats"))["articles"], 5, "and still answers");
    assert_eq!(snapshot(&db), before, "the store is untouched");
    // the right token does write
    let s = ag.delete(&format!("{b}/api/subscriptions/1")).header("Authorization", "Bearer s3cret-token").call().unwrap().status().as_u16();
    assert_eq!(s, 204);
    assert_ne!(snapshot(&db), before);
}

/// A webhook receiver on 127.0.0.1: answers 500 to the first request, 200 after; keeps the bodies.
type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

fn receiver() -> (String, Received, Arc<Mutex<usize>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0usize));
    let (g, c) = (got.clone(), calls.clone());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let mut len = 0;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let n = {
                let mut n = c.lock().unwrap();
                *n += 1;
                *n
            };
            if n == 1 {
                let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                continue;
            }
            if let Ok(v) = serde_json::from_slice(&body) {
                g.lock().unwrap().push((path, v));
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got, calls)
}

#[test]
fn webhook_gets_the_events_of_a_newly_ingested_article_and_the_atom_feed_lists_them() {
    let t = TempDir::new("hook");
    let (data, db) = seeded(&t);
    let srv = Server::start(&db, Some("tok"));
    let b = &srv.base;
    let (url, got, calls) = receiver();
    let ag = agent();
    let sub = |body: String| -> serde_json::Value {
        let mut r = ag.post(&format!("{b}/api/subscriptions")).header("Authorization", "Bearer tok").send(body.as_str()).unwrap();
        assert_eq!(r.status().as_u16(), 201);
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
    };
    // a receiver that is down, subscribed first: its retries must not hold up the others
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let _s0 = sub(format!(r#"{{"name":"down","filter":{{"dyad":"RUS-KAZ"}},"webhook":"http://{dead}/down"}}"#));
    let s1 = sub(format!(r#"{{"name":"Russia and Kazakhstan","filter":{{"dyad":"RUS-KAZ","type":"CONSULT"}},"webhook":"{url}/rk"}}"#));
    let _s2 = sub(format!(r#"{{"name":"nothing","filter":{{"type":"ASSAULT"}},"webhook":"{url}/none"}}"#));
    let id = s1["subscription"]["id"].as_i64().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(*calls.lock().unwrap(), 0, "events stored before the subscription are not sent");

    // a new article: Lavrov receives Kazakhstan's foreign minister again, on 3 December 2025
    let new = t.0.join("new.txt");
    std::fs::write(
        &new,
        "موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 3 ديسمبر 2025، وبحثا التعاون الاقتصادي بين البلدين.\n",
    )
    .unwrap();
    ingest(&data, &db, &[new]);
    // well before the dead receiver's six attempts are over (0.5 + 1 + 2 + 4 + 8 s)
    assert!(wait_until(Duration::from_secs(10), || !got.lock().unwrap().is_empty()), "the webhook got nothing in 10 s");
    std::thread::sleep(Duration::from_millis(500));
    let got = got.lock().unwrap().clone();
    assert!(got.iter().all(|(p, _)| p == "/rk"), "only the matching subscription's hook is called: {got:?}");
    assert!(got.iter().all(|(_, v)| v["subscription"]["id"] == id));
    let body = &got.iter().find(|(_, v)| v["event"]["event_date"] == "2025-12-03").unwrap_or_else(|| panic!("the new meeting: {got:?}")).1;
    let ev = &body["event"];
    let mut codes = [ev["actor1_code"].as_str().unwrap().to_string(), ev["actor2_code"].as_str().unwrap().to_string()];
    codes.sort();
    assert_eq!(codes, ["KAZ", "RUS"]);
    assert_eq!(ev["event_date"], "2025-12-03", "{ev}");
    // the new report (its sentence, article, publication) apart from the event it made
    assert!(body["report"]["sentence"].as_str().unwrap().contains("3 ديسمبر 2025"), "{body}");
    assert_eq!(body["report"]["new_event"], true);
    assert!(ev.get("sentence").is_none() && ev["num_articles"] == 1, "{body}");
    assert!(*calls.lock().unwrap() >= 2, "the failed first delivery was retried");
    let detail = get_json(&format!("{b}/api/subscriptions/{id}"));
    let ds = detail["deliveries"].as_array().unwrap();
    assert!(ds.iter().all(|d| d["ok"] == true), "{detail}");
    assert!(ds.iter().any(|d| d["attempts"] == 2), "one delivery took a retry: {detail}");

    // the feed: well-formed Atom with the required elements, listing the new event
    let (s, xml) = get(&format!("{b}/api/subscriptions/{id}/feed.atom"));
    assert_eq!(s, 200);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("feed is not XML: {e}\n{xml}"));
    let feed = doc.root_element();
    let ns = "http://www.w3.org/2005/Atom";
    assert_eq!((feed.tag_name().namespace(), feed.tag_name().name()), (Some(ns), "feed"));
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children().find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some("http://www.w3.org/2005/Atom"))
    }
    let is_time = |s: &str| s.len() == 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z');
    for req in ["id", "title", "updated", "author"] {
        assert!(child(feed, req).is_some(), "feed/{req}");
    }
    assert!(is_time(child(feed, "updated").unwrap().text().unwrap()));
    let entries: Vec<_> = feed.children().filter(|c| c.tag_name().name() == "entry").collect();
    assert_eq!(entries.len(), 3 + got.len(), "the three seed RUS–KAZ events and the new ones");
    for e in &entries {
        for req in ["id", "title", "updated", "link", "summary"] {
            assert!(child(*e, req).is_some(), "entry/{req}");
        }
        assert!(is_time(child(*e, "updated").unwrap().text().unwrap()));
    }
    let ids: Vec<&str> = entries.iter().map(|e| child(*e, "id").unwrap().text().unwrap()).collect();
    let mut uniq = ids.clone();
    uniq.dedup();
    assert_eq!(uniq.len(), ids.len());
    assert!(ids.iter().any(|i| i.ends_with(&format!("/api/events/{}", ev["event_id"]))), "{ids:?}");
    // the feed of a plain query is the same list
    let (s, xml2) = get(&format!("{b}/api/feed.atom?dyad=RUS-KAZ&type=CONSULT"));
    assert_eq!(s, 200);
    assert_eq!(roxmltree::Document::parse(&xml2).unwrap().root_element().children().filter(|c| c.tag_name().name() == "entry").count(), entries.len());
}

fn python_with_pyarrow() -> Option<std::path::PathBuf> {
    let py = ["python3", "python"].iter().find(|p| std::process::Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success()))?;
    Some(std::path::PathBuf::from(py))
}

#[test]
fn exports_csv_jsonl_parquet_from_the_cli_and_the_api_and_pyarrow_reads_them() {
    let t = TempDir::new("export");
    let (_, db) = seeded(&t);
    let out = |fmt: &str| t.0.join(format!("e.{fmt}"));
    for fmt in ["csv", "jsonl", "parquet"] {
        let o = marsad().args(["export", "--format", fmt, "--dyad", "RUS-KAZ", "--db"]).arg(&db).arg("--out").arg(out(fmt)).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let csv = std::fs::read_to_string(out("csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("event_id,event_date,date_precision,date_start,date_end,date_source,event_type,event_mode,cameo_root,quad_class,intensity,modality,actor1_code,actor1_name"), "{header}");
    assert_eq!(csv.lines().count(), 4, "header and three RUS–KAZ events");
    let jl: Vec<serde_json::Value> = std::fs::read_to_string(out("jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(jl.len(), 3);
    assert!(jl.iter().any(|r| r["event_date"] == "2025-10-22" && r["sentence"].as_str().unwrap().contains("22 أكتوبر")));
    // bad filters are refused with a message
    let o = marsad().args(["export", "--format", "xls", "--db"]).arg(&db).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format"));
    let o = marsad().args(["export", "--dyad", "RUS", "--db"]).arg(&db).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("dyad"), "{}", String::from_utf8_lossy(&o.stderr));
    // and through the API
    let srv = Server::start(&db, None);
    let mut r = agent().get(&format!("{}/api/export?format=parquet&dyad=RUS-KAZ", srv.base)).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.body_mut().read_to_vec().unwrap();
    std::fs::write(t.0.join("api.parquet"), &bytes).unwrap();
    let (s, api_csv) = get(&format!("{}/api/export?format=csv&dyad=RUS-KAZ&sort=date", srv.base));
    assert_eq!(s, 200);
    assert_eq!(api_csv, csv, "the API's CSV is the command's");

    let Some(py) = python_with_pyarrow() else {
        eprintln!("SKIPPED: python3 is not installed, so the Parquet files were not loaded in pyarrow");
        return;
    };
    let script = r#"
import json, sys
import pyarrow.parquet as pq
out = []
for p in sys.argv[1:]:
    t = pq.read_table(p)
    out.append({"rows": t.num_rows, "columns": t.column_names, "dates": sorted(x for x in t.column("event_date").to_pylist() if x),
                "types": str(t.schema.field("num_mentions").type)})
print(json.dumps(out))
"#;
    let o = std::process::Command::new(&py).arg("-c").arg(script).arg(out("parquet")).arg(t.0.join("api.parquet")).output().unwrap();
    assert!(o.status.success(), "pyarrow could not read the files (install it: pip install pyarrow): {}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for f in v.as_array().unwrap() {
        assert_eq!(f["rows"], 3);
        assert_eq!(f["columns"][0], "event_id");
        assert_eq!(f["columns"].as_array().unwrap().len(), header.split(',').count());
        assert_eq!(f["dates"], serde_json::json!(["2024-11", "2025-10-22", "2025-11-12"]));
        assert_eq!(f["types"], "int64");
    }
}

#[test]
fn search_command_finds_articles_and_filters_events() {
    let t = TempDir::new("search");
    let (_, db) = seeded(&t);
    let o = marsad().args(["search", "لافروف", "--db"]).arg(&db).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("[لافروف]"), "{s}");
    assert!(s.contains("004_4fe84c6801f8dc08"), "{s}");
    let o = marsad().args(["search", "--dyad", "RUS-KAZ", "--from", "2025-10-01", "--to", "2025-10-31", "--json", "--db"]).arg(&db).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["events"]["total"], 1);
    assert_eq!(v["events"]["events"][0]["event_date"], "2025-10-22");
    let o = marsad().args(["search", "--type", "BOMB", "--db"]).arg(&db).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown event type"));
}

#[test]
fn two_hundred_concurrent_clients_get_no_errors() {
    let t = TempDir::new("load");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, None);
    let paths = [
        "/api/events?dyad=RUS-KAZ".to_string(),
        format!("/api/search?q={}", enc("لافروف")),
        "/api/timeline?interval=day".to_string(),
        "/api/graph".to_string(),
        "/api/articles/1".to_string(),
        "/api/stats".to_string(),
        "/".to_string(),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let (ok, errors) = (Arc::new(Mutex::new(0usize)), Arc::new(Mutex::new(Vec::<String>::new())));
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let (base, paths, ok, errors) = (srv.base.clone(), paths.clone(), ok.clone(), errors.clone());
            std::thread::spawn(move || {
                let ag = agent();
                let mut n = i;
                while std::time::Instant::now() < deadline {
                    let p = &paths[n % paths.len()];
                    n += 1;
                    match ag.get(&format!("{base}{p}")).call() {
                        Ok(mut r) => {
                            let status = r.status().as_u16();
                            match r.body_mut().with_config().limit(16 << 20).read_to_vec() {
                                Ok(_) if status == 200 => *ok.lock().unwrap() += 1,
                                Ok(_) => errors.lock().unwrap().push(format!("{p}: {status}")),
                                Err(e) => errors.lock().unwrap().push(format!("{p}: body: {e}")),
                            }
                        }
                        Err(e) => errors.lock().unwrap().push(format!("{p}: {e}")),
                    }
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let errors = errors.lock().unwrap();
    assert!(errors.is_empty(), "{} errors, e.g. {:?}", errors.len(), errors.iter().take(5).collect::<Vec<_>>());
    assert!(*ok.lock().unwrap() >= 200, "every client got answers: {}", ok.lock().unwrap());
}

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &std::path::Path, d: &std::path::Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn a_partitioned_parquet_dataset_reads_as_one_table_and_re_exports_identically() {
    let t = TempDir::new("dataset");
    let (_, db) = seeded(&t);
    let dir = t.0.join("events");
    let export = |dir: &std::path::Path| {
        let o = marsad().args(["export", "--format", "parquet", "--partition-by", "month", "--db"]).arg(&db).arg("--out").arg(dir).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    export(&dir);
    let first = tree(&dir);
    assert!(first.contains_key("year=2025/month=10/part-00000.parquet"), "{:?}", first.keys().collect::<Vec<_>>());
    assert!(first.contains_key("year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/part-00000.parquet"), "undated events");
    assert!(first.contains_key("_marsad_dataset.json"));
    // an unchanged store exports the same bytes, and no stray folder is left beside
    export(&dir);
    assert_eq!(tree(&dir), first, "re-exporting an unchanged store changed the files");
    let beside: Vec<_> = std::fs::read_dir(&t.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.contains("events")).collect();
    assert_eq!(beside, vec!["events".to_string()]);
    // a folder that is not a marsad dataset is never replaced
    let other = t.0.join("mine");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "keep me").unwrap();
    let o = marsad().args(["export", "--format", "parquet", "--partition-by", "month", "--db"]).arg(&db).arg("--out").arg(&other).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a marsad dataset"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(other.join("notes.txt")).unwrap(), "keep me");
    // --partition-by needs parquet and a folder
    let o = marsad().args(["export", "--format", "csv", "--partition-by", "month", "--db"]).arg(&db).arg("--out").arg(&other).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format parquet"));
    let o = marsad().args(["export", "--format", "parquet", "--partition-by", "week", "--db"]).arg(&db).arg("--out").arg(&other).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("month or year"));

    // what the store says
    let st: serde_json::Value = serde_json::from_slice(&marsad().args(["stats", "--json", "--db"]).arg(&db).output().unwrap().stdout).unwrap();
    let dyad = marsad().args(["export", "--format", "jsonl", "--dyad", "KAZ-RUS", "--db"]).arg(&db).output().unwrap();
    let dyad_rows = String::from_utf8_lossy(&dyad.stdout).lines().count();
    assert!(dyad_rows > 0);

    let Some(py) = python_with_pyarrow() else {
        eprintln!("SKIPPED: python3 is not installed, so the dataset was not loaded in pyarrow");
        return;
    };
    let script = r#"
import json, sys
import pyarrow.dataset as ds
import pyarrow.compute as pc
d = ds.dataset(sys.argv[1], format="parquet", partitioning="hive")
t = d.to_table()
a1, a2 = pc.field("actor1_code"), pc.field("actor2_code")
dyad = d.to_table(filter=((a1 == "KAZ") & (a2 == "RUS")) | ((a1 == "RUS") & (a2 == "KAZ")))
oct25 = d.to_table(filter=(pc.field("year") == 2025) & (pc.field("month") == 10))
print(json.dumps({"rows": t.num_rows, "dyad": dyad.num_rows, "oct25": oct25.num_rows,
                  "oct_dates": sorted(set(x[:7] for x in oct25.column("event_date").to_pylist())),
                  "undated": t.filter(pc.is_null(pc.field("year"))).num_rows,
                  "year_type": str(t.schema.field("year").type), "columns": t.column_names}))
"#;
    let o = std::process::Command::new(&py).arg("-c").arg(script).arg(&dir).output().unwrap();
    assert!(o.status.success(), "pyarrow could not read the dataset (install it: pip install pyarrow): {}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], st["events"], "{v}");
    assert_eq!(v["dyad"].as_u64(), Some(dyad_rows as u64), "the dyad query agrees with the store: {v}");
    assert!(v["oct25"].as_u64().unwrap() > 0);
    assert_eq!(v["oct_dates"], serde_json::json!(["2025-10"]));
    assert!(v["undated"].as_u64().unwrap() > 0, "undated events read as a null year: {v}");
    assert!(v["year_type"].as_str().unwrap().starts_with("int"), "{v}");
    assert_eq!(v["columns"].as_array().unwrap().len(), 42, "40 columns and the two partition keys");
}

/// Issue 13: the exports an analyst loads — DATE-typed `date_start`/`date_end` in pandas and
/// DuckDB, integer partition keys in both pyarrow and DuckDB, the GDELT-style columns filled,
/// the API's export in the command's order, and a GDELT-style query (events per month per dyad,
/// intensity per dyad) run in DuckDB agreeing with the store.
#[test]
fn exports_load_in_pandas_and_duckdb_with_dates_typed_and_a_gdelt_style_query_runs() {
    let t = TempDir::new("duckdb");
    let (_, db) = seeded(&t);
    let pq = t.0.join("e.parquet");
    let dir = t.0.join("events");
    for args in [vec!["--format", "parquet", "--out", pq.to_str().unwrap()], vec!["--format", "parquet", "--partition-by", "month", "--out", dir.to_str().unwrap()]] {
        let o = marsad().arg("export").args(&args).arg("--db").arg(&db).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = marsad().args(["export", "--format", "csv", "--db"]).arg(&db).output().unwrap();
    let cli_csv = String::from_utf8(o.stdout).unwrap();
    let o = marsad().args(["export", "--format", "jsonl", "--db"]).arg(&db).output().unwrap();
    let rows: Vec<serde_json::Value> = String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!rows.is_empty());
    for r in &rows {
        // every event says where its time comes from (the sample files have no publication date)
        match r["date_source"].as_str().unwrap() {
            "none" => assert!(r["date_start"].is_null() && r["date_end"].is_null(), "{r}"),
            "text" | "dateline" | "published" => assert!(r["date_start"].as_str().unwrap() <= r["date_end"].as_str().unwrap(), "{r}"),
            other => panic!("date_source {other}: {r}"),
        }
        assert!(r["cameo_root"].as_str().is_some_and(|c| c.len() == 2) && (1..=4).contains(&r["quad_class"].as_i64().unwrap()), "{r}");
        assert!(r["intensity"].as_f64().is_some_and(|i| (-10.0..=10.0).contains(&i)), "{r}");
    }
    // oldest first, from the command and from the API without a sort parameter
    let starts: Vec<Option<&str>> = rows.iter().map(|r| r["date_start"].as_str()).collect();
    assert!(starts.windows(2).all(|w| match (w[0], w[1]) {
        (Some(a), Some(b)) => a <= b,
        (_, None) => true,
        (None, Some(_)) => false,
    }), "{starts:?}");
    assert!(starts.iter().any(|s| s.is_some()), "{starts:?}");
    let srv = Server::start(&db, None);
    let (s, api_csv) = get(&format!("{}/api/export?format=csv", srv.base));
    assert_eq!(s, 200);
    assert_eq!(api_csv, cli_csv, "the API exports in the command's order");

    let Some(py) = python_with_pyarrow() else {
        eprintln!("SKIPPED: python3 is not installed, so the exports were not loaded in pandas and DuckDB");
        return;
    };
    let script = r#"
import json, sys
import duckdb, pandas as pd, pyarrow.dataset as ds
single, folder = sys.argv[1], sys.argv[2]
out = {}
df = pd.read_parquet(single)
out["pandas"] = [str(df["date_start"].dtype), str(df["date_end"].dtype), type(df["date_start"].dropna().iloc[0]).__name__]
con = duckdb.connect()
rel = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
out["duckdb"] = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
out["pyarrow"] = {f.name: str(f.type) for f in ds.dataset(folder, format="parquet", partitioning="hive").schema if f.name in ("year", "month", "date_start")}
out["per_month"] = con.execute(f"""
    SELECT year, month, actor1_code || '-' || actor2_code AS dyad, count(*) AS events, sum(num_mentions) AS mentions
    FROM {rel} WHERE actor1_code IS NOT NULL AND actor2_code IS NOT NULL AND year IS NOT NULL
    GROUP BY ALL ORDER BY ALL""").fetchall()
out["intensity"] = con.execute(f"""
    SELECT actor1_code || '-' || actor2_code AS dyad, round(avg(intensity), 2), round(sum(intensity * num_mentions), 2)
    FROM {rel} WHERE actor1_code IS NOT NULL AND actor2_code IS NOT NULL GROUP BY ALL ORDER BY ALL""").fetchall()
out["months_match"] = con.execute(f"SELECT count(*) FROM {rel} WHERE year <> year(date_start) OR month <> month(date_start)").fetchone()[0]
out["rows"] = con.execute(f"SELECT count(*) FROM read_parquet('{single}')").fetchone()[0]
print(json.dumps(out, default=str))
"#;
    let o = std::process::Command::new(&py).arg("-c").arg(script).arg(&pq).arg(&dir).output().unwrap();
    assert!(o.status.success(), "pandas or DuckDB could not read the exports (pip install pandas duckdb): {}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["pandas"][2], "date", "{v}");
    assert_eq!(v["pandas"][0], "object", "pandas keeps DATE as datetime.date objects: {v}");
    for c in ["date_start", "date_end"] {
        assert_eq!(v["duckdb"][c], "DATE", "{v}");
    }
    assert_eq!((v["duckdb"]["year"].as_str(), v["duckdb"]["month"].as_str()), (Some("BIGINT"), Some("BIGINT")), "{v}");
    assert_eq!((v["pyarrow"]["year"].as_str(), v["pyarrow"]["month"].as_str(), v["pyarrow"]["date_start"].as_str()), (Some("int32"), Some("int32"), Some("date32[day]")), "{v}");
    assert_eq!(v["months_match"], 0, "partition keys are date_start's year and month: {v}");
    assert_eq!(v["rows"].as_u64().unwrap() as usize, rows.len());
    // the GDELT-style query agrees with the rows exported
    let mut want: std::collections::BTreeMap<(i64, i64, String), (i64, i64)> = Default::default();
    for r in rows.iter().filter(|r| r["actor1_code"].is_string() && r["actor2_code"].is_string() && r["date_start"].is_string()) {
        let d = r["date_start"].as_str().unwrap();
        let k = (d[..4].parse().unwrap(), d[5..7].parse().unwrap(), format!("{}-{}", r["actor1_code"].as_str().unwrap(), r["actor2_code"].as_str().unwrap()));
        let e = want.entry(k).or_default();
        e.0 += 1;
        e.1 += r["num_mentions"].as_i64().unwrap();
    }
    let got: Vec<(i64, i64, String, i64, i64)> = serde_json::from_value(v["per_month"].clone()).unwrap();
    let want: Vec<(i64, i64, String, i64, i64)> = want.into_iter().map(|((y, m, d), (n, k))| (y, m, d, n, k)).collect();
    assert_eq!(got, want);
    assert!(!v["intensity"].as_array().unwrap().is_empty(), "{v}");
}
