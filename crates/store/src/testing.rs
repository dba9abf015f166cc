//! Test support (not part of the API): a fresh PostgreSQL database per test on the throwaway
//! cluster that `scripts/pg-cluster.sh` starts (its URL in `MARSAD_TEST_PG`), so the store
//! tests run on both databases.
//!
//! Without `MARSAD_TEST_PG` a PostgreSQL test says it skipped and passes, unless
//! `MARSAD_REQUIRE_PG` is set (as `.ci/run` sets it): then it fails, so CI cannot go green
//! without having run them.

use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database on the test cluster; `None` (after saying so) when there
/// is no cluster to use.
pub fn fresh_pg_database(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("MARSAD_TEST_PG") else {
        if std::env::var_os("MARSAD_REQUIRE_PG").is_some() {
            panic!("{test}: MARSAD_REQUIRE_PG is set but MARSAD_TEST_PG is not (start scripts/pg-cluster.sh)");
        }
        eprintln!("{test}: skipped on PostgreSQL (MARSAD_TEST_PG not set; see scripts/pg-cluster.sh)");
        return None;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = format!("marsad_t{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst), nanos);
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap_or_else(|e| panic!("{test}: connecting to {base}: {e}"));
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{test}: creating database {name}: {e}"));
    Some(with_database(&base, &name))
}

/// `url` naming database `db` instead of its own.
pub fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// A [`crate::PgStore`] on a fresh database, or `None` when there is no test cluster.
pub fn pg_store(test: &str) -> Option<crate::PgStore> {
    fresh_pg_database(test).map(|u| crate::PgStore::connect(&u).unwrap_or_else(|e| panic!("{test}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_get_another_database() {
        for (url, want) in [
            ("postgres://u@h:5/postgres", "postgres://u@h:5/x"),
            ("postgres://u@h:5", "postgres://u@h:5/x"),
            ("postgresql://u:p@h/db?sslmode=disable", "postgresql://u:p@h/x?sslmode=disable"),
        ] {
            assert_eq!(super::with_database(url, "x"), want);
        }
    }
}
