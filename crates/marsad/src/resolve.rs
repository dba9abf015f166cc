//! What a user types as an actor — a code (`RUS`), an English name (`Russia`, `Sergey Lavrov`)
//! or an Arabic one (`روسيا`, `لافروف`, with clitics: `لروسيا`) — resolved to the actor code the
//! store holds, through the knowledge base. Used by `--actor`, `--country` and `--dyad` of the
//! command line and by the `actor`, `country` and `dyad` parameters of the API.

use marsad_kb::{EntityKind, Haystack, Kb, Sources, LAYER_ENTITY};
use marsad_serve::Resolved;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The `--data` folder to read the knowledge base from (else the built-in one), set once at start.
static DATA: OnceLock<Option<PathBuf>> = OnceLock::new();
static KB: OnceLock<Option<Kb>> = OnceLock::new();

/// Remembers where the knowledge base is; it is loaded only when a name must be resolved.
pub fn init(data: Option<PathBuf>) {
    let _ = DATA.set(data);
}

/// The knowledge base, loaded on first use (`None` when it cannot be: a code is then needed).
fn kb() -> Option<&'static Kb> {
    KB.get_or_init(|| {
        let src = match DATA.get().cloned().flatten() {
            Some(d) => Sources::from_dir(&d).ok()?,
            None => Sources::embedded(),
        };
        Kb::load(&src).ok()
    })
    .as_ref()
}

/// [`resolve`] with the knowledge base of this run. A code written as codes are (`RUS`,
/// `IGO:UN`) is taken as it is without loading the knowledge base (1.7 s).
pub fn resolve_name(given: &str) -> Option<Resolved> {
    let g = given.trim();
    if !g.is_empty() && g.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ":_.".contains(c)) {
        return None;
    }
    resolve(kb()?, given)
}

/// Loads the knowledge base now (on another thread, at server start), so that the first
/// request with a name does not wait for it.
pub fn preload() {
    std::thread::spawn(|| {
        let _ = kb();
    });
}

/// The resolver `marsad serve` answers `actor=Russia` with.
pub fn resolver() -> marsad_serve::Resolver {
    std::sync::Arc::new(resolve_name)
}

/// The code `given` stands for, when it is a name rather than a code: `None` for a code (or
/// anything the knowledge base does not know), which is then used as it is.
pub fn resolve(kb: &Kb, given: &str) -> Option<Resolved> {
    let g = given.trim();
    if g.is_empty() || g.chars().count() > 200 {
        return None;
    }
    let found = if g.is_ascii() {
        let up = g.to_ascii_uppercase();
        if kb.actor_names.contains_key(&up) || kb.entities.iter().any(|e| e.actor.as_deref() == Some(up.as_str())) {
            return None; // a code already
        }
        by_english(kb, g)
    } else {
        by_arabic(kb, g)
    }?;
    Some(Resolved { given: g.to_string(), code: found.0, name: found.1 })
}

/// Rank of an entity kind when a name fits several: a state before a body before a person
/// before a place.
fn rank(k: EntityKind) -> u8 {
    match k {
        EntityKind::Country => 0,
        EntityKind::Org => 1,
        EntityKind::Person => 2,
        _ => 3,
    }
}

/// The code an entity acts for, and the name to show: a person's is "Sergey Lavrov (RUS)".
fn code_of(kb: &Kb, e: &marsad_kb::Entity) -> Option<(String, String)> {
    let code = e.actor.clone().or_else(|| e.country.clone()).or_else(|| e.roles.first().map(|r| r.code.clone()))?;
    let name = match e.kind {
        EntityKind::Country | EntityKind::Org => e.name_en.clone(),
        _ => format!("{}, for {}", e.name_en, kb.actor_name(&code).unwrap_or_else(|| code.clone())),
    };
    Some((code, name))
}

fn by_english(kb: &Kb, g: &str) -> Option<(String, String)> {
    let want = g.to_lowercase();
    let mut best: Option<(u8, &marsad_kb::Entity)> = None;
    for e in &kb.entities {
        let name = e.name_en.to_lowercase();
        // the whole name, or a person's surname alone ("Lavrov")
        let fits = name == want || (e.kind == EntityKind::Person && name.rsplit(' ').next() == Some(want.as_str()));
        if fits && best.is_none_or(|(r, _)| rank(e.kind) < r) {
            best = Some((rank(e.kind), e));
        }
    }
    if let Some((_, e)) = best {
        return code_of(kb, e);
    }
    let mut codes: Vec<(&String, &String)> = kb.actor_names.iter().filter(|(_, n)| n.to_lowercase() == want).collect();
    codes.sort();
    codes.first().map(|(c, n)| (c.to_string(), n.to_string()))
}

fn by_arabic(kb: &Kb, g: &str) -> Option<(String, String)> {
    let doc = marsad_text::analyze(g);
    if doc.tokens.is_empty() {
        return None;
    }
    let hay = Haystack::new(&doc.tokens);
    // the entity whose form covers the most of what was typed, a state before a person
    let mut best: Option<(usize, u8, usize)> = None;
    for h in kb.matcher.find(&hay) {
        if h.form.layer != LAYER_ENTITY {
            continue;
        }
        let (ei, _) = kb.entity_forms[h.form.payload as usize];
        let e = &kb.entities[ei as usize];
        let covered = h.last + 1 - h.first;
        let key = (covered, u8::MAX - rank(e.kind), ei as usize);
        if best.is_none_or(|b| (key.0, key.1) > (b.0, b.1)) {
            best = Some(key);
        }
    }
    let (covered, _, ei) = best?;
    // a name must be what was typed, not a word inside a longer phrase
    if covered != doc.tokens.len() {
        return None;
    }
    code_of(kb, &kb.entities[ei])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_english_and_arabic_resolve_to_their_codes() {
        let kb = Kb::embedded().unwrap();
        for (given, code) in [
            ("Russia", "RUS"),
            ("russia", "RUS"),
            ("روسيا", "RUS"),
            ("لروسيا", "RUS"),
            ("لافروف", "RUS"),
            ("Sergey Lavrov", "RUS"),
            ("Lavrov", "RUS"),
            ("Kazakhstan", "KAZ"),
            ("كازاخستان", "KAZ"),
        ] {
            let r = resolve(&kb, given).unwrap_or_else(|| panic!("{given} did not resolve"));
            assert_eq!(r.code, code, "{given}: {r:?}");
        }
        // codes stay codes, and what is unknown is left alone
        for given in ["RUS", "rus", "IGO:UN", "Atlantis", "كلمة", ""] {
            assert_eq!(resolve(&kb, given), None, "{given}");
        }
    }
}
