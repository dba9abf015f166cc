//! PostgreSQL as the store, as a user runs it: the same commands with `--db postgres://…` give
//! the same answers as the embedded store (stats, search, export, every API endpoint), and
//! four `marsad ingest` processes writing one database at once, with overlapping inputs, store
//! every article once and lose nothing, run after run.
//!
//! Needs the throwaway cluster of `scripts/pg-cluster.sh` (`.ci/run` starts it and sets
//! `MARSAD_TEST_PG` and `MARSAD_REQUIRE_PG`); without it these tests say they skipped.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

fn pg(test: &str) -> Option<String> {
    marsad_store::testing::fresh_pg_database(test)
}

fn stats(data: &Path, db: &str) -> serde_json::Value {
    let out = marsad().arg("--data").arg(data).args(["stats", "--json", "--db", db]).output().unwrap();
    assert!(out.status.success(), "stats --db {db}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The value with the fields that name a moment or a database-specific score taken out, and
/// search hits in article order (SQLite ranks by BM25, PostgreSQL by ts_rank: the same hits,
/// not always in the same order).
/// Events found under a search in id order: they are ranked by their articles' relevance,
/// BM25 on SQLite and ts_rank on PostgreSQL, whose near-ties order differently.
fn unranked(mut v: serde_json::Value) -> serde_json::Value {
    fn sort(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::Array(e)) = m.get_mut("events") {
                    e.sort_by_key(|x| x["event_id"].as_i64());
                }
                m.values_mut().for_each(sort);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(sort),
            _ => {}
        }
    }
    sort(&mut v);
    v
}

fn stable(mut v: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for k in ["added_at", "ingested_at", "seen_at", "created_at", "at", "score", "seconds", "db"] {
                    m.remove(k);
                }
                if let Some(serde_json::Value::Array(h)) = m.get_mut("hits") {
                    h.sort_by_key(|x| x["article_id"].as_i64());
                }
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn postgres_gives_the_embedded_stores_answers_to_every_command_and_endpoint() {
    let Some(url) = pg("postgres_gives_the_embedded_stores_answers") else { return };
    let t = TempDir::new("pg-same");
    let (data, sqlite) = seeded(&t);
    ingest(&data, &url, &[root().join("samples")]);
    let sqlite = sqlite.to_str().unwrap().to_string();

    // ingest again: idempotent on both
    ingest(&data, &url, &[root().join("samples")]);
    ingest(&data, &sqlite, &[root().join("samples")]);
    let (a, b) = (stats(&data, &sqlite), stats(&data, &url));
    assert_eq!(a, b, "stats differ between SQLite and PostgreSQL");
    assert_eq!(b["articles"], 5);
    assert_eq!(b["sightings"], 5);

    // search and export from the command line
    for args in [
        vec!["search", "--json", "كازاخستان"],
        vec!["search", "--json", "--dyad", "KAZ-RUS"],
        vec!["export", "--format", "jsonl"],
        vec!["export", "--format", "csv", "--type", "CONSULT"],
    ] {
        let run = |db: &str| -> String {
            let out = marsad().arg("--data").arg(&data).args(&args).args(["--db", db]).output().unwrap();
            assert!(out.status.success(), "{args:?} --db {db}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let (x, y) = (run(&sqlite), run(&url));
        if args[0] == "search" || args.contains(&"jsonl") {
            let parse = |s: &str| -> Vec<serde_json::Value> { s.lines().map(|l| unranked(stable(serde_json::from_str(l).unwrap()))).collect() };
            assert_eq!(parse(&x), parse(&y), "{args:?}");
        } else {
            // CSV: drop the last column, added_at (when the article was stored)
            assert!(x.lines().next().unwrap().ends_with(",added_at"));
            let cut = |s: &str| -> Vec<String> { s.lines().map(|l| l.rsplit_once(',').map_or(l, |x| x.0).to_string()).collect() };
            assert_eq!(cut(&x), cut(&y), "{args:?}");
            assert!(x.lines().count() > 1, "some CONSULT events to compare");
        }
    }

    // a partitioned Parquet dataset: the same files with the same row counts
    let manifest = |db: &str, name: &str| -> serde_json::Value {
        let dir = t.0.join(name);
        let out = marsad().args(["export", "--format", "parquet", "--partition-by", "month", "--db", db]).arg("--out").arg(&dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&std::fs::read_to_string(dir.join("_marsad_dataset.json")).unwrap()).unwrap()
    };
    let (m1, m2) = (manifest(&sqlite, "ds-sqlite"), manifest(&url, "ds-pg"));
    assert_eq!(m1, m2, "the datasets differ");
    assert!(m2["files"].as_array().unwrap().len() > 3);

    // the HTTP API: every read endpoint
    let (s1, s2) = (Server::start(&sqlite, None), Server::start(&url, None));
    let first_event = get_json(&format!("{}/api/events?limit=1", s1.base))["events"][0]["event_id"].as_i64().expect("an event");
    for path in [
        "/api/stats".to_string(),
        "/api/events?limit=100".into(),
        "/api/events?dyad=KAZ-RUS&sort=-mentions".into(),
        format!("/api/events?q={}", enc("لافروف")),
        format!("/api/events/{first_event}"),
        "/api/articles/1".into(),
        "/api/articles/5".into(),
        "/api/actors".into(),
        "/api/actors/KAZ".into(),
        "/api/timeline?interval=day".into(),
        "/api/timeline?interval=week".into(),
        "/api/timeline?interval=month".into(),
        "/api/graph".into(),
        "/api/timeline?interval=exact".into(),
        "/api/timeline?dyad=RUS-KAZ&interval=day".into(),
        "/api/places".into(),
        format!("/api/events?limit=100&actor={}", enc("روسيا")),
        format!("/api/events?limit=100&q={}", enc("كازاخستان")),
        format!("/api/search?q={}", enc("وزير الخارجية")),
        format!("/api/search?q={}", enc("تركيا")),
    ] {
        let (a, b) = (get_json(&format!("{}{path}", s1.base)), get_json(&format!("{}{path}", s2.base)));
        let (a, b) = if path.contains("q=") { (unranked(a), unranked(b)) } else { (a, b) };
        assert_eq!(stable(a), stable(b), "GET {path} differs between SQLite and PostgreSQL");
    }
    // the writes a server makes: a subscription, its feed, its removal
    drop(s2);
    let s2 = Server::start(&url, Some("pg-token"));
    let ag = agent();
    let mut r = ag
        .post(&format!("{}/api/subscriptions", s2.base))
        .header("Authorization", "Bearer pg-token")
        .send(r#"{"name":"kaz","filter":{"actor":"KAZ"}}"#)
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let id = created["subscription"]["id"].as_i64().unwrap();
    assert_eq!(get_json(&format!("{}/api/subscriptions", s2.base))["subscriptions"][0]["name"], "kaz");
    let (code, feed) = get(&format!("{}/api/subscriptions/{id}/feed.atom", s2.base));
    assert_eq!(code, 200);
    assert!(feed.matches("<entry>").count() > 0, "{feed}");
    let r = ag.delete(&format!("{}/api/subscriptions/{id}", s2.base)).header("Authorization", "Bearer pg-token").call().unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(get(&format!("{}/api/subscriptions/{id}", s2.base)).0, 404);

    let hits = get_json(&format!("{}/api/search?q={}", s2.base, enc("كازاخستان")));
    assert!(hits["total"].as_i64().unwrap() >= 3, "search works on PostgreSQL: {hits}");
    let (code, _) = get(&format!("{}/api/articles/999", s2.base));
    assert_eq!(code, 404);
}

/// `n` distinct synthetic articles as JSON Lines records.
fn synthetic(dir: &Path, n: usize) -> Vec<String> {
    let path = dir.join("synthetic.jsonl");
    synthetic_corpus(&path, n);
    std::fs::read_to_string(&path).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn four_concurrent_ingesters_store_every_article_once_and_lose_nothing() {
    const N: usize = 160;
    const SHARDS: usize = 4;
    let t = TempDir::new("pg-concurrent");
    let data = data_dir(&t);
    let records = synthetic(&t.0, N);
    // shard k holds articles [k·N/4, k·N/4 + N/2): every article is in two shards, read by two
    // processes at once
    let mut shards: Vec<PathBuf> = Vec::new();
    for k in 0..SHARDS {
        let p = t.0.join(format!("shard{k}.jsonl"));
        let lines: Vec<&str> = (0..N / 2).map(|j| records[(k * N / SHARDS + j) % N].as_str()).collect();
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        shards.push(p);
    }
    // the reference: one process, one after the other, into SQLite
    let reference = t.0.join("ref.db");
    ingest(&data, &reference, &shards);
    let want = stats(&data, reference.to_str().unwrap());
    assert_eq!(want["articles"], N as i64);

    for round in 0..3 {
        let Some(url) = pg(&format!("four_concurrent_ingesters round {round}")) else { return };
        let children: Vec<_> = shards
            .iter()
            .map(|s| {
                Command::new(env!("CARGO_BIN_EXE_marsad"))
                    .arg("--data")
                    .arg(&data)
                    .args(["ingest", "--json", "--batch", "10", "--workers", "1", "--db", &url])
                    .arg(s)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut new = 0;
        let mut duplicate = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
            let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            new += s["new"].as_i64().unwrap();
            duplicate += s["duplicate"].as_i64().unwrap();
        }
        assert_eq!(new, N as i64, "round {round}: each article stored by exactly one process");
        assert_eq!(duplicate, (SHARDS * N / 2 - N) as i64, "round {round}: the other reads are duplicates");
        let got = stats(&data, &url);
        for k in ["articles", "sightings", "sources", "events", "mentions", "entity_mentions", "quantities", "events_by_type", "top_dyads"] {
            assert_eq!(got[k], want[k], "round {round}: {k} differs from one process into SQLite");
        }
        assert_eq!(got["sightings"], (SHARDS * N / 2) as i64, "every read is a sighting (each shard line is its own origin)");
        // the counts stored on events agree with the mentions
        let out = marsad().arg("--data").arg(&data).args(["export", "--format", "jsonl", "--db", &url]).output().unwrap();
        assert!(out.status.success());
        let rows: Vec<serde_json::Value> = out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
        let mentions: i64 = rows.iter().map(|r| r["num_mentions"].as_i64().unwrap()).sum();
        assert_eq!(mentions, got["mentions"].as_i64().unwrap(), "round {round}: event mention counts add up");
    }
}

#[test]
fn a_bad_postgres_url_is_a_clear_error() {
    let out = marsad().args(["stats", "--db", "postgres://nobody:s3cret@127.0.0.1:1/none"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1") && !err.contains("s3cret"), "{err}");
}

/// A count from the PostgreSQL store.
fn pg_count(url: &str, sql: &str) -> i64 {
    let db = marsad_store::PgDb::connect(url).unwrap();
    let db: &dyn marsad_store::Db = &db;
    db.one(sql, &[]).unwrap()
}

fn pg_consistent(url: &str) {
    let db = marsad_store::PgDb::connect(url).unwrap();
    assert_consistent(&db);
    let searchable = "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_search s WHERE s.article_id = a.id)";
    assert_eq!(pg_count(url, searchable), 0, "every article is searchable");
}

#[test]
fn kill_9_during_an_ingest_into_postgres_loses_nothing_committed() {
    const N: usize = 300;
    let Some(url) = pg("kill_9_during_an_ingest_into_postgres") else { return };
    let t = TempDir::new("pg-kill");
    let data = data_dir(&t);
    let corpus = t.0.join("big.jsonl");
    synthetic_corpus(&corpus, N);
    let mut child = marsad()
        .arg("--data")
        .arg(&data)
        .args(["ingest", "--batch", "10", "--workers", "1", "--db", &url])
        .arg(&corpus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let has_schema = |u: &str| pg_count(u, "SELECT count(*) FROM pg_tables WHERE tablename = 'articles'") > 0;
    while !(has_schema(&url) && pg_count(&url, "SELECT count(*) FROM articles") >= 30) {
        if let Some(st) = child.try_wait().unwrap() {
            panic!("ingest ended ({st}) before it could be killed; make the corpus larger");
        }
        assert!(std::time::Instant::now() < deadline, "no articles committed in 120 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: the open transaction dies with the connection
    child.wait().unwrap();
    let n = pg_count(&url, "SELECT count(*) FROM articles");
    assert!(n >= 30 && (n as usize) < N, "killed mid-run with {n} articles");
    pg_consistent(&url);
    // a second run stores exactly the rest
    let out = marsad().arg("--data").arg(&data).args(["ingest", "--json", "--db", &url]).arg(&corpus).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["duplicate"].as_i64(), Some(n), "{s}");
    assert_eq!(s["new"].as_i64(), Some(N as i64 - n), "{s}");
    pg_consistent(&url);
    assert_eq!(pg_count(&url, "SELECT count(DISTINCT ext_id) FROM articles"), N as i64);
    assert_eq!(pg_count(&url, "SELECT count(*) FROM sightings"), N as i64);
}
