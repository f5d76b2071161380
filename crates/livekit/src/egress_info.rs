//! `EgressInfo`, as `egress_started`, `egress_updated` and `egress_ended` carry it.

use super::error::LiveKitError;
use super::proto_json::{ProtoObject, proto_enum};

proto_enum! {
    /// Where an egress is in its life (`livekit.EgressStatus`).
    EgressStatus {
        /// Accepted, not yet recording (the zero value: omitted from JSON).
        Starting = "EGRESS_STARTING",
        /// Recording.
        Active = "EGRESS_ACTIVE",
        /// Stopping and uploading.
        Ending = "EGRESS_ENDING",
        /// Ended normally; files are uploaded.
        Complete = "EGRESS_COMPLETE",
        /// Ended with an error (`error` says which).
        Failed = "EGRESS_FAILED",
        /// Stopped before it started recording.
        Aborted = "EGRESS_ABORTED",
        /// Stopped by a time or size limit; the file up to the limit is uploaded.
        LimitReached = "EGRESS_LIMIT_REACHED",
    }
}

impl EgressStatus {
    /// True for the statuses an egress ends in (complete, failed, aborted, limit reached).
    pub fn is_ended(&self) -> bool {
        matches!(
            self,
            EgressStatus::Complete | EgressStatus::Failed | EgressStatus::Aborted | EgressStatus::LimitReached
        )
    }
}

/// One file an egress wrote (`livekit.FileInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "EgressFile")]
pub struct FileInfo {
    /// The storage path: the object key in a bucket (`sessions/<id>/recording.mp4`), or the path
    /// of a file egress kept locally.
    pub filename: String,
    /// Where it was uploaded, as egress reports it. For S3 egress builds it from the raw
    /// endpoint, so derive bucket and key from [`FileInfo::filename`] and your settings instead.
    pub location: String,
    /// Recorded length in nanoseconds (0 when unknown).
    pub duration_ns: i64,
    /// Size in bytes (0 when unknown).
    pub size_bytes: i64,
    /// Unix nanoseconds; 0 when unknown.
    pub started_at_ns: i64,
    /// Unix nanoseconds; 0 when unknown.
    pub ended_at_ns: i64,
}

/// An egress (recording) and how it went (`livekit.EgressInfo`): the fields Session Monitor
/// uses. Everything else stays in [`super::WebhookEvent::raw`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "LiveKitEgress")]
pub struct EgressInfo {
    /// `EG_…`; empty in the `egress_ended` the server itself sends when an automatic egress
    /// could not start.
    pub egress_id: String,
    /// `RM_…`.
    pub room_id: String,
    pub room_name: String,
    pub status: EgressStatus,
    /// LiveKit's reason when the egress failed, aborted or hit a limit; empty otherwise.
    pub error: String,
    /// LiveKit's numeric error code (HTTP-like); 0 when none.
    pub error_code: i64,
    /// Unix nanoseconds; 0 when not started.
    pub started_at_ns: i64,
    /// Unix nanoseconds; 0 while running.
    pub ended_at_ns: i64,
    /// Unix nanoseconds of the last update.
    pub updated_at_ns: i64,
    /// The files written. The deprecated single `file` of older servers is listed here when
    /// `fileResults` is absent.
    pub file_results: Vec<FileInfo>,
}

impl EgressInfo {
    pub(crate) fn read(obj: &ProtoObject<'_>) -> Result<Self, LiveKitError> {
        let mut file_results = obj.objects("fileResults", FileInfo::read)?;
        if file_results.is_empty()
            && let Some(file) = obj.object("file")?
        {
            file_results.push(FileInfo::read(&file)?);
        }
        Ok(EgressInfo {
            egress_id: obj.string("egressId")?,
            room_id: obj.string("roomId")?,
            room_name: obj.string("roomName")?,
            status: EgressStatus::from_name(&obj.enum_name("status", EgressStatus::NAMES)?),
            error: obj.string("error")?,
            error_code: obj.int("errorCode")?,
            started_at_ns: obj.int("startedAt")?,
            ended_at_ns: obj.int("endedAt")?,
            updated_at_ns: obj.int("updatedAt")?,
            file_results,
        })
    }
}

impl FileInfo {
    fn read(obj: &ProtoObject<'_>) -> Result<Self, LiveKitError> {
        Ok(FileInfo {
            filename: obj.string("filename")?,
            location: obj.string("location")?,
            duration_ns: obj.int("duration")?,
            size_bytes: obj.int("size")?,
            started_at_ns: obj.int("startedAt")?,
            ended_at_ns: obj.int("endedAt")?,
        })
    }
}
