//! `marsad watch` (and `serve --watch`): follows feeds and pages, polling each on its own
//! interval with conditional GET, backing off on errors, keeping a gap between requests to one
//! host, storing each new item once through the ingest pipeline, and logging one line per
//! poll. Its cursor (validators, errors in a row, the next poll) is in the store
//! (`marsad_store::watch`), written after what a poll read is committed, so a killed watcher
//! loses nothing and a restarted one stores nothing twice: the store's content hash and the
//! items' origins (`feed-url#item-id`) catch what a poll cut short had already stored.
//!
//! `marsad subscriptions list|add|remove` manages the standing queries directly in the store.

use anyhow::{bail, Context, Result};
use marsad_extract::Extractor;
use marsad_ingest::fetch::{self, Conditional, Validators};
use marsad_ingest::{IngestOptions, Report, SourceOptions};
use marsad_store::watch::{self as cursor, FeedCursor};
use marsad_store::{Store, Target};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One URL to follow and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSpec {
    pub url: String,
    pub every: Duration,
}

/// The default polling interval.
pub const DEFAULT_EVERY: u64 = 300;
/// The longest wait after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Reads a feeds file: one URL a line, optionally followed by `every=SECONDS`; `#` starts a
/// comment; blank lines are skipped. Errors name the file and line.
pub fn read_feeds_file(path: &std::path::Path, every: Duration) -> Result<Vec<FeedSpec>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the feeds file {}", path.display()))?;
    parse_feeds(&text, &path.display().to_string(), every)
}

pub fn parse_feeds(text: &str, name: &str, every: Duration) -> Result<Vec<FeedSpec>> {
    let mut out: Vec<FeedSpec> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // a comment starts with a `#` at the start of the line or after a space (a `#` inside a URL is its fragment)
        let cut = line.char_indices().find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace))).map_or(line.len(), |(i, _)| i);
        let line = &line[..cut];
        let mut parts = line.split_whitespace();
        let Some(url) = parts.next() else { continue };
        let at = format!("{name}:{}", n + 1);
        if !fetch::is_url(url) || fetch::host(url).is_none() {
            bail!("{at}: {url:?} is not an http:// or https:// URL");
        }
        let mut spec = FeedSpec { url: url.to_string(), every };
        for p in parts {
            match p.strip_prefix("every=") {
                Some(v) => spec.every = Duration::from_secs(parse_every(v).with_context(|| format!("{at}: every={v}"))?),
                None => bail!("{at}: unknown setting {p:?} (expected every=SECONDS)"),
            }
        }
        if out.iter().any(|f| f.url == spec.url) {
            bail!("{at}: {url} is listed twice");
        }
        out.push(spec);
    }
    if out.is_empty() {
        bail!("{name}: no feed URLs in it");
    }
    Ok(out)
}

/// Seconds between polls: 1 to one week.
pub fn parse_every(v: &str) -> Result<u64> {
    match v.trim().parse::<u64>() {
        Ok(n) if (1..=7 * 86400).contains(&n) => Ok(n),
        _ => bail!("expected a whole number of seconds from 1 to 604800"),
    }
}

/// How a watch runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub feeds: Vec<FeedSpec>,
    /// Least time between two requests to one host.
    pub host_gap: Duration,
    /// Stop after every feed was polled this many times (`--rounds`, `--once`); else until stopped.
    pub rounds: Option<u64>,
    pub follow_links: bool,
    /// Articles per transaction at most.
    pub batch: usize,
    pub workers: usize,
    /// Told after a poll stored new articles (the webhooks look for new reports at once).
    pub kick: Option<Arc<tokio::sync::Notify>>,
}

/// What one poll did (for the log line and tests).
#[derive(Debug, Clone, Default)]
pub struct PollOutcome {
    pub status: String,
    pub new_articles: usize,
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn now_text() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Polls the feeds until `stop` is set (or the rounds are done). Only a store error ends it
/// early; a feed that cannot be read is logged and retried after a backoff.
pub fn watch(store: &mut dyn Store, ex: &Extractor, o: &WatchOptions, stop: &AtomicBool, log: &mut dyn FnMut(String)) -> Result<()> {
    struct State {
        spec: FeedSpec,
        cur: FeedCursor,
        due: Instant,
        polls: u64,
    }
    let start = Instant::now();
    let mut feeds: Vec<State> = Vec::new();
    for spec in &o.feeds {
        let cur = cursor::cursor(store.as_db(), &spec.url)?.unwrap_or_else(|| FeedCursor { url: spec.url.clone(), ..Default::default() });
        // a feed in backoff when the last watcher stopped stays in it; any other is polled now
        let wait = match cur.next_poll {
            Some(t) if cur.failures > 0 => Duration::from_secs((t - now_unix()).clamp(0, MAX_BACKOFF.as_secs() as i64) as u64),
            _ => Duration::ZERO,
        };
        feeds.push(State { spec: spec.clone(), cur, due: start + wait, polls: 0 });
    }
    let mut last_at_host: HashMap<String, Instant> = HashMap::new();
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        // politeness: one host is asked at most once per host gap, so a URL is due at its own
        // time or its host's, whichever is later; the earliest goes first
        let due_of = |f: &State| {
            let host = fetch::host(&f.spec.url).unwrap_or_default();
            match last_at_host.get(&host) {
                Some(t) => f.due.max(*t + o.host_gap),
                None => f.due,
            }
        };
        let open = (0..feeds.len()).filter(|&i| o.rounds.map_or(true, |r| feeds[i].polls < r));
        let Some((i, due)) = open.map(|i| (i, due_of(&feeds[i]))).min_by_key(|&(i, d)| (d, i)) else { return Ok(()) };
        let host = fetch::host(&feeds[i].spec.url).unwrap_or_default();
        while Instant::now() < due {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            std::thread::sleep((due - Instant::now()).min(Duration::from_millis(100)));
        }
        last_at_host.insert(host, Instant::now());
        let f = &mut feeds[i];
        let t = Instant::now();
        let out = poll(store, ex, &f.spec, &mut f.cur, o, log)?;
        f.polls += 1;
        if out.new_articles > 0 {
            if let Some(k) = &o.kick {
                k.notify_one();
            }
        }
        let wait = if f.cur.failures > 0 {
            let backoff = f.spec.every.saturating_mul(1 << f.cur.failures.clamp(0, 10)).min(MAX_BACKOFF);
            let asked = f.cur.next_poll.map_or(Duration::ZERO, |n| Duration::from_secs((n - now_unix()).max(0) as u64));
            backoff.max(asked)
        } else {
            f.spec.every
        };
        f.due = Instant::now() + wait;
        f.cur.next_poll = Some(now_unix() + wait.as_secs() as i64);
        cursor::record_poll(store.as_db(), &f.cur, out.new_articles as i64, &now_text()).context("recording the feed's cursor")?;
        log(format!("{} {}: {} ({:.1} s); next poll in {} s", now_text(), f.spec.url, out.status, t.elapsed().as_secs_f64(), wait.as_secs()));
    }
}

/// One poll of one URL: conditional GET, then the new items through the ingest pipeline.
/// Updates `cur` (validators, failures, status; a server's Retry-After in `next_poll`).
fn poll(store: &mut dyn Store, ex: &Extractor, spec: &FeedSpec, cur: &mut FeedCursor, o: &WatchOptions, log: &mut dyn FnMut(String)) -> Result<PollOutcome> {
    let v = Validators { etag: cur.etag.clone(), last_modified: cur.last_modified.clone() };
    let fetched = fetch::get_conditional(&spec.url, &marsad_ingest::FetchOptions::default(), &v);
    cur.next_poll = None;
    let (body, next) = match fetched {
        Ok(Conditional::NotModified) => {
            cur.failures = 0;
            cur.last_status = Some("304 not modified".into());
            return Ok(PollOutcome { status: "304 not modified, nothing stored".into(), new_articles: 0 });
        }
        Err(e) => {
            cur.failures += 1;
            cur.last_status = Some(e.message.clone());
            if let Some(s) = e.retry_after {
                cur.next_poll = Some(now_unix() + s.min(MAX_BACKOFF.as_secs()) as i64);
            }
            return Ok(PollOutcome { status: format!("error: {} ({} in a row)", e.message, cur.failures), new_articles: 0 });
        }
        Ok(Conditional::Fetched(body, next)) => (body, next),
    };
    let known = cursor::known_items(store.as_db(), &spec.url)?;
    let skipped = known.len();
    let opts = IngestOptions {
        sources: SourceOptions { follow_links: o.follow_links, skip_origins: Some(Arc::new(known)), link_gap: o.host_gap, ..Default::default() },
        workers: o.workers,
        batch_size: o.batch.max(1),
        ..Default::default()
    };
    let sources = opts.sources.clone();
    let url = spec.url.clone();
    let mut unreadable: Option<String> = None;
    let sum = marsad_ingest::ingest_from(
        store,
        ex,
        &move |f: &mut marsad_ingest::source::Sink<'_>| {
            let _ = marsad_ingest::source::read_fetched(&url, &body, &sources, f);
        },
        &opts,
        &mut |r| match r {
            // the document itself could not be read (not a feed, malformed XML): the poll failed
            Report::Failed(e) if e.origin == spec.url => unreadable = Some(e.reason.clone()),
            Report::Failed(e) => log(format!("{} {e}", now_text())),
            Report::Warning { origin, message } => log(format!("{} {origin}: warning: {message}", now_text())),
            _ => {}
        },
    )
    .with_context(|| format!("storing what {} holds", spec.url))?;
    if let Some(reason) = unreadable {
        cur.failures += 1;
        cur.last_status = Some(reason.clone());
        return Ok(PollOutcome { status: format!("error: {reason} ({} in a row)", cur.failures), new_articles: 0 });
    }
    cur.failures = 0;
    cur.etag = next.etag;
    cur.last_modified = next.last_modified;
    let status = format!(
        "200, {} unseen items: {} new articles, {} duplicate, {} failed; {} events added, {} reports merged into known events; {} items stored before",
        sum.read + sum.failed,
        sum.new,
        sum.duplicate,
        sum.failed,
        sum.events_added,
        sum.mentions_merged,
        skipped
    );
    cur.last_status = Some(format!("200: {} new articles", sum.new));
    Ok(PollOutcome { status, new_articles: sum.new })
}

/// Sets the flag on SIGINT or SIGTERM.
pub fn stop_on_signals(rt: &tokio::runtime::Runtime, stop: Arc<AtomicBool>, notify: Arc<tokio::sync::Notify>) {
    rt.spawn(async move {
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("marsad: cannot listen for SIGTERM: {e}");
                    let _ = tokio::signal::ctrl_c().await;
                    stop.store(true, Ordering::SeqCst);
                    notify.notify_one();
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        stop.store(true, Ordering::SeqCst);
        notify.notify_one();
    });
}

/// Webhook settings of `watch`.
#[derive(Debug, Clone)]
pub struct HookOptions {
    pub enabled: bool,
    pub allow_private: bool,
    pub attempts: u32,
    pub backoff_ms: u64,
}

/// `marsad watch`.
pub fn run_watch(ex: &Extractor, db: &str, o: &WatchOptions, hooks: &HookOptions) -> Result<i32> {
    let mut o = o.clone();
    let kick = Arc::new(tokio::sync::Notify::new());
    if hooks.enabled {
        o.kick = Some(kick.clone());
    }
    let target = Target::parse(db);
    let shown = target.display();
    let mut store = target.open().with_context(|| format!("opening the store {shown}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let notify = Arc::new(tokio::sync::Notify::new());
    stop_on_signals(&rt, stop.clone(), notify.clone());
    let delivering = hooks.enabled.then(|| {
        let mut cfg = marsad_serve::Config::new(target.clone(), "127.0.0.1:0".parse().expect("an address"));
        cfg.poll = Duration::from_millis(500);
        cfg.allow_private_webhooks = hooks.allow_private;
        cfg.webhook_attempts = hooks.attempts.clamp(1, 20);
        cfg.webhook_backoff = Duration::from_millis(hooks.backoff_ms);
        let n = notify.clone();
        let done = Arc::new(tokio::sync::Notify::new());
        let d = done.clone();
        rt.spawn(async move {
            let stopped = async move {
                tokio::select! {
                    _ = n.notified() => {}
                    _ = d.notified() => {}
                }
            };
            if let Err(e) = marsad_serve::run_webhooks(cfg, kick, stopped).await {
                eprintln!("marsad: webhooks: {e}");
            }
        });
        done
    });
    eprintln!(
        "marsad: watching {} feed{} into {shown}{}",
        o.feeds.len(),
        if o.feeds.len() == 1 { "" } else { "s" },
        if hooks.enabled { ", delivering subscriptions' webhooks" } else { "" }
    );
    let res = watch(&mut *store, ex, &o, &stop, &mut |line| eprintln!("marsad: watch: {line}"));
    if let Some(done) = delivering {
        if !stop.load(Ordering::SeqCst) {
            // the rounds are done: let the webhooks catch up with what was stored (a minute at most)
            drain(&target, &stop, Duration::from_secs(60));
        }
        done.notify_one();
        // the deliverer gives back its leases
        std::thread::sleep(Duration::from_millis(200));
    }
    rt.shutdown_timeout(Duration::from_secs(2));
    res?;
    Ok(0)
}

/// Waits until every subscription with a webhook has looked at every stored report, or `limit`.
fn drain(target: &Target, stop: &AtomicBool, limit: Duration) {
    let t = Instant::now();
    while t.elapsed() < limit && !stop.load(Ordering::SeqCst) {
        let Ok(c) = target.reader() else { return };
        let behind = (|| -> marsad_store::Result<bool> {
            let last = marsad_store::query::last_mention_id(&*c)?;
            Ok(marsad_store::query::subscriptions(&*c)?.iter().any(|s| s.webhook.is_some() && s.cursor < last))
        })();
        match behind {
            Ok(true) => std::thread::sleep(Duration::from_millis(200)),
            _ => return,
        }
    }
}

/// `serve --watch FILE`: the watcher on a thread of its own beside the server; stops when
/// `stop` is set.
/// A store error (a lost database connection) pauses it a minute, then it reopens the store
/// and goes on: the server keeps following its feeds.
pub fn spawn_in_server(ex: Extractor, target: Target, o: WatchOptions, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>> {
    let mut store = target.open().with_context(|| format!("opening the store {}", target.display()))?;
    Ok(std::thread::Builder::new().name("marsad-watch".into()).spawn(move || loop {
        match watch(&mut *store, &ex, &o, &stop, &mut |line| eprintln!("marsad: watch: {line}")) {
            Ok(()) => return,
            Err(e) => eprintln!("marsad: watch paused for 60 s: {e:#}"),
        }
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        match target.open() {
            Ok(s) => store = s,
            Err(e) => eprintln!("marsad: watch: reopening the store {}: {e}", target.display()),
        }
    })?)
}

// ---- subscriptions ----------------------------------------------------------------------

/// `marsad subscriptions list`.
pub fn run_list(db: &str, json: bool, secrets: bool) -> Result<i32> {
    let target = Target::parse(db);
    if !target.may_exist() {
        bail!("no store at {} (run `marsad ingest` first, or give --db)", target.display());
    }
    drop(target.open().with_context(|| format!("opening the store {}", target.display()))?);
    let c = target.reader()?;
    let subs = marsad_store::query::subscriptions(&*c)?;
    if json {
        let v: Vec<serde_json::Value> = subs
            .iter()
            .map(|s| {
                let mut v = serde_json::json!({"subscription": s, "feed_path": format!("/api/subscriptions/{}/feed.atom", s.id)});
                if secrets {
                    v["secret"] = serde_json::json!(s.secret);
                }
                v
            })
            .collect();
        println!("{}", serde_json::json!({ "subscriptions": v }));
        return Ok(0);
    }
    if subs.is_empty() {
        println!("no subscriptions (add one: marsad subscriptions add --name NAME [filters] [--webhook URL])");
    }
    for s in &subs {
        let filter: Vec<String> = s.filter.to_pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "{:>4}  {}  [{}]  webhook: {}  feed: /api/subscriptions/{}/feed.atom  created {}{}",
            s.id,
            s.name,
            if filter.is_empty() { "every event".to_string() } else { filter.join(" ") },
            s.webhook.as_deref().unwrap_or("none"),
            s.id,
            s.created_at,
            if secrets { format!("  secret {}", s.secret.as_deref().unwrap_or("(made at the first delivery)")) } else { String::new() }
        );
    }
    Ok(0)
}

/// `marsad subscriptions add`.
pub fn run_add(db: &str, name: &str, filter: &marsad_store::query::EventFilter, webhook: Option<&str>, allow_private: bool, json: bool) -> Result<i32> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        bail!("--name: expected 1 to 200 characters");
    }
    if let Some(u) = webhook {
        marsad_serve::check_webhook(u, allow_private).map_err(|e| anyhow::anyhow!("--{e}"))?;
    }
    let target = Target::parse(db);
    let store = target.open().with_context(|| format!("opening the store {}", target.display()))?;
    let c = store.as_db();
    let mut sub = marsad_store::query::create_subscription(c, name, filter, webhook)?;
    sub.secret = marsad_store::query::ensure_secret(c, sub.id, &marsad_serve::new_secret())?;
    if json {
        println!("{}", serde_json::json!({"subscription": sub, "secret": sub.secret, "feed_path": format!("/api/subscriptions/{}/feed.atom", sub.id)}));
    } else {
        println!("subscription {} \"{}\" added; its feed: /api/subscriptions/{}/feed.atom", sub.id, sub.name, sub.id);
        if sub.webhook.is_some() {
            println!("webhook bodies are signed: X-Marsad-Signature-256 = sha256=HMAC-SHA256(secret, body); secret {}", sub.secret.as_deref().unwrap_or(""));
        }
    }
    Ok(0)
}

/// `marsad subscriptions remove`.
pub fn run_remove(db: &str, id: i64) -> Result<i32> {
    let target = Target::parse(db);
    if !target.may_exist() {
        bail!("no store at {}", target.display());
    }
    let store = target.open().with_context(|| format!("opening the store {}", target.display()))?;
    if marsad_store::query::delete_subscription(store.as_db(), id)? {
        println!("subscription {id} removed (a running server stops delivering it at its next poll)");
        Ok(0)
    } else {
        eprintln!("marsad: no subscription {id}");
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_files_are_read_with_overrides_and_refused_clearly() {
        let d = Duration::from_secs(300);
        let f = parse_feeds("# wires\nhttps://a.example/rss.xml\n\nhttp://b.example/feed every=60  # fast\nhttps://c.example/p#top\n", "feeds.txt", d).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].url.as_str(), f[0].every), ("https://a.example/rss.xml", d));
        assert_eq!((f[1].url.as_str(), f[1].every), ("http://b.example/feed", Duration::from_secs(60)));
        assert_eq!(f[2].url, "https://c.example/p#top");
        for (text, msg) in [
            ("ftp://x/feed\n", "feeds.txt:1: \"ftp://x/feed\" is not an http"),
            ("https://a.example/\nhttps://a.example/ every=0\n", "feeds.txt:2: every=0"),
            ("https://a.example/ often\n", "feeds.txt:1: unknown setting"),
            ("https://a.example/\nhttps://a.example/\n", "feeds.txt:2: https://a.example/ is listed twice"),
            ("# nothing\n", "feeds.txt: no feed URLs"),
        ] {
            let e = format!("{:#}", parse_feeds(text, "feeds.txt", d).unwrap_err());
            assert!(e.contains(msg), "{text:?}: {e}");
        }
    }
}
