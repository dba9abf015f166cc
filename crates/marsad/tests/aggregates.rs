//! Issue 13, end to end: `marsad ingest` of real Arabic fixture articles from 2015 (a Sisi–Bashir
//! meeting on the Renaissance Dam reported by two spellings of one outlet, Houthi attacks, an SPA
//! report with a Hijri dateline) and four published 2026-12-01 (a Sisi–Burhan meeting, Houthi
//! headlines). The 2026 reports make new events; the 2015 aggregates keep their dates and
//! counts; any order of the same articles gives the same aggregates; `marsad store
//! rebuild-events` re-derives exactly them; no dyad with an unknown side tops the stats.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{marsad, root, TempDir};

fn fixture(name: &str) -> PathBuf {
    root().join("crates/marsad/tests/fixtures/cross-time").join(name)
}

fn ingest(db: &Path, inputs: &[PathBuf]) -> String {
    let o = marsad().arg("ingest").arg("--db").arg(db).args(inputs).output().unwrap();
    assert!(o.status.success(), "ingest: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn rows(db: &Path) -> Vec<serde_json::Value> {
    let o = marsad().args(["export", "--format", "jsonl", "--db"]).arg(db).output().unwrap();
    assert!(o.status.success(), "export: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// What an analyst counts on, per event (without the store's ids).
fn aggregate(r: &serde_json::Value) -> String {
    let k = ["event_type", "actor1_code", "actor2_code", "event_date", "date_precision", "date_source", "date_start", "date_end", "num_mentions", "num_articles", "num_sources"];
    k.iter().map(|f| r[*f].to_string()).collect::<Vec<_>>().join(" ")
}

fn aggregates(db: &Path) -> Vec<String> {
    let mut v: Vec<String> = rows(db).iter().map(aggregate).collect();
    v.sort();
    v
}

#[test]
fn reports_from_another_time_make_new_events_and_old_aggregates_stay() {
    let t = TempDir::new("cross-time");
    let db = t.0.join("a.db");
    ingest(&db, &[fixture("2015.jsonl")]);
    let before = rows(&db);
    let consult: Vec<&serde_json::Value> = before.iter().filter(|r| r["event_type"] == "CONSULT" && r["actor1_code"] == "EGY" && r["actor2_code"] == "SDN").collect();
    assert_eq!(consult.len(), 1, "one 2015 meeting: {before:#?}");
    let c = consult[0];
    assert_eq!((c["event_date"].as_str(), c["date_source"].as_str()), (Some("2015-03-23"), Some("text")), "{c}");
    assert!(c["num_articles"].as_i64().unwrap() >= 2, "{c}");
    assert_eq!(c["num_sources"], 1, "AHDATH.INFO and Ahdath.info are one source: {c}");
    // the Hijri dateline dates the SPA report (26 شوال 1436 = 2015-08-11)
    assert!(before.iter().any(|r| r["date_start"] == "2015-08-11" && r["date_source"] == "dateline"), "{before:#?}");

    let out = ingest(&db, &[fixture("2026.jsonl")]);
    assert!(out.contains("new 4"), "{out}");
    let after = rows(&db);
    for r in &before {
        assert!(after.contains(r), "a 2015 event changed when 2026 reports arrived: {r}\nnow: {after:#?}");
    }
    let old_ids: BTreeSet<i64> = before.iter().map(|r| r["event_id"].as_i64().unwrap()).collect();
    let new: Vec<&serde_json::Value> = after.iter().filter(|r| !old_ids.contains(&r["event_id"].as_i64().unwrap())).collect();
    assert!(new.iter().any(|r| r["event_type"] == "CONSULT" && r["actor1_code"] == "EGY" && r["actor2_code"] == "SDN"), "the 2026 meeting is an event of its own: {new:#?}");
    for r in &new {
        assert!(r["date_start"].as_str().is_some_and(|d| d >= "2026-11-28"), "a new event is of 2026: {r}");
        assert!(r["date_start"].as_str() >= Some("1900") && r["event_date"].as_str().is_none_or(|d| !d.starts_with("14")), "{r}");
    }
    // the two reports of the 2026 meeting are one event, from one normalised source or two
    let c26: Vec<&&serde_json::Value> = new.iter().filter(|r| r["event_type"] == "CONSULT" && r["actor1_code"] == "EGY" && r["actor2_code"] == "SDN").collect();
    assert_eq!(c26.len(), 1, "{new:#?}");
    assert_eq!((c26[0]["num_articles"].as_i64(), c26[0]["num_sources"].as_i64()), (Some(2), Some(2)), "ahdath.info and example.com: {}", c26[0]);

    // the same articles in other orders give the same aggregates
    let want = aggregates(&db);
    let db2 = t.0.join("b.db");
    ingest(&db2, &[fixture("2026.jsonl")]);
    ingest(&db2, &[fixture("2015.jsonl")]);
    assert_eq!(aggregates(&db2), want, "2026 first");
    let mixed = t.0.join("mixed.jsonl");
    let mut lines: Vec<String> = [fixture("2026.jsonl"), fixture("2015.jsonl")].iter().flat_map(|p| std::fs::read_to_string(p).unwrap().lines().map(String::from).collect::<Vec<_>>()).collect();
    lines.reverse();
    std::fs::write(&mixed, lines.join("\n") + "\n").unwrap();
    let db3 = t.0.join("c.db");
    ingest(&db3, &[mixed]);
    assert_eq!(aggregates(&db3), want, "one run, reversed");

    // rebuilding re-derives the same events, ids and all
    let o = marsad().args(["store", "rebuild-events", "--json", "--db"]).arg(&db).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["mentions_moved"], 0, "{r}");
    assert_eq!(rows(&db), after);

    // no unknown side tops the dyads
    let o = marsad().args(["stats", "--json", "--db"]).arg(&db).output().unwrap();
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for d in s["top_dyads"].as_array().unwrap() {
        assert!(d["source"] != "?" && d["target"] != "?", "{s}");
    }
    // a bad store path is a clear error, not a panic
    let o = marsad().args(["store", "rebuild-events", "--db"]).arg(t.0.join("missing.db")).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing.db"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The analyst's columns beyond GDELT's basics: each side's sector (from the person's role or the
/// organisation's kind; an armed group's code), the count of the dead a killing's sentence gives
/// (not the wounded), and the gazetteer's kind of the place.
#[test]
fn exports_carry_sectors_fatalities_and_the_places_kind() {
    let t = TempDir::new("sectors");
    let db = t.0.join("k.db");
    ingest(&db, &[fixture("killings-2015.jsonl"), fixture("2015.jsonl")]);
    let rows = rows(&db);
    let find = |f: &dyn Fn(&serde_json::Value) -> bool| rows.iter().find(|r| f(r)).unwrap_or_else(|| panic!("{rows:#?}"));
    let k = find(&|r| r["event_type"] == "ASSAULT" && r["sentence"].as_str().unwrap().contains("12 جنديا"));
    assert_eq!((k["fatalities"].as_i64(), k["actor1_sector"].as_str()), (Some(12), Some("REB")), "30 wounded are not dead: {k}");
    let k = find(&|r| r["event_type"] == "ASSAULT" && r["sentence"].as_str().unwrap().contains("3 فلسطينيين"));
    assert_eq!(k["fatalities"].as_i64(), Some(3), "7 wounded are not dead: {k}");
    let c = find(&|r| r["event_type"] == "CONSULT" && r["actor2_code"] == "USA");
    assert_eq!((c["actor1_sector"].as_str(), c["actor2_sector"].as_str()), (Some("GOV"), Some("GOV")), "two foreign ministers: {c}");
    let c = find(&|r| r["event_type"] == "CONSULT" && r["actor2_code"] == "SDN");
    assert_eq!(c["fatalities"], serde_json::Value::Null, "no count for a meeting: {c}");
    assert!(rows.iter().any(|r| r["action_geo_feature_class"] == "capital"), "{rows:#?}");
    assert!(rows.iter().filter(|r| r["event_type"] != "ASSAULT").all(|r| r["fatalities"].is_null()));
}

/// A Hijri date is stored converted, with its Hijri value shown beside it in the article view.
#[test]
fn a_hijri_dateline_is_shown_with_both_calendars() {
    let t = TempDir::new("hijri");
    let db = t.0.join("h.db");
    ingest(&db, &[fixture("2015.jsonl")]);
    let srv = support::Server::start(&db, None);
    let arts = support::get_json(&format!("{}/api/search?q={}", srv.base, support::enc("جازان")));
    let id = arts["hits"][0]["article_id"].as_i64().unwrap_or_else(|| panic!("{arts}"));
    let a = support::get_json(&format!("{}/api/articles/{id}", srv.base));
    let d = &a["dates"][0];
    assert_eq!((d["code"].as_str(), d["name"].as_str(), d["role"].as_str()), (Some("2015-08-11"), Some("1436-10-26 AH"), Some("day")), "{a}");
    assert_eq!(a["reference_date"], "2015-08-11");
}

/// A store written before schema version 4 (events without their time) is healed by the next
/// ingest, which says so, and then holds what a fresh store holds.
#[test]
fn ingest_heals_a_store_written_before_version_3() {
    let t = TempDir::new("heal");
    let db = t.0.join("old.db");
    ingest(&db, &[fixture("2015.jsonl")]);
    let want = rows(&db);
    {
        // what version 2 left: no report or event times
        let s = marsad_store::SqliteStore::open(&db).unwrap();
        s.connection()
            .execute_batch("UPDATE events SET date_source = NULL, date_start = NULL, date_end = NULL; UPDATE event_mentions SET date_source = NULL, date_start = NULL, date_end = NULL;")
            .unwrap();
    }
    let o = marsad().arg("ingest").arg("--db").arg(&db).arg(fixture("2015.jsonl")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("events re-derived from their reports for schema version 4"), "{err}");
    // every event has its time again, read from its reports by the extractor's rules (a text
    // date or the article's date; whether that date was the dateline is not stored before
    // version 4), and the same reports make the same events
    let got = rows(&db);
    assert_eq!(got.len(), want.len());
    let counts = |v: &[serde_json::Value]| {
        let mut c: Vec<(String, i64, i64)> = v.iter().map(|r| (r["event_type"].to_string(), r["num_mentions"].as_i64().unwrap(), r["num_articles"].as_i64().unwrap())).collect();
        c.sort();
        c
    };
    assert_eq!(counts(&got), counts(&want));
    for r in &got {
        assert!(["text", "dateline", "published"].contains(&r["date_source"].as_str().unwrap()), "{r}");
        assert!(r["date_start"].as_str().unwrap() >= "2015-03-01", "{r}");
    }
}
