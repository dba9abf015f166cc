//! `fatalities`: the count of the dead a killing (ASSAULT) event's sentence carries — a count
//! whose own words name the dead (27 قتيلا) or that follows a word saying they were killed
//! within three words (قتلت 143 شخصًا، مقتل 12 شخصا). The first such count of the sentence;
//! none when the sentence has none (wounded, arrested and other counts are not deaths). Words in
//! `data/export/death_words.tsv`.

use std::sync::OnceLock;

const WORDS: &str = include_str!("../../../data/export/death_words.tsv");

struct Words {
    nouns: Vec<String>,
    cues: Vec<Vec<String>>,
}

fn words() -> &'static Words {
    static W: OnceLock<Words> = OnceLock::new();
    W.get_or_init(|| {
        let mut w = Words { nouns: Vec::new(), cues: Vec::new() };
        for line in WORDS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let Some((role, forms)) = line.split_once('\t') else { continue };
            for f in forms.split('|') {
                let n = marsad_text::normalize(f);
                match role {
                    "noun" => w.nouns.push(n),
                    "cue" => w.cues.push(n.split_whitespace().map(str::to_string).collect()),
                    _ => {}
                }
            }
        }
        w
    })
}

fn norm_words(s: &str) -> Vec<String> {
    marsad_text::normalize(s).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The dead counted in `sentence`, given its counts (value, text as written) in text order.
pub fn in_sentence(sentence: &str, counts: &[(f64, String)]) -> Option<i64> {
    let w = words();
    let mut from = 0;
    for (value, text) in counts {
        let Some(pos) = sentence[from..].find(text.as_str()).map(|p| p + from) else { continue };
        from = pos + text.len();
        let own = norm_words(text);
        let before = norm_words(&sentence[..pos]);
        let before = &before[before.len().saturating_sub(3)..];
        let named = own.iter().any(|x| w.nouns.contains(x));
        let cued = w.cues.iter().any(|c| before.windows(c.len()).any(|win| win == c.as_slice()));
        if (named || cued) && *value >= 0.0 && value.fract() == 0.0 {
            return Some(*value as i64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_of_the_dead() {
        let rows: &[(&str, &[(f64, &str)], Option<i64>)] = &[
            ("27 قتيلا و100 جريح بانفجار في بلدة على الحدود", &[(27.0, "27 قتيلا"), (100.0, "100 جريح")], Some(27)),
            ("ووفق التقرير فإن القوات الحكومية قتلت 143 شخصًا، يتوزعون إلى 19 مسلحًا", &[(143.0, "143 شخصًا"), (19.0, "19 مسلحًا")], Some(143)),
            ("كما تمكن التنظيم من قتل 4 ضباط آخرين", &[(4.0, "4 ضباط")], Some(4)),
            ("أفاد المرصد بأن عدد قتلى النزاع خلال الشهر بلغ نحو 5026 قتيلا", &[(5026.0, "5026 قتيلا")], Some(5026)),
            ("وأصيب نحو 120 شخصا في الهجوم", &[(120.0, "120 شخصا")], None),
            ("واعتقلت الشرطة 12 شخصا بعد مقتل الحارس", &[(12.0, "12 شخصا")], None),
            ("لقي 5 أشخاص حتفهم في القصف", &[(5.0, "5 أشخاص")], Some(5)),
            ("قصف الحوثيون مواقع سعودية", &[], None),
        ];
        for (s, counts, want) in rows {
            let counts: Vec<(f64, String)> = counts.iter().map(|(v, t)| (*v, t.to_string())).collect();
            assert_eq!(super::in_sentence(s, &counts), *want, "{s}");
        }
    }
}
