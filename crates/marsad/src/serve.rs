//! The `serve`, `search` and `export` subcommands: options and printing; the work is in
//! `marsad-serve` and `marsad-store`.

use anyhow::{bail, Context, Result};
use clap::Args;
use marsad_serve::export::{Format, Partition};
use marsad_store::query::{self, EventFilter, Page, Sort};
use marsad_store::search::SearchQuery;
use marsad_store::{Db, Target};
use std::io::Write;
use std::path::PathBuf;

/// Event filters shared by `search` and `export` (the API's query parameters).
#[derive(Args, Debug, Default)]
pub struct FilterArgs {
    /// Actor code on either side (RUS, IGO:UN, NSA:HAMAS).
    #[arg(long)]
    actor: Option<String>,
    /// Two actor codes, either direction (RUS-KAZ).
    #[arg(long)]
    dyad: Option<String>,
    /// PLOVER event type (CONSULT, AGREE…).
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// PLOVER mode (visit, host, sign…).
    #[arg(long)]
    mode: Option<String>,
    /// asserted, planned, negated or hypothetical.
    #[arg(long)]
    modality: Option<String>,
    /// A state on either side or where the event took place.
    #[arg(long)]
    country: Option<String>,
    /// First date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Last date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// A publisher that reported the event.
    #[arg(long)]
    source: Option<String>,
}

impl FilterArgs {
    pub fn filter(&self, q: Option<&str>) -> Result<EventFilter> {
        let p = self.resolved()?;
        EventFilter::from_pairs(self.pairs(&p, q), &[]).map_err(|e| anyhow::anyhow!("--{}", e.to_string().trim_start_matches("parameter ")))
    }

    /// The filter of an incident export: `--dyad` is refused (an incident names one side at most).
    pub fn incident_filter(&self, q: Option<&str>) -> Result<EventFilter> {
        let p = self.resolved()?;
        marsad_store::incidents::filter_from_pairs(self.pairs(&p, q), &[]).map_err(|e| anyhow::anyhow!("--{}", e.to_string().trim_start_matches("parameter ")))
    }

    /// `--actor`, `--country` and `--dyad` with names (Russia, روسيا, لافروف) replaced by the
    /// codes they stand for, each said on stderr; a name nothing is known by is an error.
    fn resolved(&self) -> Result<[Option<String>; 3]> {
        let one = |flag: &str, v: &str| -> Result<String> {
            if let Some(r) = crate::resolve::resolve_name(v) {
                eprintln!("marsad: --{flag} {}: {} ({})", r.given, r.code, r.name);
                return Ok(r.code);
            }
            if !v.trim().chars().all(|c| c.is_ascii_alphanumeric() || ":_. ".contains(c)) {
                bail!("--{flag} {v}: neither an actor code (RUS, IGO:UN) nor a name the knowledge base knows (Russia, روسيا, لافروف)");
            }
            Ok(v.to_string())
        };
        let actor = self.actor.as_deref().map(|v| one("actor", v)).transpose()?;
        let country = self.country.as_deref().map(|v| one("country", v)).transpose()?;
        let dyad = match self.dyad.as_deref() {
            Some(v) => match v.split(['-', '–', ',', '/']).collect::<Vec<_>>()[..] {
                [a, b] => Some(format!("{}-{}", one("dyad", a)?, one("dyad", b)?)),
                _ => Some(v.to_string()),
            },
            None => None,
        };
        Ok([actor, country, dyad])
    }

    fn pairs<'a>(&'a self, resolved: &'a [Option<String>; 3], q: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut p: Vec<(&str, &str)> = Vec::new();
        let [actor, country, dyad] = resolved;
        let fields = [
            ("actor", actor),
            ("dyad", dyad),
            ("type", &self.event_type),
            ("mode", &self.mode),
            ("modality", &self.modality),
            ("country", country),
            ("from", &self.from),
            ("to", &self.to),
            ("source", &self.source),
        ];
        for (k, v) in fields.iter() {
            if let Some(v) = v {
                p.push((k, v.as_str()));
            }
        }
        if let Some(q) = q {
            p.push(("q", q));
        }
        p
    }
}

/// A reading connection to the store at `db`, its schema current and its search index
/// complete.
fn open(db: &str) -> Result<Box<dyn Db + Send>> {
    let target = Target::parse(db);
    if !target.may_exist() {
        bail!("no store at {} (fill one with marsad ingest)", target.display());
    }
    let mut store = target.open().with_context(|| format!("opening the store {}", target.display()))?;
    let n = store.index_backlog().context("indexing for search")?;
    if n > 0 {
        eprintln!("marsad: indexed {n} articles for search");
    }
    drop(store);
    Ok(target.reader()?)
}

/// The options of `marsad serve` beyond the store and the address.
pub struct ServeOptions {
    pub token_file: Option<PathBuf>,
    pub token: Option<String>,
    pub poll_ms: u64,
    pub allow_private_webhooks: bool,
    pub max_subscriptions: usize,
    pub max_connections: usize,
    pub idle_timeout_ms: u64,
    pub webhook_attempts: u32,
    pub webhook_backoff_ms: u64,
}

/// The write token: from `--token-file`, else `--token` (with a warning), else `MARSAD_TOKEN`.
fn token_of(o: &ServeOptions) -> Result<Option<String>> {
    if let Some(f) = &o.token_file {
        if o.token.is_some() {
            bail!("give --token-file or --token, not both");
        }
        let t = std::fs::read_to_string(f).with_context(|| format!("--token-file {}: cannot read", f.display()))?;
        let t = t.trim_end_matches(['\n', '\r']).to_string();
        if t.is_empty() || t.contains(['\n', '\r']) {
            bail!("--token-file {}: expected one line with the token", f.display());
        }
        return Ok(Some(t));
    }
    if let Some(t) = &o.token {
        eprintln!("marsad: warning: --token is visible to every user of this machine (ps, /proc); use --token-file FILE or MARSAD_TOKEN");
        return Ok(Some(t.clone()).filter(|t| !t.is_empty()));
    }
    Ok(std::env::var("MARSAD_TOKEN").ok().filter(|t| !t.is_empty()))
}

/// File descriptors kept for everything but client connections (store files, webhook
/// sockets, the listener).
const RESERVED_FDS: usize = 256;

/// The soft limit on open files (Linux: /proc/self/limits), if known.
fn open_file_limit() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = s.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

pub fn run_serve(db: &str, addr: &str, o: &ServeOptions, watching: Option<(marsad_extract::Extractor, crate::watch::WatchOptions)>) -> Result<i32> {
    let addr: std::net::SocketAddr = addr.parse().with_context(|| format!("--addr {addr}: expected IP:PORT such as 127.0.0.1:8080"))?;
    let target = Target::parse(db);
    if !target.may_exist() {
        bail!("no store at {} (fill one with marsad ingest)", target.display());
    }
    if o.max_connections == 0 {
        bail!("--max-connections: expected at least 1");
    }
    let shown = target.display();
    let token = token_of(o)?;
    let watch_target = target.clone();
    let mut cfg = marsad_serve::Config::new(target, addr);
    let writable = token.is_some();
    cfg.token = token;
    cfg.poll = std::time::Duration::from_millis(o.poll_ms.max(50));
    cfg.allow_private_webhooks = o.allow_private_webhooks;
    cfg.max_subscriptions = o.max_subscriptions;
    cfg.max_connections = o.max_connections;
    // each connection is a file descriptor: past the process's limit nothing can be opened,
    // the store's files included, so keep room for them
    if let Some(limit) = open_file_limit() {
        let room = limit.saturating_sub(RESERVED_FDS).max(1);
        if cfg.max_connections > room {
            eprintln!("marsad: --max-connections lowered to {room}: the open-file limit is {limit} (ulimit -n) and {RESERVED_FDS} are kept for the store and webhooks");
            cfg.max_connections = room;
        }
    }
    cfg.idle_timeout = std::time::Duration::from_millis(o.idle_timeout_ms.max(100));
    cfg.webhook_attempts = o.webhook_attempts.clamp(1, 20);
    cfg.webhook_backoff = std::time::Duration::from_millis(o.webhook_backoff_ms);
    cfg.resolver = Some(crate::resolve::resolver());
    crate::resolve::preload();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // `--watch FILE`: the watcher beside the server, stopped with it
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = match watching {
        Some((ex, w)) => {
            eprintln!("marsad: watching {} feeds listed in the --watch file", w.feeds.len());
            Some(crate::watch::spawn_in_server(ex, watch_target, w, stop.clone())?)
        }
        None => None,
    };
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    crate::watch::stop_on_signals(&rt, stop.clone(), notify.clone());
    rt.block_on(marsad_serve::run(
        cfg,
        |a| {
            println!("marsad: serving {} on http://{a}/ ({})", shown, if writable { "writes need the token" } else { "read-only" });
            let _ = std::io::stdout().flush();
        },
        async move {
            notify.notified().await;
        },
    ))?;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(w) = watcher {
        // a poll under way ends its batch; at most a few seconds, then the process ends anyway
        let t = std::time::Instant::now();
        while !w.is_finished() && t.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    Ok(0)
}

pub fn run_search(db: &str, words: &[String], filters: &FilterArgs, limit: usize, json: bool) -> Result<i32> {
    let text = words.join(" ");
    let q = if text.trim().is_empty() { None } else { Some(text.as_str()) };
    let f = filters.filter(q)?;
    if limit == 0 || limit > query::MAX_LIMIT {
        bail!("--limit: expected 1 to {}", query::MAX_LIMIT);
    }
    let c = open(db)?;
    let articles = match q {
        Some(q) => Some(query::search(&*c, &SearchQuery::parse(q)?, q, limit, 0)?),
        None => None,
    };
    // under a search, events in the order of their articles' relevance (as the API)
    let sort = if f.q.is_some() { Sort::Relevance } else { Sort::DateDesc };
    let events = query::events(&*c, &f, &Page { limit, offset: 0, sort })?;
    if json {
        println!("{}", serde_json::json!({"articles": articles, "events": events}));
        return Ok(0);
    }
    let mut out = std::io::stdout().lock();
    if let Some(a) = &articles {
        let window = a.ranked_newest.map(|n| format!(" (ranked among the newest {n})")).unwrap_or_default();
        writeln!(out, "articles: showing {} of {} matching «{}»{window}", a.hits.len(), a.total, a.query)?;
        for h in &a.hits {
            let mut snip = String::new();
            let chars: Vec<char> = h.snippet.text.chars().collect();
            let mut at = 0;
            for &(s, e) in &h.snippet.highlights {
                snip.extend(&chars[at..s]);
                snip.push('[');
                snip.extend(&chars[s..e]);
                snip.push(']');
                at = e;
            }
            snip.extend(&chars[at..]);
            let snip = snip.replace(['\n', '\r'], " ");
            writeln!(out, "  #{} {} {}\n    {}", h.article_id, h.published.as_deref().unwrap_or("-"), h.title.as_deref().unwrap_or(&h.ext_id), snip)?;
        }
    }
    let order = if f.q.is_some() { "best-matching articles first" } else { "newest first" };
    writeln!(out, "events: showing {} of {} ({order}; --limit N for more)", events.events.len(), events.total)?;
    for e in &events.events {
        writeln!(
            out,
            "  {} {} {}-{} {} (article #{}, {} mentions)\n    {}",
            e.event_id,
            e.event_date.as_deref().unwrap_or("undated"),
            e.actor1_code.as_deref().unwrap_or("?"),
            e.actor2_code.as_deref().unwrap_or("?"),
            e.event_type,
            e.article_id,
            e.num_mentions,
            e.gloss
        )?;
    }
    Ok(0)
}

/// `--out` may name a new path, a regular file (replaced) or, for a dataset, a folder; never a
/// symbolic link, a FIFO, a device or a socket (which a rename would replace, or a write would
/// block on or lose into).
fn refuse_odd_target(p: &std::path::Path, dataset: bool) -> Result<()> {
    let Ok(m) = std::fs::symlink_metadata(p) else { return Ok(()) };
    let t = m.file_type();
    if t.is_file() || (dataset && t.is_dir()) {
        return Ok(());
    }
    let what = if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a folder (--partition-by writes folders)"
    } else {
        "not a regular file (a FIFO, device or socket)"
    };
    bail!("--out {}: is {what}; give a regular file or a new path", p.display())
}

/// What `marsad export` writes: events (the default) or incidents (`--incidents`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Events,
    Incidents,
}

pub fn run_export(db: &str, format: &str, filters: &FilterArgs, q: Option<&str>, out: Option<&PathBuf>, partition_by: Option<&str>, what: What) -> Result<i32> {
    let fmt = Format::parse(format).with_context(|| format!("--format {format}: expected csv, jsonl or parquet"))?;
    let partition = match partition_by {
        None => None,
        Some(p) => {
            let p = Partition::parse(p).with_context(|| format!("--partition-by {p}: expected month or year"))?;
            if fmt != Format::Parquet {
                bail!("--partition-by writes a Parquet dataset: give --format parquet");
            }
            if out.is_none() {
                bail!("--partition-by writes a folder: give --out DIR");
            }
            Some(p)
        }
    };
    if let Some(p) = out {
        refuse_odd_target(p, partition.is_some())?;
    }
    match what {
        What::Events => {
            let f = filters.filter(q)?;
            let c = open(db)?;
            let rows = query::event_rows(&*c, &f, Sort::DateAsc, i64::MAX, 0)?;
            write_rows(&rows, "events", fmt, out, partition)
        }
        What::Incidents => {
            let f = filters.incident_filter(q)?;
            let c = open(db)?;
            let rows = marsad_store::incidents::incident_rows(&*c, &f, Sort::DateAsc, i64::MAX, 0)?;
            write_rows(&rows, "incidents", fmt, out, partition)
        }
    }
}

fn write_rows<R: marsad_serve::export::ExportRow>(rows: &[R], noun: &str, fmt: Format, out: Option<&PathBuf>, partition: Option<Partition>) -> Result<i32> {
    if let (Some(p), Some(dir)) = (partition, out) {
        let ds = marsad_serve::export::write_dataset(rows, p, dir)?;
        eprintln!("marsad: {} {noun} written to {} ({} files, partitioned by {})", ds.rows, dir.display(), ds.files.len(), ds.partition_by);
        return Ok(0);
    }
    match out {
        Some(p) => {
            // write beside, then rename: a failed export leaves no half file
            let tmp = p.with_extension(format!("{}.part", fmt.extension()));
            // a leftover of a failed run is replaced; anything else there (a link) is not followed
            if std::fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
            }
            let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            marsad_serve::export::write(rows, fmt, &mut w)?;
            let file = w.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {}", tmp.display()))?;
            file.sync_all().with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, p).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("marsad: {} {noun} written to {}", rows.len(), p.display());
        }
        None => {
            if fmt == Format::Parquet && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                bail!("--format parquet is binary: give --out FILE or redirect stdout");
            }
            marsad_serve::export::write(rows, fmt, std::io::stdout())?;
        }
    }
    Ok(0)
}
