//! The LiveKit server API calls the platform makes (Twirp over HTTP): create and delete a room,
//! start and stop a participant's egress. Requests are built by `session_processing::livekit`
//! (egress) or here (room service); sent with ureq off the async threads, with bounded timeouts.

use std::time::Duration;

use serde_json::{Value, json};
use session_processing::SessionId;
use session_processing::livekit::{AccessToken, LiveKitApi, RecordingSource, S3Upload, VideoGrants};

use crate::config::LiveKitSettings;
use crate::error::ServerError;

/// How long one call may take, connection included.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Rooms close this long after the last participant leaves.
const ROOM_EMPTY_TIMEOUT_S: u32 = 300;

#[derive(Clone)]
pub struct LiveKitCalls {
    settings: LiveKitSettings,
    api: LiveKitApi,
    http: ureq::Agent,
}

impl LiveKitCalls {
    pub fn new(settings: &LiveKitSettings) -> Result<Self, ServerError> {
        let http = ureq::Agent::config_builder()
            .timeout_global(Some(CALL_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(LiveKitCalls { settings: settings.clone(), api: settings.api()?, http })
    }

    /// The URL clients connect to (`ws://…` / `wss://…`), as configured.
    pub fn client_url(&self) -> &str {
        &self.settings.url
    }

    /// A token for `identity` to join `room` and publish camera and microphone.
    pub fn participant_token(&self, room: &str, identity: &str, ttl: Duration) -> Result<String, ServerError> {
        AccessToken::new(self.settings.api_key.as_str(), self.settings.api_secret.as_str())
            .with_identity(identity)
            .with_name(identity)
            .with_ttl(ttl)
            .with_grants(VideoGrants {
                room_join: true,
                room: room.to_string(),
                can_publish: Some(true),
                can_subscribe: Some(true),
                can_publish_sources: vec!["camera".into(), "microphone".into()],
                ..Default::default()
            })
            .to_jwt()
            .map_err(ServerError::config)
    }

    pub async fn create_room(&self, room: &str) -> Result<(), ServerError> {
        let body = json!({ "name": room, "emptyTimeout": ROOM_EMPTY_TIMEOUT_S });
        self.room_service("CreateRoom", body).await.map(drop)
    }

    /// Deletes the room; one that is already gone is fine.
    pub async fn delete_room(&self, room: &str) -> Result<(), ServerError> {
        match self.room_service("DeleteRoom", json!({ "room": room })).await {
            Err(ServerError::LiveKit { reason, .. }) if reason.contains("not_found") => Ok(()),
            other => other.map(drop),
        }
    }

    /// Starts recording `identity`'s `part`-th recording (they left and joined again) into
    /// `sessions/<session>/participants/<identity>/[part-<n>/]` on `upload`; returns the egress id.
    pub async fn start_participant_egress(
        &self,
        session: &SessionId,
        room: &str,
        identity: &str,
        part: u32,
        upload: &S3Upload,
    ) -> Result<String, ServerError> {
        let source = RecordingSource::Participant { room_name: room.into(), identity: identity.into() };
        let request = source.start_part_request(&self.api, upload, session, part).map_err(ServerError::config)?;
        let answer = self.send("StartParticipantEgress", request.url, request.authorization, request.body).await?;
        let id = answer.get("egress_id").or_else(|| answer.get("egressId")).and_then(Value::as_str).unwrap_or("");
        if id.is_empty() {
            return Err(ServerError::LiveKit {
                call: "StartParticipantEgress",
                reason: "the answer has no egress id".into(),
            });
        }
        Ok(id.to_string())
    }

    /// Stops an egress; one that already ended is fine.
    pub async fn stop_egress(&self, egress_id: &str) -> Result<(), ServerError> {
        let token = self.server_token(VideoGrants { room_record: true, ..Default::default() })?;
        let url = format!("{}/twirp/livekit.Egress/StopEgress", self.api.base_url());
        match self.send("StopEgress", url, format!("Bearer {token}"), json!({ "egressId": egress_id })).await {
            Err(ServerError::LiveKit { reason, .. })
                if reason.contains("failed_precondition") || reason.contains("not_found") =>
            {
                Ok(())
            }
            other => other.map(drop),
        }
    }

    /// LiveKit's status of an egress (`EGRESS_STARTING`, `EGRESS_ACTIVE`, …); `None` when
    /// LiveKit does not know it.
    pub async fn egress_status(&self, egress_id: &str) -> Result<Option<String>, ServerError> {
        Ok(self.egress_info(egress_id).await?.and_then(|info| info["status"].as_str().map(str::to_string)))
    }

    /// LiveKit's `EgressInfo` of an egress (`ListEgress`), as a webhook carries it; `None` when
    /// LiveKit does not know it.
    pub async fn egress_info(&self, egress_id: &str) -> Result<Option<Value>, ServerError> {
        let token = self.server_token(VideoGrants { room_record: true, ..Default::default() })?;
        let url = format!("{}/twirp/livekit.Egress/ListEgress", self.api.base_url());
        let listed = self.send("ListEgress", url, format!("Bearer {token}"), json!({ "egressId": egress_id })).await?;
        Ok(listed["items"].as_array().and_then(|items| items.first()).cloned())
    }

    /// A token for the platform's hidden participant in `room`: it subscribes, never publishes,
    /// and nobody in the room sees it.
    pub fn monitor_token(&self, room: &str, identity: &str, ttl: Duration) -> Result<String, ServerError> {
        AccessToken::new(self.settings.api_key.as_str(), self.settings.api_secret.as_str())
            .with_identity(identity)
            .with_ttl(ttl)
            .with_grants(VideoGrants {
                room_join: true,
                room: room.to_string(),
                can_publish: Some(false),
                can_subscribe: Some(true),
                hidden: true,
                ..Default::default()
            })
            .to_jwt()
            .map_err(ServerError::config)
    }

    async fn room_service(&self, method: &'static str, body: Value) -> Result<Value, ServerError> {
        let token = self.server_token(VideoGrants { room_create: true, ..Default::default() })?;
        let url = format!("{}/twirp/livekit.RoomService/{method}", self.api.base_url());
        self.send(method, url, format!("Bearer {token}"), body).await
    }

    fn server_token(&self, grants: VideoGrants) -> Result<String, ServerError> {
        AccessToken::new(self.settings.api_key.as_str(), self.settings.api_secret.as_str())
            .with_ttl(Duration::from_secs(600))
            .with_grants(grants)
            .to_jwt()
            .map_err(ServerError::config)
    }

    /// POSTs a Twirp call; a non-2xx answer becomes an error with Twirp's code and message.
    async fn send(
        &self,
        call: &'static str,
        url: String,
        authorization: String,
        body: Value,
    ) -> Result<Value, ServerError> {
        let http = self.http.clone();
        let failed = |reason: String| ServerError::LiveKit { call, reason };
        let answer = tokio::task::spawn_blocking(move || {
            let mut response = http
                .post(&url)
                .header("Authorization", &authorization)
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .map_err(|e| format!("cannot reach LiveKit: {e}"))?;
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().map_err(|e| format!("unreadable answer: {e}"))?;
            Ok::<_, String>((status, text))
        })
        .await
        .map_err(|e| failed(format!("the call did not finish: {e}")))?
        .map_err(failed)?;
        let (status, text) = answer;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(json);
        }
        let code = json.get("code").and_then(Value::as_str).unwrap_or("unknown");
        let message = json.get("msg").and_then(Value::as_str).unwrap_or("");
        Err(failed(format!("HTTP {status} {code}: {}", message.chars().take(300).collect::<String>())))
    }
}
