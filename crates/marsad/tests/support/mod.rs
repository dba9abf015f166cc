//! Shared by the serve, ingest and PostgreSQL tests: a store filled from the seeds with a small
//! trigger lexicon (so the tests do not depend on the lexicon being tuned elsewhere), a
//! `marsad serve` on 127.0.0.1 port 0 that is killed when dropped, a synthetic corpus, and the
//! invariants every store keeps.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn marsad() -> Command {
    Command::new(env!("CARGO_BIN_EXE_marsad"))
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("marsad-serve-{tag}-{}", std::process::id()));
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// A copy of data/ whose trigger lexicon is three known lines.
pub fn data_dir(t: &TempDir) -> PathBuf {
    let d = t.0.join("data");
    copy_dir(&root().join("data"), &d);
    std::fs::write(
        d.join("lexicon/triggers.tsv"),
        "v\tاستضاف/يستضيف\tCONSULT\thost\t-\nv\tالتقى/يلتقي\tCONSULT\tmeet\t-\nn\tزيارة|زيارات\tCONSULT\tvisit\t-\n",
    )
    .unwrap();
    d
}

/// Ingests `inputs` into `db` with the test lexicon.
pub fn ingest(data: &Path, db: impl AsRef<std::ffi::OsStr>, inputs: &[PathBuf]) {
    let out = marsad().arg("--data").arg(data).arg("ingest").arg("--db").arg(db.as_ref()).args(inputs).output().unwrap();
    assert!(out.status.success(), "ingest: {}", String::from_utf8_lossy(&out.stderr));
}

/// A store holding the five seeds.
pub fn seeded(t: &TempDir) -> (PathBuf, PathBuf) {
    let data = data_dir(t);
    let db = t.0.join("m.db");
    ingest(&data, &db, &[root().join("samples")]);
    (data, db)
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// A server whose webhooks may reach this machine (the tests' receivers are on 127.0.0.1).
    pub fn start(db: impl AsRef<std::ffi::OsStr>, token: Option<&str>) -> Server {
        Server::start_with(db, token, &["--allow-private-webhooks"])
    }

    /// A server with these extra options; the token is passed in MARSAD_TOKEN.
    pub fn start_with(db: impl AsRef<std::ffi::OsStr>, token: Option<&str>, args: &[&str]) -> Server {
        let mut cmd = marsad();
        cmd.arg("serve").arg("--db").arg(db.as_ref()).arg("--addr").arg("127.0.0.1:0").arg("--poll-ms").arg("100").args(args);
        cmd.env_remove("MARSAD_TOKEN");
        if let Some(t) = token {
            cmd.env("MARSAD_TOKEN", t);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // keep draining so the server never blocks on a full pipe
            let _ = std::io::copy(&mut r, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("marsad serve did not start within 30 s");
            }
        };
        let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        Server { child, base: format!("http://{addr}") }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build().into()
}

/// GET: (status, body).
pub fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let s = r.status().as_u16();
    (s, r.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default())
}

pub fn get_json(url: &str) -> serde_json::Value {
    let (s, b) = get(url);
    assert_eq!(s, 200, "{url}: {b}");
    serde_json::from_str(&b).unwrap_or_else(|e| panic!("{url}: {e}: {b}"))
}

pub fn enc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

/// A request over a plain socket (any path, however long or odd): (status, body).
pub fn raw(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let _ = s.write_all(req.as_bytes());
    let _ = s.write_all(body.as_bytes());
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    // a chunked body: keep the JSON between the chunk sizes
    let body = if body.trim_start().starts_with('{') { body } else { body.lines().filter(|l| !l.chars().all(|c| c.is_ascii_hexdigit())).collect::<Vec<_>>().join("\n") };
    (status, body)
}

/// A few thousand distinct synthetic articles (each with a different mix of actors, places
/// and numbers, so no two share a content hash).
pub fn synthetic_corpus(path: &Path, n: usize) {
    let states = ["روسيا", "تركيا", "كازاخستان", "مصر", "السعودية", "الصين", "إيران", "قطر", "الأردن", "الجزائر", "تونس", "المغرب"];
    let cities = ["موسكو", "أنقرة", "أستانا", "القاهرة", "الرياض", "بكين", "طهران", "الدوحة", "عمان", "الجزائر", "تونس", "الرباط"];
    let topics = ["التعاون الاقتصادي", "أمن الحدود", "الطاقة المتجددة", "النقل والخدمات اللوجستية", "التعليم والثقافة", "الاستثمار"];
    let mut out = String::new();
    let mut x: u64 = 0x2545F4914F6CDD1D;
    let mut rnd = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    for i in 0..n {
        let (a, b) = (rnd(states.len()), rnd(states.len()));
        let text = format!(
            "بحث وزير خارجية {} مع نظيره من {} في {} سبل تعزيز {} بين البلدين، وذلك في الاجتماع رقم {} للجنة المشتركة. \
             وأكد الجانبان أهمية رفع حجم التبادل التجاري إلى {} مليون دولار خلال {} سنوات، واتفقا على عقد الاجتماع المقبل في {}. \
             وقال المتحدث باسم الوزارة إن المحادثات تناولت أيضا {} والتطورات الإقليمية، مشيرا إلى أن الوثيقة رقم {} ستوقع قريبا.",
            states[a], states[b], cities[rnd(cities.len())], topics[rnd(topics.len())], i + 1,
            100 + rnd(9000), 2 + rnd(8), cities[rnd(cities.len())], topics[rnd(topics.len())], i * 7 + 3
        );
        out.push_str(&serde_json::json!({"id": format!("syn-{i:05}"), "text": text, "source": format!("outlet-{}", i % 17)}).to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// The invariants a store keeps whatever happened to the process that wrote it (SQLite or
/// PostgreSQL): every article has its sighting and its LSH bands, cluster sizes add up, and
/// every event's mention count is its number of mentions.
pub fn assert_consistent(db: &dyn marsad_store::Db) {
    let one = |sql: &str| -> i64 { db.one(sql, &[]).unwrap() };
    assert_eq!(one("SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.article_id = a.id)"), 0, "every article has its sighting");
    assert_eq!(one("SELECT CAST(coalesce(sum(size), 0) AS BIGINT) FROM clusters"), one("SELECT count(*) FROM articles"), "cluster sizes add up");
    assert_eq!(
        one("SELECT count(*) FROM events e WHERE num_mentions != (SELECT count(*) FROM event_mentions m WHERE m.event_id = e.id)"),
        0,
        "event counts match their mentions"
    );
    assert_eq!(one("SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM lsh_bands b WHERE b.article_id = a.id)"), 0, "every article is findable for clustering");
}
