//! `marsad ingest` and `marsad stats` as a user runs them: the seeds stored once, a lightly
//! edited copy in the seed's cluster, another report of the same meeting merged into the
//! seed's event, bad input reported, and a kill -9 in the middle of a large ingest losing
//! nothing that was committed.

mod support;

use marsad_store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn marsad() -> Command {
    Command::new(env!("CARGO_BIN_EXE_marsad"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("crates/ingest/tests/fixtures").join(name)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("marsad-{tag}-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ingest(db: &Path, inputs: &[PathBuf]) -> (i32, serde_json::Value, String) {
    let out = marsad().arg("ingest").arg("--json").arg("--db").arg(db).args(inputs).output().unwrap();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("summary JSON: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), summary, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn stats(db: &Path) -> serde_json::Value {
    let out = marsad().arg("stats").arg("--json").arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn seeds_twice_are_five_articles_and_stats_reports_them() {
    let t = TempDir::new("seeds");
    let db = t.0.join("m.db");
    let (code, s1, err) = ingest(&db, &[root().join("samples")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!((s1["read"].as_u64(), s1["new"].as_u64(), s1["failed"].as_u64()), (Some(5), Some(5), Some(0)));
    let (code, s2, _) = ingest(&db, &[root().join("samples")]);
    assert_eq!(code, 0);
    assert_eq!((s2["new"].as_u64(), s2["duplicate"].as_u64()), (Some(0), Some(5)));
    let st = stats(&db);
    for k in ["articles", "clusters", "events", "mentions", "sources"] {
        assert!(st[k].is_i64(), "stats --json has integer {k}: {st}");
    }
    assert_eq!(st["articles"], 5);
    assert_eq!(st["clusters"], 5, "five different stories");
    assert_eq!(st["sightings"], 5, "a second run of the same files adds no sighting");
    // the human form names the same numbers
    let out = marsad().arg("stats").arg("--db").arg(&db).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("articles    5"), "{text}");
}

#[test]
fn an_edited_copy_joins_the_seed_cluster_and_a_second_report_adds_a_mention() {
    let t = TempDir::new("dedup");
    let db = t.0.join("m.db");
    let (code, _, err) = ingest(&db, &[root().join("samples")]);
    assert_eq!(code, 0, "{err}");
    let events_before = stats(&db)["events"].as_i64().unwrap();
    let (code, s, err) = ingest(&db, &[fixture("seed-copy.txt")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!((s["new"].as_u64(), s["clusters_joined"].as_u64()), (Some(1), Some(1)), "{s}");
    let mut store = SqliteStore::open(&db).unwrap();
    let seed = store.cluster_of("004_4fe84c6801f8dc08").unwrap().unwrap();
    assert_eq!(store.cluster_of("seed-copy").unwrap(), Some(seed), "the edited copy lands in the seed's cluster");
    for other in ["000_274dd2e25862baf1", "001_aab35a8e27cb08f8", "002_c7ecc5b4abfe951f", "003_b729a07f9698dee4"] {
        assert_ne!(store.cluster_of(other).unwrap(), Some(seed), "{other} is another story");
    }
    // the copy repeats the seed's events: mentions grow, events do not
    let after_copy = stats(&db);
    assert_eq!(after_copy["events"].as_i64().unwrap(), events_before, "the copy adds no event");

    // the Lavrov–Kazykhanov meeting of 22 October 2025, reported in other words
    let seed_event = consult_rus_kaz(&mut store);
    let (code, s, err) = ingest(&db, &[fixture("lavrov-second-report.txt")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["clusters_joined"].as_u64(), Some(0), "a different article, not a copy: {s}");
    let merged = consult_rus_kaz(&mut store);
    match (seed_event, merged) {
        (Some(before), Some(after)) => {
            assert_eq!(before.id, after.id, "the second report joins the seed's event");
            assert_eq!(after.num_articles, before.num_articles + 1);
            assert!(after.num_mentions > before.num_mentions);
        }
        (b, a) => panic!(
            "the extractor finds no CONSULT RUS–KAZ 2025-10-22 event (before: {b:?}, after: {a:?}); \
             check `marsad extract samples/004_4fe84c6801f8dc08.txt` and the trigger lexicon"
        ),
    }
    let after = stats(&db);
    assert!(after["mentions"].as_i64() > after_copy["mentions"].as_i64());
}

fn consult_rus_kaz(store: &mut SqliteStore) -> Option<marsad_store::StoredEvent> {
    store.events(10_000).unwrap().into_iter().find(|e| {
        e.event_type == "CONSULT"
            && matches!((e.source.as_deref(), e.target.as_deref()), (Some("KAZ"), Some("RUS")) | (Some("RUS"), Some("KAZ")))
            && e.date.as_deref() == Some("2025-10-22")
    })
}

#[test]
fn bad_input_is_reported_with_path_and_reason_and_the_run_goes_on() {
    let t = TempDir::new("bad");
    let db = t.0.join("m.db");
    ingest(&db, &[root().join("samples")]);
    let before = stats(&db);
    let (code, s, err) = ingest(&db, &[fixture("bad")]);
    assert_eq!(code, 1, "exit code 1 when anything failed");
    assert_eq!((s["new"].as_u64(), s["failed"].as_u64()), (Some(1), Some(8)), "{s}\n{err}");
    for needle in [
        "bad/binary.txt: binary data",
        "bad/empty.txt: empty file",
        "bad/records.jsonl:2: not valid JSON",
        "bad/truncated.html: no article text found",
        "bad/unknown-charset.html: declares unknown character encoding",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    let after = stats(&db);
    assert_eq!(after["articles"].as_i64().unwrap(), before["articles"].as_i64().unwrap() + 1);
    assert_eq!(after["events"].as_i64() >= before["events"].as_i64(), true);
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn check_consistent(db: &Path) {
    let store = SqliteStore::open(db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    support::assert_consistent(store.connection());
}

#[test]
fn kill_9_during_a_large_ingest_loses_nothing_committed() {
    const N: usize = 3000;
    let t = TempDir::new("kill");
    let corpus = t.0.join("big.jsonl");
    support::synthetic_corpus(&corpus, N);
    let db = t.0.join("m.db");
    let mut killed_at = Vec::new();
    // kill twice, at different depths, then let a third run finish
    for threshold in [50, 600] {
        let mut child = marsad()
            .args(["ingest", "--batch", "25", "--db"])
            .arg(&db)
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if db.exists() && count(&db, "SELECT count(*) FROM articles") >= threshold {
                break;
            }
            if let Some(st) = child.try_wait().unwrap() {
                panic!("ingest ended ({st}) before it could be killed; make the corpus larger");
            }
            assert!(Instant::now() < deadline, "no articles committed in 120 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let n = count(&db, "SELECT count(*) FROM articles");
        assert!(n >= threshold && (n as usize) < N, "killed mid-run with {n} articles");
        check_consistent(&db);
        killed_at.push(n);
    }
    assert!(killed_at[1] >= killed_at[0], "the second run continued from the first: {killed_at:?}");
    let (code, s, err) = ingest(&db, &[corpus.clone()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s["duplicate"].as_i64().unwrap(), killed_at[1], "the last run skipped exactly what was committed: {s}");
    assert_eq!(s["new"].as_i64().unwrap(), N as i64 - killed_at[1]);
    check_consistent(&db);
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), N as i64);
    assert_eq!(count(&db, "SELECT count(DISTINCT ext_id) FROM articles"), N as i64);
    assert_eq!(count(&db, "SELECT count(*) FROM sightings"), N as i64);
    assert_eq!(stats(&db)["articles"], N as i64);
}
