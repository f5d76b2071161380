use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, ObjectStore, PutOptions, PutPayload, WriteMultipart};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::storage::session_lease::{LEASE_FILE, SessionLease};
use crate::storage::{OutputLocation, RecordingInput, S3Settings};
use crate::{ProcessingError, layout};

/// Size of the pieces a file is streamed in, to storage and from it.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// One artifact written for a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArtifactRecord {
    /// Name inside the session folder, e.g. `quality.json` or `safety/2026-…json`.
    pub name: String,
    /// Full location: a local path or an `s3://` URI.
    pub location: String,
    pub bytes: u64,
}

/// The folder `sessions/<sessionId>/` of one session, in a local folder or an S3 bucket.
/// Every write replaces its object whole: readers see the old or the new version, never a part.
#[derive(Clone)]
pub struct SessionStore {
    store: Arc<dyn ObjectStore>,
    root: ObjectPath,
    display_root: String,
    /// The bucket, when the store is S3 (to recognise a recording already in place).
    bucket: Option<String>,
    /// `<output>/sessions/<id>` when the store is a local folder.
    local_root: Option<PathBuf>,
}

impl SessionStore {
    /// Opens `<output>/sessions/<session_id>/`, creating a local folder if needed.
    pub fn open(output: &OutputLocation, s3: &S3Settings, session_id: &str) -> Result<Self, ProcessingError> {
        match output {
            OutputLocation::Local { dir } => Self::open_local(dir, session_id),
            OutputLocation::S3 { bucket, prefix } => Ok(Self::open_s3(s3.store(bucket)?, bucket, prefix, session_id)),
        }
    }

    /// `<dir>/sessions/<session_id>/` on this machine, creating `dir` if needed.
    pub(crate) fn open_local(dir: &Path, session_id: &str) -> Result<Self, ProcessingError> {
        std::fs::create_dir_all(dir).map_err(|e| ProcessingError::io(dir.display(), e))?;
        let dir = std::fs::canonicalize(dir).map_err(|e| ProcessingError::io(dir.display(), e))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
            .map_err(|e| ProcessingError::storage(dir.display().to_string(), e))?;
        let folder = dir.join(layout::SESSIONS_DIR).join(session_id);
        let display = folder.display().to_string();
        let mut session = Self::new(Arc::new(store), "", display, None, session_id);
        session.local_root = Some(folder);
        Ok(session)
    }

    /// `s3://<bucket>/<prefix>/sessions/<session_id>/` through `store`.
    pub(crate) fn open_s3(store: Arc<dyn ObjectStore>, bucket: &str, prefix: &str, session_id: &str) -> Self {
        let display = format!("s3://{bucket}/{}", join_key(prefix, &layout::session_folder(session_id)));
        Self::new(store, prefix, display, Some(bucket.to_string()), session_id)
    }

    /// A session folder on any `object_store` backend (GCS, Azure, memory, …) under `prefix`.
    pub fn on_store(store: Arc<dyn ObjectStore>, prefix: &str, display_base: &str, session_id: &str) -> Self {
        // `memory://` stays as given; `gs://bucket/` and `gs://bucket` both become `gs://bucket/`.
        let base = match display_base.strip_suffix("://") {
            Some(scheme) => format!("{scheme}://"),
            None => format!("{}/", display_base.trim_end_matches('/')),
        };
        let display = format!("{base}{}", join_key(prefix, &layout::session_folder(session_id)));
        Self::new(store, prefix, display, None, session_id)
    }

    fn new(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        display_root: String,
        bucket: Option<String>,
        session_id: &str,
    ) -> Self {
        let root = ObjectPath::from(join_key(prefix, &layout::session_folder(session_id)));
        Self { store, root, display_root, bucket, local_root: None }
    }

    /// Takes the session's lease (decision 014): an OS lock for a local folder, a conditional
    /// lease object with `ttl` elsewhere; fails with `session.busy` while another run holds it.
    pub(crate) async fn lease(&self, session_id: &str, ttl: Duration) -> Result<SessionLease, ProcessingError> {
        match &self.local_root {
            Some(folder) => SessionLease::lock_local(folder, session_id),
            None => {
                let path = self.object_path(LEASE_FILE);
                SessionLease::acquire_object(Arc::clone(&self.store), path, &self.location(LEASE_FILE), session_id, ttl)
                    .await
            }
        }
    }

    /// Where `input` lies inside this session folder (`audio.wav`, `participants/a/recording.mp4`),
    /// following symbolic links; `None` when it lies elsewhere.
    pub fn name_of(&self, input: &RecordingInput) -> Option<String> {
        match input {
            RecordingInput::Local { path } => {
                let root = self.local_root.as_ref()?;
                let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
                let path = std::fs::canonicalize(path).ok()?;
                let inside = path.strip_prefix(&root).ok()?;
                let parts: Vec<String> =
                    inside.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                Some(parts.join("/"))
            }
            RecordingInput::S3 { bucket, key } => {
                if self.bucket.as_deref() != Some(bucket.as_str()) {
                    return None;
                }
                key.trim_start_matches('/').strip_prefix(&format!("{}/", self.root)).map(str::to_string)
            }
        }
    }

    /// The key of `input` when it lies in this store's bucket, so it can be copied within the
    /// bucket instead of uploaded again.
    pub fn key_in_same_bucket(&self, input: &RecordingInput) -> Option<String> {
        match input {
            RecordingInput::S3 { bucket, key } if self.bucket.as_deref() == Some(bucket.as_str()) => Some(key.clone()),
            _ => None,
        }
    }

    /// Names (relative to the session folder) of the objects in `folder` and below, or of the
    /// folder's own objects when `folder` is empty.
    pub async fn names_in(&self, folder: &str) -> Result<Vec<String>, ProcessingError> {
        let base = format!("{}/", self.root);
        let relative = |path: &ObjectPath| path.as_ref().strip_prefix(&base).map(str::to_string);
        let mut names = Vec::new();
        if folder.is_empty() {
            let listing = match self.store.list_with_delimiter(Some(&self.root)).await {
                Ok(listing) => listing,
                Err(object_store::Error::NotFound { .. }) => return Ok(names),
                Err(e) => return Err(ProcessingError::storage(self.location(""), e)),
            };
            names.extend(listing.objects.iter().filter_map(|meta| relative(&meta.location)));
            return Ok(names);
        }
        let mut listing = self.store.list(Some(&self.object_path(folder)));
        while let Some(meta) = listing.next().await {
            match meta {
                Ok(meta) => names.extend(relative(&meta.location)),
                Err(object_store::Error::NotFound { .. }) => break,
                Err(e) => return Err(ProcessingError::storage(self.location(folder), e)),
            }
        }
        Ok(names)
    }

    /// Removes the staged pieces an interrupted local upload left (`recording.mp4#1`): they are
    /// invisible to `object_store` listings, so only a walk of the folder finds them. An S3
    /// multipart upload that never completed is invisible to readers and is aborted by the
    /// bucket's lifecycle rule (docs/decisions/014-one-run-per-session.md).
    pub fn remove_partial_uploads(&self) -> Result<usize, ProcessingError> {
        let Some(root) = &self.local_root else { return Ok(0) };
        let mut removed = 0;
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(ProcessingError::io(folder.display(), e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| ProcessingError::io(folder.display(), e))?;
                let path = entry.path();
                let kind = entry.file_type().map_err(|e| ProcessingError::io(path.display(), e))?;
                if kind.is_dir() {
                    folders.push(path);
                } else if is_staged_upload(&entry.file_name().to_string_lossy()) {
                    std::fs::remove_file(&path).map_err(|e| ProcessingError::io(path.display(), e))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Where `name` lives, as a person would type it.
    pub fn location(&self, name: &str) -> String {
        format!("{}/{name}", self.display_root)
    }

    fn object_path(&self, name: &str) -> ObjectPath {
        ObjectPath::from(format!("{}/{name}", self.root))
    }

    /// Writes `value` as pretty JSON.
    pub async fn put_json(&self, name: &str, value: &impl Serialize) -> Result<ArtifactRecord, ProcessingError> {
        let mut body = serde_json::to_vec_pretty(value).map_err(|e| ProcessingError::Internal(e.to_string()))?;
        body.push(b'\n');
        self.put_bytes(name, Bytes::from(body)).await
    }

    /// Writes `body` whole. In a bucket the object carries its content type (`report.html` opens
    /// as a page through a presigned link, not as a download); a local folder has no such field.
    pub async fn put_bytes(&self, name: &str, body: Bytes) -> Result<ArtifactRecord, ProcessingError> {
        let bytes = body.len() as u64;
        let mut options = PutOptions::default();
        if let (Some(_), Some(content_type)) = (&self.bucket, layout::content_type(name)) {
            options.attributes.insert(Attribute::ContentType, content_type.into());
        }
        self.store
            .put_opts(&self.object_path(name), PutPayload::from(body), options)
            .await
            .map_err(|e| ProcessingError::storage(self.location(name), e))?;
        Ok(ArtifactRecord { name: name.to_string(), location: self.location(name), bytes })
    }

    /// Streams a local file into `name` in bounded pieces (multipart on S3, staged file locally).
    pub async fn put_file(&self, name: &str, file: &Path) -> Result<ArtifactRecord, ProcessingError> {
        let location = self.location(name);
        let mut source = tokio::fs::File::open(file).await.map_err(|e| ProcessingError::io(file.display(), e))?;
        let upload = self
            .store
            .put_multipart(&self.object_path(name))
            .await
            .map_err(|e| ProcessingError::storage(&location, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, CHUNK_BYTES);
        let mut buffer = vec![0u8; CHUNK_BYTES];
        let mut total = 0u64;
        loop {
            let read = match source.read(&mut buffer).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(ProcessingError::io(file.display(), e));
                }
            };
            if let Err(e) = writer.wait_for_capacity(2).await {
                return Err(ProcessingError::storage(&location, e));
            }
            writer.write(&buffer[..read]);
            total += read as u64;
        }
        writer.finish().await.map_err(|e| ProcessingError::storage(&location, e))?;
        Ok(ArtifactRecord { name: name.to_string(), location, bytes: total })
    }

    /// Copies an object of the same store (no data through this process).
    pub async fn copy_within(&self, from_key: &str, name: &str) -> Result<ArtifactRecord, ProcessingError> {
        let from = ObjectPath::from(from_key);
        let to = self.object_path(name);
        self.store.copy(&from, &to).await.map_err(|e| ProcessingError::storage(self.location(name), e))?;
        let meta = self.store.head(&to).await.map_err(|e| ProcessingError::storage(self.location(name), e))?;
        Ok(ArtifactRecord { name: name.to_string(), location: self.location(name), bytes: meta.size })
    }

    /// The content of `name`, or `None` when it does not exist; an object larger than
    /// `max_bytes` is refused before it is read.
    pub async fn get_bytes(&self, name: &str, max_bytes: u64) -> Result<Option<Bytes>, ProcessingError> {
        let result = match self.store.get(&self.object_path(name)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(ProcessingError::storage(self.location(name), e)),
        };
        if result.meta.size > max_bytes {
            return Err(ProcessingError::Input(format!(
                "{} is {} bytes, more than the {max_bytes} this reader accepts",
                self.location(name),
                result.meta.size
            )));
        }
        let bytes = result.bytes().await.map_err(|e| ProcessingError::storage(self.location(name), e))?;
        Ok(Some(bytes))
    }

    /// Size of `name`, or `None` when it does not exist.
    pub async fn size_of(&self, name: &str) -> Result<Option<u64>, ProcessingError> {
        match self.store.head(&self.object_path(name)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(ProcessingError::storage(self.location(name), e)),
        }
    }

    /// Removes every object under the folder `name`.
    pub async fn delete_folder(&self, name: &str) -> Result<(), ProcessingError> {
        self.delete_where(name, |_| true).await
    }

    /// Removes the objects in `folder` (and below) whose file name starts with `name_prefix`.
    pub async fn delete_prefixed(&self, folder: &str, name_prefix: &str) -> Result<(), ProcessingError> {
        self.delete_where(folder, |path| path.filename().is_some_and(|n| n.starts_with(name_prefix))).await
    }

    async fn delete_where(&self, folder: &str, wanted: impl Fn(&ObjectPath) -> bool) -> Result<(), ProcessingError> {
        let prefix = self.object_path(folder);
        let mut listing = self.store.list(Some(&prefix));
        let mut paths = Vec::new();
        while let Some(meta) = listing.next().await {
            match meta {
                Ok(meta) if wanted(&meta.location) => paths.push(meta.location),
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => break,
                Err(e) => return Err(ProcessingError::storage(self.location(folder), e)),
            }
        }
        for path in paths {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(ProcessingError::storage(self.location(folder), e)),
            }
        }
        Ok(())
    }

    /// Removes `name` if present.
    pub async fn delete(&self, name: &str) -> Result<(), ProcessingError> {
        match self.store.delete(&self.object_path(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(ProcessingError::storage(self.location(name), e)),
        }
    }
}

/// Downloads `bucket`/`key` to `file` in bounded pieces.
pub(crate) async fn download(
    store: &dyn ObjectStore,
    uri: &str,
    key: &str,
    file: &Path,
) -> Result<u64, ProcessingError> {
    let result = store.get(&ObjectPath::from(key)).await.map_err(|e| match e {
        object_store::Error::NotFound { .. } => {
            ProcessingError::Input(format!("{uri} does not exist; check the bucket and key"))
        }
        other => ProcessingError::storage(uri, other),
    })?;
    let mut out = tokio::fs::File::create(file).await.map_err(|e| ProcessingError::io(file.display(), e))?;
    let mut stream = result.into_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ProcessingError::storage(uri, e))?;
        out.write_all(&chunk).await.map_err(|e| ProcessingError::io(file.display(), e))?;
        total += chunk.len() as u64;
    }
    out.flush().await.map_err(|e| ProcessingError::io(file.display(), e))?;
    Ok(total)
}

/// `name#<digits>`: a piece `object_store`'s local store stages an upload in before renaming it.
fn is_staged_upload(file_name: &str) -> bool {
    file_name.split_once('#').is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn join_key(prefix: &str, rest: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() { rest.to_string() } else { format!("{prefix}/{rest}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_upload_names() {
        assert!(is_staged_upload("recording.mp4#1"));
        assert!(is_staged_upload("audio.wav#12"));
        assert!(!is_staged_upload("recording.mp4"));
        assert!(!is_staged_upload("take#one.mp4"));
        assert!(!is_staged_upload("x#"));
    }
}
