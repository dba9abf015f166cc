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
        let profile = TempDir::new("chromium-profile");
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1300,1600",
                     format!("--user-data-dir={}", profile.0.display())]}}}});
        let v = post(&format!("{base}/session"), caps);
        let session = v["sessionId"].as_str().expect("a WebDriver session").to_string();
        Driver { child, base, session, _profile: profile }
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
    d.wait("the bar", "return document.querySelector('#timeline rect[data-period=\"2025-10-22\"]') !== null");
    d.js("document.querySelector('#timeline rect[data-period=\"2025-10-22\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
    d.wait("the timeline filter to apply", "return document.querySelector('#from').value === '2025-10-22' && document.querySelectorAll('#events tbody tr').length === 1");

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
