//! A small mutation fuzzer that runs on the stable toolchain, on every CI run: the fixtures
//! (pages in three encodings, feeds, UTF-16, plain text) and the samples, cut, spliced,
//! byte-flipped and salted with bytes that break encodings (NUL, 0xFF, lone UTF-8 leads,
//! UTF-16 halves), go through charset decoding, page and feed reading and extraction. Nothing
//! may panic, and every input is handled in bounded time. The seed is fixed, so a failure
//! replays; `MARSAD_MUTATIONS=N` runs N inputs instead of the default.

use marsad_extract::{Article, Extractor};
use marsad_ingest::{decode, feed, html};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [root.join("tests/fixtures"), root.join("../../samples")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            out.push(std::fs::read(f).unwrap());
        }
    }
    assert!(out.len() >= 8, "seeds: {}", out.len());
    out
}

const SALT: &[&[u8]] = &[b"\x00", b"\xff", b"\xc3", b"\xd8", b"\xe2\x80", b"\xf0\x9f", b"\x00\x06", b"\x06\x00", b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbf", b"<", b"]]>", b"&#", b"\r", b".", "\u{0640}".as_bytes(), "،".as_bytes()];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => b.truncate(at.max(1)), // cut (often inside a character)
            1 => {
                let s = SALT[rng.below(SALT.len())];
                b.splice(at..at, s.iter().copied());
            }
            2 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            3 => {
                // splice another seed's middle in
                let o = &seeds[rng.below(seeds.len())];
                let (x, y) = (rng.below(o.len()), rng.below(o.len()));
                let (x, y) = (x.min(y), x.max(y).min(x.min(y) + 4096));
                b.splice(at..at, o[x..y].iter().copied());
            }
            4 if b.len() > 2 => {
                // repeat a slice: long lines and sentences
                let (x, n) = (rng.below(b.len() - 1), 1 + rng.below(200));
                let s: Vec<u8> = b[x..(x + n).min(b.len())].to_vec();
                for _ in 0..rng.below(20) {
                    b.splice(at..at, s.iter().copied());
                }
            }
            _ => b.reverse(),
        }
    }
    b
}

#[test]
fn mutated_pages_feeds_and_texts_never_panic() {
    let ex = Extractor::new(marsad_kb::Kb::embedded().expect("embedded kb"));
    let seeds = seeds();
    let n: usize = std::env::var("MARSAD_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let mut rng = Rng(0x15_0000_2025);
    let labels = [None, Some("utf-8"), Some("windows-1256"), Some("iso-8859-6"), Some("utf-16le"), Some("x-unknown")];
    let t0 = Instant::now();
    let (mut decoded, mut pages, mut feeds, mut slowest) = (0usize, 0usize, 0usize, Duration::ZERO);
    for i in 0..n {
        let input = mutate(&mut rng, &seeds);
        let label = labels[rng.below(labels.len())];
        let t = Instant::now();
        let r = std::panic::catch_unwind(|| {
            let mut counts = (0, 0, 0);
            if let Ok(d) = decode::decode(&input, label) {
                counts.0 = 1;
                if html::looks_like_html(&d.text) && html::read_page(&d.text, Some("https://example.org/a")).is_ok() {
                    counts.1 = 1;
                }
                if feed::looks_like_feed(&d.text) && feed::parse(&d.text).is_ok() {
                    counts.2 = 1;
                }
                let _ = ex.extract(&Article { id: format!("m{i}"), text: d.text, ..Default::default() });
            }
            counts
        });
        let (a, b, c) = r.unwrap_or_else(|_| panic!("input {i} (seed 0x15_0000_2025) panicked; {} bytes, label {label:?}: {:?}", input.len(), String::from_utf8_lossy(&input[..input.len().min(300)])));
        decoded += a;
        pages += b;
        feeds += c;
        slowest = slowest.max(t.elapsed());
    }
    eprintln!("{n} mutated inputs in {:.1?}: {decoded} decoded, {pages} pages, {feeds} feeds read; slowest {slowest:.1?}", t0.elapsed());
    assert!(decoded > n / 4, "the mutations still reach the decoders: {decoded} of {n}");
    assert!(slowest < Duration::from_secs(20), "one input took {slowest:?}");
}
