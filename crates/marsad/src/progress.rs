//! Progress on stderr for long runs (`ingest`, `extract`) when no progress bar can be drawn —
//! stderr is a file, a pipe or a log — one line every few seconds with counts and the rate, so a
//! run of 100,000 articles is not silent for minutes. `--quiet` silences it.

use std::time::{Duration, Instant};

pub struct Progress {
    what: &'static str,
    every: Option<Duration>,
    start: Instant,
    last: Instant,
}

impl Progress {
    /// A line every `every_secs` seconds (0: at every step), or none when `quiet`; a negative
    /// or infinite interval is refused.
    pub fn new(what: &'static str, every_secs: f64, quiet: bool) -> anyhow::Result<Progress> {
        if !(every_secs.is_finite() && (0.0..=86_400.0).contains(&every_secs)) {
            anyhow::bail!("--progress-every {every_secs}: expected seconds from 0 to 86400");
        }
        let now = Instant::now();
        let every = (!quiet).then(|| Duration::from_secs_f64(every_secs));
        Ok(Progress { what, every, start: now, last: now })
    }

    /// Whether nothing is to be printed (`--quiet`).
    pub fn quiet(&self) -> bool {
        self.every.is_none()
    }

    /// Called after each step with the articles done so far and what else to say; prints when due.
    pub fn tick(&mut self, done: usize, detail: impl FnOnce() -> String) {
        let Some(every) = self.every else { return };
        if self.last.elapsed() < every {
            return;
        }
        self.last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64();
        let d = detail();
        eprintln!("marsad: {}: {done} articles{}{} in {secs:.1} s, {:.0} articles/s", self.what, if d.is_empty() { "" } else { " " }, d, done as f64 / secs.max(1e-9));
    }
}
