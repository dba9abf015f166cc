//! Surface forms derived from one dictionary entry: nisba inflection, article and ل+ال
//! variants, verb conjugation, ة→ت before enclitics, and transliteration variants of foreign
//! names. Every function returns forms in matching form (see [`marsad_text::normalize`]).

use marsad_text::normalize;

/// `x` and, when it starts with ال, its ل+ال spelling without the alef (الأمم → لامم, matched
/// after a lam proclitic: للأمم). Returns (form, is_lam_variant).
pub fn with_lam_variant(x: &str) -> Vec<(String, bool)> {
    let n = normalize(x);
    let mut out = vec![(n.clone(), false)];
    // the article is written with a bare alef: أل/إل (ألمانيا، إلهام) are root letters
    if !has_article(x) {
        return out;
    }
    if let Some(rest) = n.strip_prefix("ال") {
        if rest.chars().count() >= 2 {
            out.push((format!("ل{rest}"), true));
        }
    }
    out
}

/// A form with and without the article, each with its lam variant.
pub fn with_article(x: &str) -> Vec<(String, bool)> {
    let mut out = with_lam_variant(x);
    if !has_article(x) {
        out.extend(with_lam_variant(&format!("ال{}", x.trim_start())));
    }
    out
}

/// True when `x` (as written, before folding) starts with the article ال.
pub fn has_article(x: &str) -> bool {
    x.trim_start().trim_start_matches(|c| matches!(marsad_text::fold_char(c), marsad_text::Fold::Drop)).starts_with("ال")
}

/// Inflections of a masculine nisba adjective (تركي): feminine, duals, sound plurals.
/// Forms are returned as written (not folded), so that [`with_article`] can still tell the
/// article from root letters (ألماني is not ال + ماني).
pub fn nisba_inflections(stem: &str) -> Vec<String> {
    let s = stem.trim();
    let mut out = vec![s.to_string()];
    for suf in ["ة", "ان", "ين", "ون", "تان", "تين", "ات"] {
        out.push(format!("{s}{suf}"));
    }
    // the indefinite accusative (قتل فلسطينيا، عشرين عراقيا)
    if s.ends_with('ي') {
        out.push(format!("{s}ا"));
    }
    out
}

/// Conjugated forms of a verb given its past and present 3rd masculine singular forms.
/// Covers the persons news writes about (3rd person, 1st plural, and the passive, which loses
/// its vowels in unvocalised text).
pub fn conjugate(past: &str, present: &str) -> Vec<String> {
    let mut out = conjugate_past(past);
    out.extend(conjugate_present(present));
    out.sort();
    out.dedup();
    out
}

/// Past-tense forms of a verb from its 3rd masculine singular past.
pub fn conjugate_past(past: &str) -> Vec<String> {
    let p = normalize(past);
    let mut out = Vec::new();
    // past
    if let Some(base) = p.strip_suffix('ي').filter(|b| b.chars().count() >= 2) {
        // defective in ى/ي: التقى (التقي) → التقت، التقيا، التقوا، التقينا
        for suf in ["ي", "ت", "يا", "تا", "وا", "ينا", "ين"] {
            out.push(format!("{base}{suf}"));
        }
    } else if let Some(base) = p.strip_suffix('ا').filter(|b| b.chars().count() >= 2) {
        // دعا → دعت، دعوا، دعتا، دعونا
        for suf in ["ا", "ت", "وا", "تا", "ونا", "ون"] {
            out.push(format!("{base}{suf}"));
        }
    } else {
        for suf in ["", "ت", "ا", "تا", "وا", "نا", "ن", "تم"] {
            out.push(format!("{p}{suf}"));
        }
    }
    finish(out)
}

/// Present-tense (imperfect) forms of a verb from its 3rd masculine singular present.
pub fn conjugate_present(present: &str) -> Vec<String> {
    let r = normalize(present);
    let mut out = Vec::new();
    // the person prefix replaces the first letter (ي) of the 3ms form
    let body: String = r.chars().skip(1).collect();
    if body.chars().count() >= 2 {
        for pre in ["ي", "ت", "ن", "ا"] {
            if let Some(b) = body.strip_suffix('ي') {
                // يلتقي → يلتقيان، يلتقون، يلتقين, and the jussive of لم يلتق
                for suf in ["ي", "يان", "ون", "وا", "يا", "ين", ""] {
                    out.push(format!("{pre}{b}{suf}"));
                }
            } else if let Some(b) = body.strip_suffix('و') {
                // يدعو → يدعوان، يدعون، يدعوا
                for suf in ["و", "وان", "ون", "وا", "ين"] {
                    out.push(format!("{pre}{b}{suf}"));
                }
            } else if body.ends_with('ا') {
                // يلقى-type (normalised ى→ي is handled above); يرعا is rare
                out.push(format!("{pre}{body}"));
            } else {
                for suf in ["", "ان", "ون", "ا", "وا", "ين", "ن"] {
                    out.push(format!("{pre}{body}{suf}"));
                }
            }
        }
    }
    finish(out)
}

fn finish(out: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = out.iter().map(|f| normalize(f)).collect();
    out.sort();
    out.dedup();
    out
}

/// Noun forms: singular/plural as given, with the article and (for ة nouns) the ت stem that
/// takes an enclitic. Returns (form, lam_variant, needs_enclitic).
pub fn noun_forms(x: &str) -> Vec<(String, bool, bool)> {
    let mut out: Vec<(String, bool, bool)> = with_article(x).into_iter().map(|(f, lam)| (f, lam, false)).collect();
    let n = normalize(x);
    if let Some(stem) = n.strip_suffix('ه') {
        // زيارة + ه → زيارته (no article with a pronoun)
        out.push((format!("{stem}ت"), false, true));
    } else if let Some(stem) = n.strip_suffix("اء").filter(|_| !n.contains(' ')) {
        // a final hamza moves onto a seat before a pronoun: لقاء → لقائه (genitive), لقاؤه
        // (nominative); the accusative لقاءه keeps the plain form
        out.push((format!("{stem}اي"), false, true));
        out.push((format!("{stem}او"), false, true));
    } else if !n.contains(' ') && !n.ends_with(['ا', 'ي', 'ء', 'و']) {
        // the indefinite accusative writes an alif: اجتماعًا، اتفاقًا
        out.push((format!("{n}ا"), false, false));
    }
    out
}

/// Spelling variants of a transliterated foreign name: the letter for "g" (غ/ج/ق), "v"
/// (ف/ڤ is folded already) and long vowels written or not. Only single-letter swaps inside the
/// name are generated, so distinct names stay distinct; `marsad kb check` reports any collision.
pub fn foreign_variants(x: &str) -> Vec<String> {
    let n = normalize(x);
    let mut out = vec![n.clone()];
    for (a, b) in [('غ', 'ج'), ('ج', 'غ'), ('غ', 'ق')] {
        if n.contains(a) {
            out.push(n.replace(a, &b.to_string()));
        }
    }
    // doubled vowels written single or double: توكاييف / توكايف، نزارباييف / نزاربايف
    for v in out.clone() {
        let mut c = v.clone();
        marsad_text::collapse_doubles(&mut c);
        if c != v {
            out.push(c);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A transliterated name with the first medial long a of its first word left out
/// (كاراكاس → كراكاس، مارسيليا → مرسيليا). Only for full names of places and persons: a short
/// form would turn into another word (يرماك → يرمك), and names with the article are Arabic.
pub fn alif_drop_variant(x: &str) -> Option<String> {
    let n = normalize(x);
    if n.starts_with("ال") {
        return None;
    }
    let chars: Vec<char> = n.chars().collect();
    let word_end = chars.iter().position(|&c| c == ' ').unwrap_or(chars.len());
    if word_end < 5 {
        return None;
    }
    let k = (1..word_end - 1).find(|&k| chars[k] == 'ا' && chars[k - 1] != 'ا' && chars[k + 1] != 'ا')?;
    Some(chars[..k].iter().chain(&chars[k + 1..]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (past, present, forms that must be produced)
    const VERBS: &[(&str, &str, &[&str])] = &[
        ("وقع", "يوقع", &["وقع", "وقعت", "وقعا", "وقعوا", "يوقع", "توقع", "يوقعان", "يوقعون", "نوقع"]),
        ("التقى", "يلتقي", &["التقي", "التقت", "التقيا", "التقوا", "يلتقي", "يلتقيان", "يلتقون", "يلتق"]),
        ("دعا", "يدعو", &["دعا", "دعت", "دعوا", "يدعو", "تدعو", "يدعون"]),
        ("بحث", "يبحث", &["بحث", "بحثا", "تبحثان", "يبحثون"]),
        ("استضاف", "يستضيف", &["استضاف", "استضافت", "يستضيف", "تستضيف"]),
    ];

    #[test]
    fn conjugation_table() {
        for (past, pres, want) in VERBS {
            let got = conjugate(past, pres);
            for w in *want {
                assert!(got.contains(&normalize(w)), "{past}/{pres} should give {w}: {got:?}");
            }
        }
    }

    #[test]
    fn nisba_table() {
        let got: Vec<String> = nisba_inflections("كازاخستاني").iter().map(|f| normalize(f)).collect();
        for w in ["كازاخستاني", "كازاخستانية", "كازاخستانيان", "كازاخستانيين", "كازاخستانيون", "كازاخستانيا"] {
            assert!(got.contains(&normalize(w)), "{w} in {got:?}");
        }
    }

    #[test]
    fn article_and_lam() {
        let got: Vec<String> = with_article("تركي").into_iter().map(|f| f.0).collect();
        assert!(got.contains(&"التركي".to_string()));
        assert!(got.contains(&"لتركي".to_string())); // للتركي = ل + التركي
        let got = with_lam_variant("الأمم المتحدة");
        assert_eq!(got[1], ("لامم المتحده".to_string(), true));
        // أل is root letters, not the article: ألماني takes one (الألمانية)
        let got: Vec<String> = with_article("ألمانية").into_iter().map(|f| f.0).collect();
        assert!(got.contains(&normalize("الألمانية")), "{got:?}");
        assert_eq!(with_lam_variant("ألمانيا").len(), 1);
    }

    #[test]
    fn taa_marbuta_before_enclitic() {
        let got = noun_forms("زيارة");
        assert!(got.contains(&("زيارت".to_string(), false, true)));
        let got = noun_forms("اجتماع");
        assert!(got.contains(&("اجتماعا".to_string(), false, false)), "accusative tanween alif: {got:?}");
    }

    #[test]
    fn hamza_seat_before_enclitic() {
        // (noun, written with a pronoun) — normalised, ئ is ي and ؤ is و
        for (noun, with_pronoun) in [("لقاء", "لقائه"), ("لقاء", "لقاؤهما"), ("اعتداء", "اعتدائها")] {
            let got = noun_forms(noun);
            let w = normalize(with_pronoun);
            assert!(got.iter().any(|(f, _, needs)| *needs && w.starts_with(f.as_str()) && marsad_text::ENCLITICS.contains(&&w[f.len()..])), "{noun} → {with_pronoun}: {got:?}");
        }
        // …and never without one: لقاي alone is no form
        assert!(!noun_forms("لقاء").iter().any(|(f, _, needs)| f == "لقاي" && !needs));
    }

    #[test]
    fn g_variants() {
        let got = foreign_variants("سيرغي لافروف");
        assert!(got.contains(&normalize("سيرجي لافروف")));
        let got = foreign_variants("توكاييف");
        assert!(got.contains(&"توكايف".to_string()), "{got:?}");
        assert_eq!(alif_drop_variant("كاراكاس").as_deref(), Some("كراكاس"));
        assert_eq!(alif_drop_variant("الأقصر"), None, "القصر is 'the palace'");
    }
}
