//! Replays every committed fuzz corpus file (`fuzz/corpus/TARGET/*`) through the same entry
//! points the cargo-fuzz targets call (`fuzz/src/lib.rs`, included here), on the stable
//! toolchain, on every CI run: what a fuzzer found, and the corpus it grew, stay fixed without
//! a nightly toolchain. A panic names the target and the file. The megabyte shapes of
//! `extract_long` are replayed at up to 64 KiB in this (debug) build, the size their corpus was
//! minimised at (the same code paths); `MARSAD_FUZZ_FULL=1` replays them at their full size (up
//! to 4 MiB). See docs/fuzzing.md.

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod entries;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no corpus files", dir.display());
    files
}

/// Runs `f` on every file of the target's corpus; returns how many and the slowest.
fn replay(target: &str, f: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> (usize, Duration) {
    let files = corpus(target);
    let mut slowest = Duration::ZERO;
    for p in &files {
        let data = std::fs::read(p).unwrap();
        let t = Instant::now();
        if std::panic::catch_unwind(|| f(&data)).is_err() {
            panic!("fuzz target {target}: {} ({} bytes) panicked; replay it with `cargo +nightly fuzz run {target} {}`", p.display(), data.len(), p.display());
        }
        slowest = slowest.max(t.elapsed());
    }
    eprintln!("{target}: {} corpus files replayed, slowest {slowest:.1?}", files.len());
    (files.len(), slowest)
}

#[test]
fn extract_corpus_replays_clean() {
    replay("extract", entries::extract);
}

#[test]
fn extract_long_corpus_replays_clean() {
    let full = std::env::var("MARSAD_FUZZ_FULL").is_ok_and(|v| v == "1");
    let max = if full { marsad_extract::MAX_ARTICLE_BYTES } else { 64 << 10 };
    replay("extract_long", move |d| entries::extract_long_upto(d, max));
}

#[test]
fn ingest_corpus_replays_clean() {
    replay("ingest", entries::ingest);
}

#[test]
fn query_corpus_replays_clean() {
    let (n, _) = replay("query", entries::query);
    assert!(n >= 10, "the query corpus has its seeds: {n}");
}

/// The entry points check what they promise: a filter that does not survive its round trip,
/// or an error that is not a 4xx, panics (the fuzzers count it as a crash).
#[test]
fn entry_points_check_their_invariants() {
    // every endpoint byte, an empty query, a malformed one and a body
    for e in 0..=255u8 {
        entries::query(&[e]);
        entries::query(&[e, b'%', b'z', b'&', b'=']);
        entries::query(&[&[e][..], b"actor=RUS\n{\"filter\":{\"actor\":\"KAZ\"}}"].concat());
    }
    // each size code and shape of the long inputs builds its text (at a small size here)
    for spec in 0..32u8 {
        entries::extract_long_upto(&[&[spec][..], "التقى وزير الخارجية الروسي نظيره الكازاخستاني في موسكو.".as_bytes()].concat(), 4096);
    }
    assert_eq!(entries::long_size(0), 32 << 10);
    assert_eq!(entries::long_size(7), 4 << 20);
    // each Content-Type and charset code
    for spec in 0..64u8 {
        entries::ingest(&[&[spec][..], "<html><body><p>التقى لافروف نظيره في موسكو</p></body></html>".as_bytes()].concat());
    }
    entries::extract(b"\xff\xfe bad bytes \xd8");
}
