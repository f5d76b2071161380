//! One run per session at a time: a lease on `sessions/<id>/` held while a run writes there
//! (decision 014).
//!
//! - A local folder: an OS lock (`flock`) on `sessions/<id>/.lease.json`. The kernel releases it
//!   when the holder exits, however it exits (SIGKILL included), so a crashed run never blocks
//!   the next one.
//! - S3 (or any `object_store` with conditional writes): the object `sessions/<id>/.lease.json`,
//!   created with `PutMode::Create` (`If-None-Match: *`) and carrying an expiry. The holder renews
//!   it (`PutMode::Update`, `If-Match: <etag>`) every third of its lifetime; a crashed holder's
//!   lease expires and the next run takes it over with the same conditional update, so of two
//!   runs racing for an expired lease only one wins.

use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ProcessingError;

/// The lease's name inside the session folder.
pub const LEASE_FILE: &str = ".lease.json";
/// How long an S3 lease lives without renewal, by default.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(60);

/// What the lease object (or lock file) says about its holder.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeaseRecord {
    /// Who holds it: `pid <pid> on <host>` plus a nonce that tells two runs of one process apart.
    pub holder: String,
    pub acquired_at: String,
    /// RFC 3339; after this time another run may take the lease over (object stores only).
    pub expires_at: String,
}

impl LeaseRecord {
    fn new(holder: &str, ttl: Duration) -> Self {
        let now = OffsetDateTime::now_utc();
        LeaseRecord { holder: holder.to_string(), acquired_at: rfc3339(now), expires_at: rfc3339(now + ttl) }
    }

    fn renewed(&self, ttl: Duration) -> Self {
        LeaseRecord { expires_at: rfc3339(OffsetDateTime::now_utc() + ttl), ..self.clone() }
    }

    /// Expired, or unreadable (a lease nobody can interpret protects nothing; its holder's own
    /// renewal would fail on the changed ETag).
    fn expired(&self) -> bool {
        OffsetDateTime::parse(&self.expires_at, &Rfc3339).map_or(true, |at| at <= OffsetDateTime::now_utc())
    }

    fn body(&self) -> Bytes {
        Bytes::from(serde_json::to_vec_pretty(self).unwrap_or_default())
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// A held lease; [`SessionLease::release`] gives it back. Dropped without release (a panic, an
/// aborted task), a local lock is released at once and an object lease expires.
pub(crate) enum SessionLease {
    Local {
        _file: std::fs::File,
    },
    Object {
        store: Arc<dyn ObjectStore>,
        path: ObjectPath,
        holder: String,
        lost: Arc<AtomicBool>,
        _heartbeat: Heartbeat,
    },
}

/// The renewal task; stopped when the lease is released or dropped.
pub(crate) struct Heartbeat(tokio::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SessionLease {
    /// Takes the OS lock on `folder/.lease.json`, or fails with `session.busy`.
    pub fn lock_local(folder: &Path, session_id: &str) -> Result<Self, ProcessingError> {
        std::fs::create_dir_all(folder).map_err(|e| ProcessingError::io(folder.display(), e))?;
        let path = folder.join(LEASE_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| ProcessingError::io(path.display(), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = serde_json::from_str::<LeaseRecord>(&text)
                    .map(|r| format!("{} since {}", r.holder, r.acquired_at))
                    .unwrap_or_else(|_| "another process on this machine".into());
                return Err(ProcessingError::SessionBusy { session_id: session_id.to_string(), holder });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(ProcessingError::io(path.display(), e)),
        }
        // Who holds it, for the message a contender prints; the lock itself is what counts.
        let record = LeaseRecord::new(&holder_name(), Duration::ZERO);
        let written = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(&record.body()));
        written.map_err(|e| ProcessingError::io(path.display(), e))?;
        Ok(SessionLease::Local { _file: file })
    }

    /// Creates or takes over the lease object `path`, or fails with `session.busy`.
    pub async fn acquire_object(
        store: Arc<dyn ObjectStore>,
        path: ObjectPath,
        location: &str,
        session_id: &str,
        ttl: Duration,
    ) -> Result<Self, ProcessingError> {
        let holder = holder_name();
        let storage = |e| ProcessingError::storage(location, e);
        let record = LeaseRecord::new(&holder, ttl);
        let created = store.put_opts(&path, PutPayload::from(record.body()), PutMode::Create.into()).await;
        let version = match created {
            Ok(result) => UpdateVersion { e_tag: result.e_tag, version: result.version },
            Err(object_store::Error::AlreadyExists { .. }) => {
                take_over_expired(store.as_ref(), &path, &record, session_id).await.map_err(|e| match e {
                    TakeOver::Busy(error) => error,
                    TakeOver::Store(e) => storage(e),
                })?
            }
            Err(object_store::Error::NotImplemented) => {
                return Err(ProcessingError::Config(format!(
                    "the store at {location} cannot create objects conditionally, so two runs of session {session_id} could mix; use S3 (or a store with conditional PUT)"
                )));
            }
            Err(e) => return Err(storage(e)),
        };
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = tokio::spawn(renew(Arc::clone(&store), path.clone(), record, ttl, version, Arc::clone(&lost)));
        Ok(SessionLease::Object { store, path, holder, lost, _heartbeat: Heartbeat(heartbeat) })
    }

    /// Raised when another run took the lease over (this holder's renewal found it changed);
    /// a local lock cannot be lost.
    pub fn lost_flag(&self) -> Arc<AtomicBool> {
        match self {
            SessionLease::Local { .. } => Arc::default(),
            SessionLease::Object { lost, .. } => Arc::clone(lost),
        }
    }

    /// Gives the lease back: stops the renewal and removes the object if it is still ours.
    pub async fn release(self) {
        if let SessionLease::Object { store, path, holder, lost, _heartbeat } = self {
            drop(_heartbeat); // no renewal may land after the removal below
            if lost.load(Ordering::SeqCst) {
                return;
            }
            let still_ours = match store.get(&path).await {
                Ok(result) => result
                    .bytes()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<LeaseRecord>(&b).ok())
                    .is_some_and(|r| r.holder == holder),
                Err(_) => false,
            };
            if still_ours && let Err(e) = store.delete(&path).await {
                tracing::warn!(error = %e, "could not remove the session lease; it expires on its own");
            }
        }
    }
}

enum TakeOver {
    Busy(ProcessingError),
    Store(object_store::Error),
}

/// Reads the lease in place: busy while it lives; expired, it is replaced with a conditional
/// update on the ETag read, so of two runs racing for it only one wins.
async fn take_over_expired(
    store: &dyn ObjectStore,
    path: &ObjectPath,
    record: &LeaseRecord,
    session_id: &str,
) -> Result<UpdateVersion, TakeOver> {
    let busy = |holder: String| TakeOver::Busy(ProcessingError::SessionBusy { session_id: session_id.into(), holder });
    let current = match store.get(path).await {
        Ok(current) => current,
        // Released between our create and our read: the next run is welcome to retry.
        Err(object_store::Error::NotFound { .. }) => return Err(busy("a run that just finished".into())),
        Err(e) => return Err(TakeOver::Store(e)),
    };
    let seen = UpdateVersion { e_tag: current.meta.e_tag.clone(), version: current.meta.version.clone() };
    let bytes = current.bytes().await.map_err(TakeOver::Store)?;
    let existing = serde_json::from_slice::<LeaseRecord>(&bytes).ok();
    if let Some(existing) = existing.as_ref().filter(|r| !r.expired()) {
        return Err(busy(format!("{} until {}", existing.holder, existing.expires_at)));
    }
    match store.put_opts(path, PutPayload::from(record.body()), PutMode::Update(seen).into()).await {
        Ok(result) => Ok(UpdateVersion { e_tag: result.e_tag, version: result.version }),
        Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => {
            Err(busy("another run that took over the expired lease first".into()))
        }
        Err(e) => Err(TakeOver::Store(e)),
    }
}

/// Renews the lease every third of `ttl` until aborted. It is lost when another run changed or
/// removed it, or when renewals kept failing until it expired.
async fn renew(
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
    record: LeaseRecord,
    ttl: Duration,
    mut version: UpdateVersion,
    lost: Arc<AtomicBool>,
) {
    let period = (ttl / 3).max(Duration::from_millis(100));
    let mut renewed_at = std::time::Instant::now();
    loop {
        tokio::time::sleep(period).await;
        let body = PutPayload::from(record.renewed(ttl).body());
        let options = PutOptions { mode: PutMode::Update(version.clone()), ..Default::default() };
        match store.put_opts(&path, body, options).await {
            Ok(result) => {
                version = UpdateVersion { e_tag: result.e_tag, version: result.version };
                renewed_at = std::time::Instant::now();
            }
            // Changed or removed under us: another run took it over.
            Err(e @ (object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. })) => {
                tracing::error!(error = %e, "the session lease was taken over by another run");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // A failed request: retried next period while the lease still lives.
            Err(e) if renewed_at.elapsed() < ttl => {
                tracing::warn!(error = %e, "the session lease could not be renewed; retrying");
            }
            Err(e) => {
                tracing::error!(error = %e, "the session lease expired before it could be renewed");
                lost.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
}

/// `pid <pid> on <host> (<nonce>)`: unique per run, readable in a `session.busy` message.
fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".into());
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    format!("pid {} on {} (run {nanos:x}-{run})", std::process::id(), session_media::escape_controls(&host))
}
