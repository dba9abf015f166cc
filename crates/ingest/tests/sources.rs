//! Every source kind and encoding, read from the files in tests/fixtures and from a server this
//! test starts on 127.0.0.1; bad input reported by name and never touching stored data.

use marsad_extract::Extractor;
use marsad_ingest::{ingest, IngestOptions, Report, SourceOptions};
use marsad_store::{SqliteStore, Store};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fx(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

fn extractor() -> &'static Extractor {
    static EX: OnceLock<Extractor> = OnceLock::new();
    EX.get_or_init(|| Extractor::new(marsad_kb::Kb::embedded().expect("embedded kb")))
}

struct Run {
    summary: marsad_ingest::RunSummary,
    failed: Vec<String>,
    warnings: Vec<String>,
}

fn run(store: &mut SqliteStore, inputs: &[String], follow_links: bool) -> Run {
    let opts = IngestOptions {
        sources: SourceOptions { follow_links, fetch: marsad_ingest::FetchOptions { timeout: Duration::from_secs(10), max_bytes: 1 << 20 }, ..Default::default() },
        batch_size: 3,
        workers: 2,
        ..Default::default()
    };
    let mut failed = Vec::new();
    let mut warnings = Vec::new();
    let summary = ingest(store, extractor(), inputs, &opts, &mut |r| match r {
        Report::Failed(e) => failed.push(e.to_string()),
        Report::Warning { origin, message } => warnings.push(format!("{origin}: {message}")),
        _ => {}
    })
    .expect("the store never fails here");
    Run { summary, failed, warnings }
}

/// (ext_id, title, published, source, text, cluster)
fn article(store: &SqliteStore, ext_id: &str) -> (Option<String>, Option<String>, Option<String>, String, i64) {
    store
        .connection()
        .query_row("SELECT title, published, source, text, cluster_id FROM articles WHERE ext_id = ?1", [ext_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap_or_else(|e| panic!("article {ext_id}: {e}"))
}

#[test]
fn html_pages_in_windows_1256_and_iso_8859_6_lose_their_boilerplate() {
    let mut s = SqliteStore::in_memory().unwrap();
    let r = run(&mut s, &[fx("page-windows-1256.html"), fx("page-iso-8859-6.html")], false);
    assert_eq!(r.failed, Vec::<String>::new());
    assert_eq!((r.summary.new, r.summary.duplicate), (2, 0));
    let (title, published, source, text, c1) = article(&s, "page-windows-1256");
    assert_eq!(title.as_deref(), Some("تركيا وأذربيجان توقعان اتفاقية للتعاون في مجال الطاقة"));
    assert_eq!(published.as_deref(), Some("2025-09-14"));
    assert_eq!(source.as_deref(), Some("صحيفة الخليج"));
    assert!(text.starts_with("وقع وزير الطاقة التركي ألب أرسلان بيرقدار"), "{text}");
    assert!(text.contains("بحر قزوين"));
    for junk in ["اترك تعليقاً", "جميع الحقوق", "شارك", "واتساب", "الرئيسية", "رياضة", "اتصل بنا"] {
        assert!(!text.contains(junk), "boilerplate {junk:?} kept in {text}");
    }
    let (_, _, _, iso_text, c2) = article(&s, "page-iso-8859-6");
    assert!(iso_text.contains("مد خطوط جديدة للكهرباء"), "{iso_text}");
    // the same story with one sentence changed: one cluster
    assert_eq!(c1, c2);
}

#[test]
fn main_text_buried_in_navigation_is_found() {
    let mut s = SqliteStore::in_memory().unwrap();
    let r = run(&mut s, &[fx("page-buried-in-navigation.html")], false);
    assert_eq!(r.failed, Vec::<String>::new());
    let (title, published, _, text, _) = article(&s, "page-buried-in-navigation");
    assert_eq!(published.as_deref(), Some("2025-03-02"));
    assert!(title.unwrap().starts_with("الجزائر وتونس تبحثان تأمين الحدود"));
    assert!(text.starts_with("بحث وزير الداخلية الجزائري إبراهيم مراد"), "{text}");
    assert!(text.contains("والبلدين الجارين."));
    for junk in ["قسم الأخبار رقم", "خبر ذو صلة", "الأكثر قراءة", "تسجيل الدخول", "اقرأ أيضاً", "لن يتم نشر", "تلغرام"] {
        assert!(!text.contains(junk), "navigation {junk:?} kept in {text}");
    }
    assert!(text.chars().count() < 900, "only the article, {} chars", text.chars().count());
}

#[test]
fn utf16_text_and_feeds_become_articles() {
    let mut s = SqliteStore::in_memory().unwrap();
    let r = run(&mut s, &[fx("report-utf16.txt"), fx("feed.rss"), fx("feed.atom")], false);
    assert_eq!(r.failed, Vec::<String>::new());
    assert_eq!(r.summary.new, 6);
    let (_, _, _, text, _) = article(&s, "report-utf16");
    assert!(text.starts_with("الدوحة - قنا\nاستقبل أمير دولة قطر الشيخ تميم بن حمد آل ثاني"), "{text}");
    let (title, published, source, text, _) = article(&s, "rss-item-1");
    assert_eq!(title.as_deref(), Some("السعودية والصين توقعان مذكرة تفاهم في مجال الطاقة"));
    assert_eq!(published.as_deref(), Some("2025-05-13"));
    assert_eq!(source.as_deref(), Some("news.example.org"));
    assert!(text.starts_with("وقعت المملكة العربية السعودية والصين") && !text.contains("<p>"), "{text}");
    for id in ["rss-item-2", "rss-item-3"] {
        article(&s, id);
    }
    let (_, published, source, text, _) = article(&s, "urn:uuid:atom-entry-1");
    assert_eq!((published.as_deref(), source.as_deref()), (Some("2025-06-01"), Some("maghreb.example.net")));
    assert!(text.starts_with("بحث وزير الطاقة المغربي") && !text.contains("ملخص قصير"), "content wins over summary: {text}");
    let (_, published, _, text, _) = article(&s, "urn:uuid:atom-entry-2");
    assert_eq!(published.as_deref(), Some("2025-06-02"), "updated stands in for published");
    assert!(text.starts_with("أعلنت السلطات الليبية والتونسية"));
}

#[test]
fn the_same_inputs_twice_are_stored_once() {
    let mut s = SqliteStore::in_memory().unwrap();
    let inputs = [fx("feed.rss"), fx("report-utf16.txt"), fx("page-windows-1256.html")];
    let a = run(&mut s, &inputs, false);
    assert_eq!((a.summary.new, a.summary.duplicate), (5, 0));
    let before = s.stats(5).unwrap();
    let b = run(&mut s, &inputs, false);
    assert_eq!((b.summary.read, b.summary.new, b.summary.duplicate), (5, 0, 5));
    let after = s.stats(5).unwrap();
    assert_eq!(before, after, "a second run changes nothing");
}

#[test]
fn bad_input_is_reported_by_name_and_touches_nothing() {
    let mut s = SqliteStore::in_memory().unwrap();
    run(&mut s, &[fx("feed.rss")], false);
    let snapshot = |s: &SqliteStore| -> Vec<(i64, String, String)> {
        let mut st = s.connection().prepare("SELECT id, ext_id, text FROM articles ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let before = snapshot(&s);
    let r = run(&mut s, &[fx("bad"), fx("bad/binary.txt"), fx("no-such-file.txt")], false);
    let expect = [
        ("bad/binary.txt", "binary data"),
        ("bad/empty.txt", "empty file"),
        ("bad/records.jsonl:2", "not valid JSON"),
        ("bad/records.jsonl:3", "missing field `text`"),
        ("bad/records.jsonl:4", "must be a JSON object"),
        ("bad/records.jsonl:5", "does not start with an ISO date"),
        ("bad/truncated.html", "truncated"),
        ("bad/unknown-charset.html", "unknown character encoding \"x-mac-klingon\""),
        ("no-such-file.txt", "cannot read"),
    ];
    for (path, reason) in expect {
        assert!(
            r.failed.iter().any(|f| f.contains(path) && f.contains(reason)),
            "no report naming {path} with {reason:?} in {:#?}",
            r.failed
        );
    }
    // the binary file is named twice (in the directory and on its own)
    assert_eq!(r.summary.failed, 10, "{:#?}", r.failed);
    // the one good record of records.jsonl is stored, nothing else changes
    assert_eq!(r.summary.new, 1);
    let after = snapshot(&s);
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap().1, "good-1");
}

// ---- a tiny HTTP server on 127.0.0.1, started and stopped inside the test ----

type Routes = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

struct Server {
    addr: String,
    routes: Routes,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Listens on a free port of 127.0.0.1; stops when dropped, or after 60 s at most.
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let routes: Routes = Arc::default();
        let (flag, r) = (Arc::clone(&stop), Arc::clone(&routes));
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &r),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { addr, routes, stop, handle: Some(handle) }
    }

    fn route(&self, path: &str, ctype: &str, body: Vec<u8>) -> &Self {
        self.routes.lock().unwrap().push((path.to_string(), ctype.to_string(), body));
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve(mut stream: TcpStream, routes: &Routes) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&req).lines().next().unwrap_or("").to_string();
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let found = routes.lock().unwrap().iter().find(|r| r.0 == path).cloned();
    let (status, ctype, body) = match found {
        Some((_, ct, b)) => ("200 OK", ct, b),
        None => ("404 Not Found", "text/plain".to_string(), b"not found".to_vec()),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

#[test]
fn pages_and_feeds_from_a_local_server() {
    // the page served with its charset only in the HTTP header (meta removed), in windows-1256
    let page = String::from_utf8_lossy(&read("page-buried-in-navigation.html")).replace("<meta charset=\"utf-8\">", "");
    let (page_1256, _, _) = encoding_rs::WINDOWS_1256.encode(&page);
    let server = Server::start();
    server
        .route("/feed.rss", "application/rss+xml; charset=utf-8", read("feed.rss"))
        .route("/feed.atom", "application/atom+xml", read("feed.atom"))
        .route("/page.html", "text/html; charset=windows-1256", page_1256.into_owned())
        .route("/report.txt", "text/plain", read("report-utf16.txt"));
    let mut s = SqliteStore::in_memory().unwrap();
    let urls = [server.url("/feed.rss"), server.url("/feed.atom"), server.url("/page.html"), server.url("/report.txt"), server.url("/missing")];
    let r = run(&mut s, &urls, false);
    assert_eq!(r.summary.new, 7, "{:#?}", r.failed);
    assert_eq!(r.failed.len(), 1);
    assert!(r.failed[0].contains("/missing") && r.failed[0].contains("HTTP 404"), "{:?}", r.failed);
    let (title, _, source, text, _) = article(&s, &server.url("/page.html"));
    assert!(title.unwrap().starts_with("الجزائر وتونس"));
    assert_eq!(source.as_deref(), Some("127.0.0.1"));
    assert!(text.starts_with("بحث وزير الداخلية الجزائري"), "decoded with the header's charset: {text}");
    let (_, _, _, text, _) = article(&s, &server.url("/report.txt"));
    assert!(text.contains("تميم بن حمد"));
    article(&s, "rss-item-3");
    article(&s, "urn:uuid:atom-entry-2");
}

#[test]
fn follow_links_reads_the_linked_pages() {
    let server = Server::start();
    let feed = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
        <item><title>خبر</title><link>{a}/story.html</link><guid>s1</guid><description>موجز قصير للخبر فقط</description></item>
        <item><title>خبر آخر</title><link>{a}/gone.html</link><guid>s2</guid><description>موجز الخبر الثاني كما ورد في الخلاصة</description></item>
        </channel></rss>"#,
        a = server.addr
    );
    server
        .route("/feed.xml", "application/rss+xml", feed.into_bytes())
        .route("/story.html", "text/html; charset=utf-8", read("page-buried-in-navigation.html"));
    let mut s = SqliteStore::in_memory().unwrap();
    let r = run(&mut s, &[server.url("/feed.xml")], true);
    assert_eq!(r.failed, Vec::<String>::new());
    let (_, _, _, text, _) = article(&s, "s1");
    assert!(text.starts_with("بحث وزير الداخلية الجزائري"), "the linked page's text: {text}");
    let (_, _, _, text, _) = article(&s, "s2");
    assert_eq!(text, "موجز الخبر الثاني كما ورد في الخلاصة", "falls back to the feed's text");
    assert!(r.warnings.iter().any(|w| w.contains("s2") && w.contains("HTTP 404")), "{:?}", r.warnings);
    // without follow_links only the feed is read
    let mut s2 = SqliteStore::in_memory().unwrap();
    let r = run(&mut s2, &[server.url("/feed.xml")], false);
    assert!(r.warnings.is_empty());
    assert_eq!(article(&s2, "s1").3, "موجز قصير للخبر فقط");
}
