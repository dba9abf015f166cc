//! Near-duplicate detection: MinHash over word shingles of the normalised text, banded for
//! locality-sensitive hashing.
//!
//! Text goes through [`marsad_text::normalize`] (diacritics, tatweel, hamza seats, ى/ي, ة/ه and
//! digits folded), punctuation is dropped, and every run of [`SHINGLE`] words is one shingle.
//! [`HASHES`] minimums make the signature; [`BANDS`] bands of [`ROWS`] rows are the LSH keys, so
//! two articles whose shingle sets have Jaccard similarity *s* share a band with probability
//! 1 − (1 − s⁴)¹⁶ (0.5 → 0.64, 0.6 → 0.89, 0.7 → 0.99). A candidate joins a cluster when its
//! estimated similarity is at least [`THRESHOLD`].

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Signature length.
pub const HASHES: usize = 64;
/// LSH bands × rows = HASHES.
pub const BANDS: usize = 16;
pub const ROWS: usize = HASHES / BANDS;
/// Estimated Jaccard similarity at or above which two articles are the same story.
pub const THRESHOLD: f64 = 0.5;

/// The words of the normalised text, punctuation dropped: the matching forms of its tokens
/// that hold a letter or a digit. (The same words as splitting [`marsad_text::normalize`] at
/// its spaces, whose tokens it joins, without the joined string and a vector of tokens: 7 % of
/// an ingest's instructions.)
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(text.len() / 8 + 1);
    marsad_text::scan_tokens(text, |_, _, norm, _| {
        if is_word(norm) {
            out.push(norm.to_string());
        }
    });
    out
}

/// A token's matching form is one of [`words`]: it holds a letter or a digit.
pub fn is_word(norm: &str) -> bool {
    norm.chars().any(is_alphanumeric)
}

/// `char::is_alphanumeric`, with the Arabic letters and ASCII that make up most words answered
/// before Unicode's tables (the tables were 3 % of ingest's instructions: callgrind).
fn is_alphanumeric(c: char) -> bool {
    c.is_ascii_alphanumeric() || marsad_text::is_arabic_letter(c) || (!c.is_ascii() && c.is_alphanumeric())
}

/// 128-bit FNV-1a of the normalised words: equal for texts that differ only in diacritics,
/// spelling variants the normaliser folds, punctuation and whitespace.
pub fn content_hash(words: &[String]) -> [u8; 16] {
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for w in words {
        for b in w.bytes().chain(std::iter::once(b' ')) {
            h ^= b as u128;
            h = h.wrapping_mul(PRIME);
        }
    }
    h.to_le_bytes()
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    mix(h)
}

/// The multipliers of the [`HASHES`] MinHash functions.
const SEEDS: [u64; HASHES] = {
    let mut s = [0u64; HASHES];
    let mut i = 0;
    while i < HASHES {
        s[i] = 0x9e3779b97f4a7c15u64.wrapping_mul(i as u64 + 1);
        i += 1;
    }
    s
};

/// The MinHash signature of the word shingles (shorter texts: of their words).
pub fn signature(words: &[String]) -> Vec<u32> {
    let k = if words.len() >= SHINGLE { SHINGLE } else { 1 };
    // each word hashed once, not once per shingle it is in
    let wh: Vec<u64> = words.iter().map(|w| hash_str(w)).collect();
    let mut sh: Vec<u64> = wh.windows(k.max(1)).map(|w| w.iter().fold(0u64, |h, &x| mix(h ^ x))).collect();
    sh.sort_unstable();
    sh.dedup();
    // branch-free minimum over a fixed-size array: a tenth of ingest's extraction workers went
    // here (64 hash functions per shingle)
    let mut sig = [u32::MAX; HASHES];
    for &s in &sh {
        for (slot, seed) in sig.iter_mut().zip(SEEDS) {
            *slot = (*slot).min((mix(s ^ seed) >> 32) as u32);
        }
    }
    sig.to_vec()
}

/// One key per band (band index mixed in, so equal rows in different bands do not collide).
pub fn bands(sig: &[u32]) -> Vec<i64> {
    sig.chunks(ROWS)
        .enumerate()
        .map(|(b, rows)| {
            let h = rows.iter().fold(mix(b as u64 + 1), |h, &r| mix(h ^ r as u64));
            h as i64
        })
        .collect()
}

/// Estimated Jaccard similarity: the share of equal signature slots.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(t: &str) -> Vec<u32> {
        signature(&words(t))
    }

    const BODY: &str = "يستضيف وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف لإجراء محادثات في موسكو. \
        وتعد هذه أول زيارة رسمية لكازيخانوف إلى روسيا منذ توليه منصب وزير خارجية كازاخستان. \
        وقالت المتحدثة باسم وزارة الخارجية الروسية ماريا زاخاروفا إن الوزيرين سيناقشان التعاون الثنائي في المجالات السياسية والتجارية والاقتصادية والثقافية. \
        وأشارت إلى أنه سيتم إيلاء اهتمام خاص للتعاون في إطار التكامل الأوراسي ومنظمة معاهدة الأمن الجماعي والاتحاد الاقتصادي الأوراسي.";

    #[test]
    fn normalisation_makes_spelling_variants_one_article() {
        let a = words("وزير الخارجية الروسيّ، سيرغي لافروف.");
        let b = words("وزير  الخارجيه الروسي سيرغى لافروف");
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&words("وزير الخارجية الروسي")));
    }

    #[test]
    fn light_edits_stay_similar_and_other_stories_do_not() {
        let edited = format!("وكالة الأنباء - موسكو\n{}\nاترك تعليقاً شارك الخبر", BODY.replace("لإجراء محادثات", "لعقد مباحثات"));
        let s = similarity(&sig(BODY), &sig(&edited));
        assert!(s >= THRESHOLD, "edited copy similarity {s}");
        assert!(bands(&sig(BODY)).iter().zip(bands(&sig(&edited))).any(|(a, b)| *a == b), "shares a band");
        let other = "أعلنت وزارة الدفاع التركية أن قواتها نفذت تدريبات مشتركة مع القوات الأذربيجانية في منطقة ناختشيفان \
            بمشاركة وحدات برية وجوية، وذلك في إطار اتفاقيات التعاون العسكري بين البلدين.";
        let s2 = similarity(&sig(BODY), &sig(other));
        assert!(s2 < 0.1, "unrelated similarity {s2}");
    }

    /// The signature as first written (stored signatures and bands must not change).
    fn reference_signature(words: &[String]) -> Vec<u32> {
        let k = if words.len() >= SHINGLE { SHINGLE } else { 1 };
        let mut sh: Vec<u64> = words.windows(k.max(1)).map(|w| w.iter().fold(0u64, |h, x| mix(h ^ hash_str(x)))).collect();
        sh.sort_unstable();
        sh.dedup();
        let mut sig = vec![u32::MAX; HASHES];
        for &s in &sh {
            for (i, slot) in sig.iter_mut().enumerate() {
                let v = (mix(s ^ (0x9e3779b97f4a7c15u64.wrapping_mul(i as u64 + 1))) >> 32) as u32;
                if v < *slot {
                    *slot = v;
                }
            }
        }
        sig
    }

    #[test]
    fn the_faster_signature_is_the_same_signature() {
        for t in ["", "موسكو", "موسكو أستانة", BODY, &BODY.repeat(3), "a b c d e f g 1 2 3"] {
            assert_eq!(signature(&words(t)), reference_signature(&words(t)), "{t}");
        }
    }

    #[test]
    fn words_are_the_normalised_texts_words() {
        // words() as first written: content hashes and signatures in stores depend on it
        let reference = |t: &str| -> Vec<String> {
            marsad_text::normalize(t).split(' ').filter(|w| w.chars().any(|c| c.is_alphanumeric())).map(str::to_string).collect()
        };
        let mut texts: Vec<String> = ["", " ", "،", "\n\n", "موسكو", "موسكو أستانة", BODY, "NATO و IBM 7,591 دولار و8٫95 %\nÉlysée İstanbul x86_64 a-b ـــ لافْرُوف"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
        for e in std::fs::read_dir(&dir).expect("samples/") {
            if let Ok(t) = std::fs::read_to_string(e.expect("a sample").path()) {
                texts.push(t);
            }
        }
        assert!(texts.len() > 8, "the samples were read");
        for t in &texts {
            assert_eq!(words(t), reference(t), "{t}");
        }
    }

    #[test]
    fn the_fast_alphanumeric_test_is_unicodes() {
        for c in ('\0'..='\u{FFFF}').chain(['\u{1D7CE}', '\u{1F600}', '\u{10FFFF}']) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn signatures_are_deterministic_and_banded() {
        assert_eq!(sig(BODY), sig(BODY));
        assert_eq!(sig(BODY).len(), HASHES);
        assert_eq!(bands(&sig(BODY)).len(), BANDS);
        assert_eq!(similarity(&sig(BODY), &sig(BODY)), 1.0);
        // very short texts still get a signature
        assert_ne!(sig("موسكو"), vec![u32::MAX; HASHES]);
    }
}
