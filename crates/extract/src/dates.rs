//! # Dates: date expressions and their resolution
//!
//! **In:** an article's text and its [`marsad_text::Doc`].
//! **Out:** [`DateMention`]s (sorted, non-overlapping) saying what the text itself fixes: day,
//! month, year, a day range, a month range, a weekday, or a relative expression; and, given a
//! reference date (publication date or a date inferred from the article), an ISO value with its
//! [`Precision`] via [`DateMention::resolve`].
//!
//! Covered: `22 أكتوبر/تشرين الأول 2025`, `أكتوبر (تشرين الأول)`, Levantine and Maghreb month names,
//! day ranges (`12-13 أكتوبر`, `يومي 10 و11 سبتمبر`), month ranges (`من يناير إلى نوفمبر 2025`),
//! `مارس 1992`, `منتصف يوليو 2016` (month precision), `عام 2019`/`في 2017` (year precision),
//! numeric `22/10/2025` and `2025-10-22`, weekdays (`يوم الاثنين`, `اليوم الأربعاء`), `اليوم`/`أمس`/
//! `غدا`/`أول أمس`, `الأسبوع/الشهر/العام الماضي|المقبل|الجاري`, `فبراير الماضي`, `12 نوفمبر المقبل`.
//! Hijri dates (`26 شوال 1436 هـ`, `عام 1441 هـ`, and numeric dates whose year lies in
//! 1300–1500, `٤-١٠-١٤٣٦`) are converted to Gregorian with the Umm al-Qura calendar of ICU4X
//! (`icu_calendar`; KACST tables for 1300–1600 AH): a day stays a day (26 شوال 1436 → 2015-08-11),
//! a Hijri month becomes the Gregorian month holding its 15th day (month precision) and a Hijri
//! year the Gregorian year holding its middle (year precision); [`DateMention::hijri_iso`] keeps
//! the Hijri value to show beside it. A year that is part of a name (`أجندة 2063`,
//! `رؤية السعودية لعام 2030`: a `name_head` word of `date_words.tsv` shortly before) is recognised,
//! so it is not read as a quantity, and resolves to `None`.
//!
//! Word lists: `data/lexicon/months.tsv`, `weekdays.tsv`, `date_words.tsv`.
//!
//! ## Resolution rules (documented, deliberately simple)
//! - A date with its own year resolves without a reference.
//! - A month (and day) without a year: `الماضي` → the latest such month before the reference;
//!   `المقبل` → the next one after it; `الجاري` → the reference's year. Otherwise, when the
//!   context announces the future ([`DateMention::future`]: سوف، المقرر، a سـ verb…) the next
//!   occurrence on or after the reference month; else the reference year when the month is at most
//!   two months ahead of the reference, and the previous occurrence otherwise (news mostly looks back).
//! - A weekday: with a future context or `المقبل`, the next such day on or after the reference;
//!   otherwise the most recent one on or before it.
//! - `الأسبوع الماضي` etc. resolve to the month of reference ± 7 days (no week precision exists).

use jiff::civil::Date;
use marsad_text::{Doc, Token, TokenKind};

use crate::numbers::{skip_letters, tsv_rows, PhraseTable, Starts, WordSet};

const MONTHS: &str = include_str!("../../../data/lexicon/months.tsv");
const WEEKDAYS: &str = include_str!("../../../data/lexicon/weekdays.tsv");
const DATE_WORDS: &str = include_str!("../../../data/lexicon/date_words.tsv");

/// How precise a resolved date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Day,
    Month,
    Year,
}

/// A date relative to the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relative {
    /// اليوم
    Today,
    /// أمس (-1), غدا (1), أول أمس (-2)
    DaysOffset(i32),
    /// a weekday name alone (0 = Monday … 6 = Sunday); `named`: with المقبل/الماضي after it, which
    /// never means the reference's own day (الثلاثاء المقبل said on a Tuesday is a week on)
    Weekday { weekday: u8, named: bool },
    /// الأسبوع الماضي (-1), الأسبوع المقبل (1), هذا الأسبوع (0)
    WeekOffset(i32),
    /// الشهر الماضي (-1), الشهر المقبل (1), الشهر الجاري (0)
    MonthOffset(i32),
    /// العام الماضي (-1), العام المقبل (1), هذا العام (0)
    YearOffset(i32),
    /// a named month followed by الماضي: the latest one before the reference
    MonthNamedPast,
    /// a named month followed by المقبل/القادم: the next one after the reference
    MonthNamedNext,
    /// a named month followed by الجاري/الحالي: the one of the reference's year
    MonthNamedCurrent,
}

/// One date expression in the text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DateMention {
    /// Byte span in the original text (a leading proclitic و/ف/ب/ل is left out).
    pub start: usize,
    pub end: usize,
    /// What the text itself says.
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// Last day of a day range (`12-13 أكتوبر` → day 12, end_day 13).
    pub end_day: Option<u8>,
    /// Last month of a month range (`من يناير إلى نوفمبر 2025` → month 1, end_month 11).
    pub end_month: Option<u8>,
    /// Year of the range's end when the text gives one.
    pub end_year: Option<i32>,
    /// The weekday named in the expression, if any (0 = Monday … 6 = Sunday).
    pub weekday: Option<u8>,
    pub relative: Option<Relative>,
    /// A Hijri date: its fields are Hijri, and [`DateMention::resolve`] converts them.
    pub hijri: bool,
    /// The year is part of a name (أجندة 2063): not a date, [`DateMention::resolve`] gives `None`.
    pub in_name: bool,
    /// The context says the date lies ahead (سوف، المقرر، a سـ verb, الخميس المقبل).
    pub future: bool,
}

impl DateMention {
    fn empty(start: usize) -> Self {
        DateMention { start, end: start, year: None, month: None, day: None, end_day: None, end_month: None, end_year: None, weekday: None, relative: None, hijri: false, in_name: false, future: false }
    }

    /// ISO value and precision given a reference date, e.g. `("2025-10-22", Day)`,
    /// `("2025-10", Month)`, `("2019", Year)`. `None` for Hijri dates and when the text gives too
    /// little and no reference helps, and for a year inside a name. Hijri dates are converted
    /// (module documentation). See the module documentation for the rules.
    pub fn resolve(&self, reference: Option<Date>) -> Option<(String, Precision)> {
        if self.in_name {
            return None;
        }
        if self.hijri {
            return self.resolve_hijri(reference);
        }
        if let Some(m) = self.month {
            let year = match self.year {
                Some(y) => y,
                None => {
                    let r = reference?;
                    let (ry, rm, rd) = (r.year() as i32, r.month() as u8, r.day() as u8);
                    let d = self.day.unwrap_or(0);
                    match self.relative {
                        Some(Relative::MonthNamedPast) => {
                            if m < rm || (m == rm && self.day.is_some() && d < rd) {
                                ry
                            } else {
                                ry - 1
                            }
                        }
                        Some(Relative::MonthNamedNext) => {
                            if m > rm || (m == rm && d > rd) {
                                ry
                            } else {
                                ry + 1
                            }
                        }
                        Some(Relative::MonthNamedCurrent) => ry,
                        Some(Relative::MonthOffset(_)) => return self.resolve_month_offset(reference),
                        _ => {
                            let ahead = (m as i32 - rm as i32).rem_euclid(12);
                            if self.future || ahead <= 2 {
                                ry + (rm as i32 + ahead > 12) as i32
                            } else {
                                ry - (m > rm) as i32
                            }
                        }
                    }
                }
            };
            return Some(format_ymd(year, m, self.day));
        }
        if let Some(y) = self.year {
            return Some((format!("{y:04}"), Precision::Year));
        }
        let r = reference?;
        match self.relative? {
            Relative::Today => Some(day_iso(r)),
            Relative::DaysOffset(n) => r.checked_add(jiff::Span::new().days(n as i64)).ok().map(day_iso),
            Relative::Weekday { weekday, named } => {
                let rw = r.weekday().to_monday_zero_offset() as i32;
                let w = weekday as i32;
                let mut delta = if self.future { (w - rw).rem_euclid(7) } else { -((rw - w).rem_euclid(7)) };
                if named && delta == 0 {
                    delta = if self.future { 7 } else { -7 };
                }
                r.checked_add(jiff::Span::new().days(delta as i64)).ok().map(day_iso)
            }
            Relative::WeekOffset(n) => {
                let d = r.checked_add(jiff::Span::new().days(7 * n as i64)).ok()?;
                Some((format!("{:04}-{:02}", d.year(), d.month()), Precision::Month))
            }
            Relative::MonthOffset(_) => self.resolve_month_offset(reference),
            Relative::YearOffset(n) => Some((format!("{:04}", r.year() as i32 + n), Precision::Year)),
            _ => None,
        }
    }

    /// The Hijri value as written, ISO-like (`1436-10-26`, `1436-10`, `1436`), with the year taken
    /// from the reference when the text gives none; `None` for Gregorian dates.
    pub fn hijri_iso(&self, reference: Option<Date>) -> Option<String> {
        if !self.hijri || self.in_name {
            return None;
        }
        let y = match self.year {
            Some(y) => y,
            None => self.hijri_year_from(reference?)?,
        };
        Some(match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}"),
        })
    }

    /// A Hijri day and month without a year: the Hijri year that puts it at most about two months
    /// after the reference (news mostly looks back), as for Gregorian months.
    fn hijri_year_from(&self, reference: Date) -> Option<i32> {
        let (ry, rm, _) = gregorian_to_hijri(reference)?;
        let m = self.month? as i32;
        let ahead = (m - rm as i32).rem_euclid(12);
        Some(if self.future || ahead <= 2 { ry + (rm as i32 + ahead > 12) as i32 } else { ry - (m > rm as i32) as i32 })
    }

    fn resolve_hijri(&self, reference: Option<Date>) -> Option<(String, Precision)> {
        let y = match self.year {
            Some(y) => y,
            None => self.hijri_year_from(reference?)?,
        };
        match (self.month, self.day) {
            (Some(m), Some(d)) => match hijri_to_gregorian(y, m, d) {
                Some(g) => Some(day_iso(g)),
                // a day the month does not have (30 in a 29-day month): the month
                None => hijri_to_gregorian(y, m, 15).map(|g| (format!("{:04}-{:02}", g.year(), g.month()), Precision::Month)),
            },
            (Some(m), None) => hijri_to_gregorian(y, m, 15).map(|g| (format!("{:04}-{:02}", g.year(), g.month()), Precision::Month)),
            _ => hijri_to_gregorian(y, 7, 1).map(|g| (format!("{:04}", g.year()), Precision::Year)),
        }
    }

    /// The full Gregorian day this mention fixes without a reference (a dated dateline), if any.
    pub fn full_day(&self) -> Option<Date> {
        if self.in_name {
            return None;
        }
        let (y, m, d) = (self.year?, self.month?, self.day?);
        if self.hijri {
            hijri_to_gregorian(y, m, d)
        } else {
            Date::new(y as i16, m as i8, d as i8).ok()
        }
    }

    fn resolve_month_offset(&self, reference: Option<Date>) -> Option<(String, Precision)> {
        let r = reference?;
        let Some(Relative::MonthOffset(n)) = self.relative else { return None };
        let idx = r.year() as i32 * 12 + (r.month() as i32 - 1) + n;
        let (y, m) = (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u8);
        Some(format_ymd(y, m, self.day))
    }
}

/// The latest date the text fixes by itself, as the first day of its precision (عام 2025 →
/// 2025-01-01; a range by its last year: 2017 – 2020 → 2020-01-01), for persons' roles when the
/// article has no date of its own.
pub fn latest_full_day(dates: &[DateMention]) -> Option<Date> {
    let start = dates.iter().filter_map(|d| d.resolve(None)).filter_map(|(v, _)| crate::when::range_of(&v)).map(|r| r.0);
    let range_ends = dates.iter().filter(|d| !d.hijri && !d.in_name).filter_map(|d| d.end_year).filter(|y| (1900..=2100).contains(y)).filter_map(|y| Date::new(y as i16, 1, 1).ok());
    start.chain(range_ends).max()
}

/// A Hijri (Umm al-Qura) date in the Gregorian calendar; `None` when the day does not exist.
pub fn hijri_to_gregorian(year: i32, month: u8, day: u8) -> Option<Date> {
    use icu_calendar::cal::Hijri;
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) || !(1..=3000).contains(&year) {
        return None;
    }
    let h = icu_calendar::Date::try_new_hijri_with_calendar(year, month, day, Hijri::new_umm_al_qura()).ok()?;
    // a day past the month's end is moved into the next month by some constructors: refuse it
    if h.day_of_month().0 != day || h.month().ordinal != month {
        return None;
    }
    let g = h.to_calendar(icu_calendar::Iso);
    Date::new(i16::try_from(g.year().extended_year()).ok()?, g.month().ordinal as i8, g.day_of_month().0 as i8).ok()
}

/// A Gregorian date in the Hijri (Umm al-Qura) calendar: (year, month, day).
pub fn gregorian_to_hijri(d: Date) -> Option<(i32, u8, u8)> {
    use icu_calendar::cal::Hijri;
    let iso = icu_calendar::Date::try_new_iso(d.year() as i32, d.month() as u8, d.day() as u8).ok()?;
    let h = iso.to_calendar(Hijri::new_umm_al_qura());
    Some((h.year().extended_year(), h.month().ordinal, h.day_of_month().0))
}

fn day_iso(d: Date) -> (String, Precision) {
    (format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()), Precision::Day)
}

fn format_ymd(y: i32, m: u8, d: Option<u8>) -> (String, Precision) {
    if let Some(d) = d {
        if Date::new(y as i16, m as i8, d as i8).is_ok() {
            return (format!("{y:04}-{m:02}-{d:02}"), Precision::Day);
        }
    }
    (format!("{y:04}-{m:02}"), Precision::Month)
}

/// A month name entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MonthName {
    month: u8,
    hijri: bool,
    /// also an ordinary word or a name: needs context
    ambiguous: bool,
}

/// Roles of the words around dates (see `data/lexicon/date_words.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    RelDay(i32),
    RelWeek(i32),
    RelMonth(i32),
    RelYear(i32),
    Named(i32),
    Part,
    YearCue,
    WeakCue,
    MonthIntro,
    DayIntro,
    Link,
    Of,
    Range,
    Hijri,
    Gregorian,
    Future,
    NameHead,
}

/// What a day- or month-led core expression found.
#[derive(Debug, Clone, Copy, Default)]
struct Core {
    day: Option<u8>,
    end_day: Option<u8>,
    month: Option<u8>,
    year: Option<i32>,
    hijri: bool,
    relative: Option<Relative>,
    /// index of the first token after the core
    next: usize,
}

/// Finds date expressions. Build once with [`DateFinder::new`], then call [`DateFinder::find`].
pub struct DateFinder {
    months: PhraseTable<MonthName>,
    weekdays: PhraseTable<u8>,
    words: PhraseTable<Role>,
    not_future: WordSet,
    /// words a date can start with
    starts: Starts,
}

impl Default for DateFinder {
    fn default() -> Self {
        Self::new()
    }
}

fn num(toks: &[Token], k: usize) -> Option<u32> {
    let t = toks.get(k)?;
    if t.kind != TokenKind::Number || t.norm.len() > 4 || !t.norm.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.norm.parse().ok()
}

/// A day written as an ordinal word at token `k` (matching form, with or without a leading
/// و/ف/ب/ل/في-less article): the day and the number of tokens it takes (الرابع → 4; الحادي عشر →
/// 11; الحادي والعشرين → 21).
fn ordinal_day(toks: &[Token], k: usize) -> Option<(u32, usize)> {
    const UNITS: &[(&str, u32)] = &[
        ("الاول", 1), ("الحادي", 1), ("الثاني", 2), ("الثالث", 3), ("الرابع", 4), ("الخامس", 5), ("السادس", 6), ("السابع", 7), ("الثامن", 8), ("التاسع", 9), ("العاشر", 10),
    ];
    let word = |k: usize| toks.get(k).filter(|t| t.kind == TokenKind::Word).map(|t| t.norm.as_str());
    let w = word(k)?;
    let w = ["و", "ف", "ب"].iter().find_map(|p| w.strip_prefix(p).filter(|r| r.starts_with("ال"))).unwrap_or(w);
    // (every ordinal below is written with ال: nothing else to compare)
    if !w.starts_with("ال") {
        return None;
    }
    if let Some(d) = [("العشرين", 20), ("الثلاثين", 30)].iter().find(|(f, _)| *f == w).map(|x| x.1) {
        return Some((d, 1));
    }
    let (_, unit) = UNITS.iter().find(|(f, _)| *f == w)?;
    match word(k + 1) {
        Some("عشر") if *unit < 10 => Some((unit + 10, 2)),
        Some("والعشرين") if *unit < 10 => Some((unit + 20, 2)),
        Some("والثلاثين") if *unit <= 1 => Some((unit + 30, 2)),
        _ => Some((*unit, 1)),
    }
}

fn adjacent(toks: &[Token], a: usize, b: usize) -> bool {
    matches!((toks.get(a), toks.get(b)), (Some(x), Some(y)) if x.end == y.start)
}

fn is_punct(toks: &[Token], k: usize, set: &[&str]) -> bool {
    matches!(toks.get(k), Some(t) if t.kind == TokenKind::Punct && set.contains(&t.norm.as_str()))
}

impl DateFinder {
    pub fn new() -> Self {
        let mut months = PhraseTable::new();
        for row in tsv_rows(MONTHS) {
            if row.len() < 3 {
                continue;
            }
            let Ok(month) = row[1].parse::<u8>() else { continue };
            let hijri = row[0] == "h";
            for f in row[2].split('|') {
                let ambiguous = f.starts_with('~');
                months.insert(f.trim_start_matches('~'), MonthName { month, hijri, ambiguous });
            }
        }
        let mut weekdays = PhraseTable::new();
        for row in tsv_rows(WEEKDAYS) {
            if row.len() < 2 {
                continue;
            }
            let Ok(w) = row[0].parse::<u8>() else { continue };
            for f in row[1].split('|') {
                weekdays.insert(f, w);
            }
        }
        let mut words = PhraseTable::new();
        let mut not_future = WordSet::new();
        for row in tsv_rows(DATE_WORDS) {
            if row.len() < 3 {
                continue;
            }
            let v: i32 = row[1].parse().unwrap_or(0);
            let role = match row[0] {
                "rel_day" => Role::RelDay(v),
                "rel_week" => Role::RelWeek(v),
                "rel_month" => Role::RelMonth(v),
                "rel_year" => Role::RelYear(v),
                "named" => Role::Named(v),
                "part" => Role::Part,
                "year_cue" => Role::YearCue,
                "weak_cue" => Role::WeakCue,
                "month_intro" => Role::MonthIntro,
                "day_intro" => Role::DayIntro,
                "link" => Role::Link,
                "of" => Role::Of,
                "range" => Role::Range,
                "hijri" => Role::Hijri,
                "gregorian" => Role::Gregorian,
                "future" => Role::Future,
                "name_head" => Role::NameHead,
                "not_future" => {
                    for f in row[2].split('|') {
                        not_future.insert(f);
                    }
                    continue;
                }
                _ => continue,
            };
            for f in row[2].split('|') {
                words.insert(f, role);
            }
        }
        let mut starts = Starts::new();
        for w in months.first_words(|_| true) {
            starts.add(w, false);
        }
        for w in weekdays.first_words(|_| true) {
            starts.add(w, false);
        }
        for w in words.first_words(|r| matches!(r, Role::RelDay(_) | Role::DayIntro | Role::MonthIntro | Role::Part | Role::YearCue | Role::RelWeek(_) | Role::RelMonth(_) | Role::RelYear(_))) {
            starts.add(w, false);
        }
        DateFinder { months, weekdays, words, not_future, starts }
    }

    fn role(&self, toks: &[Token], k: usize, procl: bool, pred: impl Fn(Role) -> bool) -> Option<(Role, usize, usize)> {
        self.words.find(toks, k, procl, pred)
    }

    fn has_role(&self, toks: &[Token], k: usize, pred: impl Fn(Role) -> bool) -> bool {
        self.words.find(toks, k, false, pred).is_some()
    }

    /// All date mentions of `text`, sorted by start and non-overlapping.
    pub fn find(&self, text: &str, doc: &Doc) -> Vec<DateMention> {
        let toks = &doc.tokens;
        let mut out: Vec<DateMention> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if t.kind != TokenKind::Number && !(t.kind == TokenKind::Word && (self.starts.contains(&t.norm) || ordinal_day(toks, i).is_some())) {
                i += 1;
                continue;
            }
            match self.parse_at(text, toks, i) {
                Some((m, next)) => {
                    // a range: a first date without a year joined to a second one
                    let (m, next) = self.merge_range(text, toks, m, next);
                    out.push(m);
                    i = next.max(i + 1);
                }
                None => i += 1,
            }
        }
        out
    }

    /// `من يناير/كانون الثاني إلى نوفمبر/تشرين الثاني 2025`: the first end borrows the year.
    fn merge_range(&self, text: &str, toks: &[Token], mut m: DateMention, next: usize) -> (DateMention, usize) {
        if m.year.is_some() || m.month.is_none() || m.hijri || m.relative.is_some() {
            return (m, next);
        }
        let is_range = is_punct(toks, next, &["-", "–", "—"]) || self.has_role(toks, next, |r| r == Role::Range);
        if !is_range {
            return (m, next);
        }
        let Some(c) = self.core_at(toks, next + 1, true) else { return (m, next) };
        let (Some(em), Some(ey)) = (c.month, c.year) else { return (m, next) };
        if c.hijri {
            return (m, next);
        }
        let sm = m.month.unwrap_or(em);
        m.year = Some(if sm > em { ey - 1 } else { ey });
        if em != sm {
            m.end_month = Some(em);
        }
        if c.day.is_some() {
            m.end_day = c.day;
        }
        m.end_year = Some(ey);
        m.end = self.core_end(text, toks, c.next);
        (m, c.next)
    }

    fn core_end(&self, _text: &str, toks: &[Token], next: usize) -> usize {
        toks[next - 1].end
    }

    /// A numeric date at `i`: 22/10/2025, 22-10-2025, 22.10.2025, 2025-10-22, 2025/10/22.
    fn numeric_at(&self, text: &str, toks: &[Token], i: usize) -> Option<(DateMention, usize)> {
        let t = toks.get(i)?;
        if t.kind != TokenKind::Number {
            return None;
        }
        // dotted: the tokenizer reads 22.10.2025 as one number; look at the original text
        let raw = &text[t.start..t.end];
        if raw.matches(['.', '٫']).count() == 2 {
            let parts: Vec<u32> = raw.split(['.', '٫']).filter_map(|p| ascii_digits(p).parse().ok()).collect();
            if parts.len() == 3 {
                let (d, mo, y) = (parts[0], parts[1], parts[2]);
                if let Some(m) = dmy(t.start, t.end, d, mo, y) {
                    return Some((m, i + 1));
                }
            }
        }
        let seps = ["/", "-", "\\"];
        if is_punct(toks, i + 1, &seps) && adjacent(toks, i, i + 1) && adjacent(toks, i + 1, i + 2) && adjacent(toks, i + 2, i + 3) && adjacent(toks, i + 3, i + 4) && toks.get(i + 3).map(|x| x.norm.as_str()) == toks.get(i + 1).map(|x| x.norm.as_str()) {
            let (a, b, c) = (num(toks, i)?, num(toks, i + 2)?, num(toks, i + 4)?);
            let (al, cl) = (toks[i].norm.len(), toks[i + 4].norm.len());
            let m = if al == 4 && cl <= 2 { dmy(t.start, toks[i + 4].end, c, b, a) } else if al <= 2 && cl == 4 { dmy(t.start, toks[i + 4].end, a, b, c) } else { None };
            if let Some(m) = m {
                return Some((m, i + 5));
            }
        }
        None
    }

    /// A month name at `k` (optionally with a proclitic) and its doubled form
    /// (`أكتوبر/تشرين الأول`, `أكتوبر (تشرين الأول)`): the month and the index after it.
    fn month_at(&self, toks: &[Token], k: usize, procl: bool) -> Option<(MonthName, usize, bool, usize)> {
        let (mn, n, pl) = self.months.find(toks, k, procl, |_| true)?;
        let mut next = k + n;
        let mut doubled = false;
        if is_punct(toks, next, &["/", "(", "-", "–"]) {
            if let Some((m2, n2, _)) = self.months.find(toks, next + 1, false, |m| m.hijri == mn.hijri) {
                let _ = m2;
                doubled = true;
                let open = toks[next].norm == "(";
                next += 1 + n2;
                if open && is_punct(toks, next, &[")"]) {
                    next += 1;
                }
            }
        }
        Some((mn, next, doubled, pl))
    }

    /// A year at `k`: four digits (1000–2100, or any 4-digit number with a Hijri marker), with an
    /// optional هـ / م marker. Returns (year, hijri, next index).
    fn year_at(&self, toks: &[Token], k: usize) -> Option<(i32, bool, usize)> {
        let t = toks.get(k)?;
        if t.kind != TokenKind::Number || t.norm.len() != 4 {
            return None;
        }
        let y: i32 = t.norm.parse().ok()?;
        if let Some((_, n, _)) = self.role(toks, k + 1, false, |r| r == Role::Hijri) {
            return Some((y, true, k + 1 + n));
        }
        if !(1000..=2100).contains(&y) {
            return None;
        }
        if let Some((_, n, _)) = self.role(toks, k + 1, false, |r| r == Role::Gregorian) {
            return Some((y, false, k + 1 + n));
        }
        Some((y, false, k + 1))
    }

    /// Day- or month-led core at `k`. `ctx`: a cue word precedes (licenses ambiguous month names).
    fn core_at(&self, toks: &[Token], k: usize, ctx: bool) -> Option<Core> {
        let mut c = Core::default();
        let mut j = k;
        let mut had_day = false;
        let mut intro = false;
        // an ordinal day before من and a month (في الرابع من يوليو، الحادي والعشرين من مارس)
        let ordinal = ordinal_day(toks, k).filter(|&(_, n)| self.has_role(toks, k + n, |r| r == Role::Of) && self.months.find(toks, k + n + 1, false, |_| true).is_some());
        if let Some(d) = ordinal.map(|(d, _)| d).or_else(|| num(toks, k).filter(|d| (1..=31).contains(d) && toks[k].norm.len() <= 2)) {
            // day, optional range, optional من, then a month (or a relative month)
            j = k + ordinal.map_or(1, |(_, n)| n);
            c.day = Some(d as u8);
            if is_punct(toks, j, &["-", "–", "—"]) || self.has_role(toks, j, |r| r == Role::Range) {
                if let Some(d2) = num(toks, j + 1).filter(|&d2| d2 > d && d2 <= 31 && toks[j + 1].norm.len() <= 2) {
                    c.end_day = Some(d2 as u8);
                    j += 2;
                }
            }
            if self.has_role(toks, j, |r| r == Role::Of) && (self.months.find(toks, j + 1, false, |_| true).is_some() || self.role(toks, j + 1, false, |r| matches!(r, Role::RelMonth(_))).is_some()) {
                j += 1;
            }
            had_day = true;
            if let Some((Role::RelMonth(n), used, _)) = self.role(toks, j, false, |r| matches!(r, Role::RelMonth(_))) {
                c.relative = Some(Relative::MonthOffset(n));
                c.next = j + used;
                return Some(c);
            }
        } else if let Some((_, n, _)) = self.role(toks, k, true, |r| r == Role::MonthIntro) {
            if self.months.find(toks, k + n, false, |_| true).is_some() {
                j = k + n;
                intro = true;
            }
        }
        let (mn, after, doubled, _) = self.month_at(toks, j, !had_day && j == k)?;
        c.month = Some(mn.month);
        c.hijri = mn.hijri;
        j = after;
        if let Some((y, hijri, n)) = self.year_at(toks, j) {
            c.year = Some(y);
            c.hijri |= hijri;
            j = n;
        }
        let mut named = None;
        if c.year.is_none() {
            if let Some((Role::Named(v), n, _)) = self.role(toks, j, false, |r| matches!(r, Role::Named(_))) {
                named = Some(v);
                j += n;
            }
        }
        if mn.ambiguous && !had_day && !intro && c.year.is_none() && !doubled && !ctx && named.is_none() {
            return None;
        }
        if mn.hijri && !had_day && c.year.is_none() {
            // a Hijri month name alone (رمضان) is not worth a mention
            return None;
        }
        c.relative = match named {
            Some(-1) => Some(Relative::MonthNamedPast),
            Some(1) => Some(Relative::MonthNamedNext),
            Some(0) => Some(Relative::MonthNamedCurrent),
            _ => None,
        };
        c.next = j;
        Some(c)
    }

    /// True when the token before `k` is a cue that licenses an ambiguous month name.
    fn cue_before(&self, toks: &[Token], k: usize) -> bool {
        k > 0 && self.role(toks, k - 1, true, |r| matches!(r, Role::WeakCue | Role::Part | Role::MonthIntro | Role::Range | Role::Of)).is_some()
    }

    /// A weekday at `k` that really is a day (not الاثنين "the two" nor الأحد عشر "the eleven").
    fn weekday_at(&self, toks: &[Token], k: usize, procl: bool, introduced: bool) -> Option<(u8, usize, usize)> {
        let (w, n, pl) = self.weekdays.find(toks, k, procl, |_| true)?;
        if let Some(next) = toks.get(k + n) {
            if next.kind == TokenKind::Word && (next.norm == "عشر" || next.norm == "عشره") {
                return None;
            }
        }
        if w == 0 && !introduced && pl == 0 && k > 0 {
            // الاثنين after a dual noun (البلدين الاثنين، الطرفان الاثنان) is the number two
            let prev = &toks[k - 1];
            // (the number agrees with its noun: a definite dual; بوتين الاثنين is a day)
            let definite = {
                let w = prev.norm.trim_start_matches(['و', 'ف']);
                w.starts_with("ال") || w.starts_with("لل") || w.strip_prefix(['ب', 'ك']).is_some_and(|w| w.starts_with("ال"))
            };
            if prev.kind == TokenKind::Word && prev.sentence == toks[k].sentence && definite && (prev.norm.ends_with("ين") || prev.norm.ends_with("ان")) && nchars_gt(&prev.norm, 4) {
                return None;
            }
            if prev.kind == TokenKind::Word && matches!(prev.norm.as_str(), "كلا" | "كلتا" | "هما" | "هذين" | "هاذين") {
                return None;
            }
        }
        Some((w, n, pl))
    }

    /// A date expression starting at token `i`, and the index after it.
    fn parse_at(&self, text: &str, toks: &[Token], i: usize) -> Option<(DateMention, usize)> {
        let t = &toks[i];
        if t.kind == TokenKind::Number {
            if let Some(r) = self.numeric_at(text, toks, i) {
                return Some(r);
            }
        } else if t.kind != TokenKind::Word {
            return None;
        }
        let mut m = DateMention::empty(t.start);
        let mut k = i;
        let mut introduced = false;
        let mut first = true;
        let set_start = |m: &mut DateMention, k: usize, pl: usize, first: &mut bool| {
            if *first {
                m.start = skip_letters(text, toks[k].start, pl);
                *first = false;
            }
        };
        // prefix 1: اليوم / أمس / غدا, or يوم / يومي
        if let Some((r, n, pl)) = self.role(toks, k, true, |r| matches!(r, Role::RelDay(_) | Role::DayIntro)) {
            match r {
                Role::RelDay(0) => m.relative = Some(Relative::Today),
                Role::RelDay(d) => m.relative = Some(Relative::DaysOffset(d)),
                _ => {}
            }
            set_start(&mut m, k, pl, &mut first);
            k += n;
            introduced = true;
            // يوم أمس، يوم غد
            if m.relative.is_none() {
                if let Some((Role::RelDay(d), n2, _)) = self.role(toks, k, false, |r| matches!(r, Role::RelDay(_))) {
                    m.relative = Some(if d == 0 { Relative::Today } else { Relative::DaysOffset(d) });
                    k += n2;
                }
            }
        }
        // prefix 2: a weekday
        if let Some((w, n, pl)) = self.weekday_at(toks, k, k == i, introduced) {
            set_start(&mut m, k, pl, &mut first);
            m.weekday = Some(w);
            k += n;
            if let Some((_, n2, _)) = self.role(toks, k, false, |r| r == Role::Link) {
                if self.core_at(toks, k + n2, true).is_some() {
                    k += n2;
                }
            }
        }
        let prefix_end = k;
        // core: day/month-led, optionally after a part word (منتصف، نهاية)
        let mut part_used = false;
        let mut core = None;
        if let Some(c) = self.core_at(toks, k, self.cue_before(toks, k) || (k > i)) {
            core = Some((c, k));
        } else if let Some((_, n, pl)) = self.role(toks, k, true, |r| r == Role::Part) {
            let kk = k + n;
            if let Some(c) = self.core_at(toks, kk, true).filter(|c| c.day.is_none() && c.month.is_some()) {
                if first {
                    m.start = skip_letters(text, toks[k].start, pl);
                    first = false;
                }
                part_used = true;
                core = Some((c, kk));
            }
        }
        if let Some((c, ck)) = core {
            if first {
                // a proclitic on the month word is left out of the span
                let pl = self.months.find(toks, ck, true, |_| true).map(|x| x.2).filter(|_| num(toks, ck).is_none()).unwrap_or(0);
                m.start = skip_letters(text, toks[ck].start, pl);
            }
            m.day = if part_used { None } else { c.day };
            m.end_day = if part_used { None } else { c.end_day };
            m.month = c.month;
            m.year = c.year;
            m.hijri = c.hijri;
            if c.relative.is_some() {
                m.relative = c.relative;
            }
            m.end = toks[c.next - 1].end;
            if m.month.is_some() && m.year.is_none() && m.relative.is_none() {
                m.future = self.future_context(toks, i, c.next);
            }
            return Some((m, c.next));
        }
        // year cue: عام 2019، العام 2019، سنة 1436 هـ
        if k == i {
            if let Some((_, n, pl)) = self.role(toks, k, true, |r| r == Role::YearCue) {
                if let Some((y, hijri, next)) = self.year_at(toks, k + n) {
                    m.start = skip_letters(text, toks[k].start, pl);
                    m.year = Some(y);
                    m.hijri = hijri;
                    m.in_name = self.name_before(toks, k);
                    m.end = toks[next - 1].end;
                    return Some((m, next));
                }
            }
            // relative week / month / year (checked before the weak cue: منذ العام الماضي)
            if let Some((r, n, pl)) = self.role(toks, k, true, |r| matches!(r, Role::RelWeek(_) | Role::RelMonth(_) | Role::RelYear(_))) {
                m.start = skip_letters(text, toks[k].start, pl);
                m.relative = Some(match r {
                    Role::RelWeek(v) => Relative::WeekOffset(v),
                    Role::RelMonth(v) => Relative::MonthOffset(v),
                    _ => match r {
                        Role::RelYear(v) => Relative::YearOffset(v),
                        _ => unreachable!(),
                    },
                });
                m.end = toks[k + n - 1].end;
                return Some((m, k + n));
            }
        }
        // a bare year after a weak cue (في 2017، منذ 2011) or with a Hijri marker (1436 هـ)
        if k == i && t.kind == TokenKind::Number {
            if let Some((y, hijri, mut next)) = self.year_at(toks, k) {
                let cue = k > 0 && self.role(toks, k - 1, true, |r| r == Role::WeakCue).is_some();
                let marked = next > k + 1;
                // a year range 2017 – 2020 stands without a cue
                let mut end_year = None;
                if !hijri && is_punct(toks, next, &["-", "–", "—"]) {
                    if let Some((y2, false, n2)) = self.year_at(toks, next + 1) {
                        if y2 > y && y2 - y <= 100 && (1900..=2100).contains(&y) {
                            end_year = Some(y2);
                            next = n2;
                        }
                    }
                }
                if hijri || marked || end_year.is_some() || (cue && (1900..=2100).contains(&y)) {
                    m.year = Some(y);
                    m.end_year = end_year;
                    m.hijri = hijri;
                    m.in_name = end_year.is_none() && self.name_before(toks, k);
                    m.end = toks[next - 1].end;
                    return Some((m, next));
                }
            }
            return None;
        }
        if prefix_end > i {
            // a weekday and/or a relative day alone
            if m.weekday.is_none() && m.relative.is_none() {
                return None; // يوم alone
            }
            let mut end_k = prefix_end;
            if let Some(w) = m.weekday {
                if m.relative.is_none() {
                    m.relative = Some(Relative::Weekday { weekday: w, named: false });
                }
                // الخميس المقبل / الماضي
                if let Some((Role::Named(v), n, _)) = self.role(toks, end_k, false, |r| matches!(r, Role::Named(_))) {
                    end_k += n;
                    m.future = v > 0;
                    if let Some(Relative::Weekday { named, .. }) = &mut m.relative {
                        *named = true;
                    }
                } else {
                    m.future = self.future_context(toks, i, end_k);
                }
            }
            m.end = toks[end_k - 1].end;
            return Some((m, end_k));
        }
        None
    }

    /// A word that makes a following year part of a name (أجندة الاتحاد الإفريقي لسنة 2063، رؤية
    /// 2030) among the four words before token `k`, in the same sentence.
    fn name_before(&self, toks: &[Token], k: usize) -> bool {
        let Some(sent) = toks.get(k).map(|t| t.sentence) else { return false };
        (k.saturating_sub(4)..k).any(|j| toks[j].sentence == sent && toks[j].kind == TokenKind::Word && self.has_role_procl(toks, j, |r| r == Role::NameHead))
    }

    fn has_role_procl(&self, toks: &[Token], k: usize, pred: impl Fn(Role) -> bool) -> bool {
        self.words.find(toks, k, true, pred).is_some()
    }

    /// A future cue in the same sentence shortly before the mention (سوف، المقرر، سيجتمعان…) or
    /// right after it (المقبل).
    fn future_context(&self, toks: &[Token], start: usize, end: usize) -> bool {
        let sent = toks[start].sentence;
        let lo = start.saturating_sub(8);
        for k in (lo..start).rev() {
            let t = &toks[k];
            if t.sentence != sent {
                break;
            }
            if t.kind != TokenKind::Word {
                continue;
            }
            if self.role(toks, k, true, |r| r == Role::Future).is_some() {
                return true;
            }
            if start - k <= 4 && self.is_future_verb(&t.norm) {
                return true;
            }
        }
        for k in end..(end + 2).min(toks.len()) {
            if toks[k].sentence != sent {
                break;
            }
            if self.role(toks, k, false, |r| r == Role::Future).is_some() {
                return true;
            }
        }
        false
    }

    /// سـ + a present-tense prefix (سيجتمعان، ستعقد، سنعمل), excluding listed non-verbs.
    fn is_future_verb(&self, norm: &str) -> bool {
        let w = norm.strip_prefix('و').or_else(|| norm.strip_prefix('ف')).unwrap_or(norm);
        let Some(rest) = w.strip_prefix('س') else { return false };
        if !(rest.starts_with('ي') || rest.starts_with('ت') || rest.starts_with('ن')) || !nchars_gt(w, 4) {
            return false;
        }
        !self.not_future.contains(w) && !self.not_future.contains(norm)
    }
}

fn nchars_gt(s: &str, n: usize) -> bool {
    s.chars().nth(n).is_some()
}

fn ascii_digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| match marsad_text::fold_char(c) {
            marsad_text::Fold::Char(d) if d.is_ascii_digit() => Some(d),
            _ => None,
        })
        .collect()
}

fn dmy(start: usize, end: usize, d: u32, mo: u32, y: u32) -> Option<DateMention> {
    let (d, mo) = if mo > 12 && d <= 12 { (mo, d) } else { (d, mo) };
    if !(1..=31).contains(&d) || !(1..=12).contains(&mo) || !(1000..=2100).contains(&y) {
        return None;
    }
    let mut m = DateMention::empty(start);
    m.end = end;
    m.day = Some(d as u8);
    m.month = Some(mo as u8);
    m.year = Some(y as i32);
    // ٤-١٠-١٤٣٦: a numeric year 1300–1500 in news is Hijri (1882–2077)
    m.hijri = (1300..=1500).contains(&y);
    Some(m)
}

#[cfg(test)]
mod tests;
