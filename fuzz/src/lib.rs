//! The entry points of marsad's fuzz targets (`fuzz/fuzz_targets/*.rs`, cargo-fuzz on a nightly
//! toolchain). The same functions replay every committed corpus file on the stable toolchain
//! (`crates/marsad/tests/fuzz_corpus.rs` includes this file), so what a fuzzer once found stays
//! fixed. Each takes any bytes; none may panic, hang or blow up in memory (libFuzzer's
//! `-timeout` and `-rss_limit_mb` watch the last two). See docs/fuzzing.md.

use marsad_extract::{Article, Extractor, MAX_ARTICLE_BYTES};
use marsad_ingest::fetch::Fetched;
use marsad_ingest::source::{read_fetched, SourceOptions};
use marsad_store::query::EventFilter;
use std::ops::ControlFlow;
use std::sync::OnceLock;

/// The extractor with the embedded knowledge base and tagger, built once per process.
fn extractor() -> &'static Extractor {
    static EX: OnceLock<Extractor> = OnceLock::new();
    EX.get_or_init(|| Extractor::new(marsad_kb::Kb::embedded().expect("the embedded knowledge base")))
}

/// Extracts one article and checks what comes out serialises (as `marsad extract` writes it).
fn extract_text(text: String) {
    let art = Article { id: "fuzz".into(), text, ..Default::default() };
    let out = extractor().extract(&art);
    let n = art.text.chars().count();
    for s in &out.sentences {
        assert!(s.start <= s.end && s.end <= n, "sentence span {}..{} outside a text of {n} characters", s.start, s.end);
    }
    serde_json::to_string(&out).expect("the extraction serialises");
}

/// `extract`: the bytes as an article's text (invalid UTF-8 replaced, as a lossy reader would),
/// up to the one-article limit.
pub fn extract(data: &[u8]) {
    if data.len() > MAX_ARTICLE_BYTES {
        return;
    }
    extract_text(String::from_utf8_lossy(data).into_owned());
}

/// Bytes of text [`extract_long`] builds for a size code (the first byte's low 3 bits):
/// 32 KiB to 4 MiB.
pub fn long_size(code: u8) -> usize {
    (32 << 10) << (code & 7)
}

/// `extract_long`: megabyte inputs from a few bytes, the shapes that found the super-linear
/// argument search and the memory per byte of issue 15 — the input's first byte picks a size
/// ([`long_size`]) and a shape, the rest (real sentences, from the seeds) is the unit repeated
/// to that size: as it is (many sentences), without sentence ends (one sentence of megabytes:
/// `.`, `!`, `?`, `؟`, `؛` and newlines made spaces), separated by blank lines (paragraphs), or
/// as lines of one unit each.
/// `MARSAD_FUZZ_LONG_MAX` (bytes) caps the size, for minimising the corpus in minutes
/// (`cargo fuzz cmin`: the shapes' code paths are the same at 64 KiB).
pub fn extract_long(data: &[u8]) {
    static MAX: OnceLock<usize> = OnceLock::new();
    let max = *MAX.get_or_init(|| std::env::var("MARSAD_FUZZ_LONG_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(MAX_ARTICLE_BYTES));
    extract_long_upto(data, max)
}

/// [`extract_long`] with the built text at most `max` bytes (the stable replay test, in a
/// debug build, replays the shapes at a smaller size unless asked for their full size).
pub fn extract_long_upto(data: &[u8], max: usize) {
    let Some((&spec, rest)) = data.split_first() else { return };
    let unit = String::from_utf8_lossy(rest);
    if unit.trim().is_empty() || unit.len() > 64 << 10 {
        return;
    }
    let unit: String = match (spec >> 3) & 3 {
        0 => unit.into_owned(),
        1 => unit.chars().map(|c| if matches!(c, '.' | '!' | '?' | '؟' | '؛' | '\n' | '\r') { ' ' } else { c }).collect::<String>() + " ",
        2 => unit.into_owned() + "\n\n",
        _ => unit.replace('\n', " ") + "\n",
    };
    let size = long_size(spec).min(max);
    let mut text = String::with_capacity(size + unit.len());
    while text.len() < size {
        text.push_str(&unit);
    }
    let mut cut = size;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    extract_text(text);
}

/// The Content-Types [`ingest`] reads a body under (its first byte picks one, and a charset).
const CONTENT_TYPES: &[Option<&str>] = &[None, Some("text/html"), Some("application/rss+xml"), Some("application/atom+xml"), Some("application/x-ndjson"), Some("text/plain"), Some("text/xml"), Some("application/json")];
const CHARSETS: &[Option<&str>] = &[None, Some("utf-8"), Some("windows-1256"), Some("iso-8859-6"), Some("utf-16le"), Some("utf-16be"), Some("x-unknown"), Some("")];

/// `ingest`: a body as `ingest URL` reads what it fetched — charset detection and decoding,
/// then a page, a feed, JSON Lines records or plain text by its Content-Type or, without one,
/// by sniffing — and the words and MinHash signature de-duplication takes of each article
/// (no network: feed links are not followed). The first byte picks the Content-Type (low 3
/// bits) and the charset parameter (next 3).
pub fn ingest(data: &[u8]) {
    let Some((&spec, body)) = data.split_first() else { return };
    let fetched = Fetched {
        bytes: body.to_vec(),
        content_type: CONTENT_TYPES[(spec & 7) as usize].map(String::from),
        charset: CHARSETS[((spec >> 3) & 7) as usize].map(String::from),
    };
    let _ = read_fetched("https://example.org/fuzz", &fetched, &SourceOptions::default(), &mut |item| {
        match item {
            Ok(it) => {
                assert!(it.article.text.len() <= MAX_ARTICLE_BYTES, "{}: an article over the limit was handed on", it.origin);
                let words = marsad_ingest::dedup::words(&it.article.text);
                let sig = marsad_ingest::dedup::signature(&words);
                assert_eq!(marsad_ingest::dedup::bands(&sig).len(), marsad_ingest::dedup::BANDS);
            }
            Err(e) => assert!(!e.origin.is_empty() && !e.reason.is_empty(), "an error names its origin and reason: {e:?}"),
        }
        ControlFlow::Continue(())
    });
}

/// The endpoints [`query`] sends a query string to (its first byte picks one).
const ENDPOINTS: &[&str] = &[
    "/api/events",
    "/api/incidents",
    "/api/actors",
    "/api/actors/RUS",
    "/api/timeline",
    "/api/graph",
    "/api/places",
    "/api/export",
    "/api/feed.atom",
    "/api/search",
    "/api/stats",
    "/api/subscriptions",
    "/api/events/1",
    "/api/subscriptions/1",
];

/// `query`: the API's parsing of a request's query string (and, for `POST
/// /api/subscriptions`, its JSON body) as the handlers read it, without a store
/// ([`marsad_serve::parse_request`]). The first byte picks the endpoint; the rest, up to a
/// newline, is the raw query string, and after it the body. An error is a 4xx with a message;
/// a filter that parses survives its round trip through query parameters.
pub fn query(data: &[u8]) {
    let Some((&spec, rest)) = data.split_first() else { return };
    let path = ENDPOINTS[spec as usize % ENDPOINTS.len()];
    let (q, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let q = String::from_utf8_lossy(q);
    match marsad_serve::parse_request(path, Some(&q), body) {
        Ok(Some(f)) => {
            let back = f.to_pairs();
            let again = EventFilter::from_pairs(back.iter().map(|(k, v)| (*k, v.as_str())), &[]).unwrap_or_else(|e| panic!("{path}?{q}: the filter's own pairs {back:?} do not parse: {e}"));
            assert_eq!(again, f, "{path}?{q}: the filter changes through its pairs {back:?}");
        }
        Ok(None) => {}
        Err((status, message)) => assert!((400..500).contains(&status) && !message.is_empty(), "{path}?{q}: {status} {message}"),
    }
}
