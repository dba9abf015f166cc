//! # marsad-store: the embedded event store
//!
//! **In:** prepared articles ([`NewArticle`]: the article, where it came from, its content hash,
//! its MinHash signature and LSH band keys, and what `marsad-extract` found in it) and the
//! cluster each one belongs to, decided by the caller from the [`Candidate`]s the store returns.
//! **Out:** a durable database of articles, sightings (who published an article, from where),
//! clusters of near-duplicate articles, entity mentions, quantities, and events merged across
//! articles with every event mention kept and GDELT-style counts (mentions, articles, distinct
//! sources); [`Stats`] on what it holds. The schema is documented in `docs/store.md`.
//!
//! [`Store`] is the interface, written once as [`sql::SqlStore`] over the small [`db::Db`]
//! connection interface, with two databases under it: [`SqliteStore`], one embedded file (WAL,
//! migrations applied in a transaction at open, recorded in `schema_version`), and
//! [`PgStore`], a shared PostgreSQL database with the same tables and version numbers, for
//! several ingesters and readers at once ([`Target`] picks one from a `--db` value).
//!
//! Reads for serving live in [`query`] (events under filters, timelines, the dyad network,
//! articles with every extracted span, export rows, subscriptions) and [`search`] (the
//! Arabic-aware full-text index: search forms, FTS5 and tsquery expressions, snippets); they
//! take any `&dyn Db`, and never write except for subscriptions and their deliveries.
//!
//! **Must not:** decide what is a near-duplicate (that is `marsad-ingest`'s job), read files or
//! the network, or lose committed data: every write happens inside a batch transaction, and a
//! batch is either wholly committed or not at all, so a killed process leaves the database as
//! of its last commit.

pub mod cameo;
pub mod db;
pub mod fatalities;
pub mod merge;
pub mod extracted;
pub mod incidents;
pub mod pg;
pub mod query;
pub mod search;
pub mod sector;
pub mod sources;
pub mod sql;
mod sqlite;
pub mod watch;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod store_tests;

pub use db::{Db, Dialect};
pub use pg::{PgDb, PgStore};
pub use sql::stats_of;
pub use sqlite::SqliteStore;
use std::path::PathBuf;

use marsad_extract::{Article, ArticleOut, Event};
use serde::Serialize;

/// Something went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("PostgreSQL {url}: {source}")]
    PgOpen { url: String, source: postgres::Error },
    #[error("PostgreSQL: {}", pg_message(.0))]
    Pg(#[from] postgres::Error),
    #[error("database: {0}")]
    Decode(String),
    #[error("database {path} has schema version {found}, newer than this marsad knows ({known}); use a newer marsad")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("no batch is open (call begin first)")]
    NoBatch,
    #[error("a batch is already open")]
    BatchOpen,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The server's own words for a PostgreSQL error, not only "db error".
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => e.to_string(),
    }
}

impl From<PathBuf> for Target {
    fn from(p: PathBuf) -> Target {
        Target::Sqlite(p)
    }
}

impl From<&std::path::Path> for Target {
    fn from(p: &std::path::Path) -> Target {
        Target::Sqlite(p.to_path_buf())
    }
}

/// Where a store lives: an SQLite file (the default, embedded) or a PostgreSQL URL
/// (`postgres://user@host:port/db`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(db: &str) -> Target {
        if pg::is_url(db) { Target::Postgres(db.to_string()) } else { Target::Sqlite(PathBuf::from(db)) }
    }

    /// How to name it in messages (a URL's password hidden).
    pub fn display(&self) -> String {
        match self {
            Target::Sqlite(p) => p.display().to_string(),
            Target::Postgres(u) => pg::redact(u),
        }
    }

    /// Whether there may be a store there (a file that exists; a URL always may).
    pub fn may_exist(&self) -> bool {
        match self {
            Target::Sqlite(p) => p.exists(),
            Target::Postgres(_) => true,
        }
    }

    /// Opens the store for writing, creating or migrating its schema.
    pub fn open(&self) -> Result<Box<dyn Store + Send>> {
        Ok(match self {
            Target::Sqlite(p) => Box::new(SqliteStore::open(p)?),
            Target::Postgres(u) => Box::new(PgStore::connect(u)?),
        })
    }

    /// A connection for reads (read-only for SQLite). Open the store once with
    /// [`Target::open`] first so its schema is current.
    pub fn reader(&self) -> Result<Box<dyn Db + Send>> {
        Ok(match self {
            Target::Sqlite(p) => Box::new(SqliteStore::open_read_only(p)?),
            Target::Postgres(u) => Box::new(PgStore::reader(u)?),
        })
    }

    /// A connection for the few writes readers make (subscriptions, deliveries).
    pub fn writer(&self) -> Result<Box<dyn Db + Send>> {
        Ok(match self {
            Target::Sqlite(p) => {
                let c = rusqlite::Connection::open(p).map_err(|source| StoreError::Open { path: p.display().to_string(), source })?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
                Box::new(c)
            }
            Target::Postgres(u) => Box::new(PgStore::reader(u)?),
        })
    }
}

/// A prepared article, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub article: Article,
    /// Where it was read from: `path`, `path:line`, a URL, or `feed-url#item`.
    pub origin: String,
    /// Who published it: the record's `source`, else the host of its URL, else none.
    pub source: Option<String>,
    /// Hash of the article's normalised text: equal hashes are the same article.
    pub content_hash: [u8; 16],
    /// MinHash signature of the article's word shingles.
    pub signature: Vec<u32>,
    /// LSH band keys of the signature (one per band).
    pub bands: Vec<i64>,
    pub extracted: ArticleOut,
    /// The search forms of the title and the text ([`search::index_text`]), when the caller
    /// computed them already (`marsad-ingest` does, on its worker threads, so the writer does
    /// not); `None`: [`Store::insert`] computes them.
    pub search_forms: Option<(String, String)>,
}

/// One time an article was seen: where, under which id, from which source.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub origin: &'a str,
    pub ext_id: &'a str,
    pub source: Option<&'a str>,
    pub url: Option<&'a str>,
}

impl NewArticle {
    pub fn sighting(&self) -> Sighting<'_> {
        Sighting { origin: &self.origin, ext_id: &self.article.id, source: self.source.as_deref(), url: self.article.url.as_deref() }
    }
}

/// An earlier article sharing at least one LSH band with a new one.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub article: i64,
    pub cluster: i64,
    pub signature: Vec<u32>,
}

/// What [`Store::lookup`] found for an article.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Stored already, under this id.
    Stored(i64),
    /// Not stored; the stored articles sharing an LSH band with it.
    New(Vec<Candidate>),
}

/// Which cluster a new article joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterChoice {
    /// Start a cluster of its own.
    New,
    /// Join this existing cluster.
    Join(i64),
}

/// What storing one article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inserted {
    pub article: i64,
    pub cluster: i64,
    pub new_cluster: bool,
    /// Events created by this article.
    pub events_added: usize,
    /// Event mentions of this article that joined an existing event.
    pub events_merged: usize,
    /// Incidents of this article (one side not named; stored apart, never merged).
    pub incidents: usize,
}

/// What the store holds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    pub schema_version: i64,
    pub articles: i64,
    /// Distinct publishers (a sighting with no source counts as one unknown source).
    pub sources: i64,
    /// Times an article was seen (an exact copy from another source or place adds a sighting).
    pub sightings: i64,
    pub clusters: i64,
    /// Clusters holding more than one article.
    pub multi_article_clusters: i64,
    pub events: i64,
    /// Event mentions (each sentence of each article that reports an event).
    pub mentions: i64,
    pub entity_mentions: i64,
    pub quantities: i64,
    /// Events reported by more than one article.
    pub events_multi_article: i64,
    pub events_by_type: Vec<(String, i64)>,
    /// Incidents: things that happened where the text names only one side (or none); one
    /// per report, not merged, not counted in `events` or `mentions`.
    pub incidents: i64,
    pub incidents_by_type: Vec<(String, i64)>,
    /// The most reported dyads: (source, target, events, mentions), both sides known; the
    /// symmetric types apart, as unordered pairs (see [`Dyad`]).
    pub top_dyads: Vec<Dyad>,
    /// Events with an unknown source or target (`?`): not a dyad, never merged across articles.
    pub events_unknown_side: i64,
    pub top_sources: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Dyad {
    /// Directed types: the source; symmetric types (`symmetric`): the code first in
    /// alphabetical order.
    pub source: String,
    pub target: String,
    /// The events are of the symmetric types (CONSULT, AGREE, COOPERATE), whose order carries
    /// no meaning: `source` and `target` are then in alphabetical order.
    pub symmetric: bool,
    pub events: i64,
    pub mentions: i64,
}

/// One stored event with its counts, for queries and tests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub event_type: String,
    pub source: Option<String>,
    pub target: Option<String>,
    pub date: Option<String>,
    /// Where the date comes from (`text`, `dateline`, `published`, `none`) and the days it spans.
    pub date_source: Option<String>,
    pub date_start: Option<String>,
    pub date_end: Option<String>,
    pub num_mentions: i64,
    pub num_articles: i64,
    pub num_sources: i64,
    pub gloss: String,
}

/// The event types whose source and target order carries no meaning (schema.md).
pub const SYMMETRIC_TYPES: &[&str] = &["CONSULT", "AGREE", "COOPERATE"];

/// The identity of an event across articles: type, the two actors (ordered for symmetric
/// types) and the date. Two events are the same when type and actors are equal and the dates
/// are equal or one is missing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventKey {
    pub event_type: String,
    pub source: Option<String>,
    pub target: Option<String>,
    pub date: Option<String>,
}

impl EventKey {
    pub fn of(e: &Event) -> EventKey {
        let (mut s, mut t) = (e.source.actor.clone(), e.target.actor.clone());
        if SYMMETRIC_TYPES.contains(&e.event_type.as_str()) && s > t {
            std::mem::swap(&mut s, &mut t);
        }
        EventKey { event_type: e.event_type.clone(), source: s, target: t, date: e.date.clone() }
    }
}

/// The store interface. Writes happen between [`Store::begin`] and [`Store::commit`]; reads
/// through these methods inside a batch see the batch's own writes. (The child rows of a
/// batch — LSH bands, entity mentions, quantities, dates, incidents, search entries — are
/// written in bulk at commit or before such a read; a raw query through [`Store::as_db`]
/// sees them after the commit.)
pub trait Store {
    /// Opens a write batch (one transaction).
    fn begin(&mut self) -> Result<()>;
    /// Commits the open batch durably and recounts the events it touched.
    fn commit(&mut self) -> Result<()>;
    /// Drops the open batch.
    fn rollback(&mut self) -> Result<()>;
    /// The stored article with this content hash, if any.
    fn find_by_hash(&mut self, hash: &[u8; 16]) -> Result<Option<i64>>;
    /// The content hashes of every stored article (lets a run skip extracting what is stored).
    fn content_hashes(&mut self) -> Result<Vec<[u8; 16]>>;
    /// Records that an already stored article was seen again (another origin or source).
    /// Returns false when this (article, origin) was already recorded.
    fn add_sighting(&mut self, article: i64, s: &Sighting<'_>) -> Result<bool>;
    /// Stored articles sharing an LSH band with `bands`.
    fn candidates(&mut self, bands: &[i64]) -> Result<Vec<Candidate>>;
    /// [`Store::find_by_hash`] and, when the article is not stored, [`Store::candidates`]:
    /// what the writer asks for every article, in one query (one round trip to PostgreSQL).
    fn lookup(&mut self, hash: &[u8; 16], bands: &[i64]) -> Result<Lookup> {
        Ok(match self.find_by_hash(hash)? {
            Some(id) => Lookup::Stored(id),
            None => Lookup::New(self.candidates(bands)?),
        })
    }
    /// Stores a new article, its mentions, quantities and events, merging events with stored
    /// ones that agree on [`EventKey`].
    fn insert(&mut self, a: &NewArticle, cluster: ClusterChoice) -> Result<Inserted>;
    /// Counts of what the store holds.
    fn stats(&mut self, top: usize) -> Result<Stats>;
    /// Stored events, most reported first.
    fn events(&mut self, limit: usize) -> Result<Vec<StoredEvent>>;
    /// The cluster an article (by input id) belongs to.
    fn cluster_of(&mut self, ext_id: &str) -> Result<Option<i64>>;
    /// The connection underneath (tests and tools).
    #[doc(hidden)]
    fn as_db(&self) -> &dyn Db;
    /// Records one ingest run's summary.
    fn record_run(&mut self, run: &RunSummary) -> Result<()>;
    /// Whether events stored before schema version 4 still lack the time their reports give
    /// (then [`Store::rebuild_events`] should run).
    fn needs_rebuild(&mut self) -> Result<bool>;
    /// Re-derives every event from the stored reports (event mentions) under the merge rules of
    /// [`merge`], normalises every stored source, and recounts; event ids are kept where an
    /// event survives. One transaction.
    fn rebuild_events(&mut self) -> Result<Rebuilt>;
    /// Indexes for search the articles stored before the search index existed (schema
    /// version 1), in batches of 500; returns how many it indexed. New articles are indexed
    /// as they are inserted.
    fn index_backlog(&mut self) -> Result<usize>;
}

/// What [`Store::rebuild_events`] did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Rebuilt {
    pub mentions: usize,
    pub events_before: usize,
    pub events_after: usize,
    /// Reports that now belong to another event than before.
    pub mentions_moved: usize,
    /// Sightings whose source changed under normalisation.
    pub sources_changed: usize,
}

/// What one ingest run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RunSummary {
    pub read: usize,
    pub new: usize,
    pub duplicate: usize,
    pub failed: usize,
    pub events_added: usize,
    pub mentions_merged: usize,
    pub clusters_joined: usize,
    /// New articles without a `published` date (their events' dates and persons' roles then
    /// rest on a dateline or the text alone).
    pub without_published: usize,
}
