//! # marsad-kb: what marsad knows, compiled for matching
//!
//! **In:** the reviewed data files under `data/` (states, organisations, persons, places, and the
//! lexicons: event triggers, role nouns, organisation head nouns, modality cues), embedded in the
//! binary or read from a directory.
//! **Out:** a [`Kb`]: typed records plus one Aho-Corasick [`Matcher`] over every surface form,
//! which finds dictionary entries in a [`marsad_text::Doc`] with their clitics.
//!
//! **Must not:** guess. This crate says which entries a stretch of text can be; choosing between
//! them from context (roles, dates, who did what) is `marsad-extract`'s job. Data errors are
//! reported with file and line, never panicked on.

pub mod check;
pub mod forms;
pub mod matcher;

/// Fast hashing for the load-time tables (keys are our own data, not attacker-controlled).
pub type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;
/// See [`HashMap`].
pub type HashSet<K> = rustc_hash::FxHashSet<K>;
use std::path::Path;

pub use matcher::{Form, Haystack, Hit, Matcher, MatcherBuilder, Post, Pre};

/// Matcher layer of entity names (payload: index into [`Kb::entity_forms`]).
pub const LAYER_ENTITY: u8 = 0;
/// Matcher layer of event triggers (payload: index into [`Kb::triggers`]).
pub const LAYER_TRIGGER: u8 = 1;
/// Matcher layer of role nouns (payload: index into [`Kb::roles`]).
pub const LAYER_ROLE: u8 = 2;
/// Matcher layer of organisation head nouns (payload: index into [`Kb::org_heads`]).
pub const LAYER_ORG_HEAD: u8 = 3;
/// Matcher layer of modality cues (payload: index into [`Kb::cues`]).
pub const LAYER_CUE: u8 = 4;
/// Matcher layer of given names (payload: index into [`Kb::given_names`]).
pub const LAYER_GIVEN: u8 = 5;

/// Something went wrong reading the data.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("{file}:{line}: {msg}")]
    Parse { file: String, line: usize, msg: String },
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("cannot compile the dictionary automaton: {0}")]
    Build(String),
}

/// The data files, by name relative to `data/`.
#[derive(Debug, Clone)]
pub struct Sources {
    pub files: Vec<(String, String)>,
}

/// Every data file marsad reads, in load order.
pub const FILES: &[&str] = &[
    "kb/countries.tsv",
    "kb/orgs.tsv",
    "kb/persons.tsv",
    "kb/places.tsv",
    "kb/places.generated.tsv",
    "lexicon/triggers.tsv",
    "lexicon/roles.tsv",
    "lexicon/org_heads.tsv",
    "lexicon/modality.tsv",
    "lexicon/common_words.tsv",
    "kb/given_names.tsv",
    "lexicon/anaphors.tsv",
];

macro_rules! embed {
    ($($f:literal),*) => { vec![$(($f.to_string(), include_str!(concat!("../../../data/", $f)).to_string())),*] };
}

impl Sources {
    /// The data compiled into the binary.
    pub fn embedded() -> Self {
        Sources {
            files: embed!(
                "kb/countries.tsv",
                "kb/orgs.tsv",
                "kb/persons.tsv",
                "kb/places.tsv",
                "kb/places.generated.tsv",
                "lexicon/triggers.tsv",
                "lexicon/roles.tsv",
                "lexicon/org_heads.tsv",
                "lexicon/modality.tsv",
                "lexicon/common_words.tsv",
                "kb/given_names.tsv",
                "lexicon/anaphors.tsv"
            ),
        }
    }

    /// The data files under `dir` (a `data/` folder); a missing file is an error.
    pub fn from_dir(dir: &Path) -> Result<Self, KbError> {
        let mut files = Vec::new();
        for f in FILES {
            let p = dir.join(f);
            let text = std::fs::read_to_string(&p).map_err(|e| KbError::Io { path: p.display().to_string(), source: e })?;
            files.push((f.to_string(), text));
        }
        Ok(Sources { files })
    }

    fn get(&self, name: &str) -> &str {
        self.files.iter().find(|(n, _)| n == name).map_or("", |(_, t)| t.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    Country,
    Org,
    Person,
    Place,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Country => "COUNTRY",
            EntityKind::Org => "ORG",
            EntityKind::Person => "PERSON",
            EntityKind::Place => "PLACE",
        }
    }
}

/// A dated role: `code` held `role` from `from` to `to` (ISO dates, prefixes allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub code: String,
    pub role: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One known thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub kind: EntityKind,
    pub name_en: String,
    /// Actor code (ISO alpha-3, `IGO:…`, `NSA:…`) when the entity acts for one.
    pub actor: Option<String>,
    /// The state a place, person or body belongs to.
    pub country: Option<String>,
    /// Org kind or place kind.
    pub sub: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub roles: Vec<Role>,
    /// Where the entry came from: `file:line`.
    pub origin: String,
}

impl Entity {
    /// The role held on `date` (ISO `YYYY-MM-DD`), if the data says.
    pub fn role_at(&self, date: &str) -> Option<&Role> {
        self.roles.iter().find(|r| {
            r.from.as_deref().is_none_or(|f| date >= f) && r.to.as_deref().is_none_or(|t| t.is_empty() || date < t || date.starts_with(t))
        })
    }
    /// The role to show when no date is known: the ongoing one, else the latest.
    pub fn current_role(&self) -> Option<&Role> {
        self.roles.iter().find(|r| r.to.as_deref().is_none_or(str::is_empty)).or_else(|| self.roles.iter().max_by(|a, b| a.from.cmp(&b.from)))
    }
}

/// How a surface form names its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum How {
    /// A full name.
    Name,
    /// A country adjective (nisba) in any inflection.
    Adjective,
    /// A broken plural naming the people (الأتراك).
    People,
    /// A short form that identifies the entity alone (أردوغان).
    Short,
    /// A short form that is also an ordinary word: only after a full mention.
    GuardedShort,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// `v`, `n` or `p`.
    pub kind: char,
    pub lemma: String,
    pub event_type: String,
    pub mode: Option<String>,
    /// Where the sides stand (column 6 of triggers.tsv, `-` for the default: the subject
    /// after a verb or before it, the target after a preposition or as the object):
    /// `subject-before`: the trigger follows its subject and takes only a target after it (a
    /// circumstantial participle: قال … منتقدا تركيا); `result`: a death told as a result, whose
    /// surrounding names are victims or reporters, never its agent.
    pub frame: Frame,
    /// Words (matching form, stems) one of which must follow a verb within [`NEEDS_WORDS`] tokens
    /// for it to be a trigger at all (column 7 of triggers.tsv, '|'-separated, `-` for none): a
    /// light verb with its noun after the subject and object (حمّلت النقابة الحوثيين المسؤولية،
    /// قطعت السودان علاقاتها).
    pub needs: Vec<String>,
    pub origin: String,
}

/// How many tokens after a trigger the words it needs ([`Trigger::needs`]) may stand.
pub const NEEDS_WORDS: usize = 6;

/// How a trigger's sides stand around it; see [`Trigger::frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frame {
    #[default]
    Default,
    SubjectBefore,
    /// A death or wound told as its result (مقتل، لقي مصرعه): no subject is its agent.
    Result,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleNoun {
    pub form: String,
    pub role_en: String,
    /// `office`, `title` or `relation` (نظير).
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrgHead {
    pub form: String,
    pub kind: String,
    /// A proper name follows the indefinite head (جامعة أكسفورد، كتلة سائرون): flag `name`,
    /// or a head of kind company, media or ngo.
    pub takes_name: bool,
    /// The definite head with a relative adjective after it is a name (التيار الصدري، اللجنة
    /// الرباعية، البنك المركزي السوداني): flag `adj`.
    pub takes_adjective: bool,
}

/// A given (first) name.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenName {
    pub form: String,
    /// Also an ordinary word (أمل، سلام): needs more evidence to start a name.
    pub ambiguous: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub form: String,
    /// `planned`, `negated` or `hypothetical`.
    pub modality: String,
    /// The cue follows the trigger (المحادثات … تعطلت: a predicate about an event noun);
    /// otherwise it precedes it.
    pub after: bool,
}

/// The compiled knowledge base.
pub struct Kb {
    pub entities: Vec<Entity>,
    /// (entity index, how) per entity-layer payload.
    pub entity_forms: Vec<(u32, How)>,
    pub triggers: Vec<Trigger>,
    pub roles: Vec<RoleNoun>,
    pub org_heads: Vec<OrgHead>,
    pub cues: Vec<Cue>,
    pub given_names: Vec<GivenName>,
    pub matcher: Matcher,
    /// Short forms by matching form, for resolving later mentions of a name.
    pub surnames: HashMap<String, Vec<u32>>,
    /// Ordinary words (matching form) that cannot be part of a name found by pattern.
    pub common: HashSet<String>,
    /// The function words, verbs, numbers and time words among them: a word after which a
    /// state adjective cannot be describing a noun (قتل فلسطينيان، يقول الإسرائيليون).
    pub not_nouns: HashSet<String>,
    /// One-word role nouns without the article (رئيس، سفير، لاعب): not a role on their own in
    /// construct (رئيس الهيئة), but never part of a name either.
    pub role_words: HashSet<String>,
    /// Present-tense (imperfect) verb forms of the trigger lexicon: a present verb with no date
    /// of its own is about the article's day or later.
    pub present_forms: HashSet<String>,
    /// Whole words (matching form) that are never triggers, though a trigger form matches them
    /// with clitics (وزارة is not و+زار+ه, الاجتماعي is not a meeting): rows of kind `x`.
    pub not_triggers: HashSet<String>,
    /// English name per actor code (states first, then the first organisation with the code).
    pub actor_names: HashMap<String, String>,
    /// Definite nouns that refer back to a side named before (`lexicon/anaphors.tsv`), by
    /// matching form.
    pub anaphors: HashMap<String, Anaphor>,
}

/// What a definite noun such as الحلف or البلدين refers back to.
#[derive(Debug, Clone, PartialEq)]
pub enum Anaphor {
    /// The last two different states named (البلدين).
    Pair,
    /// The last organisation whose name holds one of these words (matching forms).
    Org(Vec<String>),
    /// The state named most often before it among these actor codes (الدولة الأفريقية).
    State(Vec<String>),
}

/// The TAB-separated rows of a data file: (line number, columns).
pub fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        (!l.trim().is_empty() && !l.trim_start().starts_with('#')).then(|| (i + 1, l.split('\t').map(str::trim).collect()))
    })
}

/// The values of a `|`-separated column (`-` is empty).
pub fn values(col: &str) -> impl Iterator<Item = &str> {
    col.split('|').map(str::trim).filter(|v| !v.is_empty() && *v != "-")
}

fn opt(col: Option<&&str>) -> Option<String> {
    col.map(|s| s.trim()).filter(|s| !s.is_empty() && *s != "-").map(str::to_string)
}

struct Loader<'a> {
    file: &'a str,
}

impl Loader<'_> {
    fn need<'c>(&self, line: usize, cols: &'c [&'c str], n: usize) -> Result<(), KbError> {
        if cols.len() < n {
            return Err(KbError::Parse { file: self.file.into(), line, msg: format!("expected {n} TAB-separated columns, found {}", cols.len()) });
        }
        Ok(())
    }
}

impl Kb {
    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<Kb, KbError> {
        Kb::load(&Sources::embedded())
    }

    pub fn load(src: &Sources) -> Result<Kb, KbError> {
        let mut common = HashSet::default();
        let mut not_nouns = HashSet::default();
        for (_, cols) in rows(src.get("lexicon/common_words.tsv")) {
            let f = marsad_text::normalize(cols[0]);
            if matches!(cols.get(1).copied(), Some("func" | "verb" | "num" | "time")) {
                not_nouns.insert(f.clone());
            }
            common.insert(f);
        }
        // every name as listed, so that a generated spelling variant never takes a form that
        // some entry lists for itself (فيبورغ → فيبورج is another town)
        let mut listed: HashSet<String> = HashSet::default();
        for (file, cols_idx) in [("kb/countries.tsv", &[2usize, 3][..]), ("kb/orgs.tsv", &[3]), ("kb/persons.tsv", &[2, 3]), ("kb/places.tsv", &[5]), ("kb/places.generated.tsv", &[5])] {
            for (_, cols) in rows(src.get(file)) {
                for &c in cols_idx {
                    for v in values(cols.get(c).copied().unwrap_or("-")) {
                        // the form as listed and its ل+ال spelling (الجين → للجين)
                        for (f, _) in forms::with_lam_variant(v.trim_start_matches('~')) {
                            listed.insert(f);
                        }
                    }
                }
            }
        }
        // …nor a head noun or role noun (كاليه → كلية "college"), nor a given name (براغ → براق)
        for file in ["lexicon/org_heads.tsv", "lexicon/roles.tsv", "kb/given_names.tsv"] {
            for (_, cols) in rows(src.get(file)) {
                for (f, _) in forms::with_article(cols[0]) {
                    listed.insert(f);
                }
            }
        }
        // and never a form another entry's variant already took
        let mut variant_owner: HashMap<String, u32> = HashMap::default();
        let mut variants = |name: &str, ent: u32, full: bool| -> Vec<String> {
            let own = marsad_text::normalize(name);
            let mut all = forms::foreign_variants(name);
            if full {
                all.extend(forms::alif_drop_variant(name));
            }
            all.into_iter()
                // …nor an ordinary word (كاليه → كلية "college")
                .filter(|v| *v == own || (!listed.contains(v) && !common.contains(v) && *variant_owner.entry(v.clone()).or_insert(ent) == ent))
                .collect()
        };
        let mut b = MatcherBuilder::default();
        let mut entities = Vec::new();
        let mut entity_forms: Vec<(u32, How)> = Vec::new();
        let mut form_index: HashMap<(u32, How), u32> = HashMap::default();
        let mut surnames: HashMap<String, Vec<u32>> = HashMap::default();
        let mut add_entity_form = |b: &mut MatcherBuilder, ent: u32, how: How, form: &str, pre: Pre, post: Post| {
            let payload = *form_index.entry((ent, how)).or_insert_with(|| {
                entity_forms.push((ent, how));
                (entity_forms.len() - 1) as u32
            });
            b.add(form, Form { layer: LAYER_ENTITY, payload, pre, post });
        };
        let add_lam = |b: &mut MatcherBuilder, forms: Vec<(String, bool)>, f: &mut dyn FnMut(&mut MatcherBuilder, &str, Pre)| {
            for (form, lam) in forms {
                f(b, &form, if lam { Pre::Lam } else { Pre::Nominal });
            }
        };

        // states
        let file = "kb/countries.tsv";
        let ld = Loader { file };
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 2)?;
            let id = entities.len() as u32;
            entities.push(Entity {
                kind: EntityKind::Country,
                name_en: cols[1].to_string(),
                actor: Some(cols[0].to_string()),
                country: Some(cols[0].to_string()),
                sub: "state".into(),
                lat: None,
                lon: None,
                roles: vec![],
                origin: format!("{file}:{line}"),
            });
            for name in values(cols.get(2).copied().unwrap_or("")) {
                add_lam(&mut b, forms::with_lam_variant(name), &mut |b, f, pre| add_entity_form(b, id, How::Name, f, pre, Post::None));
            }
            for adj in values(cols.get(3).copied().unwrap_or("")) {
                for infl in forms::nisba_inflections(adj) {
                    add_lam(&mut b, forms::with_article(&infl), &mut |b, f, pre| add_entity_form(b, id, How::Adjective, f, pre, Post::None));
                }
            }
            for pl in values(cols.get(4).copied().unwrap_or("")) {
                add_lam(&mut b, forms::with_article(pl), &mut |b, f, pre| add_entity_form(b, id, How::People, f, pre, Post::None));
            }
        }

        // organisations
        let file = "kb/orgs.tsv";
        let ld = Loader { file };
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 4)?;
            let id = entities.len() as u32;
            let actor = opt(cols.first());
            let country = actor.as_ref().filter(|a| !a.contains(':')).cloned();
            entities.push(Entity {
                kind: EntityKind::Org,
                name_en: cols[1].to_string(),
                actor,
                country,
                sub: cols[2].to_string(),
                lat: None,
                lon: None,
                roles: vec![],
                origin: format!("{file}:{line}"),
            });
            for name in values(cols[3]) {
                add_lam(&mut b, forms::with_lam_variant(name), &mut |b, f, pre| add_entity_form(b, id, How::Name, f, pre, Post::None));
            }
        }

        // persons
        let file = "kb/persons.tsv";
        let ld = Loader { file };
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 3)?;
            let id = entities.len() as u32;
            let roles = parse_roles(cols.get(4).copied().unwrap_or("-")).map_err(|msg| KbError::Parse { file: file.into(), line, msg })?;
            let actor = opt(cols.get(1));
            entities.push(Entity {
                kind: EntityKind::Person,
                name_en: cols[0].to_string(),
                country: actor.as_ref().filter(|a| !a.contains(':')).cloned(),
                actor,
                sub: "person".into(),
                lat: None,
                lon: None,
                roles,
                origin: format!("{file}:{line}"),
            });
            for name in values(cols[2]) {
                for v in variants(name, id, name.trim().contains(' ')) {
                    if !common.contains(&v) {
                        add_entity_form(&mut b, id, How::Name, &v, Pre::Nominal, Post::None);
                    }
                }
            }
            for short in values(cols.get(3).copied().unwrap_or("-")) {
                let (how, s) = match short.strip_prefix('~') {
                    Some(s) => (How::GuardedShort, s),
                    // a short form that is also an ordinary word is guarded whatever the file says
                    None if common.contains(&marsad_text::normalize(short)) => (How::GuardedShort, short),
                    None => (How::Short, short),
                };
                for v in variants(s, id, false) {
                    let how = if common.contains(&v) { How::GuardedShort } else { how };
                    add_entity_form(&mut b, id, how, &v, Pre::Nominal, Post::None);
                    surnames.entry(v).or_default().push(id);
                }
            }
        }

        // places
        for file in ["kb/places.tsv", "kb/places.generated.tsv"] {
            let ld = Loader { file };
            for (line, cols) in rows(src.get(file)) {
                ld.need(line, &cols, 6)?;
                let id = entities.len() as u32;
                let num = |s: &str| s.parse::<f64>().ok();
                entities.push(Entity {
                    kind: EntityKind::Place,
                    name_en: cols[0].to_string(),
                    actor: None,
                    country: opt(cols.get(1)),
                    sub: cols[2].to_string(),
                    lat: num(cols[3]),
                    lon: num(cols[4]),
                    roles: vec![],
                    origin: format!("{file}:{line}"),
                });
                for name in values(cols[5]) {
                    // spelling variants for the hand-curated places the press writes in several
                    // ways; the GeoNames long tail is matched as listed (it would add ~6,000 forms
                    // to compile at every start for towns rarely in the news)
                    let forms = if file == "kb/places.tsv" { variants(name, id, true) } else { vec![marsad_text::normalize(name)] };
                    for v in forms {
                        // a variant (or a one-word name) that is an ordinary word would fire everywhere
                        if common.contains(&v) {
                            continue;
                        }
                        // the ل+ال spelling only for a name written with the article (not إلجين)
                        let spellings = if forms::has_article(name) { forms::with_lam_variant(&v) } else { vec![(v.clone(), false)] };
                        add_lam(&mut b, spellings, &mut |b, f, pre| add_entity_form(b, id, How::Name, f, pre, Post::None));
                    }
                }
            }
        }

        // triggers
        let file = "lexicon/triggers.tsv";
        let ld = Loader { file };
        let mut triggers = Vec::new();
        let mut present_forms = HashSet::default();
        let mut past_forms: HashSet<String> = HashSet::default();
        let mut not_triggers: HashSet<String> = HashSet::default();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 3)?;
            let kind = cols[0].chars().next().unwrap_or('?');
            if kind == 'x' {
                not_triggers.extend(values(cols[1]).map(marsad_text::normalize));
                continue;
            }
            let etype = cols[2].to_string();
            let mode = opt(cols.get(3));
            let lemma_col = cols[1];
            let id = triggers.len() as u32;
            let frame = match cols.get(5).copied().unwrap_or("-") {
                "-" => Frame::Default,
                "subject-before" => Frame::SubjectBefore,
                "result" => Frame::Result,
                other => return Err(KbError::Parse { file: file.into(), line, msg: format!("trigger frame {other:?} is not -, subject-before or result") }),
            };
            let needs: Vec<String> = match cols.get(6).copied().unwrap_or("-") {
                "-" => Vec::new(),
                col => values(col).map(marsad_text::normalize).collect(),
            };
            triggers.push(Trigger { kind, lemma: lemma_col.to_string(), event_type: etype, mode, frame, needs, origin: format!("{file}:{line}") });
            let add = |b: &mut MatcherBuilder, f: &str, pre: Pre, post: Post| b.add(f, Form { layer: LAYER_TRIGGER, payload: id, pre, post });
            match kind {
                'v' => {
                    for pair in values(lemma_col) {
                        let (past, pres) = pair.split_once('/').ok_or_else(|| KbError::Parse { file: file.into(), line, msg: format!("verb {pair:?} is not PAST/PRESENT") })?;
                        for f in forms::conjugate_past(past) {
                            add(&mut b, &f, Pre::Verbal, Post::Pronoun);
                            past_forms.insert(f);
                        }
                        for f in forms::conjugate_present(pres) {
                            add(&mut b, &f, Pre::Verbal, Post::Pronoun);
                            present_forms.insert(f);
                        }
                    }
                }
                'n' => {
                    for n in values(lemma_col) {
                        for (f, lam, needs) in forms::noun_forms(n) {
                            let pre = if lam { Pre::Lam } else { Pre::Nominal };
                            add(&mut b, &f, pre, if needs { Post::PronounRequired } else { Post::Pronoun });
                        }
                    }
                }
                'p' => {
                    for p in values(lemma_col) {
                        for (f, lam) in forms::with_lam_variant(p) {
                            add(&mut b, &f, if lam { Pre::Lam } else { Pre::Verbal }, Post::Pronoun);
                            if !lam {
                                add(&mut b, &f, Pre::Nominal, Post::Pronoun);
                            }
                        }
                    }
                }
                other => return Err(KbError::Parse { file: file.into(), line, msg: format!("trigger kind {other:?} is not v, n, p or x") }),
            }
            for extra in values(cols.get(4).copied().unwrap_or("-")) {
                add(&mut b, &marsad_text::normalize(extra), Pre::Verbal, Post::Pronoun);
                add(&mut b, &marsad_text::normalize(extra), Pre::Nominal, Post::Pronoun);
            }
        }

        // role nouns
        // a form that is both is the past (اعتقل): the first-person present أعتقل folds into it
        // once hamza is normalised, and news speaks of what others did
        present_forms.retain(|f| !past_forms.contains(f));

        let file = "lexicon/roles.tsv";
        let ld = Loader { file };
        let mut roles = Vec::new();
        let mut role_words = HashSet::default();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 2)?;
            let id = roles.len() as u32;
            roles.push(RoleNoun { form: cols[0].to_string(), role_en: cols[1].to_string(), kind: opt(cols.get(2)).unwrap_or_else(|| "office".into()) });
            let bare = marsad_text::normalize(cols[0]);
            let bare = if forms::has_article(cols[0]) { bare.strip_prefix("ال").unwrap_or(&bare).to_string() } else { bare };
            if !bare.contains(' ') && bare.chars().count() >= 3 {
                role_words.insert(bare);
            }
            for (f, lam) in forms::with_article(cols[0]) {
                b.add(&f, Form { layer: LAYER_ROLE, payload: id, pre: if lam { Pre::Lam } else { Pre::Nominal }, post: Post::Pronoun });
            }
        }

        let file = "lexicon/org_heads.tsv";
        let ld = Loader { file };
        let mut org_heads = Vec::new();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 2)?;
            let id = org_heads.len() as u32;
            let flags: Vec<&str> = cols.get(2).map(|c| values(c).collect()).unwrap_or_default();
            if let Some(f) = flags.iter().find(|f| !matches!(**f, "name" | "adj")) {
                return Err(KbError::Parse { file: file.into(), line, msg: format!("unknown flag {f} (name, adj)") });
            }
            let takes_name = flags.contains(&"name") || matches!(cols[1], "company" | "media" | "ngo");
            org_heads.push(OrgHead { form: cols[0].to_string(), kind: cols[1].to_string(), takes_name, takes_adjective: flags.contains(&"adj") });
            for (f, lam) in forms::with_article(cols[0]) {
                b.add(&f, Form { layer: LAYER_ORG_HEAD, payload: id, pre: if lam { Pre::Lam } else { Pre::Nominal }, post: Post::None });
            }
        }

        let file = "lexicon/modality.tsv";
        let ld = Loader { file };
        let mut cues = Vec::new();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 2)?;
            let id = cues.len() as u32;
            let after = match cols.get(2).copied().unwrap_or("before") {
                "before" => false,
                "after" => true,
                other => return Err(KbError::Parse { file: file.into(), line, msg: format!("scope {other:?}: expected before or after") }),
            };
            cues.push(Cue { form: cols[0].to_string(), modality: cols[1].to_string(), after });
            let f = marsad_text::normalize(cols[0]);
            b.add(&f, Form { layer: LAYER_CUE, payload: id, pre: Pre::Verbal, post: Post::None });
            b.add(&f, Form { layer: LAYER_CUE, payload: id, pre: Pre::Nominal, post: Post::None });
        }

        let file = "kb/given_names.tsv";
        let ld = Loader { file };
        let mut given_names = Vec::new();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 1)?;
            let f = marsad_text::normalize(cols[0]);
            let ambiguous = cols.get(3).is_some_and(|a| *a == "yes") || common.contains(&f);
            let id = given_names.len() as u32;
            given_names.push(GivenName { form: cols[0].to_string(), ambiguous });
            // a title that is also a given name (أمير، سلطان، سيد) can still be part of a name
            role_words.remove(&f);
            b.add(&f, Form { layer: LAYER_GIVEN, payload: id, pre: Pre::Nominal, post: Post::None });
        }

        let mut actor_names = HashMap::default();
        for e in entities.iter().filter(|e| matches!(e.kind, EntityKind::Country | EntityKind::Org)) {
            if let Some(a) = &e.actor {
                actor_names.entry(a.clone()).or_insert_with(|| e.name_en.clone());
            }
        }
        let matcher = b.build().map_err(|e| KbError::Build(e.to_string()))?;
        let file = "lexicon/anaphors.tsv";
        let ld = Loader { file };
        let mut anaphors = HashMap::default();
        for (line, cols) in rows(src.get(file)) {
            ld.need(line, &cols, 3)?;
            let a = match cols[1] {
                "pair" => Anaphor::Pair,
                "org" => Anaphor::Org(values(cols[2]).map(marsad_text::normalize).collect()),
                "state" => Anaphor::State(values(cols[2]).map(str::to_string).collect()),
                other => return Err(KbError::Parse { file: file.into(), line, msg: format!("refers {other:?} is not `pair`, `org` or `state`") }),
            };
            anaphors.insert(marsad_text::normalize(cols[0]), a);
        }
        Ok(Kb { entities, entity_forms, triggers, roles, org_heads, cues, given_names, matcher, surnames, common, not_nouns, role_words, present_forms, not_triggers, actor_names, anaphors })
    }

    /// English name of an actor code (a state, IGO or group), when the data has it.
    pub fn actor_name(&self, code: &str) -> Option<String> {
        self.actor_names.get(code).cloned()
    }

    /// What an Arabic string resolves to, one line per accepted entity hit, for `kb lookup`.
    pub fn explain(&self, text: &str) -> Vec<String> {
        let doc = marsad_text::analyze(text);
        let hay = Haystack::new(&doc.tokens);
        let mut hits = self.matcher.find(&hay);
        hits.sort_by_key(|h| (h.first, std::cmp::Reverse(h.len)));
        let mut out = Vec::new();
        for h in hits {
            let span = &text[doc.tokens[h.first].start..doc.tokens[h.last].end];
            let clitics = format!("{}{}", if h.prefix.is_empty() { String::new() } else { format!(" proclitic «{}»", h.prefix) }, if h.suffix.is_empty() { String::new() } else { format!(" enclitic «{}»", h.suffix) });
            let p = h.form.payload as usize;
            let what = match h.form.layer {
                LAYER_ENTITY => {
                    let (e, how) = self.entity_forms[p];
                    let e = &self.entities[e as usize];
                    format!("{} {} [{}] as {:?}{} ({})", e.kind.as_str(), e.name_en, e.actor.as_deref().or(e.country.as_deref()).unwrap_or("-"), how, clitics, e.origin)
                }
                LAYER_TRIGGER => {
                    let t = &self.triggers[p];
                    format!("TRIGGER {} {} «{}»{} ({})", t.event_type, t.mode.as_deref().unwrap_or("-"), t.lemma, clitics, t.origin)
                }
                LAYER_ROLE => format!("ROLE {}{}", self.roles[p].role_en, clitics),
                LAYER_ORG_HEAD => format!("ORG-HEAD {} ({}){}", self.org_heads[p].form, self.org_heads[p].kind, clitics),
                LAYER_GIVEN => format!("GIVEN-NAME{}{}", if self.given_names[p].ambiguous { " (ambiguous)" } else { "" }, clitics),
                _ => format!("CUE {}{}", self.cues[p].modality, clitics),
            };
            out.push(format!("«{span}» → {what}"));
        }
        out
    }
}

/// Parses a roles column: `CODE:role:from:to;…`.
pub fn parse_roles(col: &str) -> Result<Vec<Role>, String> {
    let mut out = Vec::new();
    for r in col.split(';').map(str::trim).filter(|r| !r.is_empty() && *r != "-") {
        let parts: Vec<&str> = r.split(':').collect();
        // codes may hold a colon themselves (IGO:UN)
        let (code, rest) = if parts.len() >= 5 && matches!(parts[0], "IGO" | "NSA") { (format!("{}:{}", parts[0], parts[1]), &parts[2..]) } else { (parts[0].to_string(), &parts[1..]) };
        if rest.len() != 3 {
            return Err(format!("role {r:?} is not CODE:role:from:to"));
        }
        let from = Some(rest[1].to_string()).filter(|s| !s.is_empty());
        let to = Some(rest[2].to_string()).filter(|s| !s.is_empty());
        for d in from.iter().chain(to.iter()) {
            if !check::is_iso_date(d) {
                return Err(format!("role {r:?}: {d:?} is not a date YYYY, YYYY-MM or YYYY-MM-DD"));
            }
        }
        if let (Some(f), Some(t)) = (&from, &to) {
            if f > t {
                return Err(format!("role {r:?}: starts after it ends"));
            }
        }
        out.push(Role { code, role: rest[0].to_string(), from, to });
    }
    Ok(out)
}
