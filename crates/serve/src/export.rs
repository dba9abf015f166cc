//! Event exports: CSV, JSON Lines and Parquet, one row per event, columns as in
//! `docs/export.md` (GDELT/POLECAT names where they mean the same).

use crate::ServeError;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
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

enum Col {
    I(fn(&EventRow) -> i64),
    S(fn(&EventRow) -> Option<&str>),
    F(fn(&EventRow) -> Option<f64>),
}

/// The columns, in order.
fn columns() -> Vec<(&'static str, Col)> {
    use Col::*;
    vec![
        ("event_id", I(|r| r.event_id)),
        ("event_date", S(|r| r.event_date.as_deref())),
        ("date_precision", S(|r| r.date_precision.as_deref())),
        ("event_type", S(|r| Some(&r.event_type))),
        ("event_mode", S(|r| r.event_mode.as_deref())),
        ("modality", S(|r| Some(&r.modality))),
        ("actor1_code", S(|r| r.actor1_code.as_deref())),
        ("actor1_name", S(|r| r.actor1_name.as_deref())),
        ("actor1_agent", S(|r| r.actor1_agent.as_deref())),
        ("actor2_code", S(|r| r.actor2_code.as_deref())),
        ("actor2_name", S(|r| r.actor2_name.as_deref())),
        ("actor2_agent", S(|r| r.actor2_agent.as_deref())),
        ("action_geo_fullname", S(|r| r.action_geo_fullname.as_deref())),
        ("action_geo_country_code", S(|r| r.action_geo_country_code.as_deref())),
        ("action_geo_lat", F(|r| r.action_geo_lat)),
        ("action_geo_long", F(|r| r.action_geo_long)),
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

/// The column names of CSV and Parquet exports.
pub fn column_names() -> Vec<&'static str> {
    columns().into_iter().map(|c| c.0).collect()
}

fn csv_field(s: &str) -> String {
    // a leading = + - @ would be a formula in a spreadsheet: quote-prefix it
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// Writes `rows` in `format`.
pub fn write(rows: &[EventRow], format: Format, w: impl Write + Send) -> Result<(), ServeError> {
    match format {
        Format::Csv => write_csv(rows, w),
        Format::Jsonl => write_jsonl(rows, w),
        Format::Parquet => write_parquet(rows, w),
    }
}

fn write_csv(rows: &[EventRow], w: impl Write) -> Result<(), ServeError> {
    let mut w = std::io::BufWriter::new(w);
    let cols = columns();
    writeln!(w, "{}", cols.iter().map(|c| c.0).collect::<Vec<_>>().join(","))?;
    for r in rows {
        let line: Vec<String> = cols
            .iter()
            .map(|(_, c)| match c {
                Col::I(f) => f(r).to_string(),
                Col::S(f) => f(r).map(csv_field).unwrap_or_default(),
                Col::F(f) => f(r).map(|x| x.to_string()).unwrap_or_default(),
            })
            .collect();
        writeln!(w, "{}", line.join(","))?;
    }
    w.flush()?;
    Ok(())
}

fn write_jsonl(rows: &[EventRow], w: impl Write) -> Result<(), ServeError> {
    let mut w = std::io::BufWriter::new(w);
    for r in rows {
        serde_json::to_writer(&mut w, r).map_err(std::io::Error::other)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn write_parquet(rows: &[EventRow], w: impl Write + Send) -> Result<(), ServeError> {
    let cols = columns();
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, c)| match c {
            Col::I(_) => Field::new(*n, DataType::Int64, false),
            Col::S(_) => Field::new(*n, DataType::Utf8, true),
            Col::F(_) => Field::new(*n, DataType::Float64, true),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = cols
        .iter()
        .map(|(_, c)| -> ArrayRef {
            match c {
                Col::I(f) => Arc::new(Int64Array::from(rows.iter().map(f).collect::<Vec<_>>())),
                Col::S(f) => Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>())),
                Col::F(f) => Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>())),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| ServeError::Export(e.to_string()))?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(w, schema, None).map_err(|e| ServeError::Export(e.to_string()))?;
    writer.write(&batch).map_err(|e| ServeError::Export(e.to_string()))?;
    writer.close().map_err(|e| ServeError::Export(e.to_string()))?;
    Ok(())
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
        assert_eq!(column_names().len(), 30);
    }
}
