//! The `marsad` binary as a user runs it: inputs of every kind, bad input reported with file,
//! line and reason, and the run going on.

use std::io::Write;
use std::process::{Command, Stdio};

fn marsad() -> Command {
    Command::new(env!("CARGO_BIN_EXE_marsad"))
}

fn samples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("each output line is JSON")).collect()
}

#[test]
fn extract_directory_in_stable_order() {
    let out = marsad().arg("extract").arg(samples()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&out.stdout);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["000_274dd2e25862baf1", "001_aab35a8e27cb08f8", "002_c7ecc5b4abfe951f", "003_b729a07f9698dee4", "004_4fe84c6801f8dc08"]);
    for r in &recs {
        for k in ["mentions", "events", "quantities", "dates", "sentences"] {
            assert!(r[k].is_array(), "{k} in {}", r["id"]);
        }
    }
}

#[test]
fn spans_point_at_the_text() {
    let text = std::fs::read_to_string(samples().join("004_4fe84c6801f8dc08.txt")).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let out = marsad().arg("extract").arg(samples().join("004_4fe84c6801f8dc08.txt")).output().unwrap();
    let rec = &lines(&out.stdout)[0];
    let mut n = 0;
    for m in rec["mentions"].as_array().unwrap() {
        let (s, e) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
        let got: String = chars[s..e].iter().collect();
        assert_eq!(got, m["text"].as_str().unwrap());
        n += 1;
    }
    assert!(n > 5, "expected mentions in the Lavrov–Kazykhanov article");
    for ev in rec["events"].as_array().unwrap() {
        let (s, e) = (ev["start"].as_u64().unwrap() as usize, ev["end"].as_u64().unwrap() as usize);
        let got: String = chars[s..e].iter().collect();
        assert_eq!(got, ev["trigger"].as_str().unwrap());
        assert!(!ev["gloss"].as_str().unwrap().is_empty());
    }
}

#[test]
fn stdin_jsonl_with_bad_records_goes_on() {
    let input = concat!(
        "{\"id\": \"a1\", \"text\": \"التقى الرئيس التركي رجب طيب أردوغان نظيره الروسي فلاديمير بوتين في سوتشي.\", \"published\": \"2025-09-01\"}\n",
        "{not json}\n",
        "\n",
        "{\"id\": \"a2\"}\n",
        "[1, 2]\n",
        "{\"id\": \"a3\", \"text\": \"\", \"published\": \"yesterday\"}\n",
        "{\"id\": 7, \"text\": \"وقعت تركيا وكازاخستان 18 اتفاقية.\"}\n",
    );
    let mut child = marsad().args(["extract", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed record makes the exit code 1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:2: not valid JSON"), "{err}");
    assert!(err.contains("<stdin>:4: record a2: missing field `text`"), "{err}");
    assert!(err.contains("<stdin>:5: a record must be a JSON object"), "{err}");
    assert!(err.contains("<stdin>:6: record a3: `published`"), "{err}");
    let recs = lines(&out.stdout);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a1", "7"]);
    assert_eq!(recs[0]["published"], "2025-09-01");
}

#[test]
fn bad_files_are_named_and_skipped() {
    let dir = std::env::temp_dir().join(format!("marsad-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a_latin1.txt"), b"caf\xe9 \xff\xfe").unwrap();
    std::fs::write(dir.join("b_binary.txt"), b"\x00\x01\x02ELF").unwrap();
    std::fs::write(dir.join("c_empty.txt"), b"").unwrap();
    std::fs::write(dir.join("d_bom.txt"), "\u{feff}زار أردوغان كازاخستان.".as_bytes()).unwrap();
    std::fs::write(dir.join("notes.md"), b"ignored inside a directory").unwrap();
    let out = marsad().arg("extract").arg(&dir).arg(dir.join("missing.txt")).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a_latin1.txt: not UTF-8"), "{err}");
    assert!(err.contains("b_binary.txt: binary file"), "{err}");
    assert!(err.contains("missing.txt: cannot read"), "{err}");
    // an empty file is an error, as in `marsad ingest`
    assert!(err.contains("c_empty.txt: empty file"), "{err}");
    let recs = lines(&out.stdout);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["d_bom"]);
    assert!(recs[0]["mentions"].as_array().unwrap().iter().any(|m| m["actor"] == "KAZ"));
}

#[test]
fn kb_check_passes_on_the_shipped_data() {
    let out = marsad().args(["kb", "check"]).output().unwrap();
    assert!(out.status.success(), "kb check found problems:\n{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn kb_lookup_explains_clitics() {
    let out = marsad().args(["kb", "lookup", "لكازاخستان"]).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("KAZ") && s.contains("proclitic «ل»"), "{s}");
}

/// Extraction is a pure function of the record: four shards piped through `marsad extract -`
/// in parallel give exactly the lines one process gives, after sorting (so any engine can map
/// it over shards: GNU parallel, Spark's `pipe`, a Kafka consumer feeding stdin).
#[test]
fn shards_in_parallel_equal_one_process() {
    let dir = std::env::temp_dir().join(format!("marsad-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut records = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(samples()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    paths.sort();
    for rep in 0..8 {
        for p in &paths {
            let text = std::fs::read_to_string(p).unwrap();
            // vary the records so that shards differ in content, not only in ids
            let text: String = text.lines().skip(rep % 3).collect::<Vec<_>>().join("\n");
            let rec = serde_json::json!({"id": format!("{}-{rep}", p.file_stem().unwrap().to_string_lossy()), "text": text, "published": "2025-10-22"});
            records.push(rec.to_string());
        }
    }
    let all = dir.join("all.jsonl");
    std::fs::write(&all, records.join("\n") + "\n").unwrap();
    let mut shard_paths = Vec::new();
    for s in 0..4 {
        let p = dir.join(format!("shard{s}.jsonl"));
        let part: Vec<&String> = records.iter().skip(s).step_by(4).collect();
        std::fs::write(&p, part.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("\n") + "\n").unwrap();
        shard_paths.push(p);
    }
    // each shard as a stage of a pipeline: JSON Lines in on stdin, JSON Lines out on stdout
    let children: Vec<_> = shard_paths
        .iter()
        .map(|p| marsad().args(["extract", "-"]).stdin(std::fs::File::open(p).unwrap()).stdout(Stdio::piped()).spawn().unwrap())
        .collect();
    let mut sharded: Vec<String> = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        sharded.extend(String::from_utf8(out.stdout).unwrap().lines().map(str::to_string));
    }
    let one = marsad().arg("extract").arg(&all).output().unwrap();
    // threads inside one process never change the output or its order
    let serial = marsad().args(["extract", "--jobs", "1"]).arg(&all).output().unwrap();
    let threaded = marsad().args(["extract", "--jobs", "3"]).arg(&all).output().unwrap();
    assert!(serial.stdout == threaded.stdout && serial.stdout == one.stdout, "--jobs changed the output");
    std::fs::remove_dir_all(&dir).ok();
    let mut single: Vec<String> = String::from_utf8(one.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(single.len(), 40);
    single.sort();
    sharded.sort();
    assert!(single == sharded, "sharded output differs from one process");
}

/// A file far larger than any article is refused with its size, without reading it whole,
/// and the other inputs are still extracted.
#[test]
fn huge_article_is_refused() {
    let dir = std::env::temp_dir().join(format!("marsad-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.txt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(9 << 20).unwrap(); // sparse: 9 MiB of NUL bytes on disk
    let out = marsad().arg("extract").arg(&big).arg(samples().join("000_274dd2e25862baf1.txt")).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("big.txt: text of 9437184 bytes is larger than the 8 MiB limit for one article"), "{err}");
    assert_eq!(lines(&out.stdout).len(), 1);
}

/// `train-ner` writes a model that `--ner-model` reads, the same bytes for the same data and
/// seed; a bad CoNLL line and a file that is not a model are refused with their names; `off`
/// turns the tagger off; `kb lookup` explains a tagged name with its score.
#[test]
fn train_ner_and_ner_model() {
    let dir = std::env::temp_dir().join(format!("marsad-ner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut conll = String::new();
    for (p, l) in [("ميرتان كوستاف", "برلين"), ("بيلور دانسكي", "باريس"), ("فارنو تيلكا", "روما"), ("زاغور مينكو", "مدريد")] {
        let (a, b) = p.split_once(' ').unwrap();
        conll.push_str(&format!("و\tO\nقال\tO\n{a}\tB-Politician\n{b}\tI-Politician\nفي\tO\n{l}\tB-Population-Center\n.\tO\n\n"));
    }
    let data = dir.join("train.conll");
    std::fs::write(&data, &conll).unwrap();
    let (m1, m2) = (dir.join("a.bin"), dir.join("b.bin"));
    for m in [&m1, &m2] {
        let out = marsad().arg("train-ner").arg(&data).arg("--out").arg(m).args(["--epochs", "4", "--seed", "3"]).arg("--eval").arg(&data).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("micro "), "--eval prints scores");
    }
    assert_eq!(std::fs::read(&m1).unwrap(), std::fs::read(&m2).unwrap(), "training is reproducible");
    let input = "{\"id\": \"n\", \"text\": \"وقال ميرتان دانسكي في باريس أمس.\"}\n";
    let run = |model: &std::path::Path| {
        let mut child = marsad().arg("--ner-model").arg(model).args(["extract", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&m1);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rec = &lines(&out.stdout)[0];
    let tagged: Vec<&serde_json::Value> = rec["mentions"].as_array().unwrap().iter().filter(|m| m["how"] == "tagger").collect();
    assert!(tagged.iter().any(|m| m["text"] == "ميرتان دانسكي" && m["kind"] == "PERSON" && m["score"].as_f64().is_some_and(|s| s > 0.5)), "{rec}");
    let off = run(std::path::Path::new("off"));
    assert!(!lines(&off.stdout)[0]["mentions"].as_array().unwrap().iter().any(|m| m["how"] == "tagger"));
    // not a model
    let bad = run(&data);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("loading the NER model") && err.contains("train.conll") && err.contains("magic"), "{err}");
    // a bad training line
    std::fs::write(&data, "قال\tO\nميرتان B-Politician\n").unwrap();
    let out = marsad().arg("train-ner").arg(&data).arg("--out").arg(dir.join("c.bin")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("train.conll:2: expected TOKEN<TAB>TAG"), "{err}");
    // kb lookup explains a tagged name
    let out = marsad().arg("--ner-model").arg(&m1).args(["kb", "lookup", "وقال ميرتان دانسكي في باريس"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("«ميرتان دانسكي» → PERSON (how: \"tagger\", score"), "{said}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `train-report` learns from labelled sentences which attacks are reported and which only
/// named; the same data gives the same file; `--report-model` moves what the check rejects into
/// `background`, `off` keeps it as an event; bad records and bad model files are refused with
/// their names; training with the built-in check on is refused.
#[test]
fn train_report_and_report_model() {
    let dir = std::env::temp_dir().join(format!("marsad-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("id,event_type,label,accept,reject,total,text\n");
    for i in 0..15 {
        csv.push_str(&format!("y{i},ASSAULT,yes,3,0,3,شنت إسرائيل غارات على لبنان أمس.\n"));
        csv.push_str(&format!("n{i},ASSAULT,easy no,0,3,3,\"شنت إسرائيل غارات على لبنان في حرب قديمة، كما يذكر المؤرخون.\"\n"));
        csv.push_str(&format!("a{i},ASSAULT,ambiguous,1,1,2,شنت إسرائيل غارات على لبنان.\n"));
    }
    let data = dir.join("gsr.csv");
    std::fs::write(&data, &csv).unwrap();
    let (m1, m2) = (dir.join("a.tsv"), dir.join("b.tsv"));
    for m in [&m1, &m2] {
        let out = marsad().args(["--report-model", "off", "train-report"]).arg(&data).arg("--out").arg(m).args(["--threshold", "0.5", "--set", "ASSAULT|domestic=0.9"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("30 records"), "ambiguous records are left out: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(std::fs::read(&m1).unwrap(), std::fs::read(&m2).unwrap(), "training is reproducible");
    assert!(std::fs::read_to_string(&m1).unwrap().contains("ASSAULT|domestic\t0.9"));
    let run = |model: &std::path::Path, text: &str| {
        let mut child = marsad().arg("--report-model").arg(model).args(["extract", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let line = serde_json::json!({"id": "r", "text": text}).to_string() + "\n";
        child.stdin.take().unwrap().write_all(line.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let types = |v: &serde_json::Value, field: &str| -> Vec<String> { v[field].as_array().unwrap().iter().map(|e| format!("{} {}→{}", e["type"].as_str().unwrap(), e["source"]["actor"].as_str().unwrap_or("?"), e["target"]["actor"].as_str().unwrap_or("?"))).collect() };
    let reported = &lines(&run(&m1, "شنت إسرائيل غارات على لبنان أمس.").stdout)[0];
    assert_eq!(types(reported, "events"), ["ASSAULT ISR→LBN"], "{reported}");
    let history = &lines(&run(&m1, "شنت إسرائيل غارات على لبنان في حرب قديمة، كما يذكر المؤرخون.").stdout)[0];
    assert!(types(history, "events").is_empty(), "{history}");
    assert_eq!(types(history, "background"), ["ASSAULT ISR→LBN"], "{history}");
    let off = &lines(&run(std::path::Path::new("off"), "شنت إسرائيل غارات على لبنان في حرب قديمة، كما يذكر المؤرخون.").stdout)[0];
    assert_eq!(types(off, "events"), ["ASSAULT ISR→LBN"], "{off}");
    // not a model
    let bad = run(&data, "شنت إسرائيل غارات على لبنان أمس.");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("reading the report model") || err.contains("gsr.csv:1:"), "{err}");
    // a bad label names the file and record; the built-in check must be off to train
    std::fs::write(&data, "id,event_type,label,text\nx,ASSAULT,maybe,نص\n").unwrap();
    let out = marsad().args(["--report-model", "off", "train-report"]).arg(&data).arg("--out").arg(dir.join("c.tsv")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gsr.csv: record 1 (x): label \"maybe\""), "{err}");
    let out = marsad().arg("train-report").arg(&data).arg("--out").arg(dir.join("c.tsv")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--report-model off"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The built-in report model is what `marsad train-report` makes of the GSR dev half (the
/// command in data/report/model.tsv's header), byte for byte.
#[test]
fn built_in_report_model_reproduces() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/gsr");
    let (a, p) = (shared.join("assault_gsr_dev.csv"), shared.join("protest_gsr_dev.csv"));
    if !a.exists() || !p.exists() {
        eprintln!("skipped: ../shared/corpus/gsr is not beside the project");
        return;
    }
    let built_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/report/model.tsv");
    let want = std::fs::read_to_string(&built_in).unwrap();
    let cmd = want.lines().find_map(|l| l.split_once("Written by `marsad train-report ")).map(|(_, r)| r.split('`').next().unwrap().to_string()).expect("the header names its command");
    let out_file = std::env::temp_dir().join(format!("marsad-report-builtin-{}.tsv", std::process::id()));
    let mut c = marsad();
    c.args(["--report-model", "off", "train-report"]).arg(&a).arg(&p).arg("--out").arg(&out_file);
    // the settings the header gives (--threshold X --set 'K=V' …)
    let rest = cmd.split(" --report-model off").nth(1).unwrap_or("");
    for part in rest.split(" --").filter(|s| !s.is_empty()) {
        let (k, v) = part.split_once(' ').unwrap();
        c.arg(format!("--{k}")).arg(v.trim_matches('\''));
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = std::fs::read_to_string(&out_file).unwrap();
    std::fs::remove_file(&out_file).ok();
    assert!(got == want, "data/report/model.tsv is not what `marsad train-report` makes now: retrain it (see its header)");
}
