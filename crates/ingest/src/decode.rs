//! Bytes to text: byte-order marks, the charset a page or feed declares, and detection with
//! chardetng when nothing is declared. UTF-8, UTF-16 (with BOM), windows-1256 and ISO-8859-6
//! are the encodings Arabic sites use; anything encoding_rs knows is accepted.

use encoding_rs::Encoding;

/// How the text was decoded (for reports and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's WHATWG name (`UTF-8`, `UTF-16LE`, `windows-1256`, `ISO-8859-6`…).
    pub encoding: &'static str,
    /// How it was chosen: `bom`, `declared`, `utf8`, `utf8-repaired`, `utf16`, `detected`.
    pub how: &'static str,
    /// Something the reader should know (bytes replaced), for the run's report.
    pub warning: Option<String>,
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("binary data, not text ({0})")]
    Binary(String),
    #[error("declares unknown character encoding {0:?}")]
    UnknownEncoding(String),
}

/// Decodes `bytes`. `declared` is a charset from outside the bytes (an HTTP Content-Type);
/// when absent, a charset declared inside (HTML `<meta charset>`, `http-equiv`, the XML
/// declaration) is looked for. A byte-order mark always wins, as in browsers.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<Decoded, DecodeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return finish(text.into_owned(), enc.name(), "bom");
    }
    let declared = declared.map(str::to_string).or_else(|| sniff_declared(bytes));
    if let Some(label) = declared {
        let label = label.trim().trim_matches(|c| c == '"' || c == '\'');
        let Some(enc) = Encoding::for_label(label.as_bytes()) else {
            return Err(DecodeError::UnknownEncoding(label.to_string()));
        };
        // a page cannot be UTF-16 without a BOM once it declared so in ASCII: browsers use UTF-8
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE { encoding_rs::UTF_8 } else { enc };
        if enc == encoding_rs::UTF_8 && std::str::from_utf8(bytes).is_err() {
            // declared UTF-8 but is not: trust the bytes, not the label (below)
        } else {
            check_binary(bytes)?;
            let (text, _, _) = enc.decode(bytes);
            return finish(text.into_owned(), enc.name(), "declared");
        }
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return finish(text.into_owned(), enc.name(), "utf16");
    }
    check_binary(bytes)?;
    if let Ok(s) = std::str::from_utf8(bytes) {
        return finish(s.to_string(), "UTF-8", "utf8");
    }
    // UTF-8 with a few bad bytes (a cut or a bad copy) is UTF-8, never another charset: read it
    // with U+FFFD in their place and say where the first one is
    if let Some((first, bad)) = mostly_utf8(bytes) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut d = finish(text, "UTF-8", "utf8-repaired")?;
        d.warning = Some(format!("not valid UTF-8: {bad} invalid byte sequence(s), the first at byte offset {first}; replaced with U+FFFD"));
        return Ok(d);
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _, _) = enc.decode(bytes);
    finish(text.into_owned(), enc.name(), "detected")
}

fn check_binary(bytes: &[u8]) -> Result<(), DecodeError> {
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(p) = head.iter().position(|&b| b == 0) {
        return Err(DecodeError::Binary(format!("NUL byte at offset {p}")));
    }
    let ctrl = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)).count();
    if ctrl * 20 > head.len() {
        return Err(DecodeError::Binary(format!("{ctrl} control bytes in the first {} bytes", head.len())));
    }
    Ok(())
}

fn finish(text: String, encoding: &'static str, how: &'static str) -> Result<Decoded, DecodeError> {
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let bad = text.chars().filter(|&c| c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace())).count();
    let n = text.chars().count();
    if bad * 10 > n {
        return Err(DecodeError::Binary(format!("{bad} of {n} characters are not text after decoding as {encoding}")));
    }
    Ok(Decoded { text, encoding, how, warning: None })
}

/// `Some((offset of the first invalid byte, invalid sequences))` when `bytes` are UTF-8 but for
/// a few invalid sequences: at least 20 valid multi-byte characters and at least ten for each
/// invalid sequence. Text in a single-byte Arabic charset (windows-1256, ISO-8859-6) almost
/// never forms a valid multi-byte sequence, so it is not taken for UTF-8.
fn mostly_utf8(bytes: &[u8]) -> Option<(usize, usize)> {
    let (mut at, mut multi, mut bad, mut first) = (0usize, 0usize, 0usize, None);
    while at < bytes.len() {
        match std::str::from_utf8(&bytes[at..]) {
            Ok(s) => {
                multi += s.chars().filter(|c| c.len_utf8() > 1).count();
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                multi += std::str::from_utf8(&bytes[at..at + good]).map_or(0, |s| s.chars().filter(|c| c.len_utf8() > 1).count());
                first.get_or_insert(at + good);
                bad += 1;
                at += good + e.error_len().unwrap_or(bytes.len() - at - good).max(1);
            }
        }
    }
    (bad > 0 && multi >= 20 && multi >= bad * 10).then(|| (first.unwrap_or(0), bad))
}

/// UTF-16 without a byte-order mark: text whose every other byte is nearly always the high
/// byte of a common block (0x00 for ASCII, 0x06 for Arabic, 0xFE/0xFB for presentation forms,
/// 0x20 for punctuation). Checked on the first 8 KiB; the decoded text must be mostly clean.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(8192) & !1];
    if head.len() < 8 || !head.contains(&0) {
        return None;
    }
    let high = |b: u8| matches!(b, 0x00 | 0x06 | 0x20 | 0x22 | 0xFB | 0xFE);
    let share = |odd: usize| head.iter().skip(odd).step_by(2).filter(|&&b| high(b)).count() * 100 / (head.len() / 2);
    let zeros = |odd: usize| head.iter().skip(odd).step_by(2).filter(|&&b| b == 0).count();
    let (le, be) = (share(1), share(0));
    let enc = if le >= 90 && zeros(0) * 10 < head.len() / 2 {
        encoding_rs::UTF_16LE
    } else if be >= 90 && zeros(1) * 10 < head.len() / 2 {
        encoding_rs::UTF_16BE
    } else {
        return None;
    };
    let (text, _, errors) = enc.decode(head);
    (!errors || text.chars().filter(|&c| c == '\u{FFFD}').count() * 50 < text.chars().count()).then_some(enc)
}

/// The charset declared inside the first 4 KiB: `<meta charset=…>`, `<meta http-equiv=…
/// content="…; charset=…">` or `<?xml … encoding="…"?>`.
pub fn sniff_declared(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let s = String::from_utf8_lossy(&lower);
    if s.trim_start().starts_with("<?xml") {
        let decl_end = s.find("?>").unwrap_or(s.len());
        let decl = &s[..decl_end];
        if let Some(i) = decl.find("encoding") {
            return value_after(&decl[i + "encoding".len()..]);
        }
    }
    let mut from = 0;
    while let Some(i) = s[from..].find("charset") {
        let at = from + i + "charset".len();
        // only inside a <meta …> tag
        let tag_start = s[..at].rfind('<');
        if tag_start.is_some_and(|t| s[t..].starts_with("<meta") && !s[t..at].contains('>')) {
            if let Some(v) = value_after(&s[at..]) {
                return Some(v);
            }
        }
        from = at;
    }
    None
}

fn value_after(s: &str) -> Option<String> {
    let s = s.trim_start();
    let s = s.strip_prefix('=')?.trim_start();
    let s = s.trim_start_matches(['"', '\'']);
    let v: String = s.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')).collect();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AR: &str = "التقى وزير الخارجية الروسي نظيره الكازاخستاني في موسكو";

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode(AR.as_bytes(), None).unwrap();
        assert_eq!((d.text.as_str(), d.how), (AR, "utf8"));
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(AR.as_bytes());
        let d = decode(&b, None).unwrap();
        assert_eq!((d.text.as_str(), d.how), (AR, "bom"));
    }

    #[test]
    fn utf16_both_orders() {
        for (bom, le) in [([0xFF, 0xFE], true), ([0xFE, 0xFF], false)] {
            let mut b = bom.to_vec();
            for u in AR.encode_utf16() {
                b.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let d = decode(&b, None).unwrap();
            assert_eq!(d.text, AR);
            assert_eq!(d.encoding, if le { "UTF-16LE" } else { "UTF-16BE" });
        }
    }

    #[test]
    fn windows_1256_detected_and_iso_8859_6_declared() {
        let (b, _, _) = encoding_rs::WINDOWS_1256.encode(AR);
        let d = decode(&b, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding, d.how), (AR, "windows-1256", "detected"));
        let (b, _, _) = encoding_rs::ISO_8859_6.encode(AR);
        let d = decode(&b, Some("iso-8859-6")).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (AR, "ISO-8859-6"));
        let page = format!("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-6\"></head><body>{AR}</body></html>");
        let (b, _, _) = encoding_rs::ISO_8859_6.encode(&page);
        let d = decode(&b, None).unwrap();
        assert_eq!((d.encoding, d.how), ("ISO-8859-6", "declared"));
        assert!(d.text.contains(AR));
    }

    #[test]
    fn declared_charset_is_respected_over_detection() {
        // the same bytes read as windows-1256 and as ISO-8859-6 differ; the declaration decides
        let page = format!("<meta charset=\"windows-1256\"><p>{AR}</p>");
        let (b, _, _) = encoding_rs::WINDOWS_1256.encode(&page);
        assert_eq!(sniff_declared(&b).as_deref(), Some("windows-1256"));
        assert!(decode(&b, None).unwrap().text.contains(AR));
        let xml = "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss/>";
        assert_eq!(sniff_declared(xml.as_bytes()).as_deref(), Some("windows-1256"));
    }

    #[test]
    fn utf8_with_a_few_bad_bytes_stays_utf8_with_a_warning() {
        // the audit's shapes: a short text and a longer sentence with 3-4 bad bytes, once read
        // as windows-1252 (Ø§Ù„ØªÙ‚Ù‰) and as GBK (丕賱鬲賯賶)
        let long = format!("{AR}، {AR}، {AR}.");
        for text in [AR, long.as_str()] {
            let mut b = text.as_bytes().to_vec();
            let mid = b.len() / 2;
            let mid = (mid..b.len()).find(|&i| text.is_char_boundary(i)).unwrap();
            b.splice(mid..mid, [0xFF, 0xC3, 0x28, 0x80]);
            let d = decode(&b, None).unwrap();
            assert_eq!((d.encoding, d.how), ("UTF-8", "utf8-repaired"), "{}", d.text);
            assert!(d.text.contains("التقى") && d.text.contains('\u{FFFD}'), "{}", d.text);
            let w = d.warning.unwrap();
            assert!(w.contains(&format!("offset {mid}")), "{w}");
            // declared UTF-8 too
            let d = decode(&b, Some("utf-8")).unwrap();
            assert_eq!(d.how, "utf8-repaired");
        }
        // a real windows-1256 text is still detected as such
        let (b, _, _) = encoding_rs::WINDOWS_1256.encode(&long);
        assert_eq!(decode(&b, None).unwrap().encoding, "windows-1256");
    }

    #[test]
    fn utf16_without_bom_is_text() {
        for (le, name) in [(true, "UTF-16LE"), (false, "UTF-16BE")] {
            for text in [AR, "Moscow and Astana: a meeting of ministers on 22 October 2025."] {
                let b: Vec<u8> = text.encode_utf16().flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() }).collect();
                let d = decode(&b, None).unwrap_or_else(|e| panic!("{name} {text}: {e}"));
                assert_eq!((d.text.as_str(), d.encoding), (text, name));
            }
        }
        // binary with NUL bytes is still binary
        assert!(matches!(decode(&[0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0], None), Err(DecodeError::Binary(_))));
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(decode(b"", None), Err(DecodeError::Empty));
        assert_eq!(decode(b" \n\t", None), Err(DecodeError::Empty));
        assert!(matches!(decode(&[0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3], None), Err(DecodeError::Binary(_))));
        assert_eq!(
            decode(b"<meta charset=\"x-klingon\"><p>hello</p>", None),
            Err(DecodeError::UnknownEncoding("x-klingon".into()))
        );
        assert_eq!(decode(b"hello", Some("nonsense-8")), Err(DecodeError::UnknownEncoding("nonsense-8".into())));
    }
}
