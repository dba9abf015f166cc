//! # marsad-ingest: real sources into the store, each story once
//!
//! **In:** inputs as a user names them — files (`.txt`, `.jsonl`, `.html`, `.xml`/`.rss`/
//! `.atom`), directories, `-` for JSON Lines on stdin, http(s) URLs of pages or feeds — in
//! UTF-8 (with or without BOM), UTF-16, windows-1256, ISO-8859-6 or any encoding a page declares;
//! a [`marsad_extract::Extractor`]; a [`marsad_store::Store`].
//! **Out:** every readable article stored once (exact copies by content hash of the normalised
//! text: a copy only adds a sighting), near-duplicates clustered by MinHash/LSH ([`dedup`]), the
//! extraction stored with events merged across articles by the store; a [`RunSummary`]; a
//! [`Report`] for every failure and warning, naming the file, line, item or URL and the reason.
//!
//! Pipeline ([`ingest`]): one reader thread walks the sources ([`source`]: [`decode`], [`html`],
//! [`feed`], [`fetch`]); worker threads normalise, hash, sign and extract; the calling thread
//! writes in input order, in batch transactions (every [`IngestOptions::batch_size`] articles
//! or [`IngestOptions::batch_interval`], whichever comes first), so a killed run keeps every
//! committed batch and the next run skips what is already stored.
//!
//! **Must not:** abort a run or touch stored data because of bad input (a bad file, record or
//! URL is reported and skipped), panic on any input, read the network except for URLs the user
//! gave and, with `follow_links`, the links of their feeds, or write anywhere but the store;
//! nor read an article over [`marsad_extract::MAX_ARTICLE_BYTES`], follow a link loop twice,
//! open a FIFO or device, or read UTF-8 as another charset.

pub mod decode;
pub mod dedup;
pub mod feed;
pub mod fetch;
pub mod html;
pub mod source;

pub use fetch::FetchOptions;
pub use marsad_store::RunSummary;
pub use source::{Item, SourceError, SourceOptions};

use marsad_extract::Extractor;
use marsad_store::{ClusterChoice, Lookup, NewArticle, Store, StoreError};
use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How a run goes.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub sources: SourceOptions,
    /// Articles per transaction at most.
    pub batch_size: usize,
    /// Longest time a batch stays open.
    pub batch_interval: Duration,
    /// Extraction threads (0: as many as the machine has cores, at most 8).
    pub workers: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { sources: SourceOptions::default(), batch_size: 500, batch_interval: Duration::from_secs(1), workers: 0 }
    }
}

/// Why a run stopped: only the store can stop it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run tells its caller as it goes.
#[derive(Debug)]
pub enum Report<'a> {
    /// An input that could not be read (skipped).
    Failed(&'a SourceError),
    /// Read, with a remark.
    Warning { origin: &'a str, message: &'a str },
    /// One more article handled; the summary so far.
    Progress(&'a RunSummary),
    /// A batch was committed.
    Committed(&'a RunSummary),
}

/// An article ready for the writer.
struct Prepared {
    item: Item,
    content_hash: [u8; 16],
    signature: Vec<u32>,
    bands: Vec<i64>,
    /// None when the article was already stored when the run began (not extracted again).
    extracted: Option<marsad_extract::ArticleOut>,
    /// Search forms of title and text, computed here so the writer thread does not.
    search_forms: Option<(String, String)>,
}

fn extract(ex: &Extractor, a: &marsad_extract::Article, origin: &str) -> Result<marsad_extract::ArticleOut, SourceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ex.extract(a)))
        .map_err(|_| SourceError { origin: origin.to_string(), reason: "internal error: extraction panicked (please report)".into() })
}

fn prepare(ex: &Extractor, item: Item, stored: &HashSet<[u8; 16]>) -> Result<Prepared, SourceError> {
    // one scan of the text's tokens for the words (dedup::words) and the search forms
    // (search::index_text), not one each
    let text = &item.article.text;
    let mut words = Vec::with_capacity(text.len() / 8 + 1);
    let mut body_forms = String::with_capacity(text.len() + text.len() / 3);
    marsad_text::scan_tokens(text, |_, _, norm, kind| {
        if dedup::is_word(norm) {
            words.push(norm.to_string());
        }
        marsad_store::search::push_forms(norm, kind, &mut body_forms);
    });
    if words.is_empty() {
        return Err(SourceError { origin: item.origin, reason: "no text (empty article)".into() });
    }
    let content_hash = dedup::content_hash(&words);
    let signature = dedup::signature(&words);
    let bands = dedup::bands(&signature);
    // a string per word (about 8 bytes per input byte): not kept through the extraction
    drop(words);
    // an article stored by an earlier run only adds a sighting: skip the extraction
    let extracted = if stored.contains(&content_hash) { None } else { Some(extract(ex, &item.article, &item.origin)?) };
    let search_forms = extracted.is_some().then(|| (marsad_store::search::index_text(item.article.title.as_deref().unwrap_or("")), body_forms));
    Ok(Prepared { item, content_hash, signature, bands, extracted, search_forms })
}

/// Chooses the cluster for a new article: the cluster of the most similar candidate at or above
/// [`dedup::THRESHOLD`], else a new one.
pub fn choose_cluster(store: &mut dyn Store, a: &NewArticle) -> Result<(ClusterChoice, f64), StoreError> {
    Ok(choose_among(&store.candidates(&a.bands)?, &a.signature))
}

/// [`choose_cluster`] among candidates already read.
pub fn choose_among(candidates: &[marsad_store::Candidate], signature: &[u32]) -> (ClusterChoice, f64) {
    let mut best: Option<(f64, i64, i64)> = None;
    for c in candidates {
        let s = dedup::similarity(signature, &c.signature);
        // ties go to the oldest article, so the choice does not depend on row order
        if s >= dedup::THRESHOLD && best.map_or(true, |(bs, _, ba)| s > bs || (s == bs && c.article < ba)) {
            best = Some((s, c.cluster, c.article));
        }
    }
    match best {
        Some((s, cluster, _)) => (ClusterChoice::Join(cluster), s),
        None => (ClusterChoice::New, 0.0),
    }
}

/// Reads `inputs`, extracts and stores. Bad inputs are reported through `report` and skipped;
/// only a store error stops the run (the open batch is rolled back; committed ones stay).
pub fn ingest(
    store: &mut dyn Store,
    ex: &Extractor,
    inputs: &[String],
    opts: &IngestOptions,
    report: &mut dyn FnMut(Report<'_>),
) -> Result<RunSummary, IngestError> {
    let src_opts = opts.sources.clone();
    ingest_from(store, ex, &move |f: &mut source::Sink<'_>| source::read_inputs(inputs, &src_opts, f), opts, report)
}

/// As [`ingest`], for items that `read` hands to its sink (on a thread of its own), such as
/// [`source::read_fetched`] over a body `marsad watch` fetched.
pub fn ingest_from(
    store: &mut dyn Store,
    ex: &Extractor,
    read: &(dyn Fn(&mut source::Sink<'_>) + Sync),
    opts: &IngestOptions,
    report: &mut dyn FnMut(Report<'_>),
) -> Result<RunSummary, IngestError> {
    let workers = match opts.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()).min(8),
        n => n,
    };
    let mut sum = RunSummary::default();
    let stored: HashSet<[u8; 16]> = store.content_hashes()?.into_iter().collect();
    let stored = &stored;
    type Raw = (usize, Result<Item, SourceError>);
    type Done = (usize, Result<Prepared, SourceError>);
    let result = std::thread::scope(|s| -> Result<(), StoreError> {
        let (raw_tx, raw_rx) = mpsc::sync_channel::<Raw>(workers * 16);
        let (done_tx, done_rx) = mpsc::sync_channel::<Done>(workers * 16);
        s.spawn(move || {
            let mut seq = 0usize;
            read(&mut |item| {
                seq += 1;
                if raw_tx.send((seq, item)).is_err() {
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
        });
        let raw_rx = Arc::new(Mutex::new(raw_rx));
        for _ in 0..workers {
            let rx = Arc::clone(&raw_rx);
            let tx = done_tx.clone();
            s.spawn(move || loop {
                let next = match rx.lock() {
                    Ok(g) => g.recv(),
                    Err(_) => return,
                };
                let Ok((seq, item)) = next else { return };
                let out = item.and_then(|it| prepare(ex, it, stored));
                if tx.send((seq, out)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        // the writer: input order, batch transactions
        let mut pending: BTreeMap<usize, Result<Prepared, SourceError>> = BTreeMap::new();
        let mut next = 1usize;
        let mut in_batch = 0usize;
        let mut opened = Instant::now();
        let write = |store: &mut dyn Store, sum: &mut RunSummary, item: Result<Prepared, SourceError>, report: &mut dyn FnMut(Report<'_>)| -> Result<(), StoreError> {
            match item {
                Err(e) => {
                    sum.failed += 1;
                    report(Report::Failed(&e));
                }
                Ok(p) => {
                    sum.read += 1;
                    let it = &p.item;
                    if let Some(w) = &it.warning {
                        report(Report::Warning { origin: &it.origin, message: w });
                    }
                    // one query: stored already, else the LSH candidates
                    match store.lookup(&p.content_hash, &p.bands)? {
                        Lookup::Stored(id) => {
                            let sighting = marsad_store::Sighting {
                                origin: &it.origin,
                                ext_id: &it.article.id,
                                source: it.source.as_deref(),
                                url: it.article.url.as_deref(),
                            };
                            store.add_sighting(id, &sighting)?;
                            sum.duplicate += 1;
                        }
                        Lookup::New(candidates) => {
                            let extracted = match p.extracted {
                                Some(x) => x,
                                // cannot happen (nothing is deleted during a run); extract to be safe
                                None => match extract(ex, &it.article, &it.origin) {
                                    Ok(x) => x,
                                    Err(e) => {
                                        sum.read -= 1;
                                        sum.failed += 1;
                                        report(Report::Failed(&e));
                                        report(Report::Progress(sum));
                                        return Ok(());
                                    }
                                },
                            };
                            let Item { article, origin, source, .. } = p.item;
                            let new = NewArticle {
                                article,
                                origin,
                                source,
                                content_hash: p.content_hash,
                                signature: p.signature,
                                bands: p.bands,
                                extracted,
                                search_forms: p.search_forms,
                            };
                            let (choice, _) = choose_among(&candidates, &new.signature);
                            let ins = store.insert(&new, choice)?;
                            sum.new += 1;
                            sum.without_published += usize::from(new.article.published.is_none());
                            sum.events_added += ins.events_added;
                            sum.mentions_merged += ins.events_merged;
                            if !ins.new_cluster {
                                sum.clusters_joined += 1;
                            }
                        }
                    }
                }
            }
            report(Report::Progress(sum));
            Ok(())
        };
        let mut open = false;
        let run = (|| -> Result<(), StoreError> {
            for (seq, item) in done_rx.iter() {
                pending.insert(seq, item);
                while let Some(item) = pending.remove(&next) {
                    next += 1;
                    if !open {
                        store.begin()?;
                        open = true;
                        opened = Instant::now();
                    }
                    write(store, &mut sum, item, report)?;
                    in_batch += 1;
                    if in_batch >= opts.batch_size || opened.elapsed() >= opts.batch_interval {
                        store.commit()?;
                        open = false;
                        in_batch = 0;
                        report(Report::Committed(&sum));
                    }
                }
            }
            if open {
                store.commit()?;
                open = false;
                report(Report::Committed(&sum));
            }
            Ok(())
        })();
        if run.is_err() && open {
            let _ = store.rollback();
        }
        // dropping done_rx makes the workers and the reader stop
        drop(done_rx);
        run
    });
    result?;
    store.record_run(&sum)?;
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_token_scan_gives_the_words_and_the_search_forms() {
        let ex = Extractor::new(marsad_kb::Kb::embedded().expect("embedded KB loads"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("samples/") {
            let Ok(text) = std::fs::read_to_string(e.expect("a sample").path()) else { continue };
            let title = "وزير الخارجية الروسي، سيرغي لافروف".to_string();
            let article = marsad_extract::Article { id: format!("s{n}"), text: text.clone(), title: Some(title.clone()), ..Default::default() };
            let item = Item { article, origin: format!("sample {n}"), source: None, warning: None };
            let p = prepare(&ex, item, &HashSet::new()).expect("a sample prepares");
            let words = dedup::words(&text);
            assert_eq!(p.content_hash, dedup::content_hash(&words));
            assert_eq!(p.signature, dedup::signature(&words));
            assert_eq!(p.search_forms, Some((marsad_store::search::index_text(&title), marsad_store::search::index_text(&text))));
            n += 1;
        }
        assert!(n >= 5, "the samples were read");
    }
}
