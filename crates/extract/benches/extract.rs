//! `cargo bench -p marsad-extract`: throughput of each stage on the sample articles.
//! Whole-process throughput on tens of MB is measured by `scripts/bench.sh`.

use marsad_extract::{Article, Extractor};
use marsad_kb::Kb;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

fn samples() -> &'static Vec<Article> {
    static S: OnceLock<Vec<Article>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
        let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
        v.sort();
        v.into_iter().map(|p| Article { id: p.file_stem().unwrap().to_string_lossy().into(), text: std::fs::read_to_string(&p).unwrap(), ..Default::default() }).collect()
    })
}

fn bytes() -> u64 {
    samples().iter().map(|a| a.text.len() as u64).sum()
}

fn extractor() -> &'static Extractor {
    static E: OnceLock<Extractor> = OnceLock::new();
    E.get_or_init(|| Extractor::new(Kb::embedded().unwrap()))
}

#[divan::bench(sample_count = 20)]
fn load_kb() -> Kb {
    Kb::embedded().unwrap()
}

#[divan::bench]
fn analyze_text(b: divan::Bencher) {
    b.counter(divan::counter::BytesCount::new(bytes())).bench(|| {
        for a in samples() {
            divan::black_box(marsad_text::analyze(&a.text));
        }
    });
}

#[divan::bench]
fn match_kb(b: divan::Bencher) {
    let ex = extractor();
    let docs: Vec<_> = samples().iter().map(|a| marsad_text::analyze(&a.text)).collect();
    b.counter(divan::counter::BytesCount::new(bytes())).bench(|| {
        for d in &docs {
            let hay = marsad_kb::Haystack::new(&d.tokens);
            divan::black_box(ex.kb().matcher.find(&hay));
        }
    });
}

#[divan::bench]
fn extract_articles(b: divan::Bencher) {
    let ex = extractor();
    b.counter(divan::counter::BytesCount::new(bytes())).bench(|| {
        for a in samples() {
            divan::black_box(ex.extract(a));
        }
    });
}
