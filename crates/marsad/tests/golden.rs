//! Golden files: the whole output on the sample articles, byte for byte. Any change to
//! extraction shows up here; when the change is intended, regenerate with
//! `MARSAD_BLESS=1 cargo test -p marsad --test golden` and review the diff before committing.

use marsad_extract::{Article, Extractor};
use marsad_kb::Kb;

#[test]
fn samples_match_golden_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ex = Extractor::new(Kb::embedded().unwrap());
    let mut paths: Vec<_> = std::fs::read_dir(root.join("samples")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    paths.sort();
    let mut got = String::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let id = p.file_stem().unwrap().to_str().unwrap().to_string();
        let out = ex.extract(&Article { id, text, ..Default::default() });
        got.push_str(&serde_json::to_string(&out).unwrap());
        got.push('\n');
    }
    let golden = root.join("tests/golden/samples.jsonl");
    if std::env::var_os("MARSAD_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).expect("tests/golden/samples.jsonl (create it with MARSAD_BLESS=1)");
    if got != want {
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            if g != w {
                let at = g.bytes().zip(w.bytes()).position(|(a, b)| a != b).unwrap_or(0);
                let lo = at.saturating_sub(80);
                panic!("article {i} differs from the golden file at byte {at}:\n got: …{}…\nwant: …{}…\n(MARSAD_BLESS=1 regenerates after review)", safe(g, lo, at + 120), safe(w, lo, at + 120));
            }
        }
        panic!("output has {} lines, golden {}", got.lines().count(), want.lines().count());
    }
}

fn safe(s: &str, lo: usize, hi: usize) -> &str {
    let mut lo = lo.min(s.len());
    while !s.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = hi.min(s.len());
    while !s.is_char_boundary(hi) {
        hi += 1;
    }
    &s[lo..hi]
}

/// `score.py --json` of `gold` (a file in ../shared/eval) on the extractions of `articles`, or
/// `None` (with a note on stderr) when the shared folder or python3 is not there.
fn score(root: &std::path::Path, gold: &str, articles: impl Iterator<Item = Article>) -> Option<serde_json::Value> {
    let eval = root.join("../shared/eval");
    if !eval.join("score.py").exists() {
        eprintln!("skipping: ../shared/eval/score.py not present");
        return None;
    }
    let ex = Extractor::new(Kb::embedded().unwrap());
    let mut out = String::new();
    for art in articles {
        out.push_str(&serde_json::to_string(&ex.extract(&art)).unwrap());
        out.push('\n');
    }
    let pred = std::env::temp_dir().join(format!("marsad-{gold}-{}.jsonl", std::process::id()));
    std::fs::write(&pred, out).unwrap();
    let res = std::process::Command::new("python3").arg(eval.join("score.py")).arg(eval.join(gold)).arg(&pred).arg("--json").output();
    std::fs::remove_file(&pred).ok();
    let Ok(res) = res else {
        eprintln!("skipping: python3 not available");
        return None;
    };
    Some(serde_json::from_slice(&res.stdout).expect("score.py --json output"))
}

/// The components of `v` below their floor (F1 per component, accuracy for event dates).
fn below_floor(v: &serde_json::Value, floor: &[(&str, f64)], dates_min: f64) -> Vec<String> {
    let mut low = Vec::new();
    for &(k, min) in floor {
        let f = v[k]["f1"].as_f64().unwrap();
        if f < min {
            low.push(format!("{k} F1 {f:.3} < {min}"));
        }
    }
    let dates = v["event_dates"]["accuracy"].as_f64().unwrap();
    if dates < dates_min {
        low.push(format!("event date accuracy {dates:.3} < {dates_min}"));
    }
    low
}

/// The evaluation contract's scorer on the dev set, when the shared folder is beside the repo
/// (it is on developers' machines and in CI). Thresholds are the floor the project promised.
#[test]
fn dev_set_score_floor() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths: Vec<_> = std::fs::read_dir(root.join("samples")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    paths.sort();
    let articles = paths.into_iter().map(|p| {
        let text = std::fs::read_to_string(&p).unwrap();
        let id = p.file_stem().unwrap().to_str().unwrap().to_string();
        Article { id, text, ..Default::default() }
    });
    let Some(v) = score(&root, "dev-gold.json", articles) else { return };
    let floor = [("countries", 0.95), ("persons", 0.85), ("places", 0.85), ("orgs", 0.70), ("events", 0.70), ("quantities", 0.90)];
    let low = below_floor(&v, &floor, 1.0);
    assert!(low.is_empty(), "dev-set scores fell below the floor: {}", low.join(", "));
}

/// The devset (60 real articles, `../shared/corpus/devset`): issue 10's targets (events F1 ≥
/// 0.55 with precision and recall ≥ 0.50, event dates ≥ 0.65, countries ≥ 0.95, places ≥ 0.85,
/// quantities ≥ 0.90, at most 3 events in the articles whose gold has none), raised to just under
/// the scores this project reached where it passed them (events 0.600, persons 0.848, orgs
/// 0.884): a ratchet; see docs/quality.md.
#[test]
fn devset_score_floor() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("../shared/corpus/devset/articles.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: the devset ({}) is not present", path.display());
        return;
    };
    let articles = text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str::<Article>(l).expect("devset record"));
    let Some(v) = score(&root, "devset-gold.json", articles) else { return };
    let floor = [("countries", 0.95), ("persons", 0.84), ("places", 0.85), ("orgs", 0.87), ("events", 0.58), ("quantities", 0.90)];
    let mut low = below_floor(&v, &floor, 0.65);
    for side in ["precision", "recall"] {
        if let Some(x) = v["events"][side].as_f64().filter(|&x| x < 0.50) {
            low.push(format!("events {side} {x:.3} < 0.50"));
        }
    }
    if let Some(q) = v["quiet"]["events"].as_u64().or_else(|| v["quiet"].as_u64()) {
        if q > 3 {
            low.push(format!("{q} events in articles whose gold has none (> 3)"));
        }
    }
    assert!(low.is_empty(), "devset scores fell below the floor: {}", low.join(", "));
}
