//! Reads of incidents (issue 10): things that happened — an attack, an arrest, a protest —
//! where the text names only one side, or none (`ArticleOut::incidents`). They are stored one
//! row per report in their own table (schema version 4), never merged across articles and
//! never counted as events; these reads keep them apart: a page under filters
//! ([`incidents`]), every row for exports ([`incident_rows`]) and an article's own
//! ([`of_article`]).
//!
//! Filters are the event filters that make sense for one side: `q`, `actor`, `type`, `mode`,
//! `modality`, `country` (a named side or where it happened), `from`, `to`, `source` and
//! `article`; `dyad` is refused (an incident has no pair).

use crate::db::{Db, Dialect, Row, Val};
use crate::query::{BadParam, EventFilter, Page, Sort};
use crate::search::SearchQuery;
use crate::vals;
use crate::Result;
use serde::Serialize;

/// The parameter names [`filter_from_pairs`] reads.
pub const INCIDENT_FILTER_PARAMS: &[&str] = &["q", "actor", "type", "mode", "modality", "country", "from", "to", "source", "article"];

/// Reads an incident filter from query parameters: the event filter's parameters but `dyad`.
/// Keys in `also` (paging, format…) are left for the caller.
pub fn filter_from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, also: &[&str]) -> std::result::Result<EventFilter, BadParam> {
    let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    for (k, _) in &pairs {
        if *k == "dyad" {
            return Err(BadParam { name: "dyad".into(), message: "an incident names one side at most: filter by actor or country".into() });
        }
        if !INCIDENT_FILTER_PARAMS.contains(k) && !also.contains(k) {
            let mut known: Vec<&str> = INCIDENT_FILTER_PARAMS.to_vec();
            known.extend_from_slice(also);
            return Err(BadParam { name: k.chars().take(40).collect(), message: format!("unknown parameter; known: {}", known.join(", ")) });
        }
    }
    EventFilter::from_pairs(pairs, also)
}

/// SQL conditions of `f` on `incidents i`, with their parameters.
fn conditions(f: &EventFilter, d: Dialect, p: &mut Vec<Val>) -> String {
    let mut w: Vec<String> = vec!["1 = 1".into()];
    let mut add = |p: &mut Vec<Val>, cond: &str, vals: Vec<Val>| crate::query::bind(&mut w, p, cond, vals);
    let t = |s: &str| Val::Text(s.to_string());
    if let Some(q) = &f.q {
        if let Ok(sq) = SearchQuery::parse(q) {
            match d {
                Dialect::Sqlite => add(p, "i.article_id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?)", vec![t(&sq.fts())]),
                Dialect::Postgres => add(
                    p,
                    "i.article_id IN (SELECT article_id FROM article_search WHERE doc @@ to_tsquery('simple', CAST(? AS TEXT)))",
                    vec![t(&sq.tsquery())],
                ),
            }
        }
    }
    if let Some(a) = &f.actor {
        add(p, "(i.source_actor = ? OR i.target_actor = ?)", vec![t(a), t(a)]);
    }
    if let Some(x) = &f.event_type {
        add(p, "i.type = ?", vec![t(x)]);
    }
    if let Some(x) = &f.mode {
        add(p, "i.mode = ?", vec![t(x)]);
    }
    if let Some(x) = &f.modality {
        add(p, "i.modality = ?", vec![t(x)]);
    }
    if let Some(x) = &f.country {
        add(p, "(i.source_actor = ? OR i.target_actor = ? OR i.place_country = ?)", vec![t(x), t(x), t(x)]);
    }
    if let Some(x) = &f.from {
        add(p, "i.date >= substr(?, 1, length(i.date))", vec![t(x)]);
    }
    if let Some(x) = &f.to {
        add(p, "substr(i.date, 1, length(?)) <= ?", vec![t(x), t(x)]);
    }
    if let Some(x) = &f.source {
        add(p, "EXISTS (SELECT 1 FROM sightings s WHERE s.article_id = i.article_id AND s.source = ?)", vec![t(x)]);
    }
    if let Some(x) = f.article {
        add(p, "i.article_id = ?", vec![Val::Int(x)]);
    }
    if f.dyad.is_some() {
        // refused by filter_from_pairs; a filter built otherwise matches nothing
        w.push("1 = 0".into());
    }
    w.join(" AND ")
}

fn order(sort: Sort) -> &'static str {
    match sort {
        // incidents have no mention counts: most reported is the newest date
        Sort::DateDesc | Sort::Mentions | Sort::Relevance => "i.date IS NULL, i.date DESC, i.id DESC",
        Sort::DateAsc => "i.date IS NULL, i.date ASC, i.id ASC",
        Sort::Newest => "i.id DESC",
    }
}

/// Which side the text does not name: `source`, `target` or `both`. Violence or coercion
/// where the text names only one state, on both sides, is `source` (who did it is unsaid).
pub fn unnamed_side(source: Option<&str>, target: Option<&str>) -> &'static str {
    match (source, target) {
        (None, None) => "both",
        (None, Some(_)) => "source",
        (Some(_), None) => "target",
        (Some(_), Some(_)) => "source",
    }
}

/// One incident, with the article that reported it. Column names follow the event export
/// (docs/export.md) where they mean the same.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncidentRow {
    pub incident_id: i64,
    pub event_date: Option<String>,
    pub date_precision: Option<String>,
    pub date_text: Option<String>,
    pub event_type: String,
    pub event_mode: Option<String>,
    pub modality: String,
    /// `source`, `target` or `both`: the side the text does not name.
    pub unnamed_side: String,
    pub actor1_code: Option<String>,
    pub actor1_name: Option<String>,
    pub actor1_agent: Option<String>,
    pub actor2_code: Option<String>,
    pub actor2_name: Option<String>,
    pub actor2_agent: Option<String>,
    /// The place as written.
    pub place_text: Option<String>,
    pub action_geo_fullname: Option<String>,
    pub action_geo_country_code: Option<String>,
    pub action_geo_lat: Option<f64>,
    pub action_geo_long: Option<f64>,
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub article_id: i64,
    pub article_title: Option<String>,
    pub published: Option<String>,
    pub trigger: String,
    pub trigger_start: i64,
    pub trigger_end: i64,
    /// The sentence it was read from.
    pub sentence: String,
    pub gloss: String,
    /// When the article was stored.
    pub added_at: String,
}

const COLS: &str = "i.id, i.date, i.date_precision, i.date_text, i.type, i.mode, i.modality,
    i.source_actor, i.source_name, i.source_agent, i.target_actor, i.target_name, i.target_agent,
    i.place_text, coalesce(i.place_name, i.place_text), i.place_country, i.place_lat, i.place_lon,
    a.url, a.source, a.id, a.title, a.published, i.trigger, i.start, i.\"end\", i.evidence, i.gloss, a.ingested_at";

fn row(r: &Row) -> Result<IncidentRow> {
    let (s, t): (Option<String>, Option<String>) = (r.get(7)?, r.get(10)?);
    Ok(IncidentRow {
        incident_id: r.get(0)?,
        event_date: r.get(1)?,
        date_precision: r.get(2)?,
        date_text: r.get(3)?,
        event_type: r.get(4)?,
        event_mode: r.get(5)?,
        modality: r.get(6)?,
        unnamed_side: unnamed_side(s.as_deref(), t.as_deref()).to_string(),
        actor1_code: s,
        actor1_name: r.get(8)?,
        actor1_agent: r.get(9)?,
        actor2_code: t,
        actor2_name: r.get(11)?,
        actor2_agent: r.get(12)?,
        place_text: r.get(13)?,
        action_geo_fullname: r.get(14)?,
        action_geo_country_code: r.get(15)?,
        action_geo_lat: r.get(16)?,
        action_geo_long: r.get(17)?,
        source_url: r.get(18)?,
        source_name: r.get(19)?,
        article_id: r.get(20)?,
        article_title: r.get(21)?,
        published: r.get(22)?,
        trigger: r.get(23)?,
        trigger_start: r.get(24)?,
        trigger_end: r.get(25)?,
        sentence: r.get(26)?,
        gloss: r.get(27)?,
        added_at: r.get(28)?,
    })
}

/// A page of incidents and how many match in all.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncidentPage {
    pub total: i64,
    pub limit: usize,
    pub offset: usize,
    pub incidents: Vec<IncidentRow>,
}

/// Incidents matching `f`, one page.
pub fn incidents(c: &dyn Db, f: &EventFilter, page: &Page) -> Result<IncidentPage> {
    let mut p = Vec::new();
    let w = conditions(f, c.dialect(), &mut p);
    let total: i64 = c.one(&format!("SELECT count(*) FROM incidents i WHERE {w}"), &p)?;
    let incidents = incident_rows(c, f, page.sort, page.limit as i64, page.offset as i64)?;
    Ok(IncidentPage { total, limit: page.limit, offset: page.offset, incidents })
}

/// Every incident matching `f` (for exports), `limit` at most, in `sort` order.
pub fn incident_rows(c: &dyn Db, f: &EventFilter, sort: Sort, limit: i64, offset: i64) -> Result<Vec<IncidentRow>> {
    let mut p = Vec::new();
    let w = conditions(f, c.dialect(), &mut p);
    let n = p.len();
    p.push(Val::Int(limit));
    p.push(Val::Int(offset));
    let sql = format!(
        "SELECT {COLS} FROM incidents i JOIN articles a ON a.id = i.article_id WHERE {w} ORDER BY {} LIMIT ?{} OFFSET ?{}",
        order(sort),
        n + 1,
        n + 2
    );
    c.rows(&sql, &p)?.iter().map(row).collect()
}

/// One incident in its article (the article view).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleIncident {
    pub incident_id: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub mode: Option<String>,
    pub modality: String,
    /// `source`, `target` or `both`: the side the text does not name.
    pub unnamed_side: String,
    pub source_actor: Option<String>,
    pub source_name: Option<String>,
    pub target_actor: Option<String>,
    pub target_name: Option<String>,
    pub date: Option<String>,
    pub date_text: Option<String>,
    pub place: Option<String>,
    pub place_country: Option<String>,
    pub trigger: String,
    pub start: i64,
    pub end: i64,
    pub sentence: i64,
    pub evidence: String,
    pub gloss: String,
}

/// The incidents of one article, in text order.
pub fn of_article(c: &dyn Db, article: i64) -> Result<Vec<ArticleIncident>> {
    c.rows(
        "SELECT id, type, mode, modality, source_actor, source_name, target_actor, target_name, date, date_text,
                coalesce(place_name, place_text), place_country, trigger, start, \"end\", sentence, evidence, gloss
         FROM incidents WHERE article_id = ?1 ORDER BY start, id",
        vals![article],
    )?
    .iter()
    .map(|r| {
        let (s, t): (Option<String>, Option<String>) = (r.get(4)?, r.get(6)?);
        Ok(ArticleIncident {
            incident_id: r.get(0)?,
            event_type: r.get(1)?,
            mode: r.get(2)?,
            modality: r.get(3)?,
            unnamed_side: unnamed_side(s.as_deref(), t.as_deref()).to_string(),
            source_actor: s,
            source_name: r.get(5)?,
            target_actor: t,
            target_name: r.get(7)?,
            date: r.get(8)?,
            date_text: r.get(9)?,
            place: r.get(10)?,
            place_country: r.get(11)?,
            trigger: r.get(12)?,
            start: r.get(13)?,
            end: r.get(14)?,
            sentence: r.get(15)?,
            evidence: r.get(16)?,
            gloss: r.get(17)?,
        })
    })
    .collect()
}
