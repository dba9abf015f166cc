//! Is the event reported as happening? A trained check on the rules' violent and protest events.
//!
//! The trigger rules find every attack, killing, kidnapping or protest a sentence *names*; many
//! sentences name one without reporting it: history (اغتالته إسرائيل عام 1989), a charge or an
//! inquiry (تهم قتل، التحقيق في الهجوم), a weapon (طائرة بدون طيار), a figure of speech (خطف
//! الأضواء), a generic statement (الهجمات الإرهابية). Annotators of the Arabic PLOVER gold-standard
//! records (`openeventdata/arabic_event_gsr`, MIT) judged thousands of such sentences; a logistic
//! regression over words around the trigger learns from them which ones report an event.
//!
//! **In:** the analysed document and one candidate event (its type, trigger tokens, sentence,
//! whether the rules made it an event or an incident, its modality).
//! **Out:** the probability that the sentence reports that event; the caller moves candidates
//! under the model's threshold out of `events` and `incidents` into `background`.
//! **Must not:** see anything beyond a window of the trigger (extraction stays linear), score a
//! type it was not trained on, or depend on hash order (training reproduces its file byte for byte).
//!
//! Model file (`data/report/model.tsv`, written by `marsad train-report`): `#` comments, then
//! `threshold<TAB>P` (and optional `TYPE|threshold<TAB>P` for one type), optional
//! `TYPE|domestic<TAB>P`, then one `feature<TAB>weight` per line; a feature is `TYPE|kind:value`,
//! and `TYPE|bias` is the type's intercept. Only types with a bias are scored. `domestic`: an
//! attack with one state and nobody named as the attacker (قتل 16 شخصا في هجوم انتحاري في
//! أفغانستان), an incident by the rules, is the domestic event the evaluation contract asks for
//! (AFG → AFG) when the check is at least this sure the sentence reports it.

use std::collections::{BTreeMap, HashMap};

use marsad_text::{Doc, TokenKind};

/// How many tokens either side of the trigger the features read.
pub const WINDOW: usize = 12;

/// Something wrong with a model file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{file}:{line}: {what}")]
    Bad { file: String, line: usize, what: String },
}

/// What the rules made of a candidate, which the model reads as a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Both sides known: headed for `events`.
    Event,
    /// A side unknown: headed for `incidents`.
    Incident,
    /// Denied or supposed: headed for `unrealised` (training only; never filtered).
    Unrealised,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Event => "event",
            Status::Incident => "incident",
            Status::Unrealised => "unrealised",
        }
    }
}

/// One candidate event as the model sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The kind of name each token of the document belongs to (`COUNTRY`, `PERSON`, …), or
    /// `None`. Names are left out of the features: the check is to learn how attacks are
    /// reported, not who was in the training sentences (read as their kind, `w:COUNTRY` learnt
    /// from the GSR that a sentence naming a state is seldom a report, and cut the devset's
    /// attacks from 6 found to 2). Empty: no names known.
    pub names: &'a [Option<&'static str>],
    pub event_type: &'a str,
    /// First and last token of the trigger.
    pub first: usize,
    pub last: usize,
    pub sentence: usize,
    pub status: Status,
    pub modality: &'a str,
    /// The trigger is a verb (a finite report), not an event noun.
    pub verb: bool,
}

/// A word's form for features: its matching form without a leading conjunction, preposition or
/// article (والهجوم، بالهجوم، للهجوم → هجوم), keeping at least three letters.
pub fn stem(norm: &str) -> &str {
    let mut w = norm;
    for p in ["و", "ف"] {
        if let Some(r) = w.strip_prefix(p) {
            if r.chars().count() >= 3 {
                w = r;
            }
            break;
        }
    }
    for p in ["بال", "كال", "لل", "ال", "ب", "ل"] {
        if let Some(r) = w.strip_prefix(p) {
            if r.chars().count() >= 3 {
                return r;
            }
        }
    }
    w
}

/// The features of one candidate, each prefixed with its type (`ASSAULT|w:هجوم`), sorted and
/// without repeats.
pub fn features(doc: &Doc, c: &Candidate) -> Vec<String> {
    let mut f = FeatureBuf::default();
    f.fill(doc, c);
    f.iter().map(str::to_string).collect()
}

/// The features of one candidate ([`features`]) written into one buffer, not a string each
/// (a string per feature, made by `format!`, was a twentieth of extraction's instructions).
#[derive(Debug, Default)]
struct FeatureBuf {
    text: String,
    /// Each feature's byte span in `text`, sorted by feature and without repeats once filled.
    spans: Vec<(usize, usize)>,
}

impl FeatureBuf {
    /// Appends one feature: `parts` written one after another.
    fn push(&mut self, parts: &[&str]) {
        let start = self.text.len();
        for p in parts {
            self.text.push_str(p);
        }
        self.spans.push((start, self.text.len()));
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|&(a, b)| &self.text[a..b])
    }

    fn fill(&mut self, doc: &Doc, c: &Candidate) {
        self.text.clear();
        self.spans.clear();
        let t = c.event_type;
        let Some(sent) = doc.sentences.get(c.sentence) else { return };
        let lo = sent.tokens.start.max(c.first.saturating_sub(WINDOW));
        let hi = sent.tokens.end.min(c.last + 1 + WINDOW);
        let form = |i: usize| -> Option<&str> {
            if let Some(Some(_)) = c.names.get(i) {
                return None;
            }
            let tok = &doc.tokens[i];
            match tok.kind {
                TokenKind::Word => Some(stem(&tok.norm)),
                TokenKind::Latin => Some(&tok.norm),
                TokenKind::Number => Some("#"),
                TokenKind::Punct => None,
            }
        };
        self.push(&[t, "|bias"]);
        // the trigger's words joined with _
        let start = self.text.len();
        self.text.push_str(t);
        self.text.push_str("|tr:");
        for (k, w) in (c.first..=c.last.min(doc.tokens.len().saturating_sub(1))).filter_map(form).enumerate() {
            if k > 0 {
                self.text.push('_');
            }
            self.text.push_str(w);
        }
        self.spans.push((start, self.text.len()));
        self.push(&[t, "|st:", c.status.as_str()]);
        self.push(&[t, "|mod:", c.modality]);
        self.push(&[t, "|pos:", if c.verb { "verb" } else { "noun" }]);
        // the neighbours, by side and distance (a word before a trigger reads differently after it)
        const NTH: [&str; 2] = ["1:", "2:"];
        let mut before = 0;
        for (k, w) in (lo..c.first).rev().filter_map(form).take(2).enumerate() {
            self.push(&[t, "|L", NTH[k], w]);
            before += 1;
        }
        for (k, w) in (c.last + 1..hi).filter_map(form).take(2).enumerate() {
            self.push(&[t, "|R", NTH[k], w]);
        }
        if before == 0 {
            self.push(&[t, "|L1:^"]);
        }
        // the words of the window, and their pairs
        let mut prev: Option<&str> = None;
        for i in lo..hi {
            if (c.first..=c.last).contains(&i) {
                prev = None;
                continue;
            }
            match form(i) {
                Some(w) => {
                    self.push(&[t, "|w:", w]);
                    if let Some(p) = prev {
                        self.push(&[t, "|b:", p, "_", w]);
                    }
                    prev = Some(w);
                }
                None => prev = None,
            }
        }
        let text = &self.text;
        self.spans.sort_unstable_by(|x, y| text[x.0..x.1].cmp(&text[y.0..y.1]));
        self.spans.dedup_by(|x, y| text[x.0..x.1] == text[y.0..y.1]);
    }
}

/// A trained report model.
#[derive(Debug, Clone)]
pub struct Model {
    weights: marsad_kb::HashMap<String, f32>,
    threshold: f32,
    /// Per-type thresholds and domestic thresholds (`TYPE|threshold`, `TYPE|domestic`).
    by_type: HashMap<String, f32>,
    types: Vec<String>,
}

impl Model {
    /// The model built into marsad (trained from the GSR dev half, `data/report/`).
    pub fn embedded() -> Result<Model, ReportError> {
        Model::parse(include_str!("../../../data/report/model.tsv"), "data/report/model.tsv")
    }

    /// Reads a model file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Model, ReportError> {
        let bad = |line: usize, what: String| ReportError::Bad { file: file.to_string(), line, what };
        let mut weights = marsad_kb::HashMap::default();
        let mut by_type = HashMap::new();
        let mut threshold = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('\t') else { return Err(bad(n + 1, format!("expected FEATURE<TAB>WEIGHT, got {line:?}"))) };
            let v: f32 = v.trim().parse().map_err(|_| bad(n + 1, format!("{v:?} is not a number")))?;
            if !v.is_finite() {
                return Err(bad(n + 1, format!("{v} is not a finite number")));
            }
            let setting = k == "threshold" || k.ends_with("|threshold") || k.ends_with("|domestic");
            if setting && !(0.0..=1.0).contains(&v) {
                return Err(bad(n + 1, format!("{k} {v} is not between 0 and 1")));
            }
            if k == "threshold" {
                threshold = Some(v);
            } else if setting {
                by_type.insert(k.to_string(), v);
            } else if !k.contains('|') {
                return Err(bad(n + 1, format!("feature {k:?} has no TYPE| prefix")));
            } else if weights.insert(k.to_string(), v).is_some() {
                return Err(bad(n + 1, format!("feature {k:?} is listed twice")));
            }
        }
        let threshold = threshold.ok_or_else(|| bad(0, "no threshold line".to_string()))?;
        let mut types: Vec<String> = weights.keys().filter_map(|k| k.strip_suffix("|bias")).map(str::to_string).collect();
        types.sort();
        if types.is_empty() {
            return Err(bad(0, "no TYPE|bias line: the model scores no type".to_string()));
        }
        Ok(Model { weights, threshold, by_type, types })
    }

    /// The event types this model scores.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    pub fn scores(&self, event_type: &str) -> bool {
        self.types.iter().any(|t| t == event_type)
    }

    /// Candidates of this type scoring under this are not reported events.
    pub fn threshold(&self, event_type: &str) -> f32 {
        self.by_type.get(&format!("{event_type}|threshold")).copied().unwrap_or(self.threshold)
    }

    /// How sure the check must be before an attack with one state and nobody named as its
    /// author counts as a domestic event of that state; `None`: never.
    pub fn domestic(&self, event_type: &str) -> Option<f32> {
        self.by_type.get(&format!("{event_type}|domestic")).copied()
    }

    /// One feature's weight (0 when the model does not hold it).
    pub fn weight(&self, feature: &str) -> f32 {
        self.weights.get(feature).copied().unwrap_or(0.0)
    }

    /// The probability that the candidate is reported as happening.
    pub fn probability(&self, feats: &[String]) -> f32 {
        self.probability_of(feats.iter().map(String::as_str))
    }

    /// [`Model::probability`] of features in this order (the sum of their weights is made in it).
    fn probability_of<'f>(&self, feats: impl Iterator<Item = &'f str>) -> f32 {
        let z: f32 = feats.filter_map(|f| self.weights.get(f)).sum();
        1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp())
    }

    /// Scores one candidate, or `None` when the model does not know its type.
    pub fn score(&self, doc: &Doc, c: &Candidate) -> Option<f32> {
        self.scores(c.event_type).then(|| {
            let mut f = FeatureBuf::default();
            f.fill(doc, c);
            self.probability_of(f.iter())
        })
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub epochs: usize,
    pub rate: f64,
    /// L2 shrinkage of the features of each example, per step.
    pub l2: f64,
    pub seed: u64,
    pub threshold: f32,
    /// Per-type settings written as they are (`PROTEST|threshold`, `ASSAULT|domestic`).
    pub settings: Vec<(String, f32)>,
    /// Weights smaller than this are left out of the file.
    pub prune: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { epochs: 20, rate: 0.1, l2: 0.001, seed: 7, threshold: 0.3, settings: Vec::new(), prune: 0.002 }
    }
}

/// Trains a model on (features, reported?) examples; returns the model file's text. The same
/// examples in the same order and options give the same text.
pub fn train(examples: &[(Vec<String>, bool)], opts: &TrainOptions, header: &str) -> String {
    let mut w: BTreeMap<&str, f64> = BTreeMap::new();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut state = opts.seed.max(1);
    for _ in 0..opts.epochs {
        // Fisher–Yates with xorshift64*: reproducible on every platform
        for i in (1..order.len()).rev() {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            order.swap(i, (r % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (feats, yes) = &examples[i];
            let z: f64 = feats.iter().map(|f| w.get(f.as_str()).copied().unwrap_or(0.0)).sum();
            let p = 1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp());
            let g = (if *yes { 1.0 } else { 0.0 } - p) * opts.rate;
            for f in feats {
                let e = w.entry(f.as_str()).or_insert(0.0);
                *e += g - opts.l2 * *e;
            }
        }
    }
    let mut out = String::from(header);
    out.push_str(&format!("threshold\t{}\n", opts.threshold));
    for (k, v) in &opts.settings {
        out.push_str(&format!("{k}\t{v}\n"));
    }
    for (k, v) in w {
        if v.abs() >= opts.prune || k.ends_with("|bias") {
            out.push_str(&format!("{k}\t{v:.4}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_one_proclitic_run() {
        for (w, want) in [("والهجوم", "هجوم"), ("بالهجوم", "هجوم"), ("للهجوم", "هجوم"), ("الهجوم", "هجوم"), ("وقتل", "قتل"), ("فقتل", "قتل"), ("ولد", "ولد"), ("بلد", "بلد"), ("هجوم", "هجوم")] {
            assert_eq!(stem(w), want, "{w}");
        }
    }

    fn cand<'a>(doc: &Doc, word: &str, t: &'a str) -> Candidate<'a> {
        let i = doc.tokens.iter().position(|x| x.norm == marsad_text::normalize(word)).expect(word);
        Candidate { names: &[], event_type: t, first: i, last: i, sentence: doc.tokens[i].sentence, status: Status::Event, modality: "asserted", verb: true }
    }

    #[test]
    fn features_read_the_window_and_no_further() {
        let mut text = String::from("قتل مسلحون 3 جنود أمس");
        for _ in 0..30 {
            text.push_str(" كلمة");
        }
        text.push_str(" بعيدة.");
        let doc = marsad_text::analyze(&text);
        let f = features(&doc, &cand(&doc, "قتل", "ASSAULT"));
        for want in ["ASSAULT|bias", "ASSAULT|tr:قتل", "ASSAULT|L1:^", "ASSAULT|R1:مسلحون", "ASSAULT|st:event", "ASSAULT|pos:verb", "ASSAULT|w:#", "ASSAULT|b:مسلحون_#", "ASSAULT|R2:#"] {
            assert!(f.iter().any(|x| x == want), "{want} missing from {f:?}");
        }
        assert!(!f.iter().any(|x| x.ends_with(":بعيده") || x.ends_with(":بعيدة")), "a word beyond the window was read: {f:?}");
        let mut sorted = f.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(f, sorted);
    }

    #[test]
    fn names_are_left_out() {
        let doc = marsad_text::analyze("شنت إسرائيل غارة على غزة");
        let mut names = vec![None; doc.tokens.len()];
        names[1] = Some("COUNTRY");
        names[4] = Some("PLACE");
        let c = Candidate { names: &names, ..cand(&doc, "شنت", "ASSAULT") };
        let f = features(&doc, &c);
        for want in ["ASSAULT|R1:غاره", "ASSAULT|R2:علي", "ASSAULT|w:علي"] {
            assert!(f.iter().any(|x| x == want), "{want} missing from {f:?}");
        }
        assert!(!f.iter().any(|x| x.contains("اسراييل") || x.contains("غزه") || x.contains("COUNTRY") || x.contains("PLACE")), "a name was read: {f:?}");
        assert!(!f.iter().any(|x| x.contains("b:علي_")), "a pair reaches across a name: {f:?}");
    }

    #[test]
    fn bad_model_files_name_file_and_line() {
        for (text, what) in [
            ("threshold\t0.3\nASSAULT|bias 1\n", "expected FEATURE<TAB>WEIGHT"),
            ("threshold\t0.3\nASSAULT|bias\tx\n", "is not a number"),
            ("threshold\t1.5\nASSAULT|bias\t1\n", "not between 0 and 1"),
            ("ASSAULT|bias\t1\n", "no threshold"),
            ("threshold\t0.3\nASSAULT|w:x\t1\n", "no TYPE|bias"),
            ("threshold\t0.3\nbias\t1\n", "no TYPE| prefix"),
            ("threshold\t0.3\nASSAULT|bias\t1\nASSAULT|bias\t2\n", "listed twice"),
        ] {
            let e = Model::parse(text, "m.tsv").unwrap_err().to_string();
            assert!(e.starts_with("m.tsv:") && e.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn training_separates_and_reproduces() {
        let ex = |w: &str, yes| (vec!["A|bias".to_string(), format!("A|w:{w}")], yes);
        let data: Vec<_> = (0..20).flat_map(|_| [ex("أمس", true), ex("عام", false)]).collect();
        let opts = TrainOptions::default();
        let a = train(&data, &opts, "# test\n");
        assert_eq!(a, train(&data, &opts, "# test\n"), "training is not reproducible");
        let m = Model::parse(&a, "t").unwrap();
        assert_eq!(m.types(), ["A"]);
        let p_yes = m.probability(&["A|bias".to_string(), "A|w:أمس".to_string()]);
        let p_no = m.probability(&["A|bias".to_string(), "A|w:عام".to_string()]);
        assert!(p_yes > 0.8 && p_no < 0.2, "{p_yes} {p_no}");
    }

    #[test]
    fn the_embedded_model_loads() {
        let m = Model::embedded().expect("data/report/model.tsv");
        assert!(m.scores("ASSAULT") && m.scores("PROTEST"), "{:?}", m.types());
        assert!(!m.scores("CONSULT"));
    }
}
