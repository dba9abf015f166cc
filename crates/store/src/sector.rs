//! The sector of an event's side (GOV, MIL, REB, MED, BUS…, after CAMEO's actor types) from the
//! kind of organisation or place that acted, or the role of the person; else from the actor
//! code (`IGO:` → IGO, `NSA:` → REB). A state with no agent named has no sector: the text does
//! not say which part of it acted. The table is `data/export/sectors.tsv`.

use std::sync::OnceLock;

const TABLE: &str = include_str!("../../../data/export/sectors.tsv");

struct Rule {
    by_kind: bool,
    sector: String,
    words: Vec<String>,
}

fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f.len() == 3).then(|| Rule { by_kind: f[0] == "kind", sector: f[1].to_string(), words: f[2].split('|').map(|w| w.to_lowercase()).collect() })
            })
            .collect()
    })
}

/// Whether `phrase` occurs in `text` as whole words.
fn has_words(text: &str, phrase: &str) -> bool {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let p: Vec<&str> = phrase.split(' ').collect();
    words.windows(p.len()).any(|w| w == p.as_slice())
}

/// The sector of a side: `agent` is the acting mention's `kind|role` (as the export query reads
/// it: `PERSON|foreign minister`, `ORG|ministry`, `PLACE|capital`), `actor` its actor code.
pub fn of(agent: Option<&str>, actor: Option<&str>) -> Option<&'static str> {
    if let Some((kind, role)) = agent.and_then(|a| a.split_once('|')) {
        let role = role.to_lowercase();
        let person = kind == "PERSON";
        for r in rules() {
            let hit = if r.by_kind { !person && r.words.iter().any(|w| *w == role) } else { person && r.words.iter().any(|w| has_words(&role, w)) };
            if hit {
                return Some(r.sector.as_str());
            }
        }
    }
    match actor {
        Some(a) if a.starts_with("IGO:") => Some("IGO"),
        Some(a) if a.starts_with("NSA:") => Some("REB"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sectors_from_roles_kinds_and_codes() {
        let rows: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
            (Some("PERSON|foreign minister"), Some("RUS"), Some("GOV")),
            (Some("PERSON|prince|emir"), Some("SAU"), Some("GOV")),
            (Some("PERSON|lieutenant general"), Some("SDN"), Some("MIL")),
            (Some("PERSON|major general"), Some("EGY"), Some("MIL")),
            (Some("PERSON|journalist"), Some("MAR"), Some("MED")),
            (Some("PERSON|businessman"), Some("SAU"), Some("BUS")),
            (Some("PERSON|imam"), Some("SAU"), Some("REL")),
            (Some("PERSON|citizen"), Some("SAU"), Some("CVL")),
            (Some("PERSON|"), Some("USA"), None),
            (Some("ORG|ministry"), Some("TUR"), Some("GOV")),
            (Some("ORG|military"), Some("ISR"), Some("MIL")),
            (Some("ORG|media"), None, Some("MED")),
            (Some("ORG|nsa"), Some("NSA:HOUTHIS"), Some("REB")),
            (Some("PLACE|capital"), Some("TUR"), Some("GOV")),
            (None, Some("IGO:UN"), Some("IGO")),
            (None, Some("NSA:HAMAS"), Some("REB")),
            (None, Some("KAZ"), None),
            // a word inside another is not the word (generalist, majority)
            (Some("PERSON|generalist"), Some("USA"), None),
        ];
        for (agent, actor, want) in rows {
            assert_eq!(super::of(*agent, *actor), *want, "{agent:?} {actor:?}");
        }
    }
}
