//! Memory per input byte (issue 15, finding 4): `marsad extract` and `marsad ingest` on the
//! audit's shapes — one sentence of megabytes (the samples without sentence ends), a flood of
//! blank lines, a flood of dots, and ordinary articles in one file — each at 2 MiB (`MARSAD_MEMORY_MIB` for
//! another size), may use at most [`LIMIT`] bytes of peak resident memory per input byte above
//! the same command on a small article (the knowledge base and the binary). The peak is the
//! process's own VmHWM, which `MARSAD_PEAK_MEMORY=1` has it print at exit: memory, not time,
//! so a loaded machine does not change it. Figures at 8 MiB with the release build are in the
//! README ("Security and limits").

mod support;

use std::path::Path;
use support::*;

/// Bytes of peak memory per input byte above the baseline.
const LIMIT: f64 = 30.0;

/// Runs `marsad ARGS` with the peak report on; returns its peak in bytes.
fn peak(args: &[&std::ffi::OsStr]) -> u64 {
    let out = marsad().args(args).env("MARSAD_PEAK_MEMORY", "1").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find_map(|l| l.strip_prefix("marsad: peak memory ")).unwrap_or_else(|| panic!("no peak memory report in: {err}"));
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().unwrap_or_else(|_| panic!("peak memory: {line}"));
    assert!(out.status.success(), "marsad {args:?}: {err}");
    kib * 1024
}

fn samples() -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("samples")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    files.sort();
    files.into_iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// `unit` repeated to `size` bytes (cut at a character boundary).
fn repeat_to(unit: &str, size: usize) -> String {
    let mut s = unit.repeat(size / unit.len() + 1);
    let mut cut = size;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}

/// The shapes: (name, text).
fn shapes(size: usize) -> Vec<(&'static str, String)> {
    let all = samples();
    let joined: String = all.iter().map(|s| s.chars().map(|c| if matches!(c, '.' | '!' | '?' | '؟' | '؛' | '…' | '\n' | '\r') { ' ' } else { c }).collect::<String>() + " ").collect();
    vec![
        ("one sentence", repeat_to(&joined, size)),
        ("blank lines", repeat_to(&format!("روسيا{}", "\n".repeat(5000)), size)),
        ("dots", repeat_to(&format!("روسيا{}", ".".repeat(5000)), size)),
        ("articles", repeat_to(&(all.join("\n\n") + "\n\n"), size)),
    ]
}

fn check(t: &TempDir, cmd: &str, extra: &dyn Fn(&Path) -> Vec<std::ffi::OsString>) {
    let mib: usize = std::env::var("MARSAD_MEMORY_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let small = t.0.join("small.txt");
    std::fs::write(&small, &samples()[0]).unwrap();
    let run = |input: &Path| {
        let mut args: Vec<std::ffi::OsString> = vec![cmd.into()];
        args.extend(extra(input));
        args.push(input.into());
        peak(&args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>())
    };
    let base = run(&small);
    let mut worst = (0.0, "");
    for (name, text) in shapes(mib << 20) {
        let p = t.0.join(format!("{}.txt", name.replace(' ', "-")));
        std::fs::write(&p, &text).unwrap();
        let got = run(&p);
        let per_byte = got.saturating_sub(base) as f64 / text.len() as f64;
        eprintln!("{cmd} {name}: {} bytes, peak {} MiB (small article {} MiB): {per_byte:.1} bytes per input byte", text.len(), got >> 20, base >> 20);
        if per_byte > worst.0 {
            worst = (per_byte, name);
        }
    }
    assert!(worst.0 <= LIMIT, "{cmd} of {}: {:.1} bytes of memory per input byte, over the limit of {LIMIT}", worst.1, worst.0);
}

#[test]
fn extract_memory_per_input_byte_is_bounded() {
    let t = TempDir::new("memory-extract");
    check(&t, "extract", &|_| vec![]);
}

#[test]
fn ingest_memory_per_input_byte_is_bounded() {
    let t = TempDir::new("memory-ingest");
    let dir = t.0.clone();
    check(&t, "ingest", &move |input| {
        let db = dir.join(format!("{}.db", input.file_stem().unwrap().to_string_lossy()));
        vec!["--quiet".into(), "--db".into(), db.into()]
    });
}
