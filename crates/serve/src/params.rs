//! What each endpoint reads from its query string (and the subscription body), apart from the
//! store: the handlers call these, and so does [`parse_request`], the entry point the fuzz
//! targets (`fuzz/`) and their stable replay test drive without a server or a store.

use crate::{export, id_of, one, only, pairs, refs, ApiError};
use marsad_store::query::{self, EventFilter, Interval, Page, Sort, PAGE_PARAMS};
use marsad_store::search::SearchQuery;

pub(crate) type Pairs = [(String, String)];

/// `/api/stats`: `top`.
pub(crate) fn stats(p: &Pairs) -> Result<usize, ApiError> {
    only(p, &["top"])?;
    Ok(match one(p, "top")? {
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| ApiError::bad("parameter top: expected 1 to 100"))?,
        None => 10,
    })
}

/// `/api/search`: the query as given, parsed, and the page.
pub(crate) fn search(p: &Pairs) -> Result<(String, SearchQuery, Page), ApiError> {
    only(p, &["q", "limit", "offset"])?;
    let q = one(p, "q")?.ok_or_else(|| ApiError::bad("parameter q: required"))?.to_string();
    if q.chars().count() > query::MAX_Q {
        return Err(ApiError::bad(format!("parameter q: longer than {} characters", query::MAX_Q)));
    }
    let sq = SearchQuery::parse(&q).map_err(|e| ApiError::bad(format!("parameter q: {e}")))?;
    let page = Page::from_pairs(refs(p))?;
    Ok((q, sq, page))
}

/// `/api/events` and `/api/actors`: a filter and a page; under a search without `sort`, the
/// events its best-matching articles report come first.
pub(crate) fn events(p: &Pairs) -> Result<(EventFilter, Page), ApiError> {
    let f = EventFilter::from_pairs(refs(p), PAGE_PARAMS)?;
    let mut page = Page::from_pairs(refs(p))?;
    if f.q.is_some() && one(p, "sort")?.is_none() {
        page.sort = Sort::Relevance;
    }
    Ok((f, page))
}

/// `/api/actors`: a filter and a page (no relevance order).
pub(crate) fn actors(p: &Pairs) -> Result<(EventFilter, Page), ApiError> {
    Ok((EventFilter::from_pairs(refs(p), PAGE_PARAMS)?, Page::from_pairs(refs(p))?))
}

/// `/api/places` (default 500) and `/api/graph` (default 200): a filter and a limit up to 2,000.
pub(crate) fn filter_and_limit(p: &Pairs, default: usize) -> Result<(EventFilter, usize), ApiError> {
    let f = EventFilter::from_pairs(refs(p), &["limit"])?;
    let limit = match one(p, "limit")? {
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=2000).contains(n)).ok_or_else(|| ApiError::bad("parameter limit: expected 1 to 2000"))?,
        None => default,
    };
    Ok((f, limit))
}

/// `/api/incidents`: their own filter (no dyad) and a page without mention or relevance order.
pub(crate) fn incidents(p: &Pairs) -> Result<(EventFilter, Page), ApiError> {
    let f = marsad_store::incidents::filter_from_pairs(refs(p), PAGE_PARAMS)?;
    let page = Page::from_pairs(refs(p))?;
    if page.sort == Sort::Mentions || page.sort == Sort::Relevance {
        return Err(ApiError::bad("parameter sort: incidents are not merged and have no mention counts nor a relevance order; expected -date, date or -id"));
    }
    Ok((f, page))
}

/// `/api/actors/{code}`: a filter whose actor is the path's code, a page and an interval.
pub(crate) fn actor(code: &str, p: &Pairs) -> Result<(EventFilter, Page, Interval), ApiError> {
    let mut f = EventFilter::from_pairs(refs(p), &["interval", "limit", "offset", "sort"])?;
    let page = Page::from_pairs(refs(p))?;
    let interval = Interval::parse(one(p, "interval")?.unwrap_or("month"))?;
    let probe = EventFilter::from_pairs([("actor", code)], &[])?;
    f.actor = probe.actor;
    Ok((f, page, interval))
}

/// `/api/timeline`: a filter and an interval.
pub(crate) fn timeline(p: &Pairs) -> Result<(EventFilter, Interval), ApiError> {
    let f = EventFilter::from_pairs(refs(p), &["interval"])?;
    let interval = Interval::parse(one(p, "interval")?.unwrap_or("month"))?;
    Ok((f, interval))
}

/// `/api/export`: a filter, a format and an order (oldest first unless `sort` asks otherwise,
/// as the command line and docs/export.md).
pub(crate) fn export(p: &Pairs) -> Result<(EventFilter, export::Format, Sort), ApiError> {
    let f = EventFilter::from_pairs(refs(p), &["format", "sort"])?;
    let fmt = export::Format::parse(one(p, "format")?.unwrap_or("csv")).ok_or_else(|| ApiError::bad("parameter format: expected csv, jsonl or parquet"))?;
    let page = Page::from_pairs(refs(p))?;
    let sort = if one(p, "sort")?.is_some() { page.sort } else { Sort::DateAsc };
    Ok((f, fmt, sort))
}

/// `/api/feed.atom`: a filter.
pub(crate) fn feed(p: &Pairs) -> Result<EventFilter, ApiError> {
    Ok(EventFilter::from_pairs(refs(p), &[])?)
}

/// The body of `POST /api/subscriptions`, up to the webhook's syntax (whether its host may be
/// reached is the handler's, it resolves names): the name, the webhook, and the JSON object
/// to read the filter from with [`subscription_filter`].
pub(crate) fn subscription_head(body: &[u8]) -> Result<(String, Option<String>, serde_json::Value), ApiError> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("body: not JSON: {e}")))?;
    let obj = v.as_object().ok_or_else(|| ApiError::bad("body: expected a JSON object {name, filter, webhook}"))?;
    for k in obj.keys() {
        if !["name", "filter", "webhook"].contains(&k.as_str()) {
            let k: String = k.chars().take(40).collect();
            return Err(ApiError::bad(format!("body: unknown field {k}; known: name, filter, webhook")));
        }
    }
    let name = match obj.get("name") {
        None => "subscription".to_string(),
        Some(serde_json::Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= 200 && !n.chars().any(char::is_control) => n.trim().to_string(),
        Some(_) => return Err(ApiError::bad("name: expected a string of 1 to 200 characters")),
    };
    let webhook = match obj.get("webhook") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(u)) => {
            crate::valid_webhook(u)?;
            Some(u.clone())
        }
        Some(_) => return Err(ApiError::bad("webhook: expected a URL string")),
    };
    Ok((name, webhook, v))
}

/// The filter of a subscription body as query pairs (names not yet resolved to codes).
pub(crate) fn subscription_filter(v: &serde_json::Value) -> Result<Vec<(String, String)>, ApiError> {
    let mut fp: Vec<(String, String)> = Vec::new();
    match v.get("filter") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(m)) => {
            for (k, v) in m {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return Err(ApiError::bad(format!("filter.{}: expected a string", k.chars().take(40).collect::<String>()))),
                };
                fp.push((k.clone(), v));
            }
        }
        Some(_) => return Err(ApiError::bad("filter: expected an object of event filter parameters (actor, dyad, type…)")),
    }
    Ok(fp)
}

/// What a request's path, query string and body parse to, as the endpoint's handler reads
/// them before it asks the store (no store, no name resolution, no network): the event
/// filter when the endpoint takes one, or the error the API would answer (its status and
/// message). For the fuzz targets and their replay test; `body` counts for `POST
/// /api/subscriptions` only.
pub fn parse_request(path: &str, query: Option<&str>, body: &[u8]) -> Result<Option<EventFilter>, (u16, String)> {
    parse(path, query, body).map_err(|e| (e.status.as_u16(), e.message))
}

fn parse(path: &str, query: Option<&str>, body: &[u8]) -> Result<Option<EventFilter>, ApiError> {
    let p = pairs(query.map(String::from))?;
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Ok(match seg.as_slice() {
        ["api", "stats"] => stats(&p).map(|_| None)?,
        ["api", "search"] => search(&p).map(|_| None)?,
        ["api", "events"] => Some(events(&p)?.0),
        ["api", "events", id] => id_of(id, "event").map(|_| None)?,
        ["api", "articles", id] => id_of(id, "article").map(|_| None)?,
        ["api", "incidents"] => Some(incidents(&p)?.0),
        ["api", "actors"] => Some(actors(&p)?.0),
        ["api", "actors", code] => Some(actor(code, &p)?.0),
        ["api", "timeline"] => Some(timeline(&p)?.0),
        ["api", "graph"] => Some(filter_and_limit(&p, 200)?.0),
        ["api", "places"] => Some(filter_and_limit(&p, 500)?.0),
        ["api", "export"] => Some(export(&p)?.0),
        ["api", "feed.atom"] => Some(feed(&p)?),
        ["api", "subscriptions"] => {
            let (_, _, v) = subscription_head(body)?;
            let fp = subscription_filter(&v)?;
            Some(EventFilter::from_pairs(refs(&fp), &[])?)
        }
        ["api", "subscriptions", id] | ["api", "subscriptions", id, "feed.atom"] => id_of(id, "subscription").map(|_| None)?,
        _ => return Err(ApiError::not_found("no such endpoint; see /openapi.json")),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_request;

    #[test]
    fn requests_parse_as_their_handlers_read_them() {
        let ok = |path: &str, q: &str| parse_request(path, Some(q), b"").unwrap_or_else(|e| panic!("{path}?{q}: {e:?}"));
        let bad = |path: &str, q: &str, body: &[u8]| parse_request(path, Some(q), body).expect_err(&format!("{path}?{q} parsed"));
        assert_eq!(ok("/api/events", "actor=RUS&limit=5").unwrap().actor.as_deref(), Some("RUS"));
        assert!(ok("/api/stats", "top=3").is_none());
        assert_eq!(ok("/api/actors/KAZ", "interval=year").unwrap().actor.as_deref(), Some("KAZ"));
        assert_eq!(bad("/api/stats", "top=0", b"").0, 400);
        assert_eq!(bad("/api/search", "limit=3", b"").1, "parameter q: required");
        assert_eq!(bad("/api/incidents", "sort=-mentions", b"").0, 400);
        assert_eq!(bad("/api/graph", "limit=2001", b"").1, "parameter limit: expected 1 to 2000");
        assert_eq!(bad("/api/export", "format=xls", b"").1, "parameter format: expected csv, jsonl or parquet");
        assert_eq!(bad("/api/events/0", "", b"").0, 400);
        assert_eq!(bad("/api/nothing", "", b"").0, 404);
        assert_eq!(bad("/api/events", &"a".repeat(40 * 1024), b"").0, 414);
        let sub = parse_request("/api/subscriptions", None, br#"{"name":"x","filter":{"actor":"RUS","limit":3}}"#);
        assert_eq!(sub.unwrap_err().0, 400, "limit is no filter parameter");
        let sub = parse_request("/api/subscriptions", None, br#"{"name":"x","filter":{"actor":"RUS"},"webhook":"https://example.org/h"}"#);
        assert_eq!(sub.unwrap().unwrap().actor.as_deref(), Some("RUS"));
        assert_eq!(bad("/api/subscriptions", "", br#"{"webhook":"ftp://x"}"#).1, "webhook: expected an http:// or https:// URL");
    }
}
