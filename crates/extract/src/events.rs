//! Events: triggers with their source, target, modality, date and place.
//!
//! **In:** the document, its recognised mentions, trigger and cue hits.
//! **Out:** [`Ev`]s, one per (trigger, source actor, target actor).
//!
//! Arguments come from sentence structure, not from a parse: Arabic news puts the subject
//! after the verb (VSO: التقى أردوغان بوتين) or opens with it (تركيا وكازاخستان تبحثان);
//! targets follow a preposition (مع، إلى، لـ، بـ، لدى، ضد) or نظيره; بين X و Y names both
//! sides; coordinated actors (أردوغان وبوتين ورئيسي) give one event per pair. A sentence
//! with no subject of its own (a pro-drop verb: وأعرب عن شكره لنظيره) takes the last source
//! of the article.
//!
//! A trigger's **frame** (column 6 of `triggers.tsv`) says where its sides stand when it is not
//! the default: `subject-before` (a circumstantial participle: قال … منتقدا تركيا) or `result` (a
//! death told as a result, مقتل، لقي مصرعه, whose neighbours are victims or reporters). A state
//! adjective is a side only on an actor noun, a role, an event noun or a verb's object, or as a
//! noun of its own (people: victims of violence); the agent of a passive or a result is marked by
//! على أيدي، من قبل، برصاص. Every look-up stays within [`WINDOW`] tokens of the trigger, so
//! extraction is linear even in a page without full stops.
//!
//! **Must not:** decide what is an event and what an incident (an event with an unknown side):
//! that is the caller's (`Extractor::extract`), from the sides given here.

use crate::recognise::{Ment, Recognition};
use marsad_kb::{EntityKind, Frame, Hit, How, Kb};
use marsad_text::{Doc, TokenKind};

/// The most tokens between a trigger and its arguments: a clause is never longer in news,
/// and it keeps argument finding linear in a sentence without full stops.
pub const WINDOW: usize = 60;

/// Types whose source and target are unordered in the contract.
pub const SYMMETRIC: &[&str] = &["CONSULT", "AGREE", "COOPERATE"];
/// Types that may be domestic: one state on both sides when no other actor is named.
const DOMESTIC: &[&str] = &["PROTEST", "ASSAULT", "COERCE", "MOBILIZE"];

/// Types whose target may be the state where it happened.
const PLACE_TARGET: &[&str] = &["ASSAULT", "COERCE", "RETREAT", "MOBILIZE"];

/// Types reported even when the text names no actor (a bombing, a demonstration): the place
/// gives the state, or the sides stay unknown.
const DOMESTIC_ALONE: &[&str] = &["PROTEST", "ASSAULT", "COERCE"];

/// Words before a state that make it a topic or a location, not a side (الأوضاع في أفغانستان).
const TOPIC_MARKERS: &[&str] = &[
    "في", "حول", "بشان", "ازاء", "داخل", "عبر", "خارج", "شمال", "جنوب", "شرق", "غرب", "وسط", "اراضي", "انحاء", "عاصمه", "العاصمه",
    "جانب", "قضيه", "القضيه", "ملف", "الملف", "ازمه", "الازمه", "الصراع", "النزاع", "الحرب", "الاوضاع", "الوضع", "الشان", "بالشان", "الساحه", "حدود", "الحدود",
];

/// Nouns (matching form, without ب/ل) whose genitive is the target of a verb that governs them
/// with ب or ل (رحب بقرار X، أشاد بجهود X، أسفه لقرار X).
const CONSTRUCT_NOUNS: &[&str] = &["قرار", "جهود", "دور", "موقف", "مواقف", "مبادره", "دعوه", "اعلان", "تصريحات", "خطوه", "سياسه", "سياسات", "تدخل", "بيان", "اعتراف", "التزام", "مساعي", "رد", "حق"];

/// Nouns for a person who speaks or acts for the body named after في (مسؤول في حماس).
const MEMBER_NOUNS: &[&str] = &["مسؤول", "مسؤولون", "مسؤولين", "قيادي", "قياديون", "قياديين", "عضو", "اعضاء", "مصدر", "متحدث", "ناطق", "دبلوماسي", "ضابط", "ضباط", "مستشار", "نائب", "نواب"];

/// Words before a participant that make it the agent of what happened (matching form):
/// لقي مصرعه على أيدي X، أصيب برصاص X، هجوم من قبل X.
const AGENT_MARKERS: &[&str] = &["ايدي", "بايدي", "برصاص", "رصاص", "بنيران", "نيران", "بقصف", "بغارات"];

/// Words before a participant that make it a target (matching form).
const TARGET_MARKERS: &[&str] = &["مع", "الي", "لدي", "ضد", "علي", "تجاه", "نحو", "عن"];

#[derive(Debug, Clone)]
pub struct Ev {
    pub trigger: usize,
    pub event_type: String,
    pub mode: Option<String>,
    pub modality: &'static str,
    pub source: Option<usize>,
    pub target: Option<usize>,
    /// Actor codes of the sides (from the mentions, or from the place of a domestic event).
    pub source_actor: Option<String>,
    pub target_actor: Option<String>,
    pub first: usize,
    pub last: usize,
    pub sentence: usize,
    /// true when the verb carries the future سـ or is a present/imperfect form.
    pub non_past: bool,
    /// an event noun (زيارة، هجوم), not a verb: its tense is not written
    pub nominal: bool,
}

/// The actor a mention acts for, if it can act.
pub fn actor_of(m: &Ment) -> Option<&str> {
    if m.part_of.is_some() || m.dropped {
        return None;
    }
    match m.kind {
        EntityKind::Place if m.is_capital() => m.country.as_deref(),
        EntityKind::Place => None,
        // news media report events; they are not their sides (وكالة تاس، الأناضول)
        EntityKind::Org if m.role.as_deref() == Some("media") => None,
        _ => m.actor.as_deref(),
    }
}

struct Part {
    ment: usize,
    first: usize,
    last: usize,
    actor: String,
    /// preceded by a target preposition or carries لـ/بـ
    marked: bool,
    /// joined to the previous participant by و
    coord: bool,
    /// after بين
    between: bool,
    /// the agent of a passive or of a result (على أيدي X، من قبل X، برصاص X، بنيران X)
    agent: bool,
    /// a state adjective or plural standing for people (قتل فلسطينيان): victims of violence
    people: bool,
    /// a state adjective on an event noun (غارات إسرائيلية): the agent of that event
    of_event: bool,
    /// who a person is (entity id, else the name's span), so that two people of one state can
    /// be two sides (التقى العبادي بالصدر: IRQ → IRQ)
    person: Option<(Option<u32>, usize)>,
    /// a definite noun standing for a side named before (البلدين، الحلف): never the subject a
    /// later pro-drop sentence continues with
    anaphor: bool,
}

impl Part {
    /// The same side: one actor, and not two different people.
    fn same_side(&self, other: &Part) -> bool {
        self.actor == other.actor && !different_people(self.person, other.person)
    }
}

/// Who a person mention is (its entity, else where its name starts); `None` for anything else.
fn person_key(m: &Ment) -> Option<(Option<u32>, usize)> {
    (m.kind == EntityKind::Person).then_some((m.entity, m.start))
}

/// Two people who are not the same person (different entities, or unknown names at two places).
fn different_people(a: Option<(Option<u32>, usize)>, b: Option<(Option<u32>, usize)>) -> bool {
    matches!((a, b), (Some((a, x)), Some((b, y))) if a.is_none() && x != y || a != b)
}

/// Nouns (matching form, without the article) that a state adjective after them makes an actor:
/// forces, governments, officials, delegations, citizens (القوات الإسرائيلية، الحجاج الإيرانيين).
/// After any other noun the adjective only describes it (مهاجرين أفارقة، لأب كيني، الاتفاقية
/// النووية الإيرانية) and is no side.
const AGENT_HEADS: &[&str] = &[
    "قوات", "قوه", "جيش", "حكومه", "سلطات", "سلطه", "شرطه", "طائرات", "طائره", "مقاتلات", "بحريه", "قياده", "خارجيه", "دفاع", "وزاره", "مسؤولين", "مسؤول",
    "مسؤولون", "دبلوماسيه", "دبلوماسي", "دبلوماسيين", "وفد", "وفود", "جانب", "طرف", "رئاسه", "برلمان", "مجلس", "امن", "استخبارات", "مخابرات", "اجهزه", "جنود", "جندي",
    "جنديين", "جنديان", "دوله", "نظام", "دبابات", "مدفعيه", "بوارج", "سفن", "سفينه", "زوارق", "شركه", "شركات", "حجاج", "مواطنين", "مواطنون", "مواطن", "متظاهرين",
    "محتجين", "شعب", "طلاب", "عمال", "ناشطين", "معارضه", "مسلحين", "مقاتلين", "صيادين", "سفاره", "سفير", "قنصليه", "رئيس", "زعيم", "قاده", "قائد", "مبعوث", "نواب",
    "نائب", "وزير", "وزراء", "ملك", "امير", "ميليشيات", "مليشيات", "فصائل", "حرس", "بحاره", "طيران", "سلاح", "وحدات", "عناصر", "ضباط", "ضابط", "حزب", "حركه", "مسؤوله",
    // what a state owns and others strike, seize or release (ناقلة نفط بريطانية، مصالح أمريكية)
    "مجموعه", "بني", "بنيه", "ناقله", "ناقلات", "سفارات", "مواقع", "اهداف", "قاعده", "قواعد", "منشات", "مصالح", "طائرات", "مسيره", "غواصه", "بارجه", "مدمره",
];


pub fn extract_events(kb: &Kb, doc: &Doc, rec: &Recognition) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut topic: Option<usize> = None; // last source mention, for pro-drop sentences
    let mut prev_parts: Vec<Part> = Vec::new(); // the previous sentence's, for a pronoun's antecedent
    // (a homograph is no trigger at all: it neither makes an event nor closes another's clause)
    let mut triggers = marsad_kb::matcher::resolve_overlaps(rec.triggers.clone());
    triggers.retain(|h| !is_homograph(kb, doc, h) && needs_met(kb, doc, h));
    let mut by_sentence: Vec<Vec<&Hit>> = vec![Vec::new(); doc.sentences.len()];
    for h in &triggers {
        if let Some(v) = by_sentence.get_mut(doc.tokens[h.first].sentence) {
            v.push(h);
        }
    }
    // tokens covered by a trigger, or an adjective or two after one (غارات جوية إسرائيلية)
    // (VERB on a verb trigger's tokens: a state adjective after a verb is its subject, قتل فلسطينيان)
    let mut trig_tokens = vec![0u8; doc.tokens.len()];
    for h in &triggers {
        if kb.triggers[h.form.payload as usize].kind == 'v' {
            trig_tokens[h.first..=h.last].fill(VERB);
            // (an adjective on the verb's object names a side: انتقد بولتون التحركات الفلسطينية)
            for k in h.last + 1..=(h.last + 2).min(doc.tokens.len().saturating_sub(1)) {
                trig_tokens[k] = VERB_OBJECT;
            }
            continue;
        }
        for k in h.first..=(h.last + 2).min(doc.tokens.len().saturating_sub(1)) {
            if trig_tokens[k] == 0 {
                trig_tokens[k] = EVENT_NOUN;
            }
        }
    }
    for (si, sent) in doc.sentences.iter().enumerate() {
        let parts = participants(kb, doc, rec, &trig_tokens, sent.tokens.clone());
        let trig: Vec<&Hit> = std::mem::take(&mut by_sentence[si]);
        // (only a sentence with triggers asks anything of it)
        let question = !trig.is_empty() && doc.tokens[sent.tokens.clone()].iter().any(|t| t.is_punct("؟") || t.is_punct("?"));
        for (ti, h) in trig.iter().enumerate() {
            let tr = &kb.triggers[h.form.payload as usize];
            // a trigger noun right after another trigger is its object (أجرى محادثات، توقيع اتفاقية): one event
            if ti > 0 && trig[ti - 1].last + 1 == h.first && kb.triggers[trig[ti - 1].form.payload as usize].event_type == tr.event_type {
                continue;
            }
            let is_verb = tr.kind == 'v';
            let word = &doc.tokens[h.first].norm[h.prefix.len()..];
            let stem = word.strip_suffix(h.suffix).unwrap_or(word);
            let non_past = is_verb && (h.prefix.contains('س') || kb.present_forms.contains(stem));
            // a present verb in the third or first person plural (ي ت ن: the first-person أفعل of
            // form VIII and X verbs folds into their past, أعتقل/اعتقل)
            let present = non_past && !h.prefix.contains('س') && stem.starts_with(['ي', 'ت', 'ن']);
            let modality = modality_of(kb, doc, rec, h, sent.tokens.start, sent.tokens.end, present, question);
            // a definite noun of violence, protest or agreement (الهجوم، الاحتجاجات، الاتفاق) refers
            // back to an event told before or speaks in general: the specific report is its
            // first, indefinite or verbal mention (وقعت مصر والسودان اتفاقا، توصل الطرفان إلى اتفاق)
            let definite = tr.kind == 'n' && (doc.tokens[h.first].norm[h.prefix.len()..].starts_with("ال") || h.prefix.ends_with('ل') && h.form.pre == marsad_kb::Pre::Lam);
            if definite && matches!(tr.event_type.as_str(), "PROTEST" | "ASSAULT" | "AGREE") {
                continue;
            }
            // the clause window: this trigger up to the next trigger of the sentence
            // the clause of this trigger ends at the next verb trigger (a noun trigger after a
            // verb is usually its object: أشاد … بجهود الوساطة التركية) and starts after the last one
            let is_verb_hit = |x: &&&Hit| kb.triggers[x.form.payload as usize].kind == 'v';
            // (never further than WINDOW tokens: a sentence without stops stays linear)
            let far_end = (h.last + WINDOW).min(sent.tokens.end);
            let far_start = h.first.saturating_sub(WINDOW).max(sent.tokens.start);
            let next_trigger = trig[ti + 1..].iter().take_while(|n| n.first < far_end).find(is_verb_hit).map_or(far_end, |n| n.first);
            let prev_trigger = trig[..ti].iter().rev().take_while(|p| p.last >= far_start).find(is_verb_hit).map_or(far_start, |p| p.last + 1);
            // a verb of signing needs the signed document in its clause, after it (ووقعت مصر في
            // فبراير اتفاقية …) or just before it (الاتفاق الذي أبرم بين …): وقع alone is far more
            // often "happened" (ووقع الهجوم الاثنين، الحوادث التي وقعت)
            if is_verb && tr.event_type == "AGREE" && tr.mode.as_deref() == Some("sign") {
                let is_document = |x: &&Hit| {
                    let t = &kb.triggers[x.form.payload as usize];
                    t.kind != 'v' && t.event_type == "AGREE"
                };
                let document = trig[ti + 1..].iter().take_while(|x| x.first < next_trigger).any(is_document)
                    || trig[..ti].iter().rev().take_while(|x| x.last + 6 >= h.first).any(is_document);
                if !document {
                    continue;
                }
            }
            let (lo, hi) = clause_bounds(kb, doc, h, prev_trigger, next_trigger);
            let violent = matches!(tr.event_type.as_str(), "ASSAULT" | "COERCE");
            let (src, tgt) = sides(kb, doc, rec, &parts, &prev_parts, h, (lo, hi));
            let mut srcs: Vec<usize> = src.clone();
            let mut tgts: Vec<usize> = tgt.clone();
            if srcs.is_empty() && !tgts.is_empty() {
                if violent && (tr.frame == Frame::Result || tgts.iter().any(|&t| parts.iter().any(|p| p.ment == t && p.people))) {
                    // victims with no agent named near the verb: the agent of the sentence's
                    // event noun (قتل فلسطينيان … إثر غارات إسرائيلية), never the last subject
                    let victims: Vec<&str> = tgts.iter().filter_map(|&t| actor_of(&rec.ments[t])).collect();
                    let near = parts.partition_point(|p| p.first < lo)..parts.partition_point(|p| p.first < hi);
                    if let Some(p) = parts[near].iter().find(|p| p.of_event && !victims.contains(&p.actor.as_str())) {
                        srcs.push(p.ment);
                    }
                } else if let Some(t) = topic {
                    srcs.push(t);
                }
            }
            if srcs.is_empty() && tgts.is_empty() {
                // no actor named: a domestic event where it happened (تظاهر الآلاف في لندن →
                // GBR/GBR), else, for violence and protest, an event with unknown sides
                // …but a definite noun with no actor (الاعتقالات) refers back or speaks in general
                if !DOMESTIC_ALONE.contains(&tr.event_type.as_str()) || modality != "asserted" || definite {
                    continue;
                }
                let here = rec.places_by_sentence[si].iter().find_map(|&i| rec.ments[i].country.clone());
                out.push(Ev {
                    trigger: h.form.payload as usize,
                    event_type: tr.event_type.clone(),
                    mode: tr.mode.clone(),
                    modality,
                    source: None,
                    target: None,
                    source_actor: here.clone(),
                    target_actor: here,
                    first: h.first,
                    last: h.last,
                    sentence: si,
                    non_past: non_past || !is_verb,
                    nominal: !is_verb,
                });
                continue;
            }
            let sym = SYMMETRIC.contains(&tr.event_type.as_str());
            let mut place_target: Option<String> = None;
            let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
            // pairs within a group are mutual action: not joining (انضمت) or observing
            if tgts.is_empty() && srcs.len() >= 2 && sym && tr.mode.as_deref() != Some("join") {
                for a in 0..srcs.len() {
                    for b in a + 1..srcs.len() {
                        pairs.push((Some(srcs[a]), Some(srcs[b])));
                    }
                }
            } else if tgts.is_empty() {
                // where it happened names the other side of violence, coercion or a withdrawal
                // (قصفت طائرات إسرائيلية مواقع في جنوب لبنان → ISR/LBN; سحب قواتها من خيرسون → UKR)
                let src_actor = actor_of(&rec.ments[srcs[0]]).map(str::to_string);
                let places = &rec.places_by_sentence[si];
                let place_country = places[places.partition_point(|&i| rec.ments[i].first <= h.last)..]
                    .iter()
                    .take_while(|&&i| rec.ments[i].first <= h.last + WINDOW)
                    .map(|&i| &rec.ments[i])
                    .filter(|m| m.first > h.last)
                    .find_map(|m| m.country.clone().filter(|c| Some(c) != src_actor.as_ref()))
                    // …and so does a state named after في (هجوم التحالف على حافلة … في اليمن)
                    .or_else(|| state_where(doc, rec, h, sent.tokens.end).filter(|c| Some(c) != src_actor.as_ref()));
                let is_state = src_actor.as_deref().is_some_and(|a| !a.contains(':'));
                if let (Some(c), true) = (place_country.filter(|_| PLACE_TARGET.contains(&tr.event_type.as_str())), is_state) {
                    place_target = Some(c);
                    pairs.push((Some(srcs[0]), None));
                } else if DOMESTIC.contains(&tr.event_type.as_str()) && is_state {
                    tgts.push(srcs[0]);
                    pairs.push((Some(srcs[0]), Some(srcs[0])));
                } else {
                    pairs.push((Some(srcs[0]), None));
                }
            } else {
                if srcs.is_empty() {
                    srcs = vec![];
                    pairs.extend(tgts.iter().map(|&t| (None, Some(t))));
                }
                for &s in &srcs {
                    for &t in &tgts {
                        pairs.push((Some(s), Some(t)));
                    }
                }
            }
            let actor = |i: Option<usize>| i.and_then(|i| actor_of(&rec.ments[i]).map(str::to_string));
            for (s, t) in pairs {
                let (sa, ta) = (actor(s), actor(t).or_else(|| place_target.clone()));
                // a group's violence against an unnamed target is still reported (شنت جماعة الحوثي هجوما)
                let one_sided = ta.is_none() && DOMESTIC_ALONE.contains(&tr.event_type.as_str()) && modality == "asserted";
                // two mentions of the same state are not an interaction, but two people of one
                // state are (التقى الصدر بزعيم كتلة الفتح هادي العامري: IRQ → IRQ)
                if sa.is_some() && sa == ta && s != t && !two_people(&rec.ments, s, t) {
                    continue;
                }
                // an event is an interaction: both sides must be known (a domestic event names
                // the same state twice)
                // …and victims with nobody named as the agent (قتل فلسطينيان) are an incident
                let victims_only = sa.is_none() && ta.is_some() && violent && modality == "asserted";
                if sa.is_none() && !victims_only || ta.is_none() && !one_sided {
                    continue;
                }
                out.push(Ev {
                    trigger: h.form.payload as usize,
                    event_type: tr.event_type.clone(),
                    mode: tr.mode.clone(),
                    modality,
                    source: s,
                    target: t,
                    source_actor: sa,
                    target_actor: ta,
                    first: h.first,
                    last: h.last,
                    sentence: si,
                    non_past: non_past || !is_verb,
                    nominal: !is_verb,
                });
            }
            let named = |s: usize| parts.iter().any(|p| p.ment == s && !p.anaphor);
            if let Some(&s) = src.first().filter(|&&s| is_verb && named(s) && matches!(rec.ments[s].kind, EntityKind::Person | EntityKind::Country | EntityKind::Org)) {
                topic = Some(s);
            }
        }
        // the subject the next pro-drop sentence continues with: a person or state opening this
        // sentence (أكّد الرئيس التركي أنه …), else the last verb's subject above
        if let Some(p) = parts.iter().find(|p| !p.marked && !p.anaphor && p.first <= sent.tokens.start + 6 && matches!(rec.ments[p.ment].kind, EntityKind::Person | EntityKind::Country | EntityKind::Org)) {
            topic = Some(p.ment);
        }
        prev_parts = parts;
    }
    out
}

/// The source and target mentions of trigger `h` in its clause `[lo, hi)`: [`arguments`] by the
/// trigger's frame (or كان…قد's subject-first, or a coercion noun's patient genitive), then what a
/// flat reading misses, in order: a relative clause's subject gives way to its head, an object
/// pronoun's antecedent is the target, a visit's capital after إلى, a request's addressee before
/// على/إلى.
#[allow(clippy::too_many_arguments)]
fn sides(kb: &Kb, doc: &Doc, rec: &Recognition, parts: &[Part], prev_parts: &[Part], h: &Hit, (lo, hi): (usize, usize)) -> (Vec<usize>, Vec<usize>) {
    let tr = &kb.triggers[h.form.payload as usize];
    let is_verb = tr.kind == 'v';
    let violent = matches!(tr.event_type.as_str(), "ASSAULT" | "COERCE");
    // كان X قد فعل: the subject stands between كان and قد, before the verb
    let frame = match tr.frame {
        Frame::Default if kana_qad(doc, parts, h, lo) => Frame::SubjectBefore,
        // اعتقال الشيخ حمد من بيروت: the genitive of an arrest is who was arrested
        Frame::Default if tr.kind == 'n' && tr.event_type == "COERCE" && genitive_patient(parts, h, hi) => Frame::Result,
        // لقائه، قمته، زيارتها: a possessive pronoun on an event noun is its agent, named before
        // it (وقال ترامب بعد لقائه الرئيس الروسي); what follows is its object
        Frame::Default if tr.kind == 'n' && OBJECT_PRONOUNS.contains(&h.suffix) => Frame::SubjectBefore,
        // a verb that carries its plural subject (قصفوا، يطالبون، اتهموه) has no subject after it:
        // a name after it is its object (قال الحوثيون إنهم قصفوا الرياض)
        Frame::Default if is_verb && plural_subject(doc, h) => Frame::SubjectBefore,
        f => f,
    };
    let (mut src, mut tgt) = arguments(doc, parts, h, (lo, hi), is_verb, violent, frame);
    if is_verb && tr.frame == Frame::Default && frame == Frame::SubjectBefore && plural_subject(doc, h) {
        // the plural subject is a pronoun: only a name close before it is its referent (قال
        // الحوثيون إنهم قصفوا), not one clauses back (… ثم الأمم المتحدة، بينما قال 1.8% إنهم يؤيدون)
        src.retain(|&s| parts.iter().any(|p| p.ment == s && p.last + PLURAL_REFERENT_WORDS >= h.first));
    }
    let possessive = tr.kind == 'n' && OBJECT_PRONOUNS.contains(&h.suffix);
    if possessive && src.is_empty() && !parts.iter().any(|p| p.last < h.first && p.first >= lo) {
        // a sentence that opens with the possessed noun names its possessor after it, as the
        // main clause's subject (في ثاني أيام زيارته إلى الصين، أجرى الرئيس المصري جولة)
        let targets: Vec<&Part> = parts.iter().filter(|p| tgt.contains(&p.ment)).collect();
        src = parts
            .iter()
            .filter(|p| p.first > h.last && p.first < hi && !p.marked && !p.coord && !tgt.contains(&p.ment))
            .find(|p| !targets.iter().any(|t| t.same_side(p)))
            .map(|p| p.ment)
            .into_iter()
            .collect();
    }
    if tr.kind == 'n' && h.suffix == "هما" && matches!(tr.event_type.as_str(), "CONSULT" | "COOPERATE" | "AGREE") {
        // a dual possessive on a mutual act (اجتماعهما، لقاؤهما، محادثاتهما) is the pair named
        // before it in the sentence, however far: the last two people of two sides, else the last
        // two sides (قال ولي العهد السعودي … عن الرئيس الأمريكي … قبيل اجتماعهما المقرر). (On a
        // one-way act the pair is its agent: تهنئتهما لأبنائهما، إعلان اليابان وأوروبا انسحابهما.)
        // (…when nothing follows in its clause: تعاونهما مع داعش has its own other side)
        // (…nor on a visit, where the pair are the visitors: أثناء زيارتهما)
        let alone = !parts.iter().any(|p| p.first > h.last && p.first < hi) && tr.mode.as_deref() != Some("visit");
        if let Some((a, b)) = dual_pair(parts, h).filter(|_| alone) {
            src = vec![a];
            tgt = vec![b];
        }
    }
    if is_verb {
        // a subject before the verb inside a relative clause is that clause's: the main
        // verb's subject is the noun the clause describes (الصدر الذي ستكون كتلته أكبر كتلة
        // في البرلمان العراقي، التقى بـ …)
        if let [s] = src[..] {
            if let Some(head) = relative_head(doc, parts, s, h, lo) {
                src = vec![head];
                tgt.retain(|&t| t != head);
            }
        }
    }
    if is_verb && violent {
        // the subject is an attack told with its agent in a relative clause (الضربة التي وجهها
        // الجيش الإسرائيلي … استهدفت البنى التحتية الإيرانية): that agent is the source, and what
        // follows the verb its object
        if let Some(agent) = relative_agent(kb, doc, rec, parts, h, lo) {
            let agent_part = parts.iter().find(|p| p.ment == agent);
            src = vec![agent];
            tgt = parts
                .iter()
                .filter(|p| p.first > h.last && p.first < hi && !p.coord)
                .find(|p| agent_part.is_none_or(|a| !a.same_side(p)))
                .map(|p| p.ment)
                .into_iter()
                .collect();
        }
    }
    if is_verb && OBJECT_PRONOUNS.contains(&h.suffix) && !after_preposition(doc, h) && !reciprocal(&tr.lemma) {
        // the object is a pronoun (واتهمها، تحتجزهما): its antecedent is the target, and
        // whatever follows is not
        let (ante, relative) = antecedent(doc, parts, prev_parts, h, lo);
        // the subject of a pronoun-object verb is never its antecedent, and in a relative
        // clause it follows the verb (التي تتهمها دول عربية: no named subject)
        src.retain(|&i| Some(i) != ante && (!relative || rec.ments[i].first > h.last));
        // (a relative on a thing keeps the verb's own target: الاتفاقية التي وقعتها الأردن مع فرنسا)
        if ante.is_some() || !relative {
            tgt = ante.into_iter().collect();
        }
    }
    if tr.mode.as_deref() == Some("visit") {
        // a visit to a capital is a visit to its state (زيارة الأمير إلى باريس، وصل إلى موسكو
        // في زيارة): the capital after إلى, which is otherwise a place; it is the visit's target
        // whatever else the clause names further on (… إلى باريس …، فإن الرئيس الفرنسي معروف
        // بتأييده للاتفاقية الإيرانية)
        let dest: Vec<usize> = destination(doc, rec, h, lo, hi).into_iter().filter(|&d| !src.iter().any(|&s| actor_of(&rec.ments[s]) == actor_of(&rec.ments[d]))).collect();
        if !dest.is_empty() {
            src.retain(|s| !dest.contains(s));
            tgt = dest;
        }
    }
    if tgt.is_empty() && is_verb && tr.event_type == "REQUEST" {
        // the one asked is followed by what is asked, with على/إلى (حث ترامب في وقت سابق
        // دول الحلف على تخصيص …), however far the subject's adverbs push it
        tgt = addressee(doc, parts, h, hi, &src).into_iter().collect();
    }
    (src, tgt)
}

/// How many words before a verb with a plural subject its named referent may stand.
const PLURAL_REFERENT_WORDS: usize = 5;

/// The one-word verb `h` carries a masculine plural subject: past فعلوا (فعلو before a pronoun:
/// اتهموه), present يفعلون/تفعلون. (A dual or feminine ending is left alone: قصفا، دعا.)
fn plural_subject(doc: &Doc, h: &Hit) -> bool {
    if h.first != h.last {
        return false;
    }
    let w = doc.tokens[h.first].norm.as_str();
    let w = w.strip_prefix(h.prefix).unwrap_or(w);
    let w = w.strip_suffix(h.suffix).unwrap_or(w);
    let present = w.starts_with(['ي', 'ت']);
    if present {
        w.ends_with("ون") && w.chars().count() >= 5
    } else {
        w.ends_with("وا") || !h.suffix.is_empty() && w.ends_with('و') && !w.starts_with('ن')
    }
}

/// The verb `h` follows قد, and a participant stands between it and a كان before it (وكان
/// الرئيس الأمريكي قد انتقد أعضاء الحلف): the subject is that participant, not a noun after the verb.
fn kana_qad(doc: &Doc, parts: &[Part], h: &Hit, lo: usize) -> bool {
    if h.first == 0 || !matches!(doc.tokens[h.first - 1].norm.as_str(), "قد" | "لقد") {
        return false;
    }
    let kana = |k: usize| matches!(doc.tokens[k].norm.as_str(), "كان" | "وكان" | "كانت" | "وكانت" | "فكان" | "فكانت" | "كانوا" | "وكانوا");
    let Some(k) = (h.first.saturating_sub(10).max(lo)..h.first - 1).rev().find(|&k| kana(k)) else { return false };
    parts.iter().any(|p| p.first > k && p.last < h.first - 1 && !p.marked)
}

/// The two sides a dual possessive on the event noun `h` stands for, in text order: the last
/// two people before it who are not one side, else the last two participants of two sides.
fn dual_pair(parts: &[Part], h: &Hit) -> Option<(usize, usize)> {
    let before: Vec<&Part> = parts.iter().filter(|p| p.last < h.first && !p.people).collect();
    let pick = |only_people: bool| {
        let mut it = before.iter().rev().filter(|p| !only_people || p.person.is_some());
        let second = it.next()?;
        let first = it.find(|p| !p.same_side(second))?;
        Some((first.ment, second.ment))
    };
    pick(true).or_else(|| pick(false))
}

/// The participant right after an event noun is its genitive, and nothing marked follows it
/// (اعتقال الشيخ حمد من بيروت, not اعتقال السلطات للناشطين): for a noun of coercion that genitive
/// is who suffered it.
fn genitive_patient(parts: &[Part], h: &Hit, hi: usize) -> bool {
    let mut after = parts.iter().filter(|p| p.first > h.last && p.first < hi);
    after.next().is_some_and(|g| !g.marked && !g.agent && !g.of_event && g.first <= h.last + 2) && !after.any(|p| p.marked)
}

/// How many words back a pronoun's antecedent may stand.
const ANTECEDENT_WORDS: usize = 8;

/// The participant after a request verb `h` that is followed by على/إلى and the thing asked
/// (حث X على، دعا X إلى), within ten words of the verb; not one of the sources.
fn addressee(doc: &Doc, parts: &[Part], h: &Hit, hi: usize, src: &[usize]) -> Option<usize> {
    parts
        .iter()
        .filter(|p| p.first > h.last && p.first <= h.last + 10 && p.first < hi && !p.marked && !src.contains(&p.ment))
        .find(|p| doc.tokens.get(p.last + 1).is_some_and(|t| matches!(t.norm.as_str(), "علي" | "الي")))
        .map(|p| p.ment)
}

/// When the subject `s` chosen before verb `h` stands inside a relative clause (after الذي/التي/
/// الذين in the verb's clause), the participant the clause describes, right before the pronoun.
fn relative_head(doc: &Doc, parts: &[Part], s: usize, h: &Hit, lo: usize) -> Option<usize> {
    let sp = parts.iter().find(|p| p.ment == s && p.last < h.first)?;
    let r = (lo..sp.first).rev().find(|&k| RELATIVE_PRONOUNS.contains(&doc.tokens[k].norm.as_str()))?;
    parts.iter().rev().find(|p| p.last < r && p.last + 2 >= r && !p.marked).map(|p| p.ment)
}

/// A capital right after إلى within six words after a visit `h` (زيارة الأمير محمد بن سلمان إلى
/// باريس): the state visited.
/// Or, for a visit told as في زيارة after the arrival (وصل أردوغان إلى موسكو في زيارة رسمية), the
/// capital after إلى within six words before it.
fn destination(doc: &Doc, rec: &Recognition, h: &Hit, lo: usize, hi: usize) -> Option<usize> {
    let capital_at = |k: usize| {
        let o = rec.owner[k]?;
        let m = &rec.ments[o];
        (m.first == k && m.is_capital() && k > 0 && matches!(doc.tokens[k - 1].norm.as_str(), "الي" | "والي") && actor_of(m).is_some()).then_some(o)
    };
    let after = (h.last + 1..hi.min(h.last + 7)).find_map(capital_at);
    // (في inside the phrase, في زيارة رسمية, or just before the noun)
    let fi = if doc.tokens[h.first].norm == "في" { Some(h.first) } else { (h.first > 0 && doc.tokens[h.first - 1].norm == "في" && h.prefix.is_empty()).then(|| h.first - 1) };
    after.or_else(|| fi.and_then(|fi| (fi.saturating_sub(6).max(lo)..fi).rev().find_map(capital_at)))
}

/// The state named by its name right after في within [`WINDOW`] tokens after trigger `h`
/// (… في اليمن): where the event happened.
fn state_where(doc: &Doc, rec: &Recognition, h: &Hit, end: usize) -> Option<String> {
    (h.last + 1..end.min(h.last + WINDOW)).find_map(|k| {
        let m = &rec.ments[rec.owner[k]?];
        let named = m.first == k && m.kind == EntityKind::Country && !matches!(m.how, Some(How::Adjective | How::People));
        (named && k > 0 && doc.tokens[k - 1].norm == "في" && m.prefix.is_empty()).then(|| m.actor.clone()).flatten()
    })
}

/// Relative pronouns (matching form) that open a clause on the noun before them.
const RELATIVE_PRONOUNS: &[&str] = &["الذي", "التي", "الذين", "اللذين", "اللتين", "اللذان", "اللتان"];

/// Third-person object pronouns on a verb (matching form): اتهمها، تحتجزهما، استقبله.
const OBJECT_PRONOUNS: &[&str] = &["ه", "ها", "هم", "هما", "هن"];

/// The agent named inside a relative clause on an event noun of the verb `h`'s own type, before
/// it in its clause (الضربة التي وجهها الجيش الإسرائيلي … استهدفت): the participant right after
/// the relative pronoun and its verb, within three words.
fn relative_agent(kb: &Kb, doc: &Doc, rec: &Recognition, parts: &[Part], h: &Hit, lo: usize) -> Option<usize> {
    let ty = &kb.triggers[h.form.payload as usize].event_type;
    let r = (lo.max(1)..h.first).rev().find(|&k| RELATIVE_PRONOUNS.contains(&doc.tokens[k].norm.as_str()))?;
    let head_is_event = rec.triggers.iter().any(|t| t.first <= r - 1 && r - 1 <= t.last && t.last < r && {
        let tr = &kb.triggers[t.form.payload as usize];
        tr.kind != 'v' && &tr.event_type == ty
    });
    // (ضربة alone is no trigger, a blow of any kind: only as the head of such a clause)
    let head = doc.tokens[r - 1].norm.as_str();
    let attack_noun = ty == "ASSAULT" && matches!(head.strip_prefix("ال").unwrap_or(head), "ضربه" | "ضربات" | "غاره" | "غارات" | "هجوم" | "هجمات" | "عمليه" | "قصف");
    if !head_is_event && !attack_noun {
        return None;
    }
    parts.iter().find(|p| p.first > r + 1 && p.first <= r + 3 && p.last < h.first && !p.marked).map(|p| p.ment)
}

/// The participant an object pronoun on the verb `h` refers to: the noun a relative pronoun
/// right before the verb stands for (الجنديين اليونانيين اللذين تحتجزهما تركيا), else the last
/// participant before the verb in its clause, else in the previous sentence, that is not the
/// subject (اختص ألمانيا بالانتقاد، واتهمها → Germany).
/// Also says whether the verb stands in a relative clause.
fn antecedent(doc: &Doc, parts: &[Part], prev_parts: &[Part], h: &Hit, lo: usize) -> (Option<usize>, bool) {
    let relative = (h.first.saturating_sub(2)..h.first).rev().find(|&k| RELATIVE_PRONOUNS.contains(&doc.tokens[k].norm.as_str()));
    if let Some(r) = relative {
        return (parts.iter().rev().find(|p| p.last < r && p.last + 3 >= r).map(|p| p.ment), true);
    }
    // (a pronoun reaches back a few words, or into the last sentence from a sentence's opening:
    // an antecedent further away is more often some other noun no actor names)
    let ante = match parts.iter().rev().find(|p| p.last < h.first && p.first >= lo) {
        Some(p) => Some(p).filter(|p| p.last + ANTECEDENT_WORDS >= h.first),
        None => prev_parts.last().filter(|_| h.first - doc.sentences[doc.tokens[h.first].sentence].tokens.start <= 4),
    };
    (ante.map(|p| p.ment), false)
}

/// A verb form right after a preposition, or with ب/ل on it, is a verbal noun whose pronoun is
/// its possessor (أعرب عن شكره، ودعا لدعمه), not its object.
/// So is one whose object follows with ل (مؤكدة دعمها لوحدة أراضي أوكرانيا: its support for).
fn after_preposition(doc: &Doc, h: &Hit) -> bool {
    let next_lam = doc.tokens.get(h.last + 1).is_some_and(|t| t.norm.starts_with('ل') && !matches!(t.norm.as_str(), "لا" | "لم" | "لن" | "لقد" | "لكن" | "لكنه" | "لكنها"));
    h.prefix.contains(['ب', 'ل'])
        || next_lam
        || h.first > 0 && matches!(doc.tokens[h.first - 1].norm.as_str(), "عن" | "علي" | "في" | "من" | "الي" | "مع" | "بعد" | "قبل" | "خلال" | "اجل" | "بسبب")
}

/// A form VI verb (تعاون، تفاوض، تباحث: doing together) takes no object, so a pronoun on its
/// form is a verbal noun's possessor (ستعزز تعاونها مع كازاخستان).
fn reciprocal(lemma: &str) -> bool {
    let past: Vec<char> = lemma.split('/').next().unwrap_or(lemma).chars().collect();
    past.len() == 5 && past[0] == 'ت' && past[2] == 'ا'
}

/// Both sides are people with names of their own (not a state and its official).
fn two_people(ments: &[Ment], s: Option<usize>, t: Option<usize>) -> bool {
    let key = |i: Option<usize>| i.and_then(|i| person_key(&ments[i]));
    different_people(key(s), key(t))
}

/// The clause of trigger `h` inside [lo, hi). An event noun after a complementizer (قال ترامب
/// إن هجوما … سيكون خطأ، يقولون إن احتجاج الأسبوع الماضي …) is the content of what is said:
/// its agent is not the speaker, so its arguments start after إن/أن. (A verb after إن keeps the
/// speaker as a pro-drop subject: قال لافروف إنه بحث …; measured, cutting verbs at إن or at
/// every non-trigger verb loses more true events than it removes false ones.)
fn clause_bounds(kb: &Kb, doc: &Doc, h: &Hit, lo: usize, hi: usize) -> (usize, usize) {
    if kb.triggers[h.form.payload as usize].kind == 'v' {
        return (lo, hi);
    }
    let complementizer = |k: usize| matches!(doc.tokens[k].norm.as_str(), "ان" | "بان" | "وان" | "فان");
    ((lo..h.first).rev().find(|&k| complementizer(k)).map_or(lo, |k| k + 1), hi)
}

/// The words trigger `h` needs after it (a light verb's noun: حمّل … المسؤولية، قطع … علاقاتها)
/// stand within [`marsad_kb::NEEDS_WORDS`] tokens after it in its sentence, with or without
/// و/ب/ل/ال before them; true for a trigger that needs none.
fn needs_met(kb: &Kb, doc: &Doc, h: &Hit) -> bool {
    let needs = &kb.triggers[h.form.payload as usize].needs;
    if needs.is_empty() {
        return true;
    }
    let sentence = doc.tokens[h.first].sentence;
    let end = (h.last + 1 + marsad_kb::NEEDS_WORDS).min(doc.tokens.len());
    doc.tokens[h.last + 1..end].iter().take_while(|t| t.sentence == sentence).any(|t| {
        let w = t.norm.strip_prefix('و').filter(|r| r.chars().count() >= 3).unwrap_or(&t.norm);
        let w = ["بال", "لل", "ال", "ب", "ل"].iter().find_map(|p| w.strip_prefix(p).filter(|r| r.chars().count() >= 3)).unwrap_or(w);
        needs.iter().any(|n| w.starts_with(n.as_str()))
    })
}

/// A one-word hit on a word the lexicon says is never a trigger (وزارة, not و+زار+ه).
fn is_homograph(kb: &Kb, doc: &Doc, h: &Hit) -> bool {
    let norm = doc.tokens[h.first].norm.as_str();
    h.first == h.last && (kb.not_triggers.contains(norm) || norm.strip_prefix(h.prefix).is_some_and(|w| kb.not_triggers.contains(w)))
}

fn participants(kb: &Kb, doc: &Doc, rec: &Recognition, trig_tokens: &[u8], range: std::ops::Range<usize>) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut seen = marsad_kb::HashSet::default();
    // the lexicon keys an anaphor is looked up by, built in one reused buffer
    let mut key = String::new();
    // the last mention looked at (kept or not), for coordination: (its last token, was a topic)
    let mut last: Option<(usize, bool)> = None;
    for k in range {
        // a name, or a definite noun that refers back to one or two (البلدين، الحلف)
        let (sides, first, last_tok, prefix, m) = match rec.owner[k] {
            Some(o) => {
                if !seen.insert(o) {
                    continue;
                }
                let m = &rec.ments[o];
                let Some(actor) = actor_of(m) else { continue };
                let (first, prefix) = phrase_start(rec, o);
                (vec![(o, actor.to_string())], first, m.last, prefix, Some(m))
            }
            None => match referent(kb, doc, rec, k, &mut key) {
                Some((sides, last, prefix)) => (sides, k, last, prefix, None),
                None => continue,
            },
        };
        let prev = (first > 0).then(|| &doc.tokens[first - 1]);
        let prev_word = prev.filter(|t| t.kind == TokenKind::Word).map(|t| t.norm.strip_prefix('و').filter(|r| r.chars().count() >= 2).unwrap_or(&t.norm)).unwrap_or("");
        let p = prefix.as_str();
        // a preposition governs its whole noun phrase: عن ناقلة نفط بريطانية، على سفن روسية
        // (…and a ب on a role noun heading the phrase: التقى بزعيم كتلة الفتح هادي العامري; not ل,
        // which after a visit names the visitor: الزيارة الرسمية لرئيس جمهورية كازاخستان)
        // (…but not across a visit noun, whose genitive is the visitor: بالعودة إلى موضوع زيارة
        // الأمير محمد بن سلمان إلى باريس)
        let visit_noun = |q: usize| trig_tokens[q] == EVENT_NOUN && rec.triggers.iter().any(|t| t.first <= q && q <= t.last && kb.triggers[t.form.payload as usize].mode.as_deref() == Some("visit"));
        let governed = (first.saturating_sub(3)..first).rev().take_while(|&q| doc.tokens[q].kind == TokenKind::Word && rec.owner[q].is_none() && !visit_noun(q)).any(|q| {
            let w = doc.tokens[q].norm.as_str();
            let w = w.strip_prefix('و').unwrap_or(w);
            TARGET_MARKERS.contains(&w) || w.strip_prefix('ب').is_some_and(|r| kb.role_words.contains(r))
        });
        // …and so does a ب/ل on the noun it depends on: رحبت إسرائيل بقرار الولايات المتحدة،
        // أشاد بالجهود التي تقدمها حكومة المملكة، أبدى أسفه لقرار نظيره الأميركي
        let governing = |k: usize| {
            rec.owner[k].is_none() && doc.tokens[k].kind == TokenKind::Word && doc.tokens[k].sentence == doc.tokens[first].sentence && {
                let w = doc.tokens[k].norm.as_str();
                let w = w.strip_prefix('و').filter(|r| r.chars().count() >= 4).unwrap_or(w);
                ["بال", "لل"].iter().any(|c| w.starts_with(c)) && w.chars().count() >= 5
                    || ["ب", "ل"].iter().any(|c| w.strip_prefix(c).is_some_and(|r| is_construct_noun(r)))
            }
        };
        // (through one more noun of the chain: بالتزام دول الحلف)
        let chain_noun = |k: usize| rec.owner[k].is_none() && doc.tokens[k].kind == TokenKind::Word && matches!(doc.tokens[k].norm.as_str(), "دول" | "اعضاء" | "حكومه" | "حكومات" | "قاده" | "شعب" | "شعوب");
        let construct = first > 0 && governing(first - 1) || first > 1 && chain_noun(first - 1) && governing(first - 2);
        // …and the agent of a relative clause on such a noun: أشاد بالجهود التي تقدمها حكومة X،
        // رحب بالقرار الذي اتخذته X (X did what the trigger's ب/ل-object names)
        // (over a head noun of its own: التي تقدمها حكومة المملكة)
        let at = if first >= 1 && rec.owner[first - 1].is_none() && is_agent_head(doc.tokens[first - 1].norm.strip_prefix("ال").unwrap_or(&doc.tokens[first - 1].norm)) { first - 1 } else { first };
        let relative_agent = at >= 4 && rec.owner[at - 1].is_none() && rec.owner[at - 2].is_none()
            && matches!(doc.tokens[at - 2].norm.as_str(), "التي" | "الذي" | "اللذين" | "الذين")
            && doc.tokens[at - 1].kind == TokenKind::Word && doc.tokens[at - 1].sentence == doc.tokens[first].sentence
            && (at - 4..at - 2).any(|k| ["بال", "وبال", "لل"].iter().any(|c| doc.tokens[k].norm.starts_with(c)));
        // (a list in apposition names the object: تشمل الزيارة 4 بلدان أخرى هي تشاد وجيبوتي)
        let apposition = matches!(prev_word, "هي" | "هما" | "هم");
        let marked = governed || construct || relative_agent || apposition || p.ends_with('ل') || p.ends_with('ب') || p.ends_with('ك');
        // coordination: و on the phrase, or an enumeration with ، or / right after the last mention
        let enum_sep = prev.is_some_and(|t| t.is_punct("،") || t.is_punct("/") || t.is_punct(","));
        // …or the preposition repeated with و after a marked side (يجب على X أن … وعلى Y تجنب …)
        let and_prep = prev.is_some_and(|t| t.norm.strip_prefix('و').is_some_and(|w| TARGET_MARKERS.contains(&w))) && parts.last().is_some_and(|q| q.marked && first <= q.last + 12);
        let coord = last.is_some_and(|(l, _)| first <= l + 3) && (p.starts_with('و') || enum_sep && last.is_some_and(|(l, _)| first == l + 2)) || and_prep;
        // a topic or location (في أفغانستان وإيران، القضية الفلسطينية) is no side, nor is what is
        // coordinated with it; a capital is a side only as a subject or in بين … و … (not في أنقرة)
        // (…but an official in Hamas speaks for Hamas: ورفض مسؤول في حماس)
        let member_of = prev_word == "في" && first >= 2 && is_member_noun(doc.tokens[first - 2].norm.strip_prefix('و').unwrap_or(&doc.tokens[first - 2].norm));
        // (وعبر before a name is the verb عبّر, not the preposition: وعبر ترامب عن سعادته)
        let verb_homograph = prev.is_some_and(|t| t.norm == "وعبر");
        let topic = TOPIC_MARKERS.contains(&prev_word) && !p.starts_with('و') && !member_of && !verb_homograph || coord && last.is_some_and(|(_, t)| t);
        // (العاصمة الإيرانية طهران: a capital named after its state is a place)
        // (…في عاصمتها أديس أبابا، #موسكو); right after another mention it is that state's
        // capital only when it is the same state (واتهمت كييف موسكو: two sides)
        let after_own_state = m.is_some_and(|m| first > 0 && rec.owner[first - 1].is_some_and(|q| rec.ments[q].actor.is_some() && rec.ments[q].actor == m.country));
        let hashtag = prev.is_some_and(|t| t.is_punct("#"));
        let capital_place = m.is_some_and(|m| m.is_capital()) && (matches!(prev_word, "في" | "الي" | "من" | "عاصمه" | "العاصمه" | "للعاصمه" | "بالعاصمه" | "عاصمتها" | "عاصمته" | "وعاصمتها") || hashtag || p.ends_with('ب') || p.ends_with('ل') || after_own_state);
        last = Some((last_tok, topic));
        if topic || capital_place {
            continue;
        }
        let between = prev_word == "بين" || coord && parts.last().is_some_and(|q| q.between);
        let adjective = m.map_or(Adjective::Agent, |m| state_adjective(kb, doc, rec, trig_tokens, m, first));
        if adjective == Adjective::Describes {
            continue;
        }
        let people = adjective == Adjective::People;
        let of_event = adjective == Adjective::OfEvent;
        // (the marker may stand before the noun a state adjective describes: برصاص القوات الإسرائيلية)
        let norm_at = |k: usize| doc.tokens[k].norm.as_str();
        let head_before = first >= 2 && is_agent_head(norm_at(first - 1).strip_prefix("ال").unwrap_or(norm_at(first - 1)));
        let at = if head_before { first - 1 } else { first };
        let agent = at >= 1 && (AGENT_MARKERS.contains(&norm_at(at - 1)) || norm_at(at - 1) == "قبل" && at >= 2 && norm_at(at - 2) == "من");
        for (j, (o, actor)) in sides.into_iter().enumerate() {
            let person = person_key(&rec.ments[o]);
            // (the second state of البلدين is coordinated with the first)
            let coord = coord || j > 0;
            let between = between || j > 0 && prev_word == "بين";
            parts.push(Part { ment: o, first, last: last_tok, actor, marked: marked && !agent, coord, between, agent, people, of_event, person, anaphor: m.is_none() });
        }
    }
    parts
}

/// Where the phrase of mention `o` starts, with the proclitics written there: a person's role
/// and state come before the name (والرئيس الإيراني إبراهيم رئيسي).
fn phrase_start(rec: &Recognition, o: usize) -> (usize, String) {
    let m = &rec.ments[o];
    let (mut first, mut prefix) = (m.first, m.prefix.clone());
    while first > 0 {
        if let Some(r) = rec.role_ending_at.get(&(first - 1)).map(|&i| &rec.roles[i]) {
            first = r.first;
            prefix = r.prefix.to_string();
            continue;
        }
        match rec.owner[first - 1] {
            Some(q) if rec.ments[q].part_of == Some(o) => {
                first = rec.ments[q].first;
                prefix = rec.ments[q].prefix.clone();
            }
            _ => break,
        }
    }
    (first, prefix)
}

/// The sides a definite noun stands for: (mention, actor) each.
type Sides = Vec<(usize, String)>;

/// How many sentences back a definite noun looks for what it refers to.
const ANAPHOR_SENTENCES: usize = 10;

/// The sides a definite noun at token `k` refers back to (`lexicon/anaphors.tsv`), with the last
/// token it spans: the two states named most often before it (البلدين), the state of a region
/// named most often (الدولة الأفريقية), or the last organisation whose name holds its head (الحلف
/// → حلف شمال الأطلسي), within [`ANAPHOR_SENTENCES`] sentences and [`WINDOW`] × 8 tokens; with
/// the proclitics written on the noun.
/// (`key`: a buffer for the lexicon's keys, reused from call to call.)
fn referent(kb: &Kb, doc: &Doc, rec: &Recognition, k: usize, key: &mut String) -> Option<(Sides, usize, String)> {
    let t = &doc.tokens[k];
    if t.kind != TokenKind::Word || kb.anaphors.is_empty() {
        return None;
    }
    let (prefix, lam, word) = anaphor_form(&t.norm)?;
    key.clear();
    if lam {
        key.push_str("ال");
    }
    key.push_str(word);
    let one = key.len();
    // a noun and its adjective (الدولة الأفريقية), else the noun alone (البلدين)
    let two = doc.tokens.get(k + 1).filter(|n| n.kind == TokenKind::Word && rec.owner[k + 1].is_none()).and_then(|n| {
        key.push(' ');
        key.push_str(&n.norm);
        kb.anaphors.get(key.as_str())
    });
    let (anaphor, last) = match two {
        Some(a) => (a, k + 1),
        None => (kb.anaphors.get(&key[..one])?, k),
    };
    let prefix = prefix.to_string();
    let from_sentence = t.sentence.saturating_sub(ANAPHOR_SENTENCES);
    // (state mention, its actor, how often named), the latest mention first
    let mut counts: Vec<(usize, String, usize)> = Vec::new();
    let mut j = k;
    while j > 0 && k - j < WINDOW * 8 {
        j -= 1;
        if doc.tokens[j].sentence < from_sentence {
            break;
        }
        let Some(o) = rec.owner[j] else { continue };
        // (a state closing an organisation's name stands for the organisation here: النقابة after
        // نقابة الصحفيين اليمنيين)
        let o = match rec.ments[o].part_of {
            Some(q) if rec.ments[q].last == j && matches!(anaphor, marsad_kb::Anaphor::Org(_)) => q,
            _ => o,
        };
        let m = &rec.ments[o];
        if m.last != j {
            continue; // each mention once, at its last token
        }
        let Some(actor) = actor_of(m) else { continue };
        // every state (of the region) named before, with how often: the most named are the sides
        let counted = match anaphor {
            marsad_kb::Anaphor::Pair => !actor.contains(':'),
            marsad_kb::Anaphor::State(codes) => codes.iter().any(|c| c == actor),
            marsad_kb::Anaphor::Org(heads) => {
                let name = || doc.tokens[m.first..=m.last].iter().map(|t| t.norm.as_str()).collect::<Vec<_>>().join(" ");
                if m.kind == EntityKind::Org && heads.iter().any(|h| name().contains(h.as_str())) {
                    return Some((vec![(o, actor.to_string())], last, prefix));
                }
                false
            }
        };
        if counted {
            match counts.iter_mut().find(|(_, a, _)| a == actor) {
                Some(c) => c.2 += 1,
                None => counts.push((o, actor.to_string(), 1)),
            }
        }
    }
    // the two states named most often (the latest first among equals), in text order; or the
    // one state of the region named most often
    counts.sort_by_key(|c| std::cmp::Reverse(c.2));
    let want = if matches!(anaphor, marsad_kb::Anaphor::Pair) { 2 } else { 1 };
    let mut sides: Vec<(usize, String)> = counts.into_iter().take(want).map(|(o, a, _)| (o, a)).collect();
    sides.sort_by_key(|(o, _)| rec.ments[*o].first);
    (sides.len() == want).then_some((sides, last, prefix))
}

/// A word split into its proclitics and the definite noun under them (والبلدين → و + البلدين،
/// للحلف → ل + الحلف), as slices of the word: (proclitics, whether the noun's ال is to be put
/// back before the rest, rest); the لل of للحلف is ل + (ا)ل, so its noun is ال + حلف.
fn anaphor_form(w: &str) -> Option<(&str, bool, &str)> {
    let (conj, rest) = match w.strip_prefix(['و', 'ف']) {
        Some(r) if r.starts_with("ال") || r.starts_with("ب") || r.starts_with("لل") => (&w[..w.len() - r.len()], r),
        _ => ("", w),
    };
    // (the proclitics with ل or ب are the word's first bytes: conj, then that letter)
    let with_letter = |letter: char| &w[..conj.len() + letter.len_utf8()];
    if let Some(r) = rest.strip_prefix("لل") {
        return Some((with_letter('ل'), true, r));
    }
    if let Some(r) = rest.strip_prefix('ب').filter(|r| r.starts_with("ال")) {
        return Some((with_letter('ب'), false, r));
    }
    rest.starts_with("ال").then_some((conj, false, rest))
}

/// The matching forms of a word list written in ordinary spelling (مسؤول → مسوول …), made once.
fn matching_forms(list: &'static [&'static str], cell: &'static std::sync::OnceLock<marsad_kb::HashSet<String>>) -> &'static marsad_kb::HashSet<String> {
    cell.get_or_init(|| list.iter().map(|w| marsad_text::normalize(w)).collect())
}

fn is_agent_head(w: &str) -> bool {
    static CELL: std::sync::OnceLock<marsad_kb::HashSet<String>> = std::sync::OnceLock::new();
    matching_forms(AGENT_HEADS, &CELL).contains(w)
}

fn is_member_noun(w: &str) -> bool {
    static CELL: std::sync::OnceLock<marsad_kb::HashSet<String>> = std::sync::OnceLock::new();
    matching_forms(MEMBER_NOUNS, &CELL).contains(w)
}

fn is_construct_noun(w: &str) -> bool {
    static CELL: std::sync::OnceLock<marsad_kb::HashSet<String>> = std::sync::OnceLock::new();
    matching_forms(CONSTRUCT_NOUNS, &CELL).contains(w)
}

/// Token marks in `trig_tokens`.
const VERB: u8 = 1;
const EVENT_NOUN: u8 = 2;
const VERB_OBJECT: u8 = 3;

#[derive(PartialEq)]
enum Adjective {
    /// It makes the noun before it an actor (القوات الإسرائيلية), or it is no adjective.
    Agent,
    /// It stands alone for people (قتل فلسطينيان، يقول الإسرائيليون).
    People,
    /// It describes a noun that is not an actor (مهاجرين أفارقة): no side.
    Describes,
    /// It describes an event noun (غارات إسرائيلية): the event's agent.
    OfEvent,
}

/// What a state mention starting its phrase at `first` stands for, when it is a state
/// adjective (nisba) or a people plural.
fn state_adjective(kb: &Kb, doc: &Doc, rec: &Recognition, trig_tokens: &[u8], m: &Ment, first: usize) -> Adjective {
    if m.kind != EntityKind::Country || !matches!(m.how, Some(How::Adjective | How::People)) || first != m.first || m.part_of.is_some() {
        return Adjective::Agent;
    }
    let sentence = doc.tokens[m.first].sentence;
    let word = |k: usize| Some(&doc.tokens[k]).filter(|t| t.kind == TokenKind::Word && t.sentence == sentence);
    let Some(prev) = first.checked_sub(1).and_then(word) else { return Adjective::People };
    // after و it starts a new item of a list (الأمريكيون والفرنسيون)
    if m.prefix.starts_with('و') || rec.owner[first - 1].is_some() {
        return Adjective::Agent;
    }
    let bare = |w: &str| -> String {
        let w = w.strip_prefix('و').filter(|r| r.chars().count() >= 3).unwrap_or(w);
        for p in ["بال", "لل", "وال", "ال", "ب", "ل"] {
            if let Some(r) = w.strip_prefix(p).filter(|r| r.chars().count() >= 2) {
                return r.to_string();
            }
        }
        w.to_string()
    };
    let agent_head = |k: usize| word(k).is_some_and(|t| {
        let b = bare(&t.norm);
        is_agent_head(&b) || kb.role_words.contains(&b) || rec.role_ending_at.contains_key(&k)
    });
    // the noun it describes, or an adjective between (القوات الجوية السودانية)
    if agent_head(first - 1) || first >= 2 && agent_head(first - 2) {
        return Adjective::Agent;
    }
    match trig_tokens[first - 1] {
        EVENT_NOUN => return Adjective::OfEvent,
        VERB => return Adjective::People,
        VERB_OBJECT => return Adjective::Agent,
        _ => {}
    }
    if kb.not_nouns.contains(prev.norm.as_str()) || kb.not_nouns.contains(&bare(&prev.norm)) || prev.norm.chars().all(|c| c.is_ascii_digit() || ('٠'..='٩').contains(&c)) {
        return Adjective::People;
    }
    Adjective::Describes
}

/// Source and target mention groups for trigger `h` among the sentence's participants.
fn arguments(doc: &Doc, parts: &[Part], h: &Hit, (lo, hi): (usize, usize), verb: bool, violent: bool, frame: Frame) -> (Vec<usize>, Vec<usize>) {
    let subject_before = frame == Frame::SubjectBefore;
    // people named by their nationality are the victims of violence, not its agents (قتل
    // فلسطينيان، مقتل 10 آلاف يمني): they stand where a target stands
    let marked = |i: usize| parts[i].marked || violent && parts[i].people;
    let group = |start: usize| -> Vec<usize> {
        let mut g = vec![start];
        let mut k = start + 1;
        while k < parts.len() && parts[k].coord {
            g.push(k);
            k += 1;
        }
        g
    };
    // parts are in text order: only those inside [lo, hi) are looked at
    let near = parts.partition_point(|p| p.first < lo)..parts.partition_point(|p| p.first < hi);
    let after: Vec<usize> = near.clone().filter(|&i| parts[i].first > h.last).collect();
    let before: Vec<usize> = near.filter(|&i| parts[i].last < h.first).collect();
    let dedup = |v: Vec<usize>| -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for i in v {
            if !out.iter().any(|&j| parts[j].same_side(&parts[i])) {
                out.push(i);
            }
        }
        out
    };
    // بين X و Y
    // (only right after the trigger: a بين-pair inside the object is the object's, نددت
    // الدول بالتقارب بين قطر وإيران)
    if let Some(&b) = after.iter().find(|&&i| parts[i].between && !parts[i].coord).filter(|&&b| parts[b].first <= h.last + 3) {
        let g = group(b);
        if g.len() >= 2 {
            // the بين group names both sides, whoever else the sentence names
            let g = dedup(g);
            return (vec![parts[g[0]].ment], g[1..].iter().map(|&i| parts[i].ment).collect());
        }
    }
    // a named agent after the trigger (قتل فلسطينيا برصاص القوات الإسرائيلية) is the source, and
    // the nearest other participant its target
    if let Some(&a) = after.iter().find(|&&i| parts[i].agent && !parts[i].coord) {
        let src = dedup(group(a));
        let other = |i: &&usize| !src.contains(*i) && !src.iter().any(|&j| parts[j].same_side(&parts[**i]));
        let tgt = after.iter().filter(|&&i| i < a).rev().find(other).or_else(|| before.iter().rev().find(other)).or_else(|| after.iter().find(other));
        return (src.iter().map(|&i| parts[i].ment).collect(), tgt.map(|&i| vec![parts[i].ment]).unwrap_or_default());
    }
    // a death told as a result (مقتل 27 صحافيا، لقي مصرعه): the names around it are its victims
    // (or whoever reports it), never its agent
    if frame == Frame::Result {
        let victim = after.iter().find(|&&i| !parts[i].coord).or_else(|| before.last());
        return (Vec::new(), victim.map(|&i| vec![parts[i].ment]).unwrap_or_default());
    }
    // source: the first unmarked participant after the verb (VSO), else the nearest unmarked before it
    let mut src_group: Vec<usize> = Vec::new();
    // (…unless a name stands right before the verb: SVO, روسيا هاجمت أوكرانيا، والجيش
    // الإسرائيلي يحمل حماس مسؤولية)
    let svo = verb && before.last().is_some_and(|&b| !marked(b) && subject_right_before(doc, parts[b].last, h.first));
    if let Some(&s) = after.iter().find(|&&i| !marked(i) && !parts[i].coord).filter(|_| !subject_before && !svo) {
        // the subject follows the verb closely (أكد الرئيس الروسي - فلاديمير بوتين), and comes
        // before any marked participant
        let first_marked = after.iter().find(|&&i| marked(i)).copied();
        if first_marked.is_none_or(|m| s < m) && parts[s].first <= h.last + 4 {
            src_group = group(s);
        }
    }
    if src_group.is_empty() {
        if let Some(&s) = before.iter().rev().find(|&&i| !marked(i)) {
            // take the whole coordinated group ending here
            let mut start = s;
            while start > 0 && parts[start].coord && parts[start - 1].first >= lo {
                start -= 1;
            }
            src_group = (start..=s).collect();
        }
    }
    let src_group = dedup(src_group);
    // a coordinated subject meets among itself only when it stands next to the trigger
    // (تركيا وكازاخستان تبحثان، عقد أردوغان وبوتين ورئيسي اجتماعا)
    let adjacent = src_group.iter().any(|&i| parts[i].last + 3 >= h.first && parts[i].first <= h.last + 3);
    let src_side = |i: usize| src_group.iter().any(|&j| parts[j].same_side(&parts[i]));
    // target: the first marked participant after the trigger, else the next other one after the source
    let mut tgt_group: Vec<usize> = Vec::new();
    // (a participle's object follows it directly: منتقدا ترامب … لرئيس أمريكي)
    let direct_object = after.first().filter(|&&i| subject_before && parts[i].first == h.last + 1 && !src_side(i));
    if let Some(&t) = direct_object {
        tgt_group = group(t);
    } else if let Some(&t) = after.iter().find(|&&i| marked(i) && !src_side(i)) {
        tgt_group = group(t);
    } else if let Some(&t) = after.iter().find(|&&i| !src_group.contains(&i) && !parts[i].coord && !src_side(i)) {
        // an unmarked object stands right after the trigger or the subject (التقى أردوغان بوتين)
        let anchor = src_group.iter().map(|&i| parts[i].last).filter(|&l| l > h.last).max().unwrap_or(h.last);
        // (…after the numbers, partitives and the noun a state adjective describes that open
        // the object: اتهمت الاستخبارات الأمريكية 12 ضابطا من المخابرات الروسية)
        let mut start = parts[t].first;
        while start > anchor + 1 && partitive_filler(doc, start - 1) {
            start -= 1;
        }
        if start <= anchor + 3 {
            tgt_group = group(t);
        }
    } else if let Some(&t) = before.iter().rev().find(|&&i| !src_group.contains(&i) && !src_side(i)) {
        if marked(t) {
            tgt_group = vec![t];
        }
    }
    let tgt_group: Vec<usize> = dedup(tgt_group).into_iter().filter(|&i| !src_side(i)).collect();
    let srcs: Vec<usize> = if tgt_group.is_empty() && src_group.len() > 1 && !adjacent { src_group.into_iter().take(1).collect() } else { src_group };
    (srcs.iter().map(|&i| parts[i].ment).collect(), tgt_group.iter().map(|&i| parts[i].ment).collect())
}

/// A subject ending at token `last` stands right before the verb starting at `verb`, with at
/// most قد/لقد between (روسيا هاجمت، والجيش الإسرائيلي قد حمّل).
fn subject_right_before(doc: &Doc, last: usize, verb: usize) -> bool {
    last + 1 == verb || last + 2 == verb && matches!(doc.tokens[last + 1].norm.as_str(), "قد" | "لقد")
}

/// A word between a subject and its object that says how many or which part of the object
/// (12، عددا، من، بعض) or is the noun the object's state adjective describes (ضباط، المخابرات).
fn partitive_filler(doc: &Doc, k: usize) -> bool {
    let t = &doc.tokens[k];
    let w = t.norm.strip_prefix("ال").unwrap_or(&t.norm);
    t.kind == TokenKind::Number || PARTITIVES.contains(&w) || is_agent_head(w) || is_member_noun(w)
}

/// Words that count or pick a part of the noun after them (matching form, without ال).
/// (Not كل من, which lists: رافقه خلالها كل من وزير الخارجية …)
const PARTITIVES: &[&str] = &["من", "عدد", "عددا", "بعض", "احد", "احدي", "عشرات", "مئات", "الاف", "اثنين", "ثلاثه", "مجموعه", "ضابطا", "عنصرا", "جنديا", "مسؤولا", "دبلوماسيا"];

/// `present`: the trigger is a present-tense verb without سـ.
/// `question`: the sentence asks (لماذا اغتيال …؟), so it asserts nothing.
fn modality_of(kb: &Kb, doc: &Doc, rec: &Recognition, h: &Hit, sent_start: usize, sent_end: usize, present: bool, question: bool) -> &'static str {
    let mut m = if question { "hypothetical" } else { "asserted" };
    let nominal = kb.triggers[h.form.payload as usize].kind != 'v';
    // cues are in text order; only those from 8 tokens before to 6 after the trigger count
    let from = rec.cues.partition_point(|c| c.first + 8 < h.first);
    for c in rec.cues[from..].iter().take_while(|c| c.first <= h.last + 6) {
        let cue = &kb.cues[c.form.payload as usize];
        let same_clause = doc.tokens[c.first].clause == doc.tokens[h.first].clause;
        // a predicate after an event noun: المحادثات المباشرة بين روسيا وأوكرانيا تعطلت
        if cue.after {
            if nominal && same_clause && c.first > h.last && c.first <= h.last + 6 && c.first < sent_end {
                m = match cue.modality.as_str() {
                    "negated" => "negated",
                    "hypothetical" => "hypothetical",
                    "planned" => "planned",
                    _ => m,
                };
            }
            continue;
        }
        // (a relative clause between them is its own: بلاده لا تعتزم مبادلة الجنديين اللذين
        // تحتجزهما تركيا — the holding is asserted, only the swap is planned and denied)
        let relative_between = (c.last + 1..h.first).any(|k| RELATIVE_PRONOUNS.contains(&doc.tokens[k].norm.as_str()));
        if c.last < h.first && c.first >= sent_start.max(h.first.saturating_sub(8)) && same_clause && !relative_between {
            let kind = cue.modality.as_str();
            let near = h.first - c.last <= 3;
            m = match kind {
                "negated" if near => "negated",
                "hypothetical" => "hypothetical",
                "planned" if m == "asserted" => "planned",
                _ => m,
            };
        }
    }
    if m == "asserted" && h.prefix.contains('س') {
        m = "planned";
    }
    // قد before a present verb is "may" (قد تدعو دول أوبك …); before a past one it is "has" and
    // changes nothing
    if m == "asserted" && present && h.first > sent_start && matches!(doc.tokens[h.first - 1].norm.as_str(), "قد" | "وقد" | "فقد") {
        m = "hypothetical";
    }
    m
}
