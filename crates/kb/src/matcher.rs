//! Dictionary matching over the token stream.
//!
//! Every dictionary form is compiled into one Aho-Corasick automaton (daachorse's character-wise
//! double array: built in a few tens of milliseconds for ~38,000 Arabic forms, where a
//! byte-wise NFA spent most of the start-up on two-byte letters) that runs over a
//! [`Haystack`]: the document's token matching forms joined by single spaces. A raw hit is kept
//! only when it lines up with tokens: what precedes it inside its first token must be a proclitic
//! sequence its pattern accepts, and what follows it inside its last token must be an enclitic
//! its pattern accepts. This is how لكازيخانوف finds كازيخانوف and زيارته finds زيارة without
//! a stemmer, and why كازاخستان is never found inside an unrelated longer word.

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use marsad_text::{Token, ENCLITICS, PROCLITICS, VERB_PROCLITICS};

/// Which proclitics may precede a form inside its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pre {
    /// Nothing: the form starts the token.
    None,
    /// Conjunctions and prepositions: و ف ب ل ك and their pairs.
    Nominal,
    /// Conjunctions, لـ and the future سـ.
    Verbal,
    /// Only a lam (ل ول فل): used for the ل + ال → لل spelling (للأمم = ل + الأمم).
    Lam,
}

const LAM: &[&str] = &["ل", "ول", "فل"];
const MAX_PROCLITIC_BYTES: usize = 4;
const MAX_ENCLITIC_BYTES: usize = 6;

fn memchr_space(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b' ')
}

/// The entry of `set` equal to `s` (so hits carry a `&'static str`, not an allocation).
fn member(set: &'static [&'static str], s: &str) -> Option<&'static str> {
    set.iter().copied().find(|x| *x == s)
}

impl Pre {
    fn accepts(self, p: &str) -> Option<&'static str> {
        match self {
            Pre::None => p.is_empty().then_some(""),
            Pre::Nominal => member(PROCLITICS, p),
            Pre::Verbal => member(VERB_PROCLITICS, p),
            Pre::Lam => member(LAM, p),
        }
    }
}

/// Which enclitics may follow a form inside its last token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    None,
    /// A pronoun enclitic may follow (زيارته، استقبله، نظيره).
    Pronoun,
    /// A pronoun enclitic must follow (the ت form of a ة noun: زيارت + ه).
    PronounRequired,
}

impl Post {
    fn accepts(self, s: &str) -> Option<&'static str> {
        match self {
            Post::None => s.is_empty().then_some(""),
            Post::Pronoun if s.is_empty() => Some(""),
            Post::Pronoun | Post::PronounRequired => member(ENCLITICS, s),
        }
    }
}

/// What a compiled form means: the caller's payload plus how the form may attach to clitics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// Which table the payload indexes (the caller's choice: entities, triggers, roles…).
    pub layer: u8,
    pub payload: u32,
    pub pre: Pre,
    pub post: Post,
}

/// A document's tokens laid out for matching.
pub struct Haystack {
    pub text: String,
    /// Byte offset in `text` where each token starts.
    starts: Vec<usize>,
}

impl Haystack {
    pub fn new(tokens: &[Token]) -> Self {
        let mut text = String::with_capacity(tokens.iter().map(|t| t.norm.len() + 1).sum());
        let mut starts = Vec::with_capacity(tokens.len());
        for t in tokens {
            if !text.is_empty() {
                text.push(' ');
            }
            starts.push(text.len());
            // a newline token would join lines for a multiword pattern: keep it as a barrier
            text.push_str(if t.norm == "\n" { "¶" } else { &t.norm });
        }
        Haystack { text, starts }
    }

    /// The token holding haystack byte `b`.
    fn token_at(&self, b: usize) -> usize {
        self.starts.partition_point(|&s| s <= b) - 1
    }
}

/// One accepted match: tokens `[first, last]` (inclusive) and the form it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub first: usize,
    pub last: usize,
    pub form: Form,
    /// The proclitics before the form in the first token (matching form).
    pub prefix: &'static str,
    /// The enclitic after the form in the last token.
    pub suffix: &'static str,
    /// Length of the matched form in bytes of matching form (longer wins).
    pub len: usize,
}

/// Builds a [`Matcher`]: add forms, then compile once.
#[derive(Default)]
pub struct MatcherBuilder {
    strings: Vec<String>,
    index: crate::HashMap<String, usize>,
    forms: Vec<Vec<Form>>,
}

impl MatcherBuilder {
    /// Adds `form_text` (already in matching form: see [`marsad_text::normalize`]) with its meaning.
    pub fn add(&mut self, form_text: &str, form: Form) {
        if form_text.is_empty() {
            return;
        }
        let i = match self.index.get(form_text) {
            Some(&i) => i,
            None => {
                self.strings.push(form_text.to_string());
                self.forms.push(Vec::new());
                self.index.insert(form_text.to_string(), self.strings.len() - 1);
                self.strings.len() - 1
            }
        };
        if !self.forms[i].contains(&form) {
            self.forms[i].push(form);
        }
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    pub fn build(self) -> Result<Matcher, daachorse::errors::DaachorseError> {
        // empty strings never reach here (add skips them); ids are the strings' positions
        let ac = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build_with_values(self.strings.iter().enumerate().map(|(i, s)| (s.as_str(), i as u32)))?;
        Ok(Matcher { ac, forms: self.forms, strings: self.strings })
    }
}

/// The compiled automaton.
pub struct Matcher {
    ac: CharwiseDoubleArrayAhoCorasick<u32>,
    forms: Vec<Vec<Form>>,
    strings: Vec<String>,
}

impl Matcher {
    /// Number of distinct compiled strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Every accepted hit, in no particular order (callers resolve overlaps per layer).
    pub fn find(&self, hay: &Haystack) -> Vec<Hit> {
        let mut out = Vec::new();
        let text = hay.text.as_str();
        let starts = &hay.starts;
        // the token holding the last byte of the hit: hits come in the order of their ends, so
        // a cursor walks forward to it (a binary search per raw hit was a fifth of `find`)
        let mut cur = 0usize;
        for m in self.ac.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            if starts[cur] > e - 1 {
                cur = hay.token_at(e - 1);
            }
            while cur + 1 < starts.len() && starts[cur + 1] <= e - 1 {
                cur += 1;
            }
            // …and the token holding its first byte is that one or one a few before it
            let mut first = cur;
            while starts[first] > s {
                first -= 1;
            }
            let tok_start = starts[first];
            // most raw hits start deep inside a word: no proclitic sequence is longer than two
            // letters (four bytes), and no enclitic longer than three (six bytes)
            if s - tok_start > MAX_PROCLITIC_BYTES {
                continue;
            }
            let tok_end = memchr_space(&text.as_bytes()[e..]).map_or(text.len(), |k| e + k);
            if tok_end - e > MAX_ENCLITIC_BYTES {
                continue;
            }
            let last = cur;
            let prefix = &text[tok_start..s];
            let suffix = &text[e..tok_end];
            for form in &self.forms[m.value() as usize] {
                if let (Some(prefix), Some(suffix)) = (form.pre.accepts(prefix), form.post.accepts(suffix)) {
                    out.push(Hit { first, last, form: *form, prefix, suffix, len: e - s });
                }
            }
        }
        out
    }
}

/// Keeps the best non-overlapping hits of one layer: longest form first, then leftmost.
pub fn resolve_overlaps(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by(|a, b| b.len.cmp(&a.len).then(a.first.cmp(&b.first)).then(a.form.payload.cmp(&b.form.payload)));
    let mut used = vec![false; hits.iter().map(|h| h.last + 1).max().unwrap_or(0)];
    let mut taken: Vec<Hit> = Vec::new();
    for h in hits {
        if !used[h.first..=h.last].iter().any(|&u| u) {
            used[h.first..=h.last].iter_mut().for_each(|u| *u = true);
            taken.push(h);
        }
    }
    taken.sort_by_key(|h| h.first);
    taken
}

impl Matcher {
    /// Every compiled string with its forms (for validation).
    pub fn forms_by_string(&self) -> impl Iterator<Item = (&str, &[Form])> {
        self.strings.iter().map(String::as_str).zip(self.forms.iter().map(Vec::as_slice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The early exits in `find` must never reject a real clitic.
    #[test]
    fn clitic_length_bounds_cover_the_sets() {
        for p in PROCLITICS.iter().chain(VERB_PROCLITICS).chain(LAM) {
            assert!(p.len() <= MAX_PROCLITIC_BYTES, "{p}");
        }
        for e in ENCLITICS {
            assert!(e.len() <= MAX_ENCLITIC_BYTES, "{e}");
        }
    }
}
