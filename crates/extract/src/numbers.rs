//! # Numbers: digits and number words → values
//!
//! **In:** the tokens of a [`marsad_text::Doc`] and a position.
//! **Out:** the value of the cardinal number starting there and how many tokens it uses:
//! digits (`8.95`), digits with a scale word (`8.95 مليارات` → 8.95e9, `15 ألفا`), number words
//! (`خمسة`, `ثمانية عشر`, `الثماني عشرة`, `خمسة وعشرون`, `ثلاث مئة`, `مئة ألف`, `مليار`,
//! `مليارا` = 2e9 alone, `نصف مليون`).
//!
//! The words live in `data/lexicon/number_words.tsv`. This module also holds the small table
//! helpers the date and quantity finders share ([`PhraseTable`], the TSV reader, a fast hasher).
//!
//! **Must not:** read ordinals (الثامن، الثالثة are not in the table) or plural scale words standing
//! alone (آلاف الأشخاص is not a number).


use marsad_text::{Token, TokenKind};

const NUMBER_WORDS: &str = include_str!("../../../data/lexicon/number_words.tsv");

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Word maps with fast (Fx) hashing: keys are short strings from our own data files.
pub(crate) type FxMap<K, V> = marsad_kb::HashMap<K, V>;

/// The data rows of an embedded TSV file: comments and blank lines skipped, columns split at TAB.
pub(crate) fn tsv_rows(src: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    src.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.split('\t').map(str::trim).collect())
}

/// The matching form of a dictionary entry (same folding as the text).
pub(crate) fn fold(s: &str) -> String {
    marsad_text::normalize(s)
}

/// Single proclitic letters and pairs accepted before a dictionary word (the text layer's set
/// without its empty entry).
const PROCLITICS: &[&str] = marsad_text::PROCLITICS.split_at(1).1;

/// Number of characters (letters) in a matching form.
#[inline]
pub(crate) fn nchars(s: &str) -> usize {
    s.chars().count()
}

/// Byte offset in `text` after skipping `n` letters of the token starting at `start` (diacritics
/// and tatweel between them are skipped too). Used to leave a proclitic out of a span.
pub(crate) fn skip_letters(text: &str, start: usize, n: usize) -> usize {
    if n == 0 {
        return start;
    }
    let mut seen = 0;
    for (k, c) in text[start..].char_indices() {
        if seen == n {
            if matches!(marsad_text::fold_char(c), marsad_text::Fold::Drop) {
                continue;
            }
            return start + k;
        }
        if let marsad_text::Fold::Char(_) = marsad_text::fold_char(c) {
            seen += 1;
        }
    }
    text.len()
}

/// A table of one- or multi-word phrases in matching form, looked up at a token position.
/// Each first word maps to its phrases, longest first.
pub(crate) struct PhraseTable<T> {
    map: FxMap<String, Vec<(Vec<String>, T)>>,
}

impl<T: Copy> PhraseTable<T> {
    pub(crate) fn new() -> Self {
        PhraseTable { map: FxMap::default() }
    }

    pub(crate) fn insert(&mut self, form: &str, v: T) {
        let n = fold(form.trim());
        if n.is_empty() {
            return;
        }
        let mut parts = n.split(' ').map(str::to_string);
        let first = parts.next().unwrap_or_default();
        let rest: Vec<String> = parts.collect();
        let e = self.map.entry(first).or_default();
        e.push((rest, v));
        e.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
    }

    /// The first words of all phrases whose value satisfies `pred`.
    pub(crate) fn first_words(&self, pred: impl Fn(T) -> bool) -> Vec<&str> {
        self.map.iter().filter(|(_, v)| v.iter().any(|(_, x)| pred(*x))).map(|(k, _)| k.as_str()).collect()
    }

    fn with_first(&self, first: &str, toks: &[Token], i: usize, pred: &impl Fn(T) -> bool) -> Option<(T, usize)> {
        let cands = self.map.get(first)?;
        'c: for (rest, v) in cands {
            if !pred(*v) {
                continue;
            }
            for (k, w) in rest.iter().enumerate() {
                match toks.get(i + 1 + k) {
                    Some(t) if t.norm == *w => {}
                    _ => continue 'c,
                }
            }
            return Some((*v, 1 + rest.len()));
        }
        None
    }

    /// The longest phrase at token `i` whose value satisfies `pred`: (value, tokens used, letters of
    /// proclitic on the first token). With `procl`, a proclitic (و ف ب ل ك and pairs, and ل+ال
    /// written لل) may be attached to the first word.
    pub(crate) fn find(&self, toks: &[Token], i: usize, procl: bool, pred: impl Fn(T) -> bool) -> Option<(T, usize, usize)> {
        let t = toks.get(i)?;
        if let Some((v, n)) = self.with_first(&t.norm, toks, i, &pred) {
            return Some((v, n, 0));
        }
        if !procl || t.kind != TokenKind::Word {
            return None;
        }
        for p in PROCLITICS {
            if let Some(rest) = t.norm.strip_prefix(p) {
                if nchars(rest) >= 2 {
                    if let Some((v, n)) = self.with_first(rest, toks, i, &pred) {
                        return Some((v, n, nchars(p)));
                    }
                }
            }
        }
        // ل + ال is written لل (للعام = ل + العام)
        for p in ["", "و", "ف"] {
            if let Some(rest) = t.norm.strip_prefix(p).and_then(|r| r.strip_prefix("لل")) {
                if !rest.is_empty() {
                    let cand = format!("ال{rest}");
                    if let Some((v, n)) = self.with_first(&cand, toks, i, &pred) {
                        return Some((v, n, nchars(p)));
                    }
                }
            }
        }
        None
    }
}

/// The words a mention can start with, in every written shape: as listed, with a proclitic, and
/// (for `article`) with ال, proclitic + ال and ل + ال (لل). One hash lookup per token then tells a
/// finder whether anything can start there.
pub(crate) struct Starts {
    set: FxMap<String, ()>,
}

impl Starts {
    pub(crate) fn new() -> Self {
        Starts { set: FxMap::default() }
    }
    /// Adds a word already in matching form.
    pub(crate) fn add(&mut self, w: &str, article: bool) {
        let mut bases = vec![w.to_string()];
        if article {
            bases.push(format!("ال{w}"));
        }
        // a listed word with ال takes ل as لل
        let lam = |b: &str| b.strip_prefix("ال").map(|r| format!("لل{r}"));
        for b in bases {
            if let Some(l) = lam(&b) {
                for p in ["", "و", "ف"] {
                    self.set.insert(format!("{p}{l}"), ());
                }
            }
            for p in PROCLITICS {
                self.set.insert(format!("{p}{b}"), ());
            }
            self.set.insert(b, ());
        }
    }
    #[inline]
    pub(crate) fn contains(&self, norm: &str) -> bool {
        self.set.contains_key(norm)
    }
}

/// A set of single words in matching form, looked up with or without a proclitic.
pub(crate) struct WordSet {
    set: FxMap<String, ()>,
}

impl WordSet {
    pub(crate) fn new() -> Self {
        WordSet { set: FxMap::default() }
    }
    pub(crate) fn insert(&mut self, form: &str) {
        let n = fold(form);
        if !n.is_empty() {
            self.set.insert(n, ());
        }
    }
    pub(crate) fn contains(&self, norm: &str) -> bool {
        self.set.contains_key(norm)
    }
}

// ---------------------------------------------------------------------------------------------
// Number words
// ---------------------------------------------------------------------------------------------

/// What one number word can be (a form may be several: عشرة is a unit and a teen, مليارا a
/// scale in the accusative and a dual).
#[derive(Debug, Clone, Copy, Default)]
struct NumEntry {
    unit: Option<f64>,
    teen: bool,
    ten: Option<f64>,
    hundred: Option<f64>,
    scale: Option<f64>,
    plural: Option<f64>,
    dual: Option<f64>,
    fraction: Option<f64>,
}

/// Parses cardinal numbers written with digits, words, or both.
pub struct NumberWords {
    words: FxMap<String, NumEntry>,
}

impl Default for NumberWords {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Unit,
    Teen,
    Ten,
    Hundred,
    Scale,
}

impl NumberWords {
    pub fn new() -> Self {
        let mut words: FxMap<String, NumEntry> = FxMap::default();
        for row in tsv_rows(NUMBER_WORDS) {
            if row.len() < 3 {
                continue;
            }
            let Ok(v) = row[1].parse::<f64>() else { continue };
            for form in row[2].split('|') {
                let e = words.entry(fold(form)).or_default();
                match row[0] {
                    "unit" => e.unit = Some(v),
                    "teen" => e.teen = true,
                    "ten" => e.ten = Some(v),
                    "hundred" => e.hundred = Some(v),
                    "scale" => e.scale = Some(v),
                    "plural" => e.plural = Some(v),
                    "dual" => e.dual = Some(v),
                    "fraction" => e.fraction = Some(v),
                    _ => {}
                }
            }
        }
        NumberWords { words }
    }

    /// Every number word (for [`Starts`]).
    pub(crate) fn forms(&self) -> impl Iterator<Item = &str> {
        self.words.keys().map(String::as_str)
    }

    /// Looks a word up as it stands, then without ال, then without a proclitic (and ال).
    /// Returns the entry and whether the word had ال.
    fn lookup_first(&self, norm: &str) -> Option<(NumEntry, bool)> {
        if let Some(e) = self.words.get(norm) {
            return Some((*e, false));
        }
        for p in ["", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل"] {
            let Some(rest) = norm.strip_prefix(p) else { continue };
            if !p.is_empty() {
                if let Some(e) = self.words.get(rest) {
                    return Some((*e, false));
                }
            }
            if let Some(r) = rest.strip_prefix("ال") {
                if let Some(e) = self.words.get(r) {
                    return Some((*e, true));
                }
            }
        }
        // ل + ال: للخمسة
        for p in ["", "و", "ف"] {
            if let Some(r) = norm.strip_prefix(p).and_then(|r| r.strip_prefix("لل")) {
                if let Some(e) = self.words.get(r) {
                    return Some((*e, true));
                }
            }
        }
        None
    }

    /// A later word of a compound: as it stands, or with the conjunction و (and ال after it when
    /// the number is definite: الخمسة والعشرين).
    fn lookup_next(&self, norm: &str, definite: bool) -> Option<(NumEntry, bool)> {
        if let Some(e) = self.words.get(norm) {
            return Some((*e, false));
        }
        let rest = norm.strip_prefix('و')?;
        if let Some(e) = self.words.get(rest) {
            return Some((*e, true));
        }
        if definite {
            if let Some(e) = rest.strip_prefix("ال").and_then(|r| self.words.get(r)) {
                return Some((*e, true));
            }
        }
        None
    }

    /// The scale multiplier of the word at `k` right after a number (ألف، آلاف، مليارا، مليارات).
    fn scale_after(&self, toks: &[Token], k: usize) -> Option<f64> {
        let t = toks.get(k)?;
        if t.kind != TokenKind::Word {
            return None;
        }
        let e = self.words.get(t.norm.as_str())?;
        e.scale.or(e.plural)
    }

    /// True when the token is a number word or a scale word (for callers that need to know
    /// whether a word starts a number without parsing it).
    pub fn is_number_word(&self, norm: &str) -> bool {
        self.lookup_first(norm).is_some()
    }

    /// True when the word is a number word written with the article (الخمسة، الثماني).
    pub fn is_definite(&self, norm: &str) -> bool {
        self.lookup_first(norm).is_some_and(|(_, d)| d)
    }

    /// Value of the number starting at token `i` and the number of tokens used.
    pub fn parse_at(&self, tokens: &[Token], i: usize) -> Option<(f64, usize)> {
        let t = tokens.get(i)?;
        match t.kind {
            TokenKind::Number => {
                let mut v: f64 = t.norm.parse().ok()?;
                let mut n = 1;
                if let Some(s) = self.scale_after(tokens, i + 1) {
                    v *= s;
                    n = 2;
                }
                Some((v, n))
            }
            TokenKind::Word => self.parse_words(tokens, i),
            _ => None,
        }
    }

    fn parse_words(&self, toks: &[Token], i: usize) -> Option<(f64, usize)> {
        let (first, definite) = self.lookup_first(&toks[i].norm)?;
        let mut total = 0.0f64;
        let mut group;
        let mut last;
        // first word
        if let Some(f) = first.fraction {
            // only before a scale word: نصف مليون
            let s = self.scale_after(toks, i + 1)?;
            return Some((f * s, 2));
        } else if let Some(u) = first.unit {
            group = u;
            last = Last::Unit;
        } else if let Some(v) = first.ten {
            group = v;
            last = Last::Ten;
        } else if let Some(v) = first.hundred {
            group = v;
            last = Last::Hundred;
        } else if let Some(v) = first.scale {
            // a lone scale word (مليار دولار) counts one; a dual-or-accusative form alone is dual
            if let Some(d) = first.dual {
                total = d;
            } else {
                total = v;
            }
            group = 0.0;
            last = Last::Scale;
        } else if let Some(d) = first.dual {
            total = d;
            group = 0.0;
            last = Last::Scale;
        } else {
            return None; // plural scale words or a teen word alone
        }
        let mut k = i + 1;
        while let Some(t) = toks.get(k) {
            if t.kind != TokenKind::Word {
                break;
            }
            let Some((e, conj)) = self.lookup_next(&t.norm, definite) else { break };
            if !conj {
                if e.teen && last == Last::Unit && (1.0..=9.0).contains(&group) {
                    group += 10.0;
                    last = Last::Teen;
                } else if e.hundred == Some(100.0) && last == Last::Unit && (3.0..=9.0).contains(&group) {
                    group *= 100.0;
                    last = Last::Hundred;
                } else if let (Some(s), true) = (e.scale.or(e.plural), last != Last::Scale) {
                    total += group.max(1.0) * s;
                    group = 0.0;
                    last = Last::Scale;
                } else {
                    break;
                }
            } else if let Some(u) = e.unit {
                if last == Last::Unit || last == Last::Teen || last == Last::Ten {
                    break;
                }
                group += u;
                last = Last::Unit;
            } else if let Some(v) = e.ten {
                if !(last == Last::Unit || last == Last::Hundred || last == Last::Scale) || (last == Last::Unit && group % 10.0 == 0.0 && group >= 10.0) {
                    break;
                }
                group += v;
                last = Last::Ten;
            } else if let Some(v) = e.hundred {
                if last != Last::Scale {
                    break;
                }
                group += v;
                last = Last::Hundred;
            } else {
                break;
            }
            k += 1;
        }
        Some((total + group, k - i))
    }
}

#[cfg(test)]
mod tests;
