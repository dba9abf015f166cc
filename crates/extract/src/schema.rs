//! The output record: one [`ArticleOut`] per article, serialised as one JSON line.
//! Documented for users in `docs/schema.md`; the fields the evaluation contract reads are
//! `id`, `mentions[].{kind,text,actor}`, `events[].{type,source.actor,target.actor,date}` and
//! `quantities[].{kind,value,unit}`.

use serde::{Deserialize, Serialize};

/// The largest article text any command accepts (bytes of UTF-8): one limit for `extract`,
/// `ingest` and every source kind; a bigger article is refused with an error naming it. See
/// "Security and limits" in the README for the time and memory it takes.
pub const MAX_ARTICLE_BYTES: usize = 8 << 20;

/// The largest file, JSON Lines record or fetched body read before decoding (HTML and feeds
/// carry markup around their text; a feed carries many articles).
pub const MAX_INPUT_BYTES: usize = 32 << 20;

/// The refusal of an article text over [`MAX_ARTICLE_BYTES`], or `None`.
pub fn too_large(text_bytes: usize) -> Option<String> {
    (text_bytes > MAX_ARTICLE_BYTES).then(|| format!("text of {text_bytes} bytes is larger than the {} MiB limit for one article", MAX_ARTICLE_BYTES >> 20))
}

/// One input article.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Article {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publication date, ISO `YYYY-MM-DD` (a longer timestamp is cut to its date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Article {
    /// Validates one JSON record (the input contract of `marsad extract` and `marsad ingest`):
    /// an object with a string or number `id`, a string `text`, and optional string `title`,
    /// `published` (starting with an ISO date), `source` and `url`. The error says what is wrong.
    pub fn from_json(v: serde_json::Value) -> Result<Article, String> {
        let serde_json::Value::Object(o) = v else { return Err("a record must be a JSON object".into()) };
        let id = match o.get("id") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err("field `id` must be a non-empty string or a number".into()),
            None => return Err("missing field `id`".into()),
        };
        let text = match o.get("text") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("record {id}: field `text` must be a string")),
            None => return Err(format!("record {id}: missing field `text`")),
        };
        if let Some(e) = too_large(text.len()) {
            return Err(format!("record {id}: {e}"));
        }
        let opt = |k: &str| -> Result<Option<String>, String> {
            match o.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("record {id}: field `{k}` must be a string")),
            }
        };
        let published = opt("published")?;
        if let Some(p) = &published {
            if p.get(..10).and_then(|d| d.parse::<jiff::civil::Date>().ok()).is_none() {
                return Err(format!("record {id}: `published` {p:?} does not start with an ISO date YYYY-MM-DD"));
            }
        }
        let (title, source, url) = (opt("title")?, opt("source")?, opt("url")?);
        Ok(Article { id, text, title, published, source, url })
    }
}

/// A span of the article: character offsets (Unicode scalar values, end exclusive) into
/// `text` and the index of the sentence holding it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub sentence: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mention {
    /// `COUNTRY`, `PERSON`, `ORG` or `PLACE`.
    pub kind: String,
    /// The name as written, without a leading proclitic.
    pub text: String,
    /// Actor code: ISO alpha-3, `IGO:…`, `NSA:…`; absent for places and unaffiliated orgs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Canonical English name when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role for persons (`foreign minister`), kind for orgs and places (`agency`, `capital`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// State a person, place or organisation belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// How it was recognised: `kb` (dictionary), `pattern` (role or head noun + name), `alias`
    /// (a later short mention of a name found earlier), `tagger` (the trained named-entity
    /// tagger, for a name no dictionary or pattern holds; see `score`).
    pub how: String,
    /// The tagger's confidence (0…1), for `how: "tagger"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    #[serde(flatten)]
    pub span: Span,
}

/// One side of an event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Participant {
    pub actor: Option<String>,
    /// English name of the actor (the state, organisation or group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person or body that acted for it, as written, with its English name and role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_role: Option<String>,
    /// Index into `mentions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mention: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Place {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// PLOVER event type.
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `asserted`, `planned`, `negated` or `hypothetical`.
    pub modality: String,
    pub source: Participant,
    pub target: Participant,
    /// ISO date as far as the text fixes it (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_precision: Option<String>,
    /// The words the date came from (may be in a neighbouring sentence, or the article's date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_text: Option<String>,
    /// Where the event's time comes from: `text` (a date in the sentence), `dateline` (the
    /// article's own date: a dated dateline or اليوم), `published` (the record's publication
    /// date), `none`.
    #[serde(default = "none_source")]
    pub date_source: String,
    /// First and last day the event may have taken place (ISO `YYYY-MM-DD`): the text date's
    /// range at its precision (2015-08 → 2015-08-01 … 2015-08-31), else the publication day,
    /// else the dateline's; absent when `date_source` is `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// The trigger word(s) as written.
    pub trigger: String,
    /// Span of the trigger.
    #[serde(flatten)]
    pub span: Span,
    /// The sentence the event was read from.
    pub evidence: String,
    /// One-line English rendering from the codes.
    pub gloss: String,
}

fn none_source() -> String {
    "none".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuantityOut {
    /// `MONEY`, `PERCENT`, `MEASURE` or `COUNT`.
    pub kind: String,
    pub value: f64,
    pub unit: Option<String>,
    pub text: String,
    pub approx: bool,
    #[serde(flatten)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DateOut {
    /// ISO value, absent when the text gives too little (a weekday with no reference date).
    pub value: Option<String>,
    pub precision: Option<String>,
    pub text: String,
    pub relative: bool,
    /// The Hijri value as written (`1436-10-26`) when the date is Hijri; `value` is Gregorian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hijri: Option<String>,
    #[serde(flatten)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceOut {
    pub start: usize,
    pub end: usize,
}

/// Everything extracted from one article.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticleOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The reference date used for relative dates: `published`, else a date the article
    /// anchors with اليوم ("today"), else none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_date: Option<String>,
    pub sentences: Vec<SentenceOut>,
    pub mentions: Vec<Mention>,
    /// Interactions the article reports as happened, ongoing or planned (modality `asserted`
    /// or `planned`).
    pub events: Vec<Event>,
    /// Interactions the text mentions but denies or only supposes (modality `negated` or
    /// `hypothetical`): not events, kept for readers who want them.
    pub unrealised: Vec<Event>,
    /// Things that happened (an attack, an arrest, a protest) where the text does not name who
    /// did it or to whom: one side is unknown (`null`), or was only assumed (the state where it
    /// happened). Not interactions between two actors, so not in `events`; kept with their
    /// place, date and evidence.
    #[serde(default)]
    pub incidents: Vec<Event>,
    /// Attacks and protests the text names without reporting them as happening — history, a
    /// charge or an inquiry, a weapon, a figure of speech, a generic statement — as the trained
    /// report check ([`crate::report`]) judges: neither events nor incidents, kept for readers
    /// who want them.
    #[serde(default)]
    pub background: Vec<Event>,
    pub quantities: Vec<QuantityOut>,
    pub dates: Vec<DateOut>,
}
