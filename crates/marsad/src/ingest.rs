//! The `ingest` and `stats` subcommands: options, progress bar and printing; the work is in
//! `marsad-ingest` and `marsad-store`.

use anyhow::{Context, Result};
use marsad_extract::Extractor;
use marsad_ingest::{IngestOptions, Report, SourceOptions};
use marsad_store::Target;
use std::io::IsTerminal;

#[allow(clippy::too_many_arguments)]
pub fn run_ingest(ex: &Extractor, inputs: &[String], db: &str, follow_links: bool, batch: usize, workers: usize, json: bool, mut progress: crate::progress::Progress) -> Result<i32> {
    let quiet = progress.quiet();
    let target = Target::parse(db);
    let db = target.display();
    let mut store = target.open().with_context(|| format!("opening the store {db}"))?;
    let opts = IngestOptions {
        sources: SourceOptions { follow_links, ..Default::default() },
        batch_size: batch.max(1),
        workers,
        ..Default::default()
    };
    // a bar on a terminal; elsewhere (a file, a pipe, a log) a line every few seconds
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {pos} articles ({per_sec}) {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        b
    });
    if store.needs_rebuild().with_context(|| format!("reading the store {db}"))? {
        // events stored before schema version 4: re-derive them under the current merge rules first
        let r = store.rebuild_events().with_context(|| format!("rebuilding the events of {db}"))?;
        eprintln!("marsad: {db}: events re-derived from their reports for schema version 4 ({} → {} events)", r.events_before, r.events_after);
    }
    let t = std::time::Instant::now();
    let summary = marsad_ingest::ingest(&mut *store, ex, inputs, &opts, &mut |r| match r {
        Report::Failed(e) => match &bar {
            Some(b) => b.println(format!("marsad: {e}")),
            None => eprintln!("marsad: {e}"),
        },
        Report::Warning { origin, message } => match &bar {
            Some(b) => b.println(format!("marsad: {origin}: warning: {message}")),
            None => eprintln!("marsad: {origin}: warning: {message}"),
        },
        Report::Progress(s) => match &bar {
            Some(b) => {
                b.set_position((s.read + s.failed) as u64);
                b.set_message(format!("{} new, {} duplicate, {} failed", s.new, s.duplicate, s.failed));
            }
            None => progress.tick(s.read + s.failed, || format!("({} new, {} duplicate, {} failed; {} events added)", s.new, s.duplicate, s.failed, s.events_added)),
        },
        Report::Committed(_) => {}
    })
    .with_context(|| format!("writing to the store {db}"))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let secs = t.elapsed().as_secs_f64();
    if summary.without_published > 0 {
        eprintln!(
            "marsad: warning: {} of {} new articles have no `published` date; their events are dated by the text or a dateline only, \
             and persons' roles by a date in the text, else not at all (see README)",
            summary.without_published, summary.new
        );
    }
    if json {
        let mut v = serde_json::to_value(&summary)?;
        v["seconds"] = serde_json::json!((secs * 1000.0).round() / 1000.0);
        v["db"] = serde_json::json!(db);
        println!("{v}");
    } else {
        println!(
            "{}: read {}, new {}, duplicate {}, failed {}; events added {}, mentions merged into existing events {}, articles joining a cluster {} ({:.1} s, {:.0} articles/s)",
            db,
            summary.read,
            summary.new,
            summary.duplicate,
            summary.failed,
            summary.events_added,
            summary.mentions_merged,
            summary.clusters_joined,
            secs,
            (summary.read + summary.failed) as f64 / secs.max(1e-9)
        );
    }
    Ok(if summary.failed > 0 { 1 } else { 0 })
}

/// `marsad store rebuild-events`: re-derives every event from the stored reports.
pub fn run_rebuild(db: &str, json: bool) -> Result<i32> {
    let target = Target::parse(db);
    let db = target.display();
    if !target.may_exist() {
        anyhow::bail!("no store at {db} (run `marsad ingest` first, or give --db)");
    }
    let mut store = target.open().with_context(|| format!("opening the store {db}"))?;
    let t = std::time::Instant::now();
    let r = store.rebuild_events().with_context(|| format!("rebuilding the events of {db}"))?;
    if json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        println!(
            "{db}: {} event mentions re-merged: events {} → {}, {} mentions moved to another event, {} sightings' sources renormalised ({:.1} s)",
            r.mentions,
            r.events_before,
            r.events_after,
            r.mentions_moved,
            r.sources_changed,
            t.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}

pub fn run_stats(db: &str, json: bool, top: usize) -> Result<i32> {
    let target = Target::parse(db);
    let db = target.display();
    if !target.may_exist() {
        anyhow::bail!("no store at {db} (run `marsad ingest` first, or give --db)");
    }
    let mut store = target.open().with_context(|| format!("opening the store {db}"))?;
    let s = store.stats(top)?;
    if json {
        println!("{}", serde_json::to_string(&s)?);
        return Ok(0);
    }
    println!("store       {} (schema version {})", db, s.schema_version);
    println!("articles    {} ({} sightings)", s.articles, s.sightings);
    println!("sources     {}", s.sources);
    println!("clusters    {} ({} with more than one article)", s.clusters, s.multi_article_clusters);
    println!(
        "events      {} ({} reported by more than one article, {} with an unknown side)",
        s.events, s.events_multi_article, s.events_unknown_side
    );
    println!("mentions    {} event mentions, {} entity mentions, {} quantities", s.mentions, s.entity_mentions, s.quantities);
    println!("incidents (one side unknown): {} (not events: not merged, not counted above)", s.incidents);
    if !s.events_by_type.is_empty() {
        println!("\nevents by type");
        for (t, n) in &s.events_by_type {
            println!("  {t:<10} {n}");
        }
    }
    if !s.incidents_by_type.is_empty() {
        println!("\nincidents by type");
        for (t, n) in &s.incidents_by_type {
            println!("  {t:<10} {n}");
        }
    }
    if !s.top_dyads.is_empty() {
        println!(
            "\ntop dyads (events, mentions): A → B directed types, source to target; A ↔ B {}, whose order carries no meaning, codes in alphabetical order",
            marsad_store::SYMMETRIC_TYPES.join(", ")
        );
        for d in &s.top_dyads {
            println!("  {:>10} {} {:<10} {:>5} {:>6}", d.source, if d.symmetric { "↔" } else { "→" }, d.target, d.events, d.mentions);
        }
    }
    if !s.top_sources.is_empty() {
        println!("\ntop sources (articles)");
        for (src, n) in &s.top_sources {
            println!("  {src:<30} {n}");
        }
    }
    Ok(0)
}
