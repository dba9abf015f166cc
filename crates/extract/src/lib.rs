//! # marsad-extract: from Arabic news to event data
//!
//! **In:** an [`Article`] (id, text, optional title and publication date) and a compiled
//! [`marsad_kb::Kb`].
//! **Out:** an [`ArticleOut`]: mentions of states, persons, organisations and places; events
//! (PLOVER type, source and target actors, modality, date, place, English gloss); quantities;
//! dates — each with its character span and sentence so every fact points at its evidence.
//!
//! Pipeline: `marsad_text::analyze` (normalise, tokens, sentences) → one automaton pass over the
//! whole knowledge base → [`recognise`] (actors, places, pattern names, aliases, and the names
//! of the trained [`tagger`] that no dictionary holds) → [`dates`] and
//! [`quantities`] → [`events`] (triggers, arguments, modality, date, place) → the trained
//! [`report`] check (is an attack or protest reported, or only named?) → [`schema`].
//!
//! **Must not:** keep state between articles (extraction is a pure function of the article and
//! the knowledge base, so shards can run anywhere), do I/O, or panic on any input text.

pub mod dates;
pub mod events;
pub mod gloss;
pub mod numbers;
pub mod quantities;
pub mod recognise;
pub mod report;
pub mod schema;
pub mod when;
pub mod tagger;

use marsad_kb::{EntityKind, Haystack, Kb};
use marsad_text::CharIndex;
pub use schema::*;

/// How far (bytes) from its trigger a date may stand to date an event.
const DATE_WINDOW: usize = 2000;

/// A reusable extractor: the knowledge base and the date/number tables, compiled once.
pub struct Extractor {
    kb: Kb,
    tagger: Option<tagger::Model>,
    report: Option<report::Model>,
    dates: dates::DateFinder,
    quantities: quantities::QuantityFinder,
}

impl Extractor {
    /// An extractor with the named-entity tagger built into marsad.
    pub fn new(kb: Kb) -> Self {
        // the embedded model is checked by a test; a damaged one would only turn the tagger off
        Extractor::with_tagger(kb, tagger::Model::embedded().ok())
    }

    /// An extractor with another tagger model, or none (dictionary and patterns only).
    pub fn with_tagger(kb: Kb, tagger: Option<tagger::Model>) -> Self {
        // the embedded model is checked by a test; a damaged one would only turn the check off
        Extractor { kb, tagger, report: report::Model::embedded().ok(), dates: dates::DateFinder::new(), quantities: quantities::QuantityFinder::new() }
    }

    /// The same extractor with another report model ([`report`]), or none: every violent or
    /// protest event the rules find is then kept.
    pub fn with_report(mut self, report: Option<report::Model>) -> Self {
        self.report = report;
        self
    }

    pub fn report(&self) -> Option<&report::Model> {
        self.report.as_ref()
    }

    pub fn kb(&self) -> &Kb {
        &self.kb
    }

    pub fn tagger(&self) -> Option<&tagger::Model> {
        self.tagger.as_ref()
    }

    /// Extracts everything from one article.
    pub fn extract(&self, art: &Article) -> ArticleOut {
        self.extract_with(art, None)
    }

    /// The report model's training examples in one article: each event, incident and unrealised
    /// event the rules find, as its type and features (see [`report::features`]); nothing is
    /// filtered.
    pub fn report_candidates(&self, art: &Article) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        self.extract_with(art, Some(&mut out));
        out
    }

    /// Extraction; with `candidates`, the report check only records its features and keeps all.
    fn extract_with(&self, art: &Article, mut candidates: Option<&mut Vec<(String, Vec<String>)>>) -> ArticleOut {
        // the title, when given apart from the text, is read as the first line
        let owned;
        let text: &str = match &art.title {
            Some(t) if !t.trim().is_empty() && !art.text.starts_with(t.trim()) => {
                owned = format!("{}\n{}", t.trim(), art.text);
                &owned
            }
            _ => &art.text,
        };
        let title_offset = text.len() - art.text.len();
        let doc = marsad_text::analyze(text);
        let cx = CharIndex::new(&art.text);
        let span = |start: usize, end: usize, sentence: usize| Span {
            start: cx.char_of(start.saturating_sub(title_offset)),
            end: cx.char_of(end.saturating_sub(title_offset)),
            sentence,
        };
        // the haystack (a copy of the text's matching forms) goes as soon as it is searched
        let layers = recognise::split_layers(self.kb.matcher.find(&Haystack::new(&doc.tokens)));
        // dates and the article's reference date (which also picks persons' roles at the time)
        let published = art.published.as_deref().and_then(|p| p.get(..10)).and_then(|p| p.parse::<jiff::civil::Date>().ok());
        let found_dates = self.dates.find(text, &doc);
        // issue 13: the dateline kept apart from `published` (events' date_source, when.rs); roles
        // at the article's time, else at the latest date of the text, never today's
        let time = when::ArticleTime { published, dateline: reference_from_text(text, &doc, &found_dates) };
        let reference = time.reference();
        let role_date = reference.or_else(|| dates::latest_full_day(&found_dates)).map(|d| d.to_string());
        let rec = recognise::recognise(&self.kb, &doc, text, layers, role_date.as_deref(), self.tagger.as_ref());
        let sent_of = |b: usize| doc.tokens.partition_point(|t| t.end <= b).min(doc.tokens.len().saturating_sub(1));
        let sentence_at = |b: usize| doc.tokens.get(sent_of(b)).map_or(0, |t| t.sentence);
        let dates_out: Vec<DateOut> = found_dates
            .iter()
            .map(|d| {
                let r = d.resolve(reference);
                DateOut {
                    value: r.as_ref().map(|x| x.0.clone()),
                    precision: r.map(|x| format!("{:?}", x.1).to_lowercase()),
                    text: text[d.start..d.end].to_string(),
                    relative: d.relative.is_some(),
                    hijri: d.hijri_iso(reference),
                    span: span(d.start, d.end, sentence_at(d.start)),
                }
            })
            .collect();
        let quantities: Vec<QuantityOut> = self
            .quantities
            .find(text, &doc, &found_dates)
            .into_iter()
            .map(|q| QuantityOut {
                kind: serde_json::to_value(q.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                value: q.value,
                unit: q.unit.clone(),
                text: text[q.start..q.end].to_string(),
                approx: q.approx,
                span: span(q.start, q.end, sentence_at(q.start)),
            })
            .collect();

        // mentions, in text order
        let mut order: Vec<usize> = (0..rec.ments.len()).filter(|&i| !rec.ments[i].dropped).collect();
        order.sort_by_key(|&i| (rec.ments[i].start, rec.ments[i].end));
        let mut index_of = vec![0usize; rec.ments.len()];
        let mut mentions = Vec::with_capacity(order.len());
        for (k, &i) in order.iter().enumerate() {
            index_of[i] = k;
            let m = &rec.ments[i];
            mentions.push(Mention {
                kind: m.kind.as_str().to_string(),
                text: text[m.start..m.end].to_string(),
                actor: if m.kind == EntityKind::Place { None } else { m.actor.clone() },
                name: m.name_en.clone(),
                role: m.role.clone(),
                country: m.country.clone(),
                lat: m.lat,
                lon: m.lon,
                how: m.found.to_string(),
                score: m.score.map(|x| (x * 1000.0).round() / 1000.0),
                span: span(m.start, m.end, doc.tokens[m.first].sentence),
            });
        }

        // events
        let evs = events::extract_events(&self.kb, &doc, &rec);
        // with whether each has a date of its own (date_from_agentless)
        let mut events_out: Vec<(Event, bool)> = Vec::new();
        let mut unrealised: Vec<Event> = Vec::new();
        let mut incidents: Vec<(Event, bool)> = Vec::new();
        let mut background: Vec<Event> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // the kind of name at each token, for the report check (only when it has work to do)
        let names: Vec<Option<&'static str>> = match (&candidates, &self.report) {
            (None, None) => Vec::new(),
            (None, Some(m)) if !evs.iter().any(|e| m.scores(&e.event_type)) => Vec::new(),
            _ => {
                let mut v = vec![None; doc.tokens.len()];
                for m in rec.ments.iter().filter(|m| !m.dropped) {
                    for k in m.first..=m.last.min(doc.tokens.len().saturating_sub(1)) {
                        v[k] = Some(m.kind.as_str());
                    }
                }
                v
            }
        };
        for e in evs {
            let part = |i: Option<usize>, actor: &Option<String>| -> Participant {
                let actor = actor.clone();
                let name = actor.as_deref().and_then(|a| self.kb.actor_name(a));
                let Some(i) = i else { return Participant { actor, name, ..Default::default() } };
                let m = &rec.ments[i];
                let is_agent = matches!(m.kind, EntityKind::Person | EntityKind::Org | EntityKind::Place);
                Participant {
                    actor,
                    name,
                    agent: is_agent.then(|| text[m.start..m.end].to_string()),
                    agent_name: if is_agent { m.name_en.clone() } else { None },
                    agent_role: if m.kind == EntityKind::Person { m.role.clone() } else { None },
                    mention: Some(index_of[i]),
                }
            };
            let source = part(e.source, &e.source_actor);
            let target = part(e.target, &e.target_actor);
            // one event per type and dyad in a sentence (تظاهر … احتجاجا، وقعت … اتفاقية)
            if !seen.insert((e.event_type.clone(), source.actor.clone(), target.actor.clone(), e.sentence)) {
                continue;
            }
            let sent = &doc.sentences[e.sentence];
            // date: one in the sentence (nearest to the trigger), else the reference date for
            // events told in the present or future
            let trig_start = doc.tokens[e.first].start;
            // dates are in text order: the sentence's are one contiguous run
            // (only the dates within a window of the trigger: linear in a sentence without stops)
            let lo = found_dates.partition_point(|d| d.start < sent.start.max(trig_start.saturating_sub(DATE_WINDOW)));
            let in_sentence = found_dates[lo..]
                .iter()
                .take_while(|d| d.start < sent.end.min(trig_start + DATE_WINDOW))
                .filter(|d| d.end <= sent.end)
                .filter_map(|d| d.resolve(reference).map(|r| (d, r)))
                // an asserted past event is not dated after the article's day
                .filter(|(_, (v, _))| e.non_past || !after_reference(v, reference))
                // the start of a range, not its end (من الأربعاء حتى 13 آذار); an end alone (جولته التي
                // تستمر حتى 13 آذار) says until when, not when
                .filter(|(d, _)| !range_end(text, d.start))
                .min_by_key(|(d, _)| (d.start as i64 - trig_start as i64).abs());
            // without a date of its own: the day the story named a sentence or two before (السبت in
            // the lead, then وجددت النقابة …) for a past event or an event noun; the article's day
            // for a present or future verb, and for an event noun when no such day was named
            let carried = if in_sentence.is_none() { last_day_before(text, &found_dates, sent.start, reference, &doc, e.sentence) } else { None };
            // a date of its own: in the sentence, and not the day of a saying whose content the
            // event is (صرح … السبت أن … تحتجزهما تركيا: Saturday is when he spoke)
            let own_date = in_sentence.as_ref().is_some_and(|(d, _)| !dates_a_saying(&doc, d.end, trig_start));
            let (date, date_precision, date_text) = match in_sentence {
                Some((d, (v, p))) => (Some(v), Some(format!("{p:?}").to_lowercase()), Some(text[d.start..d.end].to_string())),
                None if e.non_past && e.modality != "negated" && !(e.nominal && carried.is_some()) => match reference {
                    Some(r) => (Some(r.to_string()), Some("day".to_string()), Some(if published.is_some() { "publication date".to_string() } else { "article date".to_string() })),
                    None => (None, None, None),
                },
                None => match carried {
                    Some((d, v)) => (Some(v), Some("day".to_string()), Some(text[d.start..d.end].to_string())),
                    None => (None, None, None),
                },
            };
            // place: the first place named in the sentence that is not one of the sides
            let places = &rec.places_by_sentence[e.sentence];
            let near = places.partition_point(|&i| rec.ments[i].first + events::WINDOW < e.first)..places.partition_point(|&i| rec.ments[i].first <= e.first + events::WINDOW);
            let place = places[near]
                .iter()
                .filter(|&&i| Some(i) != e.source && Some(i) != e.target)
                .map(|&i| &rec.ments[i])
                .min_by_key(|m| (m.first as i64 - e.first as i64).abs())
                .map(|m| Place { text: text[m.start..m.end].to_string(), name: m.name_en.clone(), country: m.country.clone(), lat: m.lat, lon: m.lon });
            let trigger = text[doc.tokens[e.first].start..doc.tokens[e.last].end].to_string();
            let mut ev = Event {
                event_type: e.event_type.clone(),
                mode: e.mode.clone(),
                modality: e.modality.to_string(),
                source,
                target,
                date,
                date_precision,
                date_text,
                date_source: String::new(),
                date_start: None,
                date_end: None,
                place,
                trigger,
                span: span(doc.tokens[e.first].start, doc.tokens[e.last].end, e.sentence),
                evidence: evidence(text, sent.start, sent.end, doc.tokens[e.first].start),
                gloss: String::new(),
            };
            when::settle(&mut ev, &time);
            ev.gloss = gloss::gloss(&ev);
            // an interaction needs both sides: with one unknown it is an incident
            // violence or coercion with one state and no other side (قتل فلسطينيان في غزة، اعتقل
            // الجنديان اليونانيان) says where it happened and to whom, not by whom: an incident.
            // Done by a named agent of the state (الشرطة الألمانية، الجيش السوري) it stays a
            // domestic event.
            let state_alone = e.source == e.target && e.source.is_some_and(|i| rec.ments[i].kind == EntityKind::Country);
            let by_nobody = state_alone && matches!(e.event_type.as_str(), "ASSAULT" | "COERCE");
            let unreal = matches!(ev.modality.as_str(), "negated" | "hypothetical");
            let mut incident = ev.source.actor.is_none() || ev.target.actor.is_none() || by_nobody;
            // is it reported as happening, or only named (history, a charge, a weapon, a figure
            // of speech)? The trained check decides for the types it knows (report.rs)
            let status = if unreal { report::Status::Unrealised } else if incident { report::Status::Incident } else { report::Status::Event };
            let cand = report::Candidate { names: &names, event_type: &e.event_type, first: e.first, last: e.last, sentence: e.sentence, status, modality: e.modality, verb: !e.nominal };
            let unreported = match (&mut candidates, &self.report) {
                (Some(out), _) => {
                    out.push((e.event_type.clone(), report::features(&doc, &cand)));
                    false
                }
                (None, Some(m)) if !unreal => match m.score(&doc, &cand) {
                    Some(p) => {
                        // an attack in one state by nobody named, that the check is sure of: domestic
                        if by_nobody && ev.source.actor.is_some() && m.domestic(&e.event_type).is_some_and(|d| p >= d) {
                            incident = false;
                        }
                        p < m.threshold(&e.event_type)
                    }
                    None => false,
                },
                _ => false,
            };
            let own_date = own_date && ev.date_source == "text";
            if unreal {
                unrealised.push(ev);
            } else if unreported {
                background.push(ev);
            } else if incident {
                incidents.push((ev, own_date));
            } else {
                events_out.push((ev, own_date));
            }
        }
        date_from_agentless(&mut events_out, &incidents, &time);
        let events_out: Vec<Event> = events_out.into_iter().map(|(e, _)| e).collect();
        let incidents: Vec<Event> = incidents.into_iter().map(|(e, _)| e).collect();

        ArticleOut {
            id: art.id.clone(),
            title: art.title.clone(),
            published: art.published.clone(),
            source: art.source.clone(),
            url: art.url.clone(),
            reference_date: reference.map(|d| d.to_string()),
            sentences: doc.sentences.iter().map(|s| SentenceOut { start: cx.char_of(s.start.saturating_sub(title_offset)), end: cx.char_of(s.end.saturating_sub(title_offset)) }).collect(),
            mentions,
            events: events_out,
            unrealised,
            incidents,
            background,
            quantities,
            dates: dates_out,
        }
    }
}

/// The sentence an event was read from, or, for a sentence longer than [`MAX_EVIDENCE`] bytes
/// (a page without full stops), the part of it around the trigger: never megabytes per event.
fn evidence(text: &str, start: usize, end: usize, trigger: usize) -> String {
    if end - start <= MAX_EVIDENCE {
        return text[start..end].to_string();
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let lo = floor(trigger.saturating_sub(MAX_EVIDENCE / 2).max(start));
    let hi = floor((lo + MAX_EVIDENCE).min(end));
    text[lo..hi].to_string()
}

/// True when a complementiser (أن، إن، بأن …) stands between a date ending at byte `date_end`
/// and a trigger starting at `trigger`: the date is the day of the saying, and the event is what
/// was said (قالت المنظمة، الأحد، إن الهجوم …).
fn dates_a_saying(doc: &marsad_text::Doc, date_end: usize, trigger: usize) -> bool {
    if date_end > trigger {
        return false;
    }
    let lo = doc.tokens.partition_point(|t| t.start < date_end);
    let hi = doc.tokens.partition_point(|t| t.start < trigger);
    doc.tokens[lo..hi].iter().any(|t| matches!(t.norm.as_str(), "ان" | "انه" | "انها" | "انهما" | "انهم" | "بان" | "بانه" | "بانها" | "وان" | "وانه" | "وانها"))
}

/// The same happening told twice: once with its day and no agent (واعتقل الجنديان اليونانيان
/// … الخميس; a raid in Saada on 9 August that left the dead), once with its agent and no day of
/// its own (اللذين تحتجزهما تركيا; «the coalition's attack on the bus», in a statement dated by
/// its own day). An event without a date of its own takes the day of an agentless event or
/// incident of the same type on the same target that has one. Only an agentless one (its source
/// unknown, or the target's own state by default): two attacks by named sides stay two.
fn date_from_agentless(events: &mut [(Event, bool)], incidents: &[(Event, bool)], time: &when::ArticleTime) {
    let agentless = |e: &Event| e.source.actor.is_none() || e.source.actor == e.target.actor;
    let dated: Vec<(String, String, Option<String>, Option<String>, Option<String>)> = events
        .iter()
        .chain(incidents)
        .filter(|(e, own)| *own && agentless(e) && e.target.actor.is_some() && e.date_precision.as_deref() == Some("day"))
        .map(|(e, _)| (e.event_type.clone(), e.target.actor.clone().unwrap_or_default(), e.date.clone(), e.date_precision.clone(), e.date_text.clone()))
        .collect();
    if dated.is_empty() {
        return;
    }
    for (e, own) in events.iter_mut() {
        if *own || agentless(e) || e.modality != "asserted" {
            continue;
        }
        let Some(target) = e.target.actor.as_deref() else { continue };
        // one such day only: two agentless attacks on the same side on different days say nothing
        let mut days = dated.iter().filter(|d| d.0 == e.event_type && d.1 == target);
        let (Some(d), None) = (days.next(), days.next()) else { continue };
        e.date = d.2.clone();
        e.date_precision = d.3.clone();
        e.date_text = d.4.clone();
        when::settle(e, time);
        e.gloss = gloss::gloss(e);
    }
}

/// Longest evidence kept per event, in bytes.
const MAX_EVIDENCE: usize = 2000;

/// True when the date starting at byte `start` ends a range (حتى 13 آذار، إلى الأحد).
fn range_end(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end();
    let word = before.rsplit(|c: char| c.is_whitespace()).next().unwrap_or("");
    matches!(marsad_text::normalize(word).as_str(), "حتي" | "الي" | "لغايه" | "وحتي")
}

/// True when the date ending at byte `end` comes back every year (يوم الصحافة الذي يصادف 9 يونيو
/// من كل عام): a day in the calendar, not the day something happened.
fn recurring(text: &str, end: usize) -> bool {
    let after: Vec<String> = text[end..].split_whitespace().take(3).map(|w| marsad_text::normalize(w.trim_matches(|c: char| !c.is_alphabetic()))).collect();
    let words: Vec<&str> = after.iter().map(String::as_str).collect();
    matches!(words.as_slice(), ["من", "كل", "عام" | "سنه", ..] | ["كل", "عام" | "سنه", ..] | ["سنويا", ..])
}

/// True when the date `v` (YYYY[-MM[-DD]]) lies after the reference day.
fn after_reference(v: &str, reference: Option<jiff::civil::Date>) -> bool {
    let Some(r) = reference else { return false };
    let r = r.to_string();
    // compare at the date's own precision (2018-07 is not after 2018-07-09)
    v > &r[..v.len().min(r.len())]
}

/// The last day-precise date, not after the reference, in the two sentences before
/// `sentence` (a dateline or the lead's day), for a past event its own sentence does not date.
/// The end of a range (منذ 2014 حتى اليوم) says until when something lasted, not when the next
/// sentence's event happened: it is never carried.
fn last_day_before<'a>(text: &str, dates: &'a [dates::DateMention], before: usize, reference: Option<jiff::civil::Date>, doc: &marsad_text::Doc, sentence: usize) -> Option<(&'a dates::DateMention, String)> {
    let from = doc.sentences.get(sentence.saturating_sub(2))?.start;
    let hi = dates.partition_point(|d| d.start < before);
    let lo = dates.partition_point(|d| d.start < from);
    let day = |d: &'a dates::DateMention| match d.resolve(reference) {
        Some((v, dates::Precision::Day)) if !d.future && !after_reference(&v, reference) && !range_end(text, d.start) && !recurring(text, d.end) => Some((d, v)),
        _ => None,
    };
    // …else the day of the story's lead (its first two sentences: كشفت النقابة، السبت، …), which
    // the story goes on telling
    let lead_end = doc.sentences.get(1).or(doc.sentences.first()).map_or(0, |s| s.end).min(before);
    dates[lo..hi].iter().rev().find_map(day).or_else(|| dates[..dates.partition_point(|d| d.start < lead_end)].iter().find_map(day))
}

/// The names the tagger finds in `text`, one line each with class and score, and whether
/// recognition keeps them (a name no dictionary, pattern or role holds, past the checks of
/// [`recognise::Passes::tagged`]), for `marsad kb lookup`.
pub fn explain_tagged(kb: &Kb, model: &tagger::Model, text: &str) -> Vec<String> {
    let doc = marsad_text::analyze(text);
    let hay = Haystack::new(&doc.tokens);
    let hits = kb.matcher.find(&hay);
    let raw = model.tag(kb, &doc, &[&hits]);
    let rec = recognise::recognise(kb, &doc, text, recognise::split_layers(hits), None, Some(model));
    raw.iter()
        .map(|t| {
            let kept = rec.ments.iter().find(|m| m.pass == "tagger" && !m.dropped && m.last == t.last && m.first >= t.first);
            let span = &text[doc.tokens[t.first].start..doc.tokens[t.last].end];
            match kept {
                Some(m) => format!("«{}» → {} (how: \"tagger\", score {:.3})", &text[m.start..m.end], m.kind.as_str(), t.score),
                None => format!("«{span}» → tagger {} score {:.3}, not kept (the dictionary or a pattern reads it, or it fails a check)", t.class.as_str(), t.score),
            }
        })
        .collect()
}

/// An actor code: ISO alpha-3 or `IGO:`/`NSA:` + name.
pub(crate) fn is_actor_code(c: &str) -> bool {
    marsad_kb::check::is_actor_code(c)
}

/// A date the article itself gives as "today": a full date written next to اليوم (اليوم
/// الأربعاء 22 أكتوبر 2025), else the first full date of the first lines (a dateline).
fn reference_from_text(text: &str, doc: &marsad_text::Doc, dates: &[dates::DateMention]) -> Option<jiff::civil::Date> {
    // a Hijri dateline (الرياض 26 شوال 1436 هـ) converted, never read as Gregorian (issue 13)
    let full = |d: &dates::DateMention| d.full_day();
    for d in dates {
        // the words just before the date and the date's own words (اليوم الأربعاء 22 أكتوبر…)
        let from = text[..d.start].char_indices().rev().nth(29).map_or(0, |(i, _)| i);
        if marsad_text::normalize(&text[from..d.end]).contains("اليوم") {
            if let Some(x) = full(d) {
                return Some(x);
            }
        }
    }
    let first_lines_end = doc.sentences.get(3).map_or(text.len(), |s| s.start);
    dates.iter().filter(|d| d.end <= first_lines_end).find_map(full)
}
