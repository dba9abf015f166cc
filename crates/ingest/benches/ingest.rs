//! Ingest throughput (articles/s into the store) on a large corpus, into the embedded SQLite
//! store and, when a PostgreSQL server is given, into PostgreSQL on the same input:
//!
//!     cargo bench -p marsad-ingest
//!     eval "$(MARSAD_PG_FSYNC=on scripts/pg-cluster.sh start)"; cargo bench -p marsad-ingest
//!
//! Reads `MARSAD_BENCH_CORPUS` (default `../shared/corpus/bulk/saudinewsnet-sample.jsonl` next
//! to the repository) into a fresh store, then reads it again (all duplicates: extraction is
//! skipped, so that run is mostly the store's lookups). PostgreSQL: a fresh database on the
//! server of `MARSAD_TEST_PG` (see `scripts/pg-cluster.sh`). Skips what it lacks; never copies
//! the corpus anywhere but the temporary stores.

use marsad_extract::Extractor;
use marsad_ingest::{ingest, IngestOptions, Report};
use marsad_store::{SqliteStore, Store};
use std::path::PathBuf;
use std::time::Instant;

fn run(name: &str, store: &mut dyn Store, ex: &Extractor, inputs: &[String]) {
    for label in ["fresh store", "same corpus again (duplicates)"] {
        let t = Instant::now();
        let s = ingest(store, ex, inputs, &IngestOptions::default(), &mut |r| {
            if let Report::Failed(e) = r {
                eprintln!("{e}");
            }
        })
        .expect("ingest");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "ingest into {name}, {label}: {} articles ({} new, {} duplicate, {} failed, {} clusters joined) in {secs:.2} s = {:.0} articles/s",
            s.read + s.failed,
            s.new,
            s.duplicate,
            s.failed,
            s.clusters_joined,
            (s.read + s.failed) as f64 / secs
        );
    }
}

fn main() {
    let corpus = std::env::var_os("MARSAD_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bulk/saudinewsnet-sample.jsonl"));
    if !corpus.exists() {
        eprintln!("ingest bench: no corpus at {} (set MARSAD_BENCH_CORPUS); skipped", corpus.display());
        return;
    }
    let ex = Extractor::new(marsad_kb::Kb::embedded().expect("embedded kb"));
    let inputs = [corpus.display().to_string()];

    let db = std::env::temp_dir().join(format!("marsad-bench-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let mut store = SqliteStore::open(&db).expect("open store");
    run("SQLite", &mut store, &ex, &inputs);
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }

    match marsad_store::testing::fresh_pg_database("ingest bench") {
        Some(url) => {
            let mut store = marsad_store::PgStore::connect(&url).expect("connect to PostgreSQL");
            run("PostgreSQL", &mut store, &ex, &inputs);
        }
        None => eprintln!("ingest bench: PostgreSQL skipped (start scripts/pg-cluster.sh)"),
    }
}
