//! The OpenAPI 3.1 description of the API, served at `/openapi.json`.

use serde_json::{json, Value};

fn q(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}})
}

fn filters() -> Vec<Value> {
    vec![
        q("q", "full-text query over the articles reporting the event (Arabic-aware)"),
        q("actor", "actor code on either side (RUS, IGO:UN, NSA:HAMAS)"),
        q("dyad", "two actor codes, either direction (RUS-KAZ)"),
        q("type", "PLOVER event type (CONSULT, AGREE, …)"),
        q("mode", "PLOVER mode (visit, host, sign…)"),
        q("modality", "asserted, planned, negated or hypothetical"),
        q("country", "a state on either side or where the event took place"),
        q("from", "first date, YYYY[-MM[-DD]]"),
        q("to", "last date, YYYY[-MM[-DD]]"),
        q("source", "a publisher that reported the event"),
        q("article", "an article id that reported the event"),
    ]
}

fn paging() -> Vec<Value> {
    vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}}),
        json!({"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["-date", "date", "-mentions", "-id"], "default": "-date"}}),
    ]
}

fn ok(desc: &str, ty: &str) -> Value {
    json!({
        "200": {"description": desc, "content": {ty: {}}},
        "400": {"description": "bad parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

fn id(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

pub fn spec() -> Value {
    let mut ev = filters();
    ev.extend(paging());
    let mut tl = filters();
    tl.push(json!({"name": "interval", "in": "query", "schema": {"type": "string", "enum": ["day", "week", "month", "year"], "default": "month"}}));
    let mut gr = filters();
    gr.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 200}}));
    let mut ex = filters();
    ex.push(json!({"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "jsonl", "parquet"], "default": "csv"}}));
    let auth = json!([{"bearer": []}]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "marsad", "version": env!("CARGO_PKG_VERSION"),
                 "description": "International-relations events read from Arabic news: search, events, articles with extracted spans, actors, timelines, the dyad network, exports and subscriptions. Errors are {\"error\": {\"status\", \"message\"}}."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "the token given to marsad serve (--token or MARSAD_TOKEN)"}},
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
                "parameters": [json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 500}}), paging()[0].clone(), paging()[1].clone()],
                "responses": ok("search page", "application/json")}},
            "/api/events": {"get": {"summary": "Events matching the filters", "parameters": ev, "responses": ok("event page", "application/json")}},
            "/api/events/{id}": {"get": {"summary": "One event", "parameters": [id("id")], "responses": ok("event", "application/json")}},
            "/api/articles/{id}": {"get": {"summary": "An article with its sentences and every extracted span (mentions, quantities, dates, events)", "parameters": [id("id")], "responses": ok("article", "application/json")}},
            "/api/actors": {"get": {"summary": "Actors of the matching events, most events first", "parameters": ev.clone(), "responses": ok("actors", "application/json")}},
            "/api/actors/{code}": {"get": {"summary": "One actor: name, timeline and events", "parameters": [id("code")], "responses": ok("actor", "application/json")}},
            "/api/timeline": {"get": {"summary": "Event counts per period and type", "parameters": tl, "responses": ok("timeline", "application/json")}},
            "/api/graph": {"get": {"summary": "Dyad network: nodes are actors, edges counts by type", "parameters": gr, "responses": ok("graph", "application/json")}},
            "/api/stats": {"get": {"summary": "What the store holds", "responses": ok("stats", "application/json")}},
            "/api/export": {"get": {"summary": "One row per matching event (docs/export.md)", "parameters": ex, "responses": ok("export file", "application/octet-stream")}},
            "/api/feed.atom": {"get": {"summary": "Atom feed of the newest matching events", "parameters": filters(), "responses": ok("Atom feed", "application/atom+xml")}},
            "/api/subscriptions": {
                "get": {"summary": "Subscriptions", "responses": ok("subscriptions", "application/json")},
                "post": {"summary": "Create a subscription (needs the token)", "security": auth.clone(),
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSubscription"}}}},
                    "responses": {"201": {"description": "created, with its feed_url"}, "400": {"description": "bad body"}, "401": {"description": "bad token"}, "403": {"description": "server is read-only"}}}},
            "/api/subscriptions/{id}": {
                "get": {"summary": "A subscription and its latest webhook deliveries", "parameters": [id("id")], "responses": ok("subscription", "application/json")},
                "delete": {"summary": "Delete a subscription (needs the token)", "security": auth, "parameters": [id("id")],
                    "responses": {"204": {"description": "deleted"}, "401": {"description": "bad token"}, "404": {"description": "no such subscription"}}}},
            "/api/subscriptions/{id}/feed.atom": {"get": {"summary": "Atom feed of the subscription's events", "parameters": [id("id")], "responses": ok("Atom feed", "application/atom+xml")}}
        }
    })
}
