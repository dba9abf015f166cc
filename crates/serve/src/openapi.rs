//! The OpenAPI 3.1 description of the API, served at `/openapi.json`.

use serde_json::{json, Value};

/// Text without control characters (the server refuses them), at most `max` characters.
const TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// An actor or country code (case is folded).
const CODE: &str = "^([ ]*[A-Za-z0-9:_.]{1,40}[ ]*)?$";
/// YYYY, YYYY-MM or YYYY-MM-DD (a day that exists; from ≤ to).
const DATE: &str = "^([0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?)?)?$";

fn q(name: &str, desc: &str) -> Value {
    q_schema(name, desc, json!({"type": "string", "maxLength": 200, "pattern": TEXT}))
}

fn q_schema(name: &str, desc: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": schema})
}

fn filters() -> Vec<Value> {
    // an empty value means no condition (an empty form field)
    let types_or_none: Vec<&str> = std::iter::once("").chain(marsad_store::query::EVENT_TYPES.iter().copied()).collect();
    let modalities_or_none: Vec<&str> = std::iter::once("").chain(marsad_store::query::MODALITIES.iter().copied()).collect();
    vec![
        q_schema("q", "full-text query over the articles reporting the event (Arabic-aware; at least one word, at most 12)", json!({"type": "string", "maxLength": 500, "pattern": "^([^\\u0000-\\u001f\\u007f-\\u009f]*([0-9A-Za-z]|[\\u0622-\\u063a\\u0641-\\u064a]{2})[^\\u0000-\\u001f\\u007f-\\u009f]*)?$"})),
        q_schema("actor", "actor code on either side (RUS, IGO:UN, NSA:HAMAS)", json!({"type": "string", "pattern": CODE})),
        q_schema("dyad", "two actor codes, either direction (RUS-KAZ)", json!({"type": "string", "pattern": "^([A-Za-z0-9:_.]{1,40}-[A-Za-z0-9:_.]{1,40})?$"})),
        q_schema("type", "PLOVER event type", json!({"type": "string", "enum": types_or_none})),
        q_schema("mode", "PLOVER mode (visit, host, sign…)", json!({"type": "string", "pattern": "^[a-z_]{0,40}$"})),
        q_schema("modality", "some report has this modality", json!({"type": "string", "enum": modalities_or_none})),
        q_schema("country", "a state on either side or where the event took place", json!({"type": "string", "pattern": CODE})),
        q_schema("from", "first date, YYYY[-MM[-DD]] (after `to`, only events dated too coarsely to tell can match)", json!({"type": "string", "pattern": DATE})),
        q_schema("to", "last date, YYYY[-MM[-DD]]", json!({"type": "string", "pattern": DATE})),
        q("source", "a publisher that reported the event"),
        q_schema("article", "an article id that reported the event", json!({"type": "string", "pattern": "^([1-9][0-9]{0,17})?$"})),
    ]
}

fn paging() -> Vec<Value> {
    vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}}),
        json!({"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["-date", "date", "-mentions", "-id", "relevance"], "default": "-date"}, "description": "relevance (the default under q): events whose articles match q best first"}),
    ]
}

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The errors every request can get: bad parameter, not found, and the limits on the request.
fn errors() -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for (code, desc) in [
        ("400", "bad parameter"),
        ("404", "not found"),
        ("405", "method not allowed"),
        ("414", "request target or query string too long"),
        ("431", "too many or too large header fields"),
        ("503", "the request took too long"),
    ] {
        m.insert(code.into(), err(desc));
    }
    m
}

fn ok(desc: &str, ty: &str) -> Value {
    ok_types(desc, &[ty])
}

fn ok_types(desc: &str, types: &[&str]) -> Value {
    let mut m = errors();
    let content: serde_json::Map<String, Value> = types.iter().map(|t| (t.to_string(), json!({}))).collect();
    m.insert("200".into(), json!({"description": desc, "content": content}));
    Value::Object(m)
}

fn with(mut r: Value, extra: &[(&str, &str)]) -> Value {
    for (code, desc) in extra {
        r[*code] = if *code == "204" || *code == "201" { json!({"description": desc}) } else { err(desc) };
    }
    r
}

fn id(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}})
}

/// The filters of `/api/incidents`: the event filters but `dyad` (an incident names one side
/// at most), and paging without mention counts.
fn incident_params() -> Vec<Value> {
    let mut v: Vec<Value> = filters().into_iter().filter(|p| p["name"] != "dyad").collect();
    for p in v.iter_mut() {
        let d = p["description"].as_str().unwrap_or("").replace("the event", "the incident").replace("reporting the event", "reporting the incident");
        p["description"] = json!(d);
    }
    let mut pg = paging();
    pg[2]["schema"]["enum"] = json!(["-date", "date", "-id"]);
    v.extend(pg);
    v
}

pub fn spec() -> Value {
    let mut ev = filters();
    ev.extend(paging());
    let mut tl = filters();
    tl.push(json!({"name": "interval", "in": "query", "schema": {"type": "string", "enum": ["", "day", "week", "month", "year", "exact", "exact-month", "exact-year"], "default": "month"}, "description": "exact: each event at its own date's precision (a day, a month or a year); exact-month and exact-year: no finer than a month or a year"}));
    let mut gr = filters();
    gr.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 200}}));
    let mut pl = filters();
    pl.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 500}}));
    let mut ex = filters();
    ex.push(json!({"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "jsonl", "parquet"], "default": "csv"}}));
    let auth = json!([{"bearer": []}]);
    let mut search_q = filters()[0].clone();
    search_q["required"] = json!(true);
    search_q["schema"]["pattern"] = json!("^[^\\u0000-\\u001f\\u007f-\\u009f]*([0-9A-Za-z]|[\\u0622-\\u063a\\u0641-\\u064a]{2})[^\\u0000-\\u001f\\u007f-\\u009f]*$");
    let mut v = json!({
        "openapi": "3.1.0",
        "info": {"title": "marsad", "version": env!("CARGO_PKG_VERSION"),
                 "description": "International-relations events read from Arabic news: search, events, articles with extracted spans, actors, timelines, the dyad network, exports and subscriptions. Errors are {\"error\": {\"status\", \"message\"}}."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "the token given to marsad serve (--token-file or MARSAD_TOKEN)"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
                "NewSubscription": {"type": "object", "additionalProperties": false, "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "filter": {"type": "object", "description": "event filter parameters as in /api/events", "additionalProperties": {"type": "string"}},
                    "webhook": {"type": "string", "format": "uri", "description": "receives each new matching event as JSON (POST)"}}}
            }
        },
        "paths": {
            "/api/search": {"get": {"summary": "Articles matching a query, ranked, with highlighted snippets",
                "parameters": [search_q, json!({"name": "limit", "in": "query", "description": "at most 100 hits are returned", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}}), paging()[1].clone()],
                "responses": ok("search page", "application/json")}},
            "/api/events": {"get": {"summary": "Events matching the filters", "parameters": ev, "responses": ok("event page", "application/json")}},
            "/api/incidents": {"get": {"summary": "Incidents: things that happened where the text names one side at most (an attack by an unnamed attacker, an arrest by unnamed captors); kept apart from events, one per report, never merged",
                "parameters": incident_params(), "responses": ok("incident page", "application/json")}},
            "/api/events/{id}": {"get": {"summary": "One event", "parameters": [id("id")], "responses": ok("event", "application/json")}},
            "/api/articles/{id}": {"get": {"summary": "An article with its sentences and every extracted span (mentions, quantities, dates, events, and apart from them its incidents)", "parameters": [id("id")], "responses": ok("article", "application/json")}},
            "/api/actors": {"get": {"summary": "Actors of the matching events, most events first", "parameters": ev.clone(), "responses": ok("actors", "application/json")}},
            "/api/actors/{code}": {"get": {"summary": "One actor: name, timeline and events", "parameters": [json!({"name": "code", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9:_.]{1,40}$"}})], "responses": ok("actor", "application/json")}},
            "/api/timeline": {"get": {"summary": "Event counts per period and type", "parameters": tl, "responses": ok("timeline", "application/json")}},
            "/api/graph": {"get": {"summary": "Dyad network: nodes are actors, edges counts by type", "parameters": gr, "responses": ok("graph", "application/json")}},
            "/api/places": {"get": {"summary": "Places of the matching events that have coordinates (the map), most events first, and how many events are located", "parameters": pl, "responses": ok("places", "application/json")}},
            "/api/stats": {"get": {"summary": "What the store holds", "parameters": [json!({"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}})], "responses": ok("stats", "application/json")}},
            "/api/export": {"get": {"summary": "One row per matching event (docs/export.md)", "parameters": ex, "responses": ok_types("export file", &["text/csv", "application/x-ndjson", "application/vnd.apache.parquet"])}},
            "/api/feed.atom": {"get": {"summary": "Atom feed of the matching events most recently reported, each shown by its latest report", "parameters": filters(), "responses": ok("Atom feed", "application/atom+xml")}},
            "/api/subscriptions": {
                "get": {"summary": "Subscriptions", "responses": ok("subscriptions", "application/json")},
                "post": {"summary": "Create a subscription (needs the token)", "security": auth.clone(),
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSubscription"}}}},
                    "responses": with(Value::Object(errors()), &[("201", "created, with its feed_url and the secret that signs its webhook bodies (X-Marsad-Signature-256)"), ("401", "bad token"), ("403", "server is read-only"), ("409", "too many subscriptions"), ("413", "body over 64 KiB"), ("415", "not JSON")])}},
            "/api/subscriptions/{id}": {
                "get": {"summary": "A subscription and its latest webhook deliveries", "parameters": [id("id")], "responses": ok("subscription", "application/json")},
                "delete": {"summary": "Delete a subscription (needs the token)", "security": auth, "parameters": [id("id")],
                    "responses": with(Value::Object(errors()), &[("204", "deleted"), ("401", "bad token"), ("403", "server is read-only")])}},
            "/api/subscriptions/{id}/feed.atom": {"get": {"summary": "Atom feed of the subscription's events, the most recently reported first", "parameters": [id("id")], "responses": ok("Atom feed", "application/atom+xml")}}
        }
    });
    v["components"]["schemas"]["WebhookDelivery"] = webhook_delivery();
    v["webhooks"] = json!({"newReport": {"post": {
        "summary": "A new report of an event matching a subscription, POSTed to its webhook (docs/serve.md, Subscriptions and webhooks)",
        "parameters": [
            {"name": "X-Marsad-Signature-256", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
             "description": "sha256= and the hex HMAC-SHA256 of the body's exact bytes, keyed with the subscription's secret"},
            {"name": "X-Marsad-Delivery", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+-[0-9]+$"},
             "description": "SUBSCRIPTION-MENTION, the same on every retry of one delivery"},
            {"name": "X-Marsad-Subscription", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+$"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookDelivery"}}}},
        "responses": {"200": {"description": "any 2xx: delivered; anything else, or no answer in 10 s, is retried with backoff"}}
    }}});
    v
}

/// The body of a webhook delivery: the new report apart from the event it joined.
fn webhook_delivery() -> Value {
    let s = json!({"type": "string"});
    let sn = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let obj = |fields: &[(&str, &Value)]| {
        let props: serde_json::Map<String, Value> = fields.iter().map(|(k, t)| (k.to_string(), (*t).clone())).collect();
        let required: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        json!({"type": "object", "required": required, "properties": props})
    };
    let report = obj(&[
        ("mention_id", &i), ("new_event", &json!({"type": "boolean", "description": "this report made the event rather than joined a known one"})),
        ("article_id", &i), ("article_title", &sn), ("article_url", &sn), ("source_name", &sn), ("published", &sn), ("added_at", &s),
        ("sentence", &s), ("trigger", &s), ("trigger_start", &i), ("trigger_end", &i), ("modality", &s), ("mode", &sn),
        ("date", &sn), ("date_precision", &sn), ("date_source", &sn), ("actor1_agent", &sn), ("actor2_agent", &sn), ("place", &sn),
    ]);
    let event = obj(&[
        ("event_id", &i), ("event_type", &s), ("event_mode", &sn), ("event_date", &sn), ("date_precision", &sn), ("date_start", &sn),
        ("date_end", &sn), ("date_source", &sn), ("cameo_root", &sn), ("quad_class", &json!({"type": ["integer", "null"]})),
        ("intensity", &json!({"type": ["number", "null"]})), ("actor1_code", &sn), ("actor1_name", &sn), ("actor2_code", &sn), ("actor2_name", &sn),
        ("gloss", &s), ("num_mentions", &i), ("num_articles", &i), ("num_sources", &i), ("first_mention_id", &i), ("first_reported_at", &sn),
    ]);
    let sub = obj(&[("id", &i), ("name", &s)]);
    obj(&[("subscription", &sub), ("delivery", &s), ("report", &report), ("event", &event)])
}
