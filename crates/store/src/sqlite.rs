//! The SQLite side of [`crate::Store`]: one file, WAL journal, `synchronous = FULL`, foreign
//! keys on, migrations applied in one transaction at open. The store itself is
//! [`crate::sql::SqlStore`], shared with PostgreSQL.

use crate::sql::SqlStore;
use crate::*;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// The schema, one migration per version; `MIGRATIONS[i]` takes the database from version `i`
/// to `i + 1`. Never edit a released migration: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema (docs/store.md)
    r#"
CREATE TABLE clusters (
    id            INTEGER PRIMARY KEY,
    representative INTEGER NOT NULL,           -- first article of the cluster
    size          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    ext_id        TEXT NOT NULL,               -- the id the input gave
    content_hash  BLOB NOT NULL UNIQUE,        -- 128-bit hash of the normalised text
    cluster_id    INTEGER NOT NULL REFERENCES clusters(id),
    title         TEXT,
    published     TEXT,
    source        TEXT,
    url           TEXT,
    origin        TEXT NOT NULL,               -- where it was first read
    reference_date TEXT,
    text          TEXT NOT NULL,
    signature     BLOB NOT NULL,               -- MinHash, little-endian u32s
    ingested_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX articles_ext_id ON articles(ext_id);
CREATE INDEX articles_cluster ON articles(cluster_id);
CREATE TABLE sightings (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    origin        TEXT NOT NULL,
    ext_id        TEXT NOT NULL,
    source        TEXT,
    url           TEXT,
    seen_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    UNIQUE (article_id, origin)
);
CREATE TABLE lsh_bands (
    band          INTEGER NOT NULL,
    article_id    INTEGER NOT NULL REFERENCES articles(id)
);
CREATE INDEX lsh_bands_band ON lsh_bands(band);
CREATE TABLE mentions (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    kind          TEXT NOT NULL,
    text          TEXT NOT NULL,
    actor         TEXT,
    name          TEXT,
    role          TEXT,
    country       TEXT,
    lat           REAL,
    lon           REAL,
    how           TEXT NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    sentence      INTEGER NOT NULL
);
CREATE INDEX mentions_article ON mentions(article_id);
CREATE INDEX mentions_actor ON mentions(actor);
CREATE TABLE quantities (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    kind          TEXT NOT NULL,
    value         REAL NOT NULL,
    unit          TEXT,
    text          TEXT NOT NULL,
    approx        INTEGER NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    sentence      INTEGER NOT NULL
);
CREATE INDEX quantities_article ON quantities(article_id);
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL,
    source_actor  TEXT,
    target_actor  TEXT,
    date          TEXT,
    date_precision TEXT,
    source_name   TEXT,
    target_name   TEXT,
    mode          TEXT,
    gloss         TEXT NOT NULL,
    first_article INTEGER NOT NULL REFERENCES articles(id),
    num_mentions  INTEGER NOT NULL DEFAULT 0,
    num_articles  INTEGER NOT NULL DEFAULT 0,
    num_sources   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_key ON events(type, source_actor, target_actor);
CREATE TABLE event_mentions (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events(id),
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    sentence      INTEGER NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    trigger       TEXT NOT NULL,
    modality      TEXT NOT NULL,
    mode          TEXT,
    date          TEXT,
    date_text     TEXT,
    source_agent  TEXT,
    target_agent  TEXT,
    place         TEXT,
    evidence      TEXT NOT NULL,
    gloss         TEXT NOT NULL
);
CREATE INDEX event_mentions_event ON event_mentions(event_id);
CREATE INDEX event_mentions_article ON event_mentions(article_id);
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    finished_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    summary       TEXT NOT NULL                -- JSON: read, new, duplicate, failed, events_added…
);
"#,
    // 2: search and serving (docs/store.md, docs/serve.md): a contentless FTS5 index of every
    // article's search forms (rowid = articles.id), date expressions with their spans, where
    // an event mention took place, and standing queries with their webhook cursor.
    r#"
CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 0');
-- articles stored before this version, indexed by SqliteStore::index_backlog
CREATE TABLE search_backlog (article_id INTEGER PRIMARY KEY);
INSERT INTO search_backlog (article_id) SELECT id FROM articles;
CREATE TABLE dates (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    value         TEXT,
    precision     TEXT,
    text          TEXT NOT NULL,
    relative      INTEGER NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    sentence      INTEGER NOT NULL
);
CREATE INDEX dates_article ON dates(article_id);
ALTER TABLE event_mentions ADD COLUMN place_country TEXT;
ALTER TABLE event_mentions ADD COLUMN place_lat REAL;
ALTER TABLE event_mentions ADD COLUMN place_lon REAL;
CREATE INDEX events_date ON events(date);
CREATE INDEX events_target ON events(target_actor);
CREATE INDEX events_source ON events(source_actor);
CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    filter        TEXT NOT NULL,               -- JSON: the event filter's parameters
    webhook       TEXT,                        -- URL that receives each new matching event
    cursor        INTEGER NOT NULL,            -- last event_mentions.id looked at for the webhook
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    event_id      INTEGER NOT NULL,
    mention_id    INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    attempts      INTEGER NOT NULL,
    status        TEXT NOT NULL,               -- HTTP status or the error
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id);
"#,
    // 3: subscription ids are never reused (AUTOINCREMENT), so a deleted subscription's id
    // never names a new one; ids of subscriptions deleted before this version that left
    // deliveries are retired too
    r#"
CREATE TABLE subscriptions_v3 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    filter        TEXT NOT NULL,
    webhook       TEXT,
    cursor        INTEGER NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
INSERT INTO subscriptions_v3 (id, name, filter, webhook, cursor, created_at) SELECT id, name, filter, webhook, cursor, created_at FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_v3 RENAME TO subscriptions;
INSERT INTO sqlite_sequence (name, seq) SELECT 'subscriptions', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'subscriptions');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(subscription_id), 0) FROM deliveries)) WHERE name = 'subscriptions';
"#,
    // 4: trustworthy aggregates (issue 13, docs/store.md): every report's time with where it
    // comes from, the event's time derived from its reports, sources normalised with the raw
    // field and the byline kept. Events stored before this version have date_source NULL until
    // `marsad store rebuild-events` (run by ingest when needed) re-derives them.
    r#"
ALTER TABLE events ADD COLUMN date_start TEXT;
ALTER TABLE events ADD COLUMN date_end TEXT;
ALTER TABLE events ADD COLUMN date_source TEXT;
ALTER TABLE event_mentions ADD COLUMN date_precision TEXT;
ALTER TABLE event_mentions ADD COLUMN date_source TEXT;
ALTER TABLE event_mentions ADD COLUMN date_start TEXT;
ALTER TABLE event_mentions ADD COLUMN date_end TEXT;
ALTER TABLE sightings ADD COLUMN source_raw TEXT;
ALTER TABLE sightings ADD COLUMN author TEXT;
UPDATE sightings SET source_raw = source;
ALTER TABLE articles ADD COLUMN author TEXT;
ALTER TABLE dates ADD COLUMN hijri TEXT;
CREATE INDEX events_date_start ON events(date_start);
"#,
    // ---- incidents (issue 10) -------------------------------------------------------------
    // 5: incidents, things that happened with one side not named (ArticleOut::incidents):
    // one row per report, never merged across articles, kept apart from events. Articles
    // stored before this version have none (their incidents were not kept).
    r#"
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    sentence      INTEGER NOT NULL,
    type          TEXT NOT NULL,
    mode          TEXT,
    modality      TEXT NOT NULL,
    source_actor  TEXT,                        -- null: the text does not name it
    source_name   TEXT,
    source_agent  TEXT,
    target_actor  TEXT,
    target_name   TEXT,
    target_agent  TEXT,
    date          TEXT,
    date_precision TEXT,
    date_text     TEXT,
    place_text    TEXT,
    place_name    TEXT,
    place_country TEXT,
    place_lat     REAL,
    place_lon     REAL,
    trigger       TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    start         INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    gloss         TEXT NOT NULL
);
CREATE INDEX incidents_article ON incidents(article_id);
CREATE INDEX incidents_date ON incidents(date);
"#,
    // ---- end of incidents ---------------------------------------------------------------
    // ---- live flow and alerts (issue 14) ---------------------------------------------------
    // 6: `marsad watch` keeps each watched feed's cursor (its validators for conditional GET,
    // errors in a row, the next poll) so that a restart resumes where it stopped; feed items
    // already stored are found by their sighting's origin (`feed-url#item`), hence the index;
    // each subscription gets a secret that signs its webhook bodies (HMAC-SHA256; filled in for
    // older subscriptions when their webhooks next run) and a lease, so that of several
    // processes delivering webhooks (a server, a watcher) one at a time delivers each.
    r#"
CREATE TABLE watch_feeds (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,  -- errors in a row (backoff)
    next_poll     INTEGER,                     -- unix seconds
    polls         INTEGER NOT NULL DEFAULT 0,
    articles      INTEGER NOT NULL DEFAULT 0,  -- new articles stored from it
    last_status   TEXT,
    polled_at     TEXT
);
CREATE INDEX sightings_origin ON sightings(origin);
ALTER TABLE subscriptions ADD COLUMN secret TEXT;
ALTER TABLE subscriptions ADD COLUMN lease_owner TEXT;
ALTER TABLE subscriptions ADD COLUMN lease_until INTEGER;
"#,
    // ---- end of live flow and alerts ----------------------------------------------------
    // ---- speed (issue 11) -------------------------------------------------------------------
    // 7: the search index splits its text with FTS5's `ascii` tokenizer. What it indexes is
    // marsad's search forms (search::index_text: already folded, lower-cased, one space
    // between forms), which `unicode61` read again character by character through Unicode's
    // tables: 11 % of an ingest's instructions, on the writer. `ascii` cuts them into the same
    // terms (`ascii_and_unicode61_cut_the_search_forms_alike`). The index of an older store is
    // rebuilt from its articles: all go to the search backlog, which `search`, `export` and
    // `serve` index on opening (about 0.2 ms an article).
    r#"
DROP TABLE article_fts;
CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='', tokenize='ascii');
INSERT OR IGNORE INTO search_backlog (article_id) SELECT id FROM articles;
"#,
    // ---- end of speed -------------------------------------------------------------------------
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A [`Store`] in one SQLite file.
pub type SqliteStore = SqlStore<Connection>;

impl SqlStore<Connection> {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let p = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: p.clone(), source })?;
        Self::setup(conn, &p)
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Result<SqliteStore> {
        Self::setup(Connection::open_in_memory()?, ":memory:")
    }

    fn setup(mut conn: Connection, path: &str) -> Result<SqliteStore> {
        let wrap = |source| StoreError::Open { path: path.to_string(), source };
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(wrap)?;
        // multi-row inserts differ by row count: keep enough of them prepared
        conn.set_prepared_statement_cache_capacity(256);
        // WAL: readers never block the writer, and a killed writer leaves the last commit
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(wrap)?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").map_err(wrap)?;
        // statement journals (a multi-row statement's undo log) in memory, not in temp files
        conn.execute_batch("PRAGMA temp_store = MEMORY;").map_err(wrap)?;
        // plans do not depend on bound values: without this, SQLite (STAT4 is compiled in)
        // re-prepares the event lookup and the recount at every execution, ~5 % of ingest
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(wrap)?;
        migrate(&mut conn, path)?;
        Ok(SqlStore::new(conn))
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.connection().query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Opens an existing database for reading only (the server's query connections). The
    /// schema must be current: open it once with [`SqliteStore::open`] first.
    pub fn open_read_only(path: &Path) -> Result<Connection> {
        use rusqlite::OpenFlags;
        let p = path.display().to_string();
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|source| StoreError::Open { path: p.clone(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|source| StoreError::Open { path: p, source })?;
        Ok(conn)
    }
}

fn migrate(conn: &mut Connection, path: &str) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let v: Option<i64> = tx.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?;
    let v = match v {
        Some(v) => v,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            0
        }
    };
    if v > SCHEMA_VERSION {
        return Err(StoreError::TooNew { path: path.to_string(), found: v, known: SCHEMA_VERSION });
    }
    for m in &MIGRATIONS[v as usize..] {
        tx.execute_batch(m)?;
    }
    tx.execute("UPDATE schema_version SET version = ?1", [SCHEMA_VERSION])?;
    tx.commit()?;
    Ok(())
}

