//! The SQLite implementation of [`Store`]: one file, WAL journal, `synchronous = FULL`, foreign
//! keys on, migrations applied in one transaction at open.

use crate::*;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeSet;
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
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A [`Store`] in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    in_batch: bool,
    /// Events touched by the open batch, recounted at commit.
    touched: BTreeSet<i64>,
}

impl SqliteStore {
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
        // WAL: readers never block the writer, and a killed writer leaves the last commit
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(wrap)?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").map_err(wrap)?;
        migrate(&mut conn, path)?;
        Ok(SqliteStore { conn, in_batch: false, touched: BTreeSet::new() })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
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

    /// Indexes for search the articles stored before the search index existed (schema
    /// version 1), in batches of 500; returns how many it indexed. New articles are indexed as
    /// they are inserted.
    pub fn index_backlog(&mut self) -> Result<usize> {
        if self.in_batch {
            return Err(StoreError::BatchOpen);
        }
        let mut done = 0;
        loop {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids: Vec<i64> = {
                let mut st = tx.prepare("SELECT article_id FROM search_backlog ORDER BY article_id LIMIT 500")?;
                let v = st.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
                v
            };
            if ids.is_empty() {
                return Ok(done);
            }
            {
                let mut get = tx.prepare("SELECT title, text FROM articles WHERE id = ?1")?;
                let mut put = tx.prepare("INSERT INTO article_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?;
                let mut del = tx.prepare("DELETE FROM search_backlog WHERE article_id = ?1")?;
                for id in &ids {
                    let row: Option<(Option<String>, String)> = get.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
                    if let Some((title, text)) = row {
                        put.execute(params![
                            id,
                            crate::search::index_text(title.as_deref().unwrap_or("")),
                            crate::search::index_text(&text)
                        ])?;
                    }
                    del.execute([id])?;
                }
            }
            tx.commit()?;
            done += ids.len();
        }
    }

    /// The underlying connection, for read-only queries in tools and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn need_batch(&self) -> Result<()> {
        if self.in_batch { Ok(()) } else { Err(StoreError::NoBatch) }
    }

    fn recount(&mut self) -> Result<()> {
        let mut st = self.conn.prepare_cached(
            "UPDATE events SET
                num_mentions = (SELECT count(*) FROM event_mentions WHERE event_id = ?1),
                num_articles = (SELECT count(DISTINCT article_id) FROM event_mentions WHERE event_id = ?1),
                num_sources = (SELECT count(DISTINCT coalesce(s.source, '')) FROM event_mentions em
                               JOIN sightings s ON s.article_id = em.article_id WHERE em.event_id = ?1)
             WHERE id = ?1",
        )?;
        for id in &self.touched {
            st.execute([id])?;
        }
        drop(st);
        self.touched.clear();
        Ok(())
    }

    /// The event a new mention with `key` joins: same type and actors, and the same date or
    /// one of the two dates missing. Prefers an exact date match.
    fn find_event(&mut self, key: &EventKey) -> Result<Option<(i64, Option<String>)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, date FROM events WHERE type = ?1 AND source_actor IS ?2 AND target_actor IS ?3
             ORDER BY num_mentions DESC, id",
        )?;
        let rows: Vec<(i64, Option<String>)> = st
            .query_map(params![key.event_type, key.source, key.target], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let pick = match &key.date {
            Some(d) => rows.iter().find(|r| r.1.as_deref() == Some(d)).or_else(|| rows.iter().find(|r| r.1.is_none())),
            None => rows.iter().find(|r| r.1.is_none()).or_else(|| rows.first()),
        };
        Ok(pick.cloned())
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

fn sig_blob(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn blob_sig(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<()> {
        if self.in_batch {
            return Err(StoreError::BatchOpen);
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.in_batch = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.need_batch()?;
        if let Err(e) = self.recount() {
            let _ = self.rollback();
            return Err(e);
        }
        self.conn.execute_batch("COMMIT")?;
        self.in_batch = false;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        self.need_batch()?;
        self.touched.clear();
        self.in_batch = false;
        self.conn.execute_batch("ROLLBACK")?;
        Ok(())
    }

    fn find_by_hash(&mut self, hash: &[u8; 16]) -> Result<Option<i64>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM articles WHERE content_hash = ?1")?;
        Ok(st.query_row([&hash[..]], |r| r.get(0)).optional()?)
    }

    fn content_hashes(&mut self) -> Result<Vec<[u8; 16]>> {
        let mut st = self.conn.prepare("SELECT content_hash FROM articles")?;
        let rows = st.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for b in rows {
            if let Ok(h) = <[u8; 16]>::try_from(b?.as_slice()) {
                out.push(h);
            }
        }
        Ok(out)
    }

    fn add_sighting(&mut self, article: i64, a: &Sighting<'_>) -> Result<bool> {
        self.need_batch()?;
        let mut st = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO sightings (article_id, origin, ext_id, source, url) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let n = st.execute(params![article, a.origin, a.ext_id, a.source, a.url])?;
        drop(st);
        if n > 0 {
            // a new source may raise the events' source counts
            let mut st = self.conn.prepare_cached("SELECT DISTINCT event_id FROM event_mentions WHERE article_id = ?1")?;
            let ids: Vec<i64> = st.query_map([article], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
            self.touched.extend(ids);
        }
        Ok(n > 0)
    }

    fn candidates(&mut self, bands: &[i64]) -> Result<Vec<Candidate>> {
        let mut ids = BTreeSet::new();
        {
            let mut st = self.conn.prepare_cached("SELECT article_id FROM lsh_bands WHERE band = ?1")?;
            for b in bands {
                for id in st.query_map([b], |r| r.get::<_, i64>(0))? {
                    ids.insert(id?);
                }
            }
        }
        let mut st = self.conn.prepare_cached("SELECT cluster_id, signature FROM articles WHERE id = ?1")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let (cluster, sig): (i64, Vec<u8>) = st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            out.push(Candidate { article: id, cluster, signature: blob_sig(&sig) });
        }
        Ok(out)
    }

    fn insert(&mut self, a: &NewArticle, cluster: ClusterChoice) -> Result<Inserted> {
        self.need_batch()?;
        let art = &a.article;
        let x = &a.extracted;
        let c = &self.conn;
        let (cluster_id, new_cluster) = match cluster {
            ClusterChoice::Join(id) => (id, false),
            ClusterChoice::New => {
                // representative is set right after the article row exists
                c.prepare_cached("INSERT INTO clusters (representative, size) VALUES (0, 0)")?.execute([])?;
                (c.last_insert_rowid(), true)
            }
        };
        c.prepare_cached(
            "INSERT INTO articles (ext_id, content_hash, cluster_id, title, published, source, url, origin,
                                   reference_date, text, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            art.id,
            &a.content_hash[..],
            cluster_id,
            art.title,
            art.published,
            a.source,
            art.url,
            a.origin,
            x.reference_date,
            art.text,
            sig_blob(&a.signature)
        ])?;
        let aid = c.last_insert_rowid();
        if new_cluster {
            c.prepare_cached("UPDATE clusters SET representative = ?1, size = 1 WHERE id = ?2")?.execute([aid, cluster_id])?;
        } else {
            c.prepare_cached("UPDATE clusters SET size = size + 1 WHERE id = ?1")?.execute([cluster_id])?;
        }
        c.prepare_cached("INSERT INTO sightings (article_id, origin, ext_id, source, url) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![aid, a.origin, art.id, a.source, art.url])?;
        {
            let mut st = c.prepare_cached("INSERT INTO lsh_bands (band, article_id) VALUES (?1, ?2)")?;
            for b in &a.bands {
                st.execute([*b, aid])?;
            }
        }
        {
            let mut st = c.prepare_cached(
                "INSERT INTO mentions (article_id, kind, text, actor, name, role, country, lat, lon, how, start, \"end\", sentence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for m in &x.mentions {
                st.execute(params![
                    aid, m.kind, m.text, m.actor, m.name, m.role, m.country, m.lat, m.lon, m.how,
                    m.span.start as i64, m.span.end as i64, m.span.sentence as i64
                ])?;
            }
        }
        {
            let mut st = c.prepare_cached(
                "INSERT INTO quantities (article_id, kind, value, unit, text, approx, start, \"end\", sentence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for q in &x.quantities {
                st.execute(params![
                    aid, q.kind, q.value, q.unit, q.text, q.approx,
                    q.span.start as i64, q.span.end as i64, q.span.sentence as i64
                ])?;
            }
        }
        {
            let mut st = c.prepare_cached(
                "INSERT INTO dates (article_id, value, precision, text, relative, start, \"end\", sentence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for d in &x.dates {
                st.execute(params![
                    aid, d.value, d.precision, d.text, d.relative,
                    d.span.start as i64, d.span.end as i64, d.span.sentence as i64
                ])?;
            }
        }
        c.prepare_cached("INSERT INTO article_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?.execute(params![
            aid,
            crate::search::index_text(art.title.as_deref().unwrap_or("")),
            crate::search::index_text(&art.text)
        ])?;
        let mut res = Inserted { article: aid, cluster: cluster_id, new_cluster, ..Default::default() };
        for e in &x.events {
            let key = EventKey::of(e);
            let eid = match self.find_event(&key)? {
                Some((id, date)) => {
                    if date.is_none() && key.date.is_some() {
                        // the first dated report fixes the event's date
                        self.conn
                            .prepare_cached("UPDATE events SET date = ?1, date_precision = ?2 WHERE id = ?3")?
                            .execute(params![key.date, e.date_precision, id])?;
                    }
                    res.events_merged += 1;
                    id
                }
                None => {
                    let swapped = key.source != e.source.actor;
                    let (sn, tn) = if swapped { (&e.target.name, &e.source.name) } else { (&e.source.name, &e.target.name) };
                    self.conn
                        .prepare_cached(
                            "INSERT INTO events (type, source_actor, target_actor, date, date_precision, source_name,
                                                 target_name, mode, gloss, first_article)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        )?
                        .execute(params![
                            key.event_type, key.source, key.target, key.date, e.date_precision, sn, tn, e.mode, e.gloss, aid
                        ])?;
                    res.events_added += 1;
                    self.conn.last_insert_rowid()
                }
            };
            let place = e.place.as_ref().map(|p| p.name.clone().unwrap_or_else(|| p.text.clone()));
            self.conn
                .prepare_cached(
                    "INSERT INTO event_mentions (event_id, article_id, sentence, start, \"end\", trigger, modality, mode,
                                                 date, date_text, source_agent, target_agent, place, evidence, gloss,
                                                 place_country, place_lat, place_lon)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )?
                .execute(params![
                    eid,
                    aid,
                    e.span.sentence as i64,
                    e.span.start as i64,
                    e.span.end as i64,
                    e.trigger,
                    e.modality,
                    e.mode,
                    e.date,
                    e.date_text,
                    e.source.agent,
                    e.target.agent,
                    place,
                    e.evidence,
                    e.gloss,
                    e.place.as_ref().and_then(|p| p.country.clone()),
                    e.place.as_ref().and_then(|p| p.lat),
                    e.place.as_ref().and_then(|p| p.lon)
                ])?;
            self.conn.prepare_cached("UPDATE events SET num_mentions = num_mentions + 1 WHERE id = ?1")?.execute([eid])?;
            self.touched.insert(eid);
        }
        Ok(res)
    }

    fn stats(&mut self, top: usize) -> Result<Stats> {
        stats_of(&self.conn, top)
    }

    fn events(&mut self, limit: usize) -> Result<Vec<StoredEvent>> {
        events_of(&self.conn, limit)
    }

    fn cluster_of(&mut self, ext_id: &str) -> Result<Option<i64>> {
        let mut st = self.conn.prepare_cached("SELECT cluster_id FROM articles WHERE ext_id = ?1 ORDER BY id LIMIT 1")?;
        Ok(st.query_row([ext_id], |r| r.get(0)).optional()?)
    }

    fn record_run(&mut self, run: &RunSummary) -> Result<()> {
        let json = serde_json::to_string(run).unwrap_or_default();
        self.conn.execute("INSERT INTO runs (summary) VALUES (?1)", [json])?;
        Ok(())
    }
}

/// [`Store::stats`] on any connection (the server reads through read-only connections).
pub fn stats_of(c: &Connection, top: usize) -> Result<Stats> {
    {
        let one = |sql: &str| -> Result<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) };
        let mut s = Stats {
            schema_version: one("SELECT version FROM schema_version")?,
            articles: one("SELECT count(*) FROM articles")?,
            sources: one("SELECT count(DISTINCT coalesce(source, '')) FROM sightings")?,
            sightings: one("SELECT count(*) FROM sightings")?,
            clusters: one("SELECT count(*) FROM clusters")?,
            multi_article_clusters: one("SELECT count(*) FROM clusters WHERE size > 1")?,
            events: one("SELECT count(*) FROM events")?,
            mentions: one("SELECT count(*) FROM event_mentions")?,
            entity_mentions: one("SELECT count(*) FROM mentions")?,
            quantities: one("SELECT count(*) FROM quantities")?,
            events_multi_article: one("SELECT count(*) FROM events WHERE num_articles > 1")?,
            ..Default::default()
        };
        let mut st = c.prepare("SELECT type, count(*) FROM events GROUP BY type ORDER BY count(*) DESC, type")?;
        s.events_by_type = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
        let mut st = c.prepare(
            "SELECT coalesce(source_actor, '?'), coalesce(target_actor, '?'), count(*), sum(num_mentions) FROM events
             GROUP BY 1, 2 ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT ?1",
        )?;
        s.top_dyads = st
            .query_map([top as i64], |r| Ok(Dyad { source: r.get(0)?, target: r.get(1)?, events: r.get(2)?, mentions: r.get(3)? }))?
            .collect::<std::result::Result<_, _>>()?;
        let mut st = c.prepare(
            "SELECT coalesce(source, '(unknown)'), count(DISTINCT article_id) FROM sightings GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
        )?;
        s.top_sources = st.query_map([top as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
        Ok(s)
    }
}

fn events_of(conn: &Connection, limit: usize) -> Result<Vec<StoredEvent>> {
    {
        let mut st = conn.prepare(
            "SELECT id, type, source_actor, target_actor, date, num_mentions, num_articles, num_sources, gloss
             FROM events ORDER BY num_mentions DESC, id LIMIT ?1",
        )?;
        let rows = st
            .query_map([limit as i64], |r| {
                Ok(StoredEvent {
                    id: r.get(0)?,
                    event_type: r.get(1)?,
                    source: r.get(2)?,
                    target: r.get(3)?,
                    date: r.get(4)?,
                    num_mentions: r.get(5)?,
                    num_articles: r.get(6)?,
                    num_sources: r.get(7)?,
                    gloss: r.get(8)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests;
