//! What the page and the command line give an analyst (issue 14): names for actors in English or
//! Arabic, resolved to codes and said so; events under a search ranked by their articles'
//! relevance; a timeline that counts every event at its own precision (its count, with what it
//! leaves out, is the table's); the places of the map; "showing 20 of 27"; `stats` stating its
//! dyad order; progress on stderr when it is not a terminal, and `--quiet`.

mod support;

use serde_json::Value;
use support::*;

fn total(base: &str, q: &str) -> u64 {
    get_json(&format!("{base}/api/events?{q}"))["total"].as_u64().unwrap()
}

#[test]
fn the_api_resolves_names_ranks_by_relevance_and_counts_timelines_and_places() {
    let t = TempDir::new("analyst-api");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, None);
    let b = srv.base.as_str();

    // actor=Russia, روسيا or لافروف: the events of RUS, and the answer says what it resolved
    let rus = total(b, "actor=RUS");
    assert!(rus > 0);
    for (given, name) in [("Russia", "Russia"), ("روسيا", "Russia"), ("لافروف", "Sergey Lavrov"), ("russia", "Russia")] {
        let r = get_json(&format!("{b}/api/events?actor={}", enc(given)));
        assert_eq!(r["total"].as_u64().unwrap(), rus, "actor={given}");
        assert_eq!(r["resolved"][0]["code"], "RUS", "actor={given}: {}", r["resolved"]);
        assert!(r["resolved"][0]["name"].as_str().unwrap().contains(name), "actor={given}: {}", r["resolved"]);
    }
    // a code is used as it is, and says nothing
    assert!(get_json(&format!("{b}/api/events?actor=RUS"))["resolved"].is_null());
    // names on both sides of a dyad, and as a country; the timeline and export take them too
    assert_eq!(total(b, &format!("dyad={}", enc("Russia-كازاخستان"))), total(b, "dyad=RUS-KAZ"));
    assert_eq!(total(b, "country=Kazakhstan"), total(b, "country=KAZ"));
    let (s, body) = get(&format!("{b}/api/export?format=jsonl&actor=Russia"));
    assert_eq!((s, body.lines().count() as u64), (200, rus));
    // what is neither a code nor a known name is still a clear 400
    let (s, body) = get(&format!("{b}/api/events?actor={}", enc("كلمة")));
    assert!(s == 400 && body.contains("parameter actor"), "{s} {body}");

    // under a search, events come in the order of their best article in /api/search
    let q = "كازاخستان";
    let hits = get_json(&format!("{b}/api/search?limit=100&q={}", enc(q)));
    let rank: std::collections::HashMap<i64, usize> = hits["hits"].as_array().unwrap().iter().enumerate().map(|(i, h)| (h["article_id"].as_i64().unwrap(), i)).collect();
    assert!(rank.len() >= 3, "{hits}");
    let evs = get_json(&format!("{b}/api/events?limit=1000&q={}", enc(q)));
    // the events each ranked article reports
    let reported: Vec<(usize, Vec<Value>)> =
        rank.iter().map(|(art, r)| (*r, get_json(&format!("{b}/api/events?limit=1000&article={art}"))["events"].as_array().unwrap().iter().map(|x| x["event_id"].clone()).collect())).collect();
    let best = |e: &Value| -> usize { reported.iter().filter(|(_, ids)| ids.contains(&e["event_id"])).map(|(r, _)| *r).min().unwrap() };
    let order: Vec<usize> = evs["events"].as_array().unwrap().iter().map(best).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "events by their best article's rank: {order:?}");
    assert!(order.first() != order.last(), "events of several articles: {order:?}");
    // sort=-date still orders by date
    let by_date = get_json(&format!("{b}/api/events?limit=1000&sort=-date&q={}", enc(q)));
    assert_eq!(by_date["total"], evs["total"]);
    let dated: Vec<&str> = by_date["events"].as_array().unwrap().iter().filter_map(|e| e["date_start"].as_str()).collect();
    assert!(dated.windows(2).all(|w| w[0] >= w[1]), "{dated:?}");
    // incidents have no relevance order
    assert_eq!(get(&format!("{b}/api/incidents?sort=relevance")).0, 400);

    // the timeline: every event at its own precision; with what it leaves out, the table's count
    for f in ["dyad=RUS-KAZ", "actor=KAZ", "type=CONSULT", ""] {
        let n = total(b, f);
        for interval in ["exact", "exact-month", "exact-year", "day", "month", "year"] {
            let tl = get_json(&format!("{b}/api/timeline?{f}&interval={interval}"));
            let placed: u64 = tl["points"].as_array().unwrap().iter().map(|p| p["events"].as_u64().unwrap()).sum();
            assert_eq!(placed + tl["left_out"].as_u64().unwrap(), n, "{f} interval={interval}: {tl}");
        }
    }
    // RUS–KAZ has a month-dated event: a daily timeline leaves it out, the exact one does not
    let exact = get_json(&format!("{b}/api/timeline?dyad=RUS-KAZ&interval=exact"));
    assert!(exact["points"].as_array().unwrap().iter().any(|p| p["period"].as_str().unwrap().len() == 7), "{exact}");
    let day = get_json(&format!("{b}/api/timeline?dyad=RUS-KAZ&interval=day"));
    assert!(day["left_out"].as_u64().unwrap() > exact["left_out"].as_u64().unwrap(), "{day} {exact}");

    // the map's places: as many events as the rows with coordinates
    let rows = get_json(&format!("{b}/api/events?limit=1000"));
    let located = rows["events"].as_array().unwrap().iter().filter(|e| e["action_geo_lat"].is_number()).count() as u64;
    let places = get_json(&format!("{b}/api/places"));
    assert_eq!(places["located"].as_u64().unwrap(), located, "{places}");
    let sum: u64 = places["places"].as_array().unwrap().iter().map(|p| p["events"].as_u64().unwrap()).sum();
    assert_eq!(sum, located);
    assert!(places["places"].as_array().unwrap().iter().all(|p| p["lat"].is_number() && p["lon"].is_number()));
    assert_eq!(get(&format!("{b}/api/places?limit=0")).0, 400);
    // the base map is served by marsad itself: no tile server
    let (s, world) = get(&format!("{b}/world-110m.json"));
    assert_eq!(s, 200);
    let w: Value = serde_json::from_str(&world).unwrap();
    assert!(w["objects"]["countries"]["geometries"].as_array().unwrap().len() > 150);
}

#[test]
fn the_command_line_shows_counts_resolves_names_states_dyad_order_and_progress() {
    let t = TempDir::new("analyst-cli");
    let (data, db) = seeded(&t);
    let run = |args: &[&str]| {
        let o = marsad().arg("--data").arg(&data).args(args).arg("--db").arg(&db).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // "showing 2 of N": the count and what is listed
    let (all, _) = run(&["search", "--limit", "1000", "--json"]);
    let n = serde_json::from_str::<Value>(&all).unwrap()["events"]["total"].as_u64().unwrap();
    assert!(n > 2);
    let (out, _) = run(&["search", "--limit", "2"]);
    assert!(out.contains(&format!("events: showing 2 of {n}")), "{out}");
    let (out, _) = run(&["search", "كازاخستان", "--limit", "1"]);
    assert!(out.contains("articles: showing 1 of ") && out.contains("best-matching articles first"), "{out}");

    // --actor in English or Arabic, or a person: the code it resolved to is said
    let (codes, _) = run(&["search", "--actor", "RUS", "--limit", "1000", "--json"]);
    let want = serde_json::from_str::<Value>(&codes).unwrap()["events"]["total"].clone();
    for given in ["Russia", "روسيا", "لافروف"] {
        let (out, err) = run(&["search", "--actor", given, "--limit", "1000", "--json"]);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["events"]["total"], want, "--actor {given}");
        assert!(err.contains(&format!("--actor {given}: RUS")), "--actor {given}: {err}");
    }
    let o = marsad().arg("--data").arg(&data).args(["search", "--actor", "كلمة", "--db"]).arg(&db).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--actor كلمة: neither an actor code"), "{}", String::from_utf8_lossy(&o.stderr));

    // stats says its order: directed types source → target, symmetric ones ↔ in alphabetical order
    let (out, _) = run(&["stats"]);
    assert!(out.contains("A → B directed types, source to target; A ↔ B CONSULT, AGREE, COOPERATE"), "{out}");
    let (js, _) = run(&["stats", "--json"]);
    let s: Value = serde_json::from_str(&js).unwrap();
    let dyads = s["top_dyads"].as_array().unwrap();
    assert!(!dyads.is_empty());
    for d in dyads {
        if d["symmetric"] == true {
            assert!(d["source"].as_str() < d["target"].as_str(), "{d}");
            assert!(out.contains(&format!("{} ↔ ", d["source"].as_str().unwrap())), "{out}");
        }
    }

    // progress on stderr when it is not a terminal (here a pipe): a line with counts and rate;
    // --quiet silences it
    let db2 = t.0.join("progress.db");
    let o = marsad().arg("--data").arg(&data).args(["ingest", "--progress-every", "0", "--db"]).arg(&db2).arg(root().join("samples")).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("marsad: ingest: ")).collect();
    assert_eq!(lines.len(), 5, "a line per article at --progress-every 0: {err}");
    assert!(lines[4].contains("5 articles (5 new, 0 duplicate, 0 failed;") && lines[4].contains("articles/s"), "{err}");
    let o = marsad().arg("--data").arg(&data).args(["ingest", "-q", "--progress-every", "0", "--db"]).arg(t.0.join("quiet.db")).arg(root().join("samples")).output().unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("marsad: ingest: "), "{}", String::from_utf8_lossy(&o.stderr));
    let o = marsad().arg("--data").arg(&data).args(["extract", "--progress-every", "0"]).arg(root().join("samples")).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("marsad: extract: 5 articles (5 extracted, 0 failed)") && err.contains("articles/s"), "{err}");
    let o = marsad().arg("--data").arg(&data).args(["extract", "--quiet", "--progress-every", "0"]).arg(root().join("samples")).output().unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("marsad: extract: "), "{}", String::from_utf8_lossy(&o.stderr));
    for bad in ["--progress-every=-1", "--progress-every=inf", "--progress-every=NaN"] {
        let o = marsad().args(["extract", bad]).arg(root().join("samples")).output().unwrap();
        assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--progress-every"), "{bad}: {}", String::from_utf8_lossy(&o.stderr));
    }
}
