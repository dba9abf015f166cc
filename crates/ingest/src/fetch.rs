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

/// Validators of an earlier answer, sent back for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone)]
pub enum Conditional {
    /// 304: nothing changed since the validators were given.
    NotModified,
    /// A 2xx with its body and the validators to send next time.
    Fetched(Fetched, Validators),
}

/// Why a conditional GET failed: one line for the log, and how long the server asked to be
/// left alone (`Retry-After` in seconds on a 429 or 503), if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub message: String,
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// GETs `url` with `If-None-Match` / `If-Modified-Since` from `v`: a 304 is
/// [`Conditional::NotModified`] and reads no body.
pub fn get_conditional(url: &str, opts: &FetchOptions, v: &Validators) -> Result<Conditional, FetchError> {
    let fail = |message: String| FetchError { message, retry_after: None };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .user_agent("marsad-watch/0.1")
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(e) = &v.etag {
        req = req.header("If-None-Match", e.as_str());
    }
    if let Some(m) = &v.last_modified {
        req = req.header("If-Modified-Since", m.as_str());
    }
    let resp = req.call().map_err(|e| fail(format!("fetch failed: {e}")))?;
    let status = resp.status();
    if status.as_u16() == 304 {
        return Ok(Conditional::NotModified);
    }
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    if !status.is_success() {
        let retry_after = header("retry-after").and_then(|r| r.trim().parse::<u64>().ok());
        return Err(FetchError { message: format!("HTTP {status}"), retry_after });
    }
    let next = Validators { etag: header("etag"), last_modified: header("last-modified") };
    let content_type = header("content-type").map(|s| s.to_ascii_lowercase());
    let charset = content_type.as_deref().and_then(|ct| {
        ct.split(';').map(str::trim).find_map(|p| p.strip_prefix("charset=")).map(|c| c.trim_matches(['"', '\'']).to_string())
    });
    let mut bytes = Vec::new();
    resp.into_body()
        .into_reader()
        .take(opts.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("reading the response failed: {e}")))?;
    if bytes.len() as u64 > opts.max_bytes {
        return Err(fail(format!("response larger than {} bytes", opts.max_bytes)));
    }
    Ok(Conditional::Fetched(Fetched { bytes, content_type, charset }, next))
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
