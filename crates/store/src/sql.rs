//! [`SqlStore`]: the [`Store`] written once over [`Db`], so the embedded SQLite store and the
//! PostgreSQL one share every write, merge and count. What differs (how a write batch starts,
//! how an article enters the search index) asks the connection's [`Dialect`].

use crate::db::{Db, Dialect, Val};
use crate::*;
use crate::merge::{aggregate, compatible, report_time, search_window, Relation, Time};
use std::collections::BTreeSet;

/// A [`Store`] over one connection.
pub struct SqlStore<D: Db> {
    pub(crate) db: D,
    in_batch: bool,
    /// Events touched by the open batch, recounted at commit.
    touched: BTreeSet<i64>,
    /// Child rows of the open batch not yet written (see [`Pending`]).
    pending: Pending,
}

/// The child tables whose rows a batch writes in bulk before it commits: nothing reads them
/// while a batch is open but [`Store::candidates`] (the LSH bands, answered from memory for
/// the batch's own articles) and the read methods of [`Store`], which write them first.
const CHILD_TABLES: [(&str, &[&str]); 5] = [
    ("lsh_bands", &["band", "article_id"]),
    ("mentions", &["article_id", "kind", "text", "actor", "name", "role", "country", "lat", "lon", "how", "start", "end", "sentence"]),
    ("quantities", &["article_id", "kind", "value", "unit", "text", "approx", "start", "end", "sentence"]),
    ("dates", &["article_id", "value", "precision", "text", "relative", "start", "end", "sentence", "hijri"]),
    (
        "incidents",
        &[
            "article_id", "sentence", "type", "mode", "modality", "source_actor", "source_name", "source_agent", "target_actor", "target_name",
            "target_agent", "date", "date_precision", "date_text", "place_text", "place_name", "place_country", "place_lat", "place_lon",
            "trigger", "evidence", "start", "end", "gloss",
        ],
    ),
];
const BANDS: usize = 0;
const MENTIONS: usize = 1;
const QUANTITIES: usize = 2;
const DATES: usize = 3;
const INCIDENTS: usize = 4;

/// What a batch has stored but not yet written: the rows of [`CHILD_TABLES`] and the search
/// index entries. Written per table in one go ([`Db::insert_many`]: one `COPY` on PostgreSQL)
/// at commit or before a read, instead of a statement per article and table. On SQLite this
/// also keeps FTS5 from flushing its in-memory index to disk after every article (every
/// statement that opens a statement journal makes it flush): one flush per batch.
#[derive(Default)]
struct Pending {
    rows: [Vec<Vec<Val>>; 5],
    /// (article id, search forms of the title, of the text)
    search: Vec<(i64, String, String)>,
    /// The batch's own articles by LSH band: band → indexes into `articles`.
    by_band: std::collections::HashMap<i64, Vec<usize>>,
    /// (article id, cluster id, signature) of the batch's articles.
    articles: Vec<(i64, i64, Vec<u32>)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.search.is_empty() && self.rows.iter().all(Vec::is_empty)
    }

    fn clear(&mut self) {
        *self = Pending::default();
    }
}

pub(crate) fn sig_blob(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn blob_sig(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Most articles one search-index statement carries.
const SEARCH_ROWS_PER_INSERT: usize = 100;

/// Adds one article's title and text to the search index.
pub(crate) fn index_article(db: &dyn Db, id: i64, title: &str, text: &str) -> Result<()> {
    let (t, b) = (crate::search::index_text(title), crate::search::index_text(text));
    index_forms(db, &[(id, t, b)])
}

/// Adds articles' search forms (`crate::search::index_text` of title and text) to the index:
/// one prepared single-row statement per article on SQLite, multi-row statements on
/// PostgreSQL (the `tsvector` is computed by the server).
fn index_forms(db: &dyn Db, docs: &[(i64, String, String)]) -> Result<()> {
    match db.dialect() {
        Dialect::Sqlite => {
            for (id, t, b) in docs {
                db.exec("INSERT INTO article_fts (rowid, title, body) VALUES (?1, ?2, ?3)", vals![*id, t, b])?;
            }
        }
        Dialect::Postgres => {
            for chunk in docs.chunks(SEARCH_ROWS_PER_INSERT) {
                let mut sql = String::from("INSERT INTO article_search (article_id, doc) VALUES ");
                let mut params = Vec::with_capacity(chunk.len() * 3);
                for (i, (id, t, b)) in chunk.iter().enumerate() {
                    let k = i * 3;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "(?{}, setweight(to_tsvector('simple', ?{}), 'A') || setweight(to_tsvector('simple', ?{}), 'D'))",
                        k + 1,
                        k + 2,
                        k + 3
                    ));
                    params.extend([Val::Int(*id), Val::Text(t.clone()), Val::Text(b.clone())]);
                }
                db.exec(&sql, &params)?;
            }
        }
    }
    Ok(())
}

/// The events a report may join: same type and actors, and a time window or the same story
/// (`find_event`), for a key whose source and target are (`true`) or are not known. An unknown
/// side is `IS NULL` and a known one `=`, both of which the index on (type, source, target)
/// serves on both databases, where PostgreSQL cannot use it for `IS NOT DISTINCT FROM` and
/// read every event of the type (a millisecond per report on the bulk corpus, growing with it).
pub(crate) fn find_event_sql(source_known: bool, target_known: bool) -> &'static str {
    macro_rules! q {
        ($src:literal, $tgt:literal) => {
            concat!(
                "SELECT e.id, e.date_source, e.date, e.date_precision, e.date_start, e.date_end,
        EXISTS (SELECT 1 FROM event_mentions m WHERE m.event_id = e.id AND m.article_id = ?4),
        EXISTS (SELECT 1 FROM event_mentions m JOIN articles a ON a.id = m.article_id WHERE m.event_id = e.id AND a.cluster_id = ?5)
 FROM events e
 WHERE e.type = ?1 AND ",
                $src,
                " AND ",
                $tgt,
                "
   AND ((e.date_end >= ?6 AND e.date_start <= ?7)
        OR e.id IN (SELECT m.event_id FROM event_mentions m JOIN articles a ON a.id = m.article_id WHERE a.cluster_id = ?5))
 ORDER BY e.id"
            )
        };
    }
    match (source_known, target_known) {
        (true, true) => q!("e.source_actor = ?2", "e.target_actor = ?3"),
        (true, false) => q!("e.source_actor = ?2", "e.target_actor IS NULL AND CAST(?3 AS TEXT) IS NULL"),
        (false, true) => q!("e.source_actor IS NULL AND CAST(?2 AS TEXT) IS NULL", "e.target_actor = ?3"),
        (false, false) => q!("e.source_actor IS NULL AND CAST(?2 AS TEXT) IS NULL", "e.target_actor IS NULL AND CAST(?3 AS TEXT) IS NULL"),
    }
}

/// Most event ids one recount statement carries.
const RECOUNT_IDS: usize = 500;

fn candidate(r: &crate::db::Row) -> Result<Candidate> {
    Ok(Candidate { article: r.get(0)?, cluster: r.get(1)?, signature: blob_sig(&r.get::<Vec<u8>>(2)?) })
}

impl<D: Db> SqlStore<D> {
    /// `out` (stored candidates, by id) with the open batch's own articles sharing a band,
    /// whose bands are not written yet; each article once, by id.
    fn with_pending_candidates(&self, mut out: Vec<Candidate>, bands: &[i64]) -> Vec<Candidate> {
        let mut mine: Vec<usize> = bands.iter().filter_map(|b| self.pending.by_band.get(b)).flatten().copied().collect();
        if !mine.is_empty() {
            mine.sort_unstable();
            mine.dedup();
            out.extend(mine.into_iter().map(|i| {
                let (article, cluster, sig) = &self.pending.articles[i];
                Candidate { article: *article, cluster: *cluster, signature: sig.clone() }
            }));
            out.sort_by_key(|c| c.article);
            out.dedup_by_key(|c| c.article);
        }
        out
    }

    pub(crate) fn new(db: D) -> SqlStore<D> {
        SqlStore { db, in_batch: false, touched: BTreeSet::new(), pending: Pending::default() }
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

    /// Recounts the events the batch touched, a few hundred per statement.
    fn recount(&mut self) -> Result<()> {
        let ids: Vec<Val> = std::mem::take(&mut self.touched).into_iter().map(Val::Int).collect();
        for chunk in ids.chunks(RECOUNT_IDS) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            self.db().exec(
                &format!(
                    "UPDATE events SET
                        num_mentions = (SELECT count(*) FROM event_mentions WHERE event_id = events.id),
                        num_articles = (SELECT count(DISTINCT article_id) FROM event_mentions WHERE event_id = events.id),
                        num_sources = (SELECT count(DISTINCT coalesce(s.source, '')) FROM event_mentions em
                                       JOIN sightings s ON s.article_id = em.article_id WHERE em.event_id = events.id)
                     WHERE id IN ({})",
                    marks.join(", ")
                ),
                chunk,
            )?;
        }
        Ok(())
    }

    /// Writes the batch's pending child rows and search entries, then recounts the events it
    /// touched, so that reads see everything the batch stored.
    fn sync(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            let p = std::mem::take(&mut self.pending);
            for ((table, cols), rows) in CHILD_TABLES.iter().zip(&p.rows) {
                self.db.insert_many(table, cols, rows)?;
            }
            index_forms(&self.db, &p.search)?;
            // the batch's own bands are in lsh_bands now: candidates read them from there
        }
        self.pending.clear();
        self.recount()
    }

    /// The event a new report with `key` and time `r`, from article `aid` in story `cluster`,
    /// joins (merge.rs): same type and actors and compatible times. Prefers an event of exactly
    /// the same time, then the oldest.
    fn find_event(&self, key: &EventKey, r: &Time, aid: i64, cluster: i64) -> Result<Option<i64>> {
        let (lo, hi) = search_window(r).unwrap_or_else(|| ("9999".into(), "0000".into()));
        let rows = self.db().rows(
            find_event_sql(key.source.is_some(), key.target.is_some()),
            vals![&key.event_type, &key.source, &key.target, aid, cluster, lo, hi],
        )?;
        let unknown_side = key.source.is_none() || key.target.is_none();
        let mut cands = Vec::with_capacity(rows.len());
        for row in &rows {
            let t = Time {
                source: row.get::<Option<String>>(1)?.unwrap_or_else(|| "none".into()),
                date: row.get(2)?,
                precision: row.get(3)?,
                start: row.get(4)?,
                end: row.get(5)?,
            };
            cands.push((row.get::<i64>(0)?, t, Relation { same_article: row.get(6)?, same_story: row.get(7)?, unknown_side }));
        }
        Ok(choose(r, &cands))
    }

    /// Recomputes an event's time from its reports (never from the latest report alone).
    fn redate(&self, id: i64) -> Result<()> {
        let times = mention_times(self.db(), id)?;
        let t = aggregate(&times);
        self.db().exec(
            "UPDATE events SET date = ?1, date_precision = ?2, date_source = ?3, date_start = ?4, date_end = ?5 WHERE id = ?6",
            vals![&t.date, &t.precision, &t.source, &t.start, &t.end, id],
        )?;
        Ok(())
    }
}

impl<D: Db> SqlStore<D> {
    fn rebuild_in_batch(&mut self) -> Result<Rebuilt> {
        let mut out = Rebuilt::default();
        let c = self.db();
        // sources: every sighting's raw field read again
        for r in c.rows("SELECT id, coalesce(source_raw, source), source, author FROM sightings ORDER BY id", &[])? {
            let (id, raw, old, old_author): (i64, Option<String>, Option<String>, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let n = crate::sources::normalise(raw.as_deref());
            if n.source != old || n.author != old_author {
                out.sources_changed += 1;
                c.exec("UPDATE sightings SET source = ?1, author = ?2, source_raw = ?3 WHERE id = ?4", vals![&n.source, &n.author, &raw, id])?;
            }
        }
        c.exec(
            "UPDATE articles SET source = (SELECT s.source FROM sightings s WHERE s.article_id = articles.id ORDER BY s.id LIMIT 1),
                                 author = (SELECT s.author FROM sightings s WHERE s.article_id = articles.id ORDER BY s.id LIMIT 1)",
            &[],
        )?;
        // every report with its key, its time and its article's story
        let rows = c.rows(
            "SELECT m.id, m.event_id, m.article_id, m.date, m.date_text, m.modality, m.date_source, m.date_start, m.date_end,
                    e.type, e.source_actor, e.target_actor, a.published, a.reference_date, a.cluster_id, a.content_hash,
                    m.sentence, m.start
             FROM event_mentions m JOIN events e ON e.id = m.event_id JOIN articles a ON a.id = m.article_id",
            &[],
        )?;
        struct Report {
            id: i64,
            old_event: i64,
            article: i64,
            cluster: i64,
            key: (String, Option<String>, Option<String>),
            time: Time,
            /// The stored time differs from `time` (a report stored before version 4).
            retime: bool,
            order: (Vec<u8>, i64, i64),
        }
        let mut reports = Vec::with_capacity(rows.len());
        for r in &rows {
            let (date, date_text, modality): (Option<String>, Option<String>, String) = (r.get(3)?, r.get(4)?, r.get(5)?);
            let (ds, dst, den): (Option<String>, Option<String>, Option<String>) = (r.get(6)?, r.get(7)?, r.get(8)?);
            let given = match (&ds, &dst, &den) {
                (Some(s), Some(a), Some(b)) => Some((s.as_str(), a.as_str(), b.as_str())),
                _ => None,
            };
            let (published, reference): (Option<String>, Option<String>) = (r.get(12)?, r.get(13)?);
            let time = report_time(date.as_deref(), date_text.as_deref(), &modality, given, published.as_deref(), reference.as_deref());
            let retime = (Some(&time.source), &time.start, &time.end) != (ds.as_ref(), &dst, &den);
            reports.push(Report {
                retime,
                id: r.get(0)?,
                old_event: r.get(1)?,
                article: r.get(2)?,
                cluster: r.get(14)?,
                key: (r.get(9)?, r.get(10)?, r.get(11)?),
                time,
                order: (r.get(15)?, r.get(16)?, r.get(17)?),
            });
        }
        out.mentions = reports.len();
        out.events_before = c.one::<i64>("SELECT count(*) FROM events", &[])? as usize;
        // a canonical order (key, time, article content, place in it): the result does not
        // depend on the order the articles were stored in
        reports.sort_by(|a, b| (&a.key, crate::merge::rank(&a.time), &a.time.start, &a.order).cmp(&(&b.key, crate::merge::rank(&b.time), &b.time.start, &b.order)));
        struct Group {
            members: Vec<usize>,
            articles: BTreeSet<i64>,
            clusters: BTreeSet<i64>,
            time: Time,
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut by_key: std::collections::HashMap<&(String, Option<String>, Option<String>), Vec<usize>> = std::collections::HashMap::new();
        for (i, r) in reports.iter().enumerate() {
            let unknown_side = r.key.1.is_none() || r.key.2.is_none();
            let gs = by_key.entry(&r.key).or_default();
            let cands: Vec<(i64, Time, Relation)> = gs
                .iter()
                .map(|&g| {
                    let gr = &groups[g];
                    (g as i64, gr.time.clone(), Relation { same_article: gr.articles.contains(&r.article), same_story: gr.clusters.contains(&r.cluster), unknown_side })
                })
                .collect();
            match choose(&r.time, &cands) {
                Some(g) => {
                    let g = &mut groups[g as usize];
                    g.members.push(i);
                    g.articles.insert(r.article);
                    g.clusters.insert(r.cluster);
                    g.time = aggregate(g.members.iter().map(|&m| &reports[m].time));
                }
                None => {
                    gs.push(groups.len());
                    groups.push(Group { members: vec![i], articles: [r.article].into(), clusters: [r.cluster].into(), time: r.time.clone() });
                }
            }
        }
        // write back: a group keeps the smallest old id among its reports' events still free
        let mut taken = BTreeSet::new();
        for g in &groups {
            let olds: BTreeSet<i64> = g.members.iter().map(|&m| reports[m].old_event).collect();
            let template = *olds.iter().next().expect("a group has a report");
            let first_article = *g.articles.iter().next().expect("a group has an article");
            let id = match olds.iter().find(|o| !taken.contains(*o)) {
                Some(&o) => o,
                None => c.one(
                    "INSERT INTO events (type, source_actor, target_actor, source_name, target_name, mode, gloss, first_article)
                     SELECT type, source_actor, target_actor, source_name, target_name, mode, gloss, ?2 FROM events WHERE id = ?1 RETURNING id",
                    vals![template, first_article],
                )?,
            };
            taken.insert(id);
            let t = &g.time;
            c.exec(
                "UPDATE events SET date = ?1, date_precision = ?2, date_source = ?3, date_start = ?4, date_end = ?5, first_article = ?6 WHERE id = ?7",
                vals![&t.date, &t.precision, &t.source, &t.start, &t.end, first_article, id],
            )?;
            for &m in &g.members {
                let r = &reports[m];
                if r.old_event != id {
                    out.mentions_moved += 1;
                } else if !r.retime {
                    continue;
                }
                c.exec(
                    "UPDATE event_mentions SET event_id = ?1, date_source = ?2, date_start = ?3, date_end = ?4 WHERE id = ?5",
                    vals![id, &r.time.source, &r.time.start, &r.time.end, r.id],
                )?;
            }
        }
        c.exec("DELETE FROM events WHERE id NOT IN (SELECT event_id FROM event_mentions)", &[])?;
        out.events_after = groups.len();
        let ids: Vec<i64> = c.column("SELECT id FROM events", &[])?;
        self.touched.extend(ids);
        Ok(out)
    }
}

/// The times of an event's reports.
fn mention_times(db: &dyn Db, event: i64) -> Result<Vec<Time>> {
    db.rows("SELECT date_source, date, date_precision, date_start, date_end FROM event_mentions WHERE event_id = ?1", vals![event])?
        .iter()
        .map(|r| {
            Ok(Time { source: r.get::<Option<String>>(0)?.unwrap_or_else(|| "none".into()), date: r.get(1)?, precision: r.get(2)?, start: r.get(3)?, end: r.get(4)? })
        })
        .collect()
}

/// The candidate a report joins among the compatible ones: of exactly the same time, else of
/// the same article, else of the same story, else the earliest, else the oldest — what the
/// events are, not the order they were stored in, decides.
pub(crate) fn choose(r: &Time, cands: &[(i64, Time, Relation)]) -> Option<i64> {
    cands
        .iter()
        .filter(|(_, t, rel)| compatible(r, t, *rel))
        .min_by_key(|(id, t, rel)| {
            let same_time = t.start == r.start && t.end == r.end && t.source == r.source;
            (!same_time, !rel.same_article, !rel.same_story, t.start.is_none(), t.start.clone(), *id)
        })
        .map(|c| c.0)
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
        if let Err(e) = self.sync() {
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
        self.pending.clear();
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
        let src = crate::sources::normalise(a.source);
        let n = self.db().exec(
            "INSERT INTO sightings (article_id, origin, ext_id, source, url, source_raw, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT DO NOTHING",
            vals![article, a.origin, a.ext_id, &src.source, a.url, a.source, &src.author],
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
        let out = rows.iter().map(candidate).collect::<Result<_>>()?;
        Ok(self.with_pending_candidates(out, bands))
    }

    fn lookup(&mut self, hash: &[u8; 16], bands: &[i64]) -> Result<Lookup> {
        // the stored article with this hash (kind 0) or, when there is none, the candidates
        // (kind 1), in one query
        let marks: Vec<String> = (2..bands.len() + 2).map(|i| format!("?{i}")).collect();
        let band_rows = if bands.is_empty() {
            String::new()
        } else {
            format!(
                " UNION ALL
                 SELECT 1, a.id, a.cluster_id, a.signature FROM articles a
                 WHERE a.id IN (SELECT article_id FROM lsh_bands WHERE band IN ({}))
                   AND NOT EXISTS (SELECT 1 FROM articles WHERE content_hash = ?1)",
                marks.join(", ")
            )
        };
        let mut params: Vec<Val> = vec![Val::Blob(hash.to_vec())];
        params.extend(bands.iter().map(|b| Val::Int(*b)));
        let rows = self.db().rows(&format!("SELECT 0, id, cluster_id, signature FROM articles WHERE content_hash = ?1{band_rows} ORDER BY 1, 2"), &params)?;
        if let Some(r) = rows.first().filter(|r| matches!(r.0.first(), Some(Val::Int(0)))) {
            return Ok(Lookup::Stored(r.get(1)?));
        }
        let out = rows.iter().map(|r| Ok(Candidate { article: r.get(1)?, cluster: r.get(2)?, signature: blob_sig(&r.get::<Vec<u8>>(3)?) })).collect::<Result<_>>()?;
        Ok(Lookup::New(self.with_pending_candidates(out, bands)))
    }

    fn insert(&mut self, a: &NewArticle, cluster: ClusterChoice) -> Result<Inserted> {
        self.need_batch()?;
        let art = &a.article;
        let x = &a.extracted;
        let c = self.db();
        let src = crate::sources::normalise(a.source.as_deref());
        let article_vals = vals![
            &art.id,
            &a.content_hash[..],
            &art.title,
            &art.published,
            &src.source,
            &art.url,
            &a.origin,
            &x.reference_date,
            &art.text,
            sig_blob(&a.signature),
            &src.author,
            &a.source
        ];
        let (aid, cluster_id, new_cluster) = match c.dialect() {
            Dialect::Sqlite => {
                let (cluster_id, new_cluster) = match cluster {
                    ClusterChoice::Join(id) => (id, false),
                    // representative is set right after the article row exists
                    ClusterChoice::New => (c.one::<i64>("INSERT INTO clusters (representative, size) VALUES (0, 0) RETURNING id", &[])?, true),
                };
                let mut params = article_vals[..11].to_vec();
                params.push(Val::Int(cluster_id));
                let aid: i64 = c.one(
                    "INSERT INTO articles (ext_id, content_hash, title, published, source, url, origin,
                                           reference_date, text, signature, author, cluster_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                    &params,
                )?;
                if new_cluster {
                    c.exec("UPDATE clusters SET representative = ?1, size = 1 WHERE id = ?2", vals![aid, cluster_id])?;
                } else {
                    c.exec("UPDATE clusters SET size = size + 1 WHERE id = ?1", vals![cluster_id])?;
                }
                c.exec(
                    "INSERT INTO sightings (article_id, origin, ext_id, source, url, source_raw, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    vals![aid, &a.origin, &art.id, &src.source, &art.url, &a.source, &src.author],
                )?;
                (aid, cluster_id, new_cluster)
            }
            // one statement, one round trip, for what SQLite does in four: the ids are drawn
            // first, then the cluster, the article and its sighting are written together
            // (foreign keys are checked at the statement's end)
            Dialect::Postgres => {
                let (cluster_sql, new_cluster) = match cluster {
                    ClusterChoice::New => (
                        "nextval(pg_get_serial_sequence('clusters', 'id'))",
                        true,
                    ),
                    ClusterChoice::Join(_) => ("CAST(?13 AS BIGINT)", false),
                };
                let cluster_write = if new_cluster {
                    "INSERT INTO clusters (id, representative, size) SELECT cid, aid, 1 FROM ids"
                } else {
                    "UPDATE clusters SET size = size + 1 WHERE id = (SELECT cid FROM ids)"
                };
                let sql = format!(
                    "WITH ids AS (SELECT nextval(pg_get_serial_sequence('articles', 'id')) AS aid, {cluster_sql} AS cid),
                     cl AS ({cluster_write}),
                     ar AS (INSERT INTO articles (id, cluster_id, ext_id, content_hash, title, published, source, url, origin,
                                                  reference_date, text, signature, author)
                            VALUES ((SELECT aid FROM ids), (SELECT cid FROM ids), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)),
                     si AS (INSERT INTO sightings (article_id, origin, ext_id, source, url, source_raw, author)
                            VALUES ((SELECT aid FROM ids), ?7, ?1, ?5, ?6, ?12, ?11))
                     SELECT aid, cid FROM ids"
                );
                let mut params = article_vals.to_vec();
                if let ClusterChoice::Join(id) = cluster {
                    params.push(Val::Int(id));
                }
                let row = c.row(&sql, &params)?.ok_or_else(|| StoreError::Decode("no row from the article insert".into()))?;
                (row.get::<i64>(0)?, row.get::<i64>(1)?, new_cluster)
            }
        };
        // the child rows wait for the batch's end (Pending): one bulk write per table and batch
        let p = &mut self.pending;
        let me = p.articles.len();
        p.articles.push((aid, cluster_id, a.signature.clone()));
        for b in &a.bands {
            p.rows[BANDS].push(vals![*b, aid].to_vec());
            let v = p.by_band.entry(*b).or_default();
            if v.last() != Some(&me) {
                v.push(me);
            }
        }
        p.rows[MENTIONS].extend(x.mentions.iter().map(|m| {
            vals![aid, &m.kind, &m.text, &m.actor, &m.name, &m.role, &m.country, m.lat, m.lon, &m.how, m.span.start, m.span.end, m.span.sentence].to_vec()
        }));
        p.rows[QUANTITIES]
            .extend(x.quantities.iter().map(|q| vals![aid, &q.kind, q.value, &q.unit, &q.text, q.approx, q.span.start, q.span.end, q.span.sentence].to_vec()));
        p.rows[DATES].extend(x.dates.iter().map(|d| vals![aid, &d.value, &d.precision, &d.text, d.relative, d.span.start, d.span.end, d.span.sentence, &d.hijri].to_vec()));
        // incidents (one side not named): one row per report, never merged, not events
        p.rows[INCIDENTS].extend(x.incidents.iter().map(|e| {
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
        }));
        let (t, b) = match &a.search_forms {
            Some((t, b)) => (t.clone(), b.clone()),
            None => (crate::search::index_text(art.title.as_deref().unwrap_or("")), crate::search::index_text(&art.text)),
        };
        p.search.push((aid, t, b));
        let mut res = Inserted { article: aid, cluster: cluster_id, new_cluster, incidents: x.incidents.len(), ..Default::default() };
        // the article's text-dated reports first, then those dated by the article, then the rest
        // (merge.rs: the order rebuild-events uses, so both find the same events)
        let mut reports: Vec<(&marsad_extract::Event, Time)> = x
            .events
            .iter()
            .map(|e| {
                let given = e.date_start.as_deref().zip(e.date_end.as_deref()).map(|(s, t)| (e.date_source.as_str(), s, t));
                (e, report_time(e.date.as_deref(), e.date_text.as_deref(), &e.modality, given, art.published.as_deref(), x.reference_date.as_deref()))
            })
            .collect();
        reports.sort_by_key(|(_, t)| crate::merge::rank(t));
        for (e, time) in reports {
            let key = EventKey::of(e);
            let joined = self.find_event(&key, &time, aid, cluster_id)?;
            let place = e.place.as_ref().map(|p| p.name.clone().unwrap_or_else(|| p.text.clone()));
            // the report's columns after event_id
            let mention = vals![
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
                e.place.as_ref().and_then(|p| p.lon),
                time.precision.as_ref().or(e.date_precision.as_ref()),
                &time.source,
                &time.start,
                &time.end
            ];
            const MENTION_COLS: &str = "event_id, article_id, sentence, start, \"end\", trigger, modality, mode,
                                        date, date_text, source_agent, target_agent, place, evidence, gloss,
                                        place_country, place_lat, place_lon, date_precision, date_source, date_start, date_end";
            // one report of event `eid`
            let insert_mention = |eid: i64| {
                let mut params = vec![Val::Int(eid)];
                params.extend_from_slice(mention);
                self.db().exec(
                    &format!(
                        "INSERT INTO event_mentions ({MENTION_COLS})
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"
                    ),
                    &params,
                )
            };
            let eid = match joined {
                Some(id) => {
                    res.events_merged += 1;
                    insert_mention(id)?;
                    id
                }
                None => {
                    let swapped = key.source != e.source.actor;
                    let (sn, tn) = if swapped { (&e.target.name, &e.source.name) } else { (&e.source.name, &e.target.name) };
                    res.events_added += 1;
                    let event = vals![&key.event_type, &key.source, &key.target, &time.date, &time.precision, sn, tn, &e.mode, &e.gloss, aid, &time.source, &time.start, &time.end];
                    const EVENT_INSERT: &str = "INSERT INTO events (type, source_actor, target_actor, date, date_precision, source_name,
                                             target_name, mode, gloss, first_article, date_source, date_start, date_end)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id";
                    match self.db.dialect() {
                        Dialect::Sqlite => {
                            let eid: i64 = self.db().one(EVENT_INSERT, event)?;
                            insert_mention(eid)?;
                            eid
                        }
                        // the event and its first report in one round trip
                        Dialect::Postgres => {
                            let mut params = event.to_vec();
                            params.extend_from_slice(mention);
                            self.db().one(
                                &format!(
                                    "WITH ev AS ({EVENT_INSERT}),
                                     em AS (INSERT INTO event_mentions ({MENTION_COLS})
                                            VALUES ((SELECT id FROM ev), ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34))
                                     SELECT id FROM ev"
                                ),
                                &params,
                            )?
                        }
                    }
                }
            };
            if joined.is_some() {
                // the event's time is its reports' (merge.rs), never the latest report's alone
                self.redate(eid)?;
            }
            self.touched.insert(eid);
        }
        Ok(res)
    }

    fn stats(&mut self, top: usize) -> Result<Stats> {
        self.sync()?;
        stats_of(self.db(), top)
    }

    fn events(&mut self, limit: usize) -> Result<Vec<StoredEvent>> {
        self.sync()?;
        let rows = self.db().rows(
            "SELECT id, type, source_actor, target_actor, date, num_mentions, num_articles, num_sources, gloss, date_source, date_start, date_end
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
                    date_source: r.get(9)?,
                    date_start: r.get(10)?,
                    date_end: r.get(11)?,
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

    fn as_db(&self) -> &dyn Db {
        &self.db
    }

    fn needs_rebuild(&mut self) -> Result<bool> {
        Ok(self.db().opt::<i64>("SELECT id FROM events WHERE date_source IS NULL LIMIT 1", &[])?.is_some())
    }

    fn rebuild_events(&mut self) -> Result<Rebuilt> {
        if self.in_batch {
            return Err(StoreError::BatchOpen);
        }
        self.begin()?;
        match self.rebuild_in_batch() {
            Ok(r) => {
                self.commit()?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.rollback();
                Err(e)
            }
        }
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
        events_unknown_side: one("SELECT count(*) FROM events WHERE source_actor IS NULL OR target_actor IS NULL")?,
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
    // directed types as source → target; symmetric types (CONSULT, AGREE, COOPERATE) as one
    // unordered pair, its codes in alphabetical order, whatever order the reports gave
    let sym = crate::SYMMETRIC_TYPES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    s.top_dyads = c
        .rows(
            &format!(
                "SELECT CASE WHEN type IN ({sym}) AND source_actor > target_actor THEN target_actor ELSE source_actor END,
                        CASE WHEN type IN ({sym}) AND source_actor > target_actor THEN source_actor ELSE target_actor END,
                        CAST(CASE WHEN type IN ({sym}) THEN 1 ELSE 0 END AS BIGINT),
                        count(*), CAST(sum(num_mentions) AS BIGINT) FROM events
                 WHERE source_actor IS NOT NULL AND target_actor IS NOT NULL
                 GROUP BY 1, 2, 3 ORDER BY 5 DESC, 4 DESC, 1, 2, 3 LIMIT ?1"
            ),
            vals![top],
        )?
        .iter()
        .map(|r| Ok(Dyad { source: r.get(0)?, target: r.get(1)?, symmetric: r.get::<i64>(2)? == 1, events: r.get(3)?, mentions: r.get(4)? }))
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

