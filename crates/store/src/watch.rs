//! The cursor of `marsad watch`: for each watched feed or page, the validators of its last
//! answer (ETag, Last-Modified) for conditional GET, its errors in a row (backoff), when it is
//! next due, and counts; and which of a feed's items are already stored (by the origin
//! `feed-url#item` of their sightings). Kept in the store, so a restarted watcher resumes
//! where the last one stopped, and several watchers of one PostgreSQL store share it.

use crate::db::{Db, Dialect};
use crate::{vals, Result};
use serde::Serialize;
use std::collections::HashSet;

/// A watched URL's state.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FeedCursor {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Errors in a row (0 after a success or a 304).
    pub failures: i64,
    /// When it is next due (unix seconds).
    pub next_poll: Option<i64>,
    pub polls: i64,
    /// New articles stored from it, in all.
    pub articles: i64,
    pub last_status: Option<String>,
    pub polled_at: Option<String>,
}

/// The cursor of `url`, if it was ever polled.
pub fn cursor(c: &dyn Db, url: &str) -> Result<Option<FeedCursor>> {
    c.row("SELECT url, etag, last_modified, failures, next_poll, polls, articles, last_status, polled_at FROM watch_feeds WHERE url = ?1", vals![url])?
        .map(|r| {
            Ok(FeedCursor {
                url: r.get(0)?,
                etag: r.get(1)?,
                last_modified: r.get(2)?,
                failures: r.get(3)?,
                next_poll: r.get(4)?,
                polls: r.get(5)?,
                articles: r.get(6)?,
                last_status: r.get(7)?,
                polled_at: r.get(8)?,
            })
        })
        .transpose()
}

/// Every cursor, by URL.
pub fn cursors(c: &dyn Db) -> Result<Vec<FeedCursor>> {
    let urls: Vec<String> = c.column("SELECT url FROM watch_feeds ORDER BY url", &[])?;
    let mut out = Vec::new();
    for u in urls {
        if let Some(x) = cursor(c, &u)? {
            out.push(x);
        }
    }
    Ok(out)
}

/// Records one poll of `cur.url`: its validators, failures, next due time and status; adds
/// `new_articles` to its count. Call it after what the poll read is committed.
pub fn record_poll(c: &dyn Db, cur: &FeedCursor, new_articles: i64, polled_at: &str) -> Result<()> {
    c.exec(
        "INSERT INTO watch_feeds (url, etag, last_modified, failures, next_poll, polls, articles, last_status, polled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
             failures = excluded.failures, next_poll = excluded.next_poll, polls = watch_feeds.polls + 1,
             articles = watch_feeds.articles + excluded.articles, last_status = excluded.last_status, polled_at = excluded.polled_at",
        vals![&cur.url, &cur.etag, &cur.last_modified, cur.failures, cur.next_poll, new_articles, &cur.last_status, polled_at],
    )?;
    Ok(())
}

/// The origins of the items of feed `url` already stored (`url#item-id`), so a poll reads only
/// the new ones (and follows only their links).
pub fn known_items(c: &dyn Db, url: &str) -> Result<HashSet<String>> {
    // every origin starting with `url#`: a range on the index ('$' follows '#'), in byte order
    // (PostgreSQL's index is on `origin COLLATE "C"`; a linguistic collation would skip the `#`)
    let lo = format!("{url}#");
    let hi = format!("{url}$");
    let col = match c.dialect() {
        Dialect::Sqlite => "origin",
        Dialect::Postgres => "origin COLLATE \"C\"",
    };
    let sql = format!("SELECT DISTINCT origin FROM sightings WHERE {col} >= ?1 AND {col} < ?2");
    Ok(c.column::<String>(&sql, vals![&lo, hi])?.into_iter().filter(|o| o.starts_with(&lo)).collect())
}
