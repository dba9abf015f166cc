//! # When: every event's time, with where it comes from
//!
//! **In:** an [`Event`] whose `date` is what its sentence fixes (or, for events told in the
//! present or future, the article's date), and the article's [`ArticleTime`].
//! **Out:** the same event with `date_source` (`text` | `dateline` | `published` | `none`) and
//! `date_start`/`date_end`, the days the event may have taken place: the text date's range at
//! its precision, else the publication day, else the dateline's day (the record's `published` is
//! the metadata; a "dateline" found in the text may be the first date of the story).
//!
//! A text date is not the event's date when it cannot be (issue 13): before 1900, or more than a
//! year after the article's date for an event the article does not announce as planned (an
//! asserted past event dated 2063 is a number read as a year). Such a date is dropped and the
//! event falls back to the dateline or publication date like an undated one.
//!
//! **Must not:** invent a date when the article has none: with no text date, no dateline and no
//! publication date, `date_source` is `none` and the range is absent.

use crate::Event;
use jiff::civil::Date;

/// The article's own dates.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleTime {
    /// The record's `published` date.
    pub published: Option<Date>,
    /// The date the article gives itself: a dated dateline in its first lines, or a full date
    /// next to اليوم.
    pub dateline: Option<Date>,
}

impl ArticleTime {
    /// The article's date: `published`, else the dateline.
    pub fn reference(&self) -> Option<Date> {
        self.published.or(self.dateline)
    }
}

/// Earliest year a text date may have to be an event's date.
pub const MIN_EVENT_YEAR: i16 = 1900;

/// First and last day of an ISO value at its precision (`2015` → 2015-01-01 … 2015-12-31).
pub fn range_of(value: &str) -> Option<(Date, Date)> {
    let y: i16 = value.get(..4)?.parse().ok()?;
    match value.len() {
        4 => Some((Date::new(y, 1, 1).ok()?, Date::new(y, 12, 31).ok()?)),
        7 => {
            let m: i8 = value.get(5..7)?.parse().ok()?;
            let first = Date::new(y, m, 1).ok()?;
            Some((first, first.last_of_month()))
        }
        10 => {
            let d: Date = value.parse().ok()?;
            Some((d, d))
        }
        _ => None,
    }
}

/// Whether a text date can be the date of an event of this modality in an article of this date.
pub fn plausible(value: &str, modality: &str, reference: Option<Date>) -> bool {
    let Some((start, _)) = range_of(value) else { return false };
    if start.year() < MIN_EVENT_YEAR {
        return false;
    }
    if modality != "planned" {
        if let Some(r) = reference {
            if let Ok(limit) = r.checked_add(jiff::Span::new().days(366)) {
                if start > limit {
                    return false;
                }
            }
        }
    }
    true
}

/// Sets the event's `date_source`, `date_start` and `date_end`, dropping an implausible text date.
pub fn settle(ev: &mut Event, t: &ArticleTime) {
    let dateline = t.dateline.map(|d| d.to_string());
    let from_article = match ev.date_text.as_deref() {
        Some("publication date") => Some("published"),
        Some("article date") => Some("dateline"),
        // a past event dated by the day named before its sentence (lib.rs), when that day is
        // the article's dateline (الرياض 26 شوال 1436 هـ … then the event's sentence)
        Some(words) if dateline.is_some() && ev.date == dateline && !ev.evidence.contains(words) => Some("dateline"),
        _ => None,
    };
    if let (Some(v), None) = (&ev.date, from_article) {
        if !plausible(v, &ev.modality, t.reference()) {
            ev.date = None;
            ev.date_precision = None;
            ev.date_text = None;
        }
    }
    let (source, range) = match (&ev.date, from_article) {
        (Some(v), src) => (src.unwrap_or("text"), range_of(v)),
        (None, _) => match (t.published, t.dateline) {
            (Some(p), _) => ("published", Some((p, p))),
            (None, Some(d)) => ("dateline", Some((d, d))),
            (None, None) => ("none", None),
        },
    };
    ev.date_source = if range.is_some() { source } else { "none" }.to_string();
    ev.date_start = range.map(|r| r.0.to_string());
    ev.date_end = range.map(|r| r.1.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(date: Option<&str>, text: Option<&str>, modality: &str) -> Event {
        Event {
            event_type: "CONSULT".into(),
            mode: None,
            modality: modality.into(),
            source: Default::default(),
            target: Default::default(),
            date: date.map(str::to_string),
            date_precision: date.map(|d| match d.len() {
                4 => "year".to_string(),
                7 => "month".to_string(),
                _ => "day".to_string(),
            }),
            date_text: text.map(str::to_string),
            date_source: "none".into(),
            date_start: None,
            date_end: None,
            place: None,
            trigger: String::new(),
            span: Default::default(),
            evidence: String::new(),
            gloss: String::new(),
        }
    }

    /// (date, date_text, modality, published, dateline) → (date kept, source, start, end)
    #[test]
    fn sources_ranges_and_implausible_dates() {
        let d = |s: &str| s.parse::<Date>().ok();
        type Row<'a> = (Option<&'a str>, Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);
        let rows: &[Row] = &[
            // a day in the text
            (Some("2015-08-11"), Some("11 أغسطس"), "asserted", Some("2015-08-12"), None, Some("2015-08-11"), "text", Some("2015-08-11"), Some("2015-08-11")),
            // a month and a year keep their range
            (Some("2015-02"), Some("فبراير"), "asserted", None, None, Some("2015-02"), "text", Some("2015-02-01"), Some("2015-02-28")),
            (Some("2019"), Some("عام 2019"), "asserted", None, None, Some("2019"), "text", Some("2019-01-01"), Some("2019-12-31")),
            // the article's date given by extraction to a present/future event
            (Some("2026-12-01"), Some("publication date"), "asserted", Some("2026-12-01"), None, Some("2026-12-01"), "published", Some("2026-12-01"), Some("2026-12-01")),
            (Some("2015-08-11"), Some("article date"), "asserted", None, Some("2015-08-11"), Some("2015-08-11"), "dateline", Some("2015-08-11"), Some("2015-08-11")),
            // the dateline's words, named before the event's sentence
            (Some("2015-08-11"), Some("26 شوال 1436 هـ"), "asserted", None, Some("2015-08-11"), Some("2015-08-11"), "dateline", Some("2015-08-11"), Some("2015-08-11")),
            // a day named before the sentence that is not the dateline is a text date
            (Some("2015-08-09"), Some("السبت"), "asserted", None, Some("2015-08-11"), Some("2015-08-09"), "text", Some("2015-08-09"), Some("2015-08-09")),
            // undated: the publication date first, then the dateline, else none
            (None, None, "asserted", Some("2015-08-12"), Some("2015-08-11"), None, "published", Some("2015-08-12"), Some("2015-08-12")),
            (None, None, "asserted", None, Some("2015-08-11"), None, "dateline", Some("2015-08-11"), Some("2015-08-11")),
            (None, None, "asserted", Some("2015-08-12"), None, None, "published", Some("2015-08-12"), Some("2015-08-12")),
            (None, None, "asserted", None, None, None, "none", None, None),
            // before 1900: a Hijri year read as Gregorian, or history: not the event's date
            (Some("1436-10-04"), Some("٤-١٠-١٤٣٦"), "asserted", Some("2015-08-12"), None, None, "published", Some("2015-08-12"), Some("2015-08-12")),
            (Some("1260"), Some("عام 1260"), "asserted", None, None, None, "none", None, None),
            // more than a year after the article for an asserted event: a number, not a date
            (Some("2063"), Some("سنة 2063"), "asserted", Some("2018-05-02"), None, None, "published", Some("2018-05-02"), Some("2018-05-02")),
            (Some("2029"), Some("عام 2029"), "asserted", None, Some("2015-08-01"), None, "dateline", Some("2015-08-01"), Some("2015-08-01")),
            // … but a planned one may lie years ahead
            (Some("2030"), Some("عام 2030"), "planned", Some("2018-05-02"), None, Some("2030"), "text", Some("2030-01-01"), Some("2030-12-31")),
            // within a year after: kept
            (Some("2016-03"), Some("مارس المقبل"), "asserted", Some("2015-08-12"), None, Some("2016-03"), "text", Some("2016-03-01"), Some("2016-03-31")),
        ];
        for (date, text, modality, published, dateline, want_date, want_source, want_start, want_end) in rows {
            let mut e = ev(*date, *text, modality);
            settle(&mut e, &ArticleTime { published: published.and_then(d), dateline: dateline.and_then(d) });
            assert_eq!(e.date.as_deref(), *want_date, "{date:?} {text:?}");
            assert_eq!(e.date_source, *want_source, "{date:?} {text:?}");
            assert_eq!(e.date_start.as_deref(), *want_start, "{date:?} {text:?}");
            assert_eq!(e.date_end.as_deref(), *want_end, "{date:?} {text:?}");
            if e.date.is_none() {
                assert!(e.date_precision.is_none() && e.date_text.is_none());
            }
        }
    }
}
