//! http(s) fetching: one blocking GET with time and size limits.

use std::io::Read;
use std::time::Duration;

/// Limits for fetching.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Whole-request time limit.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions { timeout: Duration::from_secs(30), max_bytes: marsad_extract::MAX_INPUT_BYTES as u64 }
    }
}

/// A fetched resource.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// The Content-Type header, lower-cased.
    pub content_type: Option<String>,
    /// The charset parameter of the Content-Type header.
    pub charset: Option<String>,
}

/// GETs `url`. Errors are one line for the report.
pub fn get(url: &str, opts: &FetchOptions) -> Result<Fetched, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .user_agent("marsad-ingest/0.1")
        .build()
        .into();
    let resp = agent.get(url).call().map_err(|e| format!("fetch failed: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status));
    }
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(|s| s.to_ascii_lowercase());
    let charset = content_type.as_deref().and_then(|ct| {
        ct.split(';').map(str::trim).find_map(|p| p.strip_prefix("charset=")).map(|c| c.trim_matches(['"', '\'']).to_string())
    });
    let mut bytes = Vec::new();
    resp.into_body()
        .into_reader()
        .take(opts.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading the response failed: {e}"))?;
    if bytes.len() as u64 > opts.max_bytes {
        return Err(format!("response larger than {} bytes", opts.max_bytes));
    }
    Ok(Fetched { bytes, content_type, charset })
}

/// The host of an http(s) URL, without `www.` and port.
pub fn host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let hostport = rest.split(['/', '?', '#']).next()?;
    let host = hostport.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// True for an http:// or https:// URL.
pub fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts() {
        assert_eq!(super::host("https://www.Aljazeera.net/news/1?x").as_deref(), Some("aljazeera.net"));
        assert_eq!(super::host("http://127.0.0.1:8080/feed.xml").as_deref(), Some("127.0.0.1"));
        assert_eq!(super::host("file:///x"), None);
    }
}
