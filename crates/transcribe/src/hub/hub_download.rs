//! One file of a hub repository into the cache, by the hub's resolve protocol:
//! `HEAD {endpoint}/{repo}/resolve/{revision}/{file}` gives the commit (`X-Repo-Commit`), the
//! content id (`X-Linked-Etag` for large files, else `ETag`), the size (`X-Linked-Size`, else
//! `Content-Length`) and, for large files, a redirect to where the bytes are (`Location`). The
//! `GET` writes `blobs/<etag>.incomplete`, checks size (and SHA-256 when the ETag is one), and only
//! then renames it to `blobs/<etag>`.
//!
//! Processes sharing a cache take turns: each download holds an exclusive lock on
//! `.locks/<repo folder>/<etag>.lock`, and whoever gets it second finds the blob complete. A
//! transfer cut short leaves `blobs/<etag>.incomplete`; the next attempt hashes what is there and
//! asks for the rest (`Range: bytes=N-`), starting over when the server sends the whole file
//! instead (200) or the result does not match the ETag. Lock and partial file are where
//! huggingface_hub keeps its own, so the two take turns and resume each other's downloads.
//!
//! `HF_TOKEN` goes to the endpoint's own host only (not to a blob store it redirects to), and
//! never into an error message.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::TranscribeError;
use crate::hub::hub_cache::RepoCache;
use crate::hub::hub_settings::HubSettings;

/// Relative redirects followed (renamed repositories), and redirects on a download.
const MAX_REDIRECTS: usize = 5;

/// What the hub says about one file.
#[derive(Clone, Debug)]
pub struct FileMetadata {
    pub commit: String,
    pub etag: String,
    pub size: Option<u64>,
    /// Where the bytes are: the resolve URL, or the blob URL it redirected to.
    pub url: String,
}

/// A client for one model of one hub.
pub struct HubClient<'a> {
    settings: &'a HubSettings,
    model: &'a str,
    agent: ureq::Agent,
}

impl<'a> HubClient<'a> {
    pub fn new(settings: &'a HubSettings, model: &'a str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("session-monitor/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { settings, model, agent }
    }

    fn endpoint(&self) -> &str {
        self.settings.endpoint.trim_end_matches('/')
    }

    fn resolve_url(&self, file: &str) -> String {
        let revision = self.settings.revision.replace('/', "%2F");
        format!("{}/{}/resolve/{revision}/{file}", self.endpoint(), self.model)
    }

    /// The file's metadata; `Ok(None)` when the repository exists but has no such file.
    pub fn metadata(&self, file: &str) -> Result<Option<FileMetadata>, TranscribeError> {
        let mut url = self.resolve_url(file);
        for _ in 0..=MAX_REDIRECTS {
            let response = self.request("HEAD", &url).call().map_err(|e| self.transport(file, e))?;
            let status = response.status().as_u16();
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let location = header("location");
            if let (300..=399, Some(target)) = (status, &location)
                && target.starts_with('/')
            {
                url = redirected(&url, target);
                continue;
            }
            if status == 404 && header("x-error-code").as_deref() == Some("EntryNotFound") {
                return Ok(None);
            }
            if !(200..=399).contains(&status) {
                return Err(self.status_error(file, status, header("x-error-code")));
            }
            let missing = |what: &str| self.failed(file, format!("the hub's answer has no {what} header"));
            let commit = header("x-repo-commit").ok_or_else(|| missing("X-Repo-Commit"))?;
            let etag = header("x-linked-etag").or_else(|| header("etag")).ok_or_else(|| missing("ETag"))?;
            let size = header("x-linked-size").or_else(|| header("content-length")).and_then(|s| s.parse().ok());
            let etag = clean_etag(&etag);
            if !crate::hub::hub_cache::is_commit(&commit) || !is_safe_name(&etag) {
                return Err(self.failed(file, "the hub's X-Repo-Commit or ETag is malformed".into()));
            }
            return Ok(Some(FileMetadata { commit, etag, size, url: location.unwrap_or(url) }));
        }
        Err(self.failed(file, format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// Downloads `file` into `blobs/<etag>` of `repo` unless it is there already; returns the blob.
    pub fn download(&self, repo: &RepoCache, file: &str, meta: &FileMetadata) -> Result<PathBuf, TranscribeError> {
        let blob = repo.blob(&meta.etag);
        let complete = || blob.is_file() && meta.size.is_none_or(|size| blob.metadata().is_ok_and(|m| m.len() == size));
        if complete() {
            return Ok(blob);
        }
        let io_failed = |e: std::io::Error| self.failed(file, format!("cannot write {}: {e}", blob.display()));
        std::fs::create_dir_all(blob.parent().unwrap_or(repo.root())).map_err(io_failed)?;
        let lock_path = repo.lock(&meta.etag);
        let locked = |e: std::io::Error| self.failed(file, format!("cannot lock {}: {e}", lock_path.display()));
        std::fs::create_dir_all(lock_path.parent().unwrap_or(repo.root())).map_err(locked)?;
        let lock = std::fs::File::create(&lock_path).map_err(locked)?;
        lock.lock().map_err(locked)?;
        if complete() {
            return Ok(blob); // Another process finished it while this one waited.
        }
        let partial = with_suffix(&blob, ".incomplete");
        match self.fetch_to(file, meta, &partial) {
            Ok(()) => std::fs::rename(&partial, &blob).map_err(io_failed)?,
            Err(Failure::Resumable(error)) => return Err(error),
            Err(Failure::Corrupt(error)) => {
                let _ = std::fs::remove_file(&partial);
                return Err(error);
            }
        }
        Ok(blob)
    }

    /// Completes `partial`: resumed from its length when the server honours a range request.
    fn fetch_to(&self, file: &str, meta: &FileMetadata, partial: &Path) -> Result<(), Failure> {
        let have = std::fs::metadata(partial).map_or(0, |m| m.len());
        let resume_from = match meta.size {
            Some(size) if have > 0 && have < size => have,
            _ => 0,
        };
        let response = self.get(file, &meta.url, resume_from).map_err(Failure::Resumable)?;
        let resumed = resume_from > 0 && response.status().as_u16() == 206;
        let io_failed =
            |e: std::io::Error| Failure::Resumable(self.failed(file, format!("{}: {e}", partial.display())));
        let mut writer = if resumed {
            let digest = sha256_of(partial).map_err(io_failed)?;
            let out = std::fs::OpenOptions::new().append(true).open(partial).map_err(io_failed)?;
            CheckedWriter { inner: BufWriter::new(out), digest, written: resume_from }
        } else {
            CheckedWriter::new(BufWriter::new(std::fs::File::create(partial).map_err(io_failed)?))
        };
        let copied = std::io::copy(&mut response.into_body().into_reader(), &mut writer);
        let flushed = copied.and_then(|_| writer.flush());
        let (received, sha256, out) = writer.finish();
        let expected = meta.size.map_or_else(|| "?".to_owned(), |s| s.to_string());
        flushed.map_err(|e| {
            let reason =
                format!("the transfer stopped after {received} of {expected} bytes ({e}); run again to resume");
            Failure::Resumable(self.failed(file, reason))
        })?;
        let corrupt = |reason: String| Failure::Corrupt(self.failed(file, reason));
        if meta.size.is_some_and(|size| size != received) {
            return Err(corrupt(format!("received {received} bytes, the hub announced {expected}")));
        }
        if meta.etag.len() == 64 && meta.etag != sha256 {
            let how = if resumed { " (after resuming; the next attempt starts over)" } else { "" };
            return Err(corrupt(format!("its SHA-256 does not match the hub's ETag{how}")));
        }
        let synced = out.into_inner().map_err(|e| e.into_error()).and_then(|f| f.sync_all());
        synced.map_err(io_failed)
    }

    /// `GET url` (with `Range: bytes=from-` when `from > 0`), following redirects; a 200 or 206.
    fn get(&self, file: &str, url: &str, from: u64) -> Result<ureq::http::Response<ureq::Body>, TranscribeError> {
        let mut url = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = self.request("GET", &url);
            if from > 0 {
                request = request.header("Range", format!("bytes={from}-"));
            }
            let response = request.call().map_err(|e| self.transport(file, e))?;
            let status = response.status().as_u16();
            let location = response.headers().get("location").and_then(|v| v.to_str().ok());
            match (status, location) {
                (300..=399, Some(target)) => url = redirected(&url, target),
                (200, _) => return Ok(response),
                (206, _) if from > 0 && starts_at(&response, from) => return Ok(response),
                _ => {
                    let code = response.headers().get("x-error-code").and_then(|v| v.to_str().ok());
                    return Err(self.status_error(file, status, code.map(str::to_owned)));
                }
            }
        }
        Err(self.failed(file, format!("more than {MAX_REDIRECTS} redirects")))
    }

    fn request(&self, method: &str, url: &str) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        let request = if method == "HEAD" { self.agent.head(url) } else { self.agent.get(url) };
        let request = request.header("Accept-Encoding", "identity");
        match &self.settings.token {
            Some(token) if origin(url) == origin(self.endpoint()) => {
                request.header("Authorization", format!("Bearer {token}"))
            }
            _ => request,
        }
    }

    fn status_error(&self, file: &str, status: u16, code: Option<String>) -> TranscribeError {
        let (model, revision) = (self.model.to_owned(), &self.settings.revision);
        let code_note = code.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
        match status {
            401 | 403 => {
                let hint = if self.settings.token.is_some() {
                    "the token in HF_TOKEN cannot read it: accept the model's terms on its hub page, or use a token \
                     with access"
                } else {
                    "the model is gated or private (or does not exist): set HF_TOKEN to an access token that can \
                     read it"
                };
                TranscribeError::HubAccessDenied {
                    model,
                    file: file.to_owned(),
                    status,
                    code: code_note,
                    hint: hint.to_owned(),
                }
            }
            404 => {
                let what = match code.as_deref() {
                    Some("EntryNotFound") => format!("file {file} in model {model} at revision {revision}"),
                    Some("RevisionNotFound") => format!("revision {revision} of model {model} (asked for {file})"),
                    _ => format!("model {model} (asked for {file})"),
                };
                TranscribeError::HubNotFound { model, file: file.to_owned(), what, code: code_note }
            }
            _ => self.failed(file, format!("HTTP {status}{code_note} from {}", self.endpoint())),
        }
    }

    fn transport(&self, file: &str, error: ureq::Error) -> TranscribeError {
        match error {
            ureq::Error::Io(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Timeout(_) => TranscribeError::HubUnreachable {
                model: self.model.to_owned(),
                file: file.to_owned(),
                endpoint: self.endpoint().to_owned(),
                reason: error.to_string(),
            },
            other => self.failed(file, other.to_string()),
        }
    }

    fn failed(&self, file: &str, reason: String) -> TranscribeError {
        TranscribeError::HubDownload { model: self.model.to_owned(), file: file.to_owned(), reason }
    }
}

/// `scheme://host[:port]` of `url`.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// Where a redirect from `url` to `location` leads: a path on the same origin, or a full URL.
fn redirected(url: &str, location: &str) -> String {
    if location.starts_with('/') { format!("{}{location}", origin(url)) } else { location.to_owned() }
}

/// An ETag without quotes or the weak marker: `W/"abc"` → `abc`.
fn clean_etag(etag: &str) -> String {
    etag.trim().trim_start_matches("W/").trim_matches('"').to_owned()
}

/// Whether a server-given name can be a file name in `blobs/` (no path tricks).
fn is_safe_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Why a transfer failed: cut short (the partial file is kept, the next attempt resumes it), or
/// wrong (size or hash; the partial file is removed).
enum Failure {
    Resumable(TranscribeError),
    Corrupt(TranscribeError),
}

/// Whether a 206 answer's `Content-Range` starts where we asked (`bytes from-…/…`).
fn starts_at(response: &ureq::http::Response<ureq::Body>, from: u64) -> bool {
    let range = response.headers().get("content-range").and_then(|v| v.to_str().ok()).unwrap_or_default();
    range.strip_prefix("bytes ").and_then(|r| r.split_once('-')).is_some_and(|(start, _)| start == from.to_string())
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The SHA-256 state after the bytes of `path`, ready to take more.
fn sha256_of(path: &Path) -> std::io::Result<ring::digest::Context> {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        match std::io::Read::read(&mut file, &mut buffer)? {
            0 => return Ok(digest),
            n => digest.update(&buffer[..n]),
        }
    }
}

/// Counts and hashes (SHA-256) what passes through.
struct CheckedWriter<W> {
    inner: W,
    digest: ring::digest::Context,
    written: u64,
}

impl<W: Write> CheckedWriter<W> {
    fn new(inner: W) -> Self {
        Self { inner, digest: ring::digest::Context::new(&ring::digest::SHA256), written: 0 }
    }

    /// Bytes written, their SHA-256 in hex, and the inner writer.
    fn finish(self) -> (u64, String, W) {
        let hex = self.digest.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect();
        (self.written, hex, self.inner)
    }
}

impl<W: Write> Write for CheckedWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.digest.update(&bytes[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_etags_and_blob_names() {
        assert_eq!(origin("https://huggingface.co/openai/x/resolve/main/a"), "https://huggingface.co");
        assert_eq!(origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            redirected("http://127.0.0.1:8080/a/resolve/main/f", "/b/resolve/main/f"),
            "http://127.0.0.1:8080/b/resolve/main/f"
        );
        assert_eq!(redirected("https://huggingface.co/a", "https://cdn.example/blob"), "https://cdn.example/blob");
        assert_eq!(clean_etag("W/\"abc123\""), "abc123");
        assert_eq!(clean_etag("\"e3b0c442\""), "e3b0c442");
        assert!(is_safe_name("e3b0c44298fc1c149afbf4c8996fb924"));
        assert!(!is_safe_name("../../etc/passwd") && !is_safe_name(""));
    }

    #[test]
    fn the_checked_writer_hashes_what_it_writes() {
        let mut writer = CheckedWriter::new(Vec::new());
        writer.write_all(b"abc").unwrap();
        let (written, sha256, bytes) = writer.finish();
        assert_eq!((written, bytes.as_slice()), (3, &b"abc"[..]));
        assert_eq!(sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
