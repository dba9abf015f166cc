//! # marsad for Python (`import marsad`)
//!
//! **In:** article texts from Python — one string, an iterable of records (dicts with `id`,
//! `text` and optional `title`, `published`, `source`, `url`: the input contract of
//! `marsad extract`), or a pyarrow Table / RecordBatch with those columns.
//! **Out:** exactly what `marsad extract` writes for each article, as Python dicts (the same
//! JSON, loaded), or one pyarrow RecordBatch with one row per event in the columns and types
//! of `marsad export` (`docs/export.md`, rows as `marsad_store::extracted` defines them for an
//! article outside a store) plus the input `id`, handed over through the Arrow C data interface.
//! Records become Python objects directly (src/topy.rs: a serde serializer into dicts and lists,
//! equal to json.loads of the command's line, types and key order included). The knowledge base
//! and tagger are compiled once per process, on first use; extraction runs
//! with the GIL released, on all cores by default, in input order.
//!
//! **Must not:** read files or the network, or keep state between calls besides the compiled
//! knowledge base. Bad records raise `ValueError` naming the record (position and id) and what
//! is wrong, as `marsad extract` reports them; nothing panics across the boundary.

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Schema};
use marsad_extract::{Article, ArticleOut, Extractor};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use std::sync::{Arc, OnceLock};

mod topy;

/// As in the command line: loading the knowledge base and extracting allocate many small
/// strings, and mimalloc keeps the two equally fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The record fields read from a dict or a table column.
const FIELDS: [&str; 6] = ["id", "text", "title", "published", "source", "url"];

/// The extractor, compiled on first use and kept for the life of the process.
fn extractor() -> PyResult<&'static Extractor> {
    static EX: OnceLock<Result<Extractor, String>> = OnceLock::new();
    let ex = EX.get_or_init(|| {
        let kb = marsad_kb::Kb::load(&marsad_kb::Sources::embedded()).map_err(|e| format!("loading the knowledge base: {e}"))?;
        let tagger = marsad_extract::tagger::Model::embedded().map_err(|e| format!("the built-in NER model: {e}"))?;
        Ok(Extractor::with_tagger(kb, Some(tagger)))
    });
    ex.as_ref().map_err(|e| PyRuntimeError::new_err(e.clone()))
}

/// A Python value as JSON, for [`Article::from_json`] to check (its messages say which field
/// has the wrong type).
fn to_json(v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    Ok(if v.is_none() {
        Value::Null
    } else if let Ok(s) = v.cast::<PyString>() {
        Value::String(s.extract::<String>()?)
    } else if v.is_instance_of::<PyBool>() {
        Value::Bool(v.extract()?)
    } else if v.is_instance_of::<PyInt>() {
        match v.extract::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(v.str()?.extract::<String>()?),
        }
    } else if v.is_instance_of::<PyFloat>() {
        // pandas writes a missing value as NaN: it is missing
        let f: f64 = v.extract()?;
        if f.is_nan() {
            Value::Null
        } else {
            Value::from(f)
        }
    } else if v.hasattr("isoformat")? {
        // a date or datetime (a pyarrow date32 or timestamp column): its ISO text
        Value::String(v.call_method0("isoformat")?.extract::<String>()?)
    } else {
        // a list, a dict…: refused by from_json with the field's name
        Value::Array(Vec::new())
    })
}

/// Checks one record as `marsad extract` does; the error names its position and id.
fn article_of(index: usize, o: serde_json::Map<String, serde_json::Value>) -> PyResult<Article> {
    let id = o.get("id").map(|v| match v {
        serde_json::Value::String(s) => format!(" ({s})"),
        serde_json::Value::Number(n) => format!(" ({n})"),
        _ => String::new(),
    });
    Article::from_json(serde_json::Value::Object(o)).map_err(|e| PyValueError::new_err(format!("record {index}{}: {e}", id.unwrap_or_default())))
}

/// One record of `extract_many`: a dict (or any mapping) with the input fields, or a string
/// (the text; its id is its position).
fn record(index: usize, r: &Bound<'_, PyAny>) -> PyResult<Article> {
    let mut o = serde_json::Map::new();
    if let Ok(s) = r.cast::<PyString>() {
        o.insert("id".into(), serde_json::Value::from(index as u64));
        o.insert("text".into(), serde_json::Value::String(s.extract::<String>()?));
    } else if let Ok(d) = r.cast::<PyDict>() {
        for k in FIELDS {
            if let Some(v) = d.get_item(k)? {
                o.insert(k.into(), to_json(&v)?);
            }
        }
    } else if r.hasattr("get")? {
        for k in FIELDS {
            let v = r.call_method1("get", (k,))?;
            if !v.is_none() {
                o.insert(k.into(), to_json(&v)?);
            }
        }
    } else {
        return Err(PyTypeError::new_err(format!("record {index}: a record is a dict with `id` and `text` (or a string), not {}", r.get_type().name()?)));
    }
    article_of(index, o)
}

/// The number of threads: `jobs`, else one per core.
fn threads(jobs: Option<usize>) -> usize {
    jobs.filter(|&j| j > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(1, 64)
}

/// Extracts `batch` on up to `jobs` threads, mapping each result with `then` on the thread
/// that extracted it; results in input order (as `marsad extract --jobs` does).
fn extract_batch<T: Send>(ex: &Extractor, batch: &[Article], jobs: usize, then: impl Fn(ArticleOut) -> T + Sync) -> Vec<T> {
    if jobs <= 1 || batch.len() < 2 {
        return batch.iter().map(|a| then(ex.extract(a))).collect();
    }
    let chunk = batch.len().div_ceil(jobs);
    let then = &then;
    std::thread::scope(|s| {
        let handles: Vec<_> = batch.chunks(chunk).map(|c| s.spawn(move || c.iter().map(|a| then(ex.extract(a))).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
}

/// Records as Python objects: what `json.loads` makes of the lines `marsad extract` writes
/// for them (tested), built directly from the records: less CPU than writing JSON text and
/// loading it (bench.py: extract_many went from about 84 % of the command's speed to 87 %).
fn to_python(py: Python<'_>, outs: &[ArticleOut]) -> PyResult<Vec<Py<PyAny>>> {
    let c = topy::ToPy::new(py);
    outs.iter().map(|o| c.convert(o).map(Bound::unbind).map_err(|e| PyRuntimeError::new_err(format!("record {}: {e}", o.id)))).collect()
}

/// `extract(text, published=None, title=None, *, id="0", source=None, url=None) -> dict`:
/// what `marsad extract` writes for the record `{"id": id, "text": text, …}`, as a dict.
#[pyfunction]
#[pyo3(signature = (text, published=None, title=None, *, id=None, source=None, url=None))]
fn extract(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    published: Option<&Bound<'_, PyAny>>,
    title: Option<&Bound<'_, PyAny>>,
    id: Option<&Bound<'_, PyAny>>,
    source: Option<&Bound<'_, PyAny>>,
    url: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let ex = extractor()?;
    let mut o = serde_json::Map::new();
    o.insert("id".into(), match id {
        Some(v) => to_json(v)?,
        None => serde_json::Value::String("0".into()),
    });
    o.insert("text".into(), to_json(text)?);
    for (k, v) in [("title", title), ("published", published), ("source", source), ("url", url)] {
        if let Some(v) = v {
            o.insert(k.into(), to_json(v)?);
        }
    }
    let art = Article::from_json(serde_json::Value::Object(o)).map_err(PyValueError::new_err)?;
    let out = py.detach(|| ex.extract(&art));
    to_python(py, &[out]).map(|mut v| v.remove(0))
}

/// `extract_many(records, jobs=None) -> list[dict]`: `extract` of every record, in input
/// order, on `jobs` threads (default: one per core) with the GIL released.
#[pyfunction]
#[pyo3(signature = (records, jobs=None))]
fn extract_many(py: Python<'_>, records: &Bound<'_, PyAny>, jobs: Option<usize>) -> PyResult<Py<PyList>> {
    let ex = extractor()?;
    let arts: Vec<Article> = records.try_iter()?.enumerate().map(|(i, r)| record(i, &r?)).collect::<PyResult<_>>()?;
    let jobs = threads(jobs);
    let outs = py.detach(|| extract_batch(ex, &arts, jobs, |out| out));
    Ok(PyList::new(py, to_python(py, &outs)?)?.unbind())
}

/// The articles of a pyarrow Table or RecordBatch (columns `id`, `text`, optional `title`,
/// `published`, `source`, `url`).
fn table_articles(t: &Bound<'_, PyAny>) -> PyResult<Vec<Article>> {
    let names: Vec<String> = t.getattr("column_names").map_err(|_| PyTypeError::new_err("extract_arrow takes a pyarrow Table or RecordBatch"))?.extract()?;
    for need in ["id", "text"] {
        if !names.iter().any(|n| n == need) {
            return Err(PyValueError::new_err(format!("the table has no `{need}` column (it has: {})", names.join(", "))));
        }
    }
    let mut cols: Vec<(&str, Vec<Bound<'_, PyAny>>)> = Vec::new();
    for k in FIELDS {
        if names.iter().any(|n| n == k) {
            let list = t.call_method1("column", (k,))?.call_method0("to_pylist")?;
            cols.push((k, list.try_iter()?.collect::<PyResult<_>>()?));
        }
    }
    let rows = cols.first().map_or(0, |c| c.1.len());
    (0..rows)
        .map(|i| {
            let mut o = serde_json::Map::new();
            for (k, vals) in &cols {
                let v = to_json(&vals[i])?;
                if !v.is_null() {
                    o.insert((*k).into(), v);
                }
            }
            article_of(i, o)
        })
        .collect()
}

/// The event rows of extracted articles as one record batch: the export's columns, then `id`.
fn event_batch(outs: &[(String, Vec<marsad_store::query::EventRow>)]) -> Result<RecordBatch, String> {
    let rows: Vec<&marsad_store::query::EventRow> = outs.iter().flat_map(|(_, r)| r).collect();
    let ids: Vec<&str> = outs.iter().flat_map(|(id, r)| std::iter::repeat_n(id.as_str(), r.len())).collect();
    let batch = marsad_serve::export::record_batch(&rows).map_err(|e| e.to_string())?;
    let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new("id", DataType::Utf8, false)));
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(Arc::new(StringArray::from(ids)));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

/// A Rust record batch as a pyarrow RecordBatch, through the Arrow C data interface.
fn to_pyarrow(py: Python<'_>, batch: RecordBatch) -> PyResult<Py<PyAny>> {
    let data = StructArray::from(batch).into_data();
    let (array, schema) = arrow_array::ffi::to_ffi(&data).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    // pyarrow moves both structs out (it takes their release callbacks); ours are then empty
    // and dropping them frees nothing twice
    let array_ptr = std::ptr::addr_of!(array) as usize;
    let schema_ptr = std::ptr::addr_of!(schema) as usize;
    let rb = py.import("pyarrow")?.getattr("RecordBatch")?.call_method1("_import_from_c", (array_ptr, schema_ptr))?;
    drop((array, schema));
    Ok(rb.unbind())
}

/// `extract_arrow(table_or_batch, jobs=None) -> pyarrow.RecordBatch`: one row per event of
/// the articles of a pyarrow Table or RecordBatch (columns `id`, `text`, optional `title`,
/// `published`, `source`, `url`), in the columns and types of `marsad export` and then `id`
/// (the article's input id); rows in input order.
#[pyfunction]
#[pyo3(signature = (table_or_batch, jobs=None))]
fn extract_arrow(py: Python<'_>, table_or_batch: &Bound<'_, PyAny>, jobs: Option<usize>) -> PyResult<Py<PyAny>> {
    let ex = extractor()?;
    let arts = table_articles(table_or_batch)?;
    let jobs = threads(jobs);
    let batch = py.detach(|| {
        let outs = extract_batch(ex, &arts, jobs, |out| {
            let rows = marsad_store::extracted::event_rows(&out);
            (out.id, rows)
        });
        event_batch(&outs)
    });
    to_pyarrow(py, batch.map_err(PyRuntimeError::new_err)?)
}

/// The knowledge base, compiled now rather than on the first extraction (a worker can call it
/// at start-up); returns the seconds it took, 0 when it was already compiled.
#[pyfunction]
fn load(py: Python<'_>) -> PyResult<f64> {
    let t = std::time::Instant::now();
    py.detach(extractor)?;
    Ok(t.elapsed().as_secs_f64())
}

#[pymodule]
fn _marsad(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(extract_many, m)?)?;
    m.add_function(wrap_pyfunction!(extract_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
