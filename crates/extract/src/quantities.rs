//! # Quantities: money, percentages, measures and counts
//!
//! **In:** an article's text, its [`marsad_text::Doc`] and the date spans already found.
//! **Out:** [`QuantityMention`]s: `MONEY` (ISO 4217 unit), `PERCENT` (`%`), `MEASURE` (`t`, `km`,
//! `bbl`, `m3`, `MW`, `day`, `month`, `year`…) and `COUNT` (a cardinal before a counted noun:
//! `18 اتفاقية`, `4 آلاف شركة`, `أربع مناطق`; or after `عدد … إلى`: `ليصل عدد أعضائها إلى خمسة`).
//!
//! Numbers come from [`crate::numbers::NumberWords`]; units from `data/lexicon/units.tsv`; the
//! words around numbers (approximation cues, label words such as القرار/المادة/الساعة, words that
//! follow numbers without being counted) from `data/lexicon/quantity_words.tsv`.
//!
//! **Never quantities:** numbers inside date spans (years, days of month), times (`الساعة 10`,
//! `10:30`), ordinals (`الثامن`, `الـ180`), phone numbers and digit runs, numbers glued to a name
//! by a hyphen (`إف-16`, `كوفيد-19`), labels (`القرار 2254`, `المادة 5`), bare numbers with no
//! unit or counted noun.

use marsad_text::{Doc, Token, TokenKind};

use crate::dates::DateMention;
use crate::numbers::{fold, tsv_rows, NumberWords, PhraseTable, Starts, WordSet};

const UNITS: &str = include_str!("../../../data/lexicon/units.tsv");
const QUANTITY_WORDS: &str = include_str!("../../../data/lexicon/quantity_words.tsv");

/// What kind of quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QuantityKind {
    Money,
    Percent,
    Measure,
    Count,
}

/// One quantity in the text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QuantityMention {
    /// Byte span in the original text: the number, its scale word and its unit or counted noun.
    pub start: usize,
    pub end: usize,
    pub kind: QuantityKind,
    pub value: f64,
    /// ISO 4217 code for money, `%` for percentages, a unit code for measures, `None` for counts.
    pub unit: Option<String>,
    /// حوالي، نحو، قرابة، زهاء، ما يقارب، أكثر من، أقل من، تقريبا…
    pub approx: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unit {
    kind: QuantityKind,
    /// index into `QuantityFinder::codes`; `usize::MAX` for a currency with no code
    code: usize,
    /// a dual form standing alone (يومين = 2 days)
    dual: bool,
}

/// Finds quantities. Build once with [`QuantityFinder::new`].
pub struct QuantityFinder {
    numbers: NumberWords,
    units: PhraseTable<Unit>,
    codes: Vec<String>,
    approx_before: Vec<Vec<String>>,
    approx_after: PhraseTable<()>,
    blockers: WordSet,
    count_intro: WordSet,
    not_counted: WordSet,
    time_plural: WordSet,
    /// words a quantity can start with
    starts: Starts,
}

impl Default for QuantityFinder {
    fn default() -> Self {
        Self::new()
    }
}

const NO_CODE: usize = usize::MAX;

impl QuantityFinder {
    pub fn new() -> Self {
        let mut units = PhraseTable::new();
        let mut codes: Vec<String> = Vec::new();
        for row in tsv_rows(UNITS) {
            if row.len() < 3 {
                continue;
            }
            let kind = match row[0] {
                "MONEY" => QuantityKind::Money,
                "PERCENT" => QuantityKind::Percent,
                "MEASURE" => QuantityKind::Measure,
                _ => continue,
            };
            let code = if row[1] == "-" {
                NO_CODE
            } else {
                match codes.iter().position(|c| c == row[1]) {
                    Some(p) => p,
                    None => {
                        codes.push(row[1].to_string());
                        codes.len() - 1
                    }
                }
            };
            for f in row[2].split('|') {
                units.insert(f, Unit { kind, code, dual: false });
            }
            if let Some(d) = row.get(3).filter(|d| **d != "-") {
                for f in d.split('|') {
                    units.insert(f, Unit { kind, code, dual: true });
                }
            }
        }
        let mut approx_before = Vec::new();
        let mut approx_after = PhraseTable::new();
        let (mut blockers, mut count_intro, mut not_counted, mut time_plural) = (WordSet::new(), WordSet::new(), WordSet::new(), WordSet::new());
        for row in tsv_rows(QUANTITY_WORDS) {
            if row.len() < 2 {
                continue;
            }
            for f in row[1].split('|') {
                match row[0] {
                    "approx_before" => approx_before.push(fold(f).split(' ').map(str::to_string).collect()),
                    "approx_after" => approx_after.insert(f, ()),
                    "blocker" => blockers.insert(f),
                    "count_intro" => count_intro.insert(f),
                    "not_counted" => not_counted.insert(f),
                    "time_plural" => time_plural.insert(f),
                    _ => {}
                }
            }
        }
        // longest cue first
        approx_before.sort_by_key(|a: &Vec<String>| std::cmp::Reverse(a.len()));
        let numbers = NumberWords::new();
        let mut starts = Starts::new();
        for w in numbers.forms() {
            starts.add(w, true);
        }
        for w in units.first_words(|u| u.dual) {
            starts.add(w, false);
        }
        for row in tsv_rows(QUANTITY_WORDS).filter(|r| r[0] == "time_plural") {
            for f in row.get(1).copied().unwrap_or("").split('|') {
                starts.add(&fold(f), false);
            }
        }
        QuantityFinder { numbers, units, codes, approx_before, approx_after, blockers, count_intro, not_counted, time_plural, starts }
    }

    fn unit_code(&self, u: Unit) -> Option<String> {
        (u.code != NO_CODE).then(|| self.codes[u.code].clone())
    }

    /// All quantities of `text`. `dates` are the date spans already found: numbers inside them
    /// are never quantities.
    pub fn find(&self, _text: &str, doc: &Doc, dates: &[DateMention]) -> Vec<QuantityMention> {
        let toks = &doc.tokens;
        let mut in_date = vec![false; toks.len()];
        {
            let mut d = 0;
            for (k, t) in toks.iter().enumerate() {
                while d < dates.len() && dates[d].end <= t.start {
                    d += 1;
                }
                in_date[k] = d < dates.len() && dates[d].start < t.end;
            }
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            let word_may_start = |t: &Token| {
                self.starts.contains(&t.norm) || toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::Word && n.norm.starts_with("ال") && self.starts.contains(&n.norm))
            };
            if in_date[i] || (t.kind == TokenKind::Word && !word_may_start(t)) || t.kind == TokenKind::Latin {
                i += 1;
                continue;
            }
            match self.at(toks, i, &in_date) {
                Some((q, next)) => {
                    out.push(q);
                    i = next.max(i + 1);
                }
                None => i += 1,
            }
        }
        out
    }

    /// A quantity starting at token `i`.
    fn at(&self, toks: &[Token], i: usize, in_date: &[bool]) -> Option<(QuantityMention, usize)> {
        let t = &toks[i];
        match t.kind {
            TokenKind::Number => self.number_at(toks, i, in_date),
            TokenKind::Word => {
                // السنوات الخمس الماضية، الاتفاقيات الثماني عشرة
                if let Some(r) = self.definite_pair(toks, i, in_date) {
                    return Some(r);
                }
                // a dual unit alone: يومين، شهرين، عامين
                if let Some((u, n, _)) = self.units.find(toks, i, true, |u| u.dual) {
                    let q = QuantityMention { start: t.start, end: toks[i + n - 1].end, kind: u.kind, value: 2.0, unit: self.unit_code(u), approx: self.approx_before_at(toks, i) };
                    return Some((q, i + n));
                }
                if self.numbers.is_number_word(&t.norm) {
                    return self.number_at(toks, i, in_date);
                }
                None
            }
            TokenKind::Punct => {
                // $5, €10
                if let Some((u, 1, _)) = self.units.find(toks, i, false, |u| u.kind == QuantityKind::Money) {
                    if toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::Number && n.start == t.end) && !in_date[i + 1] {
                        let (v, n) = self.numbers.parse_at(toks, i + 1)?;
                        let q = QuantityMention { start: t.start, end: toks[i + n].end, kind: QuantityKind::Money, value: v, unit: self.unit_code(u), approx: self.approx_before_at(toks, i) };
                        return Some((q, i + 1 + n));
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn number_at(&self, toks: &[Token], i: usize, in_date: &[bool]) -> Option<(QuantityMention, usize)> {
        let t = &toks[i];
        let is_digits = t.kind == TokenKind::Number;
        if is_digits && self.label_number(toks, i) {
            return None;
        }
        if i > 0 && self.blocked(toks, i) {
            return None;
        }
        let (value, n) = self.numbers.parse_at(toks, i)?;
        let mut j = i + n;
        if (j - 1..j).any(|k| in_date[k]) {
            return None;
        }
        // the number itself is a word: it must not have ال unless definite-pair (handled elsewhere)
        let word_definite = !is_digits && self.numbers.is_definite(&t.norm);
        let after_al = i > 0 && toks[i - 1].kind == TokenKind::Word && toks[i - 1].norm == "ال" && toks[i - 1].end <= t.start;
        let approx = self.approx_before_at(toks, i);
        // unit (money, percent, measure)
        if let Some((u, un, _)) = self.units.find(toks, j, false, |u| !u.dual) {
            if !in_date.get(j).copied().unwrap_or(false) {
                j += un;
                let approx = approx || self.approx_after_at(toks, j);
                let q = QuantityMention { start: t.start, end: toks[j - 1].end, kind: u.kind, value, unit: self.unit_code(u), approx };
                return Some((q, j));
            }
        }
        if word_definite || after_al {
            return None;
        }
        // a counted noun right after the number
        if let Some(noun) = toks.get(j) {
            let ok_value = (is_digits || value >= 3.0) && value.fract() == 0.0;
            if ok_value && noun.kind == TokenKind::Word && noun.sentence == t.sentence && !in_date[j] && self.is_counted_noun(&noun.norm) {
                j += 1;
                let approx = approx || self.approx_after_at(toks, j);
                let q = QuantityMention { start: t.start, end: toks[j - 1].end, kind: QuantityKind::Count, value, unit: None, approx };
                return Some((q, j));
            }
        }
        // عدد … إلى خمسة
        if self.count_intro_before(toks, i, j) {
            let q = QuantityMention { start: t.start, end: toks[j - 1].end, kind: QuantityKind::Count, value, unit: None, approx };
            return Some((q, j));
        }
        None
    }

    /// A digit token that is part of a label: phone numbers, times, digit runs, model names.
    fn label_number(&self, toks: &[Token], i: usize) -> bool {
        let t = &toks[i];
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        let next = toks.get(i + 1);
        // + before (phone), : around (time)
        if let Some(p) = prev {
            if p.kind == TokenKind::Punct && p.end == t.start && (p.norm == "+" || p.norm == ":") && i >= 1 && (p.norm == "+" || toks.get(i.wrapping_sub(2)).is_some_and(|q| q.kind == TokenKind::Number && q.end == p.start)) {
                return true;
            }
            // a hyphen glued to a word or Latin name: إف-16، كوفيد-19، S-400
            if p.kind == TokenKind::Punct && (p.norm == "-" || p.norm == "/") && i >= 2 {
                let q = &toks[i - 2];
                if q.end == p.start && (q.kind == TokenKind::Word || q.kind == TokenKind::Latin) && !matches!(q.norm.as_str(), "و") {
                    return true;
                }
            }
            // another number just before, separated by a space only: a digit run (phone, code)
            if p.kind == TokenKind::Number {
                return true;
            }
            if p.kind == TokenKind::Latin && p.end == t.start {
                return true;
            }
        }
        if let Some(n) = next {
            if n.kind == TokenKind::Punct && n.norm == ":" && n.start == t.end && toks.get(i + 2).is_some_and(|x| x.kind == TokenKind::Number && x.start == n.end) {
                return true;
            }
            if n.kind == TokenKind::Number {
                return true;
            }
            if n.kind == TokenKind::Latin && n.start == t.end {
                return true;
            }
        }
        // long digit strings starting with 0 (phone numbers)
        t.norm.len() >= 7 && t.norm.starts_with('0') && !t.norm.contains('.')
    }

    /// The word just before the number (or before ال/بـ attached to it) is a label word.
    fn blocked(&self, toks: &[Token], i: usize) -> bool {
        let mut k = i - 1;
        if toks[k].kind == TokenKind::Word && (toks[k].norm == "ال" || toks[k].norm == "ب" || toks[k].norm == "ل") && k > 0 {
            k -= 1;
        }
        let p = &toks[k];
        if p.kind != TokenKind::Word || p.sentence != toks[i].sentence {
            return false;
        }
        if self.blockers.contains(&p.norm) {
            return true;
        }
        for pre in ["و", "ف", "ب", "ل"] {
            if let Some(rest) = p.norm.strip_prefix(pre) {
                if self.blockers.contains(rest) {
                    return true;
                }
            }
        }
        false
    }

    fn is_counted_noun(&self, norm: &str) -> bool {
        if nchars_lt(norm, 2) || word_has_article(norm) || self.not_counted.contains(norm) || self.numbers.is_number_word(norm) {
            return false;
        }
        // a definite word behind a proclitic (والتنصيص، بالمئة), a pronoun suffix (لتزويدهم),
        // a و + past-tense plural verb (وخطفوا): not an indefinite counted noun
        if ["وال", "فال", "بال", "كال", "لل"].iter().any(|p| norm.starts_with(p)) || norm.ends_with("هم") || norm.ends_with("هما") {
            return false;
        }
        if let Some(rest) = norm.strip_prefix('و') {
            if self.not_counted.contains(rest) || rest.ends_with("وا") {
                return false;
            }
        }
        true
    }

    /// An approximation cue ending right before token `i` (a lone بـ/لـ/الـ in between is skipped).
    fn approx_before_at(&self, toks: &[Token], i: usize) -> bool {
        let mut end = i;
        if end > 0 && toks[end - 1].kind == TokenKind::Word && matches!(toks[end - 1].norm.as_str(), "ب" | "ل" | "ال") {
            end -= 1;
        }
        'cue: for cue in &self.approx_before {
            if cue.len() > end {
                continue;
            }
            let s = end - cue.len();
            if toks[s].sentence != toks[i].sentence {
                continue;
            }
            // (last word first: it must be written as the cue is, so most cues fail at once)
            for (k, w) in cue.iter().enumerate().rev() {
                let tn = &toks[s + k].norm;
                let ok = if k == 0 { tn == w || ["و", "ف", "ب", "ل", "وب", "ول"].iter().any(|p| tn.strip_prefix(p) == Some(w.as_str())) } else { tn == w };
                if !ok {
                    continue 'cue;
                }
            }
            return true;
        }
        false
    }

    fn approx_after_at(&self, toks: &[Token], j: usize) -> bool {
        // right after, or after one adjective (14 اجتماعا ثنائيا تقريبا is rare; 70 عاما تقريبا)
        self.approx_after.find(toks, j, true, |_| true).is_some()
    }

    /// `عدد` (with ال or a proclitic) within six tokens before `i` in the same clause, with
    /// إلى/الى/هو or the number itself right after a word of that stretch.
    fn count_intro_before(&self, toks: &[Token], i: usize, j: usize) -> bool {
        let lo = i.saturating_sub(6);
        let prev = i.checked_sub(1).map(|p| toks[p].norm.as_str()).unwrap_or("");
        let linked = matches!(prev, "الي" | "هو" | "بلغ" | "يبلغ" | "ب") || prev.ends_with("ها") || prev.ends_with("هم");
        // or the number closes the clause: بلغ عدد الضحايا 50.
        let closes = match toks.get(j) {
            None => true,
            Some(n) => n.sentence != toks[i].sentence || n.kind == TokenKind::Punct || (n.kind == TokenKind::Word && self.not_counted.contains(&n.norm)),
        };
        if !linked && !closes {
            return false;
        }
        for k in (lo..i).rev() {
            let tk = &toks[k];
            if tk.sentence != toks[i].sentence || (tk.kind == TokenKind::Punct && tk.norm != "،") {
                return false;
            }
            if tk.kind != TokenKind::Word {
                continue;
            }
            let n = tk.norm.as_str();
            let bare = n.strip_prefix("ال").unwrap_or(n);
            if self.count_intro.contains(n) || self.count_intro.contains(bare) || ["و", "ف", "ب", "ل"].iter().any(|p| n.strip_prefix(p).is_some_and(|r| self.count_intro.contains(r) || r.strip_prefix("ال").is_some_and(|r2| self.count_intro.contains(r2)))) {
                return true;
            }
        }
        false
    }

    /// A definite noun followed by a definite cardinal: `السنوات الخمس` (MEASURE 5 year),
    /// `الاتفاقيات الثماني عشرة` (COUNT 18). Only for cardinals whose ordinal differs (3–19).
    fn definite_pair(&self, toks: &[Token], i: usize, in_date: &[bool]) -> Option<(QuantityMention, usize)> {
        let t = &toks[i];
        let noun = strip_conj(&t.norm);
        if !word_has_article(noun) || nchars_lt(noun, 5) {
            return None;
        }
        let nt = toks.get(i + 1)?;
        if nt.kind != TokenKind::Word || !word_has_article(&nt.norm) || in_date[i + 1] || in_date[i] {
            return None;
        }
        let (value, n) = self.numbers.parse_at(toks, i + 1)?;
        if !(3.0..=19.0).contains(&value) || value.fract() != 0.0 {
            return None;
        }
        // the first number word must be a unit (3–10) or a teen; tens like الثلاثين read as ordinals
        let approx = self.approx_before_at(toks, i);
        if self.time_plural.contains(noun) {
            let unit = self.units.find(toks, i, true, |_| true).and_then(|(u, _, _)| self.unit_code(u)).or_else(|| time_unit_of(noun));
            let q = QuantityMention { start: t.start, end: toks[i + n].end, kind: QuantityKind::Measure, value, unit, approx };
            return Some((q, i + 1 + n));
        }
        // a plural-looking noun: ends in ات or is a broken plural we cannot see; keep to ات/ين/ون
        let bare = noun.strip_prefix("ال").unwrap_or(noun);
        if bare.ends_with("ات") || bare.ends_with("ين") || bare.ends_with("ون") || n > 1 {
            let q = QuantityMention { start: t.start, end: toks[i + n].end, kind: QuantityKind::Count, value, unit: None, approx };
            return Some((q, i + 1 + n));
        }
        None
    }
}

fn time_unit_of(noun: &str) -> Option<String> {
    let u = match noun {
        "السنوات" | "الاعوام" | "السنين" => "year",
        "الايام" => "day",
        "الاشهر" | "الشهور" => "month",
        "الاسابيع" => "week",
        "الساعات" => "hour",
        "الدقايق" => "minute",
        "العقود" => "decade",
        _ => return None,
    };
    Some(u.to_string())
}

fn strip_conj(n: &str) -> &str {
    if let Some(r) = n.strip_prefix('و').or_else(|| n.strip_prefix('ف')) {
        if r.starts_with("ال") {
            return r;
        }
    }
    n
}

fn word_has_article(n: &str) -> bool {
    (n.starts_with("ال") || n.starts_with("لل")) && n.chars().count() > 3
}

fn nchars_lt(s: &str, n: usize) -> bool {
    s.chars().count() < n
}

#[cfg(test)]
mod tests;
