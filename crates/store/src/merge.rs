//! Merging that respects time and story (issue 13).
//!
//! A report (an event mention) joins a stored event only when type and actors agree
//! ([`crate::EventKey`]) **and** their times are compatible ([`compatible`]):
//!
//! * a report dated by its text joins an event dated by text when one date lies inside the
//!   other's precision (2015-08-10 and 2015-08; never 2015 and 2026, even in one story); a day
//!   or month in the text joins an event known only from its articles' dates when it overlaps
//!   them widened by [`WINDOW_DAYS`], or when they share an article or story;
//! * a report without a text date (its time is its article's dateline or publication day) joins
//!   an event of the same article or story cluster, an event dated by text to a day or month
//!   that overlaps the article's date ± [`WINDOW_DAYS`], or an undated event whose articles'
//!   dates are within that window; with no date at all, only the same article or story. A year
//!   is too coarse to join by dates alone;
//! * an event with an unknown side (`?`) never merges across articles.
//!
//! The relation is symmetric ([`compatible`] of a report and an event gives the same answer with
//! their roles swapped), so `rebuild-events`, which reads the reports in a canonical order, finds
//! what ingest found.
//!
//! An event's time is computed from its reports ([`aggregate`]): the most precise text date
//! (ties: the earliest), else the span of its reports' article dates; it is recomputed
//! whenever its reports change, so it never takes the date of a later, unrelated report, and
//! a later report can only make it more precise (2015-03 → 2015-03-23), never move it
//! elsewhere or make it coarser.

use marsad_extract::when;

/// How many days around an article's date its undated reports may lie from an event.
pub const WINDOW_DAYS: i64 = 3;

/// The time of one report, or of one event: where it comes from and the days it spans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Time {
    /// `text`, `dateline`, `published` or `none`.
    pub source: String,
    /// The text date (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`) and its precision, for `text`.
    pub date: Option<String>,
    pub precision: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

impl Time {
    pub fn is_text(&self) -> bool {
        self.source == "text"
    }
}

fn precision_of(v: &str) -> &'static str {
    match v.len() {
        4 => "year",
        7 => "month",
        _ => "day",
    }
}

fn precision_rank(p: Option<&str>) -> u8 {
    match p {
        Some("day") => 0,
        Some("month") => 1,
        _ => 2,
    }
}

/// A report's time from what extraction said (`date`, `date_text`, and `date_source` with
/// `date_start`/`date_end` when the extractor set them) and its article's dates. Records from
/// before issue 13 (no `date_source`) are read by the same rules as `marsad_extract::when`.
pub fn report_time(
    date: Option<&str>,
    date_text: Option<&str>,
    modality: &str,
    given: Option<(&str, &str, &str)>,
    published: Option<&str>,
    reference: Option<&str>,
) -> Time {
    if let Some((source, start, end)) = given.filter(|g| g.0 != "none" && !g.0.is_empty()) {
        let text = source == "text";
        return Time {
            source: source.to_string(),
            date: if text { date.map(str::to_string) } else { None },
            precision: if text { date.map(|d| precision_of(d).to_string()) } else { None },
            start: Some(start.to_string()),
            end: Some(end.to_string()),
        };
    }
    let day = |s: Option<&str>| s.and_then(|p| p.get(..10)).and_then(|p| p.parse::<jiff::civil::Date>().ok());
    let (published, reference) = (day(published), day(reference));
    let from_article = matches!(date_text, Some("publication date") | Some("article date"));
    if let Some(d) = date {
        if !from_article && when::plausible(d, modality, reference) {
            if let Some((s, e)) = when::range_of(d) {
                return Time { source: "text".into(), date: Some(d.to_string()), precision: Some(precision_of(d).into()), start: Some(s.to_string()), end: Some(e.to_string()) };
            }
        }
    }
    match reference {
        Some(r) => Time {
            source: if published == Some(r) { "published" } else { "dateline" }.into(),
            start: Some(r.to_string()),
            end: Some(r.to_string()),
            ..Default::default()
        },
        None => Time { source: "none".into(), ..Default::default() },
    }
}

/// An event's time from its reports': the most precise text date (ties: the earliest),
/// else the span of the reports' article dates (source of the earliest), else none.
pub fn aggregate<'a>(reports: impl IntoIterator<Item = &'a Time>) -> Time {
    let reports: Vec<&Time> = reports.into_iter().collect();
    if let Some(t) = reports.iter().filter(|t| t.is_text()).min_by(|a, b| (precision_rank(a.precision.as_deref()), &a.start).cmp(&(precision_rank(b.precision.as_deref()), &b.start))) {
        return (*t).clone();
    }
    let anchored: Vec<&&Time> = reports.iter().filter(|t| t.start.is_some()).collect();
    let Some(first) = anchored.iter().min_by(|a, b| (&a.start, &a.source).cmp(&(&b.start, &b.source))) else {
        return Time { source: "none".into(), ..Default::default() };
    };
    Time {
        source: first.source.clone(),
        date: None,
        precision: None,
        start: first.start.clone(),
        end: anchored.iter().filter_map(|t| t.end.clone()).max(),
    }
}

fn shift(d: &str, days: i64) -> Option<String> {
    let d: jiff::civil::Date = d.parse().ok()?;
    d.checked_add(jiff::Span::new().days(days)).ok().map(|x| x.to_string())
}

/// `[start, end]` inside `[lo, hi]`.
fn inside(start: &str, end: &str, lo: &str, hi: &str) -> bool {
    lo <= start && end <= hi
}

/// The widest range of event dates a report could join, for a first cut in SQL
/// (`date_end >= lo AND date_start <= hi`); `None` when only its article or story may.
pub fn search_window(r: &Time) -> Option<(String, String)> {
    let (s, e) = (r.start.as_deref()?, r.end.as_deref()?);
    Some((shift(s, -WINDOW_DAYS)?, shift(e, WINDOW_DAYS)?))
}

/// What is known of a candidate event besides its time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Relation {
    /// The event was first read from the report's own article.
    pub same_article: bool,
    /// One of the event's reports is in the report's story cluster.
    pub same_story: bool,
    /// The event has an unknown side (`?`).
    pub unknown_side: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Anchored,
    None,
}

fn kind(t: &Time) -> Kind {
    match (t.is_text(), t.start.is_some() && t.end.is_some()) {
        (true, true) => Kind::Text,
        (false, true) => Kind::Anchored,
        _ => Kind::None,
    }
}

/// The order reports are placed in (ingest within an article, rebuild-events over the store):
/// text-dated first, then dated by their article, then undated.
pub fn rank(t: &Time) -> u8 {
    match kind(t) {
        Kind::Text => 0,
        Kind::Anchored => 1,
        Kind::None => 2,
    }
}

/// A text date (day or month; a year is too coarse) overlapping an article-date span widened by
/// [`WINDOW_DAYS`].
fn text_near(text: &Time, span: &Time) -> bool {
    if text.precision.as_deref() == Some("year") {
        return false;
    }
    let (Some(ts), Some(te), Some(ss), Some(se)) = (text.start.as_deref(), text.end.as_deref(), span.start.as_deref(), span.end.as_deref()) else { return false };
    let (Some(lo), Some(hi)) = (shift(ss, -WINDOW_DAYS), shift(se, WINDOW_DAYS)) else { return false };
    ts <= hi.as_str() && te >= lo.as_str()
}

/// Whether a report with time `r` may join an event with time `e` (module documentation). The
/// relation is symmetric: what `r` may join, an event of `r`'s time would let `e` join.
pub fn compatible(r: &Time, e: &Time, rel: Relation) -> bool {
    if rel.unknown_side && !rel.same_article {
        return false;
    }
    let near = rel.same_article || rel.same_story;
    match (kind(r), kind(e)) {
        // two text dates: one inside the other's precision, whatever the story
        (Kind::Text, Kind::Text) => {
            let (rs, re, es, ee) = (r.start.as_deref().unwrap_or(""), r.end.as_deref().unwrap_or(""), e.start.as_deref().unwrap_or(""), e.end.as_deref().unwrap_or(""));
            inside(rs, re, es, ee) || inside(es, ee, rs, re)
        }
        (Kind::None, _) | (_, Kind::None) => near,
        (Kind::Text, Kind::Anchored) => near || text_near(r, e),
        (Kind::Anchored, Kind::Text) => near || text_near(e, r),
        (Kind::Anchored, Kind::Anchored) => {
            near || {
                let (Some(lo), Some(hi)) = (shift(r.start.as_deref().unwrap_or(""), -WINDOW_DAYS), shift(r.end.as_deref().unwrap_or(""), WINDOW_DAYS)) else { return false };
                e.start.as_deref().is_some_and(|s| s <= hi.as_str()) && e.end.as_deref().is_some_and(|x| x >= lo.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: &str) -> Time {
        report_time(Some(d), Some("x"), "asserted", None, None, None)
    }
    fn anchored(source: &str, d: &str) -> Time {
        Time { source: source.into(), start: Some(d.into()), end: Some(d.into()), ..Default::default() }
    }
    fn none() -> Time {
        Time { source: "none".into(), ..Default::default() }
    }
    const NO: Relation = Relation { same_article: false, same_story: false, unknown_side: false };
    const STORY: Relation = Relation { same_article: false, same_story: true, unknown_side: false };
    const ARTICLE: Relation = Relation { same_article: true, same_story: true, unknown_side: false };
    const UNKNOWN: Relation = Relation { same_article: false, same_story: true, unknown_side: true };
    const UNKNOWN_SAME: Relation = Relation { same_article: true, same_story: true, unknown_side: true };

    /// (report, event, relation, compatible): one row per rule.
    #[test]
    fn compatibility_rules() {
        let rows: Vec<(Time, Time, Relation, bool)> = vec![
            (text("2015-08-10"), text("2015-08-10"), NO, true),
            (text("2015-08-10"), text("2015-08"), NO, true),
            (text("2015-08"), text("2015-08-10"), NO, true),
            (text("2015"), text("2015-08-10"), NO, true),
            (text("2015-08-10"), text("2015-08-11"), NO, false),
            (text("2026-12-01"), text("2015-03-23"), NO, false),
            // another year, even in the same story
            (text("2026"), text("2015"), STORY, false),
            // a text date near the event's articles' dates
            (text("2015-08-10"), anchored("published", "2015-08-11"), NO, true),
            (text("2015-08"), anchored("published", "2015-08-11"), NO, true),
            (text("2015"), anchored("published", "2015-08-11"), NO, false),
            (text("2015-07"), anchored("published", "2015-08-11"), NO, false),
            (text("2026-12-01"), anchored("published", "2015-08-11"), NO, false),
            // an undated report: its article's date near the event's
            (anchored("published", "2026-12-01"), text("2015-03-23"), NO, false),
            (anchored("published", "2015-03-24"), text("2015-03-23"), NO, true),
            (anchored("published", "2015-08-01"), text("2015-08"), NO, true),
            (anchored("published", "2015-09-02"), text("2015-08"), NO, true),
            (anchored("published", "2015-09-04"), text("2015-08"), NO, false),
            (anchored("published", "2015-08-11"), text("2015"), NO, false),
            (anchored("published", "2015-08-11"), anchored("dateline", "2015-08-09"), NO, true),
            (anchored("published", "2015-08-20"), anchored("dateline", "2015-08-09"), NO, false),
            (anchored("published", "2026-12-01"), anchored("published", "2015-08-11"), NO, false),
            // … or the same story or article, whatever the dates
            (anchored("published", "2015-08-20"), anchored("dateline", "2015-08-09"), STORY, true),
            (none(), anchored("published", "2015-08-11"), NO, false),
            (none(), none(), NO, false),
            (none(), none(), STORY, true),
            (none(), text("2015"), ARTICLE, true),
            (text("2015"), none(), ARTICLE, true),
            (text("2015-08-10"), anchored("published", "2015-12-01"), STORY, true),
            (text("2015-08-10"), none(), NO, false),
            // unknown side: never across articles
            (none(), none(), UNKNOWN, false),
            (anchored("published", "2015-08-11"), anchored("published", "2015-08-11"), UNKNOWN, false),
            (anchored("published", "2015-08-11"), anchored("published", "2015-08-11"), UNKNOWN_SAME, true),
            (text("2015-08-10"), text("2014"), UNKNOWN_SAME, false),
        ];
        for (i, (r, e, rel, want)) in rows.iter().enumerate() {
            assert_eq!(compatible(r, e, *rel), *want, "row {i}: {r:?} ~ {e:?} {rel:?}");
            assert_eq!(compatible(e, r, *rel), *want, "row {i} reversed: the relation is symmetric");
        }
    }

    #[test]
    fn an_events_time_comes_from_its_reports_whatever_their_order() {
        let reports = [anchored("published", "2015-08-12"), text("2015-08"), text("2015-08-10"), anchored("dateline", "2015-08-11")];
        let want = Time { source: "text".into(), date: Some("2015-08-10".into()), precision: Some("day".into()), start: Some("2015-08-10".into()), end: Some("2015-08-10".into()) };
        assert_eq!(aggregate(&reports), want);
        let rev: Vec<Time> = reports.iter().rev().cloned().collect();
        assert_eq!(aggregate(&rev), want);
        // undated reports: the span of their articles' dates, from the earliest's source
        let a = aggregate(&[anchored("published", "2015-08-12"), anchored("dateline", "2015-08-11")]);
        assert_eq!((a.source.as_str(), a.start.as_deref(), a.end.as_deref(), a.date), ("dateline", Some("2015-08-11"), Some("2015-08-12"), None));
        assert_eq!(aggregate(&[none()]).source, "none");
    }

    #[test]
    fn old_records_are_read_by_the_extractors_rules() {
        // (date, date_text, published, reference) → (source, start, end)
        let rows: &[(Option<&str>, Option<&str>, Option<&str>, Option<&str>, &str, Option<&str>, Option<&str>)] = &[
            (Some("2015-08"), Some("أغسطس"), None, None, "text", Some("2015-08-01"), Some("2015-08-31")),
            (Some("1436-10-04"), Some("٤-١٠-١٤٣٦"), None, None, "none", None, None),
            (Some("2063"), Some("سنة 2063"), None, Some("2018-05-02"), "dateline", Some("2018-05-02"), Some("2018-05-02")),
            (Some("2026-12-01"), Some("publication date"), Some("2026-12-01"), Some("2026-12-01"), "published", Some("2026-12-01"), Some("2026-12-01")),
            (None, None, Some("2015-03-23T10:00:00Z"), Some("2015-03-23"), "published", Some("2015-03-23"), Some("2015-03-23")),
        ];
        for (date, dt, p, r, src, s, e) in rows {
            let t = report_time(*date, *dt, "asserted", None, *p, *r);
            assert_eq!((t.source.as_str(), t.start.as_deref(), t.end.as_deref()), (*src, *s, *e), "{date:?}");
        }
    }
}
