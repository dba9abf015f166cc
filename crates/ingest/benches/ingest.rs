//! Ingest throughput (articles/s into the store) on a large corpus:
//! `cargo bench -p marsad-ingest` reads `MARSAD_BENCH_CORPUS` (default
//! `../shared/corpus/bulk/saudinewsnet-sample.jsonl` next to the repository) into a fresh
//! database in the temp directory, then reads it again (all duplicates). Skips when the corpus
//! is missing; never copies it anywhere but the temporary database.

use marsad_extract::Extractor;
use marsad_ingest::{ingest, IngestOptions, Report};
use marsad_store::SqliteStore;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let corpus = std::env::var_os("MARSAD_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bulk/saudinewsnet-sample.jsonl"));
    if !corpus.exists() {
        eprintln!("ingest bench: no corpus at {} (set MARSAD_BENCH_CORPUS); skipped", corpus.display());
        return;
    }
    let ex = Extractor::new(marsad_kb::Kb::embedded().expect("embedded kb"));
    let db = std::env::temp_dir().join(format!("marsad-bench-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let mut store = SqliteStore::open(&db).expect("open store");
    let inputs = [corpus.display().to_string()];
    for label in ["fresh store", "same corpus again (duplicates)"] {
        let t = Instant::now();
        let s = ingest(&mut store, &ex, &inputs, &IngestOptions::default(), &mut |r| {
            if let Report::Failed(e) = r {
                eprintln!("{e}");
            }
        })
        .expect("ingest");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "ingest {label}: {} articles ({} new, {} duplicate, {} failed, {} clusters joined) in {secs:.2} s = {:.0} articles/s",
            s.read + s.failed,
            s.new,
            s.duplicate,
            s.failed,
            s.clusters_joined,
            (s.read + s.failed) as f64 / secs
        );
    }
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
