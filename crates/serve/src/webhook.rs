//! Webhooks: the server polls the store for event mentions added after each subscription's
//! cursor (ingest runs in another process) and POSTs each new matching event as JSON, retrying
//! a failed delivery with exponential backoff; the cursor moves past an event once it was
//! delivered or given up on, so a restart neither loses nor repeats deliveries.
//!
//! Deliveries never touch the pool that serves reads. Each subscription with a webhook has one
//! async task at a time (its retries wait on timers, holding no thread); the POSTs themselves run
//! on [`Senders`], a fixed set of `webhook_concurrency` threads of their own, each request with
//! its own time limit, so a thousand receivers that accept and never answer cost that many
//! queued jobs and no more threads. The store is touched on the blocking pool through a
//! two-permit semaphore, for milliseconds at a time.
//!
//! Targets: a webhook's host must resolve to a public address (not loopback, private,
//! link-local, unspecified, multicast or reserved) unless the server runs with
//! `allow_private_webhooks`; the check is made where the connection is made (the resolver),
//! so a name that changes its address after the subscription was made is refused too.
//! Redirects are not followed, no proxy is used.
//!
//! Trust: each body carries the new report (sentence, article, publication) apart from the
//! event aggregate it joined, and is signed with the subscription's secret
//! (`X-Marsad-Signature-256: sha256=HEX`, HMAC-SHA256 of the body's bytes); `X-Marsad-Delivery`
//! names the delivery (`SUBSCRIPTION-MENTION`), the same on every retry, so a receiver can drop
//! repeats. Several processes may deliver for one store (a server and `marsad watch`): each
//! subscription is delivered by whichever holds its lease in the store (renewed every poll,
//! lapsing [`LEASE_SECS`] after a process dies), never by two at once.

use crate::{Config, Pool};
use marsad_store::query;
use marsad_store::Db;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Events looked at per subscription per poll.
const BATCH: usize = 200;

/// How long a process's lease on delivering a subscription lasts without renewal, at least.
pub(crate) const LEASE_SECS: i64 = 30;

/// 32 random bytes, hex: a subscription's signing secret, or a process's lease name.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    // the operating system's generator; without one no secret can be made, and nothing should be signed
    getrandom::fill(&mut b).expect("the operating system's random number generator");
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The signature header's value for `body` under `secret`: `sha256=` and the hex HMAC-SHA256.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The running delivery tasks, so that deleting a subscription stops its deliveries at once.
#[derive(Default)]
pub(crate) struct Hooks {
    state: Mutex<HooksState>,
}

#[derive(Default)]
struct HooksState {
    running: HashMap<i64, Running>,
    /// Deleted while this server runs: never started again (a poll that listed them before
    /// the delete may still be in flight).
    deleted: HashSet<i64>,
}

struct Running {
    abort: tokio::task::AbortHandle,
    cancelled: Arc<AtomicBool>,
}

impl Hooks {
    /// Stops the subscription's deliveries: no attempt starts after this returns (one already
    /// on the wire completes, and is not logged).
    pub(crate) fn cancel(&self, id: i64) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.deleted.insert(id);
        if let Some(r) = st.running.remove(&id) {
            r.cancelled.store(true, Ordering::SeqCst);
            r.abort.abort();
        }
    }
}

/// Is `ip` an address a webhook may reach without `allow_private_webhooks`?
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            if s[0] == 0x2002 {
                return is_public_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible (deprecated)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(o[0] == 0 // "this network", 0.0.0.0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10: carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24: IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15: benchmarking
        || ip.is_documentation()
        || ip.is_multicast()
        || o[0] >= 240) // reserved and broadcast
}

/// The refusal for a target that resolves only to addresses a webhook may not reach.
pub(crate) const PRIVATE_REFUSED: &str =
    "refused: the host resolves to a loopback, private, link-local or unspecified address (start the server with --allow-private-webhooks to allow it)";

/// Resolves like ureq's default resolver, then keeps only the addresses a webhook may reach.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl ureq::unversioned::resolver::Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let all = ureq::unversioned::resolver::DefaultResolver::default().resolve(uri, config, timeout)?;
        if self.allow_private {
            return Ok(all);
        }
        let mut out = self.empty();
        for a in &all {
            if is_public(a.ip()) {
                out.push(*a);
            }
        }
        if out.is_empty() {
            return Err(ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::PermissionDenied, PRIVATE_REFUSED)));
        }
        Ok(out)
    }
}

/// One POST for a sender thread.
struct Job {
    url: String,
    body: String,
    headers: Vec<(&'static str, String)>,
    cancelled: Arc<AtomicBool>,
    reply: tokio::sync::oneshot::Sender<Option<Result<u16, String>>>,
}

/// A fixed set of threads that make the webhook requests: the global cap on requests in flight.
pub(crate) struct Senders {
    tx: Mutex<std::sync::mpsc::Sender<Job>>,
}

impl Senders {
    pub(crate) fn start(cfg: &Config) -> Senders {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(cfg.webhook_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent("marsad-webhook")
            .build();
        let agent = ureq::Agent::with_parts(config, ureq::unversioned::transport::DefaultConnector::default(), GuardedResolver { allow_private: cfg.allow_private_webhooks });
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..cfg.webhook_concurrency.max(1) {
            let (rx, agent) = (rx.clone(), agent.clone());
            let spawned = std::thread::Builder::new().name(format!("marsad-webhook-{n}")).spawn(move || loop {
                let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                    Ok(j) => j,
                    Err(_) => return, // the server stopped
                };
                if job.cancelled.load(Ordering::SeqCst) || job.reply.is_closed() {
                    let _ = job.reply.send(None);
                    continue;
                }
                let mut req = agent.post(&job.url).header("Content-Type", "application/json");
                for (k, v) in &job.headers {
                    req = req.header(*k, v.as_str());
                }
                let r = match req.send(job.body.as_str()) {
                    Ok(r) => Ok(r.status().as_u16()),
                    Err(e) => Err(e.to_string()),
                };
                let _ = job.reply.send(Some(r));
            });
            if let Err(e) = spawned {
                eprintln!("marsad: webhooks: could not start a sender thread: {e}");
            }
        }
        Senders { tx: Mutex::new(tx) }
    }

    /// POSTs on a sender thread; `None` when cancelled before it was sent.
    async fn post(&self, url: &str, body: &str, headers: &[(&'static str, String)], cancelled: &Arc<AtomicBool>) -> Option<Result<u16, String>> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        let job = Job { url: url.to_string(), body: body.to_string(), headers: headers.to_vec(), cancelled: cancelled.clone(), reply };
        if self.tx.lock().unwrap_or_else(|e| e.into_inner()).send(job).is_err() {
            return Some(Err("no webhook sender running".into()));
        }
        rx.await.unwrap_or(None)
    }
}

/// What every delivery task shares.
struct Ctx {
    pool: Arc<Pool>,
    writer: Arc<Mutex<Box<dyn Db + Send>>>,
    cfg: Config,
    senders: Senders,
    /// Store work of the webhooks on the blocking pool, at most this many at a time.
    db_permits: tokio::sync::Semaphore,
    /// This process's name on its delivery leases.
    owner: String,
}

impl Ctx {
    async fn read<T: Send + 'static>(&self, f: impl FnOnce(&dyn Db) -> Result<T, String> + Send + 'static) -> Result<T, String> {
        let _p = self.db_permits.acquire().await.map_err(|e| e.to_string())?;
        let target = self.pool.target.clone();
        tokio::task::spawn_blocking(move || {
            let conn = target.reader().map_err(|e| e.to_string())?;
            f(&*conn)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn write<T: Send + 'static>(&self, f: impl FnOnce(&dyn Db) -> Result<T, String> + Send + 'static) -> Result<T, String> {
        let _p = self.db_permits.acquire().await.map_err(|e| e.to_string())?;
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            f(&**w)
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// Gives up this process's leases (at a clean stop), so another process may deliver at once.
pub(crate) fn release(writer: &Mutex<Box<dyn Db + Send>>, owner: &str) {
    let w = writer.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = query::release_deliveries(&**w, owner) {
        eprintln!("marsad: webhooks: releasing the delivery leases: {e}");
    }
}

/// Delivers until aborted: every `cfg.poll`, and at once when `kick` is notified (a watcher
/// that just stored new articles).
pub(crate) async fn run(pool: Arc<Pool>, writer: Arc<Mutex<Box<dyn Db + Send>>>, cfg: Config, hooks: Arc<Hooks>, owner: String, kick: Option<Arc<tokio::sync::Notify>>) {
    let mut tick = tokio::time::interval(cfg.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let senders = Senders::start(&cfg);
    let lease = LEASE_SECS.max(cfg.poll.as_secs() as i64 * 10);
    let ctx = Arc::new(Ctx { pool, writer, cfg, senders, db_permits: tokio::sync::Semaphore::new(2), owner });
    loop {
        match &kick {
            Some(k) => {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = k.notified() => {}
                }
            }
            None => {
                tick.tick().await;
            }
        }
        let owner = ctx.owner.clone();
        // the subscriptions with a webhook, and which of them this process may deliver (its leases taken or renewed)
        let listed = ctx
            .write(move |w| {
                let subs = query::subscriptions(w).map_err(|e| e.to_string())?;
                // one statement for all of them: one commit per poll, however many subscriptions;
                // none without a webhook (a store served read-only is never written)
                let mine = if subs.iter().any(|s| s.webhook.is_some()) {
                    query::claim_deliveries(w, &owner, unix_now(), lease).map_err(|e| e.to_string())?
                } else {
                    HashSet::new()
                };
                Ok((subs, mine))
            })
            .await;
        let (subs, mine) = match listed {
            Ok(s) => s,
            Err(e) => {
                eprintln!("marsad: webhooks: {e}");
                continue;
            }
        };
        let mut st = hooks.state.lock().unwrap_or_else(|e| e.into_inner());
        st.running.retain(|_, r| !r.abort.is_finished());
        // deleted by another process (or a restarted one), or delivered by another process now: stop them too
        let live: HashSet<i64> = subs.iter().map(|s| s.id).filter(|id| mine.contains(id)).collect();
        let gone: Vec<i64> = st.running.keys().copied().filter(|id| !live.contains(id)).collect();
        for id in gone {
            if let Some(r) = st.running.remove(&id) {
                r.cancelled.store(true, Ordering::SeqCst);
                r.abort.abort();
            }
        }
        for sub in subs.into_iter().filter(|s| s.webhook.is_some()) {
            if st.running.contains_key(&sub.id) || st.deleted.contains(&sub.id) || !mine.contains(&sub.id) {
                continue;
            }
            let id = sub.id;
            let cancelled = Arc::new(AtomicBool::new(false));
            let (c, flag) = (ctx.clone(), cancelled.clone());
            let h = tokio::spawn(async move {
                if let Err(e) = deliver_new(&c, &sub, &flag).await {
                    eprintln!("marsad: webhooks: subscription {}: {e}", sub.id);
                }
            });
            st.running.insert(id, Running { abort: h.abort_handle(), cancelled });
        }
    }
}

async fn deliver_new(ctx: &Ctx, sub: &query::Subscription, cancelled: &Arc<AtomicBool>) -> Result<(), String> {
    let url = sub.webhook.clone().unwrap_or_default();
    let (filter, cursor) = (sub.filter.clone(), sub.cursor);
    // the newest report first, then the matching ones after the cursor: when fewer than a batch
    // match, every report up to `last` was looked at
    let (last, rows) = ctx
        .read(move |c| {
            let last = query::last_mention_id(c).map_err(|e| e.to_string())?;
            let rows = query::new_mentions(c, &filter, cursor, BATCH).map_err(|e| e.to_string())?;
            let rows = rows.iter().map(|r| query::report_and_event(c, r).map(|x| (r.mention_id, x)).map_err(|e| e.to_string())).collect::<Result<Vec<_>, String>>()?;
            Ok((last, rows))
        })
        .await?;
    let caught_up = rows.len() < BATCH && last > cursor;
    let id = sub.id;
    if rows.is_empty() {
        // nothing new matches: move past what was looked at, so the cursor says how far it is
        if caught_up {
            ctx.write(move |w| query::advance_cursor(w, id, last).map_err(|e| e.to_string())).await?;
        }
        return Ok(());
    }
    // a subscription made before secrets existed gets one now
    let secret = match &sub.secret {
        Some(s) => s.clone(),
        None => {
            let (id, candidate) = (sub.id, new_secret());
            match ctx.write(move |w| query::ensure_secret(w, id, &candidate).map_err(|e| e.to_string())).await? {
                Some(s) => s,
                None => return Ok(()), // deleted meanwhile
            }
        }
    };
    let mut sent = HashSet::new();
    for (mention, (report, event)) in rows {
        let (id, event_id) = (sub.id, event.event_id);
        if !sent.insert(event_id) {
            ctx.write(move |w| query::advance_cursor(w, id, mention).map_err(|e| e.to_string())).await?;
            continue;
        }
        let delivery = format!("{}-{mention}", sub.id);
        let body = serde_json::json!({"subscription": {"id": sub.id, "name": sub.name}, "delivery": delivery, "report": report, "event": event}).to_string();
        let headers = [("X-Marsad-Signature-256", signature(&secret, body.as_bytes())), ("X-Marsad-Delivery", delivery), ("X-Marsad-Subscription", sub.id.to_string())];
        let Some((ok, attempts, status)) = deliver(ctx, &url, &body, &headers, cancelled).await else { return Ok(()) };
        if cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        ctx.write(move |w| {
            query::record_delivery(w, id, event_id, mention, ok, attempts, &status).map_err(|e| e.to_string())?;
            query::advance_cursor(w, id, mention).map_err(|e| e.to_string())
        })
        .await?;
    }
    if caught_up && !cancelled.load(Ordering::SeqCst) {
        ctx.write(move |w| query::advance_cursor(w, id, last).map_err(|e| e.to_string())).await?;
    }
    Ok(())
}

/// POSTs `body`; a 2xx is success, anything else (a redirect too) is retried after the
/// backoff, doubling. `None`: the subscription was deleted meanwhile.
async fn deliver(ctx: &Ctx, url: &str, body: &str, headers: &[(&'static str, String)], cancelled: &Arc<AtomicBool>) -> Option<(bool, u32, String)> {
    let cfg = &ctx.cfg;
    let mut delay = cfg.webhook_backoff;
    let mut status = String::new();
    for attempt in 1..=cfg.webhook_attempts.max(1) {
        match ctx.senders.post(url, body, headers, cancelled).await? {
            Ok(code) if (200..300).contains(&code) => return Some((true, attempt, code.to_string())),
            Ok(code) => status = format!("HTTP {code}"),
            Err(e) => status = e,
        }
        if attempt < cfg.webhook_attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(60));
        }
        if cancelled.load(Ordering::SeqCst) {
            return None;
        }
    }
    Some((false, cfg.webhook_attempts, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2
        assert_eq!(signature("Jefe", b"what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn only_public_addresses_are_webhook_targets() {
        for bad in [
            "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1",
            "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad} must be refused");
        }
        for ok in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"] {
            assert!(is_public(ok.parse().unwrap()), "{ok} must be allowed");
        }
    }
}
