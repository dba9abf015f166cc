//! Recognition precision and recall on `tests/regional/recognition.tsv`: sentences about many
//! regions with every named entity labelled. Prints the figures; fails below the floor.

use marsad_extract::{Article, Extractor};
use marsad_kb::Kb;
use std::collections::BTreeSet;

fn fold(s: &str) -> String {
    marsad_text::normalize(s)
}

#[test]
fn regional_recognition_precision_recall() {
    let ex = Extractor::new(Kb::embedded().unwrap());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/regional/recognition.tsv");
    let data = std::fs::read_to_string(path).unwrap();
    let (mut tp, mut fp, mut fn_, mut code_ok, mut code_total, mut gold_total) = (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for (i, line) in data.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).enumerate() {
        let (text, labels) = line.split_once('\t').expect("sentence TAB labels");
        let gold: Vec<(String, String, String)> = labels
            .split('|')
            .map(|l| {
                let (kind, rest) = l.split_once(':').unwrap();
                let (surface, code) = rest.split_once(':').unwrap();
                (kind.to_string(), fold(surface), code.to_string())
            })
            .collect();
        let out = ex.extract(&Article { id: i.to_string(), text: text.into(), ..Default::default() });
        let sys: BTreeSet<(String, String)> = out.mentions.iter().map(|m| (m.kind.clone(), fold(&m.text))).collect();
        let gold_set: BTreeSet<(String, String)> = gold.iter().map(|(k, s, _)| (k.clone(), s.clone())).collect();
        for s in &sys {
            // a leading proclitic may stay attached (as the contract allows)
            let hit = gold_set.contains(s) || gold_set.iter().any(|g| g.0 == s.0 && s.1.len() > g.1.len() && s.1.ends_with(&g.1));
            if hit {
                tp += 1;
            } else {
                fp += 1;
                misses.push(format!("FP {} «{}» in «{text}»", s.0, s.1));
            }
        }
        gold_total += gold.len();
        for (kind, surface, code) in &gold {
            let found = out.mentions.iter().find(|m| m.kind == *kind && (fold(&m.text) == *surface || fold(&m.text).ends_with(surface.as_str())));
            match found {
                None => {
                    fn_ += 1;
                    misses.push(format!("FN {kind} «{surface}» in «{text}»"));
                }
                Some(m) if code != "-" => {
                    code_total += 1;
                    if m.actor.as_deref() == Some(code.as_str()) {
                        code_ok += 1;
                    } else {
                        misses.push(format!("CODE {kind} «{surface}»: {:?}, want {code}", m.actor));
                    }
                }
                Some(_) => {}
            }
        }
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = (gold_total - fn_) as f64 / gold_total.max(1) as f64;
    let codes = code_ok as f64 / code_total.max(1) as f64;
    println!("regional recognition: precision {p:.3}, recall {r:.3}, actor codes right {codes:.3} ({code_ok}/{code_total})");
    for m in &misses {
        println!("  {m}");
    }
    assert!(p >= 0.85 && r >= 0.85 && codes >= 0.9, "regional recognition fell: P {p:.3} R {r:.3} codes {codes:.3}\n{}", misses.join("\n"));
}
