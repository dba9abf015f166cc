//! The store's behaviour, each test run on SQLite and, when a test cluster is up
//! (`scripts/pg-cluster.sh`), on PostgreSQL.

use crate::*;
use marsad_extract::{Article, ArticleOut, Event};

fn event(t: &str, s: &str, g: &str, date: Option<&str>) -> Event {
    serde_json::from_value(serde_json::json!({
        "type": t, "modality": "asserted",
        "source": {"actor": (s != "?").then_some(s)}, "target": {"actor": (g != "?").then_some(g)},
        "date": date, "trigger": "التقى", "start": 0, "end": 5, "sentence": 0,
        "evidence": "التقى", "gloss": format!("{s} met {g}")
    }))
    .unwrap()
}

fn art(id: &str, source: Option<&str>, hash: u8, events: Vec<Event>) -> NewArticle {
    let extracted: ArticleOut = serde_json::from_value(serde_json::json!({
        "id": id, "sentences": [], "mentions": [
            {"kind": "COUNTRY", "text": "روسيا", "actor": "RUS", "how": "kb", "start": 0, "end": 5, "sentence": 0}
        ], "events": [], "unrealised": [], "quantities": [], "dates": []
    }))
    .unwrap();
    let extracted = ArticleOut { events, ..extracted };
    NewArticle {
        article: Article { id: id.into(), text: format!("text {id}"), ..Default::default() },
        origin: format!("test/{id}"),
        source: source.map(String::from),
        content_hash: [hash; 16],
        signature: vec![1, 2, 3, hash as u32],
        bands: vec![hash as i64, 1000],
        extracted,
        search_forms: None,
    }
}

#[test]
fn fresh_database_gets_the_current_schema_and_reopens() {
    let dir = std::env::temp_dir().join(format!("marsad-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.db");
    let _ = std::fs::remove_file(&path);
    {
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), crate::sqlite::SCHEMA_VERSION);
        let mode: String = s.connection().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.begin().unwrap();
        s.insert(&art("a", None, 1, vec![]), ClusterChoice::New).unwrap();
        s.commit().unwrap();
    }
    // reopening applies nothing twice and keeps the data
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.stats(5).unwrap().articles, 1);
    // a database written by a newer marsad is refused, not rewritten
    s.connection().execute("UPDATE schema_version SET version = 99", []).unwrap();
    drop(s);
    match SqliteStore::open(&path) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn writes_need_a_batch_and_rollback_keeps_nothing(s: &mut dyn Store) {
    assert!(matches!(s.insert(&art("a", None, 1, vec![]), ClusterChoice::New), Err(StoreError::NoBatch)));
    s.begin().unwrap();
    assert!(matches!(s.begin(), Err(StoreError::BatchOpen)));
    s.insert(&art("a", None, 1, vec![event("CONSULT", "RUS", "KAZ", None)]), ClusterChoice::New).unwrap();
    assert!(s.find_by_hash(&[1; 16]).unwrap().is_some(), "a batch sees its own writes");
    s.rollback().unwrap();
    let st = s.stats(5).unwrap();
    assert_eq!((st.articles, st.events, st.clusters, st.mentions), (0, 0, 0, 0));
    assert!(s.find_by_hash(&[1; 16]).unwrap().is_none());
}

fn events_merge_on_type_actors_and_compatible_dates(s: &mut dyn Store) {
    s.begin().unwrap();
    let a = s
        .insert(&art("a", Some("TASS"), 1, vec![event("CONSULT", "RUS", "KAZ", Some("2025-10-22"))]), ClusterChoice::New)
        .unwrap();
    assert_eq!((a.events_added, a.events_merged), (1, 0));
    // symmetric type: the reverse order is the same dyad; same date → merged
    let b = s
        .insert(&art("b", Some("Kazinform"), 2, vec![event("CONSULT", "KAZ", "RUS", Some("2025-10-22"))]), ClusterChoice::New)
        .unwrap();
    assert_eq!((b.events_added, b.events_merged), (0, 1));
    // a missing date joins the dated event
    let c = s.insert(&art("c", Some("TASS"), 3, vec![event("CONSULT", "RUS", "KAZ", None)]), ClusterChoice::Join(a.cluster)).unwrap();
    assert_eq!((c.events_added, c.events_merged), (0, 1));
    // another date is another event; another type too; ASSAULT is directed
    let d = s
        .insert(
            &art(
                "d",
                None,
                4,
                vec![
                    event("CONSULT", "RUS", "KAZ", Some("2025-11-01")),
                    event("AGREE", "RUS", "KAZ", Some("2025-10-22")),
                    event("ASSAULT", "RUS", "UKR", None),
                    event("ASSAULT", "UKR", "RUS", None),
                ],
            ),
            ClusterChoice::New,
        )
        .unwrap();
    assert_eq!((d.events_added, d.events_merged), (4, 0));
    s.commit().unwrap();
    let evs = s.events(10).unwrap();
    assert_eq!(evs.len(), 5);
    let top = &evs[0];
    assert_eq!((top.event_type.as_str(), top.source.as_deref(), top.target.as_deref()), ("CONSULT", Some("KAZ"), Some("RUS")));
    assert_eq!(top.date.as_deref(), Some("2025-10-22"));
    assert_eq!((top.num_mentions, top.num_articles, top.num_sources), (3, 3, 2));
    let st = s.stats(5).unwrap();
    assert_eq!((st.articles, st.clusters, st.events, st.mentions, st.sources), (4, 3, 5, 7, 3));
    assert_eq!(st.multi_article_clusters, 1);
    assert_eq!(st.events_multi_article, 1);
}

/// An article with a publication date (and a cluster of its own unless joined).
fn dated(id: &str, source: &str, hash: u8, published: &str, events: Vec<Event>) -> NewArticle {
    let mut a = art(id, Some(source), hash, events);
    a.article.published = Some(published.into());
    a.extracted.published = Some(published.into());
    a.extracted.reference_date = Some(published.into());
    a
}

/// What an analyst counts on: (type, source, target, date, date_source, date_start, date_end,
/// mentions, articles, sources), sorted.
type Agg = (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, i64, i64, i64);

fn aggregates(s: &mut dyn Store) -> Vec<Agg> {
    let mut v: Vec<Agg> = s
        .events(100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.event_type, e.source, e.target, e.date, e.date_source, e.date_start, e.date_end, e.num_mentions, e.num_articles, e.num_sources))
        .collect();
    v.sort();
    v
}

/// The articles of issue 13's scenario: 2015 reports of an Egypt–Sudan meeting and of Houthi
/// attacks (several outlets, some undated sentences), then four reports published 2026-12-01.
fn cross_time_articles() -> (Vec<NewArticle>, Vec<NewArticle>) {
    let old = vec![
        dated("2015-a", "AHDATH.INFO", 11, "2015-03-23", vec![event("CONSULT", "EGY", "SDN", Some("2015-03-23")), event("ASSAULT", "NSA:Houthis", "SAU", None)]),
        dated("2015-b", "Ahdath.info", 12, "2015-03-24", vec![event("CONSULT", "SDN", "EGY", None), event("ASSAULT", "NSA:Houthis", "SAU", None)]),
        dated("2015-c", "AHDATH.INF", 13, "2015-03-25", vec![event("CONSULT", "EGY", "SDN", Some("2015-03")), event("COERCE", "?", "?", None)]),
        dated("2015-d", "spa", 14, "2015-08-11", vec![event("ASSAULT", "NSA:Houthis", "SAU", Some("2015-08-10")), event("COERCE", "?", "?", None)]),
    ];
    let new = vec![
        dated("2026-a", "Example.com", 21, "2026-12-01", vec![event("CONSULT", "EGY", "SDN", None)]),
        dated("2026-b", "www.example.com", 22, "2026-12-01", vec![event("CONSULT", "SDN", "EGY", Some("2026-12-01"))]),
        dated("2026-c", "Kazinform", 23, "2026-12-01", vec![event("ASSAULT", "NSA:Houthis", "SAU", None)]),
        dated("2026-d", "Kazinform", 24, "2026-12-01", vec![event("COERCE", "?", "?", None)]),
    ];
    (old, new)
}

fn ingest_all(s: &mut dyn Store, arts: &[NewArticle]) {
    s.begin().unwrap();
    for a in arts {
        s.insert(a, ClusterChoice::New).unwrap();
    }
    s.commit().unwrap();
}

fn later_reports_of_another_time_make_new_events(s: &mut dyn Store) {
    let (old, new) = cross_time_articles();
    ingest_all(s, &old);
    let before = aggregates(s);
    // the 2015 events: one meeting (3 reports, dated by text 2015-03-23), the Houthi attacks of
    // March (2 reports within the window) and of August, and unknown-side events apart
    let consult: Vec<&Agg> = before.iter().filter(|e| e.0 == "CONSULT").collect();
    assert_eq!(consult.len(), 1, "{before:#?}");
    assert_eq!((consult[0].3.as_deref(), consult[0].4.as_deref(), consult[0].7, consult[0].8, consult[0].9), (Some("2015-03-23"), Some("text"), 3, 3, 1), "one normalised source: {before:#?}");
    let assault: Vec<&Agg> = before.iter().filter(|e| e.0 == "ASSAULT").collect();
    assert_eq!(assault.len(), 2, "{before:#?}");
    assert_eq!(before.iter().filter(|e| e.0 == "COERCE").count(), 2, "an unknown side never merges across articles");
    s.begin().unwrap();
    let mut added = 0;
    let mut merged = 0;
    for a in &new {
        let r = s.insert(a, ClusterChoice::New).unwrap();
        added += r.events_added;
        merged += r.events_merged;
    }
    s.commit().unwrap();
    // the 2026 reports make new events (the two 2026 meeting reports are one event)
    assert_eq!((added, merged), (3, 1));
    let after = aggregates(s);
    for e in &before {
        assert!(after.contains(e), "a 2015 aggregate changed: {e:?} not in {after:#?}");
    }
    assert_eq!(after.len(), before.len() + 3);
    let c2026: Vec<&Agg> = after.iter().filter(|e| e.0 == "CONSULT" && e.5.as_deref() == Some("2026-12-01")).collect();
    assert_eq!((c2026.len(), c2026[0].7, c2026[0].9), (1, 2, 1), "example.com and www.example.com are one source: {after:#?}");
    let st = s.stats(5).unwrap();
    assert!(st.top_dyads.iter().all(|d| d.source != "?" && d.target != "?"), "{:?}", st.top_dyads);
    assert_eq!(st.events_unknown_side, 3);
}

fn any_order_of_the_same_articles_gives_the_same_aggregates(s: &mut dyn Store) {
    let (old, new) = cross_time_articles();
    let all: Vec<NewArticle> = old.into_iter().chain(new).collect();
    ingest_all(s, &all);
    let want = aggregates(s);
    // the same articles, reversed and interleaved, in fresh stores of the same kind
    for order in [all.iter().rev().cloned().collect::<Vec<_>>(), all.iter().step_by(2).chain(all.iter().skip(1).step_by(2)).cloned().collect()] {
        let mut other = SqliteStore::in_memory().unwrap();
        ingest_all(&mut other, &order);
        assert_eq!(aggregates(&mut other), want);
    }
    // and rebuilding re-derives exactly the same
    let r = s.rebuild_events().unwrap();
    assert_eq!((r.events_before, r.events_after, r.mentions_moved), (want.len(), want.len(), 0));
    assert_eq!(aggregates(s), want);
}

fn a_store_merged_by_the_old_rule_heals_on_rebuild(s: &mut dyn Store) {
    let (old, new) = cross_time_articles();
    let all: Vec<NewArticle> = old.into_iter().chain(new).collect();
    ingest_all(s, &all);
    let want = aggregates(s);
    // what the old rule did: every report of a type and dyad in one event, dated by the latest
    // report, its time and the sources unnormalised as before version 4
    let db: &dyn Db = match_db(s);
    db.batch(
        "UPDATE event_mentions SET event_id = (SELECT min(e2.id) FROM events e1 JOIN events e2
                 ON e2.type = e1.type AND e2.source_actor IS NOT DISTINCT FROM e1.source_actor AND e2.target_actor IS NOT DISTINCT FROM e1.target_actor
                 WHERE e1.id = event_mentions.event_id),
                date_source = NULL, date_start = NULL, date_end = NULL;
         DELETE FROM events WHERE id NOT IN (SELECT event_id FROM event_mentions);
         UPDATE events SET date = '2026-12-01', date_precision = 'day', date_source = NULL, date_start = NULL, date_end = NULL;
         UPDATE sightings SET source = source_raw, source_raw = NULL;",
    )
    .unwrap();
    assert!(s.needs_rebuild().unwrap());
    let r = s.rebuild_events().unwrap();
    assert!(r.mentions_moved > 0 && r.sources_changed > 0, "{r:?}");
    assert!(!s.needs_rebuild().unwrap());
    // counts are recounted at the rebuild's commit
    assert_eq!(aggregates(s), want);
}

fn dated_by_publication_events_are_found_by_date_and_counted_in_timelines(s: &mut dyn Store) {
    use crate::query::{self, EventFilter, Interval, Page};
    let (old, new) = cross_time_articles();
    ingest_all(s, &old.into_iter().chain(new).collect::<Vec<_>>());
    let db = s.as_db();
    // (from, to) → events whose days overlap; the 2026 events have no text date but for one
    let rows: &[(&str, &str, i64)] = &[("2026-11-01", "2026-12-31", 3), ("2026-12", "2026-12", 3), ("2015-03-24", "2015-03-24", 1), ("2015-03-23", "2015-03-25", 3), ("2015-08", "2015-08", 2), ("2016", "2025", 0)];
    for (from, to, want) in rows {
        let f = EventFilter::from_pairs([("from", *from), ("to", *to)], &[]).unwrap();
        let page = query::events(db, &f, &Page::default()).unwrap();
        assert_eq!(page.total, *want, "{from}..{to}: {:?}", page.events.iter().map(|e| (&e.event_type, &e.date_start, &e.date_end)).collect::<Vec<_>>());
    }
    let tl = query::timeline(db, &EventFilter::default(), Interval::Month).unwrap();
    let dec: i64 = tl.iter().filter(|p| p.period == "2026-12").map(|p| p.events).sum();
    assert_eq!(dec, 3, "{tl:?}");
    assert!(tl.iter().all(|p| p.period.as_str() >= "1900"), "{tl:?}");
}

/// One article with an undated report and two reports of other years (SaudiNewsNet: Cuba and
/// the USA, 1959 and 1961), and a story copy whose undated report comes first: ingest and
/// rebuild-events put every report in the same event.
fn ingest_and_rebuild_agree_on_articles_with_several_dates(s: &mut dyn Store) {
    let a = art("cuba", None, 31, vec![event("CONSULT", "CUB", "USA", None), event("CONSULT", "CUB", "USA", Some("1961")), event("CONSULT", "CUB", "USA", Some("1959"))]);
    let b = art("cuba-copy", None, 32, vec![event("CONSULT", "USA", "CUB", None), event("CONSULT", "CUB", "USA", Some("1961"))]);
    s.begin().unwrap();
    let first = s.insert(&a, ClusterChoice::New).unwrap();
    s.insert(&b, ClusterChoice::Join(first.cluster)).unwrap();
    s.commit().unwrap();
    let before = aggregates(s);
    assert_eq!(before.len(), 2, "1959 and 1961 are two events: {before:#?}");
    let r = s.rebuild_events().unwrap();
    assert_eq!((r.events_after, r.mentions_moved), (2, 0), "{r:?}");
    assert_eq!(aggregates(s), before);
}

/// The connection under a store of either kind (tests only).
fn match_db(s: &mut dyn Store) -> &dyn Db {
    s.as_db()
}

fn a_sighting_from_a_new_source_raises_source_counts_once(s: &mut dyn Store) {
    s.begin().unwrap();
    let a = art("a", Some("TASS"), 1, vec![event("SUPPORT", "RUS", "KAZ", None)]);
    let id = s.insert(&a, ClusterChoice::New).unwrap().article;
    s.commit().unwrap();
    assert_eq!(s.events(1).unwrap()[0].num_sources, 1);
    let mut copy = a.clone();
    copy.origin = "other/place".into();
    copy.source = Some("RIA".into());
    s.begin().unwrap();
    assert!(s.add_sighting(id, &copy.sighting()).unwrap());
    assert!(!s.add_sighting(id, &copy.sighting()).unwrap(), "the same origin twice is one sighting");
    s.commit().unwrap();
    let e = &s.events(1).unwrap()[0];
    assert_eq!((e.num_mentions, e.num_articles, e.num_sources), (1, 1, 2));
}

fn candidates_share_a_band_and_carry_their_signature(s: &mut dyn Store) {
    s.begin().unwrap();
    let a = s.insert(&art("a", None, 7, vec![]), ClusterChoice::New).unwrap();
    s.insert(&art("b", None, 8, vec![]), ClusterChoice::Join(a.cluster)).unwrap();
    s.commit().unwrap();
    let c = s.candidates(&[7]).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].signature, vec![1, 2, 3, 7]);
    assert_eq!(s.candidates(&[1000]).unwrap().len(), 2);
    assert!(s.candidates(&[5]).unwrap().is_empty());
    assert_eq!(s.cluster_of("b").unwrap(), Some(a.cluster));
}

fn hundreds_of_mentions_are_stored_in_several_multi_row_inserts(s: &mut dyn Store) {
    let mut a = art("big", None, 9, vec![event("CONSULT", "RUS", "KAZ", None)]);
    let m = a.extracted.mentions[0].clone();
    a.extracted.mentions = (0..450).map(|i| marsad_extract::Mention { text: format!("m{i}"), ..m.clone() }).collect();
    a.bands = (0..40).collect();
    s.begin().unwrap();
    s.insert(&a, ClusterChoice::New).unwrap();
    s.commit().unwrap();
    let st = s.stats(5).unwrap();
    assert_eq!((st.entity_mentions, st.articles, st.events), (450, 1, 1));
    assert_eq!(s.candidates(&[39, 1000, 7]).unwrap().len(), 1, "found through any of its bands");
    assert!(s.candidates(&[]).unwrap().is_empty());
}

fn incident(t: &str, s: Option<&str>, g: Option<&str>, date: Option<&str>, place_country: Option<&str>) -> Event {
    serde_json::from_value(serde_json::json!({
        "type": t, "modality": "asserted",
        "source": {"actor": s}, "target": {"actor": g},
        "date": date, "date_precision": date.map(|_| "day"), "date_text": date.map(|_| "أمس"),
        "place": place_country.map(|c| serde_json::json!({"text": "غزة", "name": "Gaza", "country": c, "lat": 31.5, "lon": 34.47})),
        "trigger": "قتل", "start": 10, "end": 13, "sentence": 1,
        "evidence": "قتل فلسطينيان في غزة", "gloss": "someone attacked"
    }))
    .unwrap()
}

/// Issue 10: incidents (one side not named) are stored one row per report, kept apart from
/// events (not merged, not counted), go with their article, and are read back under filters.
fn incidents_are_stored_apart_and_never_counted_as_events<D: Db>(s: &mut crate::sql::SqlStore<D>) {
    use crate::incidents::{filter_from_pairs, incidents, of_article};
    use crate::query::Page;
    let with = |mut a: NewArticle, inc: Vec<Event>| {
        a.extracted.incidents = inc;
        a
    };
    // a rolled back batch keeps no incident
    s.begin().unwrap();
    s.insert(&with(art("r", None, 9, vec![]), vec![incident("ASSAULT", None, Some("PSE"), None, None)]), ClusterChoice::New).unwrap();
    s.rollback().unwrap();
    assert_eq!(s.stats(5).unwrap().incidents, 0);

    s.begin().unwrap();
    let a = s
        .insert(
            &with(
                art("a", Some("Alpha News"), 1, vec![event("CONSULT", "RUS", "KAZ", Some("2025-10-22"))]),
                vec![
                    incident("ASSAULT", None, Some("PSE"), Some("2025-10-21"), Some("PSE")),
                    incident("COERCE", Some("GRC"), Some("GRC"), None, None),
                    incident("PROTEST", Some("TUR"), None, Some("2025-11"), None),
                ],
            ),
            ClusterChoice::New,
        )
        .unwrap();
    assert_eq!((a.events_added, a.incidents), (1, 3));
    // the same incident in another article is another row: incidents are never merged
    let b = s
        .insert(&with(art("b", Some("Beta Post"), 2, vec![]), vec![incident("ASSAULT", None, Some("PSE"), Some("2025-10-21"), Some("PSE"))]), ClusterChoice::New)
        .unwrap();
    assert_eq!((b.events_added, b.events_merged, b.incidents), (0, 0, 1));
    s.commit().unwrap();

    let st = s.stats(5).unwrap();
    assert_eq!((st.events, st.mentions, st.incidents), (1, 1, 4), "incidents are not events");
    assert_eq!(st.incidents_by_type, vec![("ASSAULT".to_string(), 2), ("COERCE".to_string(), 1), ("PROTEST".to_string(), 1)]);
    assert!(st.events_by_type.iter().all(|(t, _)| t == "CONSULT"), "{:?}", st.events_by_type);
    assert_eq!(s.events(10).unwrap().len(), 1);

    let c: &dyn Db = s.connection();
    let page = Page::default();
    let count = |pairs: &[(&str, &str)]| incidents(c, &filter_from_pairs(pairs.iter().copied(), &[]).unwrap(), &page).unwrap().total;
    for (pairs, want) in [
        (vec![], 4),
        (vec![("type", "assault")], 2),
        (vec![("country", "PSE")], 2),
        (vec![("actor", "GRC")], 1),
        (vec![("actor", "TUR")], 1),
        (vec![("from", "2025-10-22")], 1), // the month 2025-11 is after the day; 2025-10-21 is not
        (vec![("from", "2025-10"), ("to", "2025-10")], 2),
        (vec![("source", "Beta Post")], 1),
        (vec![("article", &b.article.to_string())], 1),
        (vec![("modality", "negated")], 0),
    ] {
        assert_eq!(count(&pairs), want, "{pairs:?}");
    }
    let e = filter_from_pairs([("dyad", "RUS-KAZ")], &[]).unwrap_err();
    assert!(e.to_string().contains("dyad") && e.to_string().contains("one side"), "{e}");
    assert!(filter_from_pairs([("nope", "x")], &[]).unwrap_err().to_string().contains("unknown parameter"));

    let rows = incidents(c, &Default::default(), &Page { limit: 2, ..page }).unwrap();
    assert_eq!((rows.total, rows.incidents.len()), (4, 2), "limit holds");
    let first = &rows.incidents[0];
    // newest date first: the 2025-11 protest, its target not named
    assert_eq!((first.event_type.as_str(), first.unnamed_side.as_str(), first.actor1_code.as_deref()), ("PROTEST", "target", Some("TUR")));
    let gaza = incidents(c, &filter_from_pairs([("source", "Alpha News"), ("type", "ASSAULT")], &[]).unwrap(), &page).unwrap();
    let g = &gaza.incidents[0];
    assert_eq!((g.unnamed_side.as_str(), g.actor2_code.as_deref(), g.action_geo_fullname.as_deref(), g.place_text.as_deref()), ("source", Some("PSE"), Some("Gaza"), Some("غزة")));
    assert_eq!((g.event_date.as_deref(), g.date_precision.as_deref(), g.date_text.as_deref(), g.action_geo_lat), (Some("2025-10-21"), Some("day"), Some("أمس"), Some(31.5)));
    assert_eq!((g.trigger.as_str(), g.trigger_start, g.trigger_end, g.source_name.as_deref()), ("قتل", 10, 13, Some("Alpha News")));

    // the article holds its events and, apart, its incidents
    let d = crate::query::article(c, a.article).unwrap().unwrap();
    assert_eq!((d.events.len(), d.incidents.len()), (1, 3));
    let sides: Vec<&str> = d.incidents.iter().map(|i| i.unnamed_side.as_str()).collect();
    assert!(sides.contains(&"source") && sides.contains(&"target"), "{sides:?}");
    assert_eq!(of_article(c, b.article).unwrap().len(), 1);
}

/// One test per database for a body written against `&mut dyn Store`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&mut crate::SqliteStore::in_memory().unwrap()) })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(mut s) = crate::testing::pg_store(stringify!($name)) { super::$name(&mut s) }
            })*
        }
    };
}

/// `marsad watch`'s cursor and the webhooks' secrets and leases (issue 14).
fn watch_cursors_secrets_leases_and_the_latest_report_first(s: &mut dyn Store) {
    use crate::query;
    use crate::watch;
    let url = "http://127.0.0.1:9/feed.xml";
    let mut a = art("a", None, 1, vec![event("CONSULT", "RUS", "KAZ", Some("2025-10-22"))]);
    a.origin = format!("{url}#a");
    let mut b = art("b", None, 2, vec![event("AGREE", "TUR", "KAZ", Some("2025-11-02"))]);
    b.origin = format!("{url}#b");
    let mut other = art("c", None, 3, vec![]);
    other.origin = "http://127.0.0.1:9/feed.xml2#c".into();
    s.begin().unwrap();
    for x in [&a, &b, &other] {
        s.insert(x, ClusterChoice::New).unwrap();
    }
    s.commit().unwrap();
    let c = s.as_db();
    let known = watch::known_items(c, url).unwrap();
    assert_eq!(known.len(), 2, "{known:?}");
    assert!(known.contains(&format!("{url}#a")) && !known.iter().any(|k| k.contains("xml2")));
    // the cursor: written, read back, counted up
    assert_eq!(watch::cursor(c, url).unwrap(), None);
    let mut cur = watch::FeedCursor { url: url.into(), etag: Some("\"v1\"".into()), next_poll: Some(100), last_status: Some("200".into()), ..Default::default() };
    watch::record_poll(c, &cur, 2, "2025-12-01T00:00:00Z").unwrap();
    cur.failures = 1;
    cur.etag = None;
    watch::record_poll(c, &cur, 0, "2025-12-01T00:05:00Z").unwrap();
    let back = watch::cursor(c, url).unwrap().unwrap();
    assert_eq!((back.etag, back.failures, back.polls, back.articles, back.polled_at.as_deref()), (None, 1, 2, 2, Some("2025-12-01T00:05:00Z")));
    assert_eq!(watch::cursors(c).unwrap().len(), 1);

    // a secret is set once; whoever comes second gets the first one
    let sub = query::create_subscription(c, "s", &query::EventFilter::default(), Some("http://example.org/h")).unwrap();
    assert_eq!(sub.secret, None);
    assert_eq!(query::ensure_secret(c, sub.id, "first").unwrap().as_deref(), Some("first"));
    assert_eq!(query::ensure_secret(c, sub.id, "second").unwrap().as_deref(), Some("first"));
    assert_eq!(query::ensure_secret(c, 9999, "x").unwrap(), None);
    assert!(!serde_json::to_string(&query::subscription(c, sub.id).unwrap().unwrap()).unwrap().contains("first"), "never serialised");
    // leases: one holder at a time, renewable, lapsing, given back
    assert!(query::claim_delivery(c, sub.id, "p1", 1000, 30).unwrap());
    assert!(!query::claim_delivery(c, sub.id, "p2", 1010, 30).unwrap(), "held by p1");
    assert!(query::claim_delivery(c, sub.id, "p1", 1020, 30).unwrap(), "renewed");
    assert!(!query::claim_delivery(c, sub.id, "p2", 1049, 30).unwrap());
    assert!(query::claim_delivery(c, sub.id, "p2", 1051, 30).unwrap(), "p1's lease lapsed");
    query::release_deliveries(c, "p2").unwrap();
    assert!(query::claim_delivery(c, sub.id, "p1", 1052, 30).unwrap(), "given back");
    // all at once: only those with a webhook, only those free or lapsed
    let feed_only = query::create_subscription(c, "feed only", &query::EventFilter::default(), None).unwrap();
    let other = query::create_subscription(c, "o", &query::EventFilter::default(), Some("http://example.org/o")).unwrap();
    let mine = query::claim_deliveries(c, "p2", 1060, 30).unwrap();
    assert!(mine.contains(&other.id) && !mine.contains(&sub.id) && !mine.contains(&feed_only.id), "{mine:?}");
    assert_eq!(query::claim_deliveries(c, "p2", 1083, 30).unwrap().len(), 2, "p1's lapsed at 1082");

    // a new report of the older event puts it first, shown by that report; split from its event
    let mut d = art("d", None, 4, vec![event("CONSULT", "RUS", "KAZ", Some("2025-10-22"))]);
    d.article.text = "text d: another report".into();
    s.begin().unwrap();
    s.insert(&d, ClusterChoice::New).unwrap();
    s.commit().unwrap();
    let c = s.as_db();
    let rows = query::latest_reported(c, &query::EventFilter::default(), 10).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].event_type.as_str(), rows[0].num_articles, rows[1].event_type.as_str()), ("CONSULT", 2, "AGREE"));
    let first = query::event(c, rows[0].event_id).unwrap().unwrap();
    assert!(rows[0].mention_id > first.mention_id, "shown by the latest report");
    let (rep, ev) = query::report_and_event(c, &rows[0]).unwrap();
    assert!(!rep.new_event && ev.first_mention_id == first.mention_id && ev.num_articles == 2);
    let (rep, _) = query::report_and_event(c, &first).unwrap();
    assert!(rep.new_event);
}

on_both!(watch_cursors_secrets_leases_and_the_latest_report_first, incidents_are_stored_apart_and_never_counted_as_events, hundreds_of_mentions_are_stored_in_several_multi_row_inserts, writes_need_a_batch_and_rollback_keeps_nothing, events_merge_on_type_actors_and_compatible_dates, later_reports_of_another_time_make_new_events, any_order_of_the_same_articles_gives_the_same_aggregates, a_store_merged_by_the_old_rule_heals_on_rebuild, dated_by_publication_events_are_found_by_date_and_counted_in_timelines, ingest_and_rebuild_agree_on_articles_with_several_dates, a_sighting_from_a_new_source_raises_source_counts_once, candidates_share_a_band_and_carry_their_signature);

#[test]
fn a_fresh_postgres_database_gets_the_current_schema_and_reopens() {
    let Some(url) = crate::testing::fresh_pg_database("a_fresh_postgres_database_gets_the_current_schema_and_reopens") else { return };
    {
        let s = PgStore::connect(&url).unwrap();
        assert_eq!(s.schema_version().unwrap(), crate::pg::SCHEMA_VERSION);
    }
    {
        let mut s = PgStore::connect(&url).unwrap();
        s.begin().unwrap();
        s.insert(&art("a", None, 1, vec![]), ClusterChoice::New).unwrap();
        s.commit().unwrap();
    }
    let mut s = PgStore::connect(&url).unwrap();
    assert_eq!(s.stats(5).unwrap().articles, 1);
    let db: &dyn Db = s.connection();
    db.exec("UPDATE schema_version SET version = 99", &[]).unwrap();
    drop(s);
    match PgStore::connect(&url) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_version_4_database_gains_the_incidents_table_and_keeps_its_data() {
    let dir = std::env::temp_dir().join(format!("marsad-store-v4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v4.db");
    let _ = std::fs::remove_file(&path);
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.begin().unwrap();
        s.insert(&art("old", None, 1, vec![event("CONSULT", "RUS", "KAZ", None)]), ClusterChoice::New).unwrap();
        s.commit().unwrap();
        // as a marsad of schema version 4 left it
        s.connection()
            .execute_batch(
                "DROP TABLE incidents; DROP TABLE watch_feeds; DROP INDEX sightings_origin; ALTER TABLE subscriptions DROP COLUMN secret;
                 ALTER TABLE subscriptions DROP COLUMN lease_owner; ALTER TABLE subscriptions DROP COLUMN lease_until; UPDATE schema_version SET version = 4",
            )
            .unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), crate::sqlite::SCHEMA_VERSION);
    let st = s.stats(5).unwrap();
    assert_eq!((st.articles, st.events, st.incidents), (1, 1, 0), "the old article has no incidents");
    let mut a = art("new", None, 2, vec![]);
    a.extracted.incidents = vec![incident("ASSAULT", None, Some("PSE"), None, None)];
    s.begin().unwrap();
    s.insert(&a, ClusterChoice::New).unwrap();
    s.commit().unwrap();
    assert_eq!(s.stats(5).unwrap().incidents, 1);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn giving_back_no_delivery_lease_writes_nothing_to_a_store_served_read_only() {
    let dir = std::env::temp_dir().join(format!("marsad-store-ro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ro.db");
    let _ = std::fs::remove_file(&path);
    drop(SqliteStore::open(&path).unwrap());
    let ro = SqliteStore::open_read_only(&path).unwrap();
    crate::query::release_deliveries(&ro, "a process that held no lease").unwrap();
    assert!(crate::query::claim_deliveries(&ro, "p", 1, 30).is_err(), "a read-only connection cannot take a lease: the webhook loop asks only when a webhook exists");
    drop(ro);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn both_databases_have_one_schema_version() {
    assert_eq!(crate::pg::SCHEMA_VERSION, crate::sqlite::SCHEMA_VERSION);
}

#[test]
fn a_bad_postgres_url_is_a_clear_error_without_the_password() {
    let e = PgStore::connect("postgres://someone:hunter2@127.0.0.1:1/nowhere").err().expect("nothing listens on port 1").to_string();
    assert!(e.contains("127.0.0.1:1") && !e.contains("hunter2"), "{e}");
}

#[test]
fn subscription_ids_are_never_reused_and_a_deleted_one_logs_nothing() {
    let s = SqliteStore::in_memory().unwrap();
    subscriptions_of_deleted(s.connection());
    if let Some(p) = crate::testing::pg_store("subscription_ids_are_never_reused_and_a_deleted_one_logs_nothing") {
        subscriptions_of_deleted(p.connection());
    }
}

fn subscriptions_of_deleted(c: &dyn Db) {
    let f = crate::query::EventFilter::default();
    let a = crate::query::create_subscription(c, "a", &f, None).unwrap();
    let b = crate::query::create_subscription(c, "b", &f, None).unwrap();
    assert!(crate::query::delete_subscription(c, b.id).unwrap());
    let n = crate::query::create_subscription(c, "n", &f, None).unwrap();
    assert!(n.id > b.id, "the deleted id {} came back as {}", b.id, n.id);
    crate::query::record_delivery(c, b.id, 1, 1, false, 1, "HTTP 500").unwrap();
    crate::query::record_delivery(c, a.id, 1, 1, true, 1, "200").unwrap();
    assert_eq!(crate::query::deliveries(c, b.id, 10).unwrap().len(), 0, "a deleted subscription logs no delivery");
    assert_eq!(crate::query::deliveries(c, a.id, 10).unwrap().len(), 1);
}

// ---- issue 11: how a batch writes (bulk child rows, one search-index run, no re-prepares) ----

/// A connection that logs every call the store makes on it.
struct Logged<D: Db> {
    db: D,
    log: std::cell::RefCell<Vec<String>>,
}

impl<D: Db> Db for Logged<D> {
    fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
    fn rows(&self, sql: &str, params: &[crate::db::Val]) -> Result<Vec<crate::db::Row>> {
        self.log.borrow_mut().push(sql.to_string());
        self.db.rows(sql, params)
    }
    fn exec(&self, sql: &str, params: &[crate::db::Val]) -> Result<u64> {
        self.log.borrow_mut().push(sql.to_string());
        self.db.exec(sql, params)
    }
    fn batch(&self, sql: &str) -> Result<()> {
        self.log.borrow_mut().push(sql.to_string());
        self.db.batch(sql)
    }
    fn insert_many(&self, table: &str, cols: &[&str], rows: &[Vec<crate::db::Val>]) -> Result<()> {
        self.log.borrow_mut().push(format!("insert_many {table} {}", rows.len()));
        self.db.insert_many(table, cols, rows)
    }
}

/// A batch of 30 articles (3 entity mentions, 2 bands, an event each): the child rows go in
/// one bulk write per table, the search index in one run of statements with nothing between
/// them (on SQLite any other statement in between makes FTS5 flush its in-memory index to
/// disk: a segment per article, then merges, a third of the writer's time before), the batch
/// finds its own articles as LSH candidates before they are written, and everything reads back.
fn a_batch_writes_child_rows_in_bulk<D: Db>(db: D) {
    let mut s = crate::sql::SqlStore::new(Logged { db, log: Default::default() });
    let arts: Vec<NewArticle> = (0..30u8)
        .map(|i| {
            let mut a = art(&format!("a{i}"), Some("TASS"), i + 1, vec![event("CONSULT", "RUS", "KAZ", Some("2025-10-22"))]);
            let m = a.extracted.mentions[0].clone();
            a.extracted.mentions = vec![m.clone(), m.clone(), m];
            a.bands = vec![i as i64 + 5000, 7777];
            a
        })
        .collect();
    s.begin().unwrap();
    let first = s.insert(&arts[0], ClusterChoice::New).unwrap();
    let c = s.candidates(&[5000]).unwrap();
    assert_eq!(c.len(), 1, "the batch's own article is a candidate before its bands are written");
    assert_eq!((c[0].article, c[0].cluster, c[0].signature.clone()), (first.article, first.cluster, arts[0].signature.clone()));
    for a in &arts[1..] {
        s.insert(a, ClusterChoice::New).unwrap();
    }
    assert_eq!(s.candidates(&[7777, 5003]).unwrap().len(), 30, "each once, whatever bands it shares");
    s.commit().unwrap();
    let log = s.db.log.borrow().clone();
    // statements per article (its row, cluster and sighting; the event lookup, the report and
    // the event's time): one for article, cluster and sighting together on PostgreSQL, where
    // each statement is a round trip
    let per_article = match s.db.dialect() {
        Dialect::Sqlite => 9,
        Dialect::Postgres => 5,
    };
    assert!(log.len() <= 30 * per_article + 12, "{} statements for 30 articles: {log:#?}", log.len());
    for table in ["mentions", "lsh_bands"] {
        assert!(!log.iter().any(|l| l.starts_with(&format!("INSERT INTO {table}"))), "{table}: a statement per article");
    }
    assert!(log.contains(&"insert_many mentions 90".to_string()) && log.contains(&"insert_many lsh_bands 60".to_string()), "{log:#?}");
    let search: Vec<usize> = log.iter().enumerate().filter(|(_, l)| l.contains("article_fts") || l.contains("article_search")).map(|(i, _)| i).collect();
    assert!(!search.is_empty());
    assert_eq!(search.last().unwrap() - search[0] + 1, search.len(), "search-index writes interleaved with other statements: {log:#?}");
    let st = s.stats(5).unwrap();
    assert_eq!((st.articles, st.entity_mentions, st.events, st.mentions), (30, 90, 1, 30));
    assert_eq!(s.events(1).unwrap()[0].num_articles, 30);
    assert_eq!(s.candidates(&[7777]).unwrap().len(), 30);
    let page = crate::query::search(&s.db, &crate::search::SearchQuery::parse("text").unwrap(), "text", 50, 0).unwrap();
    assert_eq!(page.total, 30, "every article is in the search index");
}

#[test]
fn a_batch_writes_child_rows_in_bulk_on_sqlite() {
    a_batch_writes_child_rows_in_bulk(SqliteStore::in_memory().unwrap().db);
}

#[test]
fn a_batch_writes_child_rows_in_bulk_on_postgres() {
    if let Some(s) = crate::testing::pg_store("a_batch_writes_child_rows_in_bulk_on_postgres") {
        a_batch_writes_child_rows_in_bulk(s.db);
    }
}

/// SQLite (STAT4 compiled in) re-prepared the event lookup at every execution because a bound
/// value might change its plan; the store's connection turns that off (QPSG).
#[test]
fn the_event_lookup_is_prepared_once() {
    let mut s = SqliteStore::in_memory().unwrap();
    s.begin().unwrap();
    for i in 0..20u8 {
        let date = format!("2025-10-{:02}", i + 1);
        s.insert(&art(&format!("e{i}"), None, i + 1, vec![event("CONSULT", "RUS", "KAZ", Some(&date))]), ClusterChoice::New).unwrap();
    }
    s.commit().unwrap();
    let st = s.connection().prepare_cached(crate::sql::find_event_sql(true, true)).unwrap();
    assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0);
    assert!(st.get_status(rusqlite::StatementStatus::RePrepare) == 0 && s.connection().db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap());
}

/// `lookup` answers the writer's two questions in one query: stored already (by content
/// hash, in this batch or before), else the LSH candidates, the batch's own included.
fn lookup_is_find_by_hash_then_candidates(s: &mut dyn Store) {
    s.begin().unwrap();
    let a = s.insert(&art("a", None, 7, vec![]), ClusterChoice::New).unwrap();
    assert!(matches!(s.lookup(&[7; 16], &[1000]).unwrap(), Lookup::Stored(id) if id == a.article), "stored in this batch");
    match s.lookup(&[8; 16], &[1000, 5]).unwrap() {
        Lookup::New(c) => assert_eq!(c.iter().map(|c| (c.article, c.cluster)).collect::<Vec<_>>(), vec![(a.article, a.cluster)]),
        other => panic!("{other:?}"),
    }
    s.commit().unwrap();
    let b = {
        s.begin().unwrap();
        let b = s.insert(&art("b", None, 8, vec![]), ClusterChoice::Join(a.cluster)).unwrap();
        s.commit().unwrap();
        b
    };
    assert!(matches!(s.lookup(&[7; 16], &[]).unwrap(), Lookup::Stored(id) if id == a.article));
    match s.lookup(&[9; 16], &[1000, 8]).unwrap() {
        Lookup::New(c) => assert_eq!(c.iter().map(|c| c.article).collect::<Vec<_>>(), vec![a.article, b.article]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.lookup(&[9; 16], &[]).unwrap(), Lookup::New(c) if c.is_empty()));
}

mod lookup_on_both {
    #[test]
    fn sqlite() {
        super::lookup_is_find_by_hash_then_candidates(&mut crate::SqliteStore::in_memory().unwrap())
    }
    #[test]
    fn postgres() {
        if let Some(mut s) = crate::testing::pg_store("lookup_is_find_by_hash_then_candidates") {
            super::lookup_is_find_by_hash_then_candidates(&mut s)
        }
    }
}

/// PostgreSQL: the event lookup uses the (type, source, target) index for the actors, which it
/// could not for `IS NOT DISTINCT FROM` (every event of the type was read per report).
#[test]
fn the_postgres_event_lookup_uses_the_actor_index() {
    let Some(s) = crate::testing::pg_store("the_postgres_event_lookup_uses_the_actor_index") else { return };
    let db: &dyn Db = s.connection();
    db.batch("SET enable_seqscan = off").unwrap();
    for (src, tgt) in [(true, true), (true, false), (false, true), (false, false)] {
        let sql = crate::db::pg_placeholders(crate::sql::find_event_sql(src, tgt));
        let plan: Vec<String> = db
            .column(
                &format!("EXPLAIN {}", sql.replace("$1", "'CONSULT'").replace("$2", if src { "'RUS'" } else { "NULL" }).replace("$3", if tgt { "'KAZ'" } else { "NULL" }).replace("$4", "1").replace("$5", "1").replace("$6", "'2025'").replace("$7", "'2026'")),
                &[],
            )
            .unwrap();
        let plan = plan.join("\n");
        let by_actor = plan.lines().any(|l| l.contains("Index Cond:") && (l.contains("source_actor") || l.contains("target_actor")));
        assert!(by_actor, "({src}, {tgt}): no index condition on an actor:\n{plan}");
    }
}

/// PostgreSQL: article texts are compressed with LZ4 where the server has it (pglz was 6 % of
/// the server's time in a bulk ingest).
#[test]
fn postgres_article_texts_are_lz4_compressed_where_the_server_can() {
    let Some(mut s) = crate::testing::pg_store("postgres_article_texts_are_lz4_compressed_where_the_server_can") else { return };
    let lz4 = s.connection().batch("SET default_toast_compression = 'lz4'").is_ok();
    let mut a = art("long", None, 1, vec![]);
    a.article.text = "وزير الخارجية الروسي سيرغي لافروف يستقبل نظيره الكازاخستاني. ".repeat(400);
    s.begin().unwrap();
    let id = s.insert(&a, ClusterChoice::New).unwrap().article;
    s.commit().unwrap();
    let db: &dyn Db = s.connection();
    let how: Option<String> = db.one("SELECT pg_column_compression(text) FROM articles WHERE id = ?1", vals![id]).unwrap();
    assert_eq!(how.as_deref(), Some(if lz4 { "lz4" } else { "pglz" }));
    assert_eq!(db.one::<String>("SELECT text FROM articles WHERE id = ?1", vals![id]).unwrap(), a.article.text);
}

/// The search forms of the samples and of odd inputs: what the index holds.
fn search_form_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "يستضيف وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني في موسكو",
        "NATO و IBM 7,591 دولار و8٫95 % في 2025-10-22 و١٢٣ و۴۵ 3.5",
        "Élysée İstanbul ÆØÅ STRAßE ΑΘΗΝΑ Москва ǅemal x86_64 a-b c.d e'f",
        "لافْرُوف يَستضيفُ ـــ توكاييف الطاووس «قال» (الوزير): \"نعم\" — لا؛ ربما؟",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    for e in std::fs::read_dir(&dir).expect("samples/") {
        if let Ok(t) = std::fs::read_to_string(e.expect("a sample").path()) {
            texts.push(t);
        }
    }
    texts.iter().map(|t| crate::search::index_text(t)).collect()
}

#[test]
fn ascii_and_unicode61_cut_the_search_forms_alike() {
    // schema version 7 indexes with `ascii` where version 2 had `unicode61 remove_diacritics 0`:
    // every term, at every place, must be the same
    let c = rusqlite::Connection::open_in_memory().unwrap();
    c.execute_batch(
        "CREATE VIRTUAL TABLE u USING fts5(body, content='', tokenize='unicode61 remove_diacritics 0');
         CREATE VIRTUAL TABLE a USING fts5(body, content='', tokenize='ascii');
         CREATE VIRTUAL TABLE uv USING fts5vocab(u, 'instance');
         CREATE VIRTUAL TABLE av USING fts5vocab(a, 'instance');",
    )
    .unwrap();
    let texts = search_form_texts();
    assert!(texts.len() > 4, "the samples were read");
    for (i, t) in texts.iter().enumerate() {
        for table in ["u", "a"] {
            c.execute(&format!("INSERT INTO {table} (rowid, body) VALUES (?1, ?2)"), rusqlite::params![i as i64 + 1, t]).unwrap();
        }
    }
    let terms = |v: &str| -> Vec<(String, i64, i64)> {
        let mut st = c.prepare(&format!("SELECT term, doc, offset FROM {v} ORDER BY doc, offset")).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|x| x.unwrap()).collect()
    };
    let (u, a) = (terms("uv"), terms("av"));
    assert!(u.len() > 1000, "{} terms", u.len());
    assert_eq!(u, a);
}

#[test]
fn a_version_6_store_is_searched_through_its_rebuilt_index() {
    let dir = std::env::temp_dir().join(format!("marsad-store-v6-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v6.db");
    let _ = std::fs::remove_file(&path);
    {
        let mut s = SqliteStore::open(&path).unwrap();
        let mut a = art("old", None, 1, vec![]);
        a.article.text = "زار لافروف أستانة".into();
        s.begin().unwrap();
        s.insert(&a, ClusterChoice::New).unwrap();
        s.commit().unwrap();
        // as a marsad of schema version 6 left it: the index cut by unicode61
        s.connection()
            .execute_batch(
                "DROP TABLE article_fts;
                 CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 0');
                 UPDATE schema_version SET version = 6",
            )
            .unwrap();
        s.connection().execute("INSERT INTO article_fts (rowid, title, body) VALUES (1, '', ?1)", [crate::search::index_text("زار لافروف أستانة")]).unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), crate::sqlite::SCHEMA_VERSION);
    let sql: String = s.connection().query_row("SELECT sql FROM sqlite_master WHERE name = 'article_fts'", [], |r| r.get(0)).unwrap();
    assert!(sql.contains("tokenize='ascii'"), "{sql}");
    assert_eq!(s.index_backlog().unwrap(), 1, "the old article is indexed again");
    let q = crate::search::SearchQuery::parse("أستانا").unwrap();
    let page = crate::query::search(s.connection(), &q, "أستانا", 10, 0).unwrap();
    assert_eq!(page.total, 1, "{page:?}");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}
