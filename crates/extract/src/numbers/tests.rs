//! Table tests: number words and digits → values (after Recognizers-Text `Specs/Number/Arabic`
//! and Duckling `Numeral/AR/Corpus.hs`, written anew).
use super::*;

/// (input, value of the number at the first token, tokens used); None when no number starts there
const ROWS: &[(&str, Option<(f64, usize)>)] = &[
    ("5", Some((5.0, 1))),
    ("8.95 مليارات", Some((8.95e9, 2))),
    ("7,591 كيلومترا", Some((7591.0, 1))),
    ("٢٥", Some((25.0, 1))),
    ("15 مليار", Some((15e9, 2))),
    ("4 آلاف", Some((4000.0, 2))),
    ("12 ألف", Some((12000.0, 2))),
    ("11 ألفا", Some((11000.0, 2))),
    ("1.4 مليون", Some((1.4e6, 2))),
    ("3 ملايين", Some((3e6, 2))),
    ("2 تريليون", Some((2e12, 2))),
    ("خمسة", Some((5.0, 1))),
    ("خمس", Some((5.0, 1))),
    ("أربع مناطق", Some((4.0, 1))),
    ("ثمانية عشر", Some((18.0, 2))),
    ("الثماني عشرة", Some((18.0, 2))),
    ("أحد عشر", Some((11.0, 2))),
    ("إحدى عشرة", Some((11.0, 2))),
    ("اثنا عشر", Some((12.0, 2))),
    ("عشرون", Some((20.0, 1))),
    ("عشرين", Some((20.0, 1))),
    ("خمسة وعشرون", Some((25.0, 2))),
    ("الخمسة والعشرين", Some((25.0, 2))),
    ("مئة", Some((100.0, 1))),
    ("مائة", Some((100.0, 1))),
    ("مئتان", Some((200.0, 1))),
    ("ثلاثمئة", Some((300.0, 1))),
    ("ثلاث مئة", Some((300.0, 2))),
    ("مئة وخمسون", Some((150.0, 2))),
    ("مئة ألف", Some((100000.0, 2))),
    ("ثلاثة آلاف", Some((3000.0, 2))),
    ("عشرة آلاف", Some((10000.0, 2))),
    ("ألف", Some((1000.0, 1))),
    ("ألفين", Some((2000.0, 1))),
    ("ألف وخمسمئة", Some((1500.0, 2))),
    ("مليون", Some((1e6, 1))),
    ("مليار", Some((1e9, 1))),
    ("بليون", Some((1e9, 1))),
    ("مليارا دولار", Some((2e9, 1))),
    ("مليونين", Some((2e6, 1))),
    ("نصف مليون", Some((5e5, 2))),
    ("وخمسة", Some((5.0, 1))),
    ("بخمسة", Some((5.0, 1))),
    ("والخمس", Some((5.0, 1))),
    ("تسعين", Some((90.0, 1))),
    ("ثلاثة وأربعون ألفا", Some((43000.0, 3))),
    // not numbers
    ("آلاف الأشخاص", None),
    ("ملايين", None),
    ("الثامن", None),
    ("الثالثة", None),
    ("أول", None),
    ("نصف", None),
    ("تركيا", None),
    ("%", None),
];

#[test]
fn number_table() {
    let nw = NumberWords::new();
    let mut failures = Vec::new();
    for (input, want) in ROWS {
        let doc = marsad_text::analyze(input);
        let got = nw.parse_at(&doc.tokens, 0);
        let ok = match (got, want) {
            (Some((v, n)), Some((wv, wn))) => (v - wv).abs() <= wv.abs() * 1e-9 && n == *wn,
            (None, None) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn skip_letters_leaves_out_a_proclitic() {
    let text = "وَأمس";
    let b = skip_letters(text, 0, 1);
    assert_eq!(&text[b..], "أمس");
}
