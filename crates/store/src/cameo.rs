//! CAMEO root code, QuadClass and Goldstein intensity of a PLOVER type and mode, for exports
//! that GDELT and ICEWS users can join and weigh (docs/export.md). The table is
//! `data/export/plover_cameo.tsv`, derived by `scripts/derive-cameo.py` from PLOVER's
//! CAMEO2PLOVER table (CC BY-SA 4.0) and the Goldstein weights.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../../data/export/plover_cameo.tsv");

/// The CAMEO side of a PLOVER type.
#[derive(Debug, Clone, PartialEq)]
pub struct Cameo {
    /// Two-digit CAMEO root (`04` consult).
    pub root: String,
    /// 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.
    pub quad_class: i64,
    /// Mean Goldstein weight of the CAMEO codes mapped to the type (and mode).
    pub intensity: Option<f64>,
}

fn table() -> &'static HashMap<(String, String), Cameo> {
    static T: OnceLock<HashMap<(String, String), Cameo>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for line in TABLE.lines().filter(|l| !l.starts_with('#') && !l.starts_with("type\t") && !l.trim().is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 {
                continue;
            }
            let Ok(quad_class) = f[3].parse() else { continue };
            m.insert((f[0].to_string(), f[1].to_string()), Cameo { root: f[2].to_string(), quad_class, intensity: f[4].parse().ok() });
        }
        m
    })
}

/// The row of `event_type` and `mode`, else of the type alone.
pub fn of(event_type: &str, mode: Option<&str>) -> Option<&'static Cameo> {
    let t = table();
    mode.and_then(|m| t.get(&(event_type.to_string(), m.to_lowercase()))).or_else(|| t.get(&(event_type.to_string(), "-".to_string())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_plover_type_has_a_root_a_quad_class_and_an_intensity() {
        let types = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];
        for t in types {
            let c = super::of(t, None).unwrap_or_else(|| panic!("{t}"));
            assert!((1..=4).contains(&c.quad_class) && c.intensity.is_some(), "{t}: {c:?}");
        }
        // (type, mode) → (root, quad class, intensity)
        for (t, m, root, q, i) in [("CONSULT", Some("visit"), "04", 1, 2.3), ("CONSULT", None, "04", 1, 3.0), ("ASSAULT", None, "18", 4, -9.6), ("CONSULT", Some("no-such-mode"), "04", 1, 3.0)] {
            let c = super::of(t, m).unwrap();
            assert_eq!((c.root.as_str(), c.quad_class, c.intensity), (root, q, Some(i)), "{t} {m:?}");
        }
    }
}
