//! Recognition: actors and places in a document.
//!
//! **In:** the analysed document and the dictionary hits of the knowledge base.
//! **Out:** [`Ment`]s — countries (names, adjectives, peoples), organisations, persons and
//! places — with token ranges, actor codes and how each was found:
//! 1. dictionary hits, longest first; a guarded short form (a surname that is also a word)
//!    only after a full mention of the same person;
//! 2. organisations from a head noun (شركة، وكالة، وزارة…) followed by a proper name or closed
//!    by a state (وزارة الخارجية التركية، وكالة أنباء كازاخستان);
//! 3. persons from a role noun, an optional state, and a name no dictionary holds
//!    (وزير الخارجية التركي هاكان فيدان، نظيره الكازاخستاني يرمك كوشارباييف);
//! 4. later short mentions of those persons (فيدان، لكازيخانوف).

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
}

impl Ment {
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
    }
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

/// Function words that end a name found by pattern (matching form), besides `common_words`.
const NAME_BREAKERS: &[&str] = &["في", "من", "الي", "علي", "عن", "مع", "ان", "انه", "التي", "الذي", "الذين", "خلال", "بعد", "قبل", "حول", "او", "ثم", "لدي", "عند", "منذ", "حتي", "بين", "اليوم", "امس", "قال", "قالت", "يوم"];
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

/// `date` (ISO) is the article's reference date, used to pick a person's role at the time.
pub fn recognise(kb: &Kb, doc: &Doc, text: &str, layers: Layers, date: Option<&str>) -> Recognition {
    let n = doc.tokens.len();
    // 1. dictionary entities
    let (guarded, plain): (Vec<Hit>, Vec<Hit>) = layers.entities.into_iter().partition(|h| kb.entity_forms[h.form.payload as usize].1 == How::GuardedShort);
    // a name carries no case ending: سوقًا is "a market", not Suga
    let plain = resolve_overlaps(plain.into_iter().filter(|h| !(h.first..=h.last).any(|k| has_tanween(text, &doc.tokens[k]))).collect());
    let mut ments: Vec<Ment> = plain.iter().map(|h| ment_from_kb(kb, doc, text, h, date)).collect();
    let mut owner: Vec<Option<usize>> = vec![None; n];
    let mark = |owner: &mut Vec<Option<usize>>, m: &Ment, i: usize| {
        for o in owner.iter_mut().take(m.last + 1).skip(m.first) {
            *o = Some(i);
        }
    };
    for (i, m) in ments.iter().enumerate() {
        mark(&mut owner, m, i);
    }
    let known: std::collections::HashSet<u32> = ments.iter().filter_map(|m| m.entity).collect();
    for h in resolve_overlaps(guarded) {
        let (e, _) = kb.entity_forms[h.form.payload as usize];
        if known.contains(&e) && (h.first..=h.last).all(|k| owner[k].is_none()) {
            let m = ment_from_kb(kb, doc, text, &h, date);
            mark(&mut owner, &m, ments.len());
            ments.push(m);
        }
    }

    let roles = resolve_overlaps(layers.roles.into_iter().filter(|h| (h.first..=h.last).all(|k| owner[k].is_none())).collect());
    let org_heads = resolve_overlaps(layers.org_heads);
    let mut busy = vec![false; n]; // tokens taken by a role, trigger or cue: never part of a new name
    for h in roles.iter().chain(layers.triggers.iter()).chain(layers.cues.iter()) {
        for b in busy.iter_mut().take(h.last + 1).skip(h.first) {
            *b = true;
        }
    }
    // a known given name behind و/ف starts the next name of a list (حامد الشريف وجلال محمود)
    let mut next_name = vec![false; n];
    for g in layers.given.iter().filter(|g| !g.prefix.is_empty()) {
        next_name[g.first] = true;
    }
    // an organisation's head noun is not part of a person's name (… شعارات شركة)
    for h in &org_heads {
        next_name[h.first] = true;
    }
    let is_breaker = |k: usize| {
        let t = &doc.tokens[k];
        if next_name[k] {
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
            || busy[k]
            || marsad_text::proclitic_splits(w, PROCLITICS).any(|(_, rest)| kb.role_words.contains(rest))
            // ل + the article (للتدريبات): a noun, not a name
            || w.starts_with("لل") && w.chars().count() >= 5
            // the indefinite accusative of a word (استنادا، برنامجا)
            || w.strip_suffix('ا').is_some_and(|stem| stem.chars().count() >= 3 && kb.common.contains(stem))
            || marsad_text::proclitic_splits(w, PROCLITICS).any(|(p, rest)| !p.is_empty() && rest.chars().count() >= 3 && (kb.common.contains(rest) || rest.starts_with("ال")))
            // …and so does one carrying a pronoun (مواقفهما، بلاده)
            || marsad_text::ENCLITICS.iter().any(|e| w.strip_suffix(e).is_some_and(|stem| stem.chars().count() >= 3 && (kb.common.contains(stem) || stem.strip_suffix('ت').is_some_and(|s| kb.common.contains(&format!("{s}ه"))))))
    };
    // inside a name, a word behind و is the next item of a list (… وحائز، … ومواطنه) unless it is
    // a given name of its own (وجدي، وليد) or ولد; and a definite word in ة is a description
    // following the name (المصنفة، الحائزة)
    let mut plain_given = vec![false; n];
    // …and an unambiguous one (يوسف، not وسام) there can be the second word of a name chain
    let mut firm_given = vec![false; n];
    for g in layers.given.iter().filter(|g| g.prefix.is_empty()) {
        plain_given[g.first] = true;
        if !kb.given_names[g.form.payload as usize].ambiguous {
            firm_given[g.first] = true;
        }
    }
    let inner_breaker = |k: usize| {
        let t = &doc.tokens[k];
        let w = t.norm.as_str();
        (w.starts_with('و') && w.chars().count() > 3 && w != "ولد" && !plain_given[k]) || (w.starts_with("ال") && w != "الله" && text[t.start..t.end].ends_with('ة'))
    };
    let same_sentence = |a: usize, b: usize| doc.tokens[a].sentence == doc.tokens[b].sentence;

    // 2. organisations from head nouns
    for h in &org_heads {
        // an organisation's name starts with an indefinite head in construct (شركة ترياكي،
        // وزارة الخارجية); الشركة / الوكالة refer back to one already named
        if (h.first..=h.last).any(|k| owner[k].is_some()) || h.prefix.ends_with("ال") || doc.tokens[h.first].norm[h.prefix.len()..].starts_with("ال") {
            continue;
        }
        let head_kind = kb.org_heads[h.form.payload as usize].kind.clone();
        let mut j = h.last + 1;
        let mut end_tok = None;
        let mut country = None;
        // (a) closed by a state within four words: وزارة الخارجية التركية، وكالة أنباء كازاخستان
        while j < n && j <= h.last + 4 && same_sentence(h.first, j) {
            if let Some(o) = owner[j] {
                let m = &ments[o];
                // at least one word between head and state: شركة تركية is "a Turkish company"
                if m.kind == EntityKind::Country && j > h.last + 1 && m.prefix.is_empty() {
                    country = m.actor.clone();
                    end_tok = Some(m.last);
                }
                break;
            }
            let t = &doc.tokens[j];
            if t.kind != TokenKind::Word || NAME_BREAKERS.contains(&t.norm.as_str()) || busy[j] {
                break;
            }
            j += 1;
        }
        // (b) a proper name after the head of a company, group or outlet: شركة ترياكي القابضة،
        // مجموعة أورزاكس، شركة YDA (after مركز، منتدى، تحالف، بعثة comes a description, not a name)
        let named_kind = matches!(head_kind.as_str(), "company" | "media" | "ngo");
        let first_is_nisba = doc.tokens.get(h.last + 1).is_some_and(|t| t.norm.ends_with("يه"));
        if end_tok.is_none() && named_kind && !first_is_nisba {
            let mut k = h.last + 1;
            while k < n && k <= h.last + 4 && owner[k].is_none() && same_sentence(h.first, k) && !is_breaker(k) && !doc.tokens[k].norm.starts_with("ال") && !has_tanween(text, &doc.tokens[k]) {
                k += 1;
            }
            if k > h.last + 1 {
                // one trailing feminine adjective agreeing with the head (القابضة، المساهمة) joins the name
                if k < n && owner[k].is_none() && doc.tokens[k].kind == TokenKind::Word && doc.tokens[k].norm.starts_with("ال") && !busy[k] && same_sentence(h.first, k) && doc.tokens[k].norm.chars().count() > 4 && doc.tokens[k].norm.ends_with('ه') {
                    k += 1;
                }
                end_tok = Some(k - 1);
            }
        }
        if let Some(e) = end_tok {
            let t0 = &doc.tokens[h.first];
            let start = t0.start + skip_folded(&text[t0.start..t0.end], h.prefix.chars().count());
            let m = Ment {
                kind: EntityKind::Org,
                first: h.first,
                last: e,
                start,
                end: doc.tokens[e].end,
                entity: None,
                how: Some(How::Name),
                actor: country.clone(),
                country,
                name_en: None,
                role: Some(head_kind),
                sub: None,
                lat: None,
                lon: None,
                found: "pattern",
                prefix: h.prefix.to_string(),
                part_of: None,
        dropped: false,
            };
            let idx = ments.len();
            // a state closing the name stays a country mention, but acts only through the org
            for k in h.first..=e {
                if let Some(o) = owner[k] {
                    ments[o].part_of = Some(idx);
                }
            }
            for o in owner.iter_mut().take(e + 1).skip(h.first) {
                if o.is_none() {
                    *o = Some(idx);
                }
            }
            ments.push(m);
        }
    }

    // 3. persons from role nouns
    let mut aliases: Vec<(String, usize)> = Vec::new();
    let role_starting_at: marsad_kb::HashMap<usize, usize> = roles.iter().enumerate().map(|(i, r)| (r.first, i)).collect();
    for r in &roles {
        let role = &kb.roles[r.form.payload as usize];
        let mut j = r.last + 1;
        let mut country: Option<String> = None;
        let mut absorbed: Vec<usize> = Vec::new();
        let mut dash = false;
        let mut role_en = role.role_en.clone();
        loop {
            if j >= n || !same_sentence(r.first, j) {
                break;
            }
            let t = &doc.tokens[j];
            if let Some(o) = owner[j] {
                let m = &ments[o];
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
            if t.norm == "لدي" && j + 1 < n && owner[j + 1].is_some_and(|o| ments[o].kind == EntityKind::Country) {
                // السفير الروسي لدى كازاخستان: the host state is not the person's
                j = ments[owner[j + 1].unwrap_or(0)].last + 1;
                continue;
            }
            if t.norm == "باسم" {
                j += 1;
                continue;
            }
            // a portfolio between the office and the state: وزير الاستثمارات والتنمية الكازاخي
            if country.is_none() && t.kind == TokenKind::Word {
                let ahead = (j + 1..(j + 4).min(n)).take_while(|&q| doc.tokens[q].kind == TokenKind::Word && same_sentence(j, q)).find(|&q| owner[q].is_some_and(|o| ments[o].kind == EntityKind::Country && ments[o].how == Some(How::Adjective)));
                if let Some(q) = ahead {
                    if (j..q).all(|x| owner[x].is_none() && !NAME_BREAKERS.contains(&doc.tokens[x].norm.as_str())) {
                        j = q;
                        continue;
                    }
                }
            }
            break;
        }
        if j >= n || !same_sentence(r.first, j) {
            continue;
        }
        // a dictionary person right after the role: give it the role and state
        if let Some(o) = owner[j] {
            if ments[o].kind == EntityKind::Person {
                let m = &mut ments[o];
                if m.country.is_none() {
                    m.country = country.clone();
                    m.actor = country.clone();
                }
                if m.found == "kb" && kb.entities[m.entity.unwrap_or(0) as usize].roles.is_empty() {
                    m.role = Some(role_en.clone());
                }
                for a in absorbed {
                    ments[a].part_of = Some(o);
                }
            }
            continue;
        }
        // an unknown name: words that are not ordinary vocabulary (a single word ending in ة
        // is a noun, not a name: below)
        let mut k = name_span(doc, text, &owner, &is_breaker, &inner_breaker, j, 4, false, true);
        // an unknown first name before a known surname is another person with that surname
        // (هاكان جاويش أوغلو is not مولود جاويش أوغلو): the words join the new name
        if k > j && k < n && same_sentence(j, k) {
            if let Some(o) = known_surname_at(&ments, &owner, k) {
                k = absorb_surname(&mut ments, &mut owner, j, o);
            }
        }
        if k == j || (k == j + 1 && (doc.tokens[j].norm.ends_with('ه') || doc.tokens[j].kind == TokenKind::Latin)) {
            continue;
        }
        // words between a title and a known person are not a name of their own (سلطان عمان هيثم بن طارق)
        if k < n && owner[k].is_some_and(|o| ments[o].kind == EntityKind::Person && !ments[o].dropped) {
            continue;
        }
        let idx = ments.len();
        let m = Ment {
            kind: EntityKind::Person,
            first: j,
            last: k - 1,
            start: doc.tokens[j].start,
            end: doc.tokens[k - 1].end,
            entity: None,
            how: Some(How::Name),
            actor: country.clone(),
            country,
            name_en: None,
            role: Some(role_en),
            sub: None,
            lat: None,
            lon: None,
            found: "pattern",
            prefix: String::new(),
            part_of: None,
        dropped: false,
        };
        for o in owner.iter_mut().take(k).skip(j) {
            *o = Some(idx);
        }
        for a in absorbed {
            ments[a].part_of = Some(idx);
        }
        if k - j >= 2 {
            aliases.push((doc.tokens[k - 1].norm.clone(), idx));
        }
        ments.push(m);
    }

    // 3a. persons after a nationality adjective standing for a person (المدرب الإيطالي فابيو
    // كابيلو، والأرجنتيني ميسي): a definite singular adjective, then name words
    for i in 0..ments.len() {
        let m = &ments[i];
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
        if m.first > 0 && same_sentence(m.first - 1, m.first) && !m.prefix.starts_with('و') {
            let p = &doc.tokens[m.first - 1];
            let pw = p.norm.as_str();
            if owner[m.first - 1].is_some() || pw.starts_with("ال") || marsad_text::proclitic_splits(pw, PROCLITICS).any(|(c, rest)| !c.is_empty() && rest.starts_with("ال")) {
                continue;
            }
        }
        let j = m.last + 1;
        if j >= n || owner[j].is_some() || !same_sentence(m.last, j) {
            continue;
        }
        let k = name_span(doc, text, &owner, &is_breaker, &inner_breaker, j, 3, false, false);
        if k == j || (k == j + 1 && doc.tokens[j].norm.ends_with('ه')) {
            continue;
        }
        if k < n && owner[k].is_some_and(|o| ments[o].kind == EntityKind::Person && !ments[o].dropped) {
            continue;
        }
        let country = m.actor.clone();
        let idx = ments.len();
        ments.push(Ment {
            kind: EntityKind::Person,
            first: j,
            last: k - 1,
            start: doc.tokens[j].start,
            end: doc.tokens[k - 1].end,
            entity: None,
            how: Some(How::Name),
            actor: country.clone(),
            country,
            name_en: None,
            role: None,
            sub: None,
            lat: None,
            lon: None,
            found: "pattern",
            prefix: String::new(),
            part_of: None,
            dropped: false,
        });
        ments[i].part_of = Some(idx);
        for o in owner.iter_mut().take(k).skip(j) {
            *o = Some(idx);
        }
        if k - j >= 2 {
            aliases.push((doc.tokens[k - 1].norm.clone(), idx));
        }
    }

    // 3b. persons from a known given name and the name words after it (محمد بن سلمان، أنتوني بلينكن)
    for g in resolve_overlaps(layers.given) {
        if (g.first..=g.last).any(|k| owner[k].is_some() || busy[k]) {
            continue;
        }
        let ambiguous = kb.given_names[g.form.payload as usize].ambiguous;
        let mut k = if g.last + 1 < n && same_sentence(g.first, g.last + 1) { name_span(doc, text, &owner, &is_breaker, &inner_breaker, g.last + 1, 3, true, false) } else { g.last + 1 };
        // a known surname right after: a new person with that surname (إلهام علييف is not حيدر علييف)
        let merged = if k < n && same_sentence(g.first, k) { known_surname_at(&ments, &owner, k) } else { None };
        let extra = k - (g.last + 1);
        // a given name that is also a word (أمل، وسام، على→علي، أن→آن) starts a name only before
        // بن/عبد/أبو
        let linked = extra >= 1 && NAME_LINKS.contains(&doc.tokens[g.last + 1].norm.as_str());
        // …or before an unambiguous given name, the father's name of the Arabic name chain (حسن
        // يوسف، جمال حمزة), unless it is an ordinary word itself (على محمد is "on Muhammad"); two
        // ambiguous words (وسام دولت، an order) are not enough
        let first_word = doc.tokens[g.first].norm.strip_prefix(g.prefix).unwrap_or(&doc.tokens[g.first].norm);
        let chained = extra >= 1 && firm_given[g.last + 1] && !kb.common.contains(first_word);
        let enough = if ambiguous { linked || chained } else { extra >= 1 || merged.is_some() };
        if !enough {
            continue;
        }
        if let Some(o) = merged {
            k = absorb_surname(&mut ments, &mut owner, g.first, o);
        }
        let t0 = &doc.tokens[g.first];
        let start = t0.start + skip_folded(&text[t0.start..t0.end], g.prefix.chars().count());
        let idx = ments.len();
        ments.push(Ment {
            kind: EntityKind::Person,
            first: g.first,
            last: k - 1,
            start,
            end: doc.tokens[k - 1].end,
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
            prefix: g.prefix.to_string(),
            part_of: None,
            dropped: false,
        });
        for o in owner.iter_mut().take(k).skip(g.first) {
            *o = Some(idx);
        }
        aliases.push((doc.tokens[k - 1].norm.clone(), idx));
    }

    // 4. later short mentions of pattern persons (فيدان، لكازيخانوف): one pass over the tokens
    let mut by_alias: marsad_kb::HashMap<&str, usize> = marsad_kb::HashMap::default();
    for (alias, src) in &aliases {
        if alias.chars().count() >= 4 && !kb.common.contains(alias.as_str()) {
            by_alias.entry(alias.as_str()).or_insert(*src);
        }
    }
    if !by_alias.is_empty() {
        for k in 0..n {
            if owner[k].is_some() || busy[k] || doc.tokens[k].kind != TokenKind::Word {
                continue;
            }
            let w = &doc.tokens[k].norm;
            let Some((p, src)) = marsad_text::proclitic_splits(w, PROCLITICS).find_map(|(p, rest)| by_alias.get(rest).map(|&s| (p, s))) else { continue };
            let t = &doc.tokens[k];
            let start = t.start + skip_folded(&text[t.start..t.end], p.chars().count());
            let s = &ments[src];
            let m = Ment { first: k, last: k, start, end: t.end, found: "alias", prefix: p.to_string(), part_of: None, dropped: false, ..s.clone() };
            owner[k] = Some(ments.len());
            ments.push(m);
        }
    }

    // triggers inside a name are part of the name (مجلس التعاون)
    let triggers = layers.triggers.into_iter().filter(|h| (h.first..=h.last).all(|k| owner[k].is_none())).collect();
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
    let mut cues = layers.cues;
    cues.sort_by_key(|c| (c.first, c.last));
    Recognition { ments, owner, triggers, cues, roles, places_by_sentence, role_ending_at }
}
