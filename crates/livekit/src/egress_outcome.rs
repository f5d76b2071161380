//! From an ended egress to what the pipeline processes: a session id and a [`RecordingInput`].

use std::path::{Component, Path, PathBuf};

use session_layout::{RecordingInput, SessionId, bucket_name, layout};

use super::egress_info::{EgressInfo, EgressStatus, FileInfo};
use super::error::{LiveKitError, shown};
use super::webhook_event::{EventKind, WebhookEvent};

/// Where egress writes recordings, as this deployment configured it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordingStore {
    /// An S3 bucket: a file result's `filename` is the object key.
    S3 { bucket: String },
    /// A local folder (egress without upload, or a shared volume): `filename` is looked up
    /// under it.
    Local { dir: PathBuf },
}

impl RecordingStore {
    /// An S3 bucket by name or ARN (`arn:aws:s3:::bucket`), as `RECORDINGS_S3_BUCKET` accepts.
    pub fn s3(bucket_name_or_arn: &str) -> Result<Self, LiveKitError> {
        let bucket = bucket_name(bucket_name_or_arn).map_err(|e| LiveKitError::Config(e.to_string()))?;
        Ok(RecordingStore::S3 { bucket })
    }

    /// A local folder holding egress files.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        RecordingStore::Local { dir: dir.into() }
    }

    fn input_for(&self, filename: &str) -> Result<RecordingInput, LiveKitError> {
        let invalid = |why: &str| LiveKitError::InvalidRecordingFile { file: shown(filename, 200), why: why.into() };
        match self {
            RecordingStore::S3 { bucket } => RecordingInput::s3(bucket, filename).map_err(|e| invalid(&e.to_string())),
            RecordingStore::Local { dir } => {
                let path = Path::new(filename);
                if path.components().any(|c| c == Component::ParentDir) {
                    return Err(invalid("it contains \"..\"; egress files must stay under the recordings folder"));
                }
                let path = if path.starts_with(dir) {
                    path.to_path_buf()
                } else {
                    dir.join(path.components().filter(|c| matches!(c, Component::Normal(_))).collect::<PathBuf>())
                };
                if path == *dir {
                    return Err(invalid("it names no file"));
                }
                Ok(RecordingInput::Local { path })
            }
        }
    }
}

/// What an ended egress gives the pipeline. Serialised with `"outcome": "recorded" | "failed"`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[schemars(rename = "EgressResult")]
pub enum EgressOutcome {
    /// An `egress_ended` with a file to process (`EGRESS_COMPLETE`, or `EGRESS_LIMIT_REACHED` with
    /// a file).
    Recorded {
        /// From the key `…sessions/<sessionId>/<file>`, else the room name.
        #[schemars(with = "String")]
        session_id: SessionId,
        input: RecordingInput,
        /// `input` as `SessionProcessor::process` takes it: `s3://bucket/key` or the local path.
        input_uri: String,
        egress_id: String,
        /// Recorded length as egress reports it (0 when unknown).
        duration_ns: i64,
        /// The egress stopped at a LiveKit time or size limit: the file is complete up to
        /// there, and the session went on without being recorded.
        limit_reached: bool,
    },
    /// An egress that failed, was aborted, or hit a limit before writing a file: nothing to
    /// process.
    Failed {
        /// Empty when the server reports an automatic egress that never started.
        egress_id: String,
        status: EgressStatus,
        /// LiveKit's `error`, or a note that it gave none.
        reason: String,
    },
}

impl EgressInfo {
    /// Maps an ended egress to what to process.
    ///
    /// - `EGRESS_COMPLETE`: the file result becomes the input (an error if there is none).
    /// - `EGRESS_LIMIT_REACHED` with a file: processed as well, with `limit_reached` set — egress
    ///   finishes and uploads the file when it stops at a limit, so it is playable up to there.
    ///   Without a file it is `Failed`.
    /// - `EGRESS_FAILED`, `EGRESS_ABORTED`: `Failed` with LiveKit's error. A failed egress may
    ///   have uploaded a partial file, but a recorder that died leaves an MP4 without its index
    ///   (the moov atom comes last), so it is not processed.
    /// - Any other status (not ended, or unknown to this version): [`LiveKitError::EgressNotEnded`].
    ///
    /// With several file results, the first whose key has a `sessions/<id>/` segment is used,
    /// else the first.
    pub fn outcome(&self, store: &RecordingStore) -> Result<EgressOutcome, LiveKitError> {
        let file = self.recording_file();
        match (&self.status, file) {
            (EgressStatus::Complete | EgressStatus::LimitReached, Some(file)) => self.recorded(store, file),
            (EgressStatus::Complete, None) => Err(LiveKitError::NoRecordingFile {
                egress_id: shown(&self.egress_id, 64),
                status: self.status.to_string(),
            }),
            (EgressStatus::Failed | EgressStatus::Aborted | EgressStatus::LimitReached, _) => Ok(self.failed()),
            (status, _) => Err(LiveKitError::EgressNotEnded {
                egress_id: shown(&self.egress_id, 64),
                status: shown(status.as_str(), 40),
            }),
        }
    }

    fn recording_file(&self) -> Option<&FileInfo> {
        let files = || self.file_results.iter().filter(|f| !f.filename.trim().is_empty());
        files().find(|f| session_id_in_key(&f.filename).is_some()).or_else(|| files().next())
    }

    fn recorded(&self, store: &RecordingStore, file: &FileInfo) -> Result<EgressOutcome, LiveKitError> {
        let input = store.input_for(&file.filename)?;
        Ok(EgressOutcome::Recorded {
            session_id: self.session_id(&file.filename)?,
            input_uri: input.to_string(),
            input,
            egress_id: self.egress_id.clone(),
            duration_ns: file.duration_ns,
            limit_reached: self.status == EgressStatus::LimitReached,
        })
    }

    fn failed(&self) -> EgressOutcome {
        let reason = match self.error.trim() {
            "" => format!("LiveKit reported {} without an error message", self.status),
            error => error.to_string(),
        };
        EgressOutcome::Failed { egress_id: self.egress_id.clone(), status: self.status.clone(), reason }
    }

    /// The session id in the key (`sessions/<id>/<file>`), else the room name.
    fn session_id(&self, filename: &str) -> Result<SessionId, LiveKitError> {
        let invalid = |why: String| LiveKitError::InvalidSessionId { egress_id: shown(&self.egress_id, 64), why };
        if let Some(id) = session_id_in_key(filename) {
            return SessionId::new(id).map_err(|e| invalid(format!("from the file key: {e}")));
        }
        if self.room_name.is_empty() {
            return Err(invalid("the file key has no sessions/<id>/ segment and the room has no name".into()));
        }
        SessionId::new(self.room_name.as_str()).map_err(|e| invalid(format!("from the room name: {e}")))
    }
}

impl WebhookEvent {
    /// For an `egress_ended` event, what it gives the pipeline ([`EgressInfo::outcome`]);
    /// `None` for every other event.
    pub fn egress_outcome(&self, store: &RecordingStore) -> Option<Result<EgressOutcome, LiveKitError>> {
        match (&self.kind, &self.egress) {
            (EventKind::EgressEnded, Some(egress)) => Some(egress.outcome(store)),
            (EventKind::EgressEnded, None) => Some(Err(LiveKitError::malformed(
                "egressInfo",
                "missing; an egress_ended event carries the egress it reports",
            ))),
            _ => None,
        }
    }
}

/// `<id>` from a key with a `sessions/<id>/<file…>` run of segments (a prefix before it is fine).
fn session_id_in_key(key: &str) -> Option<&str> {
    layout::in_session_folder(key).map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_in_keys() {
        assert_eq!(session_id_in_key("sessions/abc/recording.mp4"), Some("abc"));
        assert_eq!(session_id_in_key("tenant-a/sessions/abc/recording.mp4"), Some("abc"));
        assert_eq!(session_id_in_key("sessions/abc/tracks/cam.mp4"), Some("abc"));
        assert_eq!(session_id_in_key("sessions/abc"), None);
        assert_eq!(session_id_in_key("sessions//x.mp4"), None);
        assert_eq!(session_id_in_key("recordings/abc.mp4"), None);
    }

    #[test]
    fn local_paths_stay_under_the_folder() {
        let store = RecordingStore::local("/recordings");
        let input = |f: &str| store.input_for(f);
        assert_eq!(
            input("sessions/a/recording.mp4").ok(),
            Some(RecordingInput::Local { path: "/recordings/sessions/a/recording.mp4".into() })
        );
        assert_eq!(
            input("/recordings/sessions/a/recording.mp4").ok(),
            Some(RecordingInput::Local { path: "/recordings/sessions/a/recording.mp4".into() })
        );
        assert_eq!(
            input("/out/sessions/a/recording.mp4").ok(),
            Some(RecordingInput::Local { path: "/recordings/out/sessions/a/recording.mp4".into() })
        );
        assert!(matches!(input("../etc/passwd"), Err(LiveKitError::InvalidRecordingFile { .. })));
        assert!(matches!(input("/"), Err(LiveKitError::InvalidRecordingFile { .. })));
    }

    #[test]
    fn s3_keys_and_buckets() {
        let store = RecordingStore::s3("arn:aws:s3:::recordings").expect("an ARN");
        assert_eq!(store, RecordingStore::S3 { bucket: "recordings".into() });
        assert_eq!(
            store.input_for("sessions/a/recording.mp4").ok(),
            Some(RecordingInput::S3 { bucket: "recordings".into(), key: "sessions/a/recording.mp4".into() })
        );
        assert!(matches!(store.input_for("sessions/a/"), Err(LiveKitError::InvalidRecordingFile { .. })));
        assert!(matches!(RecordingStore::s3("Not_A_Bucket"), Err(LiveKitError::Config(_))));
    }
}
