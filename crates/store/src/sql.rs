//! [`SqlStore`]: the [`Store`] written once over [`Db`], so the embedded SQLite store and the
//! PostgreSQL one share every write, merge and count. What differs (how a write batch starts,
//! how an article enters the search index) asks the connection's [`Dialect`].

use crate::db::{Db, Dialect, Val};
use crate::*;
use std::collections::BTreeSet;

/// A [`Store`] over one connection.
pub struct SqlStore<D: Db> {
    pub(crate) db: D,
    in_batch: bool,
    /// Events touched by the open batch, recounted at commit.
    touched: BTreeSet<i64>,
}

pub(crate) fn sig_blob(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn blob_sig(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Most rows one multi-row INSERT carries (parameters stay far below both databases' limits).
const ROWS_PER_INSERT: usize = 200;

/// `INSERT INTO {table_cols} VALUES (…), (…)…` for `rows`, in statements of at most
/// [`ROWS_PER_INSERT`] rows.
fn insert_rows(db: &dyn Db, table_cols: &str, rows: impl Iterator<Item = Vec<Val>>) -> Result<()> {
    let rows: Vec<Vec<Val>> = rows.collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = format!("INSERT INTO {table_cols} VALUES ");
        let mut params = Vec::with_capacity(chunk.len() * chunk[0].len());
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..row.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("?{}", params.len() + j + 1));
            }
            sql.push(')');
            params.extend(row.iter().cloned());
        }
        db.exec(&sql, &params)?;
    }
    Ok(())
}

/// Adds one article's title and text to the search index.
pub(crate) fn index_article(db: &dyn Db, id: i64, title: &str, text: &str) -> Result<()> {
    let (t, b) = (crate::search::index_text(title), crate::search::index_text(text));
    match db.dialect() {
        Dialect::Sqlite => db.exec("INSERT INTO article_fts (rowid, title, body) VALUES (?1, ?2, ?3)", vals![id, t, b])?,
        Dialect::Postgres => db.exec(
            "INSERT INTO article_search (article_id, doc)
             VALUES (?1, setweight(to_tsvector('simple', ?2), 'A') || setweight(to_tsvector('simple', ?3), 'D'))",
            vals![id, t, b],
        )?,
    };
    Ok(())
}

impl<D: Db> SqlStore<D> {
    pub(crate) fn new(db: D) -> SqlStore<D> {
        SqlStore { db, in_batch: false, touched: BTreeSet::new() }
    }

    fn db(&self) -> &dyn Db {
        &self.db
    }

    /// The underlying connection, for read-only queries in tools and tests.
    pub fn connection(&self) -> &D {
        &self.db
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.db().one("SELECT version FROM schema_version", &[])
    }

    fn need_batch(&self) -> Result<()> {
        if self.in_batch { Ok(()) } else { Err(StoreError::NoBatch) }
    }

    fn recount(&mut self) -> Result<()> {
        for id in std::mem::take(&mut self.touched) {
            self.db().exec(
                "UPDATE events SET
                    num_mentions = (SELECT count(*) FROM event_mentions WHERE event_id = ?1),
                    num_articles = (SELECT count(DISTINCT article_id) FROM event_mentions WHERE event_id = ?1),
                    num_sources = (SELECT count(DISTINCT coalesce(s.source, '')) FROM event_mentions em
                                   JOIN sightings s ON s.article_id = em.article_id WHERE em.event_id = ?1)
                 WHERE id = ?1",
                vals![id],
            )?;
        }
        Ok(())
    }

    /// The event a new mention with `key` joins: same type and actors, and the same date or
    /// one of the two dates missing. Prefers an exact date match.
    fn find_event(&self, key: &EventKey) -> Result<Option<(i64, Option<String>)>> {
        let rows = self.db().rows(
            "SELECT id, date FROM events WHERE type = ?1 AND source_actor IS NOT DISTINCT FROM ?2 AND target_actor IS NOT DISTINCT FROM ?3
             ORDER BY num_mentions DESC, id",
            vals![&key.event_type, &key.source, &key.target],
        )?;
        let rows: Vec<(i64, Option<String>)> = rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect::<Result<_>>()?;
        let pick = match &key.date {
            Some(d) => rows.iter().find(|r| r.1.as_deref() == Some(d)).or_else(|| rows.iter().find(|r| r.1.is_none())),
            None => rows.iter().find(|r| r.1.is_none()).or_else(|| rows.first()),
        };
        Ok(pick.cloned())
    }
}

impl<D: Db> Store for SqlStore<D> {
    fn begin(&mut self) -> Result<()> {
        if self.in_batch {
            return Err(StoreError::BatchOpen);
        }
        match self.db.dialect() {
            Dialect::Sqlite => self.db.batch("BEGIN IMMEDIATE")?,
            Dialect::Postgres => {
                self.db.batch("BEGIN")?;
                // batches of concurrent writers apply one after the other (pg.rs)
                if let Err(e) = self.db.exec("SELECT pg_advisory_xact_lock(?1)", vals![crate::pg::WRITE_LOCK]) {
                    let _ = self.db.batch("ROLLBACK");
                    return Err(e);
                }
            }
        }
        self.in_batch = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.need_batch()?;
        if let Err(e) = self.recount() {
            let _ = self.rollback();
            return Err(e);
        }
        if let Err(e) = self.db.batch("COMMIT") {
            let _ = self.rollback();
            return Err(e);
        }
        self.in_batch = false;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        self.need_batch()?;
        self.touched.clear();
        self.in_batch = false;
        self.db.batch("ROLLBACK")?;
        Ok(())
    }

    fn find_by_hash(&mut self, hash: &[u8; 16]) -> Result<Option<i64>> {
        self.db().opt("SELECT id FROM articles WHERE content_hash = ?1", vals![&hash[..]])
    }

    fn content_hashes(&mut self) -> Result<Vec<[u8; 16]>> {
        let blobs: Vec<Vec<u8>> = self.db().column("SELECT content_hash FROM articles", &[])?;
        Ok(blobs.iter().filter_map(|b| <[u8; 16]>::try_from(b.as_slice()).ok()).collect())
    }

    fn add_sighting(&mut self, article: i64, a: &Sighting<'_>) -> Result<bool> {
        self.need_batch()?;
        let n = self.db().exec(
            "INSERT INTO sightings (article_id, origin, ext_id, source, url) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            vals![article, a.origin, a.ext_id, a.source, a.url],
        )?;
        if n > 0 {
            // a new source may raise the events' source counts
            let ids: Vec<i64> = self.db().column("SELECT DISTINCT event_id FROM event_mentions WHERE article_id = ?1", vals![article])?;
            self.touched.extend(ids);
        }
        Ok(n > 0)
    }

    fn candidates(&mut self, bands: &[i64]) -> Result<Vec<Candidate>> {
        if bands.is_empty() {
            return Ok(Vec::new());
        }
        // one query for all bands (a round trip each would dominate on PostgreSQL)
        let marks: Vec<String> = (1..=bands.len()).map(|i| format!("?{i}")).collect();
        let params: Vec<Val> = bands.iter().map(|b| Val::Int(*b)).collect();
        let rows = self.db().rows(
            &format!(
                "SELECT a.id, a.cluster_id, a.signature FROM articles a
                 WHERE a.id IN (SELECT article_id FROM lsh_bands WHERE band IN ({})) ORDER BY a.id",
                marks.join(", ")
            ),
            &params,
        )?;
        rows.iter().map(|r| Ok(Candidate { article: r.get(0)?, cluster: r.get(1)?, signature: blob_sig(&r.get::<Vec<u8>>(2)?) })).collect()
    }

    fn insert(&mut self, a: &NewArticle, cluster: ClusterChoice) -> Result<Inserted> {
        self.need_batch()?;
        let art = &a.article;
        let x = &a.extracted;
        let c = self.db();
        let (cluster_id, new_cluster) = match cluster {
            ClusterChoice::Join(id) => (id, false),
            // representative is set right after the article row exists
            ClusterChoice::New => (c.one::<i64>("INSERT INTO clusters (representative, size) VALUES (0, 0) RETURNING id", &[])?, true),
        };
        let aid: i64 = c.one(
            "INSERT INTO articles (ext_id, content_hash, cluster_id, title, published, source, url, origin,
                                   reference_date, text, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            vals![
                &art.id,
                &a.content_hash[..],
                cluster_id,
                &art.title,
                &art.published,
                &a.source,
                &art.url,
                &a.origin,
                &x.reference_date,
                &art.text,
                sig_blob(&a.signature)
            ],
        )?;
        if new_cluster {
            c.exec("UPDATE clusters SET representative = ?1, size = 1 WHERE id = ?2", vals![aid, cluster_id])?;
        } else {
            c.exec("UPDATE clusters SET size = size + 1 WHERE id = ?1", vals![cluster_id])?;
        }
        c.exec(
            "INSERT INTO sightings (article_id, origin, ext_id, source, url) VALUES (?1, ?2, ?3, ?4, ?5)",
            vals![aid, &a.origin, &art.id, &a.source, &art.url],
        )?;
        // one statement per table and article (each statement is a round trip to PostgreSQL)
        insert_rows(c, "lsh_bands (band, article_id)", a.bands.iter().map(|b| vals![*b, aid].to_vec()))?;
        insert_rows(
            c,
            "mentions (article_id, kind, text, actor, name, role, country, lat, lon, how, start, \"end\", sentence)",
            x.mentions.iter().map(|m| {
                vals![aid, &m.kind, &m.text, &m.actor, &m.name, &m.role, &m.country, m.lat, m.lon, &m.how, m.span.start, m.span.end, m.span.sentence]
                    .to_vec()
            }),
        )?;
        insert_rows(
            c,
            "quantities (article_id, kind, value, unit, text, approx, start, \"end\", sentence)",
            x.quantities.iter().map(|q| vals![aid, &q.kind, q.value, &q.unit, &q.text, q.approx, q.span.start, q.span.end, q.span.sentence].to_vec()),
        )?;
        insert_rows(
            c,
            "dates (article_id, value, precision, text, relative, start, \"end\", sentence)",
            x.dates.iter().map(|d| vals![aid, &d.value, &d.precision, &d.text, d.relative, d.span.start, d.span.end, d.span.sentence].to_vec()),
        )?;
        // incidents (one side not named): one row per report, never merged, not events
        insert_rows(
            c,
            "incidents (article_id, sentence, type, mode, modality, source_actor, source_name, source_agent, target_actor,
                        target_name, target_agent, date, date_precision, date_text, place_text, place_name, place_country,
                        place_lat, place_lon, trigger, evidence, start, \"end\", gloss)",
            x.incidents.iter().map(|e| {
                let pl = e.place.as_ref();
                vals![
                    aid,
                    e.span.sentence,
                    &e.event_type,
                    &e.mode,
                    &e.modality,
                    &e.source.actor,
                    &e.source.name,
                    &e.source.agent,
                    &e.target.actor,
                    &e.target.name,
                    &e.target.agent,
                    &e.date,
                    &e.date_precision,
                    &e.date_text,
                    pl.map(|p| p.text.clone()),
                    pl.and_then(|p| p.name.clone()),
                    pl.and_then(|p| p.country.clone()),
                    pl.and_then(|p| p.lat),
                    pl.and_then(|p| p.lon),
                    &e.trigger,
                    &e.evidence,
                    e.span.start,
                    e.span.end,
                    &e.gloss
                ]
                .to_vec()
            }),
        )?;
        index_article(c, aid, art.title.as_deref().unwrap_or(""), &art.text)?;
        let mut res = Inserted { article: aid, cluster: cluster_id, new_cluster, incidents: x.incidents.len(), ..Default::default() };
        for e in &x.events {
            let key = EventKey::of(e);
            let eid = match self.find_event(&key)? {
                Some((id, date)) => {
                    if date.is_none() && key.date.is_some() {
                        // the first dated report fixes the event's date
                        self.db().exec("UPDATE events SET date = ?1, date_precision = ?2 WHERE id = ?3", vals![&key.date, &e.date_precision, id])?;
                    }
                    res.events_merged += 1;
                    id
                }
                None => {
                    let swapped = key.source != e.source.actor;
                    let (sn, tn) = if swapped { (&e.target.name, &e.source.name) } else { (&e.source.name, &e.target.name) };
                    res.events_added += 1;
                    self.db().one(
                        "INSERT INTO events (type, source_actor, target_actor, date, date_precision, source_name,
                                             target_name, mode, gloss, first_article)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                        vals![&key.event_type, &key.source, &key.target, &key.date, &e.date_precision, sn, tn, &e.mode, &e.gloss, aid],
                    )?
                }
            };
            let place = e.place.as_ref().map(|p| p.name.clone().unwrap_or_else(|| p.text.clone()));
            self.db().exec(
                "INSERT INTO event_mentions (event_id, article_id, sentence, start, \"end\", trigger, modality, mode,
                                             date, date_text, source_agent, target_agent, place, evidence, gloss,
                                             place_country, place_lat, place_lon)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                vals![
                    eid,
                    aid,
                    e.span.sentence,
                    e.span.start,
                    e.span.end,
                    &e.trigger,
                    &e.modality,
                    &e.mode,
                    &e.date,
                    &e.date_text,
                    &e.source.agent,
                    &e.target.agent,
                    place,
                    &e.evidence,
                    &e.gloss,
                    e.place.as_ref().and_then(|p| p.country.clone()),
                    e.place.as_ref().and_then(|p| p.lat),
                    e.place.as_ref().and_then(|p| p.lon)
                ],
            )?;
            self.db().exec("UPDATE events SET num_mentions = num_mentions + 1 WHERE id = ?1", vals![eid])?;
            self.touched.insert(eid);
        }
        Ok(res)
    }

    fn stats(&mut self, top: usize) -> Result<Stats> {
        stats_of(self.db(), top)
    }

    fn events(&mut self, limit: usize) -> Result<Vec<StoredEvent>> {
        let rows = self.db().rows(
            "SELECT id, type, source_actor, target_actor, date, num_mentions, num_articles, num_sources, gloss
             FROM events ORDER BY num_mentions DESC, id LIMIT ?1",
            vals![limit],
        )?;
        rows.iter()
            .map(|r| {
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
            })
            .collect()
    }

    fn cluster_of(&mut self, ext_id: &str) -> Result<Option<i64>> {
        self.db().opt("SELECT cluster_id FROM articles WHERE ext_id = ?1 ORDER BY id LIMIT 1", vals![ext_id])
    }

    fn record_run(&mut self, run: &RunSummary) -> Result<()> {
        let json = serde_json::to_string(run).unwrap_or_default();
        self.db().exec("INSERT INTO runs (summary) VALUES (?1)", vals![json])?;
        Ok(())
    }

    fn index_backlog(&mut self) -> Result<usize> {
        if self.in_batch {
            return Err(StoreError::BatchOpen);
        }
        let mut done = 0;
        loop {
            self.begin()?;
            let r = (|| -> Result<usize> {
                let c = self.db();
                let ids: Vec<i64> = c.column("SELECT article_id FROM search_backlog ORDER BY article_id LIMIT 500", &[])?;
                for id in &ids {
                    if let Some(r) = c.row("SELECT title, text FROM articles WHERE id = ?1", vals![*id])? {
                        let (title, text): (Option<String>, String) = (r.get(0)?, r.get(1)?);
                        index_article(c, *id, title.as_deref().unwrap_or(""), &text)?;
                    }
                    c.exec("DELETE FROM search_backlog WHERE article_id = ?1", vals![*id])?;
                }
                Ok(ids.len())
            })();
            match r {
                Ok(0) => {
                    self.rollback()?;
                    return Ok(done);
                }
                Ok(n) => {
                    self.commit()?;
                    done += n;
                }
                Err(e) => {
                    let _ = self.rollback();
                    return Err(e);
                }
            }
        }
    }
}

/// [`Store::stats`] on any connection (the server reads through its own connections).
pub fn stats_of(c: &dyn Db, top: usize) -> Result<Stats> {
    let one = |sql: &str| -> Result<i64> { c.one(sql, &[]) };
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
        incidents: one("SELECT count(*) FROM incidents")?,
        ..Default::default()
    };
    s.events_by_type = c
        .rows("SELECT type, count(*) FROM events GROUP BY type ORDER BY count(*) DESC, type", &[])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    s.incidents_by_type = c
        .rows("SELECT type, count(*) FROM incidents GROUP BY type ORDER BY count(*) DESC, type", &[])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    s.top_dyads = c
        .rows(
            "SELECT coalesce(source_actor, '?'), coalesce(target_actor, '?'), count(*), CAST(sum(num_mentions) AS BIGINT) FROM events
             GROUP BY 1, 2 ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT ?1",
            vals![top],
        )?
        .iter()
        .map(|r| Ok(Dyad { source: r.get(0)?, target: r.get(1)?, events: r.get(2)?, mentions: r.get(3)? }))
        .collect::<Result<_>>()?;
    s.top_sources = c
        .rows(
            "SELECT coalesce(source, '(unknown)'), count(DISTINCT article_id) FROM sightings GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
            vals![top],
        )?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_>>()?;
    Ok(s)
}

