//! Sources normalised (issue 13): one publisher, one source. `AHDATH.INF`, `AHDATH.INFO`,
//! `Ahdath.info` and `https://www.ahdath.info/x` are all `ahdath.info`; a byline written into
//! the source field (`AHDATH.INFO- بقلم: المختار لغزيوي`) is split off as the author; a field that
//! holds a sentence of the article instead of a source is no source. The aliases are in
//! `data/store/sources.tsv`.

use std::collections::HashMap;
use std::sync::OnceLock;

const SOURCES: &str = include_str!("../../../data/store/sources.tsv");

/// A source field read: the publisher and, when the field also names one, the author.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceName {
    pub source: Option<String>,
    pub author: Option<String>,
}

fn aliases() -> &'static HashMap<String, String> {
    static A: OnceLock<HashMap<String, String>> = OnceLock::new();
    A.get_or_init(|| {
        let mut m = HashMap::new();
        for line in SOURCES.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let Some((canon, forms)) = line.split_once('\t') else { continue };
            m.insert(fold(canon), canon.to_string());
            for f in forms.split('|') {
                m.insert(fold(f), canon.to_string());
            }
        }
        m
    })
}

/// The matching key: lower case, bidi marks and tatweel removed, spaces collapsed, no leading
/// `www.` nor trailing dots.
fn fold(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| !is_mark(*c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect::<String>()
        .to_lowercase();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.trim_matches(|c: char| c == '.' || c == ' ' || c == '_');
    s.strip_prefix("www.").unwrap_or(s).to_string()
}

/// `p` without bidi marks, tatweel, and leading or trailing spaces, colons and underscores.
fn strip_marks(p: &str) -> String {
    let p: String = p.chars().filter(|c| !is_mark(*c)).collect();
    p.trim_matches(|c: char| c == ':' || c == '_' || c.is_whitespace()).to_string()
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{0640}')
}

/// A host name (`ahdath.info`, `news.example.co.uk`): letters, digits and hyphens in dotted labels.
fn host_like(key: &str) -> bool {
    let labels: Vec<&str> = key.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The host of a URL, if `s` is one.
fn url_host(s: &str) -> Option<String> {
    let rest = s.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| fold(host))
}

/// Parts of a byline that say nothing about who wrote it.
const NOT_AUTHOR: &[&str] = &["خاص", "متابعة", "وكالات"];

/// Reads a source field: the publisher (canonical alias, else the host name, else the name as
/// written with its spacing tidied) and an author split off after it.
pub fn normalise(raw: Option<&str>) -> SourceName {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return SourceName::default() };
    if let Some(h) = url_host(raw) {
        let source = aliases().get(&h).cloned().unwrap_or(h);
        return SourceName { source: Some(source), author: None };
    }
    let whole = fold(raw);
    if whole.chars().all(|c| !c.is_alphanumeric()) {
        return SourceName::default();
    }
    if let Some(c) = aliases().get(&whole) {
        return SourceName { source: Some(c.clone()), author: None };
    }
    // AHDATH.INFO- خاص - بقلم: المختار لغزيوي ; - بقلم: عبد الرحمان المنسي - AHDATH.INFO
    let parts: Vec<&str> = raw.split(['-', '–', '—', '|', '/']).map(str::trim).filter(|p| !fold(p).is_empty()).collect();
    let outlet = parts.iter().position(|p| {
        let k = fold(p);
        aliases().contains_key(&k) || host_like(&k)
    });
    if let Some(i) = outlet {
        let k = fold(parts[i]);
        let source = aliases().get(&k).cloned().unwrap_or(k);
        let author: Vec<String> = parts
            .iter()
            .enumerate()
            .filter(|(j, p)| *j != i && !NOT_AUTHOR.contains(&fold(p).as_str()))
            .map(|(_, p)| strip_marks(p))
            .filter(|p| !p.is_empty())
            .collect();
        // a byline is a few words; a sentence run into the field is not an author
        let author = author.join(" - ");
        let author = (!author.is_empty() && author.split_whitespace().count() <= 8).then_some(author);
        return SourceName { source: Some(source), author };
    }
    // a sentence of the article in the source field (a scraping slip) is no source
    if whole.split(' ').count() > 6 {
        return SourceName::default();
    }
    let tidy = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    SourceName { source: Some(tidy), author: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlets_fold_to_one_source_and_bylines_become_authors() {
        let rows: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
            (Some("AHDATH.INFO"), Some("ahdath.info"), None),
            (Some("AHDATH.INF"), Some("ahdath.info"), None),
            (Some("Ahdath.info"), Some("ahdath.info"), None),
            (Some("AhDATH.INFO"), Some("ahdath.info"), None),
            (Some("AHDATH INFO- إكرام زايد"), Some("ahdath.info"), Some("إكرام زايد")),
            (Some("AHDATH INFO- _إكرام زايد"), Some("ahdath.info"), Some("إكرام زايد")),
            (Some("AHDATH.INFO- خاص - بقلم: المختار لغزيوي"), Some("ahdath.info"), Some("بقلم: المختار لغزيوي")),
            (Some("- بقلم: عبد الرحمان المنسي - AHDATH.INFO"), Some("ahdath.info"), Some("بقلم: عبد الرحمان المنسي")),
            (Some("AHDATH.INFO - متابعة"), Some("ahdath.info"), None),
            (Some("AHDATH.INFO- الرباط 7 يونيو 2016/ومع/ تمكنت مصالح المديرية العامة للأمن الوطني، أمس الاثنين، من توقيف سبعة أشخاص"), Some("ahdath.info"), None),
            (Some("AHDATH.INFO\u{202b}-\u{202c} مكتب الرباط \u{202b}-\u{202c} خاص"), Some("ahdath.info"), Some("مكتب الرباط")),
            (Some("https://www.Ahdath.info/some/page"), Some("ahdath.info"), None),
            (Some("www.example.com"), Some("example.com"), None),
            (Some("Example.COM."), Some("example.com"), None),
            (Some("واس"), Some("spa.gov.sa"), None),
            (Some("Saudi Press Agency"), Some("spa.gov.sa"), None),
            (Some("  TASS "), Some("tass.com"), None),
            (Some("Kazinform"), Some("Kazinform"), None),
            (Some("Al  Watan"), Some("Al Watan"), None),
            (Some(""), None, None),
            (Some("."), None, None),
            (None, None, None),
            (Some("دعا الناشط السياسي الاسلامي الجزائري المعارض، الشيخ علي بلحاج، في تصريحات خص بها موقع"), None, None),
        ];
        for (raw, source, author) in rows {
            let n = normalise(*raw);
            assert_eq!((n.source.as_deref(), n.author.as_deref()), (*source, *author), "{raw:?}");
        }
    }
}
