//! Incidents (issue 10) end to end: an attack whose attacker the text does not name (قتل
//! فلسطينيان في غزة) is ingested as an incident, not an event; `marsad stats` (text and JSON),
//! `/api/stats`, `/api/incidents`, `/api/articles/{id}`, the page and `marsad export --incidents`
//! keep it apart and say so; the default export stays events only. Two reports of it from two
//! sources are two incidents (never merged), where the same meeting is one event.

mod support;

use support::*;

/// The seeds' store data, with one violence trigger added to the test lexicon.
fn data_with_kill(t: &TempDir) -> std::path::PathBuf {
    let d = data_dir(t);
    let lex = d.join("lexicon/triggers.tsv");
    let mut s = std::fs::read_to_string(&lex).unwrap();
    s.push_str("v\tقتل/يقتل\tASSAULT\tkill\t-\n");
    std::fs::write(&lex, s).unwrap();
    d
}

const ARTICLES: &str = r#"{"id":"gaza-wafa","title":"غزة","published":"2025-10-21","source":"Wafa","text":"قتل فلسطينيان في غزة يوم الإثنين. والتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني في موسكو يوم الإثنين."}
{"id":"gaza-anadolu","title":"غزة اليوم","published":"2025-10-21","source":"Maan","text":"قتل فلسطينيان في غزة يوم الإثنين حسب مصادر طبية. والتقى لافروف وزير الخارجية الكازاخستاني في موسكو يوم الإثنين."}
"#;

fn run(args: &[&str], db: &std::path::Path) -> String {
    let o = marsad().args(args).arg("--db").arg(db).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn incidents_are_stored_served_and_exported_apart_from_events() {
    let t = TempDir::new("incidents");
    let data = data_with_kill(&t);
    let input = t.0.join("gaza.jsonl");
    std::fs::write(&input, ARTICLES).unwrap();
    let db = t.0.join("m.db");
    ingest(&data, &db, &[input]);

    // stats: the incidents apart from the events, in text and JSON
    let st: serde_json::Value = serde_json::from_str(&run(&["stats", "--json"], &db)).unwrap();
    assert_eq!(st["incidents"], 2, "two reports, two incidents: {st}");
    assert_eq!(st["incidents_by_type"], serde_json::json!([["ASSAULT", 2]]));
    assert_eq!(st["events"], 1, "the meeting reported twice is one event; the killing is none: {st}");
    assert!(st["events_by_type"].as_array().unwrap().iter().all(|x| x[0] != "ASSAULT"), "{st}");
    let text = run(&["stats"], &db);
    assert!(text.contains("incidents (one side unknown): 2"), "{text}");

    let srv = Server::start(&db, None);
    let b = &srv.base;
    assert_eq!(get_json(&format!("{b}/api/stats"))["incidents"], 2);
    assert_eq!(get_json(&format!("{b}/api/events?type=ASSAULT"))["total"], 0, "an incident is not an event");

    // /api/incidents under filters
    let all = get_json(&format!("{b}/api/incidents"));
    assert_eq!(all["total"], 2, "{all}");
    let i = &all["incidents"][0];
    assert_eq!((i["event_type"].as_str(), i["unnamed_side"].as_str()), (Some("ASSAULT"), Some("source")), "{i}");
    assert!(i["actor1_code"].is_null() && i["actor2_code"] == "PSE", "{i}");
    assert_eq!((i["action_geo_country_code"].as_str(), i["place_text"].as_str()), (Some("PSE"), Some("غزة")), "{i}");
    assert_eq!(i["event_date"], "2025-10-20", "{i}");
    assert!(i["sentence"].as_str().unwrap().contains("فلسطينيان"), "{i}");
    for (q, want) in [
        ("source=Wafa", 1),
        ("country=PSE&type=ASSAULT", 2),
        ("actor=PSE&from=2025-10-20&to=2025-10-20", 2),
        ("from=2025-10-21", 0),
        ("actor=RUS", 0),
        ("limit=1&offset=1&sort=-id", 2),
    ] {
        let r = get_json(&format!("{b}/api/incidents?{q}"));
        assert_eq!(r["total"], want, "{q}: {r}");
    }
    assert_eq!(get_json(&format!("{b}/api/incidents?limit=1"))["incidents"].as_array().unwrap().len(), 1);
    let inject = format!("actor={}", enc("PSE' OR '1'='1"));
    let long = format!("source={}", "s".repeat(1000));
    for (q, says) in [
        ("dyad=RUS-KAZ", "one side"),
        ("sort=-mentions", "no mention counts"),
        ("type=WAR", "unknown event type"),
        ("bogus=1", "unknown parameter"),
        (inject.as_str(), "actor code"),
        ("from=2025-02-31", "a day that exists"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("type=ASSAULT&type=COERCE", "more than once"),
        (long.as_str(), "longer than"),
    ] {
        let (s, body) = get(&format!("{b}/api/incidents?{q}"));
        assert_eq!(s, 400, "{q}: {body}");
        assert!(body.contains(says), "{q}: {body}");
    }

    // the article: its event and, apart, its incident, with spans into its text
    let aid = i["article_id"].as_i64().unwrap();
    let art = get_json(&format!("{b}/api/articles/{aid}"));
    assert_eq!(art["events"].as_array().unwrap().len(), 1, "{art}");
    let inc = art["incidents"].as_array().unwrap();
    assert_eq!(inc.len(), 1, "{art}");
    let chars: Vec<char> = art["text"].as_str().unwrap().chars().collect();
    let (s0, e0) = (inc[0]["start"].as_u64().unwrap() as usize, inc[0]["end"].as_u64().unwrap() as usize);
    assert_eq!(chars[s0..e0].iter().collect::<String>(), inc[0]["trigger"].as_str().unwrap());
    // the page lists them under their own heading
    let (s, page) = get(&format!("{b}/"));
    assert_eq!(s, 200);
    assert!(page.contains("id=\"aincidents\"") && page.contains("one side not named"), "the article view has an incidents table");
    drop(srv);

    // exports: the default is events only; --incidents writes the incidents with their columns
    let events_csv = run(&["export", "--format", "csv"], &db);
    assert_eq!(events_csv.lines().count(), 2, "header and the one event: {events_csv}");
    assert!(!events_csv.contains("ASSAULT"), "{events_csv}");
    let csv = run(&["export", "--incidents", "--format", "csv"], &db);
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("incident_id,event_date,date_precision,date_text,event_type,event_mode,modality,unnamed_side,actor1_code"), "{header}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let jl: Vec<serde_json::Value> = run(&["export", "--incidents", "--format", "jsonl", "--source", "Maan"], &db).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(jl.len(), 1);
    assert_eq!((jl[0]["source_name"].as_str(), jl[0]["unnamed_side"].as_str()), (Some("Maan"), Some("source")));
    let o = marsad().args(["export", "--incidents", "--dyad", "RUS-KAZ", "--db"]).arg(&db).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--dyad: an incident names one side at most"), "{}", String::from_utf8_lossy(&o.stderr));
    let pq = t.0.join("inc.parquet");
    let o = marsad().args(["export", "--incidents", "--format", "parquet", "--db"]).arg(&db).arg("--out").arg(&pq).output().unwrap();
    assert!(o.status.success() && String::from_utf8_lossy(&o.stderr).contains("2 incidents written"), "{}", String::from_utf8_lossy(&o.stderr));
    let magic = std::fs::read(&pq).unwrap();
    assert_eq!(&magic[..4], b"PAR1");
    let Ok(py) = which_python() else {
        eprintln!("SKIPPED: python3 with pyarrow is not installed, so the Parquet file was not loaded");
        return;
    };
    let script = "import sys, json, pyarrow.parquet as pq\nt = pq.read_table(sys.argv[1])\nprint(json.dumps({'rows': t.num_rows, 'columns': t.column_names}))";
    let o = std::process::Command::new(py).arg("-c").arg(script).arg(&pq).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], 2);
    assert_eq!(v["columns"].as_array().unwrap().len(), header.split(',').count());
}

fn which_python() -> Result<&'static str, ()> {
    let ok = std::process::Command::new("python3").args(["-c", "import pyarrow"]).output().is_ok_and(|o| o.status.success());
    if ok { Ok("python3") } else { Err(()) }
}
