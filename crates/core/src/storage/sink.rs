//! The last stage's boundary: a [`Sink`] opens the folder `sessions/<id>/` a run writes into.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;

use crate::storage::{OutputLocation, S3Settings, SessionStore};
use crate::{ProcessingError, SessionId};

/// Where sessions' artifacts go. A run opens its session's folder once, takes the session's lease
/// there, and writes every artifact through it (each write replaces its object whole; the
/// manifest goes first as `running` and last as `complete` or `failed`).
///
/// [`LocalFolder`] (the default) and [`S3Bucket`] are the two built in; [`ObjectStoreSink`] puts
/// sessions on any other `object_store` backend (GCS, Azure, memory). Give one to
/// [`crate::SessionProcessorBuilder::sink`].
pub trait Sink: Send + Sync + fmt::Debug {
    /// The folder of session `session_id`, created where that means something.
    fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError>;
}

/// A local folder: sessions go to `<dir>/sessions/<id>/`; two runs of one session are kept
/// apart by an OS lock (decision 014).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFolder {
    pub dir: PathBuf,
}

impl LocalFolder {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl Sink for LocalFolder {
    fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError> {
        SessionStore::open_local(&self.dir, session_id.as_str())
    }
}

/// An S3 bucket (or an S3-compatible server): sessions go to `s3://<bucket>/<prefix>/sessions/<id>/`;
/// two runs of one session are kept apart by a conditional lease object (decision 014).
#[derive(Clone, Debug)]
pub struct S3Bucket {
    pub bucket: String,
    pub prefix: String,
    pub settings: S3Settings,
}

impl Sink for S3Bucket {
    fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError> {
        let store = self.settings.store(&self.bucket)?;
        Ok(SessionStore::open_s3(store, &self.bucket, &self.prefix, session_id.as_str()))
    }
}

/// Any `object_store` backend: sessions go to `<prefix>/sessions/<id>/` in it, shown to people
/// as `<display_base>/…`. The backend must create objects conditionally (`PutMode::Create`) for
/// the session's lease; one that cannot fails the run with a `config` error before it writes.
#[derive(Clone)]
pub struct ObjectStoreSink {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: String,
    pub display_base: String,
}

impl fmt::Debug for ObjectStoreSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreSink")
            .field("store", &self.store.to_string())
            .field("prefix", &self.prefix)
            .field("display_base", &self.display_base)
            .finish()
    }
}

impl Sink for ObjectStoreSink {
    fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError> {
        Ok(SessionStore::on_store(Arc::clone(&self.store), &self.prefix, &self.display_base, session_id.as_str()))
    }
}

impl OutputLocation {
    /// The sink this location names: a [`LocalFolder`], or an [`S3Bucket`] reached with `s3`.
    pub fn sink(&self, s3: &S3Settings) -> Arc<dyn Sink> {
        match self {
            OutputLocation::Local { dir } => Arc::new(LocalFolder::new(dir.clone())),
            OutputLocation::S3 { bucket, prefix } => {
                Arc::new(S3Bucket { bucket: bucket.clone(), prefix: prefix.clone(), settings: s3.clone() })
            }
        }
    }
}
