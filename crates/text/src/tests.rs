//! Table tests: one row per Arabic phenomenon.
use super::*;

/// (input, matching form)
const NORMALIZE: &[(&str, &str)] = &[
    ("وَقَّعَ", "وقع"),                       // diacritics
    ("تـــركيا", "تركيا"),                    // tatweel
    ("أنقرة", "انقره"),                       // hamza on alef, taa marbuta
    ("إسطنبول", "اسطنبول"),                   // hamza under alef
    ("آسيا", "اسيا"),                         // madda
    ("مستشفى", "مستشفي"),                     // alef maqsura
    ("رئيس", "رييس"),                         // hamza on yaa
    ("مؤتمر", "موتمر"),                       // hamza on waw
    ("توكاييف", "توكاييف"),                   // doubled yaa kept: كييف (Kyiv) is not كيف (how)
    ("٢٢ أكتوبر", "22 اكتوبر"),              // Arabic-Indic digits
    ("۱۴۰۰", "1400"),                         // Persian digits
    ("کازاخستان", "كازاخستان"),               // Persian kaf
    ("7,591 كيلومتراً", "7591 كيلومترا"),     // thousands separator, tanween dropped
    ("8.95 مليارات", "8.95 مليارات"),         // decimal point
    ("8,95", "8.95"),                          // decimal comma
    ("1,234,567", "1234567"),                  // repeated thousands separator
    ("٨٫٥", "8.5"),                            // Arabic decimal separator
    ("١٢٬٠٠٠", "12000"),                       // Arabic thousands separator
    ("بـ15 مليار", "ب 15 مليار"),             // tatweel before a number splits word and digits
    ("25%", "25 %"),
    ("٢٥٪", "25 %"),                           // Arabic percent sign
    ("HAS", "has"),                            // Latin lower-cased
    ("كازاخستان\u{200f}", "كازاخستان"),       // RLM mark dropped
    ("تركيا\u{a0}وكازاخستان", "تركيا وكازاخستان"), // no-break space
];

#[test]
fn normalize_table() {
    for (input, want) in NORMALIZE {
        assert_eq!(normalize(input), *want, "normalize({input:?})");
    }
}

/// (text, number of sentences, first sentence's text)
const SENTENCES: &[(&str, usize, &str)] = &[
    ("زار أردوغان أستانا. والتقى توكاييف.", 2, "زار أردوغان أستانا"),
    ("هل زار أردوغان أستانا؟ نعم", 2, "هل زار أردوغان أستانا"),
    ("بلغ 8.95 مليارات دولار. ثم", 2, "بلغ 8.95 مليارات دولار"),
    ("عنوان\nنص الخبر", 2, "عنوان"),
    ("جملة أولى؛ جملة ثانية", 2, "جملة أولى"),
    ("التقى الرئيسان، وبحثا التعاون", 1, "التقى الرئيسان، وبحثا التعاون"),
    ("\n\n  \n", 0, ""),
    ("..", 0, ""),
];

#[test]
fn sentence_table() {
    for (text, n, first) in SENTENCES {
        let doc = analyze(text);
        assert_eq!(doc.sentences.len(), *n, "sentences of {text:?}: {:?}", doc.sentences);
        if let Some(s) = doc.sentences.first() {
            assert_eq!(&text[s.start..s.end], *first, "first sentence of {text:?}");
        }
    }
}

#[test]
fn clauses_split_at_arabic_comma() {
    let doc = analyze("التقى الرئيسان، وبحثا التعاون");
    let clauses: Vec<usize> = doc.tokens.iter().filter(|t| t.kind == TokenKind::Word).map(|t| t.clause).collect();
    assert_eq!(clauses[0], clauses[1]);
    assert_ne!(clauses[1], clauses[2]);
}

#[test]
fn token_offsets_point_into_original() {
    let text = "وَقَّعَتْ تُرْكِيا ٱتِّفاقيةً، بقيمة ٥٫٨ مليار";
    for t in tokenize(text) {
        let orig = &text[t.start..t.end];
        if t.kind != TokenKind::Punct {
            assert_eq!(normalize(orig), t.norm, "token {orig:?}");
        }
    }
}

/// (word, proclitic set, expected (prefix, rest) splits)
#[test]
fn proclitic_table() {
    let rows: &[(&str, &[&str], &[(&str, &str)])] = &[
        ("وبوتين", PROCLITICS, &[("", "وبوتين"), ("و", "بوتين"), ("وب", "وتين")]),
        ("لكازيخانوف", PROCLITICS, &[("", "لكازيخانوف"), ("ل", "كازيخانوف")]),
        ("سيوقع", VERB_PROCLITICS, &[("", "سيوقع"), ("س", "يوقع")]),
        ("وس", PROCLITICS, &[("", "وس")]), // the rest keeps two letters
    ];
    for (word, set, want) in rows {
        let got: Vec<(&str, &str)> = proclitic_splits(word, set).collect();
        assert_eq!(&got, want, "splits of {word}");
    }
}

#[test]
fn char_index_counts_characters() {
    let text = "تركيا وكازاخستان";
    let idx = CharIndex::new(text);
    let b = text.find("وكاز").unwrap();
    assert_eq!(idx.char_of(b), 6);
    assert_eq!(idx.char_of(text.len()), text.chars().count());
}

/// The sparse table answers as the table of every character's offset did, at every byte
/// (boundaries, inside characters, past the end) of texts longer than a block.
#[test]
fn char_index_agrees_with_a_full_table_at_every_byte() {
    let texts = [String::new(), "a".into(), "تركيا وكازاخستان 😀 x".repeat(40), "😀".repeat(300), "ab\nج".repeat(CharIndex::BLOCK)];
    for text in &texts {
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let idx = CharIndex::new(text);
        for b in 0..=text.len() + 3 {
            assert_eq!(idx.char_of(b), starts.partition_point(|&s| s < b), "byte {b} of a text of {} bytes", text.len());
        }
    }
}

/// Blank lines: a run of line breaks is two tokens at most, the second spanning the rest, so a
/// text of newlines costs no token per byte; one or two breaks stay as they were.
#[test]
fn runs_of_line_breaks_are_two_tokens_at_most() {
    let rows: &[(&str, &[(usize, usize)])] = &[
        ("أ\nب", &[(2, 3)]),
        ("أ\n\nب", &[(2, 3), (3, 4)]),
        ("أ\n\n\n\nب", &[(2, 3), (3, 6)]),
        ("أ\n \n\t\n \n ب", &[(2, 3), (4, 9)]),
        ("أ\r\n\r\nب", &[(2, 3), (3, 6)]),
        ("\n\n\n", &[(0, 1), (1, 3)]),
        ("أ\n\n.\n\n\nب", &[(2, 3), (3, 4), (5, 6), (6, 8)]),
    ];
    for (text, want) in rows {
        let got: Vec<(usize, usize)> = tokenize(text).iter().filter(|t| t.norm == "\n").map(|t| (t.start, t.end)).collect();
        assert_eq!(&got, want, "{text:?}");
    }
    let flood = format!("روسيا{}", "\n".repeat(100_000));
    assert_eq!(tokenize(&flood).len(), 3);
    assert_eq!(analyze(&flood).sentences.len(), 1);
}

/// One punctuation mark written again and again is two tokens at most, the second spanning
/// the rest; two marks, different marks, or marks with anything between stay one token each.
#[test]
fn runs_of_one_punctuation_mark_are_two_tokens_at_most() {
    let rows: &[(&str, &[(usize, usize)])] = &[
        ("أ.", &[(2, 3)]),
        ("أ..", &[(2, 3), (3, 4)]),
        ("أ.....", &[(2, 3), (3, 7)]),
        ("-----", &[(0, 1), (1, 5)]),
        ("أ. . .", &[(2, 3), (4, 5), (6, 7)]),
        (".,.,", &[(0, 1), (1, 2), (2, 3), (3, 4)]),
        ("؟؟؟؟", &[(0, 2), (2, 8)]),
        ("..-...", &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 6)]),
    ];
    for (text, want) in rows {
        let got: Vec<(usize, usize)> = tokenize(text).iter().filter(|t| t.kind == TokenKind::Punct).map(|t| (t.start, t.end)).collect();
        assert_eq!(&got, want, "{text:?}");
    }
    assert_eq!(tokenize(&format!("روسيا{}", ".".repeat(100_000))).len(), 3);
}

#[test]
fn empty_and_junk_input() {
    assert!(analyze("").tokens.is_empty());
    let doc = analyze("\u{feff}<<<>>> ### \u{0}");
    assert!(doc.sentences.iter().all(|s| s.start <= s.end));
}

#[test]
fn a_words_form_is_its_letters_folded_one_by_one() {
    // tokenize copies a word that needs no folding from the text in one go; the form must be
    // what folding each character gives, wherever the first folded or dropped one falls
    let mut texts: Vec<&str> = NORMALIZE.iter().map(|(i, _)| *i).collect();
    texts.extend(["أنقرة", "انقرة", "انقره", "وَقَّعَ", "وقَّع", "وقع", "تـــركيا", "تركيـا", "كتب، أإآ ىة ؤ", "مرحبا\u{200f}بكم"]);
    for text in texts {
        for t in tokenize(text).iter().filter(|t| t.kind == TokenKind::Word) {
            let want: String = text[t.start..t.end]
                .chars()
                .filter_map(|c| match fold_char(c) {
                    Fold::Char(g) => Some(g),
                    Fold::Drop => None,
                })
                .collect();
            assert_eq!(t.norm, want, "{text:?}");
        }
    }
}

#[test]
fn alphanumeric_fast_path_agrees_with_std() {
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        assert_eq!(super::is_alphanumeric(c), c.is_alphanumeric(), "{c:?} U+{:04X}", c as u32);
    }
}
