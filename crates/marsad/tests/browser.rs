//! The web page in a real headless Chromium (Debian's chromium and chromedriver, driven over
//! the W3C WebDriver protocol): search لافروف, filter the dyad RUS–KAZ, find 22 October 2025
//! on the timeline, click through to the article and see the event's sentence highlighted with
//! its actors, date and trigger. Screenshots are kept in target/test-artifacts/.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::*;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_exe(names: &[&str]) -> Option<PathBuf> {
    for n in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = Path::new(dir).join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Driver {
    child: Child,
    base: String,
    session: String,
    _profile: TempDir,
    /// Where the browser saves what the page downloads (the export button).
    downloads: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = agent().delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(url: &str, body: Value) -> Value {
    let mut r = agent().post(url).header("Content-Type", "application/json").send(body.to_string().as_str()).unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let s = r.status().as_u16();
    let text = r.body_mut().with_config().limit(64 << 20).read_to_string().unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("POST {url}: {s} {text}"));
    assert!(s == 200, "POST {url}: {s} {}", text.chars().take(500).collect::<String>());
    v["value"].clone()
}

impl Driver {
    fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver).arg(format!("--port={port}")).arg("--allowed-ips=127.0.0.1").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        assert!(wait_until(Duration::from_secs(30), || agent().get(&format!("{base}/status")).call().is_ok_and(|r| r.status().as_u16() == 200)), "chromedriver did not start");
        // one profile and download folder per browser: the tests run at the same time
        let profile = TempDir::new(&format!("chromium-profile-{port}"));
        let downloads = TempDir::new(&format!("chromium-downloads-{port}"));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1300,1600", "--hide-scrollbars",
                     format!("--user-data-dir={}", profile.0.display())],
            "prefs": {"download.default_directory": downloads.0.display().to_string(), "download.prompt_for_download": false}}}}});
        let v = post(&format!("{base}/session"), caps);
        let session = v["sessionId"].as_str().expect("a WebDriver session").to_string();
        Driver { child, base, session, _profile: profile, downloads }
    }
    fn url(&self, p: &str) -> String {
        format!("{}/session/{}{p}", self.base, self.session)
    }
    fn go(&self, to: &str) {
        post(&self.url("/url"), json!({"url": to}));
    }
    fn js(&self, script: &str) -> Value {
        post(&self.url("/execute/sync"), json!({"script": script, "args": []}))
    }
    fn find(&self, css: &str) -> String {
        let v = post(&self.url("/element"), json!({"using": "css selector", "value": css}));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }
    fn click(&self, css: &str) {
        let e = self.find(css);
        post(&self.url(&format!("/element/{e}/click")), json!({}));
    }
    fn clear(&self, css: &str) {
        let e = self.find(css);
        post(&self.url(&format!("/element/{e}/clear")), json!({}));
    }
    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        post(&self.url(&format!("/element/{e}/value")), json!({"text": text}));
    }
    /// Waits until the script returns something truthy; returns it.
    fn wait(&self, what: &str, script: &str) -> Value {
        let mut last = Value::Null;
        let ok = wait_until(Duration::from_secs(20), || {
            last = self.js(script);
            !(last.is_null() || last == json!(false) || last == json!("") || last == json!(0))
        });
        assert!(ok, "waited 20 s for {what}; page status: {}", self.js("return document.querySelector('#status') && document.querySelector('#status').textContent"));
        last
    }
    /// A screenshot of one element (a view of the page), kept in target/test-artifacts/, and
    /// in docs/screenshots/ for docs/serve.md when MARSAD_SCREENSHOTS=docs (Chromium's
    /// antialiasing differs by a few pixels between runs: the docs change only when asked).
    fn shoot(&self, css: &str, name: &str) -> PathBuf {
        self.js(&format!("document.querySelector({css:?}).scrollIntoView({{block: 'start'}})"));
        let e = self.find(css);
        let mut r = agent().get(&self.url(&format!("/element/{e}/screenshot"))).call().unwrap();
        let v: Value = serde_json::from_str(&r.body_mut().with_config().limit(64 << 20).read_to_string().unwrap()).unwrap();
        let png = base64(v["value"].as_str().unwrap_or_else(|| panic!("screenshot of {css}: {v}")));
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let docs = std::env::var("MARSAD_SCREENSHOTS").is_ok_and(|v| v == "docs");
        let dir = root().join(if docs { "docs/screenshots" } else { "target/test-artifacts" });
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, png).unwrap();
        p
    }
    fn screenshot(&self, name: &str) -> PathBuf {
        let mut r = agent().get(&self.url("/screenshot")).call().unwrap();
        let v: Value = serde_json::from_str(&r.body_mut().with_config().limit(64 << 20).read_to_string().unwrap()).unwrap();
        let png = base64(v["value"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let dir = root().join("target/test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, png).unwrap();
        p
    }
}

fn chromium() -> Option<(PathBuf, PathBuf)> {
    match (find_exe(&["chromium", "chromium-browser", "google-chrome"]), find_exe(&["chromedriver"])) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            eprintln!("SKIPPED: chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does)");
            None
        }
    }
}

fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn browser_finds_the_lavrov_meeting_and_shows_its_highlighted_sentence() {
    let (Some(chromium), Some(chromedriver)) = (find_exe(&["chromium", "chromium-browser", "google-chrome"]), find_exe(&["chromedriver"])) else {
        eprintln!("SKIPPED: chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does)");
        return;
    };
    let t = TempDir::new("browser");
    let (_, db) = seeded(&t);
    let srv = Server::start(&db, None);
    let d = Driver::start(&chromium, &chromedriver);
    d.go(&format!("{}/", srv.base));
    assert_eq!(d.js("return document.documentElement.dir"), "rtl");
    d.wait("the page to load the events", "return document.querySelectorAll('#events tbody tr').length");

    // search لافروف: the seed is among the hits, the word marked in its snippet
    d.type_in("#q", "لافروف");
    d.click("#go");
    d.wait("search hits", "return document.querySelectorAll('#hits .hit').length");
    let marks = d.js("return Array.from(document.querySelectorAll('#hits mark')).map(m => m.textContent)");
    assert!(marks.as_array().unwrap().iter().any(|m| m == "لافروف"), "{marks}");

    // filter the dyad RUS–KAZ and October 2025: one event, in English too
    d.type_in("#dyad", "RUS-KAZ");
    d.type_in("#from", "2025-10-01");
    d.type_in("#to", "2025-10-31");
    d.click("#go");
    d.wait("one event row", "return document.querySelectorAll('#events tbody tr').length === 1 && document.querySelector('#events tbody tr').dataset.date === '2025-10-22'");
    let gloss = d.js("return document.querySelector('#events tbody tr .gloss').textContent");
    assert!(gloss.as_str().unwrap().contains("Kazakhstan") && gloss.as_str().unwrap().contains("Russia"), "{gloss}");
    // the timeline has a bar for the day, and the network joins KAZ and RUS
    d.wait("the timeline bar of 2025-10-22", "return document.querySelector('#timeline rect[data-period=\"2025-10-22\"]') !== null");
    d.wait("the RUS–KAZ edge", "return document.querySelector('#graph line[data-dyad=\"KAZ-RUS\"], #graph line[data-dyad=\"RUS-KAZ\"]') !== null");
    let shot1 = d.screenshot("browser-search-and-filters.png");

    // clear the dates, then find the day on the timeline by clicking its bar
    d.clear("#from");
    d.clear("#to");
    d.clear("#q");
    d.click("#go");
    d.wait("all RUS–KAZ events", "return document.querySelectorAll('#events tbody tr').length === 3");
    // a year of events: the bars are months, each event at its own precision
    d.wait("the bar", "return document.querySelector('#timeline rect.bar[data-period=\"2025-10\"]') !== null");
    d.js("document.querySelector('#timeline rect.bar[data-period=\"2025-10\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
    d.wait("the timeline filter to apply", "return document.querySelector('#from').value === '2025-10' && document.querySelector('#to').value === '2025-10' && document.querySelectorAll('#events tbody tr').length === 1");

    // follow it to the article: the sentence highlighted, with actors, date and trigger marked
    d.click("#events tbody tr .event-link");
    d.wait("the article view", "return document.body.classList.contains('reading') && document.querySelectorAll('#atext span').length > 0");
    let sent = d.wait("the highlighted sentence", "return Array.from(document.querySelectorAll('#atext .evsent')).map(e => e.textContent).join('')");
    let sent = sent.as_str().unwrap();
    assert!(sent.contains("22 أكتوبر"), "{sent}");
    let inside = |sel: &str| d.js(&format!("return Array.from(document.querySelectorAll('#atext .evsent{sel}')).map(e => e.textContent)"));
    assert!(inside(".m-TRIGGER").as_array().unwrap().iter().any(|t| t == "زيارة"), "the trigger is marked in the sentence: {}", inside(".m-TRIGGER"));
    assert!(!inside(".m-DATE").as_array().unwrap().is_empty(), "the date is marked in the sentence");
    let persons = d.js("return Array.from(document.querySelectorAll('#atext .m-PERSON')).map(e => e.textContent).join(' ')");
    assert!(persons.as_str().unwrap().contains("لافروف"), "Lavrov is marked: {persons}");
    assert!(d.js("return document.querySelectorAll('#atext .m-COUNTRY').length").as_u64().unwrap_or(0) > 0, "countries are marked");
    let glosses = d.js("return document.querySelector('#aevents tr.evsent .gloss').textContent");
    assert!(glosses.as_str().unwrap().contains("2025-10-22"), "{glosses}");
    let shot2 = d.screenshot("browser-article.png");
    eprintln!("screenshots: {} {}", shot1.display(), shot2.display());
}

/// What an analyst works with, on the samples read with the full lexicon: every column of the
/// table as the API gives it (the type, `ASSAULT / attack`, not `/ attack`), → for directed
/// types and ↔ only for symmetric ones, names isolated in `<bdi>`, the timeline counting as many
/// events as the table under a dyad filter (month-dated events too), paging, the map's markers,
/// the export button's file, a name as actor, and the article view's types. Screenshots of
/// each view go to docs/screenshots/ (docs/serve.md shows them).
#[test]
fn browser_shows_every_column_the_arrows_timeline_paging_map_and_export() {
    let Some((chromium, chromedriver)) = chromium() else { return };
    let t = TempDir::new("browser-analyst");
    let db = t.0.join("a.db");
    // the built-in data: directed and symmetric types, month-dated events, places
    let out = marsad().arg("ingest").arg("--db").arg(&db).arg(root().join("samples")).output().unwrap();
    assert!(out.status.success(), "ingest: {}", String::from_utf8_lossy(&out.stderr));
    let srv = Server::start(&db, Some("page-token"));
    let d = Driver::start(&chromium, &chromedriver);
    let api = |q: &str| get_json(&format!("{}/api/{q}", srv.base));
    let rows = "return Array.from(document.querySelectorAll('#events tbody tr')).map(tr => ({id: +tr.dataset.event, \
                date: tr.querySelector('.date').textContent, type: tr.querySelector('.type').textContent, \
                dyad: tr.querySelector('.dyad').textContent.replace(/\\s+/g, ' ').trim(), gloss: tr.querySelector('.gloss').textContent, \
                sentence: tr.querySelector('.sentence').textContent, \
                loose: Array.from(tr.querySelector('.dyad').childNodes).filter(n => n.nodeType === 3 || !['BDI', 'SPAN'].includes(n.nodeName)).map(n => n.textContent).join('').trim(), \
                bdi: tr.querySelectorAll('.dyad bdi').length}))";
    let symmetric = ["CONSULT", "AGREE", "COOPERATE"];
    let want_row = |e: &Value| -> (String, String, String) {
        let ty = e["event_type"].as_str().unwrap();
        let mut t = ty.to_string();
        if let Some(m) = e["event_mode"].as_str() {
            t += &format!(" / {m}");
        }
        if e["modality"] != "asserted" {
            t += &format!(" ({})", e["modality"].as_str().unwrap());
        }
        let side = |c: &Value, n: &Value| match (c.as_str(), n.as_str()) {
            (Some(c), Some(n)) => format!("{c} {n}"),
            (Some(c), None) => c.to_string(),
            _ => "?".to_string(),
        };
        let arrow = if symmetric.contains(&ty) { "↔" } else { "→" };
        let dyad = format!("{} {arrow} {}", side(&e["actor1_code"], &e["actor1_name"]), side(&e["actor2_code"], &e["actor2_name"]));
        (e["event_date"].as_str().unwrap_or("—").to_string(), t, dyad)
    };

    // every row of every page, column by column, as the API says; 10 rows a page
    d.go(&format!("{}/", srv.base));
    d.wait("the events", "return document.querySelectorAll('#events tbody tr').length");
    d.js("const s = document.querySelector('#size'); s.value = '10'; s.dispatchEvent(new Event('change'))");
    let all = api("events?limit=1000");
    let total = all["total"].as_u64().unwrap();
    assert!(total > 20, "the samples give more than two pages of events: {total}");
    let (mut seen, mut arrows) = (0u64, std::collections::BTreeSet::new());
    for page in 0..total.div_ceil(10) {
        let from = page * 10;
        let shown = format!("showing {}–{} of {total}", from + 1, (from + 10).min(total));
        d.wait(&shown, &format!("return document.querySelector('#more').textContent === {shown:?}"));
        let got = d.js(rows);
        let got = got.as_array().unwrap();
        assert_eq!(got.len() as u64, (total - from).min(10), "page {page}");
        for (g, e) in got.iter().zip(&all["events"].as_array().unwrap()[from as usize..]) {
            assert_eq!(g["id"], e["event_id"], "page {page}: the API's order");
            let (date, ty, dyad) = want_row(e);
            assert_eq!(g["date"], date.as_str(), "event {}", e["event_id"]);
            assert_eq!(g["type"], ty.as_str(), "event {}: the type column", e["event_id"]);
            assert_eq!(g["dyad"], dyad.as_str(), "event {}: the dyad column", e["event_id"]);
            assert_eq!(g["gloss"], e["gloss"], "event {}", e["event_id"]);
            let s = e["sentence"].as_str().unwrap();
            assert!(g["sentence"].as_str().unwrap().trim_end_matches('…').chars().all(|c| s.contains(c)), "event {}", e["event_id"]);
            // nothing in the dyad cell outside <bdi> but the arrow: Latin and Arabic never jumble
            assert_eq!(g["loose"], "", "event {}: text outside <bdi>", e["event_id"]);
            assert!(g["bdi"].as_u64().unwrap() >= 2, "event {}", e["event_id"]);
            arrows.insert(if dyad.contains('↔') { "↔" } else { "→" });
            seen += 1;
        }
        assert_eq!(d.js("return document.querySelector('#prev').disabled"), page == 0, "page {page}");
        let last = from + 10 >= total;
        assert_eq!(d.js("return document.querySelector('#next').disabled"), last, "page {page}");
        if page == 0 {
            d.shoot("#events-box", "events.png");
        }
        if !last {
            d.click("#next");
        }
    }
    assert_eq!(seen, total, "paging shows every event once");
    assert_eq!(arrows.len(), 2, "both directed and symmetric events are in the samples: {arrows:?}");
    let body = d.js("return document.body.innerText").as_str().unwrap().to_string();
    assert!(!body.contains("undefined") && !body.contains("NaN"), "{body}");

    // the export button: the file of all matching events, as downloaded by the browser
    d.js("const s = document.querySelector('#xfmt'); s.value = 'jsonl'; s.dispatchEvent(new Event('change'))");
    d.wait("the export link", "return document.querySelector('#export').href.includes('format=jsonl')");
    d.click("#export");
    let file = d.downloads.0.join("marsad-events.jsonl");
    assert!(wait_until(std::time::Duration::from_secs(20), || file.is_file() && std::fs::read_to_string(&file).is_ok_and(|s| s.lines().count() as u64 == total)), "the downloaded {}", file.display());
    let mut ids: Vec<i64> = std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["event_id"].as_i64().unwrap()).collect();
    let mut want: Vec<i64> = all["events"].as_array().unwrap().iter().map(|e| e["event_id"].as_i64().unwrap()).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want, "the export holds the matching events");

    // the map: one marker per place of the API, as many events as have coordinates
    let places = api("places?limit=500");
    d.wait("the map", "return document.querySelector('#map').dataset.query === '' && document.querySelectorAll('#map circle.place').length");
    assert_eq!(d.js("return document.querySelectorAll('#map circle.place').length"), json!(places["places"].as_array().unwrap().len()));
    assert!(places["located"].as_u64().unwrap() > 0, "{places}");
    assert_eq!(d.js("return Array.from(document.querySelectorAll('#map circle.place')).reduce((a, c) => a + +c.dataset.events, 0)"), places["located"]);
    assert!(d.js("return document.querySelectorAll('#map path').length").as_u64().unwrap() > 100, "the world's countries are drawn");
    d.shoot("#map-box", "map.png");

    // the network: one edge per pair weighing its events, every actor with an edge, and no two
    // labels overlapping
    let graph = api("graph?limit=80");
    let mut pairs: std::collections::BTreeMap<String, u64> = Default::default();
    for e in graph["edges"].as_array().unwrap() {
        let mut k = [e["source"].as_str().unwrap(), e["target"].as_str().unwrap()];
        k.sort();
        *pairs.entry(k.join("-")).or_default() += e["events"].as_u64().unwrap();
    }
    let drawn = d.js("return Array.from(document.querySelectorAll('#graph .edge')).map(e => [e.dataset.dyad.split('-').sort().join('-'), +e.dataset.events])");
    let drawn: std::collections::BTreeMap<String, u64> = drawn.as_array().unwrap().iter().map(|x| (x[0].as_str().unwrap().to_string(), x[1].as_u64().unwrap())).collect();
    assert_eq!(drawn, pairs, "edges and their weights");
    let lonely = d.js("const ids = new Set(Array.from(document.querySelectorAll('#graph .edge')).flatMap(e => e.dataset.dyad.split('-'))); \
                       return Array.from(document.querySelectorAll('#graph .node')).map(n => n.dataset.actor).filter(a => !ids.has(a))");
    assert_eq!(lonely, json!([]), "actors drawn without an edge");
    let overlaps = d.js("const b = Array.from(document.querySelectorAll('#graph text.label')).map(t => [t.textContent, t.getBBox()]); const o = []; \
                         for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) { const [p, x] = b[i], [q, y] = b[j]; \
                           if (x.x < y.x + y.width && y.x < x.x + x.width && x.y < y.y + y.height && y.y < x.y + x.height) o.push(p + '/' + q); } return o");
    assert_eq!(overlaps, json!([]), "labels that overlap");
    d.shoot("#network", "network.png");

    // a dyad filter, with a name as the actor: the timeline counts as many events as the table
    d.clear("#actor");
    d.type_in("#actor", "Russia");
    d.type_in("#dyad", "RUS-KAZ");
    d.click("#go");
    let dyad = api("events?dyad=RUS-KAZ&limit=1000");
    let n = dyad["total"].as_u64().unwrap();
    assert!(dyad["events"].as_array().unwrap().iter().any(|e| e["date_precision"] == "month"), "a month-dated RUS–KAZ event: {dyad}");
    // (the timeline drawn for the same filters as the table: both say which)
    d.wait(
        "the RUS–KAZ events and their timeline",
        &format!(
            "const e = document.querySelector('#events').dataset, t = document.querySelector('#timeline').dataset; \
             return e.total === '{n}' && e.query.includes('dyad=RUS-KAZ') && t.query === e.query && document.querySelector('#tlcount') !== null"
        ),
    );
    let placed = d.js("const c = document.querySelector('#tlcount'); return [+c.dataset.placed, +c.dataset.undated, Array.from(document.querySelectorAll('#timeline .bar, #timeline .span')).reduce((a, r) => a + +r.dataset.events, 0)]");
    let p = placed.as_array().unwrap();
    assert_eq!(p[0].as_u64().unwrap() + p[1].as_u64().unwrap(), n, "timeline {placed} against the table's {n}");
    assert_eq!(p[0], p[2], "what the legend counts is drawn");
    assert!(d.js("return document.querySelectorAll('#timeline text.tick').length").as_u64().unwrap() >= 2, "a time axis");
    let status = d.wait("the name resolved", "const s = document.querySelector('#status').textContent; return s.includes('Russia → RUS') && s");
    assert!(status.as_str().unwrap().contains("Russia → RUS"), "{status}");
    d.shoot("#timeline-box", "timeline.png");

    // subscriptions: the current filters (the name resolved to its code) become a standing
    // query with an Atom feed; a wrong token is refused with the API's message; delete
    d.type_in("#subname", "Russia and Kazakhstan");
    d.type_in("#subtoken", "wrong");
    d.click("#subadd");
    d.wait("the refusal", "return document.querySelector('#submsg').textContent.includes('token')");
    assert_eq!(api("subscriptions")["subscriptions"], json!([]));
    d.clear("#subtoken");
    d.type_in("#subtoken", "page-token");
    d.click("#subadd");
    d.wait("the new subscription", "return document.querySelectorAll('#subs tbody tr[data-sub]').length === 1");
    let subs = api("subscriptions");
    let sub = &subs["subscriptions"][0];
    assert_eq!(sub["name"], "Russia and Kazakhstan");
    assert_eq!(sub["filter"]["actor"], "RUS", "{sub}");
    assert_eq!(sub["filter"]["dyad"], json!(["RUS", "KAZ"]), "{sub}");
    let feed = d.js("return document.querySelector('#subs a.feed').href");
    let (code, atom) = get(feed.as_str().unwrap());
    assert_eq!(code, 200);
    assert_eq!(atom.matches("<entry>").count() as u64, n, "the feed lists the filter's events");
    d.shoot("#subs-box", "subscriptions.png");
    d.click("#subs .subdel");
    d.wait("the deletion", "return document.querySelectorAll('#subs tbody tr[data-sub]').length === 0");
    assert_eq!(api("subscriptions")["subscriptions"], json!([]));

    // a short span: bars per day, and an event dated only to the month drawn as a band across
    // it (an agreement "in October 2025", ingested beside the running server)
    let band = t.0.join("band.jsonl");
    std::fs::write(&band, "{\"id\": \"band\", \"text\": \"وقعت روسيا وكازاخستان اتفاقية للتعاون في مجال الطاقة في أكتوبر 2025.\", \"published\": \"2025-11-20\"}\n").unwrap();
    let out = marsad().arg("ingest").arg("--db").arg(&db).arg(&band).output().unwrap();
    assert!(out.status.success(), "ingest: {}", String::from_utf8_lossy(&out.stderr));
    d.clear("#actor");
    d.type_in("#from", "2025-09-01");
    d.type_in("#to", "2025-12-31");
    d.click("#go");
    let q = "dyad=RUS-KAZ&from=2025-09-01&to=2025-12-31";
    let n = api(&format!("events?{q}&limit=1000"))["total"].as_u64().unwrap();
    d.wait(
        "the autumn's timeline",
        &format!(
            "const e = document.querySelector('#events').dataset, t = document.querySelector('#timeline').dataset; \
             return e.total === '{n}' && e.query.includes('from=2025-09-01') && t.query === e.query && document.querySelector('#tlcount') !== null"
        ),
    );
    let spans = d.js("return Array.from(document.querySelectorAll('#timeline rect.span')).map(r => [r.dataset.period, r.dataset.type, +r.dataset.events])");
    assert_eq!(spans, json!([["2025-10", "AGREE", 1]]), "the month-dated agreement is a band");
    assert!(d.js("return document.querySelectorAll('#timeline rect.bar[data-period=\"2025-10-22\"]').length").as_u64().unwrap() > 0, "bars per day");
    let c = d.js("const c = document.querySelector('#tlcount'); return +c.dataset.placed + +c.dataset.undated");
    assert_eq!(c, json!(n), "the timeline counts the table's events");
    d.shoot("#timeline-box", "timeline-days.png");

    // the article view: the type with its mode (the page once read a field the API does not send)
    let assault = all["events"].as_array().unwrap().iter().find(|e| !symmetric.contains(&e["event_type"].as_str().unwrap())).expect("a directed event");
    d.go(&format!("{}/#/article/{}?event={}", srv.base, assault["article_id"], assault["event_id"]));
    d.wait("the article", "return document.querySelectorAll('#aevents tbody tr').length && document.querySelectorAll('#atext .m-TRIGGER').length");
    let art = api(&format!("articles/{}", assault["article_id"]));
    let types = d.js("return Array.from(document.querySelectorAll('#aevents tbody tr')).map(tr => tr.querySelector('.type').textContent + ' | ' + tr.querySelector('.dyad').textContent.replace(/\\s+/g, ' ').trim())");
    for (g, e) in types.as_array().unwrap().iter().zip(art["events"].as_array().unwrap()) {
        let ty = e["type"].as_str().unwrap();
        let (g_type, g_dyad) = g.as_str().unwrap().split_once(" | ").unwrap();
        assert!(g_type.starts_with(&format!("{ty}{}", e["mode"].as_str().map(|m| format!(" / {m}")).unwrap_or_default())), "{g_type} for {e}");
        assert!(g_dyad.contains(if symmetric.contains(&ty) { "↔" } else { "→" }), "{g_dyad} for {ty}");
    }
    let tips = d.js("return Array.from(document.querySelectorAll('#atext .m-TRIGGER')).map(e => e.title)");
    assert!(tips.as_array().unwrap().iter().all(|t| !t.as_str().unwrap().contains("undefined")), "trigger tooltips: {tips}");
    d.shoot("#article", "article.png");
}
