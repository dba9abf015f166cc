//! Webhooks: the server polls the store for event mentions added after each subscription's
//! cursor (ingest runs in another process) and POSTs each new matching event as JSON, retrying
//! a failed delivery with exponential backoff; the cursor moves past an event once it was
//! delivered or given up on, so a restart neither loses nor repeats deliveries.

use crate::{Config, Pool};
use marsad_store::query;
use marsad_store::Db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) async fn run(pool: Arc<Pool>, writer: Arc<Mutex<Box<dyn Db + Send>>>, cfg: Config) {
    let mut tick = tokio::time::interval(cfg.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // one delivery task per subscription at a time; a receiver that is down (retried with
    // backoff) holds up only its own subscription
    let mut busy: HashMap<i64, tokio::task::JoinHandle<()>> = HashMap::new();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    loop {
        tick.tick().await;
        busy.retain(|_, h| !h.is_finished());
        let p = pool.target.clone();
        let subs = tokio::task::spawn_blocking(move || -> Result<Vec<query::Subscription>, String> {
            let conn = p.reader().map_err(|e| e.to_string())?;
            query::subscriptions(&*conn).map_err(|e| e.to_string())
        })
        .await;
        let subs = match subs {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                eprintln!("marsad: webhooks: {e}");
                continue;
            }
            Err(e) => {
                eprintln!("marsad: webhooks: {e}");
                continue;
            }
        };
        for sub in subs.into_iter().filter(|s| s.webhook.is_some()) {
            if busy.contains_key(&sub.id) {
                continue;
            }
            let (path, writer, cfg, agent) = (pool.target.clone(), writer.clone(), cfg.clone(), agent.clone());
            let id = sub.id;
            let h = tokio::task::spawn_blocking(move || {
                let r = path.reader().map_err(|e| e.to_string()).and_then(|conn| deliver_new(&*conn, &agent, &writer, &cfg, &sub));
                if let Err(e) = r {
                    eprintln!("marsad: webhooks: subscription {}: {e}", sub.id);
                }
            });
            busy.insert(id, h);
        }
    }
}

fn deliver_new(conn: &dyn Db, agent: &ureq::Agent, writer: &Mutex<Box<dyn Db + Send>>, cfg: &Config, sub: &query::Subscription) -> Result<(), String> {
    let url = sub.webhook.clone().unwrap_or_default();
    let rows = query::new_mentions(conn, &sub.filter, sub.cursor, 200).map_err(|e| e.to_string())?;
    let mut sent = std::collections::HashSet::new();
    for row in rows {
        let mention = row.mention_id;
        if sent.insert(row.event_id) {
            let body = serde_json::json!({"subscription": {"id": sub.id, "name": sub.name}, "event": row}).to_string();
            let (ok, attempts, status) = deliver(agent, &url, &body, cfg);
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            query::record_delivery(&**w, sub.id, row.event_id, mention, ok, attempts, &status).map_err(|e| e.to_string())?;
            query::advance_cursor(&**w, sub.id, mention).map_err(|e| e.to_string())?;
        } else {
            let w = writer.lock().unwrap_or_else(|e| e.into_inner());
            query::advance_cursor(&**w, sub.id, mention).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// POSTs `body`; a 2xx is success, anything else is retried after `backoff`, doubling.
fn deliver(agent: &ureq::Agent, url: &str, body: &str, cfg: &Config) -> (bool, u32, String) {
    let mut delay = cfg.webhook_backoff;
    let mut status = String::new();
    for attempt in 1..=cfg.webhook_attempts.max(1) {
        match agent.post(url).header("Content-Type", "application/json").header("User-Agent", "marsad-webhook").send(body) {
            Ok(r) if r.status().is_success() => return (true, attempt, r.status().as_u16().to_string()),
            Ok(r) => status = format!("HTTP {}", r.status().as_u16()),
            Err(e) => status = e.to_string(),
        }
        if attempt < cfg.webhook_attempts {
            std::thread::sleep(delay);
            delay = (delay * 2).min(std::time::Duration::from_secs(60));
        }
    }
    (false, cfg.webhook_attempts, status)
}
