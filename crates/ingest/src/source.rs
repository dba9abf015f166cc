//! Sources: files (`.txt`, `.jsonl`/`.ndjson`, `.html`/`.htm`, `.xml`/`.rss`/`.atom`),
//! directories (recursive, name order), `-` (JSON Lines on stdin) and http(s) URLs of pages
//! or feeds. Every item is either an [`Item`] (an article and where it came from) or a
//! [`SourceError`] naming the file, line or URL and what is wrong.

use crate::decode::decode;
use crate::fetch::{self, FetchOptions};
use crate::{feed, html};
use marsad_extract::Article;
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

pub use marsad_extract::{MAX_ARTICLE_BYTES, MAX_INPUT_BYTES};

/// Reads one line (with its `\n`) into `buf`, keeping at most `limit + 1` bytes of it: a line
/// longer than `limit` is read to its end but not kept. Returns the line's whole length (0 at
/// the end of input).
pub fn read_line_bounded(r: &mut impl BufRead, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let (done, used) = {
            let chunk = match r.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(total);
            }
            let (done, used) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            };
            let room = (limit + 1).saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..used.min(room)]);
            (done, used)
        };
        r.consume(used);
        total += used;
        if done {
            return Ok(total);
        }
    }
}

/// One article read from a source.
#[derive(Debug, Clone)]
pub struct Item {
    pub article: Article,
    /// `path`, `path:line`, a URL, or `feed#item-id`.
    pub origin: String,
    /// The publisher: the record's `source`, the page's site name or the URL's host.
    pub source: Option<String>,
    /// Something odd that did not stop the read (a truncated page, a link that could not be followed).
    pub warning: Option<String>,
}

/// Something that could not be read; the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct SourceError {
    pub origin: String,
    pub reason: String,
}

/// How sources are read.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Fetch the page each feed item links to and read its main text.
    pub follow_links: bool,
    pub fetch: FetchOptions,
    /// Feed items whose origin (`feed#item-id`) is in this set are passed over, their links
    /// not followed (`marsad watch`: the items a feed's earlier polls stored).
    pub skip_origins: Option<std::sync::Arc<HashSet<String>>>,
    /// With `follow_links`: least time between two page fetches of one feed, and between the
    /// feed's own fetch and the first (politeness; `marsad watch --host-gap-ms`).
    pub link_gap: std::time::Duration,
}

/// What the sink says after each item.
pub type Sink<'a> = dyn FnMut(Result<Item, SourceError>) -> std::ops::ControlFlow<()> + 'a;

fn err(origin: impl Into<String>, reason: impl Into<String>) -> Result<Item, SourceError> {
    Err(SourceError { origin: origin.into(), reason: reason.into() })
}

/// Reads every input in order and hands each item to `f`; stops early when `f` breaks. An
/// article whose text is over [`MAX_ARTICLE_BYTES`] (a page, a feed item, a record) is handed
/// on as an error naming it.
pub fn read_inputs(inputs: &[String], opts: &SourceOptions, f: &mut Sink<'_>) {
    let mut seen = HashSet::new();
    let f = &mut |item: Result<Item, SourceError>| match item {
        Ok(it) => match marsad_extract::too_large(it.article.text.len()) {
            Some(reason) => f(Err(SourceError { origin: it.origin, reason })),
            None => f(Ok(it)),
        },
        e => f(e),
    };
    for i in inputs {
        let flow = if i == "-" {
            let stdin = std::io::stdin();
            read_jsonl(stdin.lock(), "<stdin>", f)
        } else if fetch::is_url(i) {
            read_url(i, opts, f)
        } else {
            visit(Path::new(i), opts, f, true, &mut seen)
        };
        if flow.is_break() {
            return;
        }
    }
}

/// A directory's identity (device, inode), to read each folder once however many links lead
/// to it: a link to a folder above it would otherwise be followed forever.
#[cfg(unix)]
pub fn dir_id(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
pub fn dir_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// What a path is when it is neither a folder nor a regular file.
pub fn odd_kind(m: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = m;
    "not a regular file"
}

type Flow = std::ops::ControlFlow<()>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Jsonl,
    Html,
    Feed,
}

fn kind_of_ext(p: &Path) -> Option<Kind> {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" => Kind::Text,
        "jsonl" | "ndjson" => Kind::Jsonl,
        "html" | "htm" | "xhtml" | "shtml" => Kind::Html,
        "xml" | "rss" | "atom" => Kind::Feed,
        _ => return None,
    })
}

fn visit(p: &Path, opts: &SourceOptions, f: &mut Sink<'_>, explicit: bool, seen: &mut HashSet<(u64, u64)>) -> Flow {
    let origin = p.display().to_string();
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => return f(err(origin, format!("cannot read: {e}"))),
    };
    if meta.is_dir() {
        if let Some(id) = dir_id(&meta) {
            if !seen.insert(id) {
                return f(err(origin, "folder already read (a symbolic link loop, or a second link to it); skipped"));
            }
        }
        let mut entries: Vec<_> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return f(err(origin, format!("cannot list directory: {e}"))),
        };
        entries.sort();
        for e in entries {
            visit(&e, opts, f, false, seen)?;
        }
        return Flow::Continue(());
    }
    if !meta.is_file() {
        // a FIFO would block the run forever, a device never ends
        if !explicit {
            return Flow::Continue(());
        }
        return f(err(origin, format!("{}, not a regular file (give `-` to read JSON Lines from a stream on stdin)", odd_kind(&meta))));
    }
    let kind = kind_of_ext(p);
    if kind.is_none() && !explicit {
        // README.md, images and the like inside a directory are not articles
        return Flow::Continue(());
    }
    if kind == Some(Kind::Jsonl) {
        return match std::fs::File::open(p) {
            Ok(file) => read_jsonl(std::io::BufReader::new(file), &origin, f),
            Err(e) => f(err(origin, format!("cannot open: {e}"))),
        };
    }
    let too_big = |n: u64| format!("{n} bytes is larger than the {} MiB limit for one file", MAX_INPUT_BYTES >> 20);
    if meta.len() > MAX_INPUT_BYTES as u64 {
        return f(err(origin, too_big(meta.len())));
    }
    let mut bytes = Vec::new();
    // a file that grows while it is read is cut at the limit, not read on
    if let Err(e) = std::fs::File::open(p).and_then(|file| std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_INPUT_BYTES as u64 + 1), &mut bytes)) {
        return f(err(origin, format!("cannot read: {e}")));
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return f(err(origin, too_big(bytes.len() as u64)));
    }
    let id = p.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    read_document(&bytes, None, kind, &origin, &id, None, opts, f)
}

/// Reads one document (file or fetched body) of a known or sniffed kind.
#[allow(clippy::too_many_arguments)]
fn read_document(
    bytes: &[u8],
    charset: Option<&str>,
    kind: Option<Kind>,
    origin: &str,
    id: &str,
    url: Option<&str>,
    opts: &SourceOptions,
    f: &mut Sink<'_>,
) -> Flow {
    let d = match decode(bytes, charset) {
        Ok(d) => d,
        Err(e) => return f(err(origin, e.to_string())),
    };
    // a decoding remark (bytes replaced) goes with the first article of the document
    let mut note = d.warning.clone();
    let f = &mut |item: Result<Item, SourceError>| match item {
        Ok(mut it) => {
            if let Some(n) = note.take() {
                it.warning = Some(match it.warning {
                    Some(w) => format!("{n}; {w}"),
                    None => n,
                });
            }
            f(Ok(it))
        }
        e => f(e),
    };
    let text = d.text.trim_start_matches('\u{feff}');
    let kind = kind.unwrap_or_else(|| {
        if feed::looks_like_feed(text) {
            Kind::Feed
        } else if html::looks_like_html(text) {
            Kind::Html
        } else {
            Kind::Text
        }
    });
    let host = url.and_then(fetch::host);
    match kind {
        Kind::Text => {
            let t = text.to_string();
            if html::looks_like_html(&t) {
                // a saved page under another name: read it as a page
                return read_page(&t, origin, id, url, host, f);
            }
            f(Ok(Item {
                article: Article { id: id.to_string(), text: t, url: url.map(String::from), ..Default::default() },
                origin: origin.to_string(),
                source: host,
                warning: None,
            }))
        }
        Kind::Html => read_page(text, origin, id, url, host, f),
        Kind::Feed => read_feed(text, origin, url, opts, f),
        Kind::Jsonl => read_jsonl(text.as_bytes(), origin, f),
    }
}

fn read_page(text: &str, origin: &str, id: &str, url: Option<&str>, host: Option<String>, f: &mut Sink<'_>) -> Flow {
    match html::read_page(text, url) {
        Ok(p) => f(Ok(Item {
            article: Article { id: id.to_string(), text: p.text, title: p.title, published: p.published, url: url.map(String::from), source: None },
            origin: origin.to_string(),
            source: host.or(p.site_name),
            warning: p.truncated.then(|| "the page looks truncated (no </html>); read what was there".to_string()),
        })),
        Err(e) => f(err(origin, e)),
    }
}

fn read_feed(text: &str, origin: &str, feed_url: Option<&str>, opts: &SourceOptions, f: &mut Sink<'_>) -> Flow {
    let feed = match feed::parse(text) {
        Ok(feed) => feed,
        Err(e) => return f(err(origin, e)),
    };
    if feed.items.is_empty() {
        return f(err(origin, "feed has no items"));
    }
    let feed_host = feed_url.and_then(fetch::host).or_else(|| feed.link.as_deref().and_then(fetch::host));
    // the feed itself was just fetched when it has a URL
    let mut last_fetch = feed_url.map(|_| std::time::Instant::now());
    for (n, it) in feed.items.into_iter().enumerate() {
        let key = it.id.clone().unwrap_or_else(|| format!("item-{}", n + 1));
        let item_origin = format!("{origin}#{key}");
        // an item known by its GUID or link; one known only by its position (`item-3`) may be
        // another item next time, so it is read again (the content hash keeps it stored once)
        if it.id.is_some() && opts.skip_origins.as_ref().is_some_and(|k| k.contains(&item_origin)) {
            continue;
        }
        let source = it.link.as_deref().and_then(fetch::host).or_else(|| feed_host.clone()).or_else(|| feed.title.clone());
        let mut text = it.text.clone();
        let mut title = it.title.clone();
        let mut published = it.published.clone();
        let mut warning = None;
        if opts.follow_links {
            match it.link.as_deref().filter(|l| fetch::is_url(l)) {
                Some(link) => match {
                    if let Some(t) = last_fetch {
                        std::thread::sleep((t + opts.link_gap).saturating_duration_since(std::time::Instant::now()));
                    }
                    last_fetch = Some(std::time::Instant::now());
                    fetch::get(link, &opts.fetch)
                }
                .and_then(|r| {
                    let d = decode(&r.bytes, r.charset.as_deref()).map_err(|e| e.to_string())?;
                    html::read_page(&d.text, Some(link))
                }) {
                    Ok(p) => {
                        text = p.text;
                        title = title.or(p.title);
                        published = published.or(p.published);
                    }
                    Err(e) => warning = Some(format!("could not follow {link} ({e}); stored the feed's text")),
                },
                None => warning = Some("no http(s) link to follow; stored the feed's text".into()),
            }
        }
        if text.trim().is_empty() {
            f(err(item_origin, "feed item has no text (try --follow-links)"))?;
            continue;
        }
        f(Ok(Item {
            article: Article { id: key, text, title, published, source: None, url: it.link.clone() },
            origin: item_origin,
            source,
            warning,
        }))?;
    }
    Flow::Continue(())
}

fn read_url(url: &str, opts: &SourceOptions, f: &mut Sink<'_>) -> Flow {
    let r = match fetch::get(url, &opts.fetch) {
        Ok(r) => r,
        Err(e) => return f(err(url, e)),
    };
    read_fetched(url, &r, opts, f)
}

/// Reads what was fetched from `url` (a feed, a page, JSON Lines or text, by its
/// Content-Type, else sniffed) as `ingest URL` reads it.
/// An article over [`MAX_ARTICLE_BYTES`] is handed on as an error naming it.
pub fn read_fetched(url: &str, r: &fetch::Fetched, opts: &SourceOptions, f: &mut Sink<'_>) -> Flow {
    let f = &mut |item: Result<Item, SourceError>| match item {
        Ok(it) => match marsad_extract::too_large(it.article.text.len()) {
            Some(reason) => f(Err(SourceError { origin: it.origin, reason })),
            None => f(Ok(it)),
        },
        e => f(e),
    };
    let ct = r.content_type.as_deref().unwrap_or("");
    let kind = if ct.contains("rss") || ct.contains("atom") {
        Some(Kind::Feed)
    } else if ct.contains("ndjson") || ct.contains("jsonl") {
        Some(Kind::Jsonl)
    } else if ct.contains("html") {
        Some(Kind::Html)
    } else {
        None // text/xml, text/plain, unknown: sniff
    };
    read_document(&r.bytes, r.charset.as_deref(), kind, url, url, Some(url), opts, f)
}

fn read_jsonl(r: impl BufRead, path: &str, f: &mut Sink<'_>) -> Flow {
    let mut r = r;
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = match read_line_bounded(&mut r, &mut buf, MAX_INPUT_BYTES) {
            Ok(n) => n,
            Err(e) => return f(err(format!("{path}:{}", line + 1), format!("read error: {e}"))),
        };
        if n == 0 {
            return Flow::Continue(());
        }
        line += 1;
        let origin = format!("{path}:{line}");
        if n > MAX_INPUT_BYTES {
            f(err(origin, format!("record of {n} bytes is larger than the {} MiB limit for one record", MAX_INPUT_BYTES >> 20)))?;
            continue;
        }
        let s = match std::str::from_utf8(&buf) {
            Ok(s) => s.trim_start_matches('\u{feff}').trim(),
            Err(e) => {
                f(err(origin, format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1)))?;
                continue;
            }
        };
        if s.is_empty() {
            continue;
        }
        let item = match serde_json::from_str::<serde_json::Value>(s) {
            Ok(v) => match Article::from_json(v) {
                Ok(a) => {
                    let source = a.source.clone().or_else(|| a.url.as_deref().and_then(fetch::host));
                    Ok(Item { article: a, origin: origin.clone(), source, warning: None })
                }
                Err(e) => err(origin, e),
            },
            Err(e) => err(origin, format!("not valid JSON: {e}")),
        };
        f(item)?;
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn items(xml: &str, skip: &[&str]) -> Vec<String> {
        let opts = SourceOptions { skip_origins: Some(std::sync::Arc::new(skip.iter().map(|s| s.to_string()).collect())), ..Default::default() };
        let mut out = Vec::new();
        let _ = read_feed(xml, "http://h/f.xml", Some("http://h/f.xml"), &opts, &mut |i| {
            out.push(i.map(|x| x.origin).unwrap_or_else(|e| format!("error {e}")));
            std::ops::ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn known_feed_items_are_passed_over_by_guid_or_link_never_by_position() {
        let xml = r#"<rss><channel><title>t</title>
            <item><guid>g1</guid><description>نص أول</description></item>
            <item><link>http://h/2</link><description>نص ثان</description></item>
            <item><description>نص ثالث بلا معرف</description></item></channel></rss>"#;
        assert_eq!(items(xml, &[]), ["http://h/f.xml#g1", "http://h/f.xml#http://h/2", "http://h/f.xml#item-3"]);
        assert_eq!(items(xml, &["http://h/f.xml#g1", "http://h/f.xml#http://h/2", "http://h/f.xml#item-3"]), ["http://h/f.xml#item-3"]);
    }
}
