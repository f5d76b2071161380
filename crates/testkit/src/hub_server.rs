//! A local stand-in for the Hugging Face hub's file resolution on 127.0.0.1, serving real files:
//! `HEAD`/`GET {endpoint}/{repo}/resolve/{revision}/{file}` answers as the hub does —
//! `X-Repo-Commit`, `ETag` (the git blob id) and, for large (LFS) files, a 302 to a blob URL on
//! another path with `X-Linked-Etag` (the sha256) and `X-Linked-Size`; errors carry
//! `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`).
//! `GET` honours `Range: bytes=N-` (206 with `Content-Range`), as the hub's blob store does.
//! Every request is recorded, so tests can count them.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::http::{Listener, Request, write_head, write_response};

/// The repository served: its id, commit and files (name in the repository → file on disk).
pub struct HubRepo {
    pub id: String,
    pub commit: String,
    pub files: Vec<(String, PathBuf)>,
}

impl HubRepo {
    /// `names` taken from `folder`, at a fixed commit.
    pub fn from_folder(id: &str, folder: &Path, names: &[&str]) -> Self {
        let files = names.iter().map(|n| ((*n).to_owned(), folder.join(n))).collect();
        Self { id: id.to_owned(), commit: "5f8e4a1b9c0d2e3f4a5b6c7d8e9f0a1b2c3d4e5f".to_owned(), files }
    }
}

/// How the stand-in misbehaves.
#[derive(Clone, Debug, PartialEq)]
pub enum HubFault {
    None,
    /// A gated repository: 401 without `Authorization: Bearer <token>`.
    Gated {
        token: String,
    },
    /// No such repository: 404 `RepoNotFound` for everything.
    RepoNotFound,
    /// The blob download of `file` stops after `bytes` bytes (the connection drops).
    Truncate {
        file: String,
        bytes: u64,
    },
    /// `Range` requests are answered with the whole file (200), as servers without range
    /// support do.
    IgnoreRange,
}

struct ServedFile {
    name: String,
    path: PathBuf,
    size: u64,
    git_sha1: String,
    sha256: String,
}

impl ServedFile {
    fn read(name: &str, path: &Path) -> Self {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("hub stand-in cannot read {}: {e}", path.display()));
        let mut git = format!("blob {}\0", bytes.len()).into_bytes();
        git.extend_from_slice(&bytes);
        Self {
            name: name.to_owned(),
            path: path.to_owned(),
            size: bytes.len() as u64,
            git_sha1: hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &git).as_ref()),
            sha256: hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref()),
        }
    }

    /// Large files live in LFS on the hub: their resolve URL redirects to a blob store.
    fn is_lfs(&self) -> bool {
        self.name.ends_with(".safetensors") || self.size > 10 * 1024 * 1024
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct State {
    repo_id: String,
    commit: String,
    files: Vec<ServedFile>,
    fault: HubFault,
    received: Mutex<Vec<Request>>,
}

/// A running stand-in; stopped (its port closed) by [`HubServer::stop`] or when dropped.
pub struct HubServer {
    pub endpoint: String,
    state: Arc<State>,
    listener: Listener,
}

impl HubServer {
    pub fn start(repo: HubRepo, fault: HubFault) -> Self {
        let files = repo.files.iter().map(|(name, path)| ServedFile::read(name, path)).collect();
        let state =
            Arc::new(State { repo_id: repo.id, commit: repo.commit, files, fault, received: Mutex::new(Vec::new()) });
        let serving = Arc::clone(&state);
        let listener = Listener::start(move |stream| serve(&serving, stream));
        Self { endpoint: listener.base_url.clone(), state, listener }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.received.lock().expect("requests").clone()
    }

    /// The commit the repository is served at.
    pub fn commit(&self) -> &str {
        &self.state.commit
    }

    /// Closes the port: later connections are refused.
    pub fn stop(&mut self) {
        self.listener.stop();
    }
}

fn serve(state: &State, stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let Ok(request) = Request::read(&mut reader) else { return };
    state.received.lock().expect("requests").push(request.clone());
    let stream = reader.get_mut();
    // The client may hang up early (truncation tests): failed writes are expected then.
    let _ = if let Some(sha256) = request.target.strip_prefix("/lfs/") {
        serve_blob(state, &request, sha256, stream)
    } else {
        resolve(state, &request, stream)
    };
}

fn error(stream: &mut TcpStream, status: u16, code: &str, message: &str) -> std::io::Result<()> {
    let headers = [("X-Error-Code".to_owned(), code.to_owned()), ("X-Error-Message".to_owned(), message.to_owned())];
    write_response(stream, status, &headers, message.as_bytes())
}

/// `/{org}/{name}/resolve/{revision}/{file}`.
fn resolve(state: &State, request: &Request, stream: &mut TcpStream) -> std::io::Result<()> {
    let prefix = format!("/{}/resolve/", state.repo_id);
    let Some(rest) = request.target.strip_prefix(&prefix) else {
        return error(stream, 404, "RepoNotFound", "Repository not found");
    };
    match &state.fault {
        HubFault::RepoNotFound => return error(stream, 404, "RepoNotFound", "Repository not found"),
        HubFault::Gated { token } if request.header("authorization") != Some(&format!("Bearer {token}")) => {
            return error(stream, 401, "GatedRepo", "Access to this model is restricted; please log in");
        }
        _ => {}
    }
    let (revision, name) = rest.split_once('/').unwrap_or((rest, ""));
    if revision != "main" && revision != state.commit {
        return error(stream, 404, "RevisionNotFound", "Invalid rev id");
    }
    let Some(file) = state.files.iter().find(|f| f.name == name) else {
        return error(stream, 404, "EntryNotFound", "Entry not found");
    };
    let mut headers =
        vec![("X-Repo-Commit".to_owned(), state.commit.clone()), ("ETag".to_owned(), format!("\"{}\"", file.git_sha1))];
    if file.is_lfs() {
        headers.push(("X-Linked-Etag".to_owned(), format!("\"{}\"", file.sha256)));
        headers.push(("X-Linked-Size".to_owned(), file.size.to_string()));
        let host = request.header("host").unwrap_or("127.0.0.1");
        headers.push(("Location".to_owned(), format!("http://{host}/lfs/{}", file.sha256)));
        return write_response(stream, 302, &headers, b"");
    }
    send_file(stream, request, file, &headers, None, &state.fault)
}

/// The blob store behind the redirect: no authorisation (the URL is the grant).
fn serve_blob(state: &State, request: &Request, sha256: &str, stream: &mut TcpStream) -> std::io::Result<()> {
    let Some(file) = state.files.iter().find(|f| f.sha256 == sha256) else {
        return error(stream, 404, "EntryNotFound", "No such blob");
    };
    let cut = match &state.fault {
        HubFault::Truncate { file: name, bytes } if *name == file.name => Some(*bytes),
        _ => None,
    };
    send_file(stream, request, file, &[("ETag".to_owned(), format!("\"{}\"", file.sha256))], cut, &state.fault)
}

/// The file's headers, and on `GET` its bytes from the requested offset (only `cut` of them, then
/// a hang-up).
fn send_file(
    stream: &mut TcpStream,
    request: &Request,
    file: &ServedFile,
    headers: &[(String, String)],
    cut: Option<u64>,
    fault: &HubFault,
) -> std::io::Result<()> {
    let from = match (request.header("range"), fault) {
        (Some(range), HubFault::None | HubFault::Truncate { .. }) => range
            .strip_prefix("bytes=")
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n < file.size),
        _ => None,
    };
    let mut headers = headers.to_vec();
    match from {
        Some(from) => {
            headers.push(("Content-Range".to_owned(), format!("bytes {from}-{}/{}", file.size - 1, file.size)));
            write_head(stream, 206, &headers, file.size - from)?;
        }
        None => write_head(stream, 200, &headers, file.size)?,
    }
    if request.method == "GET" {
        let mut source = File::open(&file.path)?;
        std::io::Seek::seek(&mut source, std::io::SeekFrom::Start(from.unwrap_or(0)))?;
        std::io::copy(&mut source.take(cut.unwrap_or(u64::MAX)), stream)?;
    }
    stream.flush()
}
