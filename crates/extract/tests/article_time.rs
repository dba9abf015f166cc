//! Issue 13: the article's time. Persons' roles are those held at the article's date (its
//! `published`, else its dateline, else the latest date in the text), never today's; Hijri
//! datelines are converted; every event carries `date_source` and its `date_start`/`date_end`;
//! a year inside a name or far after the article is not an event date.

use marsad_extract::{Article, ArticleOut, Extractor};
use marsad_kb::Kb;

fn run(ex: &Extractor, text: &str, published: Option<&str>) -> ArticleOut {
    ex.extract(&Article { id: "t".into(), text: text.into(), published: published.map(str::to_string), ..Default::default() })
}

fn role_of(out: &ArticleOut, name: &str) -> Option<String> {
    out.mentions.iter().find(|m| m.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("{name} not found in {:?}", out.mentions)).role.clone()
}

#[test]
fn roles_are_those_at_the_articles_time_never_todays() {
    let ex = Extractor::new(Kb::embedded().unwrap());
    // (text, published, person, expected role)
    let rows: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        ("التقى وزير الخارجية جون كيري بنظيره في فيينا.", Some("2015-07-14"), "John Kerry", Some("secretary of state")),
        ("التقى جون كيري بنظيره في فيينا.", Some("2022-03-01"), "John Kerry", Some("special presidential envoy for climate")),
        // no publication date: the dated dateline (Hijri, converted: 2015-08-11)
        ("الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس\nالتقى جون كيري بنظيره في فيينا.", None, "John Kerry", Some("secretary of state")),
        ("الرياض 26 شوال 1436 هـ واس\nقال ديفيد كاميرون إن بريطانيا ستشارك.", None, "David Cameron", Some("prime minister")),
        // no dateline either: the latest date in the text (a year counts from its first day)
        ("التقى جون كيري بنظيره في فيينا. وكان قد زار القاهرة في 3 مارس 2014.", None, "John Kerry", Some("secretary of state")),
        // a year counts from its first day: the latest date here is 2022, not 2014
        ("التقى جون كيري بنظيره في فيينا عام 2022. وكان قد زار القاهرة في مارس 2014.", None, "John Kerry", Some("special presidential envoy for climate")),
        // a range counts by its last year
        ("التقى جون كيري بنظيره في فيينا، ضمن خطة الفترة 2016 – 2022.", None, "John Kerry", Some("special presidential envoy for climate")),
        // nothing dates the article: the name only, no role (was "special presidential envoy for climate")
        ("التقى جون كيري بنظيره في فيينا.", None, "John Kerry", None),
        ("قال ديفيد كاميرون إن بريطانيا ستشارك.", None, "David Cameron", None),
    ];
    for (text, published, person, want) in rows {
        let out = run(&ex, text, *published);
        assert_eq!(role_of(&out, person).as_deref(), *want, "{text:?} published {published:?}");
        // and the person still acts for the state all their roles share
        let m = out.mentions.iter().find(|m| m.name.as_deref() == Some(*person)).unwrap();
        assert!(m.actor.is_some(), "{text:?}: {m:?}");
    }
}

#[test]
fn hijri_dates_are_converted_and_shown_with_both() {
    let ex = Extractor::new(Kb::embedded().unwrap());
    let out = run(&ex, "الرياض ٤-١٠-١٤٣٦ واس\nاستقبل الرئيس المصري عبد الفتاح السيسي الرئيس السوداني عمر البشير في القاهرة.", None);
    let d = &out.dates[0];
    assert_eq!((d.value.as_deref(), d.hijri.as_deref()), (Some("2015-07-20"), Some("1436-10-04")), "{:?}", out.dates);
    assert_eq!(out.reference_date.as_deref(), Some("2015-07-20"));
    assert!(!out.events.is_empty(), "{out:?}");
    for e in &out.events {
        assert_eq!((e.date_source.as_str(), e.date_start.as_deref()), ("dateline", Some("2015-07-20")), "{e:?}");
        assert!(e.date.as_deref().is_none_or(|d| !d.starts_with("1436")), "{e:?}");
    }
}

#[test]
fn every_event_says_where_its_date_comes_from() {
    let ex = Extractor::new(Kb::embedded().unwrap());
    let text = "استقبل الرئيس المصري عبد الفتاح السيسي الرئيس السوداني عمر البشير في القاهرة.";
    // (published, source, start)
    let rows: &[(Option<&str>, &str, Option<&str>)] = &[(Some("2015-03-23"), "published", Some("2015-03-23")), (None, "none", None)];
    for (published, source, start) in rows {
        let out = run(&ex, text, *published);
        assert!(!out.events.is_empty(), "{out:?}");
        for e in &out.events {
            assert_eq!((e.date_source.as_str(), e.date_start.as_deref(), e.date_end.as_deref()), (*source, *start, *start), "{e:?}");
        }
    }
    let out = run(&ex, "استقبل الرئيس المصري عبد الفتاح السيسي الرئيس السوداني عمر البشير في القاهرة في مارس 2015.", Some("2015-04-02"));
    let e = &out.events[0];
    assert_eq!((e.date.as_deref(), e.date_source.as_str(), e.date_start.as_deref(), e.date_end.as_deref()), (Some("2015-03"), "text", Some("2015-03-01"), Some("2015-03-31")));
    // a year inside a name is no date, in the dates list or for the event
    let out = run(&ex, "واتفقت مصر والسودان على تنفيذ أجندة الاتحاد الإفريقي لسنة 2063.", Some("2018-05-02"));
    assert!(out.dates.iter().all(|d| d.value.is_none()), "{:?}", out.dates);
    assert!(out.events.iter().all(|e| e.date.is_none() && e.date_source == "published"), "{:?}", out.events);
}
