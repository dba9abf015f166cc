//! HTML pages: the main text (readability, via dom_smoothie), the title, the publication date
//! from meta tags, JSON-LD or a `<time>` element, and boilerplate lines (comment prompts, share
//! buttons, "read also", copyright footers) that survive readability removed.

use dom_smoothie::{Config, Readability, TextMode};

/// What a page yields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub title: Option<String>,
    pub text: String,
    /// ISO date `YYYY-MM-DD`.
    pub published: Option<String>,
    pub site_name: Option<String>,
    /// The markup ends before `</html>` or `</body>`: the file was cut short.
    pub truncated: bool,
}

/// True when the text looks like an HTML document rather than plain text or a feed.
pub fn looks_like_html(s: &str) -> bool {
    let head: String = s.trim_start_matches('\u{feff}').trim_start().chars().take(1024).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head") || head.contains("<body") || head.contains("<meta ")
}

/// Reads a page. Errors say why no article text could be found.
pub fn read_page(html: &str, url: Option<&str>) -> Result<Page, String> {
    let lower_tail: String = {
        let t = html.trim_end();
        let start = t.len().saturating_sub(200);
        let start = (start..=t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(t.len());
        t[start..].to_ascii_lowercase()
    };
    let truncated = !(lower_tail.contains("</html>") || lower_tail.contains("</body>"));
    let url = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let cfg = Config { text_mode: TextMode::Formatted, max_elements_to_parse: 200_000, ..Default::default() };
    let mut r = Readability::new(html, url, Some(cfg)).map_err(|e| format!("cannot parse the page: {e}"))?;
    let time_el = r.doc.select("time[datetime]").attr("datetime").map(|t| t.to_string());
    let meta_date = ["meta[itemprop=datePublished]", "meta[name=date]", "meta[name=pubdate]", "meta[property='og:published_time']"]
        .iter()
        .find_map(|sel| r.doc.select(sel).attr("content").map(|t| t.to_string()));
    let art = match r.parse() {
        Ok(a) => a,
        Err(e) if truncated => return Err(format!("no article text found ({e}); the page looks truncated (no </html>)")),
        Err(e) => return Err(format!("no article text found ({e})")),
    };
    let text = clean_text(&art.text_content);
    if text.chars().filter(|c| c.is_alphabetic()).count() < 20 {
        return Err(if truncated {
            "no article text found; the page looks truncated (no </html>)".to_string()
        } else {
            "no article text found in the page".to_string()
        });
    }
    let published = art.published_time.as_deref().and_then(iso_date).or_else(|| meta_date.as_deref().and_then(iso_date)).or_else(|| time_el.as_deref().and_then(iso_date));
    let title = Some(art.title.trim().to_string()).filter(|t| !t.is_empty());
    Ok(Page { title, text, published, site_name: art.site_name.filter(|s| !s.trim().is_empty()), truncated })
}

/// `YYYY-MM-DD` from an ISO timestamp or an RFC 2822 date.
pub fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(d) = s.get(..10).and_then(|d| d.parse::<jiff::civil::Date>().ok()) {
        return Some(d.to_string());
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.date().to_string());
    }
    None
}

/// Words that mark a short line as site furniture (compared in matching form).
const BOILERPLATE: &[&str] = &[
    "اترك تعليقا",
    "اترك تعليق",
    "اضف تعليق",
    "التعليقات",
    "شارك",
    "شاركها",
    "مشاركه",
    "تابعنا",
    "تابعونا",
    "اقرا ايضا",
    "اقرا المزيد",
    "اخبار ذات صله",
    "مواضيع ذات صله",
    "جميع الحقوق محفوظه",
    "حقوق النشر",
    "الرئيسيه",
    "طباعه",
    "فيسبوك",
    "تويتر",
    "واتساب",
    "تلغرام",
    "share",
    "tweet",
    "facebook",
    "whatsapp",
    "telegram",
    "copyright",
    "©",
];

/// Drops short lines that are boilerplate, collapses blank runs.
pub fn clean_text(s: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in s.lines() {
        let l = line.trim();
        if l.is_empty() {
            if out.last().is_some_and(|p| !p.is_empty()) {
                out.push("");
            }
            continue;
        }
        if is_boilerplate(l) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn is_boilerplate(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if words > 8 {
        return false;
    }
    static FORMS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let forms = FORMS.get_or_init(|| BOILERPLATE.iter().map(|b| format!(" {} ", marsad_text::normalize(b))).collect());
    let n = format!(" {} ", marsad_text::normalize(line));
    forms.iter().any(|b| n.contains(b.as_str()) || (b.trim().chars().count() == 1 && n.contains(b.trim())))
}

/// Plain text of an HTML fragment (a feed item's description).
pub fn fragment_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return html.trim().to_string();
    }
    let doc = dom_query::Document::fragment(html);
    clean_text(&doc.formatted_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_lines_go_and_sentences_stay() {
        let t = "الرئيسية\nالتقى لافروف نظيره الكازاخستاني في موسكو.\n\nاترك تعليقاً\nشارك على فيسبوك\nجميع الحقوق محفوظة © 2025\nوقال إن المحادثات تناولت التعاون وشارك فيها عدد من المسؤولين من البلدين الجارين في المنطقة.";
        let c = clean_text(t);
        assert_eq!(c, "التقى لافروف نظيره الكازاخستاني في موسكو.\n\nوقال إن المحادثات تناولت التعاون وشارك فيها عدد من المسؤولين من البلدين الجارين في المنطقة.");
    }

    #[test]
    fn dates_from_iso_and_rfc2822() {
        assert_eq!(iso_date("2025-10-22T10:00:00+03:00").as_deref(), Some("2025-10-22"));
        assert_eq!(iso_date("Wed, 22 Oct 2025 10:00:00 +0300").as_deref(), Some("2025-10-22"));
        assert_eq!(iso_date("yesterday"), None);
    }

    #[test]
    fn fragments_lose_their_markup() {
        assert_eq!(fragment_text("<p>التقى <b>لافروف</b> &amp; كازيخانوف</p>"), "التقى لافروف & كازيخانوف");
    }
}
