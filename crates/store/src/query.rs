//! Reads for serving, searching and exporting: events under a filter, timelines, the dyad
//! network, actors, articles with every extracted span, search hits, and standing queries
//! (subscriptions) with their webhook cursor. Every function takes any [`Db`] connection
//! (SQLite or PostgreSQL); the readers never write, so a read-only connection serves them.
//!
//! Filters and paging are validated here ([`EventFilter::from_pairs`], [`Page::from_pairs`]),
//! so the command line and the HTTP API refuse the same bad input with the same message.
//! Values only ever reach SQL as bound parameters.

use crate::search::{snippet, SearchQuery, Snippet};
use crate::{Result, StoreError};
use crate::db::{Db, Dialect, Row, Val};
use crate::vals;
use serde::Serialize;

/// The PLOVER event types (docs/schema.md).
pub const EVENT_TYPES: &[&str] = &[
    "CONSULT", "AGREE", "SUPPORT", "COOPERATE", "AID", "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION",
    "MOBILIZE", "COERCE", "ASSAULT", "CONCEDE", "RETREAT",
];
/// Event modalities.
pub const MODALITIES: &[&str] = &["asserted", "planned", "negated", "hypothetical"];
/// Longest value any parameter may have (a search query may have [`MAX_Q`]).
pub const MAX_VALUE: usize = 200;
/// Longest search query, in characters.
pub const MAX_Q: usize = 500;
/// Most rows one page may hold.
pub const MAX_LIMIT: usize = 1000;
/// Furthest a page may start.
pub const MAX_OFFSET: usize = 100_000;

/// A parameter that cannot be used, and why (shown to the user as is).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parameter {name}: {message}")]
pub struct BadParam {
    pub name: String,
    pub message: String,
}

fn bad(name: &str, message: impl Into<String>) -> BadParam {
    BadParam { name: name.chars().take(40).collect(), message: message.into() }
}

/// Which events: every field set must hold. See `docs/serve.md`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct EventFilter {
    /// Full-text query over the articles that report the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Actor code on either side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Two actor codes, either direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dyad: Option<(String, String)>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Some report of the event has this modality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    /// A state on either side, or where the event took place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// First date (YYYY, YYYY-MM or YYYY-MM-DD), compared at the event date's precision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A publisher that reported the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// An article (store id) that reported the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<i64>,
}

/// The parameter names [`EventFilter::from_pairs`] reads.
pub const FILTER_PARAMS: &[&str] = &["q", "actor", "dyad", "type", "mode", "modality", "country", "from", "to", "source", "article"];

fn code(name: &str, v: &str) -> std::result::Result<String, BadParam> {
    let v = v.trim();
    if v.is_empty() || v.len() > 40 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_' || c == '.') {
        return Err(bad(name, "expected an actor code such as RUS, IGO:UN or NSA:HAMAS"));
    }
    Ok(v.to_ascii_uppercase())
}

fn date(name: &str, v: &str) -> std::result::Result<String, BadParam> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7) && (1..=12).contains(&v[5..7].parse::<u8>().unwrap_or(0)),
        10 => {
            digits(0..4)
                && b[4] == b'-'
                && digits(5..7)
                && b[7] == b'-'
                && digits(8..10)
                && (1..=12).contains(&v[5..7].parse::<u8>().unwrap_or(0))
                && (1..=days_in_month(v[0..4].parse().unwrap_or(0), v[5..7].parse().unwrap_or(0))).contains(&v[8..10].parse::<u8>().unwrap_or(0))
        }
        _ => false,
    };
    if ok { Ok(v.to_string()) } else { Err(bad(name, "expected a date YYYY, YYYY-MM or YYYY-MM-DD (a day that exists)")) }
}

/// Days of a month of the proleptic Gregorian calendar (2025-02-31 is no date).
fn days_in_month(year: u32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn check_len(name: &str, v: &str) -> std::result::Result<(), BadParam> {
    let max = if name == "q" { MAX_Q } else { MAX_VALUE };
    if v.chars().count() > max {
        return Err(bad(name, format!("longer than {max} characters")));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(bad(name, "control characters are not allowed"));
    }
    Ok(())
}

/// Rejects a key given twice.
fn once<'a>(seen: &mut Vec<&'a str>, k: &'a str) -> std::result::Result<(), BadParam> {
    if seen.contains(&k) {
        return Err(bad(k, "given more than once"));
    }
    seen.push(k);
    Ok(())
}


/// Adds condition `cond` to `w`, numbering each of its `?` after the parameters already in `p`
/// and binding `vals` to them in order.
pub(crate) fn bind(w: &mut Vec<String>, p: &mut Vec<Val>, cond: &str, vals: Vec<Val>) {
    let mut c = String::with_capacity(cond.len() + 8);
    let mut vals = vals.into_iter();
    for (i, part) in cond.split('?').enumerate() {
        if i > 0 {
            p.push(vals.next().expect("one value per placeholder"));
            c.push_str(&format!("?{}", p.len()));
        }
        c.push_str(part);
    }
    w.push(c);
}

impl EventFilter {
    /// Builds a filter from query parameters. Keys in `also` (paging, format…) are left for the
    /// caller; any other unknown key is an error, as is a malformed value.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, also: &[&str]) -> std::result::Result<EventFilter, BadParam> {
        let mut f = EventFilter::default();
        let mut seen = Vec::new();
        for (k, v) in pairs {
            if also.contains(&k) {
                continue;
            }
            if !FILTER_PARAMS.contains(&k) {
                let mut known: Vec<&str> = FILTER_PARAMS.to_vec();
                known.extend_from_slice(also);
                return Err(bad(k, format!("unknown parameter; known: {}", known.join(", "))));
            }
            once(&mut seen, k)?;
            check_len(k, v)?;
            if v.trim().is_empty() {
                continue; // an empty form field means no condition
            }
            match k {
                "q" => {
                    SearchQuery::parse(v).map_err(|e| bad("q", e.to_string()))?;
                    f.q = Some(v.to_string());
                }
                "actor" => f.actor = Some(code(k, v)?),
                "dyad" => {
                    let parts: Vec<&str> = v.split(['-', '–', ',', '/']).collect();
                    if parts.len() != 2 {
                        return Err(bad(k, "expected two actor codes such as RUS-KAZ"));
                    }
                    f.dyad = Some((code(k, parts[0])?, code(k, parts[1])?));
                }
                "type" => {
                    let t = v.trim().to_ascii_uppercase();
                    if !EVENT_TYPES.contains(&t.as_str()) {
                        return Err(bad(k, format!("unknown event type; known: {}", EVENT_TYPES.join(", "))));
                    }
                    f.event_type = Some(t);
                }
                "mode" => {
                    let m = v.trim().to_ascii_lowercase();
                    if m.len() > 40 || !m.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ' ') {
                        return Err(bad(k, "expected a PLOVER mode such as visit, host, sign"));
                    }
                    f.mode = Some(m);
                }
                "modality" => {
                    let m = v.trim().to_ascii_lowercase();
                    if !MODALITIES.contains(&m.as_str()) {
                        return Err(bad(k, format!("expected one of {}", MODALITIES.join(", "))));
                    }
                    f.modality = Some(m);
                }
                "country" => f.country = Some(code(k, v)?),
                "from" => f.from = Some(date(k, v.trim())?),
                "to" => f.to = Some(date(k, v.trim())?),
                "source" => f.source = Some(v.trim().to_string()),
                "article" => {
                    f.article = Some(v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| bad(k, "expected an article id (a positive integer)"))?)
                }
                _ => unreachable!("FILTER_PARAMS are all handled"),
            }
        }
        // from after to is an empty range: nothing matches (the API's description allows it)
        Ok(f)
    }

    /// The filter as query parameters (inverse of [`EventFilter::from_pairs`]).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        let mut put = |k: &'static str, x: &Option<String>| {
            if let Some(x) = x {
                v.push((k, x.clone()));
            }
        };
        put("q", &self.q);
        put("actor", &self.actor);
        put("dyad", &self.dyad.as_ref().map(|(a, b)| format!("{a}-{b}")));
        put("type", &self.event_type);
        put("mode", &self.mode);
        put("modality", &self.modality);
        put("country", &self.country);
        put("from", &self.from);
        put("to", &self.to);
        put("source", &self.source);
        put("article", &self.article.map(|a| a.to_string()));
        v
    }

    /// SQL conditions on `events e`, with their parameters.
    fn sql(&self, d: Dialect, p: &mut Vec<Val>) -> String {
        let mut w: Vec<String> = vec!["1 = 1".into()];
        let mut add = |p: &mut Vec<Val>, cond: &str, vals: Vec<Val>| bind(&mut w, p, cond, vals);
        let t = |s: &str| Val::Text(s.to_string());
        if let Some(q) = &self.q {
            if let Ok(sq) = SearchQuery::parse(q) {
                match d {
                    Dialect::Sqlite => add(
                        p,
                        "e.id IN (SELECT em.event_id FROM event_mentions em WHERE em.article_id IN \
                         (SELECT rowid FROM article_fts WHERE article_fts MATCH ?))",
                        vec![t(&sq.fts())],
                    ),
                    Dialect::Postgres => add(
                        p,
                        "e.id IN (SELECT em.event_id FROM event_mentions em WHERE em.article_id IN \
                         (SELECT article_id FROM article_search WHERE doc @@ to_tsquery('simple', CAST(? AS TEXT))))",
                        vec![t(&sq.tsquery())],
                    ),
                }
            }
        }
        if let Some(a) = &self.actor {
            add(p, "(e.source_actor = ? OR e.target_actor = ?)", vec![t(a), t(a)]);
        }
        if let Some((a, b)) = &self.dyad {
            add(p, "((e.source_actor = ? AND e.target_actor = ?) OR (e.source_actor = ? AND e.target_actor = ?))", vec![t(a), t(b), t(b), t(a)]);
        }
        if let Some(x) = &self.event_type {
            add(p, "e.type = ?", vec![t(x)]);
        }
        if let Some(x) = &self.mode {
            add(p, "(e.mode = ? OR EXISTS (SELECT 1 FROM event_mentions em WHERE em.event_id = e.id AND em.mode = ?))", vec![t(x), t(x)]);
        }
        if let Some(x) = &self.modality {
            add(p, "EXISTS (SELECT 1 FROM event_mentions em WHERE em.event_id = e.id AND em.modality = ?)", vec![t(x)]);
        }
        if let Some(x) = &self.country {
            add(
                p,
                "(e.source_actor = ? OR e.target_actor = ? OR EXISTS (SELECT 1 FROM event_mentions em WHERE em.event_id = e.id AND em.place_country = ?))",
                vec![t(x), t(x), t(x)],
            );
        }
        // the event's days [date_start, date_end] overlap [from, to] (a store not yet rebuilt
        // for version 4: its text date, at its precision)
        if let Some(x) = &self.from {
            add(p, "coalesce(e.date_end, e.date) >= substr(?, 1, length(coalesce(e.date_end, e.date)))", vec![t(x)]);
        }
        if let Some(x) = &self.to {
            add(p, "substr(coalesce(e.date_start, e.date), 1, length(?)) <= ?", vec![t(x), t(x)]);
        }
        if let Some(x) = &self.source {
            add(
                p,
                "EXISTS (SELECT 1 FROM event_mentions em JOIN sightings s ON s.article_id = em.article_id WHERE em.event_id = e.id AND s.source = ?)",
                vec![t(x)],
            );
        }
        if let Some(x) = self.article {
            add(p, "EXISTS (SELECT 1 FROM event_mentions em WHERE em.event_id = e.id AND em.article_id = ?)", vec![Val::Int(x)]);
        }
        w.join(" AND ")
    }
}

/// Event order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest event date first (undated last), then newest id.
    #[default]
    DateDesc,
    DateAsc,
    /// Most mentioned first.
    Mentions,
    /// Most recently added first.
    Newest,
    /// Under a search (`q`): the event whose reporting articles match it best first (the
    /// best BM25 of its articles on SQLite, ts_rank on PostgreSQL, as `/api/search` ranks
    /// them), then newest date. Without `q`, as [`Sort::DateDesc`].
    Relevance,
}

impl Sort {
    fn sql(self) -> &'static str {
        match self {
            // by the first day the event may have taken place (every event with a text date,
            // dateline or publication date has one), else the text date of a store not rebuilt
            Sort::DateDesc => "coalesce(e.date_start, e.date) IS NULL, coalesce(e.date_start, e.date) DESC, e.id DESC",
            Sort::DateAsc => "coalesce(e.date_start, e.date) IS NULL, coalesce(e.date_start, e.date) ASC, e.id ASC",
            Sort::Mentions => "e.num_mentions DESC, e.id DESC",
            Sort::Newest => "e.id DESC",
            Sort::Relevance => Sort::DateDesc.sql(),
        }
    }
}

/// Which page of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
    pub sort: Sort,
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 50, offset: 0, sort: Sort::DateDesc }
    }
}

/// The parameter names [`Page::from_pairs`] reads.
pub const PAGE_PARAMS: &[&str] = &["limit", "offset", "sort"];

impl Page {
    /// Reads `limit` (1–1000), `offset` (0–100000) and `sort` (`-date`, `date`, `-mentions`,
    /// `-id`) from query parameters, ignoring the others.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> std::result::Result<Page, BadParam> {
        let mut pg = Page::default();
        let mut seen = Vec::new();
        for (k, v) in pairs {
            match k {
                "limit" => {
                    once(&mut seen, k)?;
                    pg.limit = v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| bad(k, format!("expected an integer from 1 to {MAX_LIMIT}")))?
                }
                "offset" => {
                    once(&mut seen, k)?;
                    pg.offset = v.parse().ok().filter(|n| *n <= MAX_OFFSET).ok_or_else(|| bad(k, format!("expected an integer from 0 to {MAX_OFFSET}")))?
                }
                "sort" => {
                    once(&mut seen, k)?;
                    pg.sort = match v {
                        "-date" | "" => Sort::DateDesc,
                        "date" => Sort::DateAsc,
                        "-mentions" | "mentions" => Sort::Mentions,
                        "-id" | "newest" => Sort::Newest,
                        "relevance" | "-relevance" => Sort::Relevance,
                        _ => return Err(bad(k, "expected -date, date, -mentions, -id or relevance")),
                    }
                }
                _ => {}
            }
        }
        Ok(pg)
    }
}

/// One event, with the report it is shown by (its first, or for a subscription the new one).
/// Field names follow GDELT/POLECAT where they mean the same (docs/export.md).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRow {
    pub event_id: i64,
    pub event_date: Option<String>,
    pub date_precision: Option<String>,
    /// First and last day the event may have taken place (`YYYY-MM-DD`; DATE in Parquet).
    pub date_start: Option<String>,
    pub date_end: Option<String>,
    /// `text`, `dateline`, `published` or `none`.
    pub date_source: Option<String>,
    pub event_type: String,
    pub event_mode: Option<String>,
    /// CAMEO root code, QuadClass and Goldstein intensity of the type and mode (cameo.rs).
    pub cameo_root: Option<String>,
    pub quad_class: Option<i64>,
    pub intensity: Option<f64>,
    pub modality: String,
    pub actor1_code: Option<String>,
    pub actor1_name: Option<String>,
    pub actor1_agent: Option<String>,
    pub actor2_code: Option<String>,
    pub actor2_name: Option<String>,
    pub actor2_agent: Option<String>,
    pub action_geo_fullname: Option<String>,
    pub action_geo_country_code: Option<String>,
    pub action_geo_lat: Option<f64>,
    pub action_geo_long: Option<f64>,
    /// The place's kind in the gazetteer (`capital`, `city`, `region`, `sea`…).
    pub action_geo_feature_class: Option<String>,
    /// The sector of each side (sector.rs): GOV, MIL, REB, MED, BUS…
    pub actor1_sector: Option<String>,
    pub actor2_sector: Option<String>,
    /// For ASSAULT: the count of the dead its sentence carries (fatalities.rs).
    pub fatalities: Option<i64>,
    pub num_mentions: i64,
    pub num_sources: i64,
    pub num_articles: i64,
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub article_id: i64,
    pub article_title: Option<String>,
    pub published: Option<String>,
    pub trigger: String,
    /// Character span of the trigger in the article.
    pub trigger_start: i64,
    pub trigger_end: i64,
    /// The sentence the event was read from.
    pub sentence: String,
    pub gloss: String,
    /// When the article was stored.
    pub added_at: String,
    /// The event mention the row shows.
    pub mention_id: i64,
}

const ROW_COLS: &str = "e.id, e.date, e.date_precision, e.type, coalesce(e.mode, em.mode), em.modality,
    e.source_actor, e.source_name, em.source_agent, e.target_actor, e.target_name, em.target_agent,
    em.place, em.place_country, em.place_lat, em.place_lon, e.num_mentions, e.num_sources, e.num_articles,
    a.url, a.source, a.id, a.title, a.published, em.trigger, em.start, em.\"end\", em.evidence, e.gloss, a.ingested_at, em.id,
    e.date_start, e.date_end, e.date_source,
    (SELECT m.kind || '|' || coalesce(m.role, '') FROM mentions m WHERE m.article_id = em.article_id AND m.text = em.source_agent ORDER BY m.id LIMIT 1),
    (SELECT m.kind || '|' || coalesce(m.role, '') FROM mentions m WHERE m.article_id = em.article_id AND m.text = em.target_agent ORDER BY m.id LIMIT 1),
    (SELECT m.role FROM mentions m WHERE m.article_id = em.article_id AND m.kind = 'PLACE' AND (m.name = em.place OR m.text = em.place) ORDER BY m.id LIMIT 1),
    em.sentence";

/// What a row needs besides its columns to be completed ([`complete`]): the acting mentions'
/// `kind|role` and the sentence index.
struct Extra {
    agent1: Option<String>,
    agent2: Option<String>,
    sentence: i64,
}

fn event_row(r: &Row) -> Result<(EventRow, Extra)> {
    let (event_type, event_mode): (String, Option<String>) = (r.get(3)?, r.get(4)?);
    let cameo = crate::cameo::of(&event_type, event_mode.as_deref());
    let extra = Extra { agent1: r.get(34)?, agent2: r.get(35)?, sentence: r.get(37)? };
    let row = EventRow {
        event_id: r.get(0)?,
        event_date: r.get(1)?,
        date_precision: r.get(2)?,
        date_start: r.get(31)?,
        date_end: r.get(32)?,
        date_source: r.get(33)?,
        cameo_root: cameo.map(|c| c.root.clone()),
        quad_class: cameo.map(|c| c.quad_class),
        intensity: cameo.and_then(|c| c.intensity),
        event_type,
        event_mode,
        modality: r.get(5)?,
        actor1_code: r.get(6)?,
        actor1_name: r.get(7)?,
        actor1_agent: r.get(8)?,
        actor2_code: r.get(9)?,
        actor2_name: r.get(10)?,
        actor2_agent: r.get(11)?,
        action_geo_fullname: r.get(12)?,
        action_geo_country_code: r.get(13)?,
        action_geo_lat: r.get(14)?,
        action_geo_long: r.get(15)?,
        action_geo_feature_class: r.get(36)?,
        actor1_sector: None,
        actor2_sector: None,
        fatalities: None,
        num_mentions: r.get(16)?,
        num_sources: r.get(17)?,
        num_articles: r.get(18)?,
        source_url: r.get(19)?,
        source_name: r.get(20)?,
        article_id: r.get(21)?,
        article_title: r.get(22)?,
        published: r.get(23)?,
        trigger: r.get(24)?,
        trigger_start: r.get(25)?,
        trigger_end: r.get(26)?,
        sentence: r.get(27)?,
        gloss: r.get(28)?,
        added_at: r.get(29)?,
        mention_id: r.get(30)?,
    };
    Ok((row, extra))
}

/// Agents beside their actors, each side's sector, and for a killing its count of the dead.
fn complete(c: &dyn Db, (mut row, x): (EventRow, Extra)) -> Result<EventRow> {
    let swapped = orient_agents(c, &mut row)?;
    let (a1, a2) = if swapped { (x.agent2, x.agent1) } else { (x.agent1, x.agent2) };
    row.actor1_sector = crate::sector::of(a1.as_deref(), row.actor1_code.as_deref()).map(str::to_string);
    row.actor2_sector = crate::sector::of(a2.as_deref(), row.actor2_code.as_deref()).map(str::to_string);
    if row.event_type == "ASSAULT" {
        let counts: Vec<(f64, String)> = c
            .rows(
                "SELECT value, text FROM quantities WHERE article_id = ?1 AND sentence = ?2 AND kind = 'COUNT' ORDER BY start, id",
                vals![row.article_id, x.sentence],
            )?
            .iter()
            .map(|q| Ok((q.get(0)?, q.get(1)?)))
            .collect::<Result<_>>()?;
        row.fatalities = crate::fatalities::in_sentence(&row.sentence, &counts);
    }
    Ok(row)
}

/// The stored order of a symmetric event's actors need not be the report's: put each agent
/// beside the actor it acts for (known from the article's mentions).
fn orient_agents(c: &dyn Db, row: &mut EventRow) -> Result<bool> {
    if row.actor1_agent.is_none() && row.actor2_agent.is_none() {
        return Ok(false);
    }
    let actor_of = |agent: &Option<String>| -> Result<Option<String>> {
        match agent {
            Some(a) => c.opt("SELECT actor FROM mentions WHERE article_id = ?1 AND text = ?2 AND actor IS NOT NULL LIMIT 1", vals![row.article_id, a]),
            None => Ok(None),
        }
    };
    let a1 = actor_of(&row.actor1_agent)?;
    let a2 = actor_of(&row.actor2_agent)?;
    let swapped = (a1.is_some() && a1 == row.actor2_code && a1 != row.actor1_code) || (a2.is_some() && a2 == row.actor1_code && a2 != row.actor2_code);
    if swapped {
        std::mem::swap(&mut row.actor1_agent, &mut row.actor2_agent);
    }
    Ok(swapped)
}

/// A page of events and how many match in all.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventPage {
    pub total: i64,
    pub limit: usize,
    pub offset: usize,
    pub events: Vec<EventRow>,
}

/// Events matching `f`, one page.
pub fn events(c: &dyn Db, f: &EventFilter, page: &Page) -> Result<EventPage> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let total: i64 = c.one(&format!("SELECT count(*) FROM events e WHERE {w}"), &p)?;
    let events = event_rows(c, f, page.sort, page.limit as i64, page.offset as i64)?;
    Ok(EventPage { total, limit: page.limit, offset: page.offset, events })
}

/// Every event matching `f` (for exports), `limit` at most, in `sort` order.
pub fn event_rows(c: &dyn Db, f: &EventFilter, sort: Sort, limit: i64, offset: i64) -> Result<Vec<EventRow>> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let (with, rank, order) = match (sort, f.q.as_deref().map(SearchQuery::parse)) {
        (Sort::Relevance, Some(Ok(sq))) => {
            // each event's best-matching article: the same score as /api/search
            let k = p.len() + 1;
            let scored = match c.dialect() {
                Dialect::Sqlite => {
                    p.push(Val::Text(sq.fts()));
                    format!("SELECT rowid AS aid, bm25(article_fts, 3.0, 1.0) AS score FROM article_fts WHERE article_fts MATCH ?{k}")
                }
                Dialect::Postgres => {
                    p.push(Val::Text(sq.tsquery()));
                    format!(
                        "SELECT article_id AS aid, CAST(-ts_rank('{{0.333, 0.333, 0.333, 1.0}}', doc, to_tsquery('simple', CAST(?{k} AS TEXT))) AS DOUBLE PRECISION) AS score
                         FROM article_search WHERE doc @@ to_tsquery('simple', CAST(?{k} AS TEXT))"
                    )
                }
            };
            (
                // materialised: SQLite's bm25() works only in the full-text query itself
                format!("WITH scored AS MATERIALIZED ({scored}) "),
                "LEFT JOIN (SELECT rm.event_id AS eid, min(r.score) AS rel FROM scored r JOIN event_mentions rm ON rm.article_id = r.aid GROUP BY rm.event_id) rk ON rk.eid = e.id".to_string(),
                format!("rk.rel IS NULL, rk.rel, {}", Sort::DateDesc.sql()),
            )
        }
        _ => (String::new(), String::new(), sort.sql().to_string()),
    };
    let n = p.len();
    p.push(Val::Int(limit));
    p.push(Val::Int(offset));
    let sql = format!(
        "{with}SELECT {ROW_COLS} FROM events e
         JOIN event_mentions em ON em.id = (SELECT min(id) FROM event_mentions WHERE event_id = e.id)
         JOIN articles a ON a.id = em.article_id
         {rank}
         WHERE {w} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    c.rows(&sql, &p)?.iter().map(|r| event_row(r).and_then(|x| complete(c, x))).collect()
}

/// One event by id.
pub fn event(c: &dyn Db, id: i64) -> Result<Option<EventRow>> {
    let sql = format!(
        "SELECT {ROW_COLS} FROM events e
         JOIN event_mentions em ON em.id = (SELECT min(id) FROM event_mentions WHERE event_id = e.id)
         JOIN articles a ON a.id = em.article_id WHERE e.id = ?1"
    );
    c.row(&sql, vals![id])?.map(|r| event_row(&r).and_then(|x| complete(c, x))).transpose()
}

/// Reports of events matching `f` stored after event mention `after` (a subscription's
/// cursor), oldest first; each row shows the new report.
pub fn new_mentions(c: &dyn Db, f: &EventFilter, after: i64, limit: usize) -> Result<Vec<EventRow>> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let n = p.len();
    p.push(Val::Int(after));
    p.push(Val::Int(limit as i64));
    let sql = format!(
        "SELECT {ROW_COLS} FROM event_mentions em JOIN events e ON e.id = em.event_id JOIN articles a ON a.id = em.article_id
         WHERE em.id > ?{} AND {w} ORDER BY em.id LIMIT ?{}",
        n + 1,
        n + 2
    );
    c.rows(&sql, &p)?.iter().map(|r| event_row(r).and_then(|x| complete(c, x))).collect()
}

/// The newest event mention id (0 when none).
pub fn last_mention_id(c: &dyn Db) -> Result<i64> {
    c.one("SELECT coalesce(max(id), 0) FROM event_mentions", &[])
}

/// Time bucket of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
    Year,
    /// Each event at its own date's precision: a day, a month (`2025-10`) or a year (`2025`),
    /// so that every dated event is counted once, whatever its precision.
    Exact,
    /// As [`Interval::Exact`], but an event dated to the day counts at its month (a long span
    /// in fewer points).
    ExactMonth,
    /// As [`Interval::Exact`], but every event counts at its year.
    ExactYear,
}

impl Interval {
    pub fn parse(s: &str) -> std::result::Result<Interval, BadParam> {
        Ok(match s {
            "day" => Interval::Day,
            "week" => Interval::Week,
            "month" | "" => Interval::Month,
            "year" => Interval::Year,
            "exact" => Interval::Exact,
            "exact-month" => Interval::ExactMonth,
            "exact-year" => Interval::ExactYear,
            _ => return Err(bad("interval", "expected day, week, month, year, exact, exact-month or exact-year")),
        })
    }

    fn sql(self, d: Dialect) -> (&'static str, usize) {
        match self {
            Interval::Day => ("substr(DATE_EXPR, 1, 10)", 10),
            // SQLite's %W (weeks starting on Monday; days before the first Monday are week 00),
            // computed the same way on PostgreSQL
            Interval::Week => match d {
                Dialect::Sqlite => ("strftime('%Y-W%W', DATE_EXPR)", 10),
                Dialect::Postgres => (
                    "(substr(DATE_EXPR, 1, 4) || '-W' || lpad(CAST((CAST(extract(doy FROM CAST(substr(DATE_EXPR, 1, 10) AS date)) AS INTEGER) + 6
                      - (CAST(extract(dow FROM CAST(substr(DATE_EXPR, 1, 10) AS date)) AS INTEGER) + 6) % 7) / 7 AS TEXT), 2, '0'))",
                    10,
                ),
            },
            Interval::Month => ("substr(DATE_EXPR, 1, 7)", 7),
            Interval::Year => ("substr(DATE_EXPR, 1, 4)", 4),
            Interval::Exact => ("DATE_EXPR", 4),
            Interval::ExactMonth => ("substr(DATE_EXPR, 1, 7)", 4),
            Interval::ExactYear => ("substr(DATE_EXPR, 1, 4)", 4),
        }
    }
}

/// The date an event is counted at in a timeline: its text date at its precision, else the day
/// of its articles (publication or dateline) when it has no text date.
const DATE_EXPR: &str = "coalesce(e.date, CASE WHEN e.date_source IN ('published', 'dateline') THEN e.date_start END)";

/// Events of one type in one period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimelinePoint {
    pub period: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub events: i64,
    pub mentions: i64,
}

/// Counts per period and type of the events matching `f` whose date is at least as precise as
/// the interval; oldest period first.
pub fn timeline(c: &dyn Db, f: &EventFilter, interval: Interval) -> Result<Vec<TimelinePoint>> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let (bucket, len) = interval.sql(c.dialect());
    let bucket = bucket.replace("DATE_EXPR", DATE_EXPR);
    let sql = format!(
        "SELECT {bucket} AS period, e.type, count(*), CAST(sum(e.num_mentions) AS BIGINT) FROM events e
         WHERE {w} AND {DATE_EXPR} IS NOT NULL AND length({DATE_EXPR}) >= {len}
         GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 10000"
    );
    c.rows(&sql, &p)?
        .iter()
        .map(|r| Ok(TimelinePoint { period: r.get(0)?, event_type: r.get(1)?, events: r.get(2)?, mentions: r.get(3)? }))
        .collect()
}

/// How many events matching `f` a timeline at `interval` leaves out: those with no date, and
/// those dated less precisely than the interval (a month-dated event on a daily timeline).
pub fn timeline_left_out(c: &dyn Db, f: &EventFilter, interval: Interval) -> Result<i64> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let (_, len) = interval.sql(c.dialect());
    c.one(&format!("SELECT count(*) FROM events e WHERE {w} AND ({DATE_EXPR} IS NULL OR length({DATE_EXPR}) < {len})"), &p)
}

/// Events with coordinates at one place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Place {
    pub name: Option<String>,
    /// ISO alpha-3 of the place's state.
    pub country: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub events: i64,
    pub mentions: i64,
}

/// The places of the events matching `f` (each event at the place of the report it is shown
/// by, as in exports: `action_geo_*`), most events first, `limit` at most; and how many
/// matching events have coordinates.
pub fn places(c: &dyn Db, f: &EventFilter, limit: usize) -> Result<(Vec<Place>, i64)> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let from = format!(
        "FROM events e JOIN event_mentions em ON em.id = (SELECT min(id) FROM event_mentions WHERE event_id = e.id)
         WHERE {w} AND em.place_lat IS NOT NULL AND em.place_lon IS NOT NULL"
    );
    let located: i64 = c.one(&format!("SELECT count(*) {from}"), &p)?;
    let n = p.len();
    p.push(Val::Int(limit as i64));
    let sql = format!(
        "SELECT em.place, em.place_country, em.place_lat, em.place_lon, count(*), CAST(sum(e.num_mentions) AS BIGINT) {from}
         GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 3, 4 LIMIT ?{}",
        n + 1
    );
    let places = c
        .rows(&sql, &p)?
        .iter()
        .map(|r| Ok(Place { name: r.get(0)?, country: r.get(1)?, lat: r.get(2)?, lon: r.get(3)?, events: r.get(4)?, mentions: r.get(5)? }))
        .collect::<Result<_>>()?;
    Ok((places, located))
}

/// An actor in the network.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: Option<String>,
    pub events: i64,
}

/// Events between two actors of one type.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Edge {
    pub source: String,
    pub target: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub events: i64,
    pub mentions: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// The dyad network of the events matching `f`: the `limit` heaviest edges and their actors.
pub fn graph(c: &dyn Db, f: &EventFilter, limit: usize) -> Result<Graph> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let n = p.len();
    p.push(Val::Int(limit as i64));
    let sql = format!(
        "SELECT e.source_actor, max(e.source_name), e.target_actor, max(e.target_name), e.type, count(*), CAST(sum(e.num_mentions) AS BIGINT)
         FROM events e WHERE {w} AND e.source_actor IS NOT NULL AND e.target_actor IS NOT NULL
         GROUP BY 1, 3, 5 ORDER BY 6 DESC, 7 DESC, 1, 3, 5 LIMIT ?{}",
        n + 1
    );
    let mut nodes: Vec<Node> = Vec::new();
    let mut edges = Vec::new();
    for r in c.rows(&sql, &p)? {
        let (s, sn, t, tn): (String, Option<String>, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let e = Edge { source: s.clone(), target: t.clone(), event_type: r.get(4)?, events: r.get(5)?, mentions: r.get(6)? };
        for (id, name) in [(s, sn), (t, tn)] {
            match nodes.iter_mut().find(|x| x.id == id) {
                Some(x) => x.events += e.events,
                None => nodes.push(Node { id, name, events: e.events }),
            }
        }
        edges.push(e);
    }
    nodes.sort_by(|a, b| b.events.cmp(&a.events).then(a.id.cmp(&b.id)));
    Ok(Graph { nodes, edges })
}

/// An actor and how many events it took part in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActorCount {
    pub code: String,
    pub name: Option<String>,
    pub events: i64,
    pub mentions: i64,
}

/// Actors of the events matching `f`, most events first.
pub fn actors(c: &dyn Db, f: &EventFilter, page: &Page) -> Result<Vec<ActorCount>> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let n = p.len();
    p.push(Val::Int(page.limit as i64));
    p.push(Val::Int(page.offset as i64));
    let sql = format!(
        "SELECT code, max(name), count(DISTINCT id), CAST(sum(m) AS BIGINT) FROM (
            SELECT e.id, e.source_actor AS code, e.source_name AS name, e.num_mentions AS m FROM events e WHERE {w} AND e.source_actor IS NOT NULL
            UNION ALL
            SELECT e.id, e.target_actor, e.target_name, e.num_mentions FROM events e WHERE {w} AND e.target_actor IS NOT NULL
              AND e.target_actor IS DISTINCT FROM e.source_actor) AS sides
         GROUP BY code ORDER BY 3 DESC, 1 LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    c.rows(&sql, &p)?
        .iter()
        .map(|r| Ok(ActorCount { code: r.get(0)?, name: r.get(1)?, events: r.get(2)?, mentions: r.get(3)? }))
        .collect()
}

/// A span the extractor found in an article (character offsets into its text).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpanOut {
    pub kind: String,
    pub text: String,
    pub start: i64,
    pub end: i64,
    pub sentence: i64,
    /// Actor code, quantity value and unit, or date value: what the span means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// One report of an event in an article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleEvent {
    pub event_id: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub mode: Option<String>,
    pub modality: String,
    pub source_actor: Option<String>,
    pub source_name: Option<String>,
    pub target_actor: Option<String>,
    pub target_name: Option<String>,
    pub date: Option<String>,
    pub date_text: Option<String>,
    pub place: Option<String>,
    pub trigger: String,
    pub start: i64,
    pub end: i64,
    pub sentence: i64,
    pub evidence: String,
    pub gloss: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SightingOut {
    pub origin: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub seen_at: String,
}

/// An article with everything extracted from it, each with its character span.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleDetail {
    pub id: i64,
    pub ext_id: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub reference_date: Option<String>,
    pub cluster_id: i64,
    pub ingested_at: String,
    pub text: String,
    pub sentences: Vec<Sentence>,
    pub sightings: Vec<SightingOut>,
    /// COUNTRY, PERSON, ORG and PLACE mentions.
    pub mentions: Vec<SpanOut>,
    /// MONEY, PERCENT, MEASURE and COUNT.
    pub quantities: Vec<SpanOut>,
    pub dates: Vec<SpanOut>,
    pub events: Vec<ArticleEvent>,
    /// Things that happened where the text names one side at most: kept apart from `events`
    /// (crate::incidents).
    pub incidents: Vec<crate::incidents::ArticleIncident>,
}

/// One article with its spans.
pub fn article(c: &dyn Db, id: i64) -> Result<Option<ArticleDetail>> {
    let a = c
        .row(
            "SELECT id, ext_id, title, published, source, url, reference_date, cluster_id, ingested_at, text FROM articles WHERE id = ?1",
            vals![id],
        )?
        .map(|r| -> Result<ArticleDetail> {
            {
                Ok(ArticleDetail {
                    id: r.get(0)?,
                    ext_id: r.get(1)?,
                    title: r.get(2)?,
                    published: r.get(3)?,
                    source: r.get(4)?,
                    url: r.get(5)?,
                    reference_date: r.get(6)?,
                    cluster_id: r.get(7)?,
                    ingested_at: r.get(8)?,
                    text: r.get(9)?,
                    sentences: vec![],
                    sightings: vec![],
                    mentions: vec![],
                    quantities: vec![],
                    dates: vec![],
                    events: vec![],
                    incidents: vec![],
                })
            }
        })
        .transpose()?;
    let Some(mut a) = a else { return Ok(None) };
    let doc = marsad_text::analyze(&a.text);
    let ci = marsad_text::CharIndex::new(&a.text);
    a.sentences = doc.sentences.iter().map(|s| Sentence { start: ci.char_of(s.start), end: ci.char_of(s.end) }).collect();
    a.sightings = c
        .rows("SELECT origin, source, url, seen_at FROM sightings WHERE article_id = ?1 ORDER BY id", vals![id])?
        .iter()
        .map(|r| Ok(SightingOut { origin: r.get(0)?, source: r.get(1)?, url: r.get(2)?, seen_at: r.get(3)? }))
        .collect::<Result<_>>()?;
    a.mentions = c
        .rows(
            "SELECT kind, text, start, \"end\", sentence, actor, name, role, lat, lon FROM mentions WHERE article_id = ?1 ORDER BY start, id",
            vals![id],
        )?
        .iter()
        .map(|r| {
            Ok(SpanOut {
                kind: r.get(0)?,
                text: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                sentence: r.get(4)?,
                code: r.get(5)?,
                name: r.get(6)?,
                role: r.get(7)?,
                lat: r.get(8)?,
                lon: r.get(9)?,
            })
        })
        .collect::<Result<_>>()?;
    a.quantities = c
        .rows("SELECT kind, text, start, \"end\", sentence, value, unit FROM quantities WHERE article_id = ?1 ORDER BY start, id", vals![id])?
        .iter()
        .map(|r| {
            let v: f64 = r.get(5)?;
            let unit: Option<String> = r.get(6)?;
            Ok(SpanOut {
                kind: r.get(0)?,
                text: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                sentence: r.get(4)?,
                code: Some(match unit {
                    Some(u) => format!("{v} {u}"),
                    None => format!("{v}"),
                }),
                name: None,
                role: None,
                lat: None,
                lon: None,
            })
        })
        .collect::<Result<_>>()?;
    a.dates = c
        .rows("SELECT text, start, \"end\", sentence, value, precision, hijri FROM dates WHERE article_id = ?1 ORDER BY start, id", vals![id])?
        .iter()
        .map(|r| {
            Ok(SpanOut {
                kind: "DATE".into(),
                text: r.get(0)?,
                start: r.get(1)?,
                end: r.get(2)?,
                sentence: r.get(3)?,
                code: r.get(4)?,
                // a Hijri date: its Hijri value beside the Gregorian one
                name: r.get::<Option<String>>(6)?.map(|h| format!("{h} AH")),
                role: r.get(5)?,
                lat: None,
                lon: None,
            })
        })
        .collect::<Result<_>>()?;
    a.events = c
        .rows(
        "SELECT em.event_id, e.type, coalesce(em.mode, e.mode), em.modality, e.source_actor, e.source_name, e.target_actor, e.target_name,
                coalesce(em.date, e.date), em.date_text, em.place, em.trigger, em.start, em.\"end\", em.sentence, em.evidence, em.gloss
         FROM event_mentions em JOIN events e ON e.id = em.event_id WHERE em.article_id = ?1 ORDER BY em.start, em.id",
            vals![id],
        )?
        .iter()
        .map(|r| {
            Ok(ArticleEvent {
                event_id: r.get(0)?,
                event_type: r.get(1)?,
                mode: r.get(2)?,
                modality: r.get(3)?,
                source_actor: r.get(4)?,
                source_name: r.get(5)?,
                target_actor: r.get(6)?,
                target_name: r.get(7)?,
                date: r.get(8)?,
                date_text: r.get(9)?,
                place: r.get(10)?,
                trigger: r.get(11)?,
                start: r.get(12)?,
                end: r.get(13)?,
                sentence: r.get(14)?,
                evidence: r.get(15)?,
                gloss: r.get(16)?,
            })
        })
        .collect::<Result<_>>()?;
    a.incidents = crate::incidents::of_article(c, id)?;
    Ok(Some(a))
}

/// One search result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    pub article_id: i64,
    pub ext_id: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    /// Lower is better: BM25 on SQLite, the negated ts_rank on PostgreSQL (not comparable
    /// between the two).
    pub score: f64,
    pub snippet: Snippet,
    /// Events reported by the article.
    pub events: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchPage {
    pub query: String,
    /// Matching articles.
    pub total: i64,
    /// Set when more than [`RANK_WINDOW`] articles match: ranking then covered only the
    /// newest this many of them (the most recently stored), to bound the time a very common
    /// word takes.
    pub ranked_newest: Option<i64>,
    pub limit: usize,
    pub offset: usize,
    pub hits: Vec<SearchHit>,
}

/// How many matches BM25 ranks at most (about 1 µs each): beyond it, the newest.
pub const RANK_WINDOW: i64 = 5_000;

/// Articles matching the query, best first (BM25, title weighted 3×), with snippets. When
/// more than [`RANK_WINDOW`] articles match, the newest [`RANK_WINDOW`] (or `offset + limit`
/// when larger) are ranked.
pub fn search(c: &dyn Db, q: &SearchQuery, query_text: &str, limit: usize, offset: usize) -> Result<SearchPage> {
    // the same steps on both databases: FTS5 with BM25 on SQLite, a GIN-indexed tsvector with
    // ts_rank (title weighted 3×, negated so that lower is better there too) on PostgreSQL
    let (expr, count_sql, floor_sql, rank_sql) = match c.dialect() {
        Dialect::Sqlite => (
            q.fts(),
            "SELECT count(*) FROM article_fts WHERE article_fts MATCH ?1",
            "SELECT rowid FROM article_fts WHERE article_fts MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
            "SELECT rowid, bm25(article_fts, 3.0, 1.0) AS score FROM article_fts WHERE article_fts MATCH ?1 AND rowid >= ?4
             ORDER BY score, rowid DESC LIMIT ?2 OFFSET ?3",
        ),
        Dialect::Postgres => (
            q.tsquery(),
            "SELECT count(*) FROM article_search WHERE doc @@ to_tsquery('simple', CAST(?1 AS TEXT))",
            "SELECT article_id FROM article_search WHERE doc @@ to_tsquery('simple', CAST(?1 AS TEXT)) ORDER BY article_id DESC LIMIT 1 OFFSET ?2",
            "SELECT article_id, CAST(-ts_rank('{0.333, 0.333, 0.333, 1.0}', doc, to_tsquery('simple', CAST(?1 AS TEXT))) AS DOUBLE PRECISION) AS score
             FROM article_search WHERE doc @@ to_tsquery('simple', CAST(?1 AS TEXT)) AND article_id >= ?4
             ORDER BY score, article_id DESC LIMIT ?2 OFFSET ?3",
        ),
    };
    let total: i64 = c.one(count_sql, vals![expr.as_str()])?;
    let window = RANK_WINDOW.max((offset + limit) as i64);
    let floor: i64 = if total > window { c.one(floor_sql, vals![expr.as_str(), window - 1])? } else { 0 };
    let ids: Vec<(i64, f64)> =
        c.rows(rank_sql, vals![expr.as_str(), limit, offset, floor])?.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect::<Result<_>>()?;
    let mut hits = Vec::with_capacity(ids.len());
    for (id, score) in ids {
        let row = c.row(
            "SELECT ext_id, title, published, source, url, text, (SELECT count(DISTINCT event_id) FROM event_mentions WHERE article_id = a.id)
             FROM articles a WHERE id = ?1",
            vals![id],
        )?;
        if let Some(r) = row {
            let text: String = r.get(5)?;
            let snippet = snippet(&text, q);
            hits.push(SearchHit {
                article_id: id,
                ext_id: r.get(0)?,
                title: r.get(1)?,
                published: r.get(2)?,
                source: r.get(3)?,
                url: r.get(4)?,
                score,
                snippet,
                events: r.get(6)?,
            });
        }
    }
    Ok(SearchPage { query: query_text.to_string(), total, ranked_newest: (floor > 0).then_some(window), limit, offset, hits })
}

/// A standing query: its events as an Atom feed, and optionally each new matching event
/// POSTed to a webhook.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    pub filter: EventFilter,
    pub webhook: Option<String>,
    /// The last event mention looked at for the webhook.
    pub cursor: i64,
    pub created_at: String,
    /// The key that signs its webhook bodies (HMAC-SHA256); never serialised with the
    /// subscription (the API shows it only to the token's holder, once, on creation).
    #[serde(skip)]
    pub secret: Option<String>,
}

const SUB_COLS: &str = "id, name, filter, webhook, cursor, created_at, secret";

fn subscription_row(r: &Row) -> Result<Subscription> {
    let filter: String = r.get(2)?;
    Ok(Subscription {
        id: r.get(0)?,
        name: r.get(1)?,
        filter: serde_json::from_str(&filter).unwrap_or_default(),
        webhook: r.get(3)?,
        cursor: r.get(4)?,
        created_at: r.get(5)?,
        secret: r.get(6)?,
    })
}

/// Gives subscription `id` the signing secret `candidate` unless it has one; returns the
/// secret it has afterwards (`None`: no such subscription). Whoever sets it first wins, so a
/// creator and a delivery racing on a new subscription sign with the same key.
pub fn ensure_secret(c: &dyn Db, id: i64, candidate: &str) -> Result<Option<String>> {
    c.exec("UPDATE subscriptions SET secret = ?2 WHERE id = ?1 AND secret IS NULL", vals![id, candidate])?;
    c.opt::<Option<String>>("SELECT secret FROM subscriptions WHERE id = ?1", vals![id]).map(Option::flatten)
}

/// Takes or renews the lease on delivering subscription `id`'s webhooks for `ttl` seconds
/// from `now` (unix seconds): true when `owner` holds it now. Several processes delivering
/// for one store (a server, a watcher) thus never deliver one subscription twice over; a
/// lease left by a killed process lapses after `ttl`.
pub fn claim_delivery(c: &dyn Db, id: i64, owner: &str, now: i64, ttl: i64) -> Result<bool> {
    Ok(c.exec(
        "UPDATE subscriptions SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until IS NULL OR lease_until < ?4)",
        vals![id, owner, now + ttl, now],
    )? > 0)
}

/// [`claim_delivery`] for every subscription with a webhook at once (one statement, so one
/// commit however many there are); returns the ids `owner` holds now.
pub fn claim_deliveries(c: &dyn Db, owner: &str, now: i64, ttl: i64) -> Result<std::collections::HashSet<i64>> {
    c.exec(
        "UPDATE subscriptions SET lease_owner = ?1, lease_until = ?2
         WHERE webhook IS NOT NULL AND (lease_owner IS NULL OR lease_owner = ?1 OR lease_until IS NULL OR lease_until < ?3)",
        vals![owner, now + ttl, now],
    )?;
    Ok(c.column::<i64>("SELECT id FROM subscriptions WHERE lease_owner = ?1 AND webhook IS NOT NULL", vals![owner])?.into_iter().collect())
}

/// Gives up `owner`'s leases (a process that stops cleanly), so another may deliver at once.
pub fn release_deliveries(c: &dyn Db, owner: &str) -> Result<()> {
    // nothing to write when it held none (a store served read-only is never written)
    if c.one::<i64>("SELECT count(*) FROM subscriptions WHERE lease_owner = ?1", vals![owner])? == 0 {
        return Ok(());
    }
    c.exec("UPDATE subscriptions SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1", vals![owner])?;
    Ok(())
}

/// One report of an event (an event mention): what a new article said, apart from the event
/// it joined (webhook deliveries carry both).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub mention_id: i64,
    pub article_id: i64,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
    pub source_name: Option<String>,
    pub published: Option<String>,
    /// When the article was stored.
    pub added_at: String,
    pub sentence: String,
    pub trigger: String,
    pub trigger_start: i64,
    pub trigger_end: i64,
    pub modality: String,
    /// This report's own mode and time (the event's may come from other reports).
    pub mode: Option<String>,
    pub date: Option<String>,
    pub date_precision: Option<String>,
    pub date_source: Option<String>,
    pub actor1_agent: Option<String>,
    pub actor2_agent: Option<String>,
    pub place: Option<String>,
    /// Whether this report made the event (its first report) rather than joined a known one.
    pub new_event: bool,
}

/// An event as merged from all its reports so far: its identity, time and counts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventAggregate {
    pub event_id: i64,
    pub event_type: String,
    pub event_mode: Option<String>,
    pub event_date: Option<String>,
    pub date_precision: Option<String>,
    pub date_start: Option<String>,
    pub date_end: Option<String>,
    pub date_source: Option<String>,
    pub cameo_root: Option<String>,
    pub quad_class: Option<i64>,
    pub intensity: Option<f64>,
    pub actor1_code: Option<String>,
    pub actor1_name: Option<String>,
    pub actor2_code: Option<String>,
    pub actor2_name: Option<String>,
    pub gloss: String,
    pub num_mentions: i64,
    pub num_articles: i64,
    pub num_sources: i64,
    /// The event's first report (event mention id) and when its article was stored.
    pub first_mention_id: i64,
    pub first_reported_at: Option<String>,
}

/// Splits a row of [`new_mentions`] into the new report and the event aggregate it joined.
pub fn report_and_event(c: &dyn Db, row: &EventRow) -> Result<(Report, EventAggregate)> {
    let r = c
        .row("SELECT mode, date, date_precision, date_source, place FROM event_mentions WHERE id = ?1", vals![row.mention_id])?
        .ok_or_else(|| StoreError::Decode(format!("event mention {} is gone", row.mention_id)))?;
    let first = c
        .row(
            "SELECT em.id, a.ingested_at FROM event_mentions em JOIN articles a ON a.id = em.article_id
             WHERE em.id = (SELECT min(id) FROM event_mentions WHERE event_id = ?1)",
            vals![row.event_id],
        )?
        .map(|f| Ok::<_, StoreError>((f.get::<i64>(0)?, f.get::<Option<String>>(1)?)))
        .transpose()?
        .unwrap_or((row.mention_id, None));
    let report = Report {
        mention_id: row.mention_id,
        article_id: row.article_id,
        article_title: row.article_title.clone(),
        article_url: row.source_url.clone(),
        source_name: row.source_name.clone(),
        published: row.published.clone(),
        added_at: row.added_at.clone(),
        sentence: row.sentence.clone(),
        trigger: row.trigger.clone(),
        trigger_start: row.trigger_start,
        trigger_end: row.trigger_end,
        modality: row.modality.clone(),
        mode: r.get(0)?,
        date: r.get(1)?,
        date_precision: r.get(2)?,
        date_source: r.get(3)?,
        actor1_agent: row.actor1_agent.clone(),
        actor2_agent: row.actor2_agent.clone(),
        place: r.get(4)?,
        new_event: first.0 == row.mention_id,
    };
    let (event_mode, event_date, date_precision): (Option<String>, Option<String>, Option<String>) =
        c.row("SELECT mode, date, date_precision FROM events WHERE id = ?1", vals![row.event_id])?.map(|e| Ok::<_, StoreError>((e.get(0)?, e.get(1)?, e.get(2)?))).transpose()?.unwrap_or_default();
    let event = EventAggregate {
        event_id: row.event_id,
        event_type: row.event_type.clone(),
        event_mode,
        event_date,
        date_precision,
        date_start: row.date_start.clone(),
        date_end: row.date_end.clone(),
        date_source: row.date_source.clone(),
        cameo_root: row.cameo_root.clone(),
        quad_class: row.quad_class,
        intensity: row.intensity,
        actor1_code: row.actor1_code.clone(),
        actor1_name: row.actor1_name.clone(),
        actor2_code: row.actor2_code.clone(),
        actor2_name: row.actor2_name.clone(),
        gloss: row.gloss.clone(),
        num_mentions: row.num_mentions,
        num_articles: row.num_articles,
        num_sources: row.num_sources,
        first_mention_id: first.0,
        first_reported_at: first.1,
    };
    Ok((report, event))
}

/// Events matching `f`, each shown by its latest report, the most recently reported first
/// (feeds: a new report of a known event puts it back on top). `limit` at most.
pub fn latest_reported(c: &dyn Db, f: &EventFilter, limit: i64) -> Result<Vec<EventRow>> {
    let mut p = Vec::new();
    let w = f.sql(c.dialect(), &mut p);
    let n = p.len();
    p.push(Val::Int(limit));
    // walks the reports newest first and keeps each event's latest: stops after `limit` events
    let sql = format!(
        "SELECT {ROW_COLS} FROM event_mentions em JOIN events e ON e.id = em.event_id JOIN articles a ON a.id = em.article_id
         WHERE em.id = (SELECT max(m2.id) FROM event_mentions m2 WHERE m2.event_id = em.event_id) AND {w}
         ORDER BY em.id DESC LIMIT ?{}",
        n + 1
    );
    c.rows(&sql, &p)?.iter().map(|r| event_row(r).and_then(|x| complete(c, x))).collect()
}

/// Stores a subscription; its webhook receives events reported from now on.
pub fn create_subscription(c: &dyn Db, name: &str, f: &EventFilter, webhook: Option<&str>) -> Result<Subscription> {
    let json = serde_json::to_string(f).map_err(|e| StoreError::Decode(e.to_string()))?;
    let id: i64 = c.one(
        "INSERT INTO subscriptions (name, filter, webhook, cursor) VALUES (?1, ?2, ?3, (SELECT coalesce(max(id), 0) FROM event_mentions)) RETURNING id",
        vals![name, json, webhook],
    )?;
    Ok(subscription(c, id)?.expect("just inserted"))
}

pub fn subscription(c: &dyn Db, id: i64) -> Result<Option<Subscription>> {
    c.row(&format!("SELECT {SUB_COLS} FROM subscriptions WHERE id = ?1"), vals![id])?.map(|r| subscription_row(&r)).transpose()
}

pub fn subscriptions(c: &dyn Db) -> Result<Vec<Subscription>> {
    c.rows(&format!("SELECT {SUB_COLS} FROM subscriptions ORDER BY id"), &[])?.iter().map(subscription_row).collect()
}

/// Deletes a subscription and its delivery log; false when there was none.
pub fn delete_subscription(c: &dyn Db, id: i64) -> Result<bool> {
    c.exec("DELETE FROM deliveries WHERE subscription_id = ?1", vals![id])?;
    Ok(c.exec("DELETE FROM subscriptions WHERE id = ?1", vals![id])? > 0)
}

/// Moves a subscription's webhook cursor forward (never back).
pub fn advance_cursor(c: &dyn Db, id: i64, cursor: i64) -> Result<()> {
    c.exec(&format!("UPDATE subscriptions SET cursor = {}(cursor, ?2) WHERE id = ?1", c.dialect().greatest()), vals![id, cursor])?;
    Ok(())
}

/// Logs one webhook delivery (or the giving up on one); nothing when the subscription was
/// deleted meanwhile.
pub fn record_delivery(c: &dyn Db, sub: i64, event: i64, mention: i64, ok: bool, attempts: u32, status: &str) -> Result<()> {
    c.exec(
        "INSERT INTO deliveries (subscription_id, event_id, mention_id, ok, attempts, status)
         SELECT CAST(?1 AS BIGINT), CAST(?2 AS BIGINT), CAST(?3 AS BIGINT), CAST(?4 AS BIGINT), CAST(?5 AS BIGINT), CAST(?6 AS TEXT)
         WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = CAST(?1 AS BIGINT))",
        vals![sub, event, mention, ok, attempts, status],
    )?;
    Ok(())
}

/// A logged delivery.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delivery {
    pub event_id: i64,
    pub mention_id: i64,
    pub ok: bool,
    pub attempts: i64,
    pub status: String,
    pub at: String,
}

/// The latest deliveries of a subscription, newest first.
pub fn deliveries(c: &dyn Db, sub: i64, limit: usize) -> Result<Vec<Delivery>> {
    c.rows("SELECT event_id, mention_id, ok, attempts, status, at FROM deliveries WHERE subscription_id = ?1 ORDER BY id DESC LIMIT ?2", vals![sub, limit])?
        .iter()
        .map(|r| Ok(Delivery { event_id: r.get(0)?, mention_id: r.get(1)?, ok: r.get(2)?, attempts: r.get(3)?, status: r.get(4)?, at: r.get(5)? }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&'static str, &'static str)]) -> std::result::Result<EventFilter, BadParam> {
        EventFilter::from_pairs(s.iter().copied(), PAGE_PARAMS)
    }

    #[test]
    fn filters_parse_and_refuse_clearly() {
        let f = pairs(&[("dyad", "rus-kaz"), ("type", "consult"), ("from", "2025-10-01"), ("to", "2025-10-31"), ("limit", "5")]).unwrap();
        assert_eq!(f.dyad, Some(("RUS".into(), "KAZ".into())));
        assert_eq!(f.event_type.as_deref(), Some("CONSULT"));
        assert_eq!(EventFilter::from_pairs(f.to_pairs().iter().map(|(k, v)| (*k, v.as_str())), &[]).unwrap(), f);
        for (k, v, msg) in [
            ("dyad", "RUS", "two actor codes"),
            ("type", "BOMB", "unknown event type"),
            ("from", "2025-13-01", "YYYY-MM-DD"),
            ("from", "2025-02-31", "a day that exists"),
            ("to", "2025-02-29", "a day that exists"),
            ("to", "1900-02-29", "a day that exists"),
            ("from", "2025-04-31", "a day that exists"),
            ("from", "'; DROP TABLE events; --", "YYYY-MM-DD"),
            ("actor", "RUS' OR 1=1", "actor code"),
            ("nonsense", "1", "unknown parameter"),
            ("modality", "maybe", "asserted"),
            ("article", "-3", "positive integer"),
            ("q", "\" * ( )", "no words"),
        ] {
            let e = pairs(&[(k, v)]).unwrap_err();
            assert!(e.to_string().contains(msg), "{k}={v}: {e}");
        }
        let long = "x".repeat(MAX_VALUE + 1);
        assert!(EventFilter::from_pairs([("source", long.as_str())], &[]).unwrap_err().message.contains("longer"));
        assert!(pairs(&[("actor", "RUS"), ("actor", "KAZ")]).unwrap_err().message.contains("more than once"));
        assert!(pairs(&[("from", "2000-02-29"), ("to", "2024-02-29")]).is_ok(), "leap days are dates");
        assert!(Page::from_pairs([("limit", "100000")]).is_err());
        assert!(Page::from_pairs([("offset", "-1")]).is_err());
        assert!(Page::from_pairs([("sort", "name; DROP")]).is_err());
        assert_eq!(Page::from_pairs([("limit", "7"), ("sort", "-mentions")]).unwrap().limit, 7);
    }

    fn common_word(c: &dyn Db) {
        c.batch("BEGIN").unwrap();
        c.exec("INSERT INTO clusters (id, representative, size) VALUES (1, 1, 0)", &[]).unwrap();
        let text = "زار الوزير الكازاخستاني موسكو";
        for i in 1..=(RANK_WINDOW + 10) {
            c.exec(
                "INSERT INTO articles (id, ext_id, content_hash, cluster_id, origin, text, signature) VALUES (?1, ?2, ?3, 1, 'test', ?4, ?5)",
                vals![i, format!("a{i}"), i.to_le_bytes().to_vec(), text, Vec::<u8>::new()],
            )
            .unwrap();
            crate::sql::index_article(c, i, "", text).unwrap();
        }
        c.batch("COMMIT").unwrap();
        let q = SearchQuery::parse("كازاخستان").unwrap();
        let page = search(c, &q, "كازاخستان", 20, 0).unwrap();
        assert_eq!(page.total, RANK_WINDOW + 10);
        assert_eq!(page.ranked_newest, Some(RANK_WINDOW));
        assert_eq!(page.hits.len(), 20);
        assert!(page.hits.iter().all(|h| h.article_id > 10), "only the newest are ranked");
        assert_eq!(page.hits[0].snippet.highlights.len(), 1);
        // a page past the window widens it
        let deep = search(c, &q, "كازاخستان", 20, RANK_WINDOW as usize).unwrap();
        assert_eq!(deep.hits.len(), 10);
        assert_eq!(deep.ranked_newest, None);
    }

    #[test]
    fn a_very_common_word_is_ranked_among_the_newest_matches_and_counted_in_full() {
        let store = crate::SqliteStore::in_memory().unwrap();
        common_word(store.connection());
    }

    #[test]
    fn a_very_common_word_is_ranked_among_the_newest_matches_and_counted_in_full_on_postgres() {
        if let Some(store) = crate::testing::pg_store("a_very_common_word_on_postgres") {
            common_word(store.connection());
        }
    }

    /// A small mutation fuzzer over the API's query parsing (stable toolchain, every CI run):
    /// every filter, paging and search parameter with values built from the characters that
    /// break parsers — quotes, SQL and FTS syntax, control characters, Arabic with diacritics
    /// and tatweel, astral characters, very long runs. Nothing panics; what parses round-trips.
    #[test]
    fn mutated_query_parameters_never_panic_and_round_trip() {
        let pieces = [
            "RUS", "kaz", "IGO:UN", "NSA:HAMAS", "-", "–", ",", "/", "'", "\"", ";", "--", "*", "(", ")", "NEAR", "OR", ":", "^", "%", "_", " ", "\t", "\u{0}",
            "\u{7f}", "\u{85}", "2025", "-02", "-29", "-31", "-13", "0", "-1", "99999999999999999999", "1e9", "لافروف", "الكازاخستانية", "ـ", "ً", "ء", "إ", "😀",
            "\u{10FFFF}", "\u{FEFF}", "consult", "CONSULT", "visit", "asserted", "month", "-date", "-mentions",
        ];
        let keys = ["q", "actor", "dyad", "type", "mode", "modality", "country", "from", "to", "source", "article", "limit", "offset", "sort", "interval", "bogus"];
        let mut x: u64 = 0x15_0013;
        let mut rnd = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut parsed = 0;
        for _ in 0..5000 {
            let mut pairs_v: Vec<(String, String)> = Vec::new();
            for _ in 0..1 + rnd(4) {
                let mut v = String::new();
                for _ in 0..rnd(6) {
                    v.push_str(pieces[rnd(pieces.len())]);
                }
                if rnd(20) == 0 {
                    v = v.repeat(1 + rnd(100));
                }
                pairs_v.push((keys[rnd(keys.len())].to_string(), v));
            }
            let p: Vec<(&str, &str)> = pairs_v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if let Ok(f) = EventFilter::from_pairs(p.iter().copied(), PAGE_PARAMS) {
                parsed += 1;
                let back = f.to_pairs();
                let again = EventFilter::from_pairs(back.iter().map(|(k, v)| (*k, v.as_str())), &[]).unwrap_or_else(|e| panic!("{p:?} -> {back:?}: {e}"));
                assert_eq!(again, f, "{p:?}");
                let mut params = Vec::new();
                let _ = f.sql(Dialect::Sqlite, &mut params);
                let _ = f.sql(Dialect::Postgres, &mut params);
            }
            let _ = Page::from_pairs(p.iter().copied());
            for (_, v) in &p {
                let _ = SearchQuery::parse(v);
                let _ = Interval::parse(v);
            }
        }
        assert!(parsed > 100, "some filters parse: {parsed}");
    }

}
