//! Reading articles: .txt files, .jsonl files, directories and stdin.
//! Every failure names the file (and line) and says what is wrong; reading goes on.

use anyhow::Result;
use marsad_extract::Article;
// folder identity and the kind of a non-regular path: the same walk rules as `ingest`
use marsad_ingest::source::{dir_id, odd_kind};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// A record that could not be read.
#[derive(Debug)]
pub struct InputError {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

use marsad_extract::{MAX_ARTICLE_BYTES, MAX_INPUT_BYTES};
use std::collections::HashSet;

type Sink<'a> = dyn FnMut(std::result::Result<Article, InputError>) -> Result<()> + 'a;

/// Calls `f` with every article (or read error) under `paths`, in a stable order.
pub fn for_each_article(paths: &[PathBuf], f: &mut Sink<'_>) -> Result<()> {
    let mut seen = HashSet::new();
    for p in paths {
        if p.as_os_str() == "-" {
            let stdin = std::io::stdin();
            read_jsonl(stdin.lock(), "<stdin>", f)?;
        } else {
            visit(p, f, true, &mut seen)?;
        }
    }
    Ok(())
}

fn visit(p: &Path, f: &mut Sink<'_>, explicit: bool, seen: &mut HashSet<(u64, u64)>) -> Result<()> {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => return f(Err(InputError { path: p.display().to_string(), line: None, reason: format!("cannot read: {e}") })),
    };
    if meta.is_dir() {
        if let Some(id) = dir_id(&meta) {
            if !seen.insert(id) {
                return f(Err(InputError { path: p.display().to_string(), line: None, reason: "folder already read (a symbolic link loop, or a second link to it); skipped".into() }));
            }
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return f(Err(InputError { path: p.display().to_string(), line: None, reason: format!("cannot list directory: {e}") })),
        };
        entries.sort();
        for e in entries {
            visit(&e, f, false, seen)?;
        }
        return Ok(());
    }
    if !meta.is_file() {
        // a FIFO would block the run forever, a device never ends
        if !explicit {
            return Ok(());
        }
        return f(Err(InputError { path: p.display().to_string(), line: None, reason: format!("{}, not a regular file (give `-` to read a stream on stdin)", odd_kind(&meta)) }));
    }
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "txt" => read_txt(p, f),
        "jsonl" | "ndjson" => match std::fs::File::open(p) {
            Ok(file) => read_jsonl(std::io::BufReader::new(file), &p.display().to_string(), f),
            Err(e) => f(Err(InputError { path: p.display().to_string(), line: None, reason: format!("cannot open: {e}") })),
        },
        // files found inside a directory that are not articles (README.md, images) are skipped;
        // a file named on the command line must be readable
        _ if !explicit => Ok(()),
        _ => f(Err(InputError { path: p.display().to_string(), line: None, reason: "not a .txt or .jsonl file (use `marsad ingest` for HTML pages and feeds)".into() })),
    }
}

fn read_txt(p: &Path, f: &mut Sink<'_>) -> Result<()> {
    let path = p.display().to_string();
    let limit = |n: usize| InputError { path: path.clone(), line: None, reason: marsad_extract::too_large(n).unwrap_or_default() };
    // refuse a huge file before reading it into memory
    if let Ok(m) = std::fs::metadata(p) {
        if m.len() > MAX_ARTICLE_BYTES as u64 {
            return f(Err(limit(m.len() as usize)));
        }
    }
    let mut bytes = Vec::new();
    let read = std::fs::File::open(p).and_then(|file| std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_ARTICLE_BYTES as u64 + 1), &mut bytes));
    if let Err(e) = read {
        return f(Err(InputError { path, line: None, reason: format!("cannot read: {e}") }));
    }
    if bytes.len() > MAX_ARTICLE_BYTES {
        return f(Err(limit(bytes.len())));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return f(Err(InputError { path, line: None, reason: format!("not UTF-8 (invalid byte at offset {at}); convert it, or use `marsad ingest`, which detects encodings") }));
        }
    };
    if text.contains('\0') {
        return f(Err(InputError { path, line: None, reason: "binary file (contains NUL bytes)".into() }));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    if text.trim().is_empty() {
        // as `marsad ingest` says
        return f(Err(InputError { path, line: None, reason: "empty file (no text)".into() }));
    }
    let id = p.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    f(Ok(Article { id, text, ..Default::default() }))
}

fn read_jsonl(r: impl BufRead, path: &str, f: &mut Sink<'_>) -> Result<()> {
    let mut r = r;
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let n = match marsad_ingest::source::read_line_bounded(&mut r, &mut buf, MAX_INPUT_BYTES) {
            Ok(n) => n,
            Err(e) => return f(Err(InputError { path: path.into(), line: Some(line + 1), reason: format!("read error: {e}") })),
        };
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let err = |reason: String| InputError { path: path.into(), line: Some(line), reason };
        if n > MAX_INPUT_BYTES {
            f(Err(err(format!("record of {n} bytes is larger than the {} MiB limit for one record", MAX_INPUT_BYTES >> 20))))?;
            continue;
        }
        // (simdutf8 checks a valid line several times faster; std's error says where it breaks)
        let s = match simdutf8::basic::from_utf8(&buf).or_else(|_| std::str::from_utf8(&buf)) {
            Ok(s) => s.trim_start_matches('\u{feff}').trim(),
            Err(e) => {
                f(Err(err(format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1))))?;
                continue;
            }
        };
        if s.is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(s) {
            Ok(v) => v,
            Err(e) => {
                f(Err(err(format!("not valid JSON: {e}"))))?;
                continue;
            }
        };
        f(Article::from_json(v).map_err(err))?;
    }
}

