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
