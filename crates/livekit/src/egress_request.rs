//! Requests that start a recording: the Twirp path, the protobuf-JSON body and the
//! `Authorization` header for LiveKit's Egress API. No HTTP client here: send them with yours.

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use session_layout::{SessionId, bucket_name, layout};

use super::access_token::{AccessToken, VideoGrants};
use super::error::{LiveKitError, require_key_pair};

/// Key-frame interval requested from egress, in seconds. File egress otherwise leaves x264 at
/// 10 s, which makes seeking (and our key-frame sampling) coarse.
pub const KEY_FRAME_INTERVAL_S: f64 = 2.0;

/// How long the token on an Egress API request is valid.
const API_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);

/// A LiveKit server's API: its URL and an API key pair allowed to record.
#[derive(Clone)]
pub struct LiveKitApi {
    base_url: String,
    api_key: String,
    api_secret: String,
}

impl LiveKitApi {
    /// `url` is `LIVEKIT_URL` as clients use it (`wss://…`, `ws://…`) or its HTTP form.
    pub fn new(url: &str, api_key: impl Into<String>, api_secret: impl Into<String>) -> Result<Self, LiveKitError> {
        let (api_key, api_secret) = (api_key.into(), api_secret.into());
        require_key_pair("the LiveKit API", &api_key, &api_secret)?;
        Ok(LiveKitApi { base_url: http_base_url(url)?, api_key, api_secret })
    }

    /// The HTTP(S) base URL the API is reached at (`https://example.livekit.cloud`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn request(&self, method: &str, body: Value, now: OffsetDateTime) -> Result<EgressRequest, LiveKitError> {
        let token = AccessToken::new(self.api_key.as_str(), self.api_secret.as_str())
            .with_ttl(API_TOKEN_TTL)
            .with_grants(VideoGrants { room_record: true, ..Default::default() })
            .to_jwt_at(now)?;
        let path = format!("/twirp/livekit.Egress/{method}");
        Ok(EgressRequest {
            url: format!("{}{path}", self.base_url),
            path,
            body,
            authorization: format!("Bearer {token}"),
        })
    }
}

impl fmt::Debug for LiveKitApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitApi")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .finish()
    }
}

/// `wss://host` → `https://host`, `ws://host` → `http://host`; http(s) kept; no trailing `/`.
fn http_base_url(url: &str) -> Result<String, LiveKitError> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        LiveKitError::Config(format!(
            "LIVEKIT_URL {url:?} has no scheme; expected wss://host, ws://host or https://host"
        ))
    })?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "wss" | "https" => "https",
        "ws" | "http" => "http",
        other => {
            return Err(LiveKitError::Config(format!(
                "LIVEKIT_URL has scheme {other:?}; expected wss, ws, https or http"
            )));
        }
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(LiveKitError::Config(format!("LIVEKIT_URL {url:?} names no host")));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// S3 settings egress uploads with (`livekit.S3Upload`). Its `Debug` hides the credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Upload {
    pub access_key: String,
    pub secret: String,
    /// For temporary credentials; empty when none.
    pub session_token: String,
    pub region: String,
    /// For S3-compatible servers (MinIO, R2); empty for AWS.
    pub endpoint: String,
    /// A bucket name, or an ARN (`arn:aws:s3:::bucket`), which is sent as the name.
    pub bucket: String,
    pub force_path_style: bool,
}

impl S3Upload {
    fn to_json(&self) -> Result<Value, LiveKitError> {
        let bucket = bucket_name(&self.bucket).map_err(|e| LiveKitError::Config(e.to_string()))?;
        let mut s3 = serde_json::Map::new();
        for (name, value) in [
            ("accessKey", &self.access_key),
            ("secret", &self.secret),
            ("sessionToken", &self.session_token),
            ("region", &self.region),
            ("endpoint", &self.endpoint),
        ] {
            if !value.is_empty() {
                s3.insert(name.into(), value.clone().into());
            }
        }
        s3.insert("bucket".into(), bucket.into());
        if self.force_path_style {
            s3.insert("forcePathStyle".into(), true.into());
        }
        Ok(Value::Object(s3))
    }
}

impl fmt::Debug for S3Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &str| if value.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("S3Upload")
            .field("access_key", &hidden(&self.access_key))
            .field("secret", &hidden(&self.secret))
            .field("session_token", &hidden(&self.session_token))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("force_path_style", &self.force_path_style)
            .finish()
    }
}

/// What to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordingSource {
    /// The whole room through a web layout (`StartRoomCompositeEgress`; egress needs Chrome).
    RoomComposite {
        room_name: String,
        /// `speaker`, `grid`, …; empty for LiveKit's default.
        layout: String,
    },
    /// One participant's camera and microphone (`StartParticipantEgress`; no Chrome).
    Participant { room_name: String, identity: String },
    /// One audio and one video track (`StartTrackCompositeEgress`; no Chrome). Either id may be
    /// empty for an audio-only or video-only file.
    TrackComposite { room_name: String, audio_track_id: String, video_track_id: String },
}

/// A ready-to-send Egress API call: `POST url` with `Authorization: authorization`,
/// `Content-Type: application/json` and `body`. Its `Debug` hides the token and credentials.
#[derive(Clone, PartialEq)]
pub struct EgressRequest {
    /// `https://host/twirp/livekit.Egress/<Method>`.
    pub url: String,
    /// `/twirp/livekit.Egress/<Method>`.
    pub path: String,
    /// The request in protobuf JSON.
    pub body: Value,
    /// `Bearer <token with the roomRecord grant>`.
    pub authorization: String,
}

impl fmt::Debug for EgressRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EgressRequest")
            .field("url", &self.url)
            .field("body", &redacted(&self.body))
            .field("authorization", &"Bearer <redacted>")
            .finish_non_exhaustive()
    }
}

/// `body` with every credential field replaced.
fn redacted(body: &Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match k.as_str() {
                    "accessKey" | "secret" | "sessionToken" => (k.clone(), Value::from("<redacted>")),
                    _ => (k.clone(), redacted(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

impl RecordingSource {
    /// The request that records this source into `s3` as an MP4 at
    /// `sessions/<sessionId>/recording.mp4` — for one participant's egress at
    /// `sessions/<sessionId>/participants/<identity>/recording.mp4`, so that the egresses of a 1:1
    /// session never write the same object — with Opus audio (egress encodes AAC only with faac,
    /// which Debian lacks) and a key frame every [`KEY_FRAME_INTERVAL_S`] seconds.
    pub fn start_request(
        &self,
        api: &LiveKitApi,
        s3: &S3Upload,
        session_id: &SessionId,
    ) -> Result<EgressRequest, LiveKitError> {
        self.start_request_at(api, s3, session_id, OffsetDateTime::now_utc())
    }

    /// [`RecordingSource::start_request`] for a participant's `part`-th recording (one who left
    /// and joined again): `sessions/<sessionId>/participants/<identity>/part-<part>/recording.mp4`
    /// from the second on, so a rejoin never overwrites what was recorded before it. Only a
    /// participant is recorded in parts.
    pub fn start_part_request(
        &self,
        api: &LiveKitApi,
        s3: &S3Upload,
        session_id: &SessionId,
        part: u32,
    ) -> Result<EgressRequest, LiveKitError> {
        let RecordingSource::Participant { identity, .. } = self else {
            return Err(LiveKitError::Config("only a participant's egress records in parts".into()));
        };
        let filepath = participant_part_recording_key(session_id, identity, part)?;
        self.request_to(api, s3, filepath, OffsetDateTime::now_utc())
    }

    /// [`RecordingSource::start_request`] with the token issued at `now`.
    pub fn start_request_at(
        &self,
        api: &LiveKitApi,
        s3: &S3Upload,
        session_id: &SessionId,
        now: OffsetDateTime,
    ) -> Result<EgressRequest, LiveKitError> {
        let filepath = match self {
            RecordingSource::Participant { identity, .. } => participant_recording_key(session_id, identity)?,
            _ => recording_key(session_id),
        };
        self.request_to(api, s3, filepath, now)
    }

    /// The request that records this source into `filepath` on `s3`.
    fn request_to(
        &self,
        api: &LiveKitApi,
        s3: &S3Upload,
        filepath: String,
        now: OffsetDateTime,
    ) -> Result<EgressRequest, LiveKitError> {
        let file_outputs = json!([{ "fileType": "MP4", "filepath": filepath, "s3": s3.to_json()? }]);
        let advanced = json!({ "audioCodec": "OPUS", "keyFrameInterval": KEY_FRAME_INTERVAL_S });
        let (method, mut body) = match self {
            RecordingSource::RoomComposite { room_name, layout } => {
                let mut body = json!({ "roomName": non_empty("room_name", room_name)? });
                if !layout.is_empty() {
                    body["layout"] = layout.as_str().into();
                }
                ("StartRoomCompositeEgress", body)
            }
            RecordingSource::Participant { room_name, identity } => (
                "StartParticipantEgress",
                json!({ "roomName": non_empty("room_name", room_name)?, "identity": non_empty("identity", identity)? }),
            ),
            RecordingSource::TrackComposite { room_name, audio_track_id, video_track_id } => {
                if audio_track_id.is_empty() && video_track_id.is_empty() {
                    return Err(LiveKitError::Config("a track composite needs an audio or a video track id".into()));
                }
                let mut body = json!({ "roomName": non_empty("room_name", room_name)? });
                for (name, id) in [("audioTrackId", audio_track_id), ("videoTrackId", video_track_id)] {
                    if !id.is_empty() {
                        body[name] = id.as_str().into();
                    }
                }
                ("StartTrackCompositeEgress", body)
            }
        };
        body["fileOutputs"] = file_outputs;
        body["advanced"] = advanced;
        api.request(method, body, now)
    }
}

/// `sessions/<sessionId>/recording.mp4`: where the pipeline expects a session's recording.
pub fn recording_key(session_id: &SessionId) -> String {
    format!("{}/{}", layout::session_folder(session_id.as_str()), layout::recording("mp4"))
}

/// `sessions/<sessionId>/participants/<identity>/recording.mp4`: where the pipeline expects one
/// participant's recording in a session recorded per participant.
pub fn participant_recording_key(session_id: &SessionId, identity: &str) -> Result<String, LiveKitError> {
    participant_part_recording_key(session_id, identity, 1)
}

/// Where a participant's `part`-th recording goes: [`participant_recording_key`] for the first,
/// `sessions/<sessionId>/participants/<identity>/part-<part>/recording.mp4` after
/// ([`layout::participant_folder`]).
pub fn participant_part_recording_key(
    session_id: &SessionId,
    identity: &str,
    part: u32,
) -> Result<String, LiveKitError> {
    let identity = session_layout::validate_segment("participant identity", identity)
        .map_err(|e| LiveKitError::Config(e.to_string()))?;
    Ok(format!(
        "{}/{}/{}",
        layout::session_folder(session_id.as_str()),
        layout::participant_folder(&identity, part),
        layout::recording("mp4")
    ))
}

fn non_empty<'a>(what: &str, value: &'a str) -> Result<&'a str, LiveKitError> {
    if value.trim().is_empty() {
        return Err(LiveKitError::Config(format!("the egress request's {what} is empty")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn livekit_urls_become_http() {
        assert_eq!(http_base_url("wss://x.livekit.cloud").ok().as_deref(), Some("https://x.livekit.cloud"));
        assert_eq!(http_base_url("ws://127.0.0.1:7880/").ok().as_deref(), Some("http://127.0.0.1:7880"));
        assert_eq!(http_base_url("https://h").ok().as_deref(), Some("https://h"));
        assert!(http_base_url("h:7880").is_err());
        assert!(http_base_url("ftp://h").is_err());
        assert!(http_base_url("wss://").is_err());
    }
}
