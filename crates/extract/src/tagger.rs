//! A trained named-entity tagger: names the knowledge base has never seen.
//!
//! **In:** an analysed [`Doc`] and the knowledge base's hits on it (every candidate, before
//! overlaps are resolved). **Out:** [`Tagged`] spans of persons, places and organisations, each
//! with a score, decoded sentence by sentence over the BIO tags `O B-PERS I-PERS B-LOC I-LOC
//! B-ORG I-ORG`.
//!
//! The model is an averaged structured perceptron (Collins 2002) with Viterbi decoding. Every
//! feature is a property of one token at an offset from the tagged one, so a word's weights at
//! all offsets sit in one row and tagging costs one hash lookup per token for the word, one for
//! its stem, six small ones for affixes, and dense tables for the rest:
//! - the word's matching form at offsets −2…+2, its stem (article and conjunction stripped) at
//!   −1…+1, its first and last one to three letters;
//! - attributes at −2…+2: the knowledge base's candidate hits (state name or adjective, person,
//!   organisation, place — first or inner token), role nouns, organisation head nouns, given
//!   names, event triggers, modality cues, common words, the article, punctuation, digits,
//!   Latin, word length, sentence edges;
//! - the previous tag (first-order transitions, BIO-constrained).
//!
//! Tagging looks each token's rows up once per document ([`Model::tok_row`]) and decodes a run
//! only when a bound on what any tag can gain over `O` ([`Model::all_o`]) does not already
//! prove it holds no name (most runs of free words).
//!
//! Training ([`train`]) reads the NewsFANE Gold annotation (CC BY-SA 3.0, see
//! `data/ner/NOTICE.md`), whose tokens are clitic-segmented: [`read_conll`] joins proclitics and
//! enclitics back onto their words, so the model sees words as marsad's tokenizer writes them.
//! Training is deterministic for a given seed. The weights are stored as [`Model::to_bytes`]
//! (quantised to 16 bits, tiny weights pruned).
//!
//! **Must not:** decide on its own what the knowledge base knows: recognition uses the tagger
//! only for tokens no dictionary name, pattern or role holds.

use marsad_kb::{EntityKind, Hit, How, Kb, LAYER_CUE, LAYER_ENTITY, LAYER_GIVEN, LAYER_ORG_HEAD, LAYER_ROLE, LAYER_TRIGGER};
use marsad_text::{Doc, TokenKind};

/// The BIO tags, in model order.
pub const TAGS: [&str; 7] = ["O", "B-PERS", "I-PERS", "B-LOC", "I-LOC", "B-ORG", "I-ORG"];
const NT: usize = 7;
/// Weights per feature at tagging time: the seven tags and a zero lane, one SIMD register.
const LANES: usize = 8;
type Row = [f32; LANES];
/// Weights as stored for tagging: 16-bit, times the model's `wscale` (half the memory of
/// floats, and the tables are what tagging waits for).
type QRow = [i16; LANES];
/// A known word's row: its own weights and those of its attributes, summed (32-bit: the sum
/// may pass the 16-bit range).
type WRow = [i32; LANES];

fn qrow(w: &[f32; NT], wscale: f32) -> QRow {
    let mut r = [0i16; LANES];
    for k in 0..NT {
        r[k] = (w[k] / wscale).round().clamp(-32767.0, 32767.0) as i16;
    }
    r
}
/// Offsets of word and attribute features.
const WIN: usize = 5;
/// Offsets of stem features.
const SWIN: usize = 3;

/// Something wrong with a model file or training data.
#[derive(Debug, thiserror::Error)]
pub enum TaggerError {
    #[error("NER model: {0}")]
    Model(String),
    #[error("{file}:{line}: {msg}")]
    Data { file: String, line: usize, msg: String },
}

/// An entity class of the tagger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Pers,
    Loc,
    Org,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Pers => "PERS",
            Class::Loc => "LOC",
            Class::Org => "ORG",
        }
    }
    /// The mention kind marsad gives a tagged name (a location the dictionary does not know
    /// is a place: every state is in the dictionary).
    pub fn kind(self) -> EntityKind {
        match self {
            Class::Pers => EntityKind::Person,
            Class::Loc => EntityKind::Place,
            Class::Org => EntityKind::Org,
        }
    }
    fn b_tag(self) -> usize {
        match self {
            Class::Pers => 1,
            Class::Loc => 3,
            Class::Org => 5,
        }
    }
}

fn class_of(tag: usize) -> Option<Class> {
    match tag {
        1 | 2 => Some(Class::Pers),
        3 | 4 => Some(Class::Loc),
        5 | 6 => Some(Class::Org),
        _ => None,
    }
}

/// `I-X` may only follow `B-X` or `I-X`.
fn allowed(prev: Option<usize>, tag: usize) -> bool {
    if tag == 0 || tag % 2 == 1 {
        return true;
    }
    prev.is_some_and(|p| p == tag || p == tag - 1)
}

/// What the knowledge base's hits say of each token of a document (see [`Model::features`]);
/// the rest of what the tagger reads is computed only for the words it tags.
pub struct Features(Vec<u64>);

/// A name found by the tagger: tokens `first..=last` of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    pub first: usize,
    pub last: usize,
    pub class: Class,
    /// Confidence in 0…1: the smallest margin of the decoded tags over their best alternative
    /// among the span's tokens, squashed by the model's scale (0.5: a tie).
    pub score: f32,
}

// ---------------------------------------------------------------------------------------------
// features

/// Feature templates (the first byte of a feature key).
const T_WORD: u8 = 0; // + offset 0..5
const T_STEM: u8 = 5; // + offset 0..3
const T_PRE: u8 = 8; // + length-1 0..3
const T_SUF: u8 = 11; // + length-1 0..3
const T_ATTR: u8 = 14; // + offset 0..5, value = attribute id
const T_BIAS: u8 = 19;
/// Not a feature: the sum of a stem's six affix features, stored for every stem seen in
/// training so that tagging looks one stem up instead of six affixes.
const T_AFFIXES: u8 = 20;

/// Token attributes.
const A_COUNTRY_B: u32 = 0;
const A_COUNTRY_I: u32 = 1;
const A_ADJECTIVE: u32 = 2;
const A_ORG_B: u32 = 3;
const A_ORG_I: u32 = 4;
const A_PERSON_B: u32 = 5;
const A_PERSON_I: u32 = 6;
const A_PLACE_B: u32 = 7;
const A_PLACE_I: u32 = 8;
const A_GUARDED: u32 = 9;
const A_ROLE: u32 = 10;
const A_ORG_HEAD: u32 = 11;
const A_GIVEN: u32 = 12;
const A_GIVEN_AMBIGUOUS: u32 = 13;
const A_TRIGGER: u32 = 14;
const A_CUE: u32 = 15;
const A_COMMON: u32 = 16;
const A_PUNCT: u32 = 17;
const A_NUMBER: u32 = 18;
const A_LATIN: u32 = 19;
const A_DEFINITE: u32 = 20;
const A_SHORT: u32 = 21;
const A_LONG: u32 = 22;
const A_BOS: u32 = 23;
const A_EOS: u32 = 24;
const A_QUOTE: u32 = 25;
/// The word is unknown to the model (seen once or never in training).
const A_UNKNOWN: u32 = 26;
/// Endings of the word's stem (three letters or more): a nisba ي (or ى), its feminine ية, a
/// plural ون/ين/ات, ة (or the pronoun ه), ا, و — the shapes of adjectives, nouns and
/// transcribed names, seen at every offset.
const A_END_Y: u32 = 27;
const A_END_IYA: u32 = 28;
const A_END_PLURAL: u32 = 29;
const A_END_TAA: u32 = 30;
const A_END_ALEF: u32 = 31;
const A_END_WAW: u32 = 32;
const NATTR: usize = 33;
/// The attributes a word has by itself (its shape and whether it is a common word), as
/// [`lexical`] gives them: for a word the model knows they are summed into its row when the
/// model is loaded, so tagging adds them only for unknown words.
const LEX_MASK: u64 = 1 << A_COMMON | 1 << A_PUNCT | 1 << A_NUMBER | 1 << A_LATIN | 1 << A_DEFINITE | 1 << A_SHORT | 1 << A_LONG | 1 << A_QUOTE | 1 << A_END_Y | 1 << A_END_IYA | 1 << A_END_PLURAL | 1 << A_END_TAA | 1 << A_END_ALEF | 1 << A_END_WAW;

/// FNV-1a, 64 bits: stable across builds and platforms (the model file stores these).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const DEFINITE: &[&str] = &["وبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لال", "لل", "ال"];

/// The word without its article or a conjunction (والمانيا → مانيا, وبرلين → برلين); the word
/// itself when nothing is stripped.
fn stem(w: &str) -> &str {
    // (at least `n` letters: counted as far as the `n`th, not over the whole word)
    let at_least = |r: &str, n: usize| r.chars().nth(n - 1).is_some();
    for p in DEFINITE {
        if let Some(r) = w.strip_prefix(p) {
            if at_least(r, 2) {
                return r;
            }
        }
    }
    for p in ["و", "ف"] {
        if let Some(r) = w.strip_prefix(p) {
            if at_least(r, 3) {
                return r;
            }
        }
    }
    w
}

/// The hashes of the first and last one to three letters of a word's stem (0: none).
fn affixes(w: &str) -> ([u64; 3], [u64; 3]) {
    let s = stem(w);
    let mut pre = [0u64; 3];
    let mut suf = [0u64; 3];
    let b = s.as_bytes();
    for (k, (i, c)) in s.char_indices().take(3).enumerate() {
        pre[k] = fnv(&b[..i + c.len_utf8()]);
    }
    for (k, (i, _)) in s.char_indices().rev().take(3).enumerate() {
        suf[k] = fnv(&b[i..]);
    }
    (pre, suf)
}

/// What the tagger reads of one token (its affixes are computed only when needed).
#[derive(Clone, Copy)]
struct TokFeat {
    word: u64,
    stem: u64,
    attrs: u64,
}

/// What tagging reads of one token: its rows in the model, and the attributes whose weights
/// it adds one by one (see [`Model::tok_row`]).
#[derive(Clone, Copy)]
struct TokRow<'m> {
    word: Option<&'m [WRow; WIN]>,
    stem: Option<&'m [QRow; SWIN + 2]>,
    attrs: u64,
}

/// What the tagger reads of one token by itself: its word, stem and shape.
fn lexical(kb: &Kb, t: &marsad_text::Token) -> TokFeat {
    let w = t.norm.as_str();
    let s = stem(w);
    TokFeat { word: fnv(w.as_bytes()), stem: fnv(s.as_bytes()), attrs: lex_attrs(kb, t, s) }
}

/// A token's own attributes ([`LEX_MASK`]): its shape, the article, whether it is a common
/// word, its stem's ending. `s`: the token's [`stem`].
fn lex_attrs(kb: &Kb, t: &marsad_text::Token, s: &str) -> u64 {
    let w = t.norm.as_str();
    let mut attrs = 0u64;
    match t.kind {
        TokenKind::Punct => {
            attrs |= 1 << A_PUNCT;
            if matches!(w, "\"" | "«" | "»" | "“" | "”" | "'") {
                attrs |= 1 << A_QUOTE;
            }
        }
        TokenKind::Number => attrs |= 1 << A_NUMBER,
        TokenKind::Latin => attrs |= 1 << A_LATIN,
        TokenKind::Word => {
            if s.len() != w.len() && DEFINITE.iter().any(|p| w.starts_with(p)) {
                attrs |= 1 << A_DEFINITE;
            }
            // (counted no further than the eighth letter: all the tests below need)
            let n = w.chars().take(8).count();
            if n <= 2 {
                attrs |= 1 << A_SHORT;
            } else if n >= 8 {
                attrs |= 1 << A_LONG;
            }
            if kb.common.contains(w) {
                attrs |= 1 << A_COMMON;
            }
            if s.len() >= 6 {
                // (matching forms: ة is written ه, ى is written ي)
                let end = if s.ends_with("يه") {
                    A_END_IYA
                } else if s.ends_with("ون") || s.ends_with("ين") || s.ends_with("ات") {
                    A_END_PLURAL
                } else if s.ends_with('ي') {
                    A_END_Y
                } else if s.ends_with('ه') {
                    A_END_TAA
                } else if s.ends_with('ا') {
                    A_END_ALEF
                } else if s.ends_with('و') {
                    A_END_WAW
                } else {
                    NATTR as u32
                };
                if end < NATTR as u32 {
                    attrs |= 1 << end;
                }
            }
        }
    }
    attrs
}

fn token_features(kb: &Kb, doc: &Doc, range: std::ops::Range<usize>, hits: &[&[Hit]]) -> Vec<TokFeat> {
    let attrs = hit_attrs(kb, doc.tokens.len(), hits);
    range.map(|i| {
        let mut f = lexical(kb, &doc.tokens[i]);
        f.attrs |= attrs[i];
        f
    }).collect()
}

/// The attributes the knowledge base's hits give each token of a document of `n` tokens.
fn hit_attrs(kb: &Kb, n: usize, hits: &[&[Hit]]) -> Vec<u64> {
    let mut out = vec![0u64; n];
    let lo = 0;
    let range = 0..n;
    for layer in hits {
        for h in layer.iter() {
            if h.last < lo || h.first >= range.end {
                continue;
            }
            let set = |out: &mut Vec<u64>, k: usize, a: u32| {
                if k >= lo && k < range.end {
                    out[k - lo] |= 1 << a;
                }
            };
            match h.form.layer {
                LAYER_ENTITY => {
                    let (e, how) = kb.entity_forms[h.form.payload as usize];
                    let kind = kb.entities[e as usize].kind;
                    if how == How::GuardedShort {
                        set(&mut out, h.first, A_GUARDED);
                        continue;
                    }
                    let (b, i) = match kind {
                        EntityKind::Country if matches!(how, How::Adjective | How::People) => (A_ADJECTIVE, A_ADJECTIVE),
                        EntityKind::Country => (A_COUNTRY_B, A_COUNTRY_I),
                        EntityKind::Org => (A_ORG_B, A_ORG_I),
                        EntityKind::Person => (A_PERSON_B, A_PERSON_I),
                        EntityKind::Place => (A_PLACE_B, A_PLACE_I),
                    };
                    set(&mut out, h.first, b);
                    for k in h.first + 1..=h.last {
                        set(&mut out, k, i);
                    }
                }
                LAYER_ROLE | LAYER_ORG_HEAD | LAYER_TRIGGER | LAYER_CUE => {
                    let a = match h.form.layer {
                        LAYER_ROLE => A_ROLE,
                        LAYER_ORG_HEAD => A_ORG_HEAD,
                        LAYER_TRIGGER => A_TRIGGER,
                        _ => A_CUE,
                    };
                    for k in h.first..=h.last {
                        set(&mut out, k, a);
                    }
                }
                LAYER_GIVEN => {
                    let a = if kb.given_names[h.form.payload as usize].ambiguous { A_GIVEN_AMBIGUOUS } else { A_GIVEN };
                    set(&mut out, h.first, a);
                }
                _ => {}
            }
        }
    }
    out
}

/// The feature keys of token `i` of a sequence (training form: every feature one key).
/// Words seen once in training (`rare`) get no word or stem feature of their own, so that the
/// model learns what an unseen word looks like (affixes, context, the dictionary's cues).
fn keys_of(seq: &[TokFeat], toks: &[marsad_text::Token], i: usize, out: &mut Vec<(u8, u64)>, rare: &marsad_kb::HashSet<u64>) {
    out.clear();
    let key = |t: u8, v: u64| (t, v);
    let n = seq.len() as isize;
    for o in 0..WIN {
        let j = i as isize + o as isize - 2;
        if j < 0 || j >= n {
            out.push(key(T_ATTR + o as u8, u64::from(if j < 0 { A_BOS } else { A_EOS })));
            continue;
        }
        let t = &seq[j as usize];
        if !rare.contains(&t.word) {
            out.push(key(T_WORD + o as u8, t.word));
        } else {
            out.push(key(T_ATTR + o as u8, u64::from(A_UNKNOWN)));
        }
        if (1..=3).contains(&o) && !rare.contains(&t.stem) {
            out.push(key(T_STEM + o as u8 - 1, t.stem));
        }
        let mut a = t.attrs;
        while a != 0 {
            let b = a.trailing_zeros();
            a &= a - 1;
            out.push(key(T_ATTR + o as u8, u64::from(b)));
        }
    }
    let (pre, suf) = affixes(&toks[i].norm);
    for k in 0..3 {
        if pre[k] != 0 {
            out.push(key(T_PRE + k as u8, pre[k]));
            out.push(key(T_SUF + k as u8, suf[k]));
        }
    }
    out.push(key(T_BIAS, 0));
}

// ---------------------------------------------------------------------------------------------
// the model

/// A trained tagger, laid out for speed: one row per word with its weights at every offset.
pub struct Model {
    /// Word → its weights at offsets −2…+2 with the weights of its own attributes
    /// ([`LEX_MASK`]) summed in (stored in the table: one probe, no second fetch).
    words: marsad_kb::HashMap<u64, [WRow; WIN]>,
    stems: marsad_kb::HashMap<u64, [QRow; SWIN + 2]>,
    /// Prefix and suffix features: key (template, value) → weights.
    affix: marsad_kb::HashMap<u64, QRow>,
    attr: [[QRow; NATTR]; WIN],
    bias: QRow,
    wscale: f32,
    /// `trans[p][t]`: previous tag `p` (7 = sentence start) → tag `t`.
    trans: [[f32; NT]; NT + 1],
    /// Margin that maps to a score of about 0.73 (logistic of 1).
    scale: f32,
    features: usize,
    /// For [`Model::all_o`]: the best allowed transition into each tag from a tag
    /// (`best_in`) and, at a run's first token, from `O` (`first_in[0]`) or the sentence's
    /// start (`first_in[1]`); what a transition back to `O` may gain over `O → O` (≥ 0).
    best_in: [f32; NT],
    first_in: [[f32; NT]; 2],
    back_to_o: f32,
}

/// The feature weights as trained: key → weights.
struct Raw {
    /// (template, value) → weights per tag.
    feats: Vec<(u8, u64, [f32; NT])>,
    trans: [[f32; NT]; NT + 1],
    scale: f32,
    /// Each known word's own attributes (bits of [`LEX_MASK`]), sorted by word.
    lex: Vec<(u64, u64)>,
}

impl Raw {
    /// One step of the 16-bit weights: the largest weight is 32767 steps.
    fn wscale(&self) -> f32 {
        self.feats.iter().flat_map(|f| f.2.iter()).fold(0f32, |m, &x| m.max(x.abs())).max(1e-6) / 32767.0
    }
}

/// Version 2: the known words' own attributes follow the features.
const MAGIC: &[u8; 8] = b"MSDNER02";

impl Model {
    /// The model built into marsad (trained from NewsFANE Gold, `data/ner/`).
    pub fn embedded() -> Result<Model, TaggerError> {
        Model::from_bytes(include_bytes!("../../../data/ner/tagger.bin"))
    }

    /// How many weighted features the model holds.
    pub fn len(&self) -> usize {
        self.features
    }

    pub fn is_empty(&self) -> bool {
        self.features == 0
    }

    /// `wscale`: the weight of one step of the 16-bit tables.
    fn from_raw(raw: Raw, wscale: f32) -> Model {
        let mut m = Model {
            words: Default::default(),
            stems: Default::default(),
            affix: Default::default(),
            attr: [[[0; LANES]; NATTR]; WIN],
            bias: [0; LANES],
            wscale,
            trans: raw.trans,
            scale: raw.scale,
            features: raw.feats.len(),
            best_in: [f32::NEG_INFINITY; NT],
            first_in: [[f32::NEG_INFINITY; NT]; 2],
            back_to_o: 0.0,
        };
        for t in 0..NT {
            for p in 0..NT {
                if allowed(Some(p), t) {
                    m.best_in[t] = m.best_in[t].max(m.trans[p][t]);
                }
            }
            for (k, p) in [Some(0), None].into_iter().enumerate() {
                if allowed(p, t) {
                    m.first_in[k][t] = m.trans[p.unwrap_or(NT)][t];
                }
            }
        }
        m.back_to_o = (m.best_in[0] - m.trans[0][0]).max(0.0);
        for &(t, v, w) in &raw.feats {
            match t {
                _ if t < T_STEM => {
                    m.words.entry(v).or_insert([[0; LANES]; WIN])[usize::from(t - T_WORD)] = qrow(&w, wscale).map(i32::from);
                }
                _ if t < T_PRE || t == T_AFFIXES => {
                    // the stem's weights at offsets −1…+1, then the sum of its affix features,
                    // then a lane-0 flag saying whether that sum is there
                    let r = m.stems.entry(v).or_insert([[0; LANES]; SWIN + 2]);
                    if t == T_AFFIXES {
                        r[SWIN] = qrow(&w, wscale);
                        r[SWIN + 1][0] = 1;
                    } else {
                        r[usize::from(t - T_STEM)] = qrow(&w, wscale);
                    }
                }
                _ if t < T_ATTR => {
                    m.affix.insert(affix_key(t, v), qrow(&w, wscale));
                }
                _ if t < T_BIAS => {
                    if let Some(a) = m.attr[usize::from(t - T_ATTR)].get_mut(v as usize) {
                        *a = qrow(&w, wscale);
                    }
                }
                _ => m.bias = qrow(&w, wscale),
            }
        }
        // a known word's own attributes, summed into its row
        for &(word, attrs) in &raw.lex {
            if let Some(row) = m.words.get_mut(&word) {
                for (o, r) in row.iter_mut().enumerate() {
                    let mut a = attrs & LEX_MASK;
                    while a != 0 {
                        let b = a.trailing_zeros() as usize;
                        a &= a - 1;
                        for (x, &w) in r.iter_mut().zip(&m.attr[o][b]) {
                            *x += i32::from(w);
                        }
                    }
                }
            }
        }
        m
    }

    /// Reads a model written by [`Model::to_bytes`].
    pub fn from_bytes(b: &[u8]) -> Result<Model, TaggerError> {
        let (raw, wscale) = Model::raw_from_bytes(b)?;
        Ok(Model::from_raw(raw, wscale))
    }

    /// The weights as the file stores them, and the step of the 16-bit weights.
    fn raw_from_bytes(b: &[u8]) -> Result<(Raw, f32), TaggerError> {
        let bad = |what: &str| TaggerError::Model(format!("{what} (not a marsad NER model, or a damaged one)"));
        if b.len() < 8 || &b[..8] != MAGIC {
            return Err(bad("wrong magic number"));
        }
        let mut p = 8;
        let mut take = |n: usize| -> Result<&[u8], TaggerError> {
            let s = b.get(p..p + n).ok_or_else(|| bad("file ends early"))?;
            p += n;
            Ok(s)
        };
        let f32_at = |s: &[u8]| f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        let count = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad("count"))?) as usize;
        let wscale = f32_at(take(4)?);
        let scale = f32_at(take(4)?);
        let mut trans = [[0.0; NT]; NT + 1];
        for row in &mut trans {
            for x in row.iter_mut() {
                *x = f32_at(take(4)?);
            }
        }
        let mut feats = Vec::with_capacity(count);
        for _ in 0..count {
            let t = take(1)?[0];
            if t > T_AFFIXES {
                return Err(bad(&format!("unknown feature template {t}")));
            }
            let v = u64::from_le_bytes(take(8)?.try_into().map_err(|_| bad("key"))?);
            let mask = take(1)?[0];
            let mut w = [0.0; NT];
            for (k, x) in w.iter_mut().enumerate() {
                if mask & (1 << k) != 0 {
                    let q = take(2)?;
                    *x = f32::from(i16::from_le_bytes([q[0], q[1]])) * wscale;
                }
            }
            feats.push((t, v, w));
        }
        let n_lex = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad("count"))?) as usize;
        let mut lex = Vec::with_capacity(n_lex);
        for _ in 0..n_lex {
            let w = u64::from_le_bytes(take(8)?.try_into().map_err(|_| bad("key"))?);
            let a = u64::from_le_bytes(take(8)?.try_into().map_err(|_| bad("key"))?);
            lex.push((w, a));
        }
        if p != b.len() {
            return Err(bad("trailing bytes"));
        }
        Ok((Raw { feats, trans, scale, lex }, wscale))
    }

    /// Tags a document: the names of each sentence with their scores, in text order.
    pub fn tag(&self, kb: &Kb, doc: &Doc, hits: &[&[Hit]]) -> Vec<Tagged> {
        let feats = self.features(kb, doc, hits);
        let runs: Vec<(usize, usize)> = doc.sentences.iter().map(|s| (s.tokens.start, s.tokens.end)).collect();
        self.tag_runs(kb, doc, &feats, &runs)
    }

    /// What the tagger reads of each token of `doc` (`hits`: the knowledge base's candidate
    /// hits, every layer).
    pub fn features(&self, kb: &Kb, doc: &Doc, hits: &[&[Hit]]) -> Features {
        Features(hit_attrs(kb, doc.tokens.len(), hits))
    }

    /// Tags only the runs of tokens `[a, b)` given (each inside one sentence; the tokens
    /// outside them are taken as `O`, and words around a run still count as its context):
    /// recognition tags only the words no earlier pass took, which is most of the time saved.
    pub fn tag_runs(&self, kb: &Kb, doc: &Doc, feats: &Features, runs: &[(usize, usize)]) -> Vec<Tagged> {
        let mut out = Vec::new();
        // each token's rows in the model, looked up once (the windows of runs overlap)
        let mut memo: Vec<Option<TokRow>> = vec![None; doc.tokens.len()];
        let mut seq: Vec<TokRow> = Vec::new();
        let mut sums: Vec<[i32; LANES]> = Vec::new();
        for &(a, b) in runs {
            if a >= b || b > doc.tokens.len() {
                continue;
            }
            // a run without one Arabic or Latin word has no name to find
            if !doc.tokens[a..b].iter().any(|t| matches!(t.kind, TokenKind::Word | TokenKind::Latin)) {
                continue;
            }
            let s = &doc.sentences[doc.tokens[a].sentence];
            let (lo, hi) = (s.tokens.start, s.tokens.end.max(b));
            // the run and two words either side: all its tokens' features can see (the edges
            // of the window are the sentence's edges or farther than two words)
            let (wlo, whi) = (a.saturating_sub(2).max(lo), (b + 2).min(hi));
            seq.clear();
            for (k, slot) in memo.iter_mut().enumerate().take(whi).skip(wlo) {
                seq.push(*slot.get_or_insert_with(|| self.tok_row(kb, &doc.tokens[k], feats.0.get(k).copied().unwrap_or(0))));
            }
            let start = if a == lo { NT } else { 0 };
            self.emission_sums(&seq, &doc.tokens[wlo..whi], a - wlo, b - wlo, &mut sums);
            // most runs hold no name: when no tag can beat O at any token whatever its
            // neighbours, the decoding is all O and there is nothing to decode
            if self.all_o(&sums, start) {
                continue;
            }
            let em: Vec<Row> = sums.iter().map(|e| std::array::from_fn(|k| e[k] as f32 * self.wscale)).collect();
            let tags = viterbi(&em, &self.trans, start);
            spans(&tags, &em, &self.trans, self.scale, start, a, &mut out);
        }
        out
    }

    /// A token's rows in the model and the attributes whose weights tagging adds: the hits'
    /// (`hit_attrs`), and an unknown word's own ([`lex_attrs`], and [`A_UNKNOWN`]); a known
    /// word's own attributes are in its row, so they are not even computed.
    fn tok_row(&self, kb: &Kb, t: &marsad_text::Token, hit_attrs: u64) -> TokRow<'_> {
        let w = t.norm.as_str();
        let s = stem(w);
        let word = self.words.get(&fnv(w.as_bytes()));
        let stem = self.stems.get(&fnv(s.as_bytes()));
        let attrs = match word {
            Some(_) => hit_attrs,
            None => hit_attrs | lex_attrs(kb, t, s) | 1 << A_UNKNOWN,
        };
        TokRow { word, stem, attrs }
    }

    /// Whether the best decoding of a run whose emission sums are `sums` is all `O`, by a
    /// bound that needs no decoding: reading tag `t` at token `i` gains at most
    /// `em[i][t] − em[i][O]` plus the best transition into `t` (from `start` at the first
    /// token) less the all-`O` path's, plus what the transition back to `O` after it may gain
    /// over `O → O`. When that is below zero for every token and tag other than `O`, any
    /// reading with a name scores less than all `O` (the margin covers rounding).
    fn all_o(&self, sums: &[[i32; LANES]], start: usize) -> bool {
        const MARGIN: f32 = 1e-3;
        sums.iter().enumerate().all(|(i, e)| {
            let (into, o) = if i == 0 { (&self.first_in[start.min(1)], self.trans[start][0]) } else { (&self.best_in, self.trans[0][0]) };
            (1..NT).all(|t| (e[t] - e[0]) as f32 * self.wscale + into[t] - o + self.back_to_o < -MARGIN)
        })
    }

    /// Emission sums (in steps of `wscale`) of tokens `from..to` of `seq` (a window of a
    /// sentence: tokens outside it are past the sentence's edges) into `em`.
    fn emission_sums(&self, seq: &[TokRow], toks: &[marsad_text::Token], from: usize, to: usize, em: &mut Vec<[i32; LANES]>) {
        let n = seq.len();
        em.clear();
        #[inline(always)]
        fn add(e: &mut [i32; LANES], w: &QRow) {
            for k in 0..LANES {
                e[k] += i32::from(w[k]);
            }
        }
        for i in from..to {
            let mut e = [0i32; LANES];
            add(&mut e, &self.bias);
            for o in 0..WIN {
                let j = i as isize + o as isize - 2;
                if j < 0 || j >= n as isize {
                    add(&mut e, &self.attr[o][(if j < 0 { A_BOS } else { A_EOS }) as usize]);
                    continue;
                }
                let r = &seq[j as usize];
                if let Some(row) = r.word {
                    for k in 0..LANES {
                        e[k] += row[o][k];
                    }
                }
                if (1..=3).contains(&o) {
                    if let Some(row) = r.stem {
                        add(&mut e, &row[o - 1]);
                    }
                }
                let mut a = r.attrs;
                while a != 0 {
                    let b = a.trailing_zeros() as usize;
                    a &= a - 1;
                    add(&mut e, &self.attr[o][b]);
                }
            }
            match seq[i].stem {
                Some(r) if r[SWIN + 1][0] != 0 => add(&mut e, &r[SWIN]),
                _ => {
                    let (pre, suf) = affixes(&toks[i].norm);
                    for k in 0..3 {
                        if pre[k] != 0 {
                            if let Some(w) = self.affix.get(&affix_key(T_PRE + k as u8, pre[k])) {
                                add(&mut e, w);
                            }
                            if let Some(w) = self.affix.get(&affix_key(T_SUF + k as u8, suf[k])) {
                                add(&mut e, w);
                            }
                        }
                    }
                }
            }
            em.push(e);
        }
    }

    /// The model as bytes: weights quantised to 16 bits, those under `prune` (absolute)
    /// dropped, and features left without weights dropped.
    fn raw_to_bytes(raw: &Raw, prune: f32) -> Vec<u8> {
        let wscale = raw.wscale();
        let mut body = Vec::new();
        let mut count = 0u32;
        let mut feats: Vec<&(u8, u64, [f32; NT])> = raw.feats.iter().collect();
        feats.sort_by_key(|f| (f.0, f.1));
        for (t, v, w) in feats {
            let mut mask = 0u8;
            let mut q = Vec::new();
            for (k, &x) in w.iter().enumerate() {
                let qi = (x / wscale).round() as i32;
                if (x.abs() >= prune || *t == T_AFFIXES) && qi != 0 {
                    mask |= 1 << k;
                    q.extend_from_slice(&(qi.clamp(-32767, 32767) as i16).to_le_bytes());
                }
            }
            // a known word keeps its row even without weights: a word without one is unknown
            if mask == 0 && *t != T_AFFIXES && *t != T_WORD + 2 {
                continue;
            }
            body.push(*t);
            body.extend_from_slice(&v.to_le_bytes());
            body.push(mask);
            body.extend_from_slice(&q);
            count += 1;
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&wscale.to_le_bytes());
        out.extend_from_slice(&raw.scale.to_le_bytes());
        for row in &raw.trans {
            for x in row {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out.extend_from_slice(&body);
        out.extend_from_slice(&(raw.lex.len() as u32).to_le_bytes());
        for &(w, a) in &raw.lex {
            out.extend_from_slice(&w.to_le_bytes());
            out.extend_from_slice(&a.to_le_bytes());
        }
        out
    }
}

fn affix_key(t: u8, v: u64) -> u64 {
    v ^ (u64::from(t) << 56) ^ u64::from(t)
}

/// Best tag sequence under the BIO constraint.
/// `start`: the row of `trans` before the first token (`NT` at a sentence's start, `0` after
/// an `O`).
fn viterbi(em: &[Row], trans: &[[f32; NT]; NT + 1], start: usize) -> Vec<usize> {
    let n = em.len();
    if n == 0 {
        return Vec::new();
    }
    // the BIO constraint as −∞ transitions, so the inner loop has no branch
    let mut mt = [[f32::NEG_INFINITY; NT]; NT + 1];
    for p in 0..=NT {
        for t in 0..NT {
            if allowed((p < NT).then_some(p), t) {
                mt[p][t] = trans[p][t];
            }
        }
    }
    let mut prev = [f32::NEG_INFINITY; NT];
    for t in 0..NT {
        prev[t] = em[0][t] + mt[start][t];
    }
    let mut back = vec![[0u8; NT]; n];
    for i in 1..n {
        let mut cur = [f32::NEG_INFINITY; NT];
        for t in 0..NT {
            let mut best = prev[0] + mt[0][t];
            let mut arg = 0u8;
            for p in 1..NT {
                let s = prev[p] + mt[p][t];
                if s > best {
                    best = s;
                    arg = p as u8;
                }
            }
            cur[t] = best + em[i][t];
            back[i][t] = arg;
        }
        prev = cur;
    }
    let mut tags = vec![0; n];
    let mut best = 0;
    for t in 1..NT {
        if prev[t] > prev[best] {
            best = t;
        }
    }
    tags[n - 1] = best;
    for i in (1..n).rev() {
        tags[i - 1] = usize::from(back[i][tags[i]]);
    }
    tags
}

/// Names of a decoded sequence, with their scores.
fn spans(tags: &[usize], em: &[Row], trans: &[[f32; NT]; NT + 1], scale: f32, start: usize, offset: usize, out: &mut Vec<Tagged>) {
    // the margin of each token's tag over the best alternative, given the previous tag
    let margin = |i: usize| -> f32 {
        let prev = if i == 0 { start } else { tags[i - 1] };
        let local = |t: usize| em[i][t] + trans[prev][t];
        let mine = local(tags[i]);
        let other = (0..NT).filter(|&t| t != tags[i] && allowed((i > 0).then_some(prev), t)).map(local).fold(f32::NEG_INFINITY, f32::max);
        mine - other
    };
    let mut i = 0;
    while i < tags.len() {
        let Some(c) = class_of(tags[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < tags.len() && tags[j] == c.b_tag() + 1 {
            j += 1;
        }
        let m = (i..j).map(margin).fold(f32::INFINITY, f32::min);
        out.push(Tagged { first: offset + i, last: offset + j - 1, class: c, score: 1.0 / (1.0 + (-m / scale).exp()) });
        i = j;
    }
}

// ---------------------------------------------------------------------------------------------
// training

/// One training sentence: words as marsad writes them, and a BIO tag index per word.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSentence {
    pub words: Vec<String>,
    pub tags: Vec<usize>,
}

/// The coarse class of a NewsFANE fine class (`None`: not a name marsad reports).
pub fn coarse_class(fine: &str) -> Result<Option<Class>, String> {
    Ok(match fine {
        "Politician" | "Athlete" | "Artist" | "Other_PER" | "Religious_PER" | "Scientist" | "Police" | "Businessperson" | "Lawyer" | "Engineer" => Some(Class::Pers),
        "Nation" | "Population-Center" | "State-or-Province" | "GPE-Cluster" | "Water-Body" | "Land" | "Continent" | "County-or-District" | "Land-Region-Natural" | "Celestial" | "Water" => Some(Class::Loc),
        "Non-Governmental" | "Sports" | "Government" | "Media" | "Commercial" | "Educational" | "Medical-Science" | "Entertainment" | "Religious_ORG" => Some(Class::Org),
        // facilities are places or organisations by turns; groups, works and products are no names
        "Building-Grounds" | "Path" | "Airport" | "Subarea-Facility" | "Plant" | "Group" | "Book" | "Movie" | "Air" | "Software" | "Hardware" | "Projectile" | "Shooting" | "Food" | "Drug" => None,
        other => return Err(format!("unknown entity class «{other}»")),
    })
}

/// Proclitics written apart in the segmented corpus.
const SEG_PRE: &[&str] = &["و", "ف", "ب", "ل", "ك", "س"];
/// Enclitics and verb endings written apart.
const SEG_POST: &[&str] = &["ه", "ها", "هم", "هما", "هن", "كم", "كما", "نا", "ي", "ن", "ت"];

fn is_arabic_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| marsad_text::is_arabic_letter(c) || matches!(c, 'ة' | 'ى' | 'أ' | 'إ' | 'آ' | 'ؤ' | 'ئ'))
}

/// Reads the NewsFANE CoNLL file (`TOKEN<TAB>TAG`, a blank line between sentences) and joins
/// the segmented clitics back onto their words (و الصادرات → والصادرات، ان ه → انه), each
/// joined word keeping the tag of its stem. `file` names the file in errors.
pub fn read_conll(text: &str, file: &str) -> Result<Vec<TrainSentence>, TaggerError> {
    let mut out = Vec::new();
    let mut cur: Vec<(String, usize)> = Vec::new();
    let flush = |cur: &mut Vec<(String, usize)>, out: &mut Vec<TrainSentence>| {
        if !cur.is_empty() {
            out.push(join_clitics(std::mem::take(cur)));
        }
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        let err = |msg: String| TaggerError::Data { file: file.to_string(), line: i + 1, msg };
        let (tok, tag) = line.split_once('\t').ok_or_else(|| err("expected TOKEN<TAB>TAG".into()))?;
        let tag = tag.trim();
        let t = if tag == "O" {
            0
        } else {
            let (bi, fine) = tag.split_once('-').ok_or_else(|| err(format!("tag «{tag}» is neither O nor B-/I-CLASS")))?;
            match (bi, coarse_class(fine).map_err(err)?) {
                (_, None) => 0,
                ("B", Some(c)) => c.b_tag(),
                ("I", Some(c)) => c.b_tag() + 1,
                _ => return Err(err(format!("tag «{tag}» is neither O nor B-/I-CLASS"))),
            }
        };
        if tok.is_empty() || tok.contains(' ') {
            return Err(err(format!("bad token «{tok}»")));
        }
        // a hamza written apart (ء ساحاول) is dropped
        if tok == "ء" {
            continue;
        }
        cur.push((tok.to_string(), t));
    }
    flush(&mut cur, &mut out);
    Ok(out)
}

fn join_clitics(toks: Vec<(String, usize)>) -> TrainSentence {
    // enclitics onto the word before them
    let mut a: Vec<(String, usize)> = Vec::with_capacity(toks.len());
    for (w, t) in toks {
        if SEG_POST.contains(&w.as_str()) && t == 0 {
            if let Some(last) = a.last_mut() {
                if is_arabic_word(&last.0) && !SEG_PRE.contains(&last.0.as_str()) {
                    last.0.push_str(&w);
                    continue;
                }
            }
        }
        a.push((w, t));
    }
    // proclitics onto the word after them (right to left, so و ب الدولة → وبالدولة)
    let mut b: Vec<(String, usize)> = Vec::with_capacity(a.len());
    for (w, t) in a.into_iter().rev() {
        let is_pre = SEG_PRE.contains(&w.as_str()) || w == "ا";
        if is_pre {
            if let Some(next) = b.last_mut() {
                if is_arabic_word(&next.0) && next.0.chars().count() >= 2 {
                    next.0.insert_str(0, &w);
                    if next.1 == 0 && t != 0 {
                        next.1 = t;
                    }
                    continue;
                }
            }
        }
        b.push((w, t));
    }
    b.reverse();
    // a stray inside tag starts a name
    let mut tags: Vec<usize> = b.iter().map(|x| x.1).collect();
    for i in 0..tags.len() {
        if tags[i] != 0 && tags[i].is_multiple_of(2) && !allowed(i.checked_sub(1).map(|p| tags[p]), tags[i]) {
            tags[i] -= 1;
        }
    }
    TrainSentence { words: b.into_iter().map(|x| x.0).collect(), tags }
}

/// A training sentence as marsad reads it: the analysed text, the knowledge base's hits and a
/// tag per token.
struct Example {
    feats: Vec<Vec<u32>>,
    tags: Vec<usize>,
}

fn example(kb: &Kb, s: &TrainSentence, index: &mut marsad_kb::HashMap<(u8, u64), u32>, grow: bool, keys: &mut Vec<(u8, u64)>, rare: &marsad_kb::HashSet<u64>) -> Example {
    let text = s.words.join(" ");
    let mut spans = Vec::with_capacity(s.words.len());
    let mut at = 0;
    for w in &s.words {
        spans.push((at, at + w.len()));
        at += w.len() + 1;
    }
    let doc = marsad_text::analyze(&text);
    let hay = marsad_kb::Haystack::new(&doc.tokens);
    let hits = kb.matcher.find(&hay);
    let seq = token_features(kb, &doc, 0..doc.tokens.len(), &[&hits]);
    // each token takes the tag of the word it lies in (inside when not the word's first token)
    let mut tags = Vec::with_capacity(doc.tokens.len());
    let mut w = 0;
    let mut last_word = usize::MAX;
    for t in &doc.tokens {
        while w + 1 < spans.len() && t.start >= spans[w].1 {
            w += 1;
        }
        let mut tag = s.tags.get(w).copied().unwrap_or(0);
        if last_word == w && tag % 2 == 1 {
            tag += 1;
        }
        last_word = w;
        tags.push(tag);
    }
    let mut feats = Vec::with_capacity(seq.len());
    for i in 0..seq.len() {
        keys_of(&seq, &doc.tokens, i, keys, rare);
        let mut f = Vec::with_capacity(keys.len());
        for &k in keys.iter() {
            let n = index.len() as u32;
            if grow {
                f.push(*index.entry(k).or_insert(n));
            } else if let Some(&x) = index.get(&k) {
                f.push(x);
            }
        }
        feats.push(f);
    }
    Example { feats, tags }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub epochs: usize,
    pub seed: u64,
    /// Weights under this (absolute, after averaging) are dropped from the file.
    pub prune: f32,
    /// Words and stems seen fewer times than this get no feature of their own.
    pub min_count: u32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { epochs: 10, seed: 12, prune: 0.5, min_count: 2 }
    }
}

/// What training did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub sentences: usize,
    pub tokens: usize,
    pub features: usize,
    /// Token accuracy on the training data after each epoch (before averaging).
    pub accuracy: Vec<f64>,
    pub bytes: usize,
}

/// Trains a model on `data` and returns it as bytes (see [`Model::from_bytes`]).
pub fn train(kb: &Kb, data: &[TrainSentence], opts: &TrainOptions) -> (Vec<u8>, TrainReport) {
    let mut index: marsad_kb::HashMap<(u8, u64), u32> = Default::default();
    let mut keys = Vec::new();
    // the key of each interned index, to write the model (template byte kept beside the value)
    // words and stems seen once
    let mut seen: marsad_kb::HashMap<u64, u32> = Default::default();
    // every stem's affixes, for the affix sums of the model file
    let mut stem_affixes: marsad_kb::HashMap<u64, ([u64; 3], [u64; 3])> = Default::default();
    // every word's own attributes (no hits given: only what the word says by itself)
    let mut own: marsad_kb::HashMap<u64, u64> = Default::default();
    for s in data {
        let doc = marsad_text::analyze(&s.words.join(" "));
        for (t, tok) in token_features(kb, &doc, 0..doc.tokens.len(), &[]).into_iter().zip(&doc.tokens) {
            own.insert(t.word, t.attrs & LEX_MASK);
            stem_affixes.entry(t.stem).or_insert_with(|| affixes(&tok.norm));
            *seen.entry(t.word).or_default() += 1;
            if t.stem != t.word {
                *seen.entry(t.stem).or_default() += 1;
            }
        }
    }
    let rare: marsad_kb::HashSet<u64> = seen.into_iter().filter(|&(_, c)| c < opts.min_count).map(|(w, _)| w).collect();
    let examples: Vec<Example> = data.iter().map(|s| example(kb, s, &mut index, true, &mut keys, &rare)).collect();
    let nf = index.len();
    let mut w = vec![[0f32; NT]; nf];
    let mut u = vec![[0f32; NT]; nf]; // c-weighted sums of updates, for averaging
    let mut tw = [[0f32; NT]; NT + 1];
    let mut tu = [[0f32; NT]; NT + 1];
    let mut c = 1f32;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut accuracy = Vec::new();
    for _ in 0..opts.epochs {
        // Fisher–Yates with xorshift64*: the same order for the same seed everywhere
        for i in (1..order.len()).rev() {
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            let j = (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let (mut right, mut total) = (0usize, 0usize);
        for &x in &order {
            let ex = &examples[x];
            let em: Vec<Row> = ex
                .feats
                .iter()
                .map(|f| {
                    let mut e = [0f32; LANES];
                    for &k in f {
                        for t in 0..NT {
                            e[t] += w[k as usize][t];
                        }
                    }
                    e
                })
                .collect();
            let pred = viterbi(&em, &tw, NT);
            for i in 0..pred.len() {
                total += 1;
                let (g, p) = (ex.tags[i], pred[i]);
                if g == p {
                    right += 1;
                } else {
                    for &k in &ex.feats[i] {
                        w[k as usize][g] += 1.0;
                        w[k as usize][p] -= 1.0;
                        u[k as usize][g] += c;
                        u[k as usize][p] -= c;
                    }
                }
                let gp = if i == 0 { NT } else { ex.tags[i - 1] };
                let pp = if i == 0 { NT } else { pred[i - 1] };
                if (gp, g) != (pp, p) {
                    tw[gp][g] += 1.0;
                    tw[pp][p] -= 1.0;
                    tu[gp][g] += c;
                    tu[pp][p] -= c;
                }
            }
            c += 1.0;
        }
        accuracy.push(right as f64 / total.max(1) as f64);
    }
    // averaged weights
    let avg = |w: f32, u: f32| w - u / c;
    let mut trans = [[0f32; NT]; NT + 1];
    for p in 0..=NT {
        for t in 0..NT {
            trans[p][t] = avg(tw[p][t], tu[p][t]);
        }
    }
    let mut feats = Vec::with_capacity(nf);
    let mut affix_w: marsad_kb::HashMap<(u8, u64), [f32; NT]> = Default::default();
    for (&(t, v), &i) in &index {
        let mut x = [0f32; NT];
        for tag in 0..NT {
            x[tag] = avg(w[i as usize][tag], u[i as usize][tag]);
        }
        if (T_PRE..T_ATTR).contains(&t) {
            affix_w.insert((t, v), x);
        }
        feats.push((t, v, x));
    }
    // each stem's affix sum, as tagging adds it up (only weights that survive pruning count)
    let kept = |x: f32| if x.abs() >= opts.prune { x } else { 0.0 };
    for (&stem, (pre, suf)) in &stem_affixes {
        let mut sum = [0f32; NT];
        for k in 0..3 {
            if pre[k] == 0 {
                continue;
            }
            for key in [(T_PRE + k as u8, pre[k]), (T_SUF + k as u8, suf[k])] {
                if let Some(x) = affix_w.get(&key) {
                    for tag in 0..NT {
                        sum[tag] += kept(x[tag]);
                    }
                }
            }
        }
        feats.push((T_AFFIXES, stem, sum));
    }
    // the score scale: the median absolute margin of the averaged model's emissions
    // the known words (those with a row of their own) and their own attributes
    let mut lex: Vec<(u64, u64)> = own.into_iter().filter(|&(w, a)| a != 0 && index.contains_key(&(T_WORD + 2, w))).collect();
    lex.sort_unstable();
    let raw = Raw { feats, trans, scale: 1.0, lex };
    let mut model = Model::from_raw(Raw { feats: raw.feats.clone(), trans, scale: 1.0, lex: raw.lex.clone() }, raw.wscale());
    let mut margins = Vec::new();
    for s in data.iter().take(2000) {
        let text = s.words.join(" ");
        let doc = marsad_text::analyze(&text);
        let hay = marsad_kb::Haystack::new(&doc.tokens);
        let hits = kb.matcher.find(&hay);
        for t in model.tag(kb, &doc, &[&hits]) {
            let p = t.score.clamp(1e-6, 1.0 - 1e-6);
            margins.push((p / (1.0 - p)).ln().abs());
        }
    }
    margins.sort_by(f32::total_cmp);
    let scale = margins.get(margins.len() / 2).copied().unwrap_or(1.0).max(1e-3);
    model.scale = scale;
    let raw = Raw { scale, ..raw };
    let bytes = Model::raw_to_bytes(&raw, opts.prune);
    let report = TrainReport { sentences: data.len(), tokens: examples.iter().map(|e| e.tags.len()).sum(), features: Model::from_bytes(&bytes).map_or(0, |m| m.len()), accuracy, bytes: bytes.len() };
    (bytes, report)
}

/// Entity-level precision, recall and F1 of `model` on `data` (exact spans over marsad's
/// tokens), per class and micro-averaged: `(class, tp, fp, fn)`.
pub fn evaluate(kb: &Kb, model: &Model, data: &[TrainSentence], misses: &mut dyn FnMut(String)) -> Vec<(&'static str, usize, usize, usize)> {
    let mut counts = [(0usize, 0usize, 0usize); 3];
    let idx = |c: Class| match c {
        Class::Pers => 0,
        Class::Loc => 1,
        Class::Org => 2,
    };
    for s in data {
        let mut index = Default::default();
        let mut keys = Vec::new();
        let ex = example(kb, s, &mut index, false, &mut keys, &Default::default());
        let text = s.words.join(" ");
        let doc = marsad_text::analyze(&text);
        let hay = marsad_kb::Haystack::new(&doc.tokens);
        let hits = kb.matcher.find(&hay);
        // gold spans from the projected tags, over the whole sentence as one sequence
        let mut gold = Vec::new();
        let mut i = 0;
        while i < ex.tags.len() {
            if let Some(c) = class_of(ex.tags[i]) {
                let mut j = i + 1;
                while j < ex.tags.len() && ex.tags[j] == c.b_tag() + 1 {
                    j += 1;
                }
                gold.push((i, j - 1, c));
                i = j;
            } else {
                i += 1;
            }
        }
        let got: Vec<(usize, usize, Class)> = model.tag(kb, &doc, &[&hits]).into_iter().map(|t| (t.first, t.last, t.class)).collect();
        let show = |g: &(usize, usize, Class)| format!("{} «{}» in «{}»", g.2.as_str(), &text[doc.tokens[g.0].start..doc.tokens[g.1].end], text);
        for g in &gold {
            if got.contains(g) {
                counts[idx(g.2)].0 += 1;
            } else {
                counts[idx(g.2)].2 += 1;
                misses(format!("FN {}", show(g)));
            }
        }
        for g in &got {
            if !gold.contains(g) {
                counts[idx(g.2)].1 += 1;
                misses(format!("FP {}", show(g)));
            }
        }
    }
    let mut out: Vec<(&'static str, usize, usize, usize)> = [Class::Pers, Class::Loc, Class::Org].iter().map(|&c| (c.as_str(), counts[idx(c)].0, counts[idx(c)].1, counts[idx(c)].2)).collect();
    let micro = out.iter().fold((0, 0, 0), |a, x| (a.0 + x.1, a.1 + x.2, a.2 + x.3));
    out.push(("micro", micro.0, micro.1, micro.2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> &'static Kb {
        static K: std::sync::OnceLock<Kb> = std::sync::OnceLock::new();
        K.get_or_init(|| Kb::embedded().expect("embedded KB loads"))
    }

    /// Segmented tokens in, marsad's words and tags out.
    const JOINS: &[(&str, &[(&str, &str)])] = &[
        ("و الصادرات\tO O", &[("والصادرات", "O")]),
        ("ان ه\tO O", &[("انه", "O")]),
        ("ل هم\tO O", &[("لهم", "O")]),
        ("و ب الدولة\tO O O", &[("وبالدولة", "O")]),
        ("و برلين\tO B-Population-Center", &[("وبرلين", "B-LOC")]),
        ("برند جوتشولك\tB-Other_PER I-Other_PER", &[("برند", "B-PERS"), ("جوتشولك", "I-PERS")]),
        ("اتحاد صناعة\tB-Government I-Government", &[("اتحاد", "B-ORG"), ("صناعة", "I-ORG")]),
        // a hamza written apart is dropped; groups and works are no names
        ("قال ء ساحاول\tO O O", &[("قال", "O"), ("ساحاول", "O")]),
        ("الفلسطينيين\tB-Group", &[("الفلسطينيين", "O")]),
        // a stray inside tag starts a name
        ("مدريد\tI-Population-Center", &[("مدريد", "B-LOC")]),
        // a lone letter before punctuation stays (د ب ا)
        ("د ب ا )\tB-Media I-Media I-Media O", &[("د", "B-ORG"), ("ب", "I-ORG"), ("ا", "I-ORG"), (")", "O")]),
    ];

    fn conll(row: &str) -> String {
        let (toks, tags) = row.split_once('\t').unwrap();
        toks.split(' ').zip(tags.split(' ')).map(|(a, b)| format!("{a}\t{b}\n")).collect()
    }

    #[test]
    fn segmented_clitics_join_their_words() {
        for (row, want) in JOINS {
            let got = read_conll(&conll(row), "t.conll").unwrap();
            assert_eq!(got.len(), 1, "{row}");
            let pairs: Vec<(String, String)> = got[0].words.iter().zip(&got[0].tags).map(|(w, &t)| (w.clone(), TAGS[t].to_string())).collect();
            let want: Vec<(String, String)> = want.iter().map(|(w, t)| (w.to_string(), t.to_string())).collect();
            assert_eq!(pairs, want, "{row}");
        }
    }

    #[test]
    fn bad_training_lines_name_file_and_line() {
        for (text, needle) in [("قال\tO\nبرلين B-Nation\n", "t.conll:2: expected TOKEN<TAB>TAG"), ("برلين\tB-Planet\n", "t.conll:1: unknown entity class «Planet»"), ("برلين\tX-Nation\n", "t.conll:1: tag «X-Nation»")] {
            let e = read_conll(text, "t.conll").unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn damaged_models_are_refused() {
        let good = Model::embedded().expect("the built-in model loads");
        assert!(good.len() > 10_000, "{}", good.len());
        let bytes = include_bytes!("../../../data/ner/tagger.bin");
        for (what, b, needle) in [
            ("empty", Vec::new(), "magic"),
            ("other file", b"GIF89a....".to_vec(), "magic"),
            ("cut short", bytes[..bytes.len() / 2].to_vec(), "ends early"),
            ("trailing", [bytes.as_slice(), b"x"].concat(), "trailing"),
        ] {
            let e = Model::from_bytes(&b).err().unwrap_or_else(|| panic!("{what} accepted")).to_string();
            assert!(e.contains(needle), "{what}: {e}");
        }
    }

    /// The endings every offset sees: (word, the ending attribute it carries, if any).
    const ENDINGS: &[(&str, Option<u32>)] = &[
        ("الفرنسي", Some(A_END_Y)),
        ("والفرنسية", Some(A_END_IYA)),
        ("اللبنانيين", Some(A_END_PLURAL)),
        ("الحكومة", Some(A_END_TAA)),
        ("ميراندا", Some(A_END_ALEF)),
        ("مصطفى", Some(A_END_Y)),
        ("كونريكوس", None),
        ("بيكاسو", Some(A_END_WAW)),
        // too short to tell
        ("من", None),
    ];

    #[test]
    fn word_endings_are_attributes() {
        const ENDS: [u32; 6] = [A_END_Y, A_END_IYA, A_END_PLURAL, A_END_TAA, A_END_ALEF, A_END_WAW];
        for &(w, want) in ENDINGS {
            let doc = marsad_text::analyze(w);
            let f = lexical(kb(), &doc.tokens[0]);
            let got: Vec<u32> = ENDS.iter().copied().filter(|&a| f.attrs & (1 << a) != 0).collect();
            assert_eq!(got, want.into_iter().collect::<Vec<_>>(), "{w}");
        }
    }

    #[test]
    fn a_word_unknown_to_the_model_reads_as_unknown() {
        // trained with every word known (min_count 1), a model keeps a row for each word, so
        // only a word it never saw takes the unknown weights; trained with min_count 2 the
        // words seen once are unknown in training as they are at tagging time
        let data = read_conll(&tiny(), "tiny.conll").unwrap();
        let (bytes, _) = train(kb(), &data, &TrainOptions { epochs: 5, seed: 7, prune: 0.0, min_count: 2 });
        let m = Model::from_bytes(&bytes).unwrap();
        // امس and في are in every sentence: known; the names are seen once: unknown
        for (w, known) in [("امس", true), ("في", true), ("سامر", false), ("برلين", false)] {
            let doc = marsad_text::analyze(w);
            let f = lexical(kb(), &doc.tokens[0]);
            assert_eq!(m.words.contains_key(&f.word), known, "{w}");
        }
        assert!(m.attr[2][A_UNKNOWN as usize].iter().any(|&x| x != 0), "the unknown attribute is learnt");
    }

    #[test]
    fn known_words_carry_their_attributes_in_their_rows() {
        // the emissions of the loaded model (a known word's own attributes summed into its
        // row) are those its features give one by one, as in training
        let data = read_conll(&tiny(), "tiny.conll").unwrap();
        let (bytes, _) = train(kb(), &data, &TrainOptions { epochs: 5, seed: 7, prune: 0.0, min_count: 2 });
        let m = Model::from_bytes(&bytes).unwrap();
        let (raw, wscale) = Model::raw_from_bytes(&bytes).unwrap();
        assert!(!raw.lex.is_empty(), "known words with attributes of their own");
        let weights: marsad_kb::HashMap<(u8, u64), [f32; NT]> = raw.feats.iter().map(|&(t, v, w)| ((t, v), w)).collect();
        let text = "وقال سامر حداد في باريس امس .";
        let doc = marsad_text::analyze(text);
        let hits = kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens));
        let seq = token_features(kb(), &doc, 0..doc.tokens.len(), &[&hits]);
        // unknown to the model: no row of its own
        let rare: marsad_kb::HashSet<u64> = seq.iter().map(|t| t.word).filter(|w| !m.words.contains_key(w)).collect();
        let f = m.features(kb(), &doc, &[&hits]);
        let rows: Vec<TokRow> = doc.tokens.iter().enumerate().map(|(k, t)| m.tok_row(kb(), t, f.0[k])).collect();
        let mut sums = Vec::new();
        m.emission_sums(&rows, &doc.tokens, 0, rows.len(), &mut sums);
        let got: Vec<Row> = sums.iter().map(|e| std::array::from_fn(|k| e[k] as f32 * wscale)).collect();
        let mut keys = Vec::new();
        for i in 0..seq.len() {
            keys_of(&seq, &doc.tokens, i, &mut keys, &rare);
            let mut want = [0f32; NT];
            for k in &keys {
                if let Some(w) = weights.get(k) {
                    for t in 0..NT {
                        want[t] += w[t];
                    }
                }
            }
            for t in 0..NT {
                // each weight is stored to the nearest step
                assert!((got[i][t] - want[t]).abs() <= wscale * keys.len() as f32, "token {i} tag {t}: {} vs {}", got[i][t], want[t]);
            }
        }
    }

    #[test]
    fn viterbi_keeps_to_bio() {
        // the emissions want I-PERS first and I-ORG after B-PERS; the decoding may not
        let mut em = vec![[0f32; LANES]; 2];
        em[0][2] = 5.0;
        em[0][1] = 1.0;
        em[1][6] = 5.0;
        em[1][2] = 1.0;
        let tags = viterbi(&em, &[[0.0; NT]; NT + 1], NT);
        for i in 0..tags.len() {
            assert!(allowed(i.checked_sub(1).map(|p| tags[p]), tags[i]), "{tags:?}");
        }
        // the best allowed reading: B-ORG I-ORG (0 + 5) over B-PERS I-PERS (1 + 1)
        assert_eq!(tags, vec![5, 6]);
    }

    #[test]
    fn all_o_is_only_said_of_runs_that_decode_to_all_o() {
        // the shortcut may skip the decoding only where the decoding finds nothing: random
        // emission sums (a fixed generator) against the built-in model's transitions
        let m = Model::embedded().unwrap();
        let mut x: u64 = 12;
        let mut next = |span: i32| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % (2 * span as u64 + 1)) as i32 - span
        };
        let (mut said, mut runs) = (0, 0);
        for round in 0..20_000 {
            let n = 1 + round % 6;
            // O usually well ahead, as in most runs of real text
            let lead = (round % 7) as i32 * 2000;
            let sums: Vec<[i32; LANES]> = (0..n).map(|_| std::array::from_fn(|k| if k == 0 { lead + next(3000) } else if k < NT { next(3000) } else { 0 })).collect();
            for start in [0, NT] {
                runs += 1;
                let em: Vec<Row> = sums.iter().map(|e| std::array::from_fn(|k| e[k] as f32 * m.wscale)).collect();
                let tags = viterbi(&em, &m.trans, start);
                if m.all_o(&sums, start) {
                    said += 1;
                    assert!(tags.iter().all(|&t| t == 0), "{sums:?} from {start}: {tags:?}");
                }
            }
        }
        // and it does skip: most of these runs
        assert!(said * 2 > runs, "said all O of {said} of {runs} runs");
        // real text: a run of ordinary words is skipped, one with a name is not
        for (text, skipped) in [("قال المسؤول في تصريح امس", true), ("وصل ديفيد بيكهام إلى مدريد أمس", false)] {
            let doc = marsad_text::analyze(text);
            let hits = kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens));
            let f = m.features(kb(), &doc, &[&hits]);
            let rows: Vec<TokRow> = doc.tokens.iter().enumerate().map(|(k, t)| m.tok_row(kb(), t, f.0[k])).collect();
            let mut sums = Vec::new();
            m.emission_sums(&rows, &doc.tokens, 0, rows.len(), &mut sums);
            assert_eq!(m.all_o(&sums, NT), skipped, "{text}");
        }
    }

    /// A small corpus: persons after قال, places after في; the model must learn both and tag
    /// names it never saw in the same contexts.
    fn tiny() -> String {
        let persons = ["سامر نداف", "كريم حداد", "فادي عطار", "ليلى نجار", "رامي صباغ", "هاني خياط"];
        let places = ["برلين", "باريس", "روما", "مدريد", "لشبونة", "فيينا"];
        let mut s = String::new();
        for (p, l) in persons.iter().zip(places.iter()) {
            let mut parts = p.split(' ');
            s.push_str(&format!("و\tO\nقال\tO\n{}\tB-Politician\n{}\tI-Politician\nفي\tO\n{l}\tB-Population-Center\nامس\tO\n.\tO\n\n", parts.next().unwrap(), parts.next().unwrap()));
        }
        s
    }

    #[test]
    fn training_is_reproducible_and_learns() {
        let data = read_conll(&tiny(), "tiny.conll").unwrap();
        let opts = TrainOptions { epochs: 5, seed: 7, prune: 0.0, min_count: 1 };
        let (a, rep) = train(kb(), &data, &opts);
        let (b, _) = train(kb(), &data, &opts);
        assert_eq!(a, b, "same data and seed, same bytes");
        assert_eq!(rep.sentences, 6);
        let m = Model::from_bytes(&a).unwrap();
        let scores = evaluate(kb(), &m, &data, &mut |_| {});
        let micro = scores.last().unwrap();
        assert_eq!((micro.0, micro.2, micro.3), ("micro", 0, 0), "the training data is learnt: {scores:?}");
        let text = "وقال سامر حداد في باريس امس .";
        let doc = marsad_text::analyze(text);
        let hits = kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens));
        let got: Vec<(String, &str)> = m.tag(kb(), &doc, &[&hits]).iter().map(|t| (text[doc.tokens[t.first].start..doc.tokens[t.last].end].to_string(), t.class.as_str())).collect();
        assert!(got.contains(&("سامر حداد".to_string(), "PERS")), "{got:?}");
    }
}
