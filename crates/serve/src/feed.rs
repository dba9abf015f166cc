//! Atom (RFC 4287) feeds of events.

use marsad_store::query::EventRow;

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // characters XML 1.0 does not allow
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// An SQLite timestamp `YYYY-MM-DDTHH:MM:SSZ` as is; anything else becomes the epoch.
fn rfc3339(s: &str) -> String {
    if s.len() == 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z') { s.to_string() } else { "1970-01-01T00:00:00Z".to_string() }
}

/// The feed: `self_url` is its own absolute URL, `base` the server's (for entry links).
/// `rows` are events each shown by its latest report, most recently reported first
/// ([`marsad_store::query::latest_reported`]): an entry's `updated` is when its latest report
/// was stored, so a feed reader shows a known event again, on top, when a new report of it
/// arrives; its content is that report's sentence.
pub fn atom(title: &str, feed_id: &str, self_url: &str, base: &str, rows: &[EventRow]) -> String {
    let updated = rows.iter().map(|r| rfc3339(&r.added_at)).max().unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("  <id>{}</id>\n  <title>{}</title>\n  <updated>{updated}</updated>\n", esc(feed_id), esc(title)));
    x.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", esc(self_url)));
    x.push_str("  <author><name>marsad</name></author>\n  <generator>marsad</generator>\n");
    for r in rows {
        let link = format!("{base}/#/article/{}", r.article_id);
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>{}/api/events/{}</id>\n", esc(base), r.event_id));
        x.push_str(&format!("    <title>{}: {}</title>\n", esc(&r.event_type), esc(&r.gloss)));
        x.push_str(&format!("    <updated>{}</updated>\n", rfc3339(&r.added_at)));
        x.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", esc(&link)));
        if let Some(u) = &r.source_url {
            if u.starts_with("http://") || u.starts_with("https://") {
                x.push_str(&format!("    <link rel=\"via\" href=\"{}\"/>\n", esc(u)));
            }
        }
        x.push_str(&format!("    <category term=\"{}\"/>\n", esc(&r.event_type)));
        let date = r.event_date.as_deref().unwrap_or("undated");
        x.push_str(&format!(
            "    <summary type=\"text\">{} ({date}; {} mentions, {} sources)</summary>\n",
            esc(&r.gloss),
            r.num_mentions,
            r.num_sources
        ));
        x.push_str(&format!("    <content type=\"text\" xml:lang=\"ar\">{}</content>\n", esc(&r.sentence)));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_characters_xml_forbids() {
        assert_eq!(esc("<a href=\"x\">&'</a>\u{1}\u{FFFF}"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
        assert_eq!(rfc3339("2025-10-22T10:00:00Z"), "2025-10-22T10:00:00Z");
        assert_eq!(rfc3339("yesterday"), "1970-01-01T00:00:00Z");
        let x = atom("t<", "urn:x", "http://h/f", "http://h", &[]);
        assert!(x.contains("<title>t&lt;</title>") && x.ends_with("</feed>\n"));
    }
}
