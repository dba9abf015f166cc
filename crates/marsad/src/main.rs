//! `marsad`: the command line. A thin layer: it reads inputs, calls the library crates and
//! writes results; all knowledge and logic live in `marsad-text`, `marsad-kb`,
//! `marsad-extract`, `marsad-ingest` and `marsad-store`.

mod ingest;
mod input;
mod progress;
mod resolve;
mod serve;
mod watch;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use marsad_extract::Extractor;
use marsad_kb::{Kb, Sources};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "marsad", version, about = "Arabic news in, structured international-relations event data out")]
struct Cli {
    /// Read the data files from this `data/` directory instead of the ones built in.
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use this named-entity tagger model (written by `marsad train-ner`) instead of the one
    /// built in, or `off` for dictionary and patterns only.
    #[arg(long, global = true, value_name = "FILE|off")]
    ner_model: Option<PathBuf>,
    /// Use this report model (written by `marsad train-report`) instead of the one built in, or
    /// `off` to keep every attack and protest the trigger rules find.
    #[arg(long, global = true, value_name = "FILE|off")]
    report_model: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Extract events, actors, places, dates and quantities; one JSON line per article on stdout.
    ///
    /// PATHs are .txt files (id = file name without extension), .jsonl files (one record per
    /// line: id, text, optional title, published, source, url), directories (read recursively
    /// in name order) or `-` for JSON Lines on stdin. Unreadable records are reported on stderr
    /// with file, line and reason; the exit code is 1 when any failed.
    Extract {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Pretty-print each record (several lines per article).
        #[arg(long)]
        pretty: bool,
        /// Worker threads (default: the machine's cores). Output order never depends on it.
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// Print no progress on stderr.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Seconds between progress lines on stderr (counts and rate).
        #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
        progress_every: f64,
    },
    /// Read sources into the store: every article once, near-duplicates clustered, events
    /// merged across articles with their mention, article and source counts.
    ///
    /// Inputs: everything `extract` reads, plus HTML pages (.html/.htm), RSS and Atom feeds
    /// (.xml/.rss/.atom; each item is an article) and http(s):// URLs of pages or feeds, in any
    /// encoding (UTF-8, UTF-16, windows-1256, ISO-8859-6…). Bad inputs are reported on stderr
    /// with file, line or URL and the reason; the run goes on; exit code 1 if any failed.
    Ingest {
        #[arg(required = true, value_name = "PATH|URL")]
        inputs: Vec<String>,
        /// The store: an SQLite file (created if missing) or a PostgreSQL URL
        /// (postgres://user@host:port/db; the database must exist, its tables are created).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// Fetch the page each feed item links to and store its main text.
        #[arg(long)]
        follow_links: bool,
        /// Articles per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Extraction threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
        /// Print no progress on stderr (neither the bar on a terminal nor the lines elsewhere).
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Seconds between progress lines on stderr when it is not a terminal (counts and rate).
        #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
        progress_every: f64,
    },
    /// What the store holds: articles, sources, clusters, events by type and dyad.
    Stats {
        /// The store: an SQLite file or a PostgreSQL URL (postgres://user@host:port/db).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// One JSON object (integer fields articles, clusters, events, mentions, sources…).
        #[arg(long)]
        json: bool,
        /// How many dyads and sources to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Serve the store over HTTP: JSON API (/api/…, described at /openapi.json), web page (/),
    /// Atom feeds and webhooks of subscriptions. Writes need a token: --token-file FILE or MARSAD_TOKEN.
    Serve {
        /// The store: an SQLite file or a PostgreSQL URL (postgres://user@host:port/db).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// Address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
        addr: String,
        /// File holding the token that writes (creating and deleting subscriptions) need; else
        /// the MARSAD_TOKEN environment variable. Without either the server is read-only.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// The token itself: discouraged, any local user sees it in `ps`; use --token-file or
        /// MARSAD_TOKEN.
        #[arg(long, value_name = "TOKEN")]
        token: Option<String>,
        /// How often to look for new events for webhooks, in milliseconds.
        #[arg(long, default_value_t = 2000, value_name = "MS")]
        poll_ms: u64,
        /// Let webhooks reach loopback, private, link-local and unspecified addresses (a
        /// receiver on this machine or the local network); refused by default.
        #[arg(long)]
        allow_private_webhooks: bool,
        /// Subscriptions the store may hold at most.
        #[arg(long, default_value_t = 100, value_name = "N")]
        max_subscriptions: usize,
        /// Connections open at most (more wait until one closes).
        #[arg(long, default_value_t = 4096, value_name = "N")]
        max_connections: usize,
        /// A connection that sends no complete request head for this long (idle, kept alive
        /// or slow) is closed, in milliseconds.
        #[arg(long, default_value_t = 10_000, value_name = "MS")]
        idle_timeout_ms: u64,
        /// Attempts per webhook delivery before it is logged as failed.
        #[arg(long, default_value_t = 6, value_name = "N")]
        webhook_attempts: u32,
        /// Delay before the first retry of a webhook delivery, doubling after each, in milliseconds.
        #[arg(long, default_value_t = 500, value_name = "MS")]
        webhook_backoff_ms: u64,
        /// Also follow the feeds and pages listed in FILE (as `marsad watch --feeds FILE`),
        /// storing their new items as they come.
        #[arg(long, value_name = "FILE")]
        watch: Option<PathBuf>,
    },
    /// Search the store: articles matching WORDS (Arabic-aware, ranked, with snippets) and events
    /// matching WORDS and the filters.
    Search {
        words: Vec<String>,
        /// The store: an SQLite file or a PostgreSQL URL (postgres://user@host:port/db).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        #[command(flatten)]
        filters: serve::FilterArgs,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object {articles, events}.
        #[arg(long)]
        json: bool,
    },
    /// Export events, one row per event (columns in docs/export.md); with --incidents, the
    /// incidents instead (one side not named; never in an event export).
    Export {
        /// The store: an SQLite file or a PostgreSQL URL (postgres://user@host:port/db).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// csv, jsonl or parquet.
        #[arg(long, default_value = "csv")]
        format: String,
        #[command(flatten)]
        filters: serve::FilterArgs,
        /// Only events reported by articles matching this full-text query.
        #[arg(long)]
        q: Option<String>,
        /// Write here instead of stdout (with --partition-by: the dataset folder).
        #[arg(long, value_name = "FILE|DIR")]
        out: Option<PathBuf>,
        /// Write a Hive-style partitioned Parquet dataset (year=YYYY/month=MM/part-00000.parquet)
        /// into the --out folder, for Spark, Trino, DuckDB or pyarrow: month or year.
        #[arg(long, value_name = "month|year")]
        partition_by: Option<String>,
        /// Export incidents instead of events: things that happened where the text names one
        /// side at most, one row per report, with their own columns (docs/export.md). --dyad
        /// does not apply.
        #[arg(long)]
        incidents: bool,
    },
    /// Maintain the store.
    Store {
        #[command(subcommand)]
        cmd: StoreCmd,
    },
    /// Train the report check (is an attack or protest the rules find reported as happening?) on
    /// the Arabic PLOVER gold-standard records and write the model; reproducible.
    ///
    /// Each CSV has the columns id, event_type, label ("yes", "easy no", "difficult no",
    /// "ambiguous": left out) and text. The built-in model is `marsad train-report
    /// ../shared/corpus/gsr/assault_gsr_dev.csv ../shared/corpus/gsr/protest_gsr_dev.csv --out
    /// data/report/model.tsv --report-model off` (see data/report/NOTICE.md).
    TrainReport {
        #[arg(required = true)]
        csv: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Leave out the records whose ids this file lists (one per line): cross-validation.
        #[arg(long, value_name = "FILE")]
        exclude: Option<PathBuf>,
        #[arg(long, default_value_t = marsad_extract::report::TrainOptions::default().epochs)]
        epochs: usize,
        /// Candidates under this probability are not reported events.
        #[arg(long, default_value_t = marsad_extract::report::TrainOptions::default().threshold)]
        threshold: f32,
        /// A per-type setting written into the model: `TYPE|threshold=P` (that type's threshold)
        /// or `TYPE|domestic=P` (how sure the check must be before an attack with one state and
        /// no named attacker is a domestic event). Repeatable.
        #[arg(long = "set", value_name = "KEY=P")]
        settings: Vec<String>,
    },
    /// Train the named-entity tagger on a CoNLL file (TOKEN<TAB>TAG, NewsFANE Gold classes)
    /// and write the model; reproducible: the same data, epochs and seed give the same bytes.
    ///
    /// The built-in model is `marsad train-ner ../shared/corpus/ner-train/newsfane-train.conll
    /// --out data/ner/tagger.bin` (see data/ner/NOTICE.md).
    TrainNer {
        conll: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = marsad_extract::tagger::TrainOptions::default().epochs)]
        epochs: usize,
        #[arg(long, default_value_t = marsad_extract::tagger::TrainOptions::default().seed)]
        seed: u64,
        /// Averaged weights smaller than this are left out of the model file.
        #[arg(long, default_value_t = marsad_extract::tagger::TrainOptions::default().prune)]
        prune: f32,
        /// Words seen fewer times than this in training get no weights of their own.
        #[arg(long, default_value_t = marsad_extract::tagger::TrainOptions::default().min_count)]
        min_count: u32,
        /// Also score the model on this CoNLL file (exact entity spans; held-out sentences).
        #[arg(long, value_name = "CONLL")]
        eval: Option<PathBuf>,
        /// With --eval: list every missed and every spurious name on stderr.
        #[arg(long)]
        verbose: bool,
    },
    /// Inspect and validate the knowledge base.
    Kb {
        #[command(subcommand)]
        cmd: KbCmd,
    },
    /// Follow feeds and pages: poll each every --every seconds with conditional GET (ETag,
    /// Last-Modified), store each new item once, deliver the subscriptions' webhooks as items
    /// land, log one line per poll on stderr. Stops on Ctrl-C or SIGTERM; a restart resumes
    /// from the cursor kept in the store.
    Watch {
        /// The store: an SQLite file (created if missing) or a PostgreSQL URL.
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// A feed or page URL to follow (repeat for several).
        #[arg(long = "feed", value_name = "URL")]
        feed: Vec<String>,
        /// A file of URLs, one a line, each optionally followed by `every=SECONDS`; `#` comments.
        #[arg(long = "feeds", value_name = "FILE")]
        feeds: Option<PathBuf>,
        /// Seconds between two polls of one URL (1 to 604800).
        #[arg(long, default_value_t = watch::DEFAULT_EVERY, value_name = "SECONDS")]
        every: u64,
        /// Least time between two requests to one host, in milliseconds.
        #[arg(long, default_value_t = 2000, value_name = "MS")]
        host_gap_ms: u64,
        /// Stop after polling every URL N times (scripts, tests; default: until stopped).
        #[arg(long, value_name = "N")]
        rounds: Option<u64>,
        /// Poll every URL once, deliver the webhooks, and stop (--rounds 1).
        #[arg(long, conflicts_with = "rounds")]
        once: bool,
        /// Fetch the page each new feed item links to and store its main text.
        #[arg(long)]
        follow_links: bool,
        /// Articles per transaction at most.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Extraction threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Do not deliver webhooks from this process (a `marsad serve` on the same store does).
        #[arg(long)]
        no_webhooks: bool,
        /// Let webhooks reach loopback, private and link-local addresses.
        #[arg(long)]
        allow_private_webhooks: bool,
        /// Attempts per webhook delivery before it is logged as failed.
        #[arg(long, default_value_t = 6, value_name = "N")]
        webhook_attempts: u32,
        /// Delay before the first retry of a webhook delivery, doubling, in milliseconds.
        #[arg(long, default_value_t = 500, value_name = "MS")]
        webhook_backoff_ms: u64,
    },
    /// Manage the standing queries (their Atom feeds and webhooks) in the store directly.
    Subscriptions {
        #[command(subcommand)]
        cmd: SubCmd,
    },
}

#[derive(Subcommand)]
enum SubCmd {
    /// List the subscriptions.
    List {
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        #[arg(long)]
        json: bool,
        /// Show each webhook's signing secret.
        #[arg(long)]
        secrets: bool,
    },
    /// Add a subscription: its events (the filters) as an Atom feed, and with --webhook each
    /// new report of a matching event POSTed there, signed; prints its id and secret.
    Add {
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        filters: serve::FilterArgs,
        /// Only events reported by articles matching this full-text query.
        #[arg(long)]
        q: Option<String>,
        /// URL that receives each new report of a matching event (http or https).
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Allow a webhook on a loopback, private or link-local address.
        #[arg(long)]
        allow_private_webhooks: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove a subscription (its deliveries stop).
    Remove {
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        id: i64,
    },
}

#[derive(Subcommand)]
enum StoreCmd {
    /// Re-derive every event from its stored reports under the current merge rules (time- and
    /// story-aware), renormalise sources, and recount. Ingest runs it by itself on a store
    /// written before schema version 4.
    RebuildEvents {
        /// The store: an SQLite file or a PostgreSQL URL (postgres://user@host:port/db).
        #[arg(long, default_value = "marsad.db", value_name = "FILE|URL")]
        db: String,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KbCmd {
    /// Validate the data files: columns, codes, dates, duplicates, collisions. Exit 1 on problems.
    Check,
    /// Show what an Arabic string resolves to, and why (dictionary entries, and the names the
    /// tagger finds with their scores).
    Lookup { text: Vec<String> },
    /// Count entries and compiled forms.
    Stats,
}

/// The tagger to use: the built-in model, one from a file, or none (`--ner-model off`).
fn tagger(cli: &Cli) -> Result<Option<marsad_extract::tagger::Model>> {
    match &cli.ner_model {
        None => Ok(Some(marsad_extract::tagger::Model::embedded().context("the built-in NER model")?)),
        Some(p) if p.as_os_str() == "off" => Ok(None),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading the NER model {}", p.display()))?;
            Ok(Some(marsad_extract::tagger::Model::from_bytes(&bytes).with_context(|| format!("loading the NER model {}", p.display()))?))
        }
    }
}

/// The report check to use: the built-in model, one from a file, or none (`--report-model off`).
fn report_model(cli: &Cli) -> Result<Option<marsad_extract::report::Model>> {
    match &cli.report_model {
        None => Ok(Some(marsad_extract::report::Model::embedded().context("the built-in report model")?)),
        Some(p) if p.as_os_str() == "off" => Ok(None),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading the report model {}", p.display()))?;
            Ok(Some(marsad_extract::report::Model::parse(&text, &p.display().to_string())?))
        }
    }
}

fn sources(cli: &Cli) -> Result<Sources> {
    Ok(match &cli.data {
        Some(d) => Sources::from_dir(d).with_context(|| format!("reading data files from {}", d.display()))?,
        None => Sources::embedded(),
    })
}

/// mimalloc: loading the knowledge base and extracting allocate many small strings, and glibc's
/// malloc and free were a third of start-up (callgrind).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("marsad: {e:#}");
            2
        }
    };
    peak_memory_report();
    std::process::exit(code);
}

/// mimalloc gives memory it freed back to the system only after a delay (its purge delay):
/// extracting one large article frees and grows big vectors in quick succession, so what it had
/// already freed counted in the peak (7.3 MB of one sentence: 322 MB instead of 254; 8 MiB of
/// articles: 368 instead of 290; no slower). mimalloc reads `MIMALLOC_PURGE_DELAY` when the
/// process starts, before `main`, and setting it from Rust needs `unsafe`: `extract` and
/// `ingest` execute themselves again, once, with it set to 0, unless it was set already.
#[cfg(unix)]
fn purge_freed_memory_at_once() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    let mut args = std::env::args_os();
    let (Some(arg0), Ok(exe)) = (args.next(), std::env::current_exe()) else { return };
    // returns only when it could not execute: then go on as we are
    let _ = std::process::Command::new(exe).arg0(arg0).args(args).env("MIMALLOC_PURGE_DELAY", "0").exec();
}

#[cfg(not(unix))]
fn purge_freed_memory_at_once() {}

/// With `MARSAD_PEAK_MEMORY=1`, the process's peak resident memory (VmHWM, Linux) on stderr
/// at exit: how the memory-per-input-byte test (tests/memory.rs) and docs measure it.
fn peak_memory_report() {
    if std::env::var_os("MARSAD_PEAK_MEMORY").is_some_and(|v| v == "1") {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        match status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
            Some(v) => eprintln!("marsad: peak memory {}", v.trim()),
            None => eprintln!("marsad: peak memory unknown (no VmHWM in /proc/self/status)"),
        }
    }
}

fn run() -> Result<i32> {
    let cli = Cli::parse();
    if matches!(cli.cmd, Cmd::Extract { .. } | Cmd::Ingest { .. }) {
        purge_freed_memory_at_once();
    }
    resolve::init(cli.data.clone());
    match &cli.cmd {
        Cmd::Extract { paths, pretty, jobs, quiet, progress_every } => {
            let mut progress = progress::Progress::new("extract", *progress_every, *quiet)?;
            let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
            let ex = Extractor::with_tagger(kb, tagger(&cli)?).with_report(report_model(&cli)?);
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(1, 64);
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut failed = 0usize;
            let mut count = 0usize;
            // articles are extracted in batches across `jobs` threads and written in input order
            let mut batch: Vec<marsad_extract::Article> = Vec::new();
            let flush = |batch: &mut Vec<marsad_extract::Article>, out: &mut dyn Write| -> Result<usize> {
                // each worker also writes its records as JSON: serialising on this thread alone
                // held two cores to 14.7 MB/s
                let pretty = *pretty;
                let lines = extract_batch(&ex, batch, jobs, |rec| if pretty { serde_json::to_string_pretty(rec) } else { serde_json::to_string(rec) });
                for line in &lines {
                    writeln!(out, "{}", line.as_ref().map_err(|e| anyhow::anyhow!("writing JSON: {e}"))?)?;
                }
                batch.clear();
                Ok(lines.len())
            };
            let res = input::for_each_article(paths, &mut |item| {
                match item {
                    // one thread: each article extracted and written at once, its JSON straight
                    // into the output buffer (no batch to hold, no string per record)
                    Ok(art) if jobs == 1 => {
                        write_record(&mut out, &ex.extract(&art), *pretty)?;
                        count += 1;
                        progress.tick(count + failed, || format!("({count} extracted, {failed} failed)"));
                    }
                    Ok(art) => {
                        batch.push(art);
                        if batch.len() >= 64 * jobs {
                            count += flush(&mut batch, &mut out)?;
                            progress.tick(count + failed, || format!("({count} extracted, {failed} failed)"));
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("marsad: {e}");
                    }
                }
                Ok(())
            })
            .and_then(|_| {
                count += flush(&mut batch, &mut out)?;
                progress.tick(count + failed, || format!("({count} extracted, {failed} failed)"));
                Ok(())
            });
            match res {
                Err(e) if is_broken_pipe(&e) => return Ok(0),
                r => r?,
            }
            match out.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
                r => r?,
            }
            if failed > 0 {
                eprintln!("marsad: {count} articles extracted, {failed} failed");
                return Ok(1);
            }
            Ok(0)
        }
        Cmd::Ingest { inputs, db, follow_links, batch, workers, json, quiet, progress_every } => {
            let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
            let ex = Extractor::with_tagger(kb, tagger(&cli)?).with_report(report_model(&cli)?);
            let progress = progress::Progress::new("ingest", *progress_every, *quiet)?;
            ingest::run_ingest(&ex, inputs, db, *follow_links, *batch, *workers, *json, progress)
        }
        Cmd::Stats { db, json, top } => ingest::run_stats(db, *json, *top),
        Cmd::Store { cmd: StoreCmd::RebuildEvents { db, json } } => ingest::run_rebuild(db, *json),
        Cmd::Serve { db, addr, token_file, token, poll_ms, allow_private_webhooks, max_subscriptions, max_connections, idle_timeout_ms, webhook_attempts, webhook_backoff_ms, watch: watch_file } => {
            let watching = match watch_file {
                Some(f) => {
                    let feeds = watch::read_feeds_file(f, std::time::Duration::from_secs(watch::DEFAULT_EVERY))?;
                    let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
                    let o = watch::WatchOptions { feeds, host_gap: std::time::Duration::from_secs(2), rounds: None, follow_links: false, batch: 500, workers: 0, kick: None };
                    Some((Extractor::with_tagger(kb, tagger(&cli)?).with_report(report_model(&cli)?), o))
                }
                None => None,
            };
            let opts = serve::ServeOptions {
                token_file: token_file.clone(),
                token: token.clone(),
                poll_ms: *poll_ms,
                allow_private_webhooks: *allow_private_webhooks,
                max_subscriptions: *max_subscriptions,
                max_connections: *max_connections,
                idle_timeout_ms: *idle_timeout_ms,
                webhook_attempts: *webhook_attempts,
                webhook_backoff_ms: *webhook_backoff_ms,
            };
            serve::run_serve(db, addr, &opts, watching)
        }
        Cmd::Search { words, db, filters, limit, json } => serve::run_search(db, words, filters, *limit, *json),
        Cmd::Export { db, format, filters, q, out, partition_by, incidents } => {
            let what = if *incidents { serve::What::Incidents } else { serve::What::Events };
            serve::run_export(db, format, filters, q.as_deref(), out.as_ref(), partition_by.as_deref(), what)
        }
        Cmd::TrainReport { csv, out, exclude, epochs, threshold, settings } => {
            if cli.report_model.as_ref().is_none_or(|p| p.as_os_str() != "off") {
                anyhow::bail!("train-report learns from what the rules find before any check: run it with --report-model off");
            }
            let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
            let ex = Extractor::with_tagger(kb, tagger(&cli)?).with_report(None);
            let skip: std::collections::HashSet<String> = match exclude {
                Some(f) => std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
                None => Default::default(),
            };
            let (mut records, mut examples) = (0usize, Vec::new());
            for path in csv {
                let mut rd = ::csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
                let head = rd.headers().with_context(|| format!("{}: the header line", path.display()))?.clone();
                let col = |name: &str| head.iter().position(|h| h == name).with_context(|| format!("{}: no {name:?} column", path.display()));
                let (ci, ct, cl, cx) = (col("id")?, col("event_type")?, col("label")?, col("text")?);
                for (n, row) in rd.records().enumerate() {
                    let row = row.with_context(|| format!("{}: record {}", path.display(), n + 1))?;
                    let (id, etype, label, text) = (&row[ci], &row[ct], &row[cl], &row[cx]);
                    let yes = match label {
                        "yes" => true,
                        "easy no" | "difficult no" => false,
                        "ambiguous" => continue,
                        other => anyhow::bail!("{}: record {} ({id}): label {other:?} is not yes, easy no, difficult no or ambiguous", path.display(), n + 1),
                    };
                    if skip.contains(id) {
                        continue;
                    }
                    records += 1;
                    let art = marsad_extract::Article { id: id.to_string(), text: text.to_string(), ..Default::default() };
                    for (t, f) in ex.report_candidates(&art) {
                        if t == etype {
                            examples.push((f, yes));
                        }
                    }
                }
            }
            let mut set = Vec::new();
            for kv in settings {
                let (k, v) = kv.split_once('=').with_context(|| format!("--set {kv:?}: expected TYPE|threshold=P or TYPE|domestic=P"))?;
                let v: f32 = v.parse().ok().filter(|v| (0.0..=1.0).contains(v)).with_context(|| format!("--set {kv:?}: {v:?} is not a probability between 0 and 1"))?;
                if !(k.ends_with("|threshold") || k.ends_with("|domestic")) || k.starts_with('|') {
                    anyhow::bail!("--set {kv:?}: the key must be TYPE|threshold or TYPE|domestic");
                }
                set.push((k.to_string(), v));
            }
            let opts = marsad_extract::report::TrainOptions { epochs: *epochs, threshold: *threshold, settings: set, ..Default::default() };
            let names: Vec<String> = csv.iter().map(|p| p.file_name().map_or_else(|| p.display().to_string(), |f| f.to_string_lossy().into_owned())).collect();
            let header = format!(
                "# marsad report check: logistic regression over the words around a violent or protest trigger.\n\
                 # Written by `marsad train-report {} --report-model off{}` ({} epochs); do not edit by hand.\n\
                 # Trained on the Arabic PLOVER gold-standard records (openeventdata/arabic_event_gsr, MIT licence:\n\
                 # see NOTICE.md beside this file); {} records, {} candidate events.\n",
                names.join(" "),
                std::iter::once(format!(" --threshold {}", opts.threshold)).chain(opts.settings.iter().map(|(k, v)| format!(" --set '{k}={v}'"))).collect::<String>(),
                opts.epochs,
                records,
                examples.len()
            );
            let text = marsad_extract::report::train(&examples, &opts, &header);
            marsad_extract::report::Model::parse(&text, &out.display().to_string()).context("the trained model does not read back")?;
            std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("trained on {records} records, {} candidate events ({} reported) → {}", examples.len(), examples.iter().filter(|e| e.1).count(), out.display());
            Ok(0)
        }
        Cmd::TrainNer { conll, out, epochs, seed, prune, min_count, eval, verbose } => {
            let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
            let text = std::fs::read_to_string(conll).with_context(|| format!("reading {}", conll.display()))?;
            let data = marsad_extract::tagger::read_conll(&text, &conll.display().to_string())?;
            let t = std::time::Instant::now();
            let opts = marsad_extract::tagger::TrainOptions { epochs: *epochs, seed: *seed, prune: *prune, min_count: *min_count };
            let (bytes, rep) = marsad_extract::tagger::train(&kb, &data, &opts);
            std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            let acc: Vec<String> = rep.accuracy.iter().map(|a| format!("{a:.4}")).collect();
            eprintln!(
                "trained on {} sentences, {} tokens in {:.1} s; token accuracy by epoch {}; {} features, {} bytes → {}",
                rep.sentences,
                rep.tokens,
                t.elapsed().as_secs_f64(),
                acc.join(" "),
                rep.features,
                rep.bytes,
                out.display()
            );
            if let Some(e) = eval {
                let text = std::fs::read_to_string(e).with_context(|| format!("reading {}", e.display()))?;
                let test = marsad_extract::tagger::read_conll(&text, &e.display().to_string())?;
                let model = marsad_extract::tagger::Model::from_bytes(&bytes)?;
                for (c, tp, fp, fn_) in marsad_extract::tagger::evaluate(&kb, &model, &test, &mut |m| {
                    if *verbose {
                        eprintln!("{m}");
                    }
                }) {
                    let p = tp as f64 / (tp + fp).max(1) as f64;
                    let r = tp as f64 / (tp + fn_).max(1) as f64;
                    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
                    println!("{c:6} P {p:.3}  R {r:.3}  F1 {f:.3}  (tp {tp} fp {fp} fn {fn_})");
                }
            }
            Ok(0)
        }
        Cmd::Watch { db, feed, feeds, every, host_gap_ms, rounds, once, follow_links, batch, workers, no_webhooks, allow_private_webhooks, webhook_attempts, webhook_backoff_ms } => {
            let every = std::time::Duration::from_secs(watch::parse_every(&every.to_string()).context("--every")?);
            let mut list = match feeds {
                Some(f) => watch::read_feeds_file(f, every)?,
                None => Vec::new(),
            };
            for u in feed {
                if !marsad_ingest::fetch::is_url(u) {
                    anyhow::bail!("--feed {u}: expected an http:// or https:// URL");
                }
                if !list.iter().any(|f| &f.url == u) {
                    list.push(watch::FeedSpec { url: u.clone(), every });
                }
            }
            if list.is_empty() {
                anyhow::bail!("nothing to watch: give --feed URL (repeatable) or --feeds FILE");
            }
            let kb = Kb::load(&sources(&cli)?).context("loading the knowledge base")?;
            let ex = Extractor::with_tagger(kb, tagger(&cli)?).with_report(report_model(&cli)?);
            let o = watch::WatchOptions {
                feeds: list,
                host_gap: std::time::Duration::from_millis(*host_gap_ms),
                rounds: if *once { Some(1) } else { *rounds },
                follow_links: *follow_links,
                batch: (*batch).max(1),
                workers: *workers,
                kick: None,
            };
            let hooks = watch::HookOptions { enabled: !no_webhooks, allow_private: *allow_private_webhooks, attempts: *webhook_attempts, backoff_ms: *webhook_backoff_ms };
            watch::run_watch(&ex, db, &o, &hooks)
        }
        Cmd::Subscriptions { cmd } => match cmd {
            SubCmd::List { db, json, secrets } => watch::run_list(db, *json, *secrets),
            SubCmd::Add { db, name, filters, q, webhook, allow_private_webhooks, json } => {
                let f = filters.filter(q.as_deref())?;
                watch::run_add(db, name, &f, webhook.as_deref(), *allow_private_webhooks, *json)
            }
            SubCmd::Remove { db, id } => watch::run_remove(db, *id),
        },
        Cmd::Kb { cmd } => {
            let src = sources(&cli)?;
            match cmd {
                KbCmd::Check => {
                    let problems = marsad_kb::check::check(&src);
                    for p in &problems {
                        println!("{p}");
                    }
                    if problems.is_empty() {
                        let kb = Kb::load(&src)?;
                        println!("ok: {}", stats_line(&kb));
                        Ok(0)
                    } else {
                        eprintln!("marsad: {} problems in the knowledge base", problems.len());
                        Ok(1)
                    }
                }
                KbCmd::Lookup { text } => {
                    let kb = Kb::load(&src)?;
                    let text = text.join(" ");
                    let mut lines = kb.explain(&text);
                    if let Some(t) = tagger(&cli)? {
                        lines.extend(marsad_extract::explain_tagged(&kb, &t, &text));
                    }
                    let text = [text];
                    if lines.is_empty() {
                        println!("nothing known in «{}»", text.join(" "));
                    }
                    for l in lines {
                        println!("{l}");
                    }
                    Ok(0)
                }
                KbCmd::Stats => {
                    let t = std::time::Instant::now();
                    let kb = Kb::load(&src)?;
                    println!("{}", stats_line(&kb));
                    println!("load and compile: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
                    let t = std::time::Instant::now();
                    if let Some(m) = tagger(&cli)? {
                        println!("NER model: {} weighted features, loaded in {:.1} ms", m.len(), t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(0)
                }
            }
        }
    }
}

/// Extracts `batch` on up to `jobs` threads and maps each result with `then` on the same
/// thread; results in input order.
fn extract_batch<T: Send>(ex: &Extractor, batch: &[marsad_extract::Article], jobs: usize, then: impl Fn(&marsad_extract::ArticleOut) -> T + Sync) -> Vec<T> {
    if jobs <= 1 || batch.len() < 2 {
        return batch.iter().map(|a| then(&ex.extract(a))).collect();
    }
    let chunk = batch.len().div_ceil(jobs);
    let then = &then;
    std::thread::scope(|s| {
        let handles: Vec<_> = batch.chunks(chunk).map(|c| s.spawn(move || c.iter().map(|a| then(&ex.extract(a))).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("extraction thread panicked")).collect()
    })
}

fn stats_line(kb: &Kb) -> String {
    use marsad_kb::EntityKind::*;
    let count = |k| kb.entities.iter().filter(|e| e.kind == k).count();
    format!(
        "{} states, {} organisations, {} persons, {} places, {} triggers, {} role nouns, {} compiled forms",
        count(Country),
        count(Org),
        count(Person),
        count(Place),
        kb.triggers.len(),
        kb.roles.len(),
        kb.matcher.len()
    )
}

/// Writes one record as a JSON line (as `extract_batch`'s lines are written).
fn write_record(out: &mut impl Write, rec: &marsad_extract::ArticleOut, pretty: bool) -> Result<()> {
    let r = if pretty { serde_json::to_writer_pretty(&mut *out, rec) } else { serde_json::to_writer(&mut *out, rec) };
    // (an I/O error stays one, so that a closed pipe is still seen as such)
    r.map_err(|e| if e.is_io() { anyhow::Error::from(std::io::Error::from(e)) } else { anyhow::anyhow!("writing JSON: {e}") })?;
    out.write_all(b"\n")?;
    Ok(())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
