//! Arabic-aware full-text search: the forms an article is indexed under and a query is looked up
//! by, the FTS5 query built from a user's words, and highlighted snippets.
//!
//! A word is indexed under its *search forms*: the word's matching form
//! ([`marsad_text::normalize`]'s fold) and the same with each proclitic of
//! [`marsad_text::PROCLITICS`] cut off (و ف ب ل ك and their pairs), each then *light-stemmed*:
//! the article (ال, وال, بال, كال, فال, لل) cut, a nisba plural (يين, يون) or a feminine plural
//! (ات) cut, then one final ه/ا (ة is already ه), then a final nisba ي. So أستانة and أستانا are
//! both استان, الكازاخستانية and كازاخستان both كازاخستان, روسيا/الروسية/روسي all روس, and
//! لكازاخستان is found by كازاخستان. A query word matches when one of its forms is one of the
//! indexed word's forms; all the query's words must match (AND). The query is rebuilt from its
//! tokens and every form is quoted, so FTS5 syntax in user input (`"`, `*`, `NEAR`, `OR`,
//! column filters) is never interpreted.

use marsad_text::{collapse_doubles, proclitic_splits, push_collapsed, scan_tokens, tokenize, TokenKind, PROCLITICS};
use serde::Serialize;
use std::collections::HashSet;

/// Most words a query may have.
pub const MAX_QUERY_TERMS: usize = 12;

const ARTICLES: &[&str] = &["وال", "فال", "بال", "كال", "لل", "ال"];

fn nchars(s: &str) -> usize {
    s.chars().count()
}

/// `s` has at least `n` characters (without counting them all).
fn has_chars(s: &str, n: usize) -> bool {
    n == 0 || s.chars().nth(n - 1).is_some()
}

/// `s` without the prefix `p`, compared byte by byte in line (a `memcmp` call per affix was a
/// tenth of the search indexing).
#[inline]
fn cut_prefix<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let (b, pb) = (s.as_bytes(), p.as_bytes());
    (b.len() >= pb.len() && b.iter().zip(pb).all(|(x, y)| x == y)).then(|| &s[pb.len()..])
}

/// `s` without the suffix `p`, as [`cut_prefix`].
#[inline]
fn cut_suffix<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let (b, pb) = (s.as_bytes(), p.as_bytes());
    let n = b.len().checked_sub(pb.len())?;
    b[n..].iter().zip(pb).all(|(x, y)| x == y).then(|| &s[..n])
}

/// `a == b` in line, for the few bytes of a form.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The light stem of one word's matching form, before ي ي and و و runs are collapsed: a slice
/// of `w`.
fn stem_slice(w: &str) -> &str {
    let mut s = w;
    for a in ARTICLES {
        if let Some(r) = cut_prefix(s, a) {
            if has_chars(r, 2) {
                s = r;
                break;
            }
        }
    }
    for suf in ["يين", "يون", "ات"] {
        if let Some(r) = cut_suffix(s, suf) {
            if has_chars(r, 3) {
                s = r;
                break;
            }
        }
    }
    for suf in ["ه", "ا"] {
        if let Some(r) = cut_suffix(s, suf) {
            if has_chars(r, 3) {
                s = r;
                break;
            }
        }
    }
    if let Some(r) = cut_suffix(s, "ي") {
        if has_chars(r, 3) {
            s = r;
        }
    }
    s
}

/// The light stem of one word's matching form.
pub fn stem(w: &str) -> String {
    let mut out = stem_slice(w).to_string();
    collapse_doubles(&mut out);
    out
}

/// The search forms of one token's matching form (see the module doc), without duplicates.
pub fn forms(norm: &str, kind: TokenKind) -> Vec<String> {
    match kind {
        TokenKind::Punct => Vec::new(),
        TokenKind::Number | TokenKind::Latin => vec![norm.to_string()],
        TokenKind::Word => {
            let mut v: Vec<String> = Vec::with_capacity(3);
            for (p, rest) in proclitic_splits(norm, PROCLITICS) {
                if !p.is_empty() && nchars(rest) < 3 {
                    continue;
                }
                let f = stem(rest);
                if !v.contains(&f) {
                    v.push(f);
                }
            }
            v
        }
    }
}


/// Appends one token's [`forms`] to `out`, each after a space unless `out` is empty: what
/// [`index_text`] writes, without a string per form (a third of the ingest workers' search
/// indexing went to those strings and their vectors). For a caller that scans the tokens
/// ([`marsad_text::scan_tokens`]) for other work too.
pub fn push_forms(norm: &str, kind: TokenKind, out: &mut String) {
    match kind {
        TokenKind::Punct => {}
        TokenKind::Number | TokenKind::Latin => {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(norm);
        }
        TokenKind::Word => {
            // where this token's forms start in `out`, to drop repeats (at most one per proclitic)
            let mut starts = [(0usize, 0usize); PROCLITICS.len()];
            let mut n = 0;
            // proclitic_splits, with the prefixes compared in line
            for p in PROCLITICS {
                let Some(rest) = cut_prefix(norm, p) else { continue };
                if !has_chars(rest, if p.is_empty() { 2 } else { 3 }) {
                    continue;
                }
                let mark = out.len();
                if !out.is_empty() {
                    out.push(' ');
                }
                let start = out.len();
                push_collapsed(out, stem_slice(rest));
                let f = &out[start..];
                if starts[..n].iter().any(|&(a, b)| same_bytes(&out.as_bytes()[a..b], f.as_bytes())) {
                    out.truncate(mark);
                } else {
                    starts[n] = (start, out.len());
                    n += 1;
                }
            }
        }
    }
}

/// The text an article is indexed under: every word's search forms, space-separated.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 3);
    scan_tokens(text, |_, _, norm, kind| push_forms(norm, kind, &mut out));
    out
}

/// A parsed search query.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Each query word's forms.
    pub terms: Vec<Vec<String>>,
}

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no words to search for")]
    Empty,
    #[error("the query has more than {MAX_QUERY_TERMS} words")]
    TooManyTerms,
}

impl SearchQuery {
    /// Parses the user's words (any text; punctuation and FTS syntax are dropped).
    pub fn parse(q: &str) -> Result<SearchQuery, QueryError> {
        let mut terms: Vec<Vec<String>> = Vec::new();
        for t in tokenize(q) {
            let f = forms(&t.norm, t.kind);
            if f.is_empty() || f.iter().all(|x| x.is_empty()) {
                continue;
            }
            // FTS5 operators typed as words are searched as words, quoted like every term
            if !terms.contains(&f) {
                terms.push(f);
            }
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        if terms.len() > MAX_QUERY_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        Ok(SearchQuery { terms })
    }

    /// The FTS5 MATCH expression: each word an OR of its quoted forms, words ANDed.
    pub fn fts(&self) -> String {
        self.terms
            .iter()
            .map(|fs| {
                let alts: Vec<String> = fs.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                format!("({})", alts.join(" OR "))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The same expression for PostgreSQL's `to_tsquery('simple', …)`: each word an OR of its
    /// quoted forms, words ANDed.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|fs| {
                let alts: Vec<String> = fs.iter().map(|f| format!("'{}'", f.replace('\\', "\\\\").replace('\'', "''"))).collect();
                format!("({})", alts.join(" | "))
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    fn form_set(&self) -> Vec<HashSet<&str>> {
        self.terms.iter().map(|fs| fs.iter().map(|s| s.as_str()).collect()).collect()
    }
}

/// A piece of an article around the best match, with the matched words' spans.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Snippet {
    pub text: String,
    /// `[start, end)` character offsets into `text` of the matched words.
    pub highlights: Vec<(usize, usize)>,
    /// Character offset of `text` in the article.
    pub offset: usize,
}

/// Most characters a snippet shows.
const SNIPPET_CHARS: usize = 280;

/// The sentence of `text` that matches most of the query's words (then most often), cut to at
/// most [`SNIPPET_CHARS`] characters around its first match, with the matched words marked.
pub fn snippet(text: &str, q: &SearchQuery) -> Snippet {
    let sets = q.form_set();
    let toks = marsad_text::analyze(text).tokens;
    // (byte start, byte end, sentence, term index)
    let mut hits: Vec<(usize, usize, usize, usize)> = Vec::new();
    let all: Vec<&str> = sets.iter().flat_map(|set| set.iter().copied()).collect();
    for t in &toks {
        // every form of a word is a piece of its matching form (after collapse_doubles): most
        // words are ruled out without computing their forms
        let maybe = if t.norm.contains("يي") || t.norm.contains("وو") {
            let mut c = t.norm.to_string();
            collapse_doubles(&mut c);
            all.iter().any(|f| c.contains(f))
        } else {
            all.iter().any(|f| t.norm.contains(f))
        };
        if !maybe {
            continue;
        }
        let fs = forms(&t.norm, t.kind);
        if let Some(ti) = sets.iter().position(|set| fs.iter().any(|f| set.contains(f.as_str()))) {
            hits.push((t.start, t.end, t.sentence, ti));
        }
    }
    let Some(best) = best_sentence(&hits) else {
        let end = text.char_indices().nth(SNIPPET_CHARS).map(|(i, _)| i).unwrap_or(text.len());
        return Snippet { text: text[..end].to_string(), highlights: vec![], offset: 0 };
    };
    let in_sent: Vec<&(usize, usize, usize, usize)> = hits.iter().filter(|h| h.2 == best).collect();
    let (s_start, s_end) = {
        let ts: Vec<_> = toks.iter().filter(|t| t.sentence == best).collect();
        (ts.first().map(|t| t.start).unwrap_or(0), ts.last().map(|t| t.end).unwrap_or(text.len()))
    };
    // cut to SNIPPET_CHARS characters, starting a little before the first hit when too long
    let sent = &text[s_start..s_end];
    let (mut a, mut b) = (s_start, s_end);
    if nchars(sent) > SNIPPET_CHARS {
        let first = in_sent[0].0;
        let before: Vec<usize> = text[s_start..first].char_indices().map(|(i, _)| s_start + i).collect();
        a = if before.len() > 60 { before[before.len() - 60] } else { s_start };
        b = text[a..s_end].char_indices().nth(SNIPPET_CHARS).map(|(i, _)| a + i).unwrap_or(s_end);
    }
    let ci = |byte: usize| nchars(&text[a..byte]);
    let highlights = in_sent.iter().filter(|h| h.0 >= a && h.1 <= b).map(|h| (ci(h.0), ci(h.1))).collect();
    Snippet { text: text[a..b].to_string(), highlights, offset: nchars(&text[..a]) }
}

fn best_sentence(hits: &[(usize, usize, usize, usize)]) -> Option<usize> {
    let mut best: Option<(usize, usize, usize)> = None; // (distinct terms, hits, sentence)
    let mut i = 0;
    while i < hits.len() {
        let s = hits[i].2;
        let mut j = i;
        let mut terms = HashSet::new();
        while j < hits.len() && hits[j].2 == s {
            terms.insert(hits[j].3);
            j += 1;
        }
        let cand = (terms.len(), j - i, s);
        if best.is_none_or(|b| (cand.0, cand.1) > (b.0, b.1)) {
            best = Some(cand);
        }
        i = j;
    }
    best.map(|b| b.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(doc_word: &str, query_word: &str) -> bool {
        let d: HashSet<String> = index_text(doc_word).split(' ').map(String::from).collect();
        let q = SearchQuery::parse(query_word).unwrap();
        q.terms.iter().all(|fs| fs.iter().any(|f| d.contains(f)))
    }

    /// `index_text` as first written: a string per form, a vector per token.
    pub(super) fn reference_index_text(text: &str) -> String {
        let mut out = String::new();
        for t in tokenize(text) {
            for f in forms(&t.norm, t.kind) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&f);
            }
        }
        out
    }

    #[test]
    fn the_faster_index_text_writes_the_same_forms() {
        let mut texts: Vec<String> = [
            "",
            " ",
            "،",
            "و",
            "وبال",
            "لافروف",
            "والكازاخستانيين وبالروسية فلسطيني للتعاون",
            "توكاييف وتوكاييف الطاووس طاووس ييي ووو",
            "الفلسطينيون والمعلومات بالمكتبة كالعادة فالأمر للمرة السعوديين لي ات يين",
            "ببب ففف ووو ككك للل",
            "NATO و IBM 7,591 دولار و8٫95 % في 2025-10-22\nسطر جديد",
            "Élysée İstanbul ÆØÅ straße ΑΘΗΝΑ",
            "لافْرُوف يَستضيفُ ـــ الأمين العام",
            "«قال» (الوزير): \"نعم\" — لا؛ ربما؟",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // the bundled sample articles, whole
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
        for e in std::fs::read_dir(&dir).expect("samples/") {
            let p = e.expect("a sample").path();
            if let Ok(t) = std::fs::read_to_string(&p) {
                texts.push(t);
            }
        }
        assert!(texts.len() > 14, "the samples were read");
        for t in &texts {
            assert_eq!(index_text(t), reference_index_text(t), "{t}");
        }
    }

    #[test]
    fn spelling_variants_clitics_and_nisba_meet() {
        assert!(matches("أستانة", "أستانا"));
        assert!(matches("أستانا", "أستانة"));
        assert!(matches("كازاخستان", "الكازاخستانية"));
        assert!(matches("الكازاخستانية", "كازاخستان"));
        assert!(matches("لكازاخستان", "كازاخستان"));
        assert!(matches("والكازاخستانيين", "كازاخستان"));
        assert!(matches("لافروف", "لافروف"));
        assert!(matches("بلافروف", "لافروف"));
        assert!(matches("روسيا", "الروسية"));
        assert!(matches("فلسطيني", "فلسطين"));
        assert!(matches("فلسطين", "الفلسطينيين"));
        assert!(matches("لافْرُوف", "لافروف"), "diacritics are folded");
        assert!(!matches("كازاخستان", "أوزبكستان"));
        assert!(!matches("موسكو", "لافروف"));
    }

    #[test]
    fn fts_syntax_is_quoted_never_interpreted() {
        let q = SearchQuery::parse("لافروف\" OR * NEAR(a b) title:x -- ' ; DROP TABLE articles").unwrap();
        let f = q.fts();
        assert!(f.starts_with("(\"لافروف\""), "{f}");
        // every bare word is inside quotes: no operator survives outside them
        let outside: String = f.split('"').step_by(2).collect();
        assert!(outside.chars().all(|c| "() ANDOR".contains(c)), "{outside}");
        assert_eq!(SearchQuery::parse("\" * ( ) :"), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("كلمة").map(|q| q.terms.len()), Ok(1));
        let many: String = (0..20).map(|i| format!("w{i} ")).collect();
        assert_eq!(SearchQuery::parse(&many), Err(QueryError::TooManyTerms));
    }

    #[test]
    fn snippet_marks_the_best_sentence() {
        let text = "زار الرئيس موسكو. والتقى وزير الخارجية سيرغي لافروف نظيره الكازاخستاني في موسكو. ثم عاد.";
        let q = SearchQuery::parse("لافروف كازاخستان").unwrap();
        let s = snippet(text, &q);
        assert!(s.text.starts_with("والتقى"), "{s:?}");
        let marked: Vec<String> = s.highlights.iter().map(|&(a, b)| s.text.chars().skip(a).take(b - a).collect()).collect();
        assert_eq!(marked, vec!["لافروف", "الكازاخستاني"]);
        let start: String = text.chars().skip(s.offset).take(6).collect();
        assert_eq!(start, "والتقى");
    }
}
