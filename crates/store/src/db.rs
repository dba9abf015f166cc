//! One small interface over the two databases: [`Db`] runs a statement with bound [`Val`]s and
//! returns plain [`Row`]s, so the store and every reader are written once and run on SQLite
//! (a `rusqlite::Connection`) and on PostgreSQL ([`crate::pg::PgDb`]).
//!
//! SQL is written once, in the subset both accept (`?N` placeholders, `RETURNING`,
//! `IS NOT DISTINCT FROM`, `ON CONFLICT DO NOTHING`, `CAST(… AS BIGINT)` around sums); the few
//! places that differ (full-text search, week numbers, `max` of two values) ask
//! [`Db::dialect`]. The PostgreSQL side rewrites `?N` to `$N` before preparing.

use crate::{Result, StoreError};

/// Which SQL the connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The larger of two values (SQLite's scalar `max`, PostgreSQL's `greatest`).
    pub fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "max",
            Dialect::Postgres => "greatest",
        }
    }
}

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<usize> for Val {
    fn from(v: usize) -> Val {
        Val::Int(v as i64)
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Val {
        Val::Int(v as i64)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(v as i64)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Real(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        v.as_deref().map_or(Val::Null, Val::from)
    }
}
impl From<&[u8]> for Val {
    fn from(v: &[u8]) -> Val {
        Val::Blob(v.to_vec())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Blob(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// `vals![a, b, c]`: a slice of [`Val`]s from anything that converts into one.
#[macro_export]
macro_rules! vals {
    ($($x:expr),* $(,)?) => { &[$($crate::db::Val::from($x)),*][..] };
}

/// A type a column can be read as.
pub trait FromVal: Sized {
    fn from_val(v: &Val) -> Option<Self>;
}
impl FromVal for i64 {
    fn from_val(v: &Val) -> Option<i64> {
        match v {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromVal for bool {
    fn from_val(v: &Val) -> Option<bool> {
        match v {
            Val::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromVal for f64 {
    fn from_val(v: &Val) -> Option<f64> {
        match v {
            Val::Real(f) => Some(*f),
            Val::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromVal for String {
    fn from_val(v: &Val) -> Option<String> {
        match v {
            Val::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: &Val) -> Option<Vec<u8>> {
        match v {
            Val::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: &Val) -> Option<Option<T>> {
        match v {
            Val::Null => Some(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Val>);

impl Row {
    /// Column `i` as a `T`; an error names the column and what it held.
    pub fn get<T: FromVal>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or_else(|| StoreError::Decode(format!("no column {i} in a row of {}", self.0.len())))?;
        T::from_val(v).ok_or_else(|| StoreError::Decode(format!("column {i} holds {v:?}, not a {}", std::any::type_name::<T>())))
    }
}

/// A connection to one of the two databases.
pub trait Db {
    fn dialect(&self) -> Dialect;
    /// Runs a query and returns every row.
    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>>;
    /// Runs a statement; returns the rows it changed.
    fn exec(&self, sql: &str, params: &[Val]) -> Result<u64>;
    /// Runs several statements with no parameters (transaction control, DDL).
    fn batch(&self, sql: &str) -> Result<()>;
    /// Appends `rows` to `table` (`cols` in order; every row as long as `cols`): the bulk path
    /// for the child rows of a write batch. By default one prepared single-row `INSERT` per
    /// row (for SQLite the fastest: no statement journal, nothing to parse); PostgreSQL
    /// overrides it with one binary `COPY` (one round trip for all the rows).
    fn insert_many(&self, table: &str, cols: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = insert_row_sql(table, cols);
        for row in rows {
            check_row(table, cols, row)?;
            self.exec(&sql, row)?;
        }
        Ok(())
    }
}

/// The single-row `INSERT` of [`Db::insert_many`].
fn insert_row_sql(table: &str, cols: &[&str]) -> String {
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", quoted.join(", "), marks.join(", "))
}

/// A row of [`Db::insert_many`] has one value per column.
fn check_row(table: &str, cols: &[&str], row: &[Val]) -> Result<()> {
    if row.len() != cols.len() {
        return Err(StoreError::Decode(format!("{table}: a row of {} values for {} columns", row.len(), cols.len())));
    }
    Ok(())
}

impl dyn Db + '_ {
    /// The first row, if any.
    pub fn row(&self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
    /// The first column of the first row (an error when there is no row).
    pub fn one<T: FromVal>(&self, sql: &str, params: &[Val]) -> Result<T> {
        match self.row(sql, params)? {
            Some(r) => r.get(0),
            None => Err(StoreError::Decode(format!("no row from: {}", first_line(sql)))),
        }
    }
    /// The first column of the first row, or `None` when there is no row.
    pub fn opt<T: FromVal>(&self, sql: &str, params: &[Val]) -> Result<Option<T>> {
        self.row(sql, params)?.map(|r| r.get(0)).transpose()
    }
    /// The first column of every row.
    pub fn column<T: FromVal>(&self, sql: &str, params: &[Val]) -> Result<Vec<T>> {
        self.rows(sql, params)?.iter().map(|r| r.get(0)).collect()
    }
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("")
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Val::Null => ValueRef::Null,
            Val::Int(i) => ValueRef::Integer(*i),
            Val::Real(f) => ValueRef::Real(*f),
            Val::Text(s) => ValueRef::Text(s.as_bytes()),
            Val::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Db for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn rows(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        use rusqlite::types::ValueRef;
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(i) => Val::Int(i),
                    ValueRef::Real(f) => Val::Real(f),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn exec(&self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }

    /// The default's statements, the statement taken from the cache once for all the rows
    /// instead of once per row (the cache lookup and return were a tenth of the child-row
    /// writes: callgrind).
    fn insert_many(&self, table: &str, cols: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut st = self.prepare_cached(&insert_row_sql(table, cols))?;
        for row in rows {
            check_row(table, cols, row)?;
            st.execute(rusqlite::params_from_iter(row.iter()))?;
        }
        Ok(())
    }
}

/// SQLite placeholders (`?N`, and `?` meaning one more than the largest so far) as
/// PostgreSQL's `$N`; quoted strings and identifiers are left alone.
pub fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut max = 0usize;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n = if digits.is_empty() { max + 1 } else { digits.parse().unwrap_or(max + 1) };
                max = max.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_insert_many_writes_every_row_and_names_a_short_one() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER, \"end\" TEXT)").unwrap();
        let db: &dyn Db = &c;
        let rows: Vec<Vec<Val>> = (0..300).map(|i| vec![Val::Int(i), Val::Text(format!("r{i}"))]).collect();
        db.insert_many("t", &["a", "end"], &rows).unwrap();
        db.insert_many("t", &["a", "end"], &[]).unwrap();
        let n: i64 = c.query_row("SELECT count(*) FROM t WHERE \"end\" = 'r' || a", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 300);
        let e = db.insert_many("t", &["a", "end"], &[vec![Val::Int(1)]]).unwrap_err().to_string();
        assert!(e.contains("t: a row of 1 values for 2 columns"), "{e}");
    }

    #[test]
    fn placeholders_become_numbered_dollars() {
        for (sqlite, pg) in [
            ("SELECT 1", "SELECT 1"),
            ("a = ?1 AND b = ?2", "a = $1 AND b = $2"),
            ("a = ? AND b = ?", "a = $1 AND b = $2"),
            ("a = ?2 OR a = ?1 OR c = ?", "a = $2 OR a = $1 OR c = $3"),
            ("x = '?' AND y = ?1", "x = '?' AND y = $1"),
            ("\"we?ird\" = ?10", "\"we?ird\" = $10"),
            ("x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1"),
        ] {
            assert_eq!(pg_placeholders(sqlite), pg, "{sqlite}");
        }
    }

    #[test]
    fn rows_read_back_what_was_bound() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let db: &dyn Db = &c;
        let r = db.row("SELECT ?1, ?2, ?3, ?4, ?5", vals![7i64, 1.5f64, "عربي", None::<String>, &b"\x00\x01"[..]]).unwrap().unwrap();
        assert_eq!(r.get::<i64>(0).unwrap(), 7);
        assert_eq!(r.get::<f64>(1).unwrap(), 1.5);
        assert_eq!(r.get::<String>(2).unwrap(), "عربي");
        assert_eq!(r.get::<Option<String>>(3).unwrap(), None);
        assert_eq!(r.get::<Vec<u8>>(4).unwrap(), vec![0, 1]);
        let e = r.get::<i64>(2).unwrap_err().to_string();
        assert!(e.contains("column 2") && e.contains("i64"), "{e}");
        assert!(db.one::<i64>("SELECT 1 WHERE 0", &[]).is_err());
        assert_eq!(db.opt::<i64>("SELECT 1 WHERE 0", &[]).unwrap(), None);
    }
}
