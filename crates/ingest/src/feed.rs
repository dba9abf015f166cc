//! RSS 2.0 and Atom feeds: each item or entry becomes one [`FeedItem`] with its title, link,
//! text (content, else description/summary, as plain text), publication date and id.

use quick_xml::events::Event as X;
use quick_xml::Reader;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedItem {
    /// guid / id, else the link.
    pub id: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    /// Plain text of the item's content or description.
    pub text: String,
    /// ISO date.
    pub published: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feed {
    pub title: Option<String>,
    pub link: Option<String>,
    pub items: Vec<FeedItem>,
}

/// True when the text is an RSS or Atom document.
pub fn looks_like_feed(s: &str) -> bool {
    let head: String = s.trim_start_matches('\u{feff}').chars().take(2048).collect();
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:RDF")
}

/// Parses a feed. Malformed XML is an error naming the position; items parsed before the
/// error are not returned (a feed is read whole or not at all).
pub fn parse(xml: &str) -> Result<Feed, String> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(false);
    let mut feed = Feed::default();
    let mut path: Vec<String> = Vec::new();
    let mut item: Option<FeedItem> = None;
    let mut buf = String::new();
    let mut content: Option<String> = None;
    let mut summary: Option<String> = None;
    let mut saw_root = false;
    loop {
        let ev = r.read_event().map_err(|e| format!("malformed feed XML at byte {}: {e}", r.error_position()))?;
        match ev {
            X::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if matches!(name.as_str(), "rss" | "feed" | "RDF") {
                    saw_root = true;
                }
                if matches!(name.as_str(), "item" | "entry") {
                    item = Some(FeedItem::default());
                    content = None;
                    summary = None;
                }
                if name == "link" {
                    link_attr(&e, &mut item, &mut feed);
                }
                path.push(name);
                buf.clear();
            }
            X::Empty(e) => {
                if e.local_name().as_ref() == "link" {
                    link_attr(&e, &mut item, &mut feed);
                }
            }
            X::Text(t) => buf.push_str(&t.xml10_content()),
            X::CData(t) => buf.push_str(&t),
            X::GeneralRef(g) => match g.resolve_char_ref() {
                Ok(Some(c)) => buf.push(c),
                _ => buf.push_str(match g.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => " ",
                }),
            },
            X::End(e) => {
                let name = e.local_name().as_ref().to_string();
                let text = std::mem::take(&mut buf);
                let val = text.trim().to_string();
                path.pop();
                let parent = path.last().map(String::as_str).unwrap_or("");
                match (&mut item, name.as_str()) {
                    (Some(_), "item" | "entry") => {
                        let mut it = item.take().unwrap_or_default();
                        let body = content.take().filter(|c| !c.trim().is_empty()).or_else(|| summary.take()).unwrap_or_default();
                        it.text = crate::html::fragment_text(&body);
                        if it.id.is_none() {
                            it.id = it.link.clone();
                        }
                        feed.items.push(it);
                    }
                    (Some(it), _) if matches!(parent, "item" | "entry") && !val.is_empty() => match name.as_str() {
                        "title" => it.title = Some(crate::html::fragment_text(&val)),
                        "link" if it.link.is_none() => it.link = Some(val),
                        "guid" | "id" => it.id = Some(val),
                        "encoded" | "content" => content = Some(val),
                        "description" | "summary" => summary = Some(val),
                        "pubDate" | "published" | "date" => it.published = crate::html::iso_date(&val).or(it.published.take()),
                        "updated" if it.published.is_none() => it.published = crate::html::iso_date(&val),
                        _ => {}
                    },
                    (None, "title") if matches!(parent, "channel" | "feed") && !val.is_empty() => feed.title = Some(val),
                    (None, "link") if matches!(parent, "channel") && !val.is_empty() => feed.link = Some(val),
                    _ => {}
                }
            }
            X::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("not an RSS or Atom feed (no <rss> or <feed> element)".into());
    }
    if !path.is_empty() {
        return Err(format!("feed XML ends inside <{}> (truncated?)", path.join("><")));
    }
    Ok(feed)
}

fn link_attr(e: &quick_xml::events::BytesStart<'_>, item: &mut Option<FeedItem>, feed: &mut Feed) {
    // Atom: <link rel="alternate" href="…"/>; RSS links are element text
    let mut href = None;
    let mut rel = None;
    for a in e.attributes().flatten() {
        match a.key.as_ref() {
            "href" => href = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.to_string()),
            "rel" => rel = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.to_string()),
            _ => {}
        }
    }
    let Some(href) = href else { return };
    if rel.as_deref().is_some_and(|r| r != "alternate") {
        return;
    }
    match item {
        Some(it) if it.link.is_none() => it.link = Some(href),
        None if feed.link.is_none() => feed.link = Some(href),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_items_with_cdata_entities_and_dates() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
            <title>وكالة</title><link>https://example.org/</link>
            <item><title>لافروف &amp; كازيخانوف</title><link>https://example.org/a</link><guid>a-1</guid>
              <pubDate>Wed, 22 Oct 2025 10:00:00 +0300</pubDate>
              <description><![CDATA[<p>موجز</p>]]></description>
              <content:encoded><![CDATA[<p>التقى لافروف نظيره في موسكو.</p>]]></content:encoded></item>
            <item><title>ب</title><link>https://example.org/b</link><description>نص &#1575;لخبر</description></item>
            </channel></rss>"#;
        let f = parse(xml).unwrap();
        assert_eq!(f.title.as_deref(), Some("وكالة"));
        assert_eq!(f.items.len(), 2);
        let a = &f.items[0];
        assert_eq!(a.title.as_deref(), Some("لافروف & كازيخانوف"));
        assert_eq!(a.id.as_deref(), Some("a-1"));
        assert_eq!(a.published.as_deref(), Some("2025-10-22"));
        assert_eq!(a.text, "التقى لافروف نظيره في موسكو.");
        assert_eq!(f.items[1].text, "نص الخبر");
        assert_eq!(f.items[1].id.as_deref(), Some("https://example.org/b"));
    }

    #[test]
    fn atom_entries() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><link href="https://e.org/"/>
            <entry><id>urn:1</id><title type="html">عنوان</title><link rel="alternate" href="https://e.org/1"/>
              <published>2025-10-22T08:00:00Z</published><summary>ملخص</summary><content type="html">&lt;p&gt;النص الكامل&lt;/p&gt;</content></entry></feed>"#;
        let f = parse(xml).unwrap();
        assert_eq!(f.link.as_deref(), Some("https://e.org/"));
        let e = &f.items[0];
        assert_eq!((e.id.as_deref(), e.link.as_deref(), e.published.as_deref()), (Some("urn:1"), Some("https://e.org/1"), Some("2025-10-22")));
        assert_eq!(e.text, "النص الكامل");
    }

    #[test]
    fn broken_feeds_are_errors() {
        assert!(parse("<rss><channel><item><title>x</title>").unwrap_err().contains("truncated"));
        assert!(parse("<html><body>hi</body></html>").unwrap_err().contains("not an RSS"));
        assert!(parse("<rss><channel><item></wrong></channel></rss>").is_err());
    }
}
