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

/// The evaluation contract's scorer on the dev set, when the shared folder is beside the repo
/// (it is on developers' machines and in CI). Thresholds are the floor the project promised.
#[test]
fn dev_set_score_floor() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/eval");
    if !shared.join("score.py").exists() {
        eprintln!("skipping: ../shared/eval/score.py not present");
        return;
    }
    let ex = Extractor::new(Kb::embedded().unwrap());
    let mut out = String::new();
    let mut paths: Vec<_> = std::fs::read_dir(root.join("samples")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let id = p.file_stem().unwrap().to_str().unwrap().to_string();
        out.push_str(&serde_json::to_string(&ex.extract(&Article { id, text, ..Default::default() })).unwrap());
        out.push('\n');
    }
    let pred = std::env::temp_dir().join(format!("marsad-dev-{}.jsonl", std::process::id()));
    std::fs::write(&pred, out).unwrap();
    let res = std::process::Command::new("python3").arg(shared.join("score.py")).arg(shared.join("dev-gold.json")).arg(&pred).arg("--json").output();
    std::fs::remove_file(&pred).ok();
    let Ok(res) = res else {
        eprintln!("skipping: python3 not available");
        return;
    };
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).expect("score.py --json output");
    let floor = [("countries", 0.95), ("persons", 0.85), ("places", 0.85), ("orgs", 0.70), ("events", 0.70), ("quantities", 0.90)];
    let mut low = Vec::new();
    for (k, min) in floor {
        let f = v[k]["f1"].as_f64().unwrap();
        if f < min {
            low.push(format!("{k} F1 {f:.3} < {min}"));
        }
    }
    let dates = v["event_dates"]["accuracy"].as_f64().unwrap();
    if dates < 1.0 {
        low.push(format!("event date accuracy {dates:.3} < 1.0"));
    }
    assert!(low.is_empty(), "dev-set scores fell below the floor: {}", low.join(", "));
}

/// The devset (60 real articles, `../shared/corpus/devset`): the scores this project reached,
/// as a ratchet, and at most 3 events in the articles whose gold has none. The targets
/// (events F1 0.55, dates 0.65) are not reached yet; see docs/quality.md.
#[test]
fn devset_score_floor() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    let (score, articles) = (shared.join("eval/score.py"), shared.join("corpus/devset/articles.jsonl"));
    if !score.exists() || !articles.exists() {
        eprintln!("skipping: ../shared/eval/score.py or the devset not present");
        return;
    }
    let ex = Extractor::new(Kb::embedded().unwrap());
    let mut out = String::new();
    for line in std::fs::read_to_string(&articles).unwrap().lines().filter(|l| !l.trim().is_empty()) {
        let art: Article = serde_json::from_str(line).expect("devset record");
        out.push_str(&serde_json::to_string(&ex.extract(&art)).unwrap());
        out.push('\n');
    }
    let pred = std::env::temp_dir().join(format!("marsad-devset-{}.jsonl", std::process::id()));
    std::fs::write(&pred, out).unwrap();
    let res = std::process::Command::new("python3").arg(&score).arg(shared.join("eval/devset-gold.json")).arg(&pred).arg("--json").output();
    std::fs::remove_file(&pred).ok();
    let Ok(res) = res else {
        eprintln!("skipping: python3 not available");
        return;
    };
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).expect("score.py --json output");
    let floor = [("countries", 0.95), ("persons", 0.78), ("places", 0.84), ("orgs", 0.69), ("events", 0.40), ("quantities", 0.90)];
    let mut low = Vec::new();
    for (k, min) in floor {
        let f = v[k]["f1"].as_f64().unwrap();
        if f < min {
            low.push(format!("{k} F1 {f:.3} < {min}"));
        }
    }
    let dates = v["event_dates"]["accuracy"].as_f64().unwrap();
    if dates < 0.33 {
        low.push(format!("event date accuracy {dates:.3} < 0.33"));
    }
    if let Some(q) = v["quiet"]["events"].as_u64().or_else(|| v["quiet"].as_u64()) {
        if q > 3 {
            low.push(format!("{q} events in articles whose gold has none (> 3)"));
        }
    }
    assert!(low.is_empty(), "devset scores fell below the floor: {}", low.join(", "));
}
