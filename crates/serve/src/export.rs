//! Event exports: CSV, JSON Lines and Parquet, one row per event, columns as in
//! `docs/export.md` (GDELT/POLECAT names where they mean the same). Incidents (one side not
//! named) are exported apart, one row per report, with columns of their own
//! ([`IncidentRow`]); an event export never holds them.

use crate::ServeError;
use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use marsad_store::incidents::IncidentRow;
use marsad_store::query::EventRow;
use std::io::Write;
use std::sync::Arc;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Jsonl => "application/x-ndjson",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

/// One column of an export of rows `R`.
pub enum Col<R> {
    I(fn(&R) -> i64),
    S(fn(&R) -> Option<&str>),
    F(fn(&R) -> Option<f64>),
    /// An ISO day: DATE (Date32) in Parquet, `YYYY-MM-DD` in CSV.
    D(fn(&R) -> Option<&str>),
    /// A nullable integer.
    N(fn(&R) -> Option<i64>),
}

/// Days since 1970-01-01 of an ISO day.
fn epoch_days(d: &str) -> Option<i32> {
    let d: jiff::civil::Date = d.get(..10)?.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    i32::try_from(epoch.until(d).ok()?.get_days()).ok()
}

/// A kind of row that can be exported (events, incidents).
pub trait ExportRow: serde::Serialize + Sized {
    /// The columns of CSV and Parquet, in order.
    fn columns() -> Vec<(&'static str, Col<Self>)>;
    /// The date a dataset is partitioned by.
    fn date(&self) -> Option<&str>;
    /// The `format` of a dataset's marker file.
    const DATASET_FORMAT: &'static str;
}

impl ExportRow for EventRow {
    fn columns() -> Vec<(&'static str, Col<Self>)> {
        columns()
    }
    fn date(&self) -> Option<&str> {
        self.date_start.as_deref().or(self.event_date.as_deref())
    }
    const DATASET_FORMAT: &'static str = "marsad-events-parquet/2";
}

impl ExportRow for IncidentRow {
    fn columns() -> Vec<(&'static str, Col<Self>)> {
        use Col::*;
        vec![
            ("incident_id", I(|r| r.incident_id)),
            ("event_date", S(|r| r.event_date.as_deref())),
            ("date_precision", S(|r| r.date_precision.as_deref())),
            ("date_text", S(|r| r.date_text.as_deref())),
            ("event_type", S(|r| Some(&r.event_type))),
            ("event_mode", S(|r| r.event_mode.as_deref())),
            ("modality", S(|r| Some(&r.modality))),
            ("unnamed_side", S(|r| Some(&r.unnamed_side))),
            ("actor1_code", S(|r| r.actor1_code.as_deref())),
            ("actor1_name", S(|r| r.actor1_name.as_deref())),
            ("actor1_agent", S(|r| r.actor1_agent.as_deref())),
            ("actor2_code", S(|r| r.actor2_code.as_deref())),
            ("actor2_name", S(|r| r.actor2_name.as_deref())),
            ("actor2_agent", S(|r| r.actor2_agent.as_deref())),
            ("place_text", S(|r| r.place_text.as_deref())),
            ("action_geo_fullname", S(|r| r.action_geo_fullname.as_deref())),
            ("action_geo_country_code", S(|r| r.action_geo_country_code.as_deref())),
            ("action_geo_lat", F(|r| r.action_geo_lat)),
            ("action_geo_long", F(|r| r.action_geo_long)),
            ("source_url", S(|r| r.source_url.as_deref())),
            ("source_name", S(|r| r.source_name.as_deref())),
            ("article_id", I(|r| r.article_id)),
            ("article_title", S(|r| r.article_title.as_deref())),
            ("published", S(|r| r.published.as_deref())),
            ("trigger", S(|r| Some(&r.trigger))),
            ("trigger_start", I(|r| r.trigger_start)),
            ("trigger_end", I(|r| r.trigger_end)),
            ("sentence", S(|r| Some(&r.sentence))),
            ("gloss", S(|r| Some(&r.gloss))),
            ("added_at", S(|r| Some(&r.added_at))),
        ]
    }
    fn date(&self) -> Option<&str> {
        self.event_date.as_deref()
    }
    const DATASET_FORMAT: &'static str = "marsad-incidents-parquet/1";
}

/// The event columns, in order.
fn columns() -> Vec<(&'static str, Col<EventRow>)> {
    use Col::*;
    vec![
        ("event_id", I(|r| r.event_id)),
        ("event_date", S(|r| r.event_date.as_deref())),
        ("date_precision", S(|r| r.date_precision.as_deref())),
        ("date_start", D(|r| r.date_start.as_deref())),
        ("date_end", D(|r| r.date_end.as_deref())),
        ("date_source", S(|r| r.date_source.as_deref())),
        ("event_type", S(|r| Some(&r.event_type))),
        ("event_mode", S(|r| r.event_mode.as_deref())),
        ("cameo_root", S(|r| r.cameo_root.as_deref())),
        ("quad_class", N(|r| r.quad_class)),
        ("intensity", F(|r| r.intensity)),
        ("modality", S(|r| Some(&r.modality))),
        ("actor1_code", S(|r| r.actor1_code.as_deref())),
        ("actor1_name", S(|r| r.actor1_name.as_deref())),
        ("actor1_agent", S(|r| r.actor1_agent.as_deref())),
        ("actor1_sector", S(|r| r.actor1_sector.as_deref())),
        ("actor2_code", S(|r| r.actor2_code.as_deref())),
        ("actor2_name", S(|r| r.actor2_name.as_deref())),
        ("actor2_agent", S(|r| r.actor2_agent.as_deref())),
        ("actor2_sector", S(|r| r.actor2_sector.as_deref())),
        ("fatalities", N(|r| r.fatalities)),
        ("action_geo_fullname", S(|r| r.action_geo_fullname.as_deref())),
        ("action_geo_country_code", S(|r| r.action_geo_country_code.as_deref())),
        ("action_geo_lat", F(|r| r.action_geo_lat)),
        ("action_geo_long", F(|r| r.action_geo_long)),
        ("action_geo_feature_class", S(|r| r.action_geo_feature_class.as_deref())),
        ("num_mentions", I(|r| r.num_mentions)),
        ("num_sources", I(|r| r.num_sources)),
        ("num_articles", I(|r| r.num_articles)),
        ("source_url", S(|r| r.source_url.as_deref())),
        ("source_name", S(|r| r.source_name.as_deref())),
        ("article_id", I(|r| r.article_id)),
        ("article_title", S(|r| r.article_title.as_deref())),
        ("published", S(|r| r.published.as_deref())),
        ("trigger", S(|r| Some(&r.trigger))),
        ("trigger_start", I(|r| r.trigger_start)),
        ("trigger_end", I(|r| r.trigger_end)),
        ("sentence", S(|r| Some(&r.sentence))),
        ("gloss", S(|r| Some(&r.gloss))),
        ("added_at", S(|r| Some(&r.added_at))),
    ]
}

/// The column names of CSV and Parquet event exports.
pub fn column_names() -> Vec<&'static str> {
    columns().into_iter().map(|c| c.0).collect()
}

/// The column names of CSV and Parquet exports of `R`.
pub fn column_names_of<R: ExportRow>() -> Vec<&'static str> {
    R::columns().into_iter().map(|c| c.0).collect()
}

fn csv_field(s: &str) -> String {
    // a leading = + - @ would be a formula in a spreadsheet: quote-prefix it
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// Writes `rows` in `format`.
pub fn write<R: ExportRow>(rows: &[R], format: Format, w: impl Write + Send) -> Result<(), ServeError> {
    match format {
        Format::Csv => write_csv(rows, w),
        Format::Jsonl => write_jsonl(rows, w),
        Format::Parquet => write_parquet(&rows.iter().collect::<Vec<_>>(), w),
    }
}

fn write_csv<R: ExportRow>(rows: &[R], w: impl Write) -> Result<(), ServeError> {
    let mut w = std::io::BufWriter::new(w);
    let cols = R::columns();
    writeln!(w, "{}", cols.iter().map(|c| c.0).collect::<Vec<_>>().join(","))?;
    for r in rows {
        let line: Vec<String> = cols
            .iter()
            .map(|(_, c)| match c {
                Col::I(f) => f(r).to_string(),
                Col::S(f) => f(r).map(csv_field).unwrap_or_default(),
                Col::F(f) => f(r).map(|x| x.to_string()).unwrap_or_default(),
                Col::D(f) => f(r).filter(|d| epoch_days(d).is_some()).map(|d| d[..10].to_string()).unwrap_or_default(),
                Col::N(f) => f(r).map(|x| x.to_string()).unwrap_or_default(),
            })
            .collect();
        writeln!(w, "{}", line.join(","))?;
    }
    w.flush()?;
    Ok(())
}

fn write_jsonl<R: ExportRow>(rows: &[R], w: impl Write) -> Result<(), ServeError> {
    let mut w = std::io::BufWriter::new(w);
    for r in rows {
        serde_json::to_writer(&mut w, r).map_err(std::io::Error::other)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

/// The Arrow schema of exports of `R`: the columns in order, integers Int64 (nullable only
/// where the column may be empty), strings Utf8, coordinates and intensity Float64, days Date32.
pub fn arrow_schema<R: ExportRow>() -> Schema {
    let fields: Vec<Field> = R::columns()
        .iter()
        .map(|(n, c)| match c {
            Col::I(_) => Field::new(*n, DataType::Int64, false),
            Col::S(_) => Field::new(*n, DataType::Utf8, true),
            Col::F(_) => Field::new(*n, DataType::Float64, true),
            Col::D(_) => Field::new(*n, DataType::Date32, true),
            Col::N(_) => Field::new(*n, DataType::Int64, true),
        })
        .collect();
    Schema::new(fields)
}

/// `rows` as one Arrow record batch with [`arrow_schema`]: what a Parquet export writes, and
/// what the Python package hands to pyarrow.
pub fn record_batch<R: ExportRow>(rows: &[&R]) -> Result<RecordBatch, ServeError> {
    let cols = R::columns();
    let schema = Arc::new(arrow_schema::<R>());
    let arrays: Vec<ArrayRef> = cols
        .iter()
        .map(|(_, c)| -> ArrayRef {
            match c {
                Col::I(f) => Arc::new(Int64Array::from(rows.iter().map(|r| f(r)).collect::<Vec<_>>())),
                Col::S(f) => Arc::new(StringArray::from(rows.iter().map(|r| f(r)).collect::<Vec<_>>())),
                Col::F(f) => Arc::new(Float64Array::from(rows.iter().map(|r| f(r)).collect::<Vec<_>>())),
                Col::D(f) => Arc::new(Date32Array::from(rows.iter().map(|r| f(r).and_then(epoch_days)).collect::<Vec<_>>())),
                Col::N(f) => Arc::new(Int64Array::from(rows.iter().map(|r| f(r)).collect::<Vec<_>>())),
            }
        })
        .collect();
    RecordBatch::try_new(schema, arrays).map_err(|e| ServeError::Export(e.to_string()))
}

fn write_parquet<R: ExportRow>(rows: &[&R], w: impl Write + Send) -> Result<(), ServeError> {
    let batch = record_batch(rows)?;
    let schema = batch.schema();
    let mut writer = parquet::arrow::ArrowWriter::try_new(w, schema, None).map_err(|e| ServeError::Export(e.to_string()))?;
    writer.write(&batch).map_err(|e| ServeError::Export(e.to_string()))?;
    writer.close().map_err(|e| ServeError::Export(e.to_string()))?;
    Ok(())
}

/// How a Parquet dataset is cut into folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `year=YYYY/`
    Year,
    /// `year=YYYY/month=MM/`
    Month,
}

impl Partition {
    pub fn parse(s: &str) -> Option<Partition> {
        match s {
            "year" => Some(Partition::Year),
            "month" => Some(Partition::Month),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Partition::Year => "year",
            Partition::Month => "month",
        }
    }
}

/// What Hive, Spark, Trino, DuckDB and pyarrow read as a missing partition value (undated
/// events, and the month of a date known only to the year).
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Most rows in one Parquet file of a dataset; a larger partition gets several files.
pub const ROWS_PER_FILE: usize = 250_000;

/// The marker file of a dataset folder (Spark, Trino and DuckDB skip names starting with `_`).
pub const DATASET_MARKER: &str = "_marsad_dataset.json";

/// The partition folder of an event's first possible day (`date_start`): `year=2025/month=10`,
/// `year=2025/month=3` — the month without a leading zero, so that DuckDB, like pyarrow and
/// Spark, types it as an integer (it reads `03` as text).
pub fn partition_of(date: Option<&str>, by: Partition) -> String {
    let year = date.and_then(|d| d.get(0..4)).filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
    let month = date.and_then(|d| d.get(5..7)).and_then(|m| m.parse::<u8>().ok()).map(|m| m.to_string());
    let month = month.as_deref();
    let y = year.unwrap_or(NULL_PARTITION);
    match by {
        Partition::Year => format!("year={y}"),
        Partition::Month => format!("year={y}/month={}", if year.is_some() { month.unwrap_or(NULL_PARTITION) } else { NULL_PARTITION }),
    }
}

/// What a dataset export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dataset {
    pub format: &'static str,
    pub partition_by: &'static str,
    pub rows: usize,
    /// Each file (relative path) and its row count, in path order.
    pub files: Vec<(String, usize)>,
    pub columns: Vec<&'static str>,
}

/// Writes `rows` as a Hive-style partitioned Parquet dataset in `dir`
/// (`year=YYYY/month=MM/part-00000.parquet`, columns as in a single-file export, rows in the
/// order given). The folder is built beside `dir` and swapped in whole, so readers never see a
/// half-written dataset and partitions that no longer exist disappear; an existing `dir` is
/// replaced only when it is empty or a marsad dataset (it holds [`DATASET_MARKER`]). The same
/// rows give byte-identical files.
pub fn write_dataset<R: ExportRow>(rows: &[R], by: Partition, dir: &std::path::Path) -> Result<Dataset, ServeError> {
    use std::collections::BTreeMap;
    let err = |what: &str, p: &std::path::Path, e: std::io::Error| ServeError::Export(format!("{what} {}: {e}", p.display()));
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(|e| err("reading", dir, e))?.next().is_none();
        if !dir.is_dir() || (!empty && !dir.join(DATASET_MARKER).exists()) {
            return Err(ServeError::Export(format!(
                "{} exists and is not a marsad dataset (no {DATASET_MARKER}); give a new or empty folder",
                dir.display()
            )));
        }
    }
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dataset".into());
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let tmp = parent.join(format!(".{name}.part-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut parts: BTreeMap<String, Vec<&R>> = BTreeMap::new();
    for r in rows {
        parts.entry(partition_of(r.date(), by)).or_default().push(r);
    }
    let result = (|| -> Result<Dataset, ServeError> {
        let mut files = Vec::new();
        for (part, rs) in &parts {
            let folder = tmp.join(part);
            std::fs::create_dir_all(&folder).map_err(|e| err("creating", &folder, e))?;
            for (i, chunk) in rs.chunks(ROWS_PER_FILE).enumerate() {
                let rel = format!("{part}/part-{i:05}.parquet");
                let path = tmp.join(&rel);
                let f = std::fs::File::create(&path).map_err(|e| err("creating", &path, e))?;
                write_parquet(chunk, std::io::BufWriter::new(f))?;
                files.push((rel, chunk.len()));
            }
        }
        let ds = Dataset { format: R::DATASET_FORMAT, partition_by: by.name(), rows: rows.len(), files, columns: column_names_of::<R>() };
        let marker = tmp.join(DATASET_MARKER);
        let json = serde_json::to_string_pretty(&ds).map_err(|e| ServeError::Export(e.to_string()))?;
        std::fs::write(&marker, json + "\n").map_err(|e| err("writing", &marker, e))?;
        Ok(ds)
    })();
    let ds = match result {
        Ok(ds) => ds,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // swap the new folder in
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| err("moving aside", dir, e))?;
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(err("renaming into place", dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(ds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-3.5"), "-3.5");
        assert_eq!(column_names().len(), 40);
        // incidents have columns of their own: no counts (never merged), the unnamed side
        let inc = column_names_of::<IncidentRow>();
        assert!(inc.contains(&"incident_id") && inc.contains(&"unnamed_side") && inc.contains(&"place_text"), "{inc:?}");
        assert!(!inc.contains(&"event_id") && !inc.contains(&"num_mentions"), "{inc:?}");
    }

    #[test]
    fn partitions_are_hive_folders_with_missing_parts_as_the_null_partition() {
        for (date, by, want) in [
            (Some("2025-10-22"), Partition::Month, "year=2025/month=10"),
            (Some("2025-03-01"), Partition::Month, "year=2025/month=3"),
            (Some("2025-10"), Partition::Month, "year=2025/month=10"),
            (Some("2025"), Partition::Month, "year=2025/month=__HIVE_DEFAULT_PARTITION__"),
            (None, Partition::Month, "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__"),
            (Some("2025-10-22"), Partition::Year, "year=2025"),
            (Some("junk"), Partition::Year, "year=__HIVE_DEFAULT_PARTITION__"),
        ] {
            assert_eq!(partition_of(date, by), want, "{date:?}");
        }
        assert_eq!(Partition::parse("month"), Some(Partition::Month));
        assert_eq!(Partition::parse("week"), None);
    }
}
