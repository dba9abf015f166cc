//! Export rows straight from extraction, with no store: one [`EventRow`] per event of one
//! [`ArticleOut`] (its `events`, not `unrealised` or `incidents`), with the columns of
//! `docs/export.md` filled by the same rules the export query uses — the report's time
//! ([`crate::merge::report_time`]), the CAMEO root, QuadClass and intensity ([`crate::cameo`]),
//! each side's sector from its acting mention ([`crate::sector`]), the dead of a killing
//! ([`crate::fatalities`]) and the place's feature class. This is what the Python package's
//! `extract_arrow` and the Spark path write (docs/python.md).
//!
//! What only a store knows is defined for one report: nothing is merged across articles (or
//! within one), so `num_mentions`, `num_articles` and `num_sources` are 1; `actor1` is the
//! report's source and `actor2` its target (the store orders a symmetric event's actors);
//! `article_id` and `event_id` are stable 63-bit hashes of the article's `id` (and the event's
//! place in its `events`), the same on every machine and run, so shards extracted anywhere
//! never collide by accident; `mention_id` is that place; `added_at` is empty (nothing was
//! stored). `source_name` is the publisher as the store normalises it ([`crate::sources`]).

use crate::query::EventRow;
use marsad_extract::{ArticleOut, Event};

/// A stable, positive 63-bit id of `parts` (FNV-1a 64 over the parts, each followed by a 0
/// byte, the top bit cleared): the same on every platform and run.
pub fn stable_id(parts: &[&[u8]]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (h & (u64::MAX >> 1)) as i64
}

/// The `article_id` of rows from the article with input id `id`.
pub fn article_id(id: &str) -> i64 {
    stable_id(&[id.as_bytes()])
}

/// The `event_id` of the `index`-th event of the article with input id `id`.
pub fn event_id(id: &str, index: usize) -> i64 {
    stable_id(&[id.as_bytes(), &(index as u64).to_le_bytes()])
}

/// One export row per event of `out` (the record `marsad extract` writes for one article), in
/// the order of `out.events`.
pub fn event_rows(out: &ArticleOut) -> Vec<EventRow> {
    out.events.iter().enumerate().map(|(i, e)| event_row(out, i, e)).collect()
}

/// `kind|role` of the first mention written `agent`, as the export query reads it.
fn agent_kind(out: &ArticleOut, agent: Option<&str>) -> Option<String> {
    let agent = agent?;
    let m = out.mentions.iter().find(|m| m.text == agent)?;
    Some(format!("{}|{}", m.kind, m.role.as_deref().unwrap_or("")))
}

fn event_row(out: &ArticleOut, index: usize, e: &Event) -> EventRow {
    let given = e.date_start.as_deref().zip(e.date_end.as_deref()).map(|(s, t)| (e.date_source.as_str(), s, t));
    let time = crate::merge::report_time(e.date.as_deref(), e.date_text.as_deref(), &e.modality, given, out.published.as_deref(), out.reference_date.as_deref());
    let cameo = crate::cameo::of(&e.event_type, e.mode.as_deref());
    let place = e.place.as_ref().map(|p| p.name.clone().unwrap_or_else(|| p.text.clone()));
    let feature_class = place.as_ref().and_then(|p| {
        out.mentions.iter().find(|m| m.kind == "PLACE" && (m.name.as_deref() == Some(p.as_str()) || m.text == *p)).and_then(|m| m.role.clone())
    });
    let fatalities = (e.event_type == "ASSAULT")
        .then(|| {
            let mut counts: Vec<&marsad_extract::QuantityOut> = out.quantities.iter().filter(|q| q.kind == "COUNT" && q.span.sentence == e.span.sentence).collect();
            counts.sort_by_key(|q| q.span.start);
            let counts: Vec<(f64, String)> = counts.into_iter().map(|q| (q.value, q.text.clone())).collect();
            crate::fatalities::in_sentence(&e.evidence, &counts)
        })
        .flatten();
    EventRow {
        event_id: event_id(&out.id, index),
        event_date: time.date,
        date_precision: time.precision,
        date_start: time.start,
        date_end: time.end,
        date_source: Some(time.source),
        event_type: e.event_type.clone(),
        event_mode: e.mode.clone(),
        cameo_root: cameo.map(|c| c.root.clone()),
        quad_class: cameo.map(|c| c.quad_class),
        intensity: cameo.and_then(|c| c.intensity),
        modality: e.modality.clone(),
        actor1_code: e.source.actor.clone(),
        actor1_name: e.source.name.clone(),
        actor1_agent: e.source.agent.clone(),
        actor2_code: e.target.actor.clone(),
        actor2_name: e.target.name.clone(),
        actor2_agent: e.target.agent.clone(),
        action_geo_fullname: place,
        action_geo_country_code: e.place.as_ref().and_then(|p| p.country.clone()),
        action_geo_lat: e.place.as_ref().and_then(|p| p.lat),
        action_geo_long: e.place.as_ref().and_then(|p| p.lon),
        action_geo_feature_class: feature_class,
        actor1_sector: crate::sector::of(agent_kind(out, e.source.agent.as_deref()).as_deref(), e.source.actor.as_deref()).map(str::to_string),
        actor2_sector: crate::sector::of(agent_kind(out, e.target.agent.as_deref()).as_deref(), e.target.actor.as_deref()).map(str::to_string),
        fatalities,
        num_mentions: 1,
        num_sources: 1,
        num_articles: 1,
        source_url: out.url.clone(),
        source_name: crate::sources::normalise(out.source.as_deref()).source,
        article_id: article_id(&out.id),
        article_title: out.title.clone(),
        published: out.published.clone(),
        trigger: e.trigger.clone(),
        trigger_start: e.span.start as i64,
        trigger_end: e.span.end as i64,
        sentence: e.evidence.clone(),
        gloss: e.gloss.clone(),
        added_at: String::new(),
        mention_id: index as i64,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::{event_rows as stored_rows, EventFilter, EventRow, Sort};
    use crate::{ClusterChoice, NewArticle, SqliteStore, Store};
    use marsad_extract::{Article, Extractor};

    /// Articles with dated, undated, placed, agented and killing events.
    fn articles() -> Vec<Article> {
        let mut arts: Vec<Article> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .map(|p| Article { id: p.file_stem().unwrap().to_string_lossy().into(), text: std::fs::read_to_string(&p).unwrap(), ..Default::default() })
            .collect();
        arts.sort_by(|a, b| a.id.cmp(&b.id));
        arts[0].published = Some("2025-10-23".into());
        arts[0].source = Some("TASS".into());
        arts[0].url = Some("https://example.org/a".into());
        arts[0].title = Some("عنوان".into());
        arts.push(Article { id: "consult".into(), text: "التقى أردوغان بوتين في أنقرة".into(), published: Some("2024-05-02".into()), ..Default::default() });
        arts.push(Article {
            id: "assault".into(),
            text: "قصفت القوات الإسرائيلية مدينة غزة أمس، مما أسفر عن مقتل 12 شخصا وإصابة 30 آخرين.".into(),
            published: Some("2024-01-10".into()),
            ..Default::default()
        });
        arts
    }

    /// The columns a stored single report and an extracted one share (ids, counts and the time
    /// of storing are the store's own).
    fn shared(r: &EventRow) -> EventRow {
        EventRow { event_id: 0, article_id: 0, mention_id: 0, num_mentions: 0, num_sources: 0, num_articles: 0, added_at: String::new(), ..r.clone() }
    }

    #[test]
    fn an_extracted_report_has_the_columns_the_store_exports_for_it() {
        let ex = Extractor::new(marsad_kb::Kb::load(&marsad_kb::Sources::embedded()).unwrap());
        let arts = articles();
        let mut s = SqliteStore::in_memory().unwrap();
        let mut extracted = Vec::new();
        for (i, a) in arts.iter().enumerate() {
            let out = ex.extract(a);
            extracted.extend(super::event_rows(&out).into_iter().map(|r| (a.id.clone(), r)));
            s.begin().unwrap();
            let n = i as u8 + 1;
            let new = NewArticle { article: a.clone(), origin: a.id.clone(), source: a.source.clone(), content_hash: [n; 16], signature: vec![u32::from(n)], bands: vec![1000 + i64::from(n)], extracted: out, search_forms: None };
            s.insert(&new, ClusterChoice::New).unwrap();
            s.commit().unwrap();
        }
        assert!(extracted.len() >= 5, "too few events to compare: {}", extracted.len());
        assert!(extracted.iter().any(|(_, r)| r.fatalities == Some(12)), "the killing's dead: {extracted:#?}");
        assert!(extracted.iter().any(|(_, r)| r.actor1_sector.is_some() && r.action_geo_feature_class.is_some()));
        let stored = stored_rows(s.as_db(), &EventFilter::default(), Sort::DateAsc, 10_000, 0).unwrap();
        let mut compared = 0;
        for st in stored.iter().filter(|r| r.num_mentions == 1) {
            let ext_id: String = s.as_db().one("SELECT ext_id FROM articles WHERE id = ?1", &[crate::db::Val::Int(st.article_id)]).unwrap();
            // one trigger may carry several events (A signed with B and with C)
            let sides = |r: &EventRow| {
                let mut s = [r.actor1_code.clone(), r.actor2_code.clone()];
                s.sort();
                s
            };
            let (_, x) = extracted
                .iter()
                .find(|(id, x)| *id == ext_id && x.trigger_start == st.trigger_start && x.event_type == st.event_type && sides(x) == sides(st))
                .unwrap_or_else(|| panic!("no extracted row for {st:?}"));
            let mut want = shared(st);
            // the store orders a symmetric event's two sides by code; a report keeps its own
            if want.actor1_code != x.actor1_code {
                let w = &mut want;
                std::mem::swap(&mut w.actor1_code, &mut w.actor2_code);
                std::mem::swap(&mut w.actor1_name, &mut w.actor2_name);
                std::mem::swap(&mut w.actor1_agent, &mut w.actor2_agent);
                std::mem::swap(&mut w.actor1_sector, &mut w.actor2_sector);
            }
            assert_eq!(shared(x), want, "article {ext_id}");
            assert_eq!((x.num_mentions, x.num_articles, x.num_sources, x.article_id), (1, 1, 1, super::article_id(&ext_id)));
            compared += 1;
        }
        assert!(compared >= 5, "compared only {compared} events");
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        // fixed values: the same on every machine, run and engine
        assert_eq!(super::article_id("a"), super::article_id("a"));
        assert_ne!(super::event_id("a", 0), super::event_id("a", 1));
        assert_ne!(super::event_id("ab", 0), super::event_id("a", 0));
        assert!(super::article_id("") >= 0 && super::event_id("x", usize::MAX) >= 0);
        assert_eq!(super::stable_id(&[b""]), 0x2f63_bd4c_8601_b7df, "FNV-1a 64 of one 0 byte, top bit cleared");
    }
}
