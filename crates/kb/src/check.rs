//! `marsad kb check`: validation of the data files.
//!
//! Finds what would make matching wrong or ambiguous: malformed columns, unknown codes, bad or
//! overlapping dates, aliases listed twice, and surface forms that collide after normalisation
//! (two entities with different actor codes reachable by the same written form).

use crate::{rows, values, Kb, KbError, Sources};
use std::collections::{BTreeMap, BTreeSet};

/// One problem found, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub origin: String,
    pub msg: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.msg)
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a real month and day.
pub fn is_iso_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    let num = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    match p.as_slice() {
        [y] => num(y, 4),
        [y, m] => num(y, 4) && num(m, 2) && (1..=12).contains(&m.parse::<u32>().unwrap_or(0)),
        [y, m, d] => {
            num(y, 4) && num(m, 2) && num(d, 2) && {
                let (y, m, d): (i16, i8, i8) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
                jiff_free_valid(y, m, d)
            }
        }
        _ => false,
    }
}

fn jiff_free_valid(y: i16, m: i8, d: i8) -> bool {
    if !(1..=12).contains(&m) || d < 1 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    d <= days
}

/// A valid actor code: ISO alpha-3 (upper case) or `IGO:`/`NSA:` + upper-case name.
pub fn is_actor_code(s: &str) -> bool {
    let up = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    match s.split_once(':') {
        Some(("IGO" | "NSA", rest)) => up(rest),
        Some(_) => false,
        None => s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()),
    }
}

const ORG_KINDS: &[&str] = &["igo", "nsa", "ministry", "agency", "media", "company", "party", "ngo", "court", "legislature", "military", "event", "other"];
const PLACE_KINDS: &[&str] = &["capital", "city", "region", "province", "sea", "strait", "river", "continent", "area", "mountain", "island", "lake", "gulf", "canal", "desert", "district", "town", "village", "airport", "port", "landmark"];
const EVENT_TYPES: &[&str] = &["CONSULT", "AGREE", "SUPPORT", "COOPERATE", "AID", "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "CONCEDE", "RETREAT"];

/// Every problem in `src`. An empty list means the data is fit to ship.
pub fn check(src: &Sources) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut p = |origin: String, msg: String| out.push(Problem { origin, msg });
    let expect_cols = |f: &str| match f {
        "kb/countries.tsv" => 5,
        "kb/orgs.tsv" => 4,
        "kb/persons.tsv" => 5,
        "kb/places.tsv" | "kb/places.generated.tsv" => 6,
        "lexicon/triggers.tsv" => 5,
        "lexicon/roles.tsv" => 3,
        "lexicon/org_heads.tsv" => 2,
        "lexicon/modality.tsv" => 3,
        "lexicon/common_words.tsv" => 2,
        "kb/given_names.tsv" => 4,
        "lexicon/anaphors.tsv" => 3,
        _ => 0,
    };
    for (file, text) in &src.files {
        let n = expect_cols(file);
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (line, cols) in rows(text) {
            let o = format!("{file}:{line}");
            // triggers may carry a sixth column, the frame, and a seventh, the words they need
            // after them; organisation heads a third, flags
            let extra = match file.as_str() {
                "lexicon/triggers.tsv" if cols.len() == n + 1 || cols.len() == n + 2 => cols.len() - n,
                "lexicon/org_heads.tsv" => usize::from(cols.len() == n + 1),
                _ => 0,
            };
            if n > 0 && cols.len() != n + extra {
                p(o.clone(), format!("expected {n} TAB-separated columns, found {}", cols.len()));
                continue;
            }
            let code_col = match file.as_str() {
                "kb/countries.tsv" => Some(cols[0]),
                "kb/orgs.tsv" | "kb/persons.tsv" => Some(if file == "kb/orgs.tsv" { cols[0] } else { cols[1] }),
                "kb/places.tsv" | "kb/places.generated.tsv" => Some(cols[1]),
                _ => None,
            };
            if let Some(c) = code_col {
                if c != "-" && !is_actor_code(c) {
                    p(o.clone(), format!("{c:?} is not an actor code (ISO alpha-3, IGO:X or NSA:X)"));
                }
            }
            match file.as_str() {
                "kb/orgs.tsv" if !ORG_KINDS.contains(&cols[2]) => p(o.clone(), format!("org kind {:?} is not one of {ORG_KINDS:?}", cols[2])),
                "lexicon/anaphors.tsv" if !matches!(cols[1], "pair" | "org" | "state") => p(o.clone(), format!("refers {:?} is not `pair`, `org` or `state`", cols[1])),
                "lexicon/anaphors.tsv" if cols[1] == "state" && !values(cols[2]).all(is_actor_code) => p(o.clone(), format!("{:?} holds something that is not an actor code", cols[2])),
                "kb/places.tsv" | "kb/places.generated.tsv" => {
                    if !PLACE_KINDS.contains(&cols[2]) {
                        p(o.clone(), format!("place kind {:?} is not one of {PLACE_KINDS:?}", cols[2]));
                    }
                    for (c, lim) in [(cols[3], 90.0), (cols[4], 180.0)] {
                        if c != "-" && c.parse::<f64>().map_or(true, |v| v.abs() > lim) {
                            p(o.clone(), format!("coordinate {c:?} is not a number within ±{lim}"));
                        }
                    }
                }
                "kb/persons.tsv" => {
                    if let Err(e) = crate::parse_roles(cols[4]) {
                        p(o.clone(), e);
                    } else if let Ok(roles) = crate::parse_roles(cols[4]) {
                        for (i, a) in roles.iter().enumerate() {
                            for b in &roles[i + 1..] {
                                if a.code == b.code && a.role == b.role && overlaps(a, b) {
                                    p(o.clone(), format!("roles {}:{} overlap in time", a.code, a.role));
                                }
                            }
                        }
                    }
                }
                "lexicon/triggers.tsv" if cols[0] != "x" && !EVENT_TYPES.contains(&cols[2]) => p(o.clone(), format!("event type {:?} is not a PLOVER type", cols[2])),
                "lexicon/modality.tsv" => {
                    if !["planned", "negated", "hypothetical"].contains(&cols[1]) {
                        p(o.clone(), format!("modality {:?} is not planned, negated or hypothetical", cols[1]));
                    }
                    if !["before", "after"].contains(&cols[2]) {
                        p(o.clone(), format!("scope {:?} is not before or after", cols[2]));
                    }
                    // one cue, one meaning: a form listed twice for the same side of the trigger
                    let k = format!("{}\t{}", marsad_text::normalize(cols[0]), cols[2]);
                    if let Some(prev) = seen.insert(k, line) {
                        p(o.clone(), format!("cue «{}» ({}) already listed at line {prev}", cols[0], cols[2]));
                    }
                }
                _ => {}
            }
            // duplicates inside one file, after normalisation
            let alias_cols: &[usize] = match file.as_str() {
                "kb/countries.tsv" => &[2],
                "kb/orgs.tsv" => &[3],
                "kb/persons.tsv" => &[2],
                "kb/places.tsv" | "kb/places.generated.tsv" => &[5],
                _ => &[],
            };
            for &c in alias_cols {
                for v in values(cols[c]) {
                    let k = marsad_text::normalize(v);
                    if let Some(prev) = seen.insert(k.clone(), line) {
                        let at = if prev == line { "on this line".to_string() } else { format!("at line {prev}") };
                        p(o.clone(), format!("alias «{v}» already listed {at} (same after normalisation)"));
                    }
                }
            }
        }
    }
    drop(p);
    match Kb::load(src) {
        Ok(kb) => out.extend(collisions(&kb)),
        Err(e) => out.push(Problem { origin: "load".into(), msg: e.to_string() }),
    }
    out.sort();
    out.dedup();
    out
}

fn overlaps(a: &crate::Role, b: &crate::Role) -> bool {
    let (af, at) = (a.from.as_deref().unwrap_or("0000"), a.to.as_deref().unwrap_or("9999"));
    let (bf, bt) = (b.from.as_deref().unwrap_or("0000"), b.to.as_deref().unwrap_or("9999"));
    af < bt && bf < at
}

/// Surface forms that reach entities with different actor codes (or, for places, different
/// countries) with the same strength: a reader could not tell which is meant.
fn collisions(kb: &Kb) -> Vec<Problem> {
    use crate::{How, LAYER_ENTITY};
    let mut by_text: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    // rebuild the compiled forms by running every alias through the matcher is costly; instead
    // re-derive them from the entity forms the loader registered
    let _ = LAYER_ENTITY;
    for (text, forms) in kb.matcher.forms_by_string() {
        for f in forms.iter().filter(|f| f.layer == LAYER_ENTITY) {
            let (e, how) = kb.entity_forms[f.payload as usize];
            if how == How::GuardedShort {
                continue;
            }
            let ent = &kb.entities[e as usize];
            let who = ent.actor.clone().or_else(|| ent.country.clone()).unwrap_or_else(|| format!("{} {}", ent.kind.as_str(), ent.name_en));
            by_text.entry(text.to_string()).or_default().insert((who, ent.origin.clone()));
        }
    }
    let mut out = Vec::new();
    for (text, whos) in by_text {
        let codes: BTreeSet<&String> = whos.iter().map(|(w, _)| w).collect();
        if codes.len() > 1 {
            let list: Vec<String> = whos.iter().map(|(w, o)| format!("{w} ({o})")).collect();
            out.push(Problem { origin: whos.iter().next().map(|w| w.1.clone()).unwrap_or_default(), msg: format!("form «{text}» collides: {}", list.join(", ")) });
        }
    }
    out
}

/// Loads and checks; for tests and the CLI.
pub fn check_embedded() -> Result<Vec<Problem>, KbError> {
    Ok(check(&Sources::embedded()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(extra: &[(&str, &str)]) -> Sources {
        let mut files: Vec<(String, String)> = crate::FILES.iter().map(|f| (f.to_string(), String::new())).collect();
        for (name, text) in extra {
            files.iter_mut().find(|(n, _)| n == name).expect("known file").1 = text.to_string();
        }
        Sources { files }
    }

    const COUNTRIES: &str = "TUR\tTurkey\tتركيا\tتركي\tأتراك\nKAZ\tKazakhstan\tكازاخستان\tكازاخستاني\t-\n";

    /// (what is added, the message the check must give)
    #[test]
    fn each_kind_of_problem_is_caught() {
        let rows: &[(&str, &str, &str)] = &[
            ("kb/persons.tsv", "Nursultan Nazarbayev\tKAZ\tنور سلطان نزارباييف\tنزارباييف\tKAZ:president:2019-03-20:1990-04-24\n", "starts after it ends"),
            ("kb/persons.tsv", "Nursultan Nazarbayev\tKAZ\tنور سلطان نزارباييف\tنزارباييف\tKAZ:president:1990-13-01:\n", "is not a date"),
            ("kb/persons.tsv", "Someone\tKAZ\tشخص ما\t-\tKAZ:president:1990:2000;KAZ:president:1999:2005\n", "overlap in time"),
            ("kb/persons.tsv", "Someone\tkaz\tشخص ما\t-\t-\n", "is not an actor code"),
            ("kb/orgs.tsv", "IGO:UN\tUnited Nations\tigo\tالأمم المتحدة\nRUS\tFake\tigo\tالأمم المتحدة\n", "collides"),
            ("kb/orgs.tsv", "IGO:UN\tUnited Nations\tclub\tالأمم المتحدة\n", "org kind"),
            ("kb/places.tsv", "Ankara\tTUR\tcapital\t39.9\t332.8\tأنقرة\n", "coordinate"),
            ("kb/places.tsv", "Ankara\tTUR\tcapital\t39.9\t32.8\n", "columns"),
            ("kb/places.tsv", "Ankara\tTUR\tcapital\t39.9\t32.8\tأنقرة|انقرة\n", "already listed"),
            ("lexicon/triggers.tsv", "v\tزار/يزور\tVISIT\tvisit\t-\n", "not a PLOVER type"),
            ("lexicon/modality.tsv", "يسعى إلى\tplanned\tbefore\nيسعى الى\thypothetical\tbefore\n", "already listed"),
            ("lexicon/modality.tsv", "تعطلت\tnegated\tlater\n", "not before or after"),
            ("lexicon/modality.tsv", "ربما\tmaybe\tbefore\n", "not planned, negated or hypothetical"),
            ("lexicon/anaphors.tsv", "الحلف\tgroup\tحلف\n", "is not `pair`, `org` or `state`"),
            ("lexicon/anaphors.tsv", "الدولة الخليجية\tstate\tQAT|qatar\n", "not an actor code"),
            ("lexicon/anaphors.tsv", "الحلف\torg\n", "columns"),
        ];
        for (file, text, want) in rows {
            let problems = check(&sources(&[("kb/countries.tsv", COUNTRIES), (file, text)]));
            assert!(problems.iter().any(|p| p.msg.contains(want)), "{file}: {text:?} should give «{want}», got {problems:?}");
        }
    }

    #[test]
    fn clean_data_passes() {
        let persons = "Recep Tayyip Erdogan\tTUR\tرجب طيب أردوغان\tأردوغان\tTUR:president:2014-08-28:\n";
        let problems = check(&sources(&[("kb/countries.tsv", COUNTRIES), ("kb/persons.tsv", persons)]));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn shipped_data_passes() {
        let problems = check_embedded().unwrap();
        assert!(problems.is_empty(), "{} problems, first: {:?}", problems.len(), problems.first());
    }
}
