//! Alerts a reader can trust: a feed reader sees the new report of a known event at the top of
//! the Atom feed (its `updated` the new report's); a subscription made through the API gets a
//! secret, shown to its creator and to the token's holder only, and every webhook body is
//! signed with it, as the receivers in docs/serve.md check it (Python and shell snippets run
//! here when python3 and openssl are installed).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

fn atom_entries(xml: &str) -> Vec<(String, String, String)> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("feed is not XML: {e}\n{xml}"));
    let text = |n: roxmltree::Node, name: &str| n.children().find(|c| c.tag_name().name() == name).and_then(|c| c.text()).unwrap_or("").to_string();
    doc.root_element().children().filter(|c| c.tag_name().name() == "entry").map(|e| (text(e, "id"), text(e, "updated"), text(e, "content"))).collect()
}

#[test]
fn a_new_report_of_a_known_event_comes_first_in_the_atom_feed() {
    let t = TempDir::new("atom-latest");
    let (data, db) = seeded(&t);
    let srv = Server::start(&db, None);
    let b = &srv.base;
    let known = get_json(&format!("{b}/api/events?dyad=RUS-KAZ&from=2025-10-22&to=2025-10-22"));
    assert_eq!(known["total"], 1, "{known}");
    let known_id = known["events"][0]["event_id"].as_i64().unwrap();
    let articles_before = known["events"][0]["num_articles"].as_i64().unwrap();

    // first a new event (the newest event id), then a new report of the October event
    let newer = t.0.join("newer.txt");
    std::fs::write(&newer, "موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 3 ديسمبر 2025، وبحثا التعاون الاقتصادي.\n").unwrap();
    ingest(&data, &db, &[newer]);
    let again = t.0.join("again.txt");
    std::fs::write(
        &again,
        "أستانة - خاص\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 22 أكتوبر 2025، في محادثات وصفها مراقبون في أستانة بأنها صريحة.\n",
    )
    .unwrap();
    ingest(&data, &db, &[again]);
    let now = get_json(&format!("{b}/api/events/{known_id}"));
    assert_eq!(now["num_articles"].as_i64().unwrap(), articles_before + 1, "the report joined the known event: {now}");

    for path in ["/api/feed.atom?dyad=RUS-KAZ".to_string(), "/api/feed.atom".to_string()] {
        let (s, xml) = get(&format!("{b}{path}"));
        assert_eq!(s, 200);
        let entries = atom_entries(&xml);
        let (top_id, top_updated, top_content) = &entries[0];
        assert!(top_id.ends_with(&format!("/api/events/{known_id}")), "{path}: the known event is on top: {entries:?}");
        assert!(top_content.contains("وصفها مراقبون"), "{path}: shown by its new report: {top_content}");
        assert!(entries.iter().all(|(_, u, _)| u <= top_updated), "{path}: {entries:?}");
        let feed_updated = roxmltree::Document::parse(&xml).unwrap().root_element().children().find(|c| c.tag_name().name() == "updated").unwrap().text().unwrap().to_string();
        assert_eq!(&feed_updated, top_updated);
    }
}

/// (signature header, body) of each POST received.
type Signed = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// Keeps (signature, body) of each POST; answers 200.
fn receiver() -> (String, Signed) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let (mut len, mut sig) = (0usize, String::new());
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    match k.to_ascii_lowercase().as_str() {
                        "content-length" => len = v.trim().parse().unwrap_or(0),
                        "x-marsad-signature-256" => sig = v.trim().to_string(),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            g.lock().unwrap().push((sig, body));
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got)
}

/// The receiver of docs/serve.md, in Python.
const PY_VERIFY: &str = r#"
import hashlib, hmac, sys

def verify(secret: str, body: bytes, header: str) -> bool:
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, header)

secret, header = sys.argv[1], sys.argv[2]
body = open(sys.argv[3], "rb").read()
print("valid" if verify(secret, body, header) else "INVALID")
"#;

/// …and in the shell.
const SH_VERIFY: &str = r#"want="sha256=$(openssl dgst -sha256 -hmac "$SECRET" < "$BODY_FILE" | sed 's/^.*= //')"; [ "$want" = "$SIGNATURE" ] && echo valid || echo INVALID"#;

#[test]
fn api_subscriptions_get_a_secret_and_every_webhook_body_is_signed_with_it() {
    let t = TempDir::new("signed");
    let (data, db) = seeded(&t);
    let srv = Server::start(&db, Some("tok"));
    let b = &srv.base;
    let (hook, got) = receiver();
    let ag = agent();
    let mut r = ag
        .post(&format!("{b}/api/subscriptions"))
        .header("Authorization", "Bearer tok")
        .send(format!(r#"{{"name":"rk","filter":{{"dyad":"RUS-KAZ"}},"webhook":"{hook}"}}"#).as_str())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    let id = created["subscription"]["id"].as_i64().unwrap();
    // readers never see it; the token's holder does
    let (_, list) = get(&format!("{b}/api/subscriptions"));
    assert!(!list.contains(&secret), "{list}");
    let (_, open) = get(&format!("{b}/api/subscriptions/{id}"));
    assert!(!open.contains(&secret), "{open}");
    let mut r = ag.get(&format!("{b}/api/subscriptions/{id}")).header("Authorization", "Bearer tok").call().unwrap();
    let with_token: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(with_token["secret"], secret.as_str());

    let new = t.0.join("new.txt");
    std::fs::write(&new, "موسكو - وكالات\nالتقى وزير الخارجية الروسي سيرغي لافروف نظيره الكازاخستاني إرزان كازيخانوف في موسكو يوم 3 ديسمبر 2025، وبحثا التعاون الاقتصادي.\n").unwrap();
    ingest(&data, &db, &[new]);
    assert!(wait_until(Duration::from_secs(15), || !got.lock().unwrap().is_empty()), "no delivery");
    let (sig, body) = got.lock().unwrap()[0].clone();
    assert_eq!(marsad_serve_signature(&secret, &body), sig, "HMAC-SHA256 of the body");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(v["report"]["article_id"].is_i64() && v["event"]["event_id"].is_i64(), "{v}");
    // the body is what /openapi.json's webhooks.newReport says, field for field
    let spec = get_json(&format!("{b}/openapi.json"));
    let schema = &spec["components"]["schemas"]["WebhookDelivery"];
    assert_eq!(spec["webhooks"]["newReport"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/WebhookDelivery");
    fn keys(o: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }
    fn required(s: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = s["required"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
        k.sort();
        k
    }
    assert_eq!(keys(&v), required(schema));
    for part in ["subscription", "report", "event"] {
        assert_eq!(keys(&v[part]), required(&schema["properties"][part]), "{part}");
    }
    assert_eq!(v["subscription"]["id"], id);

    // the documented receivers agree
    let body_file = t.0.join("body.json");
    std::fs::write(&body_file, &body).unwrap();
    if let Ok(o) = std::process::Command::new("python3").arg("-c").arg(PY_VERIFY).arg(&secret).arg(&sig).arg(&body_file).output() {
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "valid", "{}", String::from_utf8_lossy(&o.stderr));
        let o = std::process::Command::new("python3").arg("-c").arg(PY_VERIFY).arg("wrong").arg(&sig).arg(&body_file).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "INVALID");
    } else {
        eprintln!("python3 not found: the Python receiver snippet was not run");
    }
    if std::process::Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success()) {
        let o = std::process::Command::new("sh").arg("-c").arg(SH_VERIFY).env("SECRET", &secret).env("SIGNATURE", &sig).env("BODY_FILE", &body_file).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "valid", "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        eprintln!("openssl not found: the shell receiver snippet was not run");
    }
}

/// HMAC-SHA256 of `body` under `secret` as `sha256=HEX`, computed here independently.
fn marsad_serve_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}
