//! Recognition: actors and places in a document.
//!
//! **In:** the analysed document, the dictionary hits of the knowledge base and, optionally,
//! the trained tagger ([`crate::tagger`]).
//! **Out:** [`Ment`]s — countries (names, adjectives, peoples), organisations, persons and
//! places — with token ranges, actor codes and how each was found. Recognition is a sequence of
//! named passes ([`Passes`]); each takes only tokens no earlier pass took:
//! 1. [`Passes::dictionary`]: dictionary hits, longest first; a guarded short form (a surname
//!    that is also a word) only after a full mention of the same person;
//! 2. [`Passes::org_heads`]: organisations from a head noun (شركة، وكالة، وزارة…) followed by a
//!    proper name or closed by a state (وزارة الخارجية التركية، وكالة أنباء كازاخستان);
//! 3. [`Passes::role_persons`], [`Passes::nationality_persons`], [`Passes::given_name_persons`]:
//!    persons from a role noun, an optional state, and a name no dictionary holds (وزير
//!    الخارجية التركي هاكان فيدان), after a nationality standing for a person (والأرجنتيني
//!    ميسي), or from a known given name (أنتوني بلينكن);
//! 4. [`Passes::aliases`]: later short mentions of those persons (فيدان، لكازيخانوف);
//! 5. [`Passes::tagged`]: the tagger's names on the words still free, gated by score
//!    ([`Passes::tagged_name_ok`] says which checks), then their later short mentions; a
//!    person of pass 3 that the tagger reads on over free words (محمد + علي العظمي: the
//!    patterns stop at علي) takes the longer span.

use marsad_kb::{matcher::resolve_overlaps, EntityKind, Hit, How, Kb, LAYER_CUE, LAYER_ENTITY, LAYER_GIVEN, LAYER_ORG_HEAD, LAYER_ROLE, LAYER_TRIGGER};
use marsad_text::{Doc, TokenKind, PROCLITICS};

/// A recognised mention (internal form; see [`crate::schema::Mention`] for output).
#[derive(Debug, Clone)]
pub struct Ment {
    pub kind: EntityKind,
    pub first: usize,
    pub last: usize,
    /// Byte span without the proclitic.
    pub start: usize,
    pub end: usize,
    pub entity: Option<u32>,
    pub how: Option<How>,
    pub actor: Option<String>,
    pub country: Option<String>,
    pub name_en: Option<String>,
    pub role: Option<String>,
    pub sub: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub found: &'static str,
    /// Proclitics written before the name (matching form).
    pub prefix: String,
    /// Index of the person or organisation mention that this one is part of (an adjective in a
    /// role phrase: وزير الخارجية *التركي* هاكان فيدان).
    pub part_of: Option<usize>,
    /// Superseded by a longer reading (kept so that indices stay valid; never output).
    pub dropped: bool,
    /// The tagger's confidence (0…1) for a name it found.
    pub score: Option<f32>,
    /// The recognition pass that found it (`dictionary`, `org-head`, `role`, `nationality`,
    /// `given-name`, `tagger`, `alias`).
    pub pass: &'static str,
}

impl Ment {
    /// A name found by pattern: no dictionary entry, no code yet.
    pub fn pattern(kind: EntityKind, pass: &'static str, first: usize, last: usize, start: usize, end: usize) -> Ment {
        Ment {
            kind,
            first,
            last,
            start,
            end,
            entity: None,
            how: Some(How::Name),
            actor: None,
            country: None,
            name_en: None,
            role: None,
            sub: None,
            lat: None,
            lon: None,
            found: "pattern",
            prefix: String::new(),
            part_of: None,
            dropped: false,
            score: None,
            pass,
        }
    }

    pub fn is_capital(&self) -> bool {
        self.kind == EntityKind::Place && self.sub.as_deref() == Some("capital")
    }
}

/// Hits of the whole document, split by layer.
pub struct Layers {
    pub entities: Vec<Hit>,
    pub triggers: Vec<Hit>,
    pub roles: Vec<Hit>,
    pub org_heads: Vec<Hit>,
    pub cues: Vec<Hit>,
    pub given: Vec<Hit>,
}

pub fn split_layers(hits: Vec<Hit>) -> Layers {
    let mut l = Layers { entities: vec![], triggers: vec![], roles: vec![], org_heads: vec![], cues: vec![], given: vec![] };
    for h in hits {
        match h.form.layer {
            LAYER_ENTITY => l.entities.push(h),
            LAYER_TRIGGER => l.triggers.push(h),
            LAYER_ROLE => l.roles.push(h),
            LAYER_ORG_HEAD => l.org_heads.push(h),
            LAYER_CUE => l.cues.push(h),
            LAYER_GIVEN => l.given.push(h),
            _ => {}
        }
    }
    l
}

/// Byte offset in `s` after skipping `n` matching-form characters (dropped marks are skipped too).
pub fn skip_folded(s: &str, n: usize) -> usize {
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if seen == n && !matches!(marsad_text::fold_char(c), marsad_text::Fold::Drop) {
            return i;
        }
        if let marsad_text::Fold::Char(_) = marsad_text::fold_char(c) {
            seen += 1;
        }
    }
    s.len()
}

fn ment_from_kb(kb: &Kb, doc: &Doc, text: &str, h: &Hit, date: Option<&str>) -> Ment {
    let (e, how) = kb.entity_forms[h.form.payload as usize];
    let ent = &kb.entities[e as usize];
    // a person acts for the state or body of the role held on the article's date
    // (Nazarbayev: president of Kazakhstan until 2019). With no date, or a date no role covers,
    // no role is asserted (issue 13: never today's role in a 2015 article); the person still acts
    // for the one state or body all their roles share.
    let role = if ent.kind == EntityKind::Person { date.and_then(|d| ent.role_at(d)) } else { None };
    let shared = || {
        let first = ent.roles.first().map(|r| r.code.clone())?;
        ent.roles.iter().all(|r| r.code == first).then_some(first)
    };
    let role_actor = role.map(|r| r.code.clone()).or_else(|| if ent.kind == EntityKind::Person { shared() } else { None }).filter(|c| crate::is_actor_code(c));
    let t0 = &doc.tokens[h.first];
    // ل + ال is written لل (للمغرب): the name keeps its lam-article (للمغرب, not لمغرب)
    let skip = h.prefix.chars().count() - usize::from(h.form.pre == marsad_kb::matcher::Pre::Lam);
    let start = t0.start + skip_folded(&text[t0.start..t0.end], skip);
    Ment {
        kind: ent.kind,
        first: h.first,
        last: h.last,
        start,
        end: doc.tokens[h.last].end,
        entity: Some(e),
        how: Some(how),
        actor: if ent.kind == EntityKind::Place { None } else { role_actor.clone().or_else(|| ent.actor.clone()) },
        country: role_actor.filter(|c| !c.contains(':')).or_else(|| ent.country.clone()),
        name_en: Some(ent.name_en.clone()),
        role: match ent.kind {
            EntityKind::Person => role.map(|r| r.role.clone()),
            EntityKind::Org | EntityKind::Place => Some(ent.sub.clone()),
            EntityKind::Country => None,
        },
        sub: Some(ent.sub.clone()),
        lat: ent.lat,
        lon: ent.lon,
        found: "kb",
        prefix: h.prefix.to_string(),
        part_of: None,
        dropped: false,
        score: None,
        pass: "dictionary",
    }
}

/// A verb in the future (سيبقى، وسيتمكن): س, after و or ف or not, before a common present
/// form; it ends a name (سيرخيو راموس سيبقى).
fn future_verb(kb: &Kb, w: &str) -> bool {
    marsad_text::proclitic_splits(w, marsad_text::VERB_PROCLITICS).any(|(p, rest)| p.ends_with('س') && rest.chars().count() >= 3 && rest.starts_with(['ي', 'ت', 'ن']) && kb.common.contains(rest))
}

/// A noun behind a proclitic that no name takes: a verbal noun (بتغيير، وترسيخ، وتلحين: و، ب
/// or ل before a word of four letters or more in ت) or a word carrying both a proclitic and a
/// plural or feminine pronoun (بفرضها، لدفعها، ومسؤوليها).
fn clitic_noun(w: &str) -> bool {
    marsad_text::proclitic_splits(w, marsad_text::PROCLITICS).any(|(p, rest)| {
        !p.is_empty()
            && (!p.contains(['ف', 'ك']) && rest.starts_with('ت') && rest.chars().count() >= 4
                || ["ها", "هم", "هما", "هن"].iter().any(|e| rest.strip_suffix(e).is_some_and(|stem| stem.chars().count() >= 3)))
    })
}

/// Nouns before an organisation's name that say who belongs to it (matching forms).
const ORG_MEMBERS: &[&str] = &["عناصر", "تنظيم", "شبكه", "زعيم", "قاده", "قياده", "مقاتلي", "اعضاء", "عضو", "انصار", "فرع", "جماعه", "خلايا", "خليه"];

/// An organisation known by one definite word that is also a common noun, used as the noun:
/// with a feminine adjective after it (القاعدة السياسية، القاعدة الأميركية، الجزيرة العربية)
/// or a demonstrative before it (هذه القاعدة). القاعدة تدعو… stays al-Qaeda.
fn common_noun_org(kb: &Kb, doc: &Doc, text: &str, h: &Hit) -> bool {
    let (e, _) = kb.entity_forms[h.form.payload as usize];
    if h.first != h.last || kb.entities[e as usize].kind != EntityKind::Org || !doc.tokens[h.first].norm.starts_with("ال") {
        return false;
    }
    let same = |k: usize| doc.tokens[k].sentence == doc.tokens[h.first].sentence;
    // after a noun that takes the organisation (عناصر القاعدة المختبئة) the adjective is that
    // noun's
    let member = h.first > 0 && same(h.first - 1) && marsad_text::proclitic_splits(doc.tokens[h.first - 1].norm.as_str(), marsad_text::PROCLITICS).any(|(_, rest)| ORG_MEMBERS.contains(&rest));
    // (a feminine adjective agrees only with a feminine noun: الحوثيين المسؤولية is an object and
    // its complement, وحملت النقابة الحوثيين المسؤولية)
    let feminine = text[doc.tokens[h.first].start..doc.tokens[h.first].end].ends_with('ة');
    let adjective = !member && feminine && doc.tokens.get(h.last + 1).is_some_and(|t| same(h.last + 1) && t.kind == TokenKind::Word && t.norm.starts_with("ال") && text[t.start..t.end].ends_with('ة'));
    let demonstrative = h.first > 0 && same(h.first - 1) && matches!(doc.tokens[h.first - 1].norm.as_str(), "هذه" | "تلك" | "هذا" | "ذلك");
    adjective || demonstrative
}

/// Where a person's name starts when the knowledge base's form of it opens with titles or
/// offices (الشيخ، خادم الحرمين الشريفين الملك، المشير): the first token after the role hits
/// that start at `first` and end before `last`; `first` when there are none. A role word that
/// is also a given name (خليفة in المشير خليفة حفتر) is the name's.
fn title_end(roles: &[Hit], given: &[Hit], first: usize, last: usize) -> usize {
    let mut at = first;
    while let Some(end) = roles.iter().filter(|r| r.first == at && r.last < last && !given.iter().any(|g| g.first == at)).map(|r| r.last).max() {
        at = end + 1;
    }
    at
}

/// A name carries no case ending: a word written with tanween (اجتماعًا، عددًا) is not one.
fn has_tanween(text: &str, t: &marsad_text::Token) -> bool {
    text[t.start..t.end].chars().any(|c| matches!(c, '\u{064B}'..='\u{064D}'))
}

/// The dictionary person whose short form (a surname) starts at token `k`, if any.
fn known_surname_at(ments: &[Ment], owner: &[Option<usize>], k: usize) -> Option<usize> {
    let o = owner[k]?;
    let m = &ments[o];
    (m.kind == EntityKind::Person && m.first == k && matches!(m.how, Some(How::Short | How::GuardedShort))).then_some(o)
}

/// Drops surname mention `o` so that a new name starting at token `from` can take its words;
/// returns the token after the surname.
fn absorb_surname(ments: &mut [Ment], owner: &mut [Option<usize>], from: usize, o: usize) -> usize {
    ments[o].dropped = true;
    let end = ments[o].last + 1;
    for t in &mut owner[from..end] {
        *t = None;
    }
    end
}

/// What is known about a document's tokens after recognition.
pub struct Recognition {
    pub ments: Vec<Ment>,
    /// For each token, the mention covering it.
    pub owner: Vec<Option<usize>>,
    /// Trigger hits not inside a name.
    pub triggers: Vec<Hit>,
    pub cues: Vec<Hit>,
    pub roles: Vec<Hit>,
    /// Non-dropped place mentions of each sentence, in text order.
    pub places_by_sentence: Vec<Vec<usize>>,
    /// Role hit ending at each token (index into `roles`), for walking back over a role phrase.
    pub role_ending_at: marsad_kb::HashMap<usize, usize>,
}

/// Nouns of the things named after persons (prizes, airports, streets, schools…), as matching
/// forms (ة is written ه): a name right after one is the thing's, not a person's mention.
const NAMED_AFTER: &[&str] = &["جايزه", "جوايز", "مطار", "شارع", "ميدان", "جامعه", "مدرسه", "مستشفي", "قاعه", "مسجد", "جسر", "ملعب", "استاد", "كاس"];
/// Function words that end a name found by pattern (matching form), besides `common_words`.
const NAME_BREAKERS: &[&str] = &["في", "من", "الي", "علي", "عن", "مع", "ان", "انه", "التي", "الذي", "الذين", "خلال", "بعد", "قبل", "حول", "او", "ثم", "لدي", "عند", "منذ", "حتي", "بين", "اليوم", "امس", "قال", "قالت", "يوم",
    // a nickname or a leader introduced after the name (حسين النقعي المكنى أبو …، بزعامة الصدر)
    "المكني", "الملقب", "المعروف", "بزعامه", "بقياده"];
/// Name-internal connectors: kept inside a name.
const NAME_LINKS: &[&str] = &["بن", "ابن", "بنت", "عبد", "ابو", "ابي", "ابا", "ال", "ولد", "دي", "دو", "فون", "فان"];
/// Most tokens a name found by pattern spans, connectors included.
const MAX_NAME_TOKENS: usize = 8;

/// Where a name found by pattern that starts at token `j` ends (exclusive): up to `max_words`
/// name words and the connectors between them (محمد بن عبد الكريم الخطابي). A word right after a
/// connector belongs to the name even when it is also a word (علي بن أبي طالب); `definite_first`
/// allows a first word with the article, `latin` words in Latin script; `inner_breaker` ends a
/// name at a word that cannot continue one (وحائز، المصنفة). Trailing connectors are left out.
#[allow(clippy::too_many_arguments)]
fn name_span(doc: &Doc, text: &str, owner: &[Option<usize>], is_breaker: &dyn Fn(usize) -> bool, inner_breaker: &dyn Fn(usize) -> bool, j: usize, max_words: usize, definite_first: bool, latin: bool) -> usize {
    let n = doc.tokens.len();
    let mut k = j;
    let mut words = 0;
    while k < n && words < max_words && k - j < MAX_NAME_TOKENS && owner[k].is_none() && doc.tokens[k].sentence == doc.tokens[j].sentence {
        let t = &doc.tokens[k];
        let link = NAME_LINKS.contains(&t.norm.as_str());
        let after_link = k > j && NAME_LINKS.contains(&doc.tokens[k - 1].norm.as_str()) && t.kind == TokenKind::Word && !NAME_BREAKERS.contains(&t.norm.as_str());
        // ال starts a surname only inside a name (عبد الفتاح السيسي), never the name itself
        if !link && (has_tanween(text, t) || (!after_link && (is_breaker(k) || k > j && inner_breaker(k) || !definite_first && k == j && t.norm.starts_with("ال")))) {
            break;
        }
        if !(t.kind == TokenKind::Word || latin && t.kind == TokenKind::Latin) || t.kind == TokenKind::Word && t.norm.chars().count() < 2 {
            break;
        }
        k += 1;
        if !link {
            words += 1;
        }
    }
    // do not end on a connector
    while k > j && NAME_LINKS.contains(&doc.tokens[k - 1].norm.as_str()) {
        k -= 1;
    }
    k
}

/// `date` (ISO) is the article's reference date, used to pick a person's role at the time;
/// `tagger`, when given, adds the names no dictionary or pattern found.
///
/// Recognition is a sequence of named passes over one shared state (who owns each token); each
/// pass only takes tokens that no earlier pass took:
/// [`Passes::dictionary`] → [`Passes::org_heads`] → [`Passes::role_persons`] →
/// [`Passes::nationality_persons`] → [`Passes::given_name_persons`] → [`Passes::aliases`] →
/// [`Passes::tagged`] → [`Passes::aliases`] (of the tagger's names).
pub fn recognise(kb: &Kb, doc: &Doc, text: &str, layers: Layers, date: Option<&str>, tagger: Option<&crate::tagger::Model>) -> Recognition {
    // the tagger reads every candidate hit, before any pass chooses among them
    let feats = tagger.map(|t| t.features(kb, doc, &[&layers.entities, &layers.roles, &layers.org_heads, &layers.given, &layers.triggers, &layers.cues]));
    let (mut p, triggers, cues) = untagged(kb, doc, text, layers, date);
    if let (Some(t), Some(f)) = (tagger, &feats) {
        let tagged = t.tag_runs(kb, doc, f, &p.free_runs());
        p.tagged(tagged);
        p.aliases();
    }
    p.finish(triggers, cues)
}

/// The passes before the tagger: dictionary hits, cues, head nouns, role, nationality and
/// given-name persons, and the later mentions of all these (first, so that the tagger does not
/// take them as new names). Returns the state and the trigger and cue hits [`Passes::finish`]
/// still needs.
fn untagged<'a>(kb: &'a Kb, doc: &'a Doc, text: &'a str, layers: Layers, date: Option<&'a str>) -> (Passes<'a>, Vec<Hit>, Vec<Hit>) {
    let Layers { entities, triggers, roles, org_heads, cues, given } = layers;
    let mut p = Passes::new(kb, doc, text, date);
    p.dictionary(entities, &roles, &given);
    p.cues(roles, org_heads, &triggers, &cues, &given);
    p.org_heads();
    p.role_persons();
    p.nationality_persons();
    p.given_name_persons(given);
    p.aliases();
    (p, triggers, cues)
}

/// Least tagger score for a name the tagger alone found (see docs/quality.md for how it was
/// chosen).
pub const TAGGER_MIN_SCORE: f32 = 0.5;
/// Least tagger score for a longer name to take the tokens of a place the dictionary read
/// inside it.
pub const TAGGER_OVERRIDE_SCORE: f32 = 0.7;
/// Least tagger score for a person's name to extend one a name pattern found.
pub const TAGGER_EXTEND_SCORE: f32 = 0.7;
/// Least tagger score for a person's name to end on a definite word the dictionary read as a
/// place or a state's adjective (عبد العزيز بن سالم الرويس، يونس حامد المصري).
pub const TAGGER_SURNAME_SCORE: f32 = 0.7;
/// Least tagger score for a single word as a name (سيحصل is a verb).
pub const TAGGER_SINGLE_SCORE: f32 = 0.65;
/// Least tagger score for a single definite word (العربي) as a name.
pub const TAGGER_DEFINITE_SCORE: f32 = 0.8;
/// Least tagger score for a place the dictionary does not know.
pub const TAGGER_PLACE_SCORE: f32 = 0.9;

/// The state of recognition between passes.
pub struct Passes<'a> {
    kb: &'a Kb,
    doc: &'a Doc,
    text: &'a str,
    date: Option<&'a str>,
    n: usize,
    pub ments: Vec<Ment>,
    /// For each token, the mention covering it.
    pub owner: Vec<Option<usize>>,
    /// Last words of names found by pattern, for their later short mentions.
    aliases: Vec<(String, usize)>,
    roles: Vec<Hit>,
    org_heads: Vec<Hit>,
    /// Tokens taken by a role, trigger or cue: never part of a new name.
    busy: Vec<bool>,
    /// Tokens that start the next name of a list, or an organisation's head noun.
    next_name: Vec<bool>,
    /// A given name without a proclitic starts here.
    plain_given: Vec<bool>,
    /// …and it is an unambiguous one (يوسف, not وسام).
    firm_given: Vec<bool>,
}

impl<'a> Passes<'a> {
    pub fn new(kb: &'a Kb, doc: &'a Doc, text: &'a str, date: Option<&'a str>) -> Self {
        let n = doc.tokens.len();
        Passes {
            kb,
            doc,
            text,
            date,
            n,
            ments: Vec::new(),
            owner: vec![None; n],
            aliases: Vec::new(),
            roles: Vec::new(),
            org_heads: Vec::new(),
            busy: vec![false; n],
            next_name: vec![false; n],
            plain_given: vec![false; n],
            firm_given: vec![false; n],
        }
    }

    fn same_sentence(&self, a: usize, b: usize) -> bool {
        self.doc.tokens[a].sentence == self.doc.tokens[b].sentence
    }

    /// Adds mention `m` and gives it the free tokens of its span.
    fn push(&mut self, m: Ment) -> usize {
        let idx = self.ments.len();
        for o in self.owner.iter_mut().take(m.last + 1).skip(m.first) {
            if o.is_none() {
                *o = Some(idx);
            }
        }
        self.ments.push(m);
        idx
    }

    /// Pass 1, dictionary hits: the longest reading wins; a guarded short form (a surname that
    /// is also a word) only after a full mention of the same person; a name carries no case
    /// ending (سوقًا is "a market", not Suga) and is not split off an ordinary word (فريقا).
    pub fn dictionary(&mut self, entities: Vec<Hit>, roles: &[Hit], given: &[Hit]) {
        let (kb, doc, text) = (self.kb, self.doc, self.text);
        let (guarded, plain): (Vec<Hit>, Vec<Hit>) = entities.into_iter().partition(|h| kb.entity_forms[h.form.payload as usize].1 == How::GuardedShort);
        // (…nor is a name read under a proclitic when the whole word is an ordinary one: فريقا is
        // "a team", not ف + ريقا, Riga)
        // a state read inside an organisation's name (سوق الأسهم السعودية، الاتصالات السعودية)
        // stays a mention of the state, as one closing a head noun's name does, but acts only
        // through the organisation
        let inner_states: Vec<Hit> = plain.iter().filter(|h| h.prefix.is_empty() && kb.entities[kb.entity_forms[h.form.payload as usize].0 as usize].kind == EntityKind::Country).cloned().collect();
        let plain = resolve_overlaps(
            plain
                .into_iter()
                .filter(|h| !(h.first..=h.last).any(|k| has_tanween(text, &doc.tokens[k])))
                .filter(|h| !(h.first == h.last && !h.prefix.is_empty() && kb.common.contains(doc.tokens[h.first].norm.as_str())))
                // …nor when the whole word is a given name (كلاوس is Klaus, not ك + Laos)
                .filter(|h| !(h.first == h.last && !h.prefix.is_empty() && given.iter().any(|g| g.first == h.first && g.last == h.first && g.prefix.is_empty() && !kb.given_names[g.form.payload as usize].ambiguous)))
                .filter(|h| !common_noun_org(kb, doc, text, h))
                .collect(),
        );
        for h in &plain {
            let mut m = ment_from_kb(kb, doc, text, h, self.date);
            if m.kind == EntityKind::Person {
                let first = title_end(roles, given, h.first, h.last);
                if first > h.first {
                    // the title is not part of the name (الشيخ حمد بن خليفة → حمد بن خليفة):
                    // the name starts after it, and the title is left to the role pass
                    m.first = first;
                    m.start = doc.tokens[first].start;
                    m.prefix = String::new();
                }
            }
            let is_org = m.kind == EntityKind::Org;
            let idx = self.push(m);
            if is_org {
                for c in inner_states.iter().filter(|c| c.first >= h.first && c.last <= h.last && (c.first, c.last) != (h.first, h.last)) {
                    let cm = ment_from_kb(kb, doc, text, c, self.date);
                    self.ments.push(Ment { part_of: Some(idx), ..cm });
                }
            }
        }
        let known: std::collections::HashSet<u32> = self.ments.iter().filter_map(|m| m.entity).collect();
        for h in resolve_overlaps(guarded) {
            let (e, _) = kb.entity_forms[h.form.payload as usize];
            if known.contains(&e) && (h.first..=h.last).all(|k| self.owner[k].is_none()) {
                let m = ment_from_kb(kb, doc, text, &h, self.date);
                self.push(m);
            }
        }
    }

    /// Role nouns, triggers, cues, head nouns and given names: what ends or starts a name.
    pub fn cues(&mut self, roles: Vec<Hit>, org_heads: Vec<Hit>, triggers: &[Hit], cues: &[Hit], given: &[Hit]) {
        // (a role with the pronoun ه is not the same word written with ة: محافظه is "its
        // governor", محافظة a governorate, وكيل محافظة إب no person)
        let (doc, text) = (self.doc, self.text);
        let feminine = |h: &Hit| h.suffix == "ه" && text[doc.tokens[h.last].start..doc.tokens[h.last].end].ends_with('ة');
        self.roles = resolve_overlaps(roles.into_iter().filter(|h| (h.first..=h.last).all(|k| self.owner[k].is_none()) && !feminine(h)).collect());
        self.org_heads = resolve_overlaps(org_heads);
        for h in self.roles.iter().chain(triggers.iter()).chain(cues.iter()) {
            for b in self.busy.iter_mut().take(h.last + 1).skip(h.first) {
                *b = true;
            }
        }
        // a known given name behind و/ف starts the next name of a list (حامد الشريف وجلال محمود)
        for g in given.iter().filter(|g| !g.prefix.is_empty()) {
            self.next_name[g.first] = true;
        }
        // an organisation's head noun is not part of a person's name (… شعارات شركة)
        for h in &self.org_heads {
            self.next_name[h.first] = true;
        }
        for g in given.iter().filter(|g| g.prefix.is_empty()) {
            self.plain_given[g.first] = true;
            if !self.kb.given_names[g.form.payload as usize].ambiguous {
                self.firm_given[g.first] = true;
            }
        }
    }

    /// A word that ends a name found by pattern.
    fn is_breaker(&self, k: usize) -> bool {
        let kb = self.kb;
        let t = &self.doc.tokens[k];
        if self.next_name[k] {
            return true;
        }
        if t.kind == TokenKind::Latin {
            return false;
        }
        if t.kind != TokenKind::Word {
            return true;
        }
        let w = t.norm.as_str();
        // an ordinary word behind a proclitic (بالتحدث، لإقناعهم، ودخل) ends a name too
        NAME_BREAKERS.contains(&w)
            || kb.common.contains(w)
            || self.busy[k]
            || marsad_text::proclitic_splits(w, PROCLITICS).any(|(_, rest)| kb.role_words.contains(rest))
            // ل + the article (للتدريبات): a noun, not a name
            || w.starts_with("لل") && w.chars().count() >= 5
            // the indefinite accusative of a word (استنادا، برنامجا)
            || w.strip_suffix('ا').is_some_and(|stem| stem.chars().count() >= 3 && kb.common.contains(stem))
            || marsad_text::proclitic_splits(w, PROCLITICS).any(|(p, rest)| !p.is_empty() && rest.chars().count() >= 3 && (kb.common.contains(rest) || rest.starts_with("ال")))
            // a verb in the future (سيبقى، سيلعب، وسيتمكن): س before a common present form
            || future_verb(kb, w)
            || clitic_noun(w)
            // a plural carrying a pronoun (تداولاتها، قياداتهم)
            || ["اتها", "اتهم"].iter().any(|e| w.strip_suffix(e).is_some_and(|stem| stem.chars().count() >= 3))
            // …and so does one carrying a pronoun (مواقفهما، بلاده)
            || marsad_text::ENCLITICS.iter().any(|e| w.strip_suffix(e).is_some_and(|stem| stem.chars().count() >= 3 && (kb.common.contains(stem) || stem.strip_suffix('ت').is_some_and(|s| kb.common.contains(&format!("{s}ه"))))))
    }

    /// Inside a name, a word behind و is the next item of a list (… وحائز، … ومواطنه) unless it
    /// is a given name of its own (وجدي، وليد) or ولد; and a definite word in ة is a
    /// description following the name (المصنفة، الحائزة).
    fn inner_breaker(&self, k: usize) -> bool {
        let t = &self.doc.tokens[k];
        let w = t.norm.as_str();
        (w.starts_with('و') && w.chars().count() > 3 && w != "ولد" && !self.plain_given[k]) || (w.starts_with("ال") && w != "الله" && self.text[t.start..t.end].ends_with('ة'))
            // أمين is a given name, but after a name and before a noun it is the office
            // (محمد المريخي أمين السر، فرانكلين أمين المتحف، أمين عام)
            || w == "امين" && self.doc.tokens.get(k + 1).is_some_and(|x| x.norm.starts_with("ال") || self.kb.common.contains(x.norm.as_str()))
    }

    fn name_span(&self, j: usize, max_words: usize, definite_first: bool, latin: bool) -> usize {
        name_span(self.doc, self.text, &self.owner, &|k| self.is_breaker(k), &|k| self.inner_breaker(k), j, max_words, definite_first, latin)
    }

    /// Pass 2, organisations from head nouns: a head closed by a state within four words
    /// (وزارة الخارجية التركية، وكالة أنباء كازاخستان، مجلس النواب البحريني), a head followed by
    /// a name in quotes (فصيل "شباب السنة") or by a place (شرطة كولونيا، غرفة الرياض), the head of
    /// a company, group, outlet or school followed by a proper name (شركة ترياكي القابضة، مجموعة
    /// عبد المحسن الحكير، جامعة يال), or a definite head with a relative adjective
    /// ([`Passes::definite_org`]: التيار الصدري).
    pub fn org_heads(&mut self) {
        let (kb, doc, text, n) = (self.kb, self.doc, self.text, self.n);
        let org_heads = std::mem::take(&mut self.org_heads);
        for h in &org_heads {
            if (h.first..=h.last).any(|k| self.owner[k].is_some()) {
                continue;
            }
            let head = &kb.org_heads[h.form.payload as usize];
            // an organisation's name starts with an indefinite head in construct (شركة ترياكي،
            // وزارة الخارجية); الشركة / الوكالة refer back to one already named, unless a
            // relative adjective names it (الحزب الديمقراطي)
            if h.prefix.ends_with("ال") || doc.tokens[h.first].norm[h.prefix.len()..].starts_with("ال") {
                if head.takes_adjective {
                    self.definite_org(h, head.kind.clone());
                }
                continue;
            }
            let head_kind = head.kind.clone();
            let mut j = h.last + 1;
            let mut end_tok = None;
            let mut country = None;
            // (a) closed by a state within four words
            while j < n && j <= h.last + 4 && self.same_sentence(h.first, j) {
                if let Some(o) = self.owner[j] {
                    let m = &self.ments[o];
                    // at least one word between head and state: شركة تركية is "a Turkish
                    // company"; a head of two words is a name already (مجلس النواب البحريني)
                    if m.kind == EntityKind::Country && (j > h.last + 1 || h.last > h.first) && m.prefix.is_empty() {
                        country = m.actor.clone();
                        end_tok = Some(m.last);
                    }
                    break;
                }
                let t = &doc.tokens[j];
                if t.kind != TokenKind::Word || NAME_BREAKERS.contains(&t.norm.as_str()) || self.busy[j] {
                    break;
                }
                j += 1;
            }
            // (q) a name in quotes right after the head: فصيل "شباب السنة"، مجموعة "إكسون-موبيل"
            if end_tok.is_none() {
                end_tok = self.quoted_name(h.last + 1, h.first);
            }
            // (p) a place right after the head, in construct: شرطة كولونيا، جامعة كاليفورنيا
            if end_tok.is_none() && h.last + 1 < n {
                if let Some(o) = self.owner[h.last + 1] {
                    let m = &self.ments[o];
                    if m.kind == EntityKind::Place && m.first == h.last + 1 && m.prefix.is_empty() && head.takes_name {
                        end_tok = Some(self.feminine_tail(m.last, h.first));
                    }
                }
            }
            // (b) a proper name after the head of a company, group, outlet or school: شركة
            // ترياكي القابضة، مجموعة أورزاكس، شركة YDA، مجموعة عبد المحسن الحكير (after مركز،
            // منتدى، تحالف، بعثة comes a description, not a name)
            let first_is_nisba = doc.tokens.get(h.last + 1).is_some_and(|t| t.norm.ends_with("يه"));
            if end_tok.is_none() && head.takes_name && !first_is_nisba {
                let mut k = h.last + 1;
                let mut linked = false;
                while k < n && k <= h.last + 5 && self.owner[k].is_none() && self.same_sentence(h.first, k) && !self.is_breaker(k) && !has_tanween(text, &doc.tokens[k]) {
                    let w = doc.tokens[k].norm.as_str();
                    // a connector (عبد، بن) takes the word after it, article or not
                    if NAME_LINKS.contains(&w) && (k > h.last + 1 || matches!(w, "عبد" | "ابو")) && k + 1 < n && self.owner[k + 1].is_none() && doc.tokens[k + 1].kind == TokenKind::Word && self.same_sentence(h.first, k + 1) {
                        k += 2;
                        linked = true;
                        continue;
                    }
                    if w.starts_with("ال") {
                        // a person's name in it ends with a family name (مجموعة عبد المحسن الحكير)
                        if linked && !self.busy[k] && !self.inner_breaker(k) {
                            k += 1;
                        }
                        break;
                    }
                    k += 1;
                }
                if k > h.last + 1 {
                    end_tok = Some(self.feminine_tail(k - 1, h.first));
                }
            }
            if let Some(e) = end_tok {
                let e = if country.is_none() { self.genitive_tail(e, h.first) } else { e };
                self.push_org(h, e, head_kind, country);
            }
        }
        self.org_heads = org_heads;
    }

    /// A name ending at token `e` takes one trailing feminine adjective agreeing with its head
    /// (شركة ترياكي القابضة، جامعة طوكيو الطبية): the name's new last token.
    fn feminine_tail(&self, e: usize, first: usize) -> usize {
        let k = e + 1;
        let doc = self.doc;
        if k < self.n && self.owner[k].is_none() && doc.tokens[k].kind == TokenKind::Word && doc.tokens[k].norm.starts_with("ال") && !self.busy[k] && self.same_sentence(first, k) && doc.tokens[k].norm.chars().count() > 4 && doc.tokens[k].norm.ends_with('ه') {
            k
        } else {
            e
        }
    }

    /// A name ending at token `e` takes a genitive with ل + the article after it, and one more
    /// joined by و (مركز القدس للإعلام والاتصال، الاتحاد الدولي للصحفيين): the new last token.
    fn genitive_tail(&self, e: usize, first: usize) -> usize {
        let doc = self.doc;
        let free = |k: usize| k < self.n && self.owner[k].is_none() && !self.busy[k] && doc.tokens[k].kind == TokenKind::Word && self.same_sentence(first, k) && !has_tanween(self.text, &doc.tokens[k]);
        let w = |k: usize| doc.tokens[k].norm.as_str();
        if !(free(e + 1) && w(e + 1).starts_with("لل") && w(e + 1).chars().count() > 4) {
            return e;
        }
        if free(e + 2) && w(e + 2).starts_with("وال") && w(e + 2).chars().count() > 5 {
            e + 2
        } else {
            e + 1
        }
    }

    /// The last token of a name in quotes that opens at token `q` («…», "…", “…”): up to six
    /// words, digits or hyphens, none taken, in the sentence of token `first`.
    fn quoted_name(&self, q: usize, first: usize) -> Option<usize> {
        let doc = self.doc;
        let open = doc.tokens.get(q).filter(|t| t.kind == TokenKind::Punct)?;
        let close = match &self.text[open.start..open.end] {
            "\"" => "\"",
            "«" => "»",
            "“" => "”",
            _ => return None,
        };
        let mut k = q + 1;
        while k < doc.tokens.len() && k <= q + 7 && self.same_sentence(first, k) {
            let t = &doc.tokens[k];
            let s = &self.text[t.start..t.end];
            if s == close {
                return (k > q + 1).then_some(k);
            }
            let ok = match t.kind {
                TokenKind::Punct => s == "-",
                _ => self.owner[k].is_none(),
            };
            if !ok {
                return None;
            }
            k += 1;
        }
        None
    }

    /// Relative adjectives (matching forms) that name a body without being nisbas.
    const BODY_ADJECTIVES: &'static [&'static str] = &["العليا", "الاعلي", "العامه", "العام", "الكبري", "المركزي", "المركزيه", "الدائمه", "المشتركه", "الموحده", "المستقله"];
    /// Nisbas that describe a body as a kind of thing, not name it (الجماعة الإرهابية).
    const DESCRIBING_NISBAS: &'static [&'static str] = &["الارهابي", "الارهابيه", "المعنيه", "المعني", "الحكومي", "الحكوميه", "الاحتجاجيه", "الصحفي", "الصحفيه", "الاعلامي", "الاعلاميه", "الماضي", "الماضيه", "الحاليه", "الحالي", "التاليه", "الثانيه", "الثاني", "الثالثه", "الثالث", "الكهربايي", "الكهربائي", "الامني", "الامنيه", "الديني", "الدينيه", "الحقوقي", "الحقوقيه", "الجوي", "الجويه", "الاكاديمي", "الاكاديميه", "التنظيمي", "التنظيميه"];

    /// A definite head and one or more relative adjectives after it (التيار الصدري، الحزب
    /// الديمقراطي، اللجنة الثورية العليا، المحكمة العليا), optionally closed by a state (البنك
    /// المركزي السوداني). A state right after the head alone (الحكومة العراقية) is not a name.
    fn definite_org(&mut self, h: &Hit, kind: String) {
        let (doc, n) = (self.doc, self.n);
        // the first adjective agrees with the head (موقع الهيئة الإلكتروني: the site's)
        let feminine = doc.tokens[h.last].norm.ends_with('ه');
        let agrees = |w: &str| if feminine { w.ends_with('ه') || matches!(w, "العليا" | "الكبري") } else { !w.ends_with('ه') };
        let adjective = |k: usize| -> bool {
            let t = &doc.tokens[k];
            let w = t.norm.as_str();
            (k > h.last + 1 || agrees(w))
                && t.kind == TokenKind::Word
                && self.owner[k].is_none()
                && !self.busy[k]
                && w.starts_with("ال")
                && w.chars().count() > 4
                && !Self::DESCRIBING_NISBAS.contains(&w)
                && (w.ends_with('ي') || w.ends_with("يه") || Self::BODY_ADJECTIVES.contains(&w))
        };
        let mut k = h.last + 1;
        while k < n && k <= h.last + 3 && self.same_sentence(h.first, k) && adjective(k) {
            k += 1;
        }
        if k == h.last + 1 {
            return;
        }
        let mut e = k - 1;
        let mut country = None;
        if let Some(o) = self.owner.get(k).copied().flatten() {
            let m = &self.ments[o];
            if m.kind == EntityKind::Country && m.first == k && m.prefix.is_empty() && self.same_sentence(h.first, k) {
                country = m.actor.clone();
                e = m.last;
            }
        }
        if country.is_none() {
            e = self.genitive_tail(e, h.first);
        }
        self.push_org(h, e, kind, country);
    }

    /// Adds the organisation of head `h` ending at token `e`; a state or place inside it stays
    /// a mention of its own, but acts only through the organisation.
    fn push_org(&mut self, h: &Hit, e: usize, kind: String, country: Option<String>) {
        let (doc, text) = (self.doc, self.text);
        let t0 = &doc.tokens[h.first];
        // ل + ال is written لل (للقوات الجوية): the name keeps its lam-article, as a
        // dictionary name does
        let lam = h.form.pre == marsad_kb::matcher::Pre::Lam;
        let start = t0.start + skip_folded(&text[t0.start..t0.end], h.prefix.chars().count() - usize::from(lam));
        let m = Ment { actor: country.clone(), country, role: Some(kind), prefix: h.prefix.to_string(), ..Ment::pattern(EntityKind::Org, "org-head", h.first, e, start, doc.tokens[e].end) };
        let idx = self.ments.len();
        for k in h.first..=e {
            if let Some(o) = self.owner[k] {
                self.ments[o].part_of = Some(idx);
            }
        }
        self.push(m);
    }

    /// Pass 3, persons from role nouns: a role, an optional state, and a name no dictionary
    /// holds (وزير الخارجية التركي هاكان فيدان، نظيره الكازاخستاني يرمك كوشارباييف); a
    /// dictionary person right after a role gets the role and state.
    pub fn role_persons(&mut self) {
        let (kb, doc, text, n) = (self.kb, self.doc, self.text, self.n);
        let roles = std::mem::take(&mut self.roles);
        let role_starting_at: marsad_kb::HashMap<usize, usize> = roles.iter().enumerate().map(|(i, r)| (r.first, i)).collect();
        for r in &roles {
            let role = &kb.roles[r.form.payload as usize];
            let mut j = r.last + 1;
            let mut country: Option<String> = None;
            let mut absorbed: Vec<usize> = Vec::new();
            let mut dash = false;
            let mut role_en = role.role_en.clone();
            loop {
                if j >= n || !self.same_sentence(r.first, j) {
                    break;
                }
                let t = &doc.tokens[j];
                if let Some(o) = self.owner[j] {
                    let m = &self.ments[o];
                    match m.kind {
                        EntityKind::Country if m.prefix.is_empty() || m.how == Some(How::Name) && country.is_none() => {
                            // رئيس جمهورية أذربيجان / الرئيس التركي / سلطان عمان
                            if country.is_none() {
                                country = m.actor.clone();
                            }
                            absorbed.push(o);
                            j = m.last + 1;
                            continue;
                        }
                        EntityKind::Org if m.actor.is_some() && country.is_none() => {
                            country = m.country.clone().or(m.actor.clone());
                            absorbed.push(o);
                            j = m.last + 1;
                            continue;
                        }
                        _ => break,
                    }
                }
                if let Some(r2) = role_starting_at.get(&j).map(|&i| &roles[i]) {
                    // a second role or title: ولي العهد السعودي الأمير …
                    role_en = format!("{role_en}, {}", kb.roles[r2.form.payload as usize].role_en);
                    j = r2.last + 1;
                    continue;
                }
                if (t.is_punct("-") || t.is_punct("–") || t.is_punct("—")) && !dash {
                    dash = true;
                    j += 1;
                    continue;
                }
                if t.norm == "لدي" && j + 1 < n && self.owner[j + 1].is_some_and(|o| self.ments[o].kind == EntityKind::Country) {
                    // السفير الروسي لدى كازاخستان: the host state is not the person's
                    j = self.ments[self.owner[j + 1].unwrap_or(0)].last + 1;
                    continue;
                }
                if t.norm == "باسم" {
                    j += 1;
                    continue;
                }
                // a portfolio between the office and the state: وزير الاستثمارات والتنمية الكازاخي
                if country.is_none() && t.kind == TokenKind::Word {
                    let ahead = (j + 1..(j + 4).min(n)).take_while(|&q| doc.tokens[q].kind == TokenKind::Word && self.same_sentence(j, q)).find(|&q| self.owner[q].is_some_and(|o| self.ments[o].kind == EntityKind::Country && self.ments[o].how == Some(How::Adjective)));
                    if let Some(q) = ahead {
                        if (j..q).all(|x| self.owner[x].is_none() && !NAME_BREAKERS.contains(&doc.tokens[x].norm.as_str())) {
                            j = q;
                            continue;
                        }
                    }
                }
                break;
            }
            if j >= n || !self.same_sentence(r.first, j) {
                continue;
            }
            // a dictionary person right after the role: give it the role and state
            if let Some(o) = self.owner[j] {
                if self.ments[o].kind == EntityKind::Person {
                    let m = &mut self.ments[o];
                    if m.country.is_none() {
                        m.country = country.clone();
                        m.actor = country.clone();
                    }
                    if m.found == "kb" && kb.entities[m.entity.unwrap_or(0) as usize].roles.is_empty() {
                        m.role = Some(role_en.clone());
                    }
                    for a in absorbed {
                        self.ments[a].part_of = Some(o);
                    }
                }
                continue;
            }
            // an unknown name: words that are not ordinary vocabulary (a single word ending in ة
            // is a noun, not a name: below)
            let mut k = self.name_span(j, 4, false, true);
            // an unknown first name before a known surname is another person with that surname
            // (هاكان جاويش أوغلو is not مولود جاويش أوغلو): the words join the new name
            if k > j && k < n && self.same_sentence(j, k) {
                if let Some(o) = known_surname_at(&self.ments, &self.owner, k) {
                    k = absorb_surname(&mut self.ments, &mut self.owner, j, o);
                }
            }
            if k == j || (k == j + 1 && (doc.tokens[j].norm.ends_with('ه') || doc.tokens[j].kind == TokenKind::Latin)) {
                continue;
            }
            // a name does not start with بن (الشيخ خليفة بن حمد: خليفة is a title here too)
            if matches!(doc.tokens[j].norm.as_str(), "بن" | "ابن" | "بنت") {
                continue;
            }
            // words between a title and a known person are not a name of their own (سلطان عمان هيثم بن طارق)
            if k < n && self.owner[k].is_some_and(|o| self.ments[o].kind == EntityKind::Person && !self.ments[o].dropped) {
                continue;
            }
            let _ = text;
            let m = Ment { actor: country.clone(), country, role: Some(role_en), ..Ment::pattern(EntityKind::Person, "role", j, k - 1, doc.tokens[j].start, doc.tokens[k - 1].end) };
            let idx = self.push(m);
            for a in absorbed {
                self.ments[a].part_of = Some(idx);
            }
            if k - j >= 2 {
                self.aliases.push((doc.tokens[k - 1].norm.to_string(), idx));
            }
        }
        self.roles = roles;
    }

    /// Pass 3a, persons after a nationality adjective standing for a person (المدرب الإيطالي
    /// فابيو كابيلو، والأرجنتيني ميسي): a definite singular adjective, then name words.
    pub fn nationality_persons(&mut self) {
        let (doc, text, n) = (self.doc, self.text, self.n);
        for i in 0..self.ments.len() {
            let m = &self.ments[i];
            if m.kind != EntityKind::Country || m.how != Some(How::Adjective) || m.dropped || m.part_of.is_some() {
                continue;
            }
            let w = &doc.tokens[m.last].norm;
            let w = w.strip_prefix(m.prefix.as_str()).unwrap_or(w);
            if !(text[m.start..].starts_with("ال") && (w.ends_with('ي') || w.ends_with("يه"))) {
                continue;
            }
            // …standing alone: not after the noun it describes (الحكومة اليابانية، برشلونة الإسباني)
            // (after و it starts a new item: رونالدينيو والأرجنتيني ميسي)
            if m.first > 0 && self.same_sentence(m.first - 1, m.first) && !m.prefix.starts_with('و') {
                let p = &doc.tokens[m.first - 1];
                let pw = p.norm.as_str();
                if self.owner[m.first - 1].is_some() || pw.starts_with("ال") || marsad_text::proclitic_splits(pw, PROCLITICS).any(|(c, rest)| !c.is_empty() && rest.starts_with("ال")) {
                    continue;
                }
            }
            let j = m.last + 1;
            if j >= n || self.owner[j].is_some() || !self.same_sentence(m.last, j) {
                continue;
            }
            let k = self.name_span(j, 3, false, false);
            if k == j || (k == j + 1 && doc.tokens[j].norm.ends_with('ه')) {
                continue;
            }
            if k < n && self.owner[k].is_some_and(|o| self.ments[o].kind == EntityKind::Person && !self.ments[o].dropped) {
                continue;
            }
            let country = m.actor.clone();
            let p = Ment { actor: country.clone(), country, ..Ment::pattern(EntityKind::Person, "nationality", j, k - 1, doc.tokens[j].start, doc.tokens[k - 1].end) };
            let idx = self.push(p);
            self.ments[i].part_of = Some(idx);
            if k - j >= 2 {
                self.aliases.push((doc.tokens[k - 1].norm.to_string(), idx));
            }
        }
    }

    /// Pass 3b, persons from a known given name and the name words after it (محمد بن سلمان،
    /// أنتوني بلينكن).
    pub fn given_name_persons(&mut self, given: Vec<Hit>) {
        let (kb, doc, text, n) = (self.kb, self.doc, self.text, self.n);
        for g in resolve_overlaps(given) {
            if (g.first..=g.last).any(|k| self.owner[k].is_some() || self.busy[k]) {
                continue;
            }
            let ambiguous = kb.given_names[g.form.payload as usize].ambiguous;
            let mut k = if g.last + 1 < n && self.same_sentence(g.first, g.last + 1) { self.name_span(g.last + 1, 3, true, false) } else { g.last + 1 };
            // a known surname right after: a new person with that surname (إلهام علييف is not حيدر علييف)
            let merged = if k < n && self.same_sentence(g.first, k) { known_surname_at(&self.ments, &self.owner, k) } else { None };
            let extra = k - (g.last + 1);
            // a given name that is also a word (أمل، وسام، على→علي، أن→آن) starts a name only before
            // بن/عبد/أبو
            let linked = extra >= 1 && NAME_LINKS.contains(&doc.tokens[g.last + 1].norm.as_str());
            // …or before an unambiguous given name, the father's name of the Arabic name chain (حسن
            // يوسف، جمال حمزة), unless it is an ordinary word itself (على محمد is "on Muhammad"); two
            // ambiguous words (وسام دولت، an order) are not enough
            let first_word = doc.tokens[g.first].norm.strip_prefix(g.prefix).unwrap_or(&doc.tokens[g.first].norm);
            let chained = extra >= 1 && self.firm_given[g.last + 1] && !kb.common.contains(first_word);
            let enough = if ambiguous { linked || chained } else { extra >= 1 || merged.is_some() };
            if !enough {
                continue;
            }
            if let Some(o) = merged {
                k = absorb_surname(&mut self.ments, &mut self.owner, g.first, o);
            }
            let t0 = &doc.tokens[g.first];
            let start = t0.start + skip_folded(&text[t0.start..t0.end], g.prefix.chars().count());
            let m = Ment { prefix: g.prefix.to_string(), ..Ment::pattern(EntityKind::Person, "given-name", g.first, k - 1, start, doc.tokens[k - 1].end) };
            let idx = self.push(m);
            self.aliases.push((doc.tokens[k - 1].norm.to_string(), idx));
        }
    }

    /// The runs of tokens the tagger may still name: words no pass took (or a place the
    /// dictionary read, which a longer name may take), no role, trigger or cue, in one
    /// sentence, holding at least one word outside the common vocabulary.
    pub fn free_runs(&self) -> Vec<(usize, usize)> {
        let doc = self.doc;
        let free = |k: usize| {
            let t = &doc.tokens[k];
            matches!(t.kind, TokenKind::Word | TokenKind::Latin) && !self.busy[k] && self.owner[k].is_none_or(|o| self.ments[o].kind == EntityKind::Place || self.extensible(o))
        };
        let mut runs = Vec::new();
        let mut k = 0;
        while k < self.n {
            if !free(k) {
                k += 1;
                continue;
            }
            let a = k;
            let mut rare = false;
            while k < self.n && free(k) && self.same_sentence(a, k) {
                // (one word outside the common vocabulary is enough: no lookup after it)
                rare = rare || !self.kb.common.contains(doc.tokens[k].norm.as_str());
                k += 1;
            }
            if rare {
                runs.push((a, k));
            }
        }
        runs
    }

    /// The proclitic before a tagged name starting at token `k`, left out of its span: و/ب/ف/ك
    /// before the article (والمانيا), or و before a known given name (ووليد is و + وليد, ومحمد is
    /// و + محمد).
    fn tagged_prefix(&self, k: usize) -> &'static str {
        let w = self.doc.tokens[k].norm.as_str();
        match ["وب", "و", "ف", "ب", "ك"].into_iter().find(|p| w.strip_prefix(p).is_some_and(|r| r.starts_with("ال") && r.chars().count() >= 4)) {
            Some(p) => p,
            // و before ل + the article (وللمحكمة): the name is written للمحكمة, ل + المحكمة
            None if w.starts_with("ولل") && w.chars().count() >= 6 => "و",
            None if w.starts_with("فلل") && w.chars().count() >= 6 => "ف",
            None if w.starts_with('و') && self.next_name[k] && !self.org_heads.iter().any(|h| h.first == k) => "و",
            None => "",
        }
    }

    /// Mention `s` is one definite word read as a place or a state's adjective that ends a
    /// tagged name at token `last`: it may be a family name (الرويس، المصري).
    fn surname_like(&self, s: usize, last: usize) -> bool {
        let m = &self.ments[s];
        m.first == m.last && m.last == last && m.found == "kb" && m.prefix.is_empty() && self.doc.tokens[m.first].norm.starts_with("ال") && (m.kind == EntityKind::Place || m.kind == EntityKind::Country && m.how == Some(How::Adjective))
    }

    /// A word that ends no name: a pronoun, a function word, or the indefinite accusative of a
    /// common word (بيانا).
    fn trailing_word(&self, k: usize) -> bool {
        let w = self.doc.tokens[k].norm.as_str();
        matches!(w, "هو" | "هي" | "هم" | "هما" | "هن") || NAME_BREAKERS.contains(&w) || w.strip_suffix('ا').is_some_and(|r| r.chars().count() >= 3 && self.kb.common.contains(r)) || future_verb(self.kb, w)
    }

    /// A person a name pattern found (a role, a nationality or a given name and the words
    /// after it): the pattern stops at words it cannot vouch for (علي is also a preposition),
    /// so the tagger may read the name on (محمد علي الحوثري).
    fn extensible(&self, o: usize) -> bool {
        let m = &self.ments[o];
        m.kind == EntityKind::Person && m.found == "pattern" && !m.dropped && matches!(m.pass, "role" | "nationality" | "given-name")
    }

    /// A tagged person `t` that starts with pattern person `o` and reads on past it over free
    /// words: `o` takes the tagger's span (keeping its role and state), and its new last word
    /// finds its later mentions.
    fn extend_person(&mut self, o: usize, t: &crate::tagger::Tagged) {
        let doc = self.doc;
        let last = self.ments[o].last;
        let m = &mut self.ments[o];
        m.last = t.last;
        m.end = doc.tokens[t.last].end;
        for k in last + 1..=t.last {
            self.owner[k] = Some(o);
        }
        if self.ments[o].role.is_none() {
            self.role_after(o);
        }
        self.aliases.push((doc.tokens[t.last].norm.to_string(), o));
    }

    /// Pass 4, the tagger's names: a name the tagger found with at least [`TAGGER_MIN_SCORE`]
    /// whose tokens no earlier pass took and that holds no role, trigger or cue word. A leading
    /// proclitic stays out of the span (ولوكاشينكو → لوكاشينكو) when the word without it is
    /// still a name-length word. A person's last word becomes an alias for later mentions.
    pub fn tagged(&mut self, tagged: Vec<crate::tagger::Tagged>) {
        let (doc, text) = (self.doc, self.text);
        for mut t in tagged {
            if t.score < TAGGER_MIN_SCORE {
                continue;
            }
            // a title or role before the name is not part of it (الملك حمد بن عيسى، السيد …)
            while t.first < t.last && self.busy[t.first] && self.owner[t.first].is_none() {
                t.first += 1;
            }
            // nor is a pronoun, a function word or an accusative after it (جاريد هو المكلف،
            // أصدرت المحكمة بيانا)
            while t.first < t.last && self.trailing_word(t.last) {
                t.last -= 1;
            }
            if t.class == crate::tagger::Class::Pers {
                // a known given name behind و starts the next person of a list (رونالدو
                // وبول سكولز): the name ends before it…
                if let Some(k) = (t.first + 1..=t.last).find(|&k| self.next_name[k]) {
                    t.last = k - 1;
                }
                // …and not on a connector (الحسن بن)
                while t.first < t.last && NAME_LINKS.contains(&doc.tokens[t.last].norm.as_str()) {
                    t.last -= 1;
                }
            }
            // the tagger's longer name takes the words of places the dictionary read inside it
            // (ارلن سبيكتر is a person, not Arlon and a word); in an organisation's name the place
            // stays, as part of it (جامعة القاهرة)
            let mut inside: Vec<usize> = (t.first..=t.last).filter_map(|k| self.owner[k]).collect();
            inside.dedup();
            // a family name the dictionary read as a place or a state's adjective, last in a
            // person's name the tagger reads on (عبد العزيز بن سالم الرويس، يونس حامد المصري)
            let surname = match inside[..] {
                [o, s] if t.class == crate::tagger::Class::Pers && t.score >= TAGGER_SURNAME_SCORE && self.extensible(o) && self.ments[o].first == t.first && self.ments[o].last < self.ments[s].first && self.surname_like(s, t.last) => Some(s),
                _ => None,
            };
            if surname.is_some() {
                inside.pop();
            }
            // a person a name pattern found, read on by the tagger (محمد + علي العظمي)
            if let [o] = inside[..] {
                let m = &self.ments[o];
                let longer = m.first == t.first && m.last < t.last;
                if self.extensible(o) && longer && t.class == crate::tagger::Class::Pers && t.score >= TAGGER_EXTEND_SCORE {
                    // the words it reads on, up to the first that cannot be part of a name
                    let fits = |k: usize| {
                        let w = doc.tokens[k].norm.as_str();
                        // علي is a given name as often as a preposition; the tagger tells them apart;
                        // a word in ا after a name is most often an accusative (زكي معروفا، كافانو سببا)
                        let accusative = w.strip_suffix('ا').is_some_and(|r| r.chars().count() >= 3);
                        // and a common word (الدولي) is a description, not a surname
                        let taken = surname.is_some_and(|s| self.owner[k] == Some(s));
                        matches!(doc.tokens[k].kind, TokenKind::Word | TokenKind::Latin) && !self.busy[k] && !has_tanween(text, &doc.tokens[k]) && !accusative && (w == "علي" || taken || !self.is_breaker(k) && self.owner[k].is_none())
                    };
                    let mut last = m.last;
                    while last < t.last && fits(last + 1) {
                        last += 1;
                    }
                    // …not ending on a connector or on علي (محمد بن، محمد علي with nothing after)
                    while last > m.last && (NAME_LINKS.contains(&doc.tokens[last].norm.as_str()) || doc.tokens[last].norm == "علي" && last < t.last) {
                        last -= 1;
                    }
                    if last > m.last {
                        if let Some(s) = surname.filter(|&s| self.ments[s].last <= last) {
                            self.ments[s].dropped = true;
                            for k in self.ments[s].first..=self.ments[s].last {
                                self.owner[k] = None;
                            }
                        }
                        self.extend_person(o, &crate::tagger::Tagged { last, ..t });
                    }
                    continue;
                }
            }
            if inside.iter().any(|&o| self.extensible(o)) {
                continue;
            }
            let yields = |m: &Ment| m.kind == EntityKind::Place && m.first >= t.first && m.last <= t.last && (m.first > t.first || m.last < t.last);
            let may_take = t.score >= TAGGER_OVERRIDE_SCORE && inside.iter().all(|&o| yields(&self.ments[o]));
            if !inside.is_empty() && !may_take {
                continue;
            }
            if (t.first..=t.last).any(|k| self.busy[k]) {
                continue;
            }
            if t.class != crate::tagger::Class::Org {
                for &o in &inside {
                    self.ments[o].dropped = true;
                }
                for k in t.first..=t.last {
                    self.owner[k] = None;
                }
            }
            // a name is made of words; one starting or ending on punctuation or a digit is noise
            let word = |k: usize| matches!(doc.tokens[k].kind, TokenKind::Word | TokenKind::Latin);
            if !word(t.first) || !word(t.last) {
                continue;
            }
            if !self.tagged_name_ok(&t) {
                continue;
            }
            let t0 = &doc.tokens[t.first];
            let prefix = self.tagged_prefix(t.first);
            let start = t0.start + skip_folded(&text[t0.start..t0.end], prefix.chars().count());
            let m = Ment { found: "tagger", score: Some(t.score), prefix: prefix.to_string(), ..Ment::pattern(t.class.kind(), "tagger", t.first, t.last, start, doc.tokens[t.last].end) };
            let idx = self.push(m);
            for &o in &inside {
                if !self.ments[o].dropped {
                    self.ments[o].part_of = Some(idx);
                }
            }
            if t.class == crate::tagger::Class::Pers {
                self.role_after(idx);
                if t.last > t.first {
                    self.aliases.push((doc.tokens[t.last].norm.to_string(), idx));
                }
            }
        }
    }

    /// A tagged person followed by a role and its state or body (ألكسندر سلطانوف نائب وزير
    /// خارجية روسيا، … ديفيد بيكهام، المتحدث باسم الخارجية البريطانية): the person acts for
    /// that state, so the state's mention becomes part of the person, as in a role phrase.
    fn role_after(&mut self, idx: usize) {
        let (kb, doc, n) = (self.kb, self.doc, self.n);
        let mut j = self.ments[idx].last + 1;
        if j < n && (doc.tokens[j].is_punct("،") || doc.tokens[j].is_punct(",")) {
            j += 1;
        }
        let Some(r) = self.roles.iter().find(|r| r.first == j && self.same_sentence(r.first, self.ments[idx].last)) else { return };
        let role_en = kb.roles[r.form.payload as usize].role_en.clone();
        // the state or body within four words of the role (وزير خارجية روسيا، باسم الخارجية البريطانية)
        let mut k = r.last + 1;
        while k < n && k <= r.last + 4 && self.same_sentence(k, j) {
            if let Some(o) = self.owner[k] {
                let m = &self.ments[o];
                let actor = match m.kind {
                    EntityKind::Country if m.part_of.is_none() => m.actor.clone(),
                    EntityKind::Org if m.part_of.is_none() => m.country.clone().or(m.actor.clone()),
                    _ => None,
                };
                // …unless a name follows: then the role is that name's (الحريري، الرئيس الروسي،
                // فلاديمير بوتين)
                let mut q = m.last + 1;
                if q < n && (doc.tokens[q].is_punct("،") || doc.tokens[q].is_punct(",")) {
                    q += 1;
                }
                let person_near = (q..(q + 3).min(n)).any(|x| self.same_sentence(x, k) && self.owner[x].is_some_and(|o| self.ments[o].kind == EntityKind::Person && !self.ments[o].dropped));
                if person_near || q < n && self.plain_given[q] {
                    return;
                }
                if let Some(a) = actor {
                    self.ments[o].part_of = Some(idx);
                    let p = &mut self.ments[idx];
                    p.country = Some(a.clone()).filter(|c| !c.contains(':'));
                    p.actor = Some(a);
                    p.role = Some(role_en);
                }
                return;
            }
            let t = &doc.tokens[k];
            if t.kind != TokenKind::Word || NAME_BREAKERS.contains(&t.norm.as_str()) && t.norm != "في" {
                return;
            }
            k += 1;
        }
    }

    /// The checks a tagged name must pass (the tagger reads words; these are what the
    /// dictionary and the name patterns know about them):
    /// - no word carries a case ending (ودياً) — a name has none;
    /// - a single word is not one a name pattern would stop at (common words, a word behind a
    ///   proclitic, the indefinite accusative بحريا), and not a given name alone (جون، محمد: the
    ///   rest of the name is elsewhere or the reading is a word);
    /// - a single word needs [`TAGGER_SINGLE_SCORE`], a single definite word (العربي، الكيماوي)
    ///   [`TAGGER_DEFINITE_SCORE`]: most are nouns and adjectives, few are surnames (المالكي);
    /// - a place needs [`TAGGER_PLACE_SCORE`]: every state and most places are in the
    ///   dictionary, so an unknown "place" is more often a word or a person;
    /// - a person is not right beside another person (فلاديمير before بوتين is part of his name).
    pub fn tagged_name_ok(&self, t: &crate::tagger::Tagged) -> bool {
        let doc = self.doc;
        if (t.first..=t.last).any(|k| has_tanween(self.text, &doc.tokens[k])) {
            return false;
        }
        let single = t.first == t.last;
        let w = doc.tokens[t.first].norm.as_str();
        if single && (self.is_breaker(t.first) || self.plain_given[t.first] || self.next_name[t.first]) {
            return false;
        }
        if single && (t.score < TAGGER_SINGLE_SCORE || w.starts_with("ال") && t.score < TAGGER_DEFINITE_SCORE) {
            return false;
        }
        if t.class == crate::tagger::Class::Loc && t.score < TAGGER_PLACE_SCORE {
            return false;
        }
        // a person a prize, a place or a building is named after is no person mention here
        // (جائزة نوبل، مطار بنظير بوتو)
        if t.class == crate::tagger::Class::Pers && t.first > 0 && self.same_sentence(t.first - 1, t.first) {
            let before = doc.tokens[t.first - 1].norm.as_str();
            if marsad_text::proclitic_splits(before, marsad_text::PROCLITICS).any(|(_, rest)| NAMED_AFTER.contains(&rest)) {
                return false;
            }
        }
        let person_at = |k: usize| self.owner[k].is_some_and(|o| self.ments[o].kind == EntityKind::Person && !self.ments[o].dropped) && self.same_sentence(k, t.first);
        if t.class == crate::tagger::Class::Pers && (t.first > 0 && person_at(t.first - 1) || t.last + 1 < self.n && person_at(t.last + 1)) {
            return false;
        }
        true
    }

    /// Pass 5, later short mentions of names found by pattern or tagger (فيدان، لكازيخانوف):
    /// one pass over the tokens.
    pub fn aliases(&mut self) {
        let (kb, doc, text, n) = (self.kb, self.doc, self.text, self.n);
        let aliases = std::mem::take(&mut self.aliases);
        let mut by_alias: marsad_kb::HashMap<&str, usize> = marsad_kb::HashMap::default();
        for (alias, src) in &aliases {
            // the last word of a compound (عبد السلام، آل بركة، بن حمد) is no name by itself
            let m = &self.ments[*src];
            if m.last > m.first && matches!(doc.tokens[m.last - 1].norm.as_str(), "عبد" | "ابو" | "بن" | "ابن" | "بنت" | "ال" | "ام") {
                continue;
            }
            if alias.chars().count() >= 4 && !kb.common.contains(alias.as_str()) {
                by_alias.entry(alias.as_str()).or_insert(*src);
            }
        }
        if by_alias.is_empty() {
            return;
        }
        // a word can hold an alias only if it ends with an alias's last letter (most words do
        // not: this check is what keeps the pass cheap once the tagger adds names everywhere)
        let mut last_letters: Vec<char> = by_alias.keys().filter_map(|a| a.chars().last()).collect();
        last_letters.sort_unstable();
        last_letters.dedup();
        let shortest = by_alias.keys().map(|a| a.len()).min().unwrap_or(0);
        for k in 0..n {
            if self.owner[k].is_some() || self.busy[k] || doc.tokens[k].kind != TokenKind::Word {
                continue;
            }
            let w = &doc.tokens[k].norm;
            if w.len() < shortest || !w.chars().next_back().is_some_and(|c| last_letters.contains(&c)) {
                continue;
            }
            let Some((p, src)) = marsad_text::proclitic_splits(w, PROCLITICS).find_map(|(p, rest)| by_alias.get(rest).map(|&s| (p, s))) else { continue };
            let t = &doc.tokens[k];
            let start = t.start + skip_folded(&text[t.start..t.end], p.chars().count());
            let s = &self.ments[src];
            let m = Ment { first: k, last: k, start, end: t.end, found: "alias", pass: "alias", prefix: p.to_string(), part_of: None, dropped: false, ..s.clone() };
            self.push(m);
        }
    }

    /// What the event pass needs: mentions, owners, triggers outside names, places by sentence.
    pub fn finish(self, triggers: Vec<Hit>, cues: Vec<Hit>) -> Recognition {
        let Passes { doc, ments, owner, roles, .. } = self;
        // triggers inside a name are part of the name (مجلس التعاون)
        let triggers = triggers.into_iter().filter(|h| (h.first..=h.last).all(|k| owner[k].is_none())).collect();
        let mut places_by_sentence = vec![Vec::new(); doc.sentences.len()];
        let mut order: Vec<usize> = (0..ments.len()).filter(|&i| ments[i].kind == EntityKind::Place && !ments[i].dropped).collect();
        order.sort_by_key(|&i| ments[i].first);
        for i in order {
            if let Some(v) = places_by_sentence.get_mut(doc.tokens[ments[i].first].sentence) {
                v.push(i);
            }
        }
        let role_ending_at = roles.iter().enumerate().map(|(i, r)| (r.last, i)).collect();
        // cues in text order: events look up the few near each trigger by binary search
        let mut cues = cues;
        cues.sort_by_key(|c| (c.first, c.last));
        Recognition { ments, owner, triggers, cues, roles, places_by_sentence, role_ending_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::{Class, Model, Tagged};
    use std::sync::OnceLock;

    fn kb() -> &'static Kb {
        static K: OnceLock<Kb> = OnceLock::new();
        K.get_or_init(|| Kb::embedded().expect("embedded KB loads"))
    }

    fn model() -> &'static Model {
        static M: OnceLock<Model> = OnceLock::new();
        M.get_or_init(|| Model::embedded().expect("embedded NER model loads"))
    }

    /// `pass:KIND:text` of every mention recognition keeps.
    fn found(text: &str, tagger: bool) -> Vec<String> {
        let doc = marsad_text::analyze(text);
        let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
        let rec = recognise(kb(), &doc, text, layers, None, tagger.then(model));
        rec.ments.iter().filter(|m| !m.dropped).map(|m| format!("{}:{}:{}", m.pass, m.kind.as_str(), &text[m.start..m.end])).collect()
    }

    /// One table per pass: (sentence, mentions that pass must give as `pass:KIND:text`).
    const PASSES: &[(&str, &[&str])] = &[
        // dictionary hits: names, adjectives, places
        ("زار أردوغان موسكو أمس", &["dictionary:PERSON:أردوغان", "dictionary:PLACE:موسكو"]),
        ("وقال وزير الخارجية التركي هاكان فيدان إن", &["dictionary:COUNTRY:التركي", "dictionary:PERSON:هاكان فيدان"]),
        // organisations from head nouns
        ("وقالت شركة ترياكي القابضة إن أرباحها زادت", &["org-head:ORG:شركة ترياكي القابضة"]),
        ("أعلنت وزارة الزراعة الموريتانية أمس", &["org-head:ORG:وزارة الزراعة الموريتانية"]),
        // ل + ال: the name keeps its lam-article
        ("طائرتين عسكريتين تابعتان للقوات الجوية السودانية صباح الأربعاء", &["org-head:ORG:للقوات الجوية السودانية"]),
        // a head of two words closed by a state right after it
        ("وصوت مجلس الشيوخ الإيطالي على القانون", &["org-head:ORG:مجلس الشيوخ الإيطالي"]),
        // a name in quotes after the head
        ("وتبنى فصيل \"أحرار الجبل\" الهجوم", &["org-head:ORG:فصيل \"أحرار الجبل\""]),
        ("وأعلنت جماعة «أنصار الحق» مسؤوليتها", &["org-head:ORG:جماعة «أنصار الحق»"]),
        // a place right after a head that takes a name, and a feminine adjective after it
        ("وقالت شرطة برلين إن المشتبه به فر", &["org-head:ORG:شرطة برلين"]),
        ("ودرس في جامعة القاهرة ثم سافر", &["org-head:ORG:جامعة القاهرة"]),
        ("وكشفت جامعة طوكيو الطبية عن التلاعب", &["org-head:ORG:جامعة طوكيو الطبية"]),
        // a proper name after a head that takes one; a person's name in it keeps its family name
        ("وتخرج من جامعة هارفارد عام", &["org-head:ORG:جامعة هارفارد"]),
        ("وقع إطلاق النار في مدرسة جون آدمز الثانوية في المدينة", &["org-head:ORG:مدرسة جون آدمز الثانوية"]),
        ("وأعلنت مجموعة عبد الله العثيم عن أرباحها", &["org-head:ORG:مجموعة عبد الله العثيم"]),
        // a genitive with ل + the article after the name
        ("وقال معهد بيروت للدراسات والأبحاث إن", &["org-head:ORG:معهد بيروت للدراسات والأبحاث"]),
        // a definite head with relative adjectives, closed by a state or not
        ("وفاز الحزب الديمقراطي المسيحي بالانتخابات", &["org-head:ORG:الحزب الديمقراطي المسيحي"]),
        ("وخفض البنك المركزي الأردني سعر الفائدة", &["org-head:ORG:البنك المركزي الأردني"]),
        ("وأيدت المحكمة العليا الحكم", &["org-head:ORG:المحكمة العليا"]),
        ("وأدان الاتحاد الدولي للصحفيين الاعتداء", &["org-head:ORG:الاتحاد الدولي للصحفيين"]),
        // persons from role nouns
        ("وقال الباحث ريكس تليرسون للصحفيين إن الاتفاق صعب", &["role:PERSON:ريكس تليرسون"]),
        // a given name is not a state under a proclitic (كلاوس is Klaus, not ك + Laos)
        ("وقال كلاوس فيبر إن القطار تأخر", &["given-name:PERSON:كلاوس فيبر"]),
        // persons after a nationality standing for a person
        ("وسجل المهاجم والأرجنتيني ليونيل ميسي في المباراة", &["nationality:PERSON:ليونيل ميسي"]),
        // a noun behind a proclitic ends a name: a verbal noun, a word with a pronoun
        ("وقال القاضي بريت كافانو بتعرية الحقائق", &["role:PERSON:بريت كافانو"]),
        // أمين after a name and before a noun is the office, not part of the name
        ("وأكد في اتصاله مع اللاعب محمد مقلد المريخي أمين السر العام", &["role:PERSON:محمد مقلد المريخي"]),
        // a verb in the future ends a name (سيبقى is س + يبقى)
        ("وأكد النادي أن سيرخيو راموس سيبقى في الفريق", &["given-name:PERSON:سيرخيو راموس"]),
        // a nickname or a leader introduced after a name is not part of it
        ("وقال الباحث حسين النقعي المكنى أبو علي إن", &["role:PERSON:حسين النقعي"]),
        ("وقال الباحث ريكس تليرسون المعروف بمواقفه إن", &["role:PERSON:ريكس تليرسون"]),
        // aliases: a later short mention of a name found by pattern
        ("وقال الباحث ريكس تليرسون للصحفيين إن الاتفاق صعب. وأضاف تليرسون أن", &["role:PERSON:ريكس تليرسون", "alias:PERSON:تليرسون"]),
    ];

    /// Words after a role noun (or an organisation's head) that are no name: no person at all
    /// (nor organisation).
    const NOT_PERSONS: &[&str] = &[
        // محافظة is a governorate, not محافظ + ه
        "واتهم وكيل محافظة إب المسلحين",
        "نشرت مناشدة ذوي امرأة بمحافظة تثليث الجهات المختصة",
        "وأكد الرئيس بفرضها قيودا جديدة",
        "وطالب الوزير بتغيير القانون",
        "ودعا المواطنين وترسيخ القيم",
        "وأشاد الحاكم ومسؤوليها بالجهود",
        "بعد أن أنهت أسهم 123 شركة تداولاتها الأسبوع الماضي",
    ];

    /// A one-word organisation that is also a common noun, read as the noun: (sentence, is the
    /// organisation found).
    const NOUN_ORGS: &[(&str, bool)] = &[
        ("يجب أن تشكل القاعدة السياسية لأي وقف لإطلاق النار", false),
        ("المعتقلين في القاعدة الأميركية في كوبا", false),
        ("وحده الرئيس شذ عن هذه القاعدة واعتمد سياسة", false),
        ("القاعدة تدعو أميركا والعالم إلى", true),
        // a feminine adjective agrees only with a feminine noun: الحوثيين is the Houthis
        ("وحملت النقابة الحوثيين المسؤولية الكاملة", true),
        ("إن أنصار شبكة القاعدة بزعامة أسامة بن لادن", true),
        // the adjective is the members' (عناصر … المختبئة)
        ("لم يكن له أي دور في ترتيب ملف عناصر القاعدة المختبئة حاليا في ايران", true),
    ];

    #[test]
    fn a_one_word_organisation_used_as_a_noun_is_no_organisation() {
        for &(text, org) in NOUN_ORGS {
            let got = found(text, false);
            assert_eq!(got.iter().any(|g| g.contains(":ORG:")), org, "«{text}»: {got:?}");
        }
    }

    /// A head noun followed by words that do not name it: no organisation from the head.
    const NOT_HEAD_ORGS: &[&str] = &[
        // the adjective does not agree with the head: it is the site's (موقع … الإلكتروني)
        "في بيان على موقع الهيئة الإلكتروني أمس",
        // a state right after a definite head is "the Jordanian government", no name
        "وقالت الحكومة الأردنية إن",
        // an adjective that says what kind of body it is, not which
        "وهددت الجماعة الإرهابية بشن هجمات",
        "وانقطع التيار الكهربائي عن المدينة",
        // الشركة refers back to a company already named
        "وقالت الشركة إنها ستبيع الأسهم",
        // a place after a head that takes no name: the administration of a region
        "وتتولى إدارة قطاع غزة المدارس",
    ];

    #[test]
    fn a_head_noun_before_words_that_do_not_name_it_is_no_organisation() {
        for text in NOT_HEAD_ORGS {
            let got = found(text, false);
            assert!(!got.iter().any(|g| g.starts_with("org-head:")), "«{text}»: {got:?}");
        }
    }

    /// A state read inside a dictionary organisation's name stays a state mention.
    #[test]
    fn a_state_inside_a_known_organisation_stays_a_state() {
        let text = "وارتفع سهم شركة الاتصالات السعودية أمس";
        let doc = marsad_text::analyze(text);
        let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
        let rec = recognise(kb(), &doc, text, layers, None, None);
        let org = rec.ments.iter().position(|m| m.kind == EntityKind::Org).expect("the organisation");
        let state = rec.ments.iter().find(|m| m.kind == EntityKind::Country).expect("the state");
        assert_eq!((state.actor.as_deref(), state.part_of), (Some("SAU"), Some(org)));
    }

    /// A family name the dictionary read as a place, last in a name the tagger reads on from a
    /// role's person: (sentence, the person, the place that must be gone).
    const PLACE_SURNAMES: &[(&str, &str, &str)] = &[("وقال الدكتور سالم بن خالد الرويس في بيان", "role:PERSON:سالم بن خالد الرويس", "dictionary:PLACE:الرويس")];

    #[test]
    fn a_family_name_read_as_a_place_stays_in_the_persons_name() {
        for &(text, person, place) in PLACE_SURNAMES {
            let got = found(text, true);
            assert!(got.iter().any(|g| g == person) && !got.iter().any(|g| g == place), "«{text}»: {got:?}");
        }
    }

    /// The tail of a compound is no name by itself: (sentence, a person that must not be found).
    const NOT_TAILS: &[(&str, &str)] = &[
        // not a later mention of صلاح عبد السلام
        ("وأوقف الأمن صلاح عبد السلام أمس. وتقيم عائلة عبد السلام في المدينة", "alias:PERSON:السلام"),
        // not a name after the title خليفة
        ("كشف تفاصيل عزل الشيخ خليفة بن حمد في قصره", "role:PERSON:بن حمد"),
    ];

    #[test]
    fn the_tail_of_a_compound_is_no_name() {
        for &(text, not) in NOT_TAILS {
            let got = found(text, false);
            assert!(!got.iter().any(|g| g == not), "«{text}»: {got:?}");
        }
    }

    #[test]
    fn ordinary_words_after_a_role_are_no_person() {
        for text in NOT_PERSONS {
            let got = found(text, false);
            assert!(!got.iter().any(|g| g.contains(":PERSON:") || g.starts_with("org-head:")), "«{text}»: {got:?}");
        }
    }

    #[test]
    fn each_pass_finds_its_names() {
        for (text, want) in PASSES {
            let got = found(text, false);
            for w in *want {
                assert!(got.iter().any(|g| g == w), "«{text}»: expected {w}, got {got:?}");
            }
        }
    }

    /// A person the knowledge base knows by a form that opens with a title or office: the name
    /// recognition gives starts after it (sentence, the person as `pass:KIND:text`).
    const TITLED: &[(&str, &str)] = &[
        ("واستقبل الشيخ حمد بن خليفة الوفد", "dictionary:PERSON:حمد بن خليفة"),
        ("وقال المشير خليفة حفتر إن قواته تتقدم", "dictionary:PERSON:خليفة حفتر"),
        // no title in the form: the name as found
        ("زار أردوغان موسكو أمس", "dictionary:PERSON:أردوغان"),
    ];

    #[test]
    fn titles_are_not_part_of_a_known_persons_name() {
        for &(text, want) in TITLED {
            let got = found(text, false);
            let persons: Vec<&String> = got.iter().filter(|g| g.contains(":PERSON:")).collect();
            assert_eq!(persons, vec![want], "«{text}»: {got:?}");
        }
    }

    /// The tagger pass: names no dictionary or pattern holds (sentences written for this test).
    const TAGGED: &[(&str, &[&str])] = &[
        ("وصل ديفيد بيكهام إلى مدريد أمس", &["tagger:PERSON:ديفيد بيكهام", "dictionary:PLACE:مدريد"]),
        ("وصرح جوناثان كونريكوس للصحفيين في المؤتمر", &["tagger:PERSON:جوناثان كونريكوس"]),
        // a role after the name gives the person its state (as a role before it does)
        ("وأجرى ألكسندر سلطانوف نائب وزير خارجية روسيا محادثات في دمشق", &["tagger:PERSON:ألكسندر سلطانوف"]),
        // …and its later short mentions (as an alias or tagged again)
        ("وصل ديفيد بيكهام إلى مدريد أمس. وقال بيكهام إن", &["tagger:PERSON:ديفيد بيكهام", "*:PERSON:بيكهام"]),
    ];

    #[test]
    fn the_tagger_adds_names_the_dictionary_does_not_know() {
        for (text, want) in TAGGED {
            let got = found(text, true);
            for w in *want {
                let ok = match w.strip_prefix('*') {
                    Some(rest) => got.iter().any(|g| g.ends_with(rest) && (g.starts_with("alias:") || g.starts_with("tagger:"))),
                    None => got.iter().any(|g| g == w),
                };
                assert!(ok, "«{text}»: expected {w}, got {got:?}");
            }
            // without the tagger none of them is found
            let off = found(text, false);
            assert!(!off.iter().any(|g| g.starts_with("tagger:")), "{off:?}");
        }
    }

    #[test]
    fn a_role_after_a_tagged_person_gives_its_state() {
        let text = "وأجرى ألكسندر سلطانوف نائب وزير خارجية روسيا محادثات في دمشق";
        let doc = marsad_text::analyze(text);
        let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
        let rec = recognise(kb(), &doc, text, layers, None, Some(model()));
        let p = rec.ments.iter().find(|m| m.pass == "tagger").expect("a tagged person");
        assert_eq!((p.actor.as_deref(), p.country.as_deref()), (Some("RUS"), Some("RUS")), "{p:?}");
        let rus = rec.ments.iter().position(|m| &text[m.start..m.end] == "روسيا").unwrap();
        assert_eq!(rec.ments[rus].part_of, rec.ments.iter().position(|m| m.pass == "tagger"));
    }

    #[test]
    fn a_role_before_another_name_is_not_the_tagged_persons() {
        // a given name, or a known person within three words, after the role
        for text in ["والتقى ديفيد بيكهام، الرئيس الروسي، فلاديمير بوتين في موسكو", "والتقى ديفيد بيكهام، الرئيس الروسي، فلاديمير #بوتين في موسكو"] {
        let doc = marsad_text::analyze(text);
        let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
        let rec = recognise(kb(), &doc, text, layers, None, Some(model()));
        let tagged: Vec<&Ment> = rec.ments.iter().filter(|m| m.pass == "tagger").collect();
        assert!(!tagged.is_empty(), "«{text}»: the test needs a tagged name");
        for m in tagged {
            assert_eq!(m.actor, None, "{}", &text[m.start..m.end]);
        }
        }
    }

    #[test]
    fn the_tagger_never_takes_what_the_dictionary_knows() {
        // every token of these is the dictionary's or a pattern's: the tagger adds nothing
        for text in ["زار أردوغان موسكو أمس", "وقال وزير الخارجية التركي هاكان فيدان إن"] {
            let got = found(text, true);
            assert!(!got.iter().any(|g| g.starts_with("tagger:")), "«{text}»: {got:?}");
            assert_eq!(got, found(text, false), "«{text}»");
        }
    }

    /// The checks on a tagged name, with spans given by hand: (sentence, first token, last
    /// token, class, score, kept).
    const CHECKS: &[(&str, usize, usize, Class, f32, bool)] = &[
        ("وصل ديفيد بيكهام إلى مدريد", 1, 2, Class::Pers, 0.9, true),
        // below the least score
        ("وصل ديفيد بيكهام إلى مدريد", 1, 2, Class::Pers, 0.4, false),
        // a word with a case ending is no name
        ("لعب الفريق وديًا أمس", 2, 2, Class::Org, 0.99, false),
        // a prize or a place named after a person: no person mention
        ("لتنال جائزة نوبل للسلام", 2, 2, Class::Pers, 0.99, false),
        ("وخرجت من مطار بنظير بوتو الدولي", 3, 4, Class::Pers, 0.99, false),
        // a given name alone
        ("وقال جون للصحفيين", 1, 1, Class::Pers, 0.99, false),
        // a single definite word needs a high score
        ("وقال الكيماوي إن", 1, 1, Class::Pers, 0.7, false),
        ("وقال الكيماوي إن", 1, 1, Class::Pers, 0.95, true),
        // an unknown place needs a high score
        ("وصلوا إلى سوفولك أمس", 2, 2, Class::Loc, 0.8, false),
        ("وصلوا إلى سوفولك أمس", 2, 2, Class::Loc, 0.95, true),
        // a dictionary name is never the tagger's
        ("زار أردوغان موسكو أمس", 1, 1, Class::Pers, 0.99, false),
        // a person right before a dictionary person is part of his name
        ("التقى فلاديمير بوتين أمس", 1, 1, Class::Pers, 0.99, false),
        // a name after a role noun is the role pattern's, with its role
        ("وقال السيناتور ديفيد بيكهام إن", 1, 3, Class::Pers, 0.9, false),
        // a pronoun or an accusative after the name is left out, and one word is left that
        // needs a single word's score
        ("قال إن سكرولي هو المكلف بالملف", 2, 3, Class::Pers, 0.6, false),
        ("قال إن سكرولي هو المكلف بالملف", 2, 3, Class::Pers, 0.9, true),
        ("أصدرت المحكمة بيانا بعد كلمته", 1, 2, Class::Org, 0.66, false),
    ];

    /// A person a name pattern found, read on by the tagger: (sentence, the tagger's person
    /// as tokens first..=last and score, the person recognition keeps as `pass:text`).
    const EXTENDED: &[(&str, usize, usize, f32, &str)] = &[
        // the given-name pattern stops at علي (also a preposition); the tagger reads on
        ("حضر السيد محمد علي الحوثري الاجتماع", 2, 4, 0.9, "role:محمد علي الحوثري"),
        ("وقال الوزير محمد علي الحوثري إن", 2, 4, 0.9, "role:محمد علي الحوثري"),
        // the role the tagger's span starts with is left out, as for any tagged name
        ("وقال الوزير محمد علي الحوثري إن", 1, 4, 0.9, "role:محمد علي الحوثري"),
        // below the least score the pattern's name stays as it was
        ("حضر السيد محمد علي الحوثري الاجتماع", 2, 4, 0.6, "role:محمد"),
        // an accusative after the name is no part of it (كان الفريق زكي معروفا)
        ("وكان الفريق زكي معروفا منذ ذلك", 2, 3, 0.9, "role:زكي"),
        // a role or function word inside the tagger's span: no extension
        ("حضر السيد محمد في صنعاء", 2, 3, 0.9, "role:محمد"),
        // a common word after the name describes it (مطار بنظير بوتو الدولي)
        ("حضر السيد محمد علي الحوثري الدولي الاجتماع", 2, 5, 0.9, "role:محمد علي الحوثري"),
    ];

    #[test]
    fn the_tagger_reads_on_a_pattern_person() {
        for &(text, first, last, score, want) in EXTENDED {
            let doc = marsad_text::analyze(text);
            let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
            let (mut p, _, _) = untagged(kb(), &doc, text, layers, None);
            // the pattern person's tokens are open to the tagger
            let o = p.ments.iter().position(|m| m.kind == EntityKind::Person).unwrap_or_else(|| panic!("«{text}»: no pattern person"));
            assert!(p.free_runs().iter().any(|&(a, b)| a <= p.ments[o].first && p.ments[o].last < b), "«{text}»: {:?}", p.free_runs());
            p.tagged(vec![Tagged { first, last, class: Class::Pers, score }]);
            let got: Vec<String> = p.ments.iter().filter(|m| m.kind == EntityKind::Person && !m.dropped).map(|m| format!("{}:{}", m.pass, &text[m.start..m.end])).collect();
            assert_eq!(got, vec![want.to_string()], "«{text}» {first}..={last} {score}");
        }
    }

    /// What a kept tagged name reads as: (sentence, tokens, class, the mention's text).
    const PREFIXES: &[(&str, usize, usize, Class, &str)] = &[
        ("وقال ديفيد بيكهام إن", 1, 2, Class::Pers, "ديفيد بيكهام"),
        // و before ل + the article: the name as ل + article writes it (للمحكمة, ل + المحكمة)
        ("وللمحكمة العليا القول الفصل", 0, 1, Class::Org, "للمحكمة العليا"),
        // a person ends before a known given name behind و, and not on a connector
        ("ويعتمد على رونالدو وبول سكولز في الوسط", 2, 4, Class::Pers, "رونالدو"),
        ("وقال ديفيد بيكهام أبو الأطفال الثلاثة", 1, 3, Class::Pers, "ديفيد بيكهام"),
        // a verb in the future after the name is left out of it (سيبقى: س + يبقى)
        ("وقال إن ديفيد بيكهام سيبقى في الفريق", 2, 4, Class::Pers, "ديفيد بيكهام"),
    ];

    #[test]
    fn tagged_names_leave_their_proclitics_out() {
        for &(text, first, last, class, want) in PREFIXES {
            let doc = marsad_text::analyze(text);
            let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
            let Layers { entities, triggers, roles, org_heads, cues, given } = layers;
            let mut p = Passes::new(kb(), &doc, text, None);
            p.dictionary(entities, &roles, &given);
            p.cues(roles, org_heads, &triggers, &cues, &given);
            p.tagged(vec![Tagged { first, last, class, score: 0.99 }]);
            let got: Vec<&str> = p.ments.iter().filter(|m| m.pass == "tagger").map(|m| &text[m.start..m.end]).collect();
            assert_eq!(got, vec![want], "«{text}»");
        }
    }

    #[test]
    fn tagged_names_pass_the_checks() {
        for &(text, first, last, class, score, kept) in CHECKS {
            let doc = marsad_text::analyze(text);
            let layers = split_layers(kb().matcher.find(&marsad_kb::Haystack::new(&doc.tokens)));
            let (mut p, _, _) = untagged(kb(), &doc, text, layers, None);
            let before = p.ments.len();
            p.tagged(vec![Tagged { first, last, class, score }]);
            let added: Vec<&Ment> = p.ments[before..].iter().filter(|m| m.pass == "tagger").collect();
            assert_eq!(!added.is_empty(), kept, "«{text}» tokens {first}..={last} {class:?} {score}: {:?}", p.ments.iter().map(|m| &text[m.start..m.end]).collect::<Vec<_>>());
            if let Some(m) = added.first() {
                assert_eq!(m.kind, class.kind());
                assert_eq!(m.score, Some(score));
                assert_eq!(m.found, "tagger");
            }
        }
    }
}
