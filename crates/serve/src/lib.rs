//! # marsad-serve: the observatory over HTTP
//!
//! **In:** a store built by `marsad ingest` (its path), an address to listen on, and
//! optionally a write token. **Out:** an HTTP server (axum): the JSON API under `/api/`
//! (search, events under filters, event, incidents (one side not named, kept apart from
//! events), article with every extracted span, actors, timeline,
//! dyad network, places for the map, stats, exports, subscriptions), its OpenAPI description at
//! `/openapi.json`, Atom feeds of standing queries, the web page at `/` (embedded HTML/JS/CSS
//! and the world's outline it draws the map on, no CDN, no tile server), and a
//! background task that POSTs each new event matching a subscription to its webhook, retried
//! with exponential backoff. Also [`export`]: CSV, JSON Lines and Parquet writers shared with
//! `marsad export`. Names given for actors (`actor=Russia`) are resolved by a [`Resolver`] the
//! binary passes in (it holds the knowledge base). The API is described in `docs/serve.md`, the
//! export columns in `docs/export.md`.
//!
//! **Must not:** change what ingest stored: reads go through read-only connections; the only
//! writes are subscriptions and their delivery log, and they need the token given at start
//! (`Authorization: Bearer TOKEN`; without a token the server is read-only). Bad input of any
//! kind is answered with a 4xx and a JSON `{"error": {"status", "message"}}`, never a panic.
//! Nor let a client hold it: connections are capped and closed when idle or stalled (`conn`),
//! requests are bounded in size and time, and webhooks never run on the pool that answers
//! reads nor reach loopback, private or link-local addresses unless allowed (`webhook`); the
//! limits are in docs/serve.md, "Security and limits".

mod conn;
pub mod export;
pub mod feed;
mod openapi;
/// What each endpoint reads from its query string, apart from the store ([`parse_request`]).
mod params;
/// Webhook deliveries: each new report apart from the event it joined, signed with HMAC-SHA256
/// under the subscription's secret, under a lease in the store so that several processes
/// never deliver one subscription twice ([`run_webhooks`] runs them without the server, for
/// `marsad watch`).
mod webhook;

pub use params::parse_request;
pub use webhook::{new_secret, signature};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use marsad_store::query::{self, EventFilter, Interval, Page, Sort};
use marsad_store::{Db, Target};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Something that stops the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("store: {0}")]
    Store(#[from] marsad_store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("export: {0}")]
    Export(String),
}

/// A name typed where an actor code is expected (`actor=Russia`, `actor=لافروف`) and the code it
/// stands for; shown in answers as `resolved`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resolved {
    pub given: String,
    pub code: String,
    pub name: String,
}

/// Resolves a name to an actor code (the binary gives one built on the knowledge base); `None`
/// leaves the value as it is (a code, or nothing known).
pub type Resolver = Arc<dyn Fn(&str) -> Option<Resolved> + Send + Sync>;

/// How to run the server.
#[derive(Clone)]
pub struct Config {
    pub db: Target,
    pub addr: SocketAddr,
    /// Token that writes (subscriptions) need; `None`: the server is read-only.
    pub token: Option<String>,
    /// How often the webhook task looks for new events.
    pub poll: Duration,
    /// Webhook attempts per event before giving up, and the first retry's delay (doubling).
    pub webhook_attempts: u32,
    pub webhook_backoff: Duration,
    /// Time limit of one webhook request (connect, send, answer).
    pub webhook_timeout: Duration,
    /// Webhook requests in flight at most, over all subscriptions (threads of their own).
    pub webhook_concurrency: usize,
    /// Allow webhooks to loopback, private, link-local and unspecified addresses.
    pub allow_private_webhooks: bool,
    /// Subscriptions the store may hold at most (creating one more is a 409).
    pub max_subscriptions: usize,
    /// A connection that has not sent a whole request head within this time is closed: the
    /// time to send headers, and how long an idle or kept-alive connection stays open.
    pub idle_timeout: Duration,
    /// A request (its body, the query and writing the answer's head) taking longer is answered 503.
    pub request_timeout: Duration,
    /// A connection whose answer has not been read for this long is closed.
    pub write_timeout: Duration,
    /// Connections open at most; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// Names to actor codes for the `actor`, `country` and `dyad` parameters.
    pub resolver: Option<Resolver>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("db", &self.db).field("addr", &self.addr).field("resolver", &self.resolver.is_some()).finish_non_exhaustive()
    }
}

impl Config {
    pub fn new(db: impl Into<Target>, addr: SocketAddr) -> Config {
        Config {
            db: db.into(),
            addr,
            token: None,
            poll: Duration::from_secs(2),
            webhook_attempts: 6,
            webhook_backoff: Duration::from_millis(500),
            webhook_timeout: Duration::from_secs(10),
            webhook_concurrency: 16,
            allow_private_webhooks: false,
            max_subscriptions: 100,
            idle_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_connections: 4096,
            resolver: None,
        }
    }
}

/// Reading connections (read-only SQLite, or PostgreSQL), reused; queries run on the
/// blocking pool.
struct Pool {
    target: Target,
    idle: Mutex<Vec<Box<dyn Db + Send>>>,
    permits: tokio::sync::Semaphore,
}

impl Pool {
    async fn read<T: Send + 'static>(self: &Arc<Self>, f: impl FnOnce(&dyn Db) -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
        let _permit = self.permits.acquire().await.map_err(|_| ApiError::internal("shutting down"))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
                Some(c) => c,
                None => pool.target.reader().map_err(|e| ApiError::internal(e.to_string()))?,
            };
            let r = f(&*conn);
            pool.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            r
        })
        .await
        .map_err(|e| ApiError::internal(format!("query task: {e}")))?
    }
}

struct AppState {
    pool: Arc<Pool>,
    writer: Arc<Mutex<Box<dyn Db + Send>>>,
    token: Option<String>,
    /// `/api/stats` counts whole tables (hundreds of ms at 100,000 articles): kept for
    /// [`STATS_TTL`], per `top`.
    stats: Mutex<Option<(std::time::Instant, usize, Arc<marsad_store::Stats>)>>,
    hooks: Arc<webhook::Hooks>,
    allow_private_webhooks: bool,
    max_subscriptions: usize,
    resolver: Option<Resolver>,
}

impl AppState {
    /// The query pairs with names given for `actor`, `country` or either side of `dyad`
    /// replaced by the codes they stand for, and what was resolved.
    fn resolve(&self, mut p: Vec<(String, String)>) -> (Vec<(String, String)>, Vec<Resolved>) {
        let mut done = Vec::new();
        let Some(r) = &self.resolver else { return (p, done) };
        for (k, v) in p.iter_mut() {
            match k.as_str() {
                "actor" | "country" => {
                    if let Some(x) = r(v) {
                        *v = x.code.clone();
                        done.push(x);
                    }
                }
                "dyad" => {
                    let parts: Vec<&str> = v.split(['-', '–', ',', '/']).collect();
                    if parts.len() == 2 {
                        let (a, b) = (r(parts[0]), r(parts[1]));
                        if a.is_some() || b.is_some() {
                            let code = |x: &Option<Resolved>, raw: &str| x.as_ref().map_or(raw.trim().to_string(), |x| x.code.clone());
                            *v = format!("{}-{}", code(&a, parts[0]), code(&b, parts[1]));
                            done.extend(a.into_iter().chain(b));
                        }
                    }
                }
                _ => {}
            }
        }
        (p, done)
    }
}

const STATS_TTL: Duration = Duration::from_secs(5);

type St = State<Arc<AppState>>;

/// An answer other than 2xx, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: m.into() }
    }
    fn not_found(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: m.into() }
    }
    fn internal(m: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: m.into() }
    }
}

impl From<marsad_store::StoreError> for ApiError {
    fn from(e: marsad_store::StoreError) -> Self {
        ApiError::internal(e.to_string())
    }
}

impl From<query::BadParam> for ApiError {
    fn from(e: query::BadParam) -> Self {
        ApiError::bad(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": {"status": self.status.as_u16(), "message": self.message}}))).into_response()
    }
}

/// Longest query string accepted: every request the OpenAPI description allows fits (ten
/// values of 200 characters and a query of 500, each character up to 4 bytes, percent-encoded).
const MAX_QUERY_STRING: usize = 32 * 1024;

/// The query string as pairs, refusing what is too long or not form-encoded.
fn pairs(raw: Option<String>) -> Result<Vec<(String, String)>, ApiError> {
    let raw = raw.unwrap_or_default();
    if raw.len() > MAX_QUERY_STRING {
        return Err(ApiError { status: StatusCode::URI_TOO_LONG, message: format!("query string longer than {MAX_QUERY_STRING} bytes") });
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(&raw).map_err(|e| ApiError::bad(format!("query string: {e}")))
}

fn refs(p: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Refuses keys outside `known`.
fn only(p: &[(String, String)], known: &[&str]) -> Result<(), ApiError> {
    for (k, _) in p {
        if !known.contains(&k.as_str()) {
            let k: String = k.chars().take(40).collect();
            return Err(ApiError::bad(format!("parameter {k}: unknown parameter; known: {}", known.join(", "))));
        }
    }
    Ok(())
}

fn one<'a>(p: &'a [(String, String)], key: &str) -> Result<Option<&'a str>, ApiError> {
    let mut it = p.iter().filter(|(k, _)| k == key);
    let first = it.next().map(|(_, v)| v.as_str());
    if it.next().is_some() {
        return Err(ApiError::bad(format!("parameter {key}: given more than once")));
    }
    Ok(first)
}

fn id_of(s: &str, what: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| ApiError::bad(format!("{what} id: expected a positive integer")))
}

/// Builds the router (the server without its socket; tests and `serve` use it).
fn router(state: Arc<AppState>, request_timeout: Duration) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/openapi.json", get(openapi_json))
        .route("/api/stats", get(stats))
        .route("/api/search", get(search))
        .route("/api/events", get(events))
        .route("/api/events/{id}", get(event))
        .route("/api/incidents", get(incidents))
        .route("/api/articles/{id}", get(article))
        .route("/api/actors", get(actors))
        .route("/api/actors/{code}", get(actor))
        .route("/api/timeline", get(timeline))
        .route("/api/graph", get(graph))
        .route("/api/places", get(places))
        .route("/world-110m.json", get(world))
        .route("/api/export", get(export_api))
        .route("/api/feed.atom", get(feed_api))
        .route("/api/subscriptions", get(subscriptions).post(create_subscription))
        .route("/api/subscriptions/{id}", get(subscription).delete(delete_subscription))
        .route("/api/subscriptions/{id}/feed.atom", get(subscription_feed))
        .fallback(|| async { ApiError::not_found("no such endpoint; see /openapi.json") })
        .method_not_allowed_fallback(|| async { ApiError { status: StatusCode::METHOD_NOT_ALLOWED, message: "method not allowed on this endpoint; see /openapi.json".into() } })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(request_timeout, guard))
        .with_state(state)
}

/// Largest request body.
const MAX_BODY: usize = 64 * 1024;
/// Longest request target (path and query) answered with more than a 414.
const MAX_URI: usize = 40 * 1024;
/// Most request header fields, and their bytes in all.
const MAX_HEADERS: usize = 64;
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Every request: the limits on its head, its time limit, and errors that axum or an
/// extractor answered in plain text (405, 413, 415…) turned into the documented JSON.
async fn guard(State(limit): State<Duration>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI {
        return ApiError { status: StatusCode::URI_TOO_LONG, message: format!("request target longer than {MAX_URI} bytes") }.into_response();
    }
    let header_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if req.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            message: format!("more than {MAX_HEADERS} header fields or {MAX_HEADER_BYTES} bytes of headers"),
        }
        .into_response();
    }
    let res = match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => return ApiError { status: StatusCode::SERVICE_UNAVAILABLE, message: format!("the request took longer than {} s", limit.as_secs_f64()) }.into_response(),
    };
    let st = res.status();
    let json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if (st.is_client_error() || st.is_server_error()) && !json {
        let (parts, body) = res.into_parts();
        let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
        let message = if text.is_empty() { st.canonical_reason().unwrap_or("error").to_lowercase() } else { text };
        let mut r = ApiError { status: st, message }.into_response();
        if let Some(allow) = parts.headers.get(header::ALLOW) {
            r.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return r;
    }
    res
}

/// Runs the server until Ctrl-C (or `shutdown` resolves); `ready` gets the bound address
/// (useful with port 0).
pub async fn run(config: Config, ready: impl FnOnce(SocketAddr), shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
    // bring the schema up to date and index what an older marsad stored
    // the database drivers block: open on the blocking pool
    let target = config.db.clone();
    let writer = tokio::task::spawn_blocking(move || -> Result<Box<dyn Db + Send>, ServeError> {
        let mut store = target.open()?;
        let indexed = store.index_backlog()?;
        if indexed > 0 {
            eprintln!("marsad: indexed {indexed} articles for search");
        }
        drop(store);
        Ok(target.writer()?)
    })
    .await
    .map_err(|e| ServeError::Export(format!("opening the store: {e}")))??;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let pool = Arc::new(Pool { target: config.db.clone(), idle: Mutex::new(Vec::new()), permits: tokio::sync::Semaphore::new(threads * 2) });
    let hooks = Arc::new(webhook::Hooks::default());
    let state = Arc::new(AppState {
        pool: pool.clone(),
        writer: Arc::new(Mutex::new(writer)),
        token: config.token.clone(),
        stats: Mutex::new(None),
        hooks: hooks.clone(),
        allow_private_webhooks: config.allow_private_webhooks,
        max_subscriptions: config.max_subscriptions,
        resolver: config.resolver.clone(),
    });
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    ready(addr);
    let owner = webhook::new_secret();
    let writer = state.writer.clone();
    let delivering = tokio::spawn(webhook::run(pool, writer.clone(), config.clone(), hooks, owner.clone(), None));
    let app = router(state, config.request_timeout);
    let limits = conn::Limits { idle: config.idle_timeout, write: config.write_timeout, max_connections: config.max_connections };
    conn::serve(listener, app, limits, shutdown).await;
    delivering.abort();
    let _ = tokio::task::spawn_blocking(move || webhook::release(&writer, &owner)).await;
    Ok(())
}

/// Delivers the webhooks of the store's subscriptions, as the server does, until `shutdown`
/// resolves: for a process that stores new articles without serving them (`marsad watch`).
/// With a server on the same store, each subscription is delivered by one of them at a time.
/// Notifying `kick` makes it look for new reports at once rather than at its next poll.
pub async fn run_webhooks(config: Config, kick: Arc<tokio::sync::Notify>, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
    let target = config.db.clone();
    let writer = tokio::task::spawn_blocking(move || -> Result<Box<dyn Db + Send>, ServeError> {
        drop(target.open()?);
        Ok(target.writer()?)
    })
    .await
    .map_err(|e| ServeError::Export(format!("opening the store: {e}")))??;
    let pool = Arc::new(Pool { target: config.db.clone(), idle: Mutex::new(Vec::new()), permits: tokio::sync::Semaphore::new(2) });
    let writer = Arc::new(Mutex::new(writer));
    let owner = webhook::new_secret();
    let delivering = tokio::spawn(webhook::run(pool, writer.clone(), config, Arc::new(webhook::Hooks::default()), owner.clone(), Some(kick)));
    shutdown.await;
    delivering.abort();
    let _ = tokio::task::spawn_blocking(move || webhook::release(&writer, &owner)).await;
    Ok(())
}

/// Checks a webhook URL as the API does when a subscription is created: an http(s) URL whose
/// host resolves to a public address (any address with `allow_private`). Blocking (resolves
/// the name); the error says what is wrong.
pub fn check_webhook(url: &str, allow_private: bool) -> Result<(), String> {
    valid_webhook(url).map_err(|e| e.message)?;
    if allow_private {
        return Ok(());
    }
    let uri: axum::http::Uri = url.parse().map_err(|_| "webhook: expected an http:// or https:// URL".to_string())?;
    let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string();
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map_err(|e| format!("webhook: cannot resolve {host}: {e}"))?.collect();
    if addrs.is_empty() || !addrs.iter().any(|a| webhook::is_public(a.ip())) {
        return Err(format!("webhook: {}", webhook::PRIVATE_REFUSED));
    }
    Ok(())
}

fn base_url(h: &HeaderMap) -> String {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).filter(|h| h.len() < 256 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c)));
    format!("http://{}", host.unwrap_or("localhost"))
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../static/index.html"),
    )
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi::spec())
}

async fn stats(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let top = params::stats(&pairs(raw)?)?;
    if let Some((at, t, st)) = s.stats.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        if *t == top && at.elapsed() < STATS_TTL {
            return Ok(Json((**st).clone()));
        }
    }
    let st = Arc::new(s.pool.read(move |c| Ok(marsad_store::stats_of(c, top)?)).await?);
    *s.stats.lock().unwrap_or_else(|e| e.into_inner()) = Some((std::time::Instant::now(), top, st.clone()));
    Ok(Json((*st).clone()))
}

async fn search(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (q, sq, page) = params::search(&pairs(raw)?)?;
    let res = s.pool.read(move |c| Ok(query::search(c, &sq, &q, page.limit.min(100), page.offset)?)).await?;
    Ok(Json(res))
}

async fn events(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (p, resolved) = s.resolve(pairs(raw)?);
    let (f, page) = params::events(&p)?;
    let res = s.pool.read(move |c| Ok(query::events(c, &f, &page)?)).await?;
    let mut v = serde_json::to_value(res).map_err(|e| ApiError::internal(e.to_string()))?;
    if !resolved.is_empty() {
        v["resolved"] = json!(resolved);
    }
    Ok(Json(v))
}

/// The places of the matching events that have coordinates, for the map.
async fn places(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (p, _) = s.resolve(pairs(raw)?);
    let (f, limit) = params::filter_and_limit(&p, 500)?;
    let (places, located) = s.pool.read(move |c| Ok(query::places(c, &f, limit)?)).await?;
    Ok(Json(json!({"located": located, "places": places})))
}

/// The world's land and borders for the page's map (world-atlas 2.0.2, Natural Earth 1:110m;
/// see static/world-110m.NOTICE.md), served from the binary: no tile server.
async fn world() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "max-age=86400")], include_str!("../static/world-110m.json"))
}

/// Incidents (one side not named), apart from events: their own filters (no dyad) and no
/// mention counts to sort by.
async fn incidents(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (f, page) = params::incidents(&pairs(raw)?)?;
    let res = s.pool.read(move |c| Ok(marsad_store::incidents::incidents(c, &f, &page)?)).await?;
    Ok(Json(res))
}

async fn event(State(s): St, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = id_of(&id, "event")?;
    let e = s.pool.read(move |c| Ok(query::event(c, id)?)).await?;
    e.map(Json).ok_or_else(|| ApiError::not_found(format!("no event {id}")))
}

async fn article(State(s): St, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = id_of(&id, "article")?;
    let a = s.pool.read(move |c| Ok(query::article(c, id)?)).await?;
    a.map(Json).ok_or_else(|| ApiError::not_found(format!("no article {id}")))
}

async fn actors(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (p, _) = s.resolve(pairs(raw)?);
    let (f, page) = params::actors(&p)?;
    let res = s.pool.read(move |c| Ok(query::actors(c, &f, &page)?)).await?;
    Ok(Json(json!({ "actors": res })))
}

async fn actor(State(s): St, Path(code): Path<String>, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (f, page, interval) = params::actor(&code, &pairs(raw)?)?;
    let res = s
        .pool
        .read(move |c| {
            let events = query::events(c, &f, &page)?;
            if events.total == 0 {
                return Ok(None);
            }
            let code = f.actor.clone().unwrap_or_default();
            let name = query::actors(c, &f, &Page { limit: 1000, offset: 0, sort: Sort::DateDesc })?.into_iter().find(|a| a.code == code).and_then(|a| a.name);
            let timeline = query::timeline(c, &f, interval)?;
            Ok(Some(json!({"code": code, "name": name, "timeline": timeline, "events": events})))
        })
        .await?;
    res.map(Json).ok_or_else(|| ApiError::not_found(format!("no events of actor {code}")))
}

async fn timeline(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (p, _) = s.resolve(pairs(raw)?);
    let (f, interval) = params::timeline(&p)?;
    let (res, left_out) = s.pool.read(move |c| Ok((query::timeline(c, &f, interval)?, query::timeline_left_out(c, &f, interval)?))).await?;
    let name = match interval {
        Interval::ExactMonth => "exact-month".to_string(),
        Interval::ExactYear => "exact-year".to_string(),
        i => format!("{i:?}").to_lowercase(),
    };
    Ok(Json(json!({ "interval": name, "points": res, "left_out": left_out })))
}

async fn graph(State(s): St, RawQuery(raw): RawQuery) -> Result<impl IntoResponse, ApiError> {
    let (p, _) = s.resolve(pairs(raw)?);
    let (f, limit) = params::filter_and_limit(&p, 200)?;
    let res = s.pool.read(move |c| Ok(query::graph(c, &f, limit)?)).await?;
    Ok(Json(res))
}

/// Most rows an export through the API holds (the command line has no limit).
const EXPORT_API_ROWS: i64 = 100_000;

async fn export_api(State(s): St, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let (p, _) = s.resolve(pairs(raw)?);
    let (f, fmt, sort) = params::export(&p)?;
    let bytes = s
        .pool
        .read(move |c| {
            let rows = query::event_rows(c, &f, sort, EXPORT_API_ROWS, 0)?;
            let mut buf = Vec::new();
            export::write(&rows, fmt, &mut buf).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(buf)
        })
        .await?;
    let disp = format!("attachment; filename=\"marsad-events.{}\"", fmt.extension());
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(fmt.content_type())), (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).unwrap())], Body::from(bytes))
        .into_response())
}

fn atom_response(xml: String) -> Response {
    ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response()
}

/// How many events a feed lists.
const FEED_ENTRIES: i64 = 100;

async fn feed_api(State(s): St, headers: HeaderMap, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let raw_s = raw.clone().unwrap_or_default();
    let (p, _) = s.resolve(pairs(raw)?);
    let f = params::feed(&p)?;
    let base = base_url(&headers);
    let rows = s.pool.read(move |c| Ok(query::latest_reported(c, &f, FEED_ENTRIES)?)).await?;
    let self_url = format!("{base}/api/feed.atom?{raw_s}");
    let id = format!("{base}/api/feed.atom?{raw_s}");
    Ok(atom_response(feed::atom(&format!("marsad events: {raw_s}"), &id, &self_url, &base, &rows)))
}

async fn subscriptions(State(s): St) -> Result<impl IntoResponse, ApiError> {
    let subs = s.pool.read(move |c| Ok(query::subscriptions(c)?)).await?;
    Ok(Json(json!({ "subscriptions": subs })))
}

async fn subscription(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = id_of(&id, "subscription")?;
    let base = base_url(&headers);
    let with_token = s.token.is_some() && authorize(&s, &headers).is_ok();
    let r = s
        .pool
        .read(move |c| {
            let Some(sub) = query::subscription(c, id)? else { return Ok(None) };
            let mut d = query::deliveries(c, id, 50)?;
            if !with_token {
                // why a delivery failed (connection refused, timed out…) tells what listens where
                for x in d.iter_mut().filter(|x| !x.ok) {
                    x.status = "failed (the reason needs the token)".into();
                }
            }
            let mut v = json!({"subscription": sub, "feed_url": format!("{base}/api/subscriptions/{id}/feed.atom"), "deliveries": d});
            if with_token {
                // the signing key, to the token's holder only
                v["secret"] = json!(sub.secret);
            }
            Ok(Some(v))
        })
        .await?;
    r.map(Json).ok_or_else(|| ApiError::not_found(format!("no subscription {id}")))
}

async fn subscription_feed(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = id_of(&id, "subscription")?;
    let base = base_url(&headers);
    let r = s
        .pool
        .read(move |c| {
            let Some(sub) = query::subscription(c, id)? else { return Ok(None) };
            let rows = query::latest_reported(c, &sub.filter, FEED_ENTRIES)?;
            Ok(Some((sub, rows)))
        })
        .await?;
    let (sub, rows) = r.ok_or_else(|| ApiError::not_found(format!("no subscription {id}")))?;
    let url = format!("{base}/api/subscriptions/{id}/feed.atom");
    Ok(atom_response(feed::atom(&format!("marsad: {}", sub.name), &url, &url, &base, &rows)))
}

fn authorize(s: &AppState, h: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &s.token else {
        return Err(ApiError { status: StatusCode::FORBIDDEN, message: "this server is read-only (start it with --token-file FILE or MARSAD_TOKEN to allow writes)".into() });
    };
    let given = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    // compare in time independent of where they differ
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    if diff != 0 {
        return Err(ApiError { status: StatusCode::UNAUTHORIZED, message: "writes need the header Authorization: Bearer TOKEN with the server's token".into() });
    }
    Ok(())
}

fn valid_webhook(u: &str) -> Result<(), ApiError> {
    let rest = u.strip_prefix("http://").or_else(|| u.strip_prefix("https://"));
    let ok = u.len() <= 2000
        && rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains('@') && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        && u.chars().all(|c| c.is_ascii_graphic());
    if ok { Ok(()) } else { Err(ApiError::bad("webhook: expected an http:// or https:// URL")) }
}

/// Refuses a webhook whose host resolves to no address a webhook may reach (loopback,
/// private, link-local, unspecified…: see `webhook::is_public`). Numeric forms such as
/// `2130706433`, `0x7f000001` and `127.1` resolve as the system resolver reads them, so they are
/// caught too. Delivery checks again where it connects.
async fn public_webhook(u: &str) -> Result<(), ApiError> {
    let uri: axum::http::Uri = u.parse().map_err(|_| ApiError::bad("webhook: expected an http:// or https:// URL"))?;
    let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string();
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
    let addrs: Vec<std::net::SocketAddr> = match tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port))).await {
        Ok(Ok(a)) => a.collect(),
        Ok(Err(e)) => return Err(ApiError::bad(format!("webhook: cannot resolve {host}: {e}"))),
        Err(_) => return Err(ApiError::bad(format!("webhook: resolving {host} took longer than 5 s"))),
    };
    if addrs.is_empty() || !addrs.iter().any(|a| webhook::is_public(a.ip())) {
        return Err(ApiError::bad(format!("webhook: {}", webhook::PRIVATE_REFUSED)));
    }
    Ok(())
}

async fn create_subscription(State(s): St, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let (name, webhook, v) = params::subscription_head(&body)?;
    if let Some(u) = &webhook {
        if !s.allow_private_webhooks {
            public_webhook(u).await?;
        }
    }
    let fp = params::subscription_filter(&v)?;
    // a name as actor (Russia) is stored as the code it stands for
    let (fp, _) = s.resolve(fp);
    let f = EventFilter::from_pairs(refs(&fp), &[])?;
    let writer = s.writer.clone();
    let base = base_url(&headers);
    let max = s.max_subscriptions;
    let sub = tokio::task::spawn_blocking(move || -> Result<query::Subscription, ApiError> {
        let c = writer.lock().unwrap_or_else(|e| e.into_inner());
        // the writer lock is held: no other request creates one between the count and the insert
        if query::subscriptions(&**c)?.len() >= max {
            return Err(ApiError { status: StatusCode::CONFLICT, message: format!("this server holds at most {max} subscriptions; delete one first") });
        }
        let mut sub = query::create_subscription(&**c, &name, &f, webhook.as_deref())?;
        sub.secret = query::ensure_secret(&**c, sub.id, &webhook::new_secret())?;
        Ok(sub)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let feed = format!("{base}/api/subscriptions/{}/feed.atom", sub.id);
    // the secret that signs its webhook bodies (X-Marsad-Signature-256), shown to the creator
    Ok((StatusCode::CREATED, Json(json!({"subscription": sub, "feed_url": feed, "secret": sub.secret}))).into_response())
}

async fn delete_subscription(State(s): St, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let id = id_of(&id, "subscription")?;
    // no delivery starts once this returns
    s.hooks.cancel(id);
    let writer = s.writer.clone();
    let gone = tokio::task::spawn_blocking(move || {
        let c = writer.lock().unwrap_or_else(|e| e.into_inner());
        query::delete_subscription(&**c, id)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    if gone { Ok(StatusCode::NO_CONTENT.into_response()) } else { Err(ApiError::not_found(format!("no subscription {id}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_must_be_plain_http_urls() {
        for ok in ["http://127.0.0.1:9000/hook", "https://example.org/a?b=c", "http://[::1]:80/"] {
            assert!(valid_webhook(ok).is_ok(), "{ok}");
        }
        for bad in ["file:///etc/passwd", "ftp://x/", "http://", "http://user:pw@host/", "http://host/a b", "javascript:alert(1)", &format!("http://h/{}", "a".repeat(3000))] {
            assert!(valid_webhook(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_strings_are_bounded_and_keys_checked() {
        assert!(pairs(Some("a=1&b=%D9%84".into())).unwrap()[1].1 == "ل");
        assert_eq!(pairs(Some("x".repeat(MAX_QUERY_STRING + 1))).unwrap_err().status, StatusCode::URI_TOO_LONG);
        let p = pairs(Some("q=a&q=b".into())).unwrap();
        assert!(one(&p, "q").unwrap_err().message.contains("more than once"));
        assert!(only(&p, &["limit"]).unwrap_err().message.contains("unknown parameter"));
        assert!(id_of("12", "article").is_ok() && id_of("0", "article").is_err() && id_of("1e3", "article").is_err());
    }
}
