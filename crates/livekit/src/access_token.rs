//! LiveKit access tokens: HS256 JWTs carrying the grants LiveKit checks.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::error::{LiveKitError, require_key_pair};
use super::jwt::sign_hs256;

/// What a token allows in rooms: LiveKit's `video` claim, with its camelCase names. Unset
/// permissions are left out of the token, so LiveKit applies its defaults (publish, subscribe and
/// publish data are allowed unless set to `false`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VideoGrants {
    /// Create and delete rooms (RoomService).
    #[serde(skip_serializing_if = "is_false")]
    pub room_create: bool,
    /// List rooms (RoomService).
    #[serde(skip_serializing_if = "is_false")]
    pub room_list: bool,
    /// Start and stop egress (the Egress API).
    #[serde(skip_serializing_if = "is_false")]
    pub room_record: bool,
    /// Administer `room`: mute, remove, update participants.
    #[serde(skip_serializing_if = "is_false")]
    pub room_admin: bool,
    /// Join `room` (needs an identity).
    #[serde(skip_serializing_if = "is_false")]
    pub room_join: bool,
    /// The room the room-scoped grants apply to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub room: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_publish: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_subscribe: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_publish_data: Option<bool>,
    /// Track sources the participant may publish (`camera`, `microphone`, `screen_share`, …);
    /// empty means any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub can_publish_sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_update_own_metadata: Option<bool>,
    /// Manage ingresses.
    #[serde(skip_serializing_if = "is_false")]
    pub ingress_admin: bool,
    /// Invisible to other participants (bots, monitors).
    #[serde(skip_serializing_if = "is_false")]
    pub hidden: bool,
    /// Marks the participant as a recorder (deprecated by LiveKit, still honoured).
    #[serde(skip_serializing_if = "is_false")]
    pub recorder: bool,
    /// May register as an agent worker.
    #[serde(skip_serializing_if = "is_false")]
    pub agent: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Builds a LiveKit access token, as LiveKit's server SDKs do: HS256, `iss` = API key, `sub` =
/// identity, `iat` and `nbf` = now, `exp` = now + ttl (6 h by default), and the grants.
///
/// ```
/// use session_livekit::{AccessToken, VideoGrants};
///
/// let jwt = AccessToken::new("APIkey", "a-long-api-secret")
///     .with_identity("user-1")
///     .with_grants(VideoGrants { room_join: true, room: "session-42".into(), ..Default::default() })
///     .to_jwt()?;
/// assert_eq!(jwt.split('.').count(), 3);
/// # Ok::<(), session_livekit::LiveKitError>(())
/// ```
#[derive(Clone)]
pub struct AccessToken {
    api_key: String,
    api_secret: String,
    identity: String,
    name: String,
    metadata: String,
    ttl: Duration,
    video: Option<VideoGrants>,
    sha256: Option<String>,
}

impl AccessToken {
    /// Tokens live this long unless [`AccessToken::with_ttl`] says otherwise (LiveKit's default).
    pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        AccessToken {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            identity: String::new(),
            name: String::new(),
            metadata: String::new(),
            ttl: Self::DEFAULT_TTL,
            video: None,
            sha256: None,
        }
    }

    /// The participant's identity (`sub`); required to join a room.
    pub fn with_identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = identity.into();
        self
    }

    /// The participant's display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Participant metadata other clients can read (often JSON).
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// How long the token is valid.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The room permissions (`video` claim).
    pub fn with_grants(mut self, grants: VideoGrants) -> Self {
        self.video = Some(grants);
        self
    }

    /// Vouches for a body: the `sha256` claim a webhook's token carries.
    pub(crate) fn with_sha256(mut self, sha256: String) -> Self {
        self.sha256 = Some(sha256);
        self
    }

    /// The signed token, valid from now.
    pub fn to_jwt(&self) -> Result<String, LiveKitError> {
        self.to_jwt_at(OffsetDateTime::now_utc())
    }

    /// The signed token, valid from `now` (for tests and replays).
    pub fn to_jwt_at(&self, now: OffsetDateTime) -> Result<String, LiveKitError> {
        Ok(sign_hs256(&self.claims(now)?, &self.api_secret))
    }

    fn claims(&self, now: OffsetDateTime) -> Result<Map<String, Value>, LiveKitError> {
        require_key_pair("an access token", &self.api_key, &self.api_secret)?;
        if let Some(video) = self.video.as_ref().filter(|v| v.room_join)
            && (self.identity.is_empty() || video.room.is_empty())
        {
            return Err(LiveKitError::Config("a token that joins a room needs an identity and a room".into()));
        }
        let ttl_s = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        if ttl_s == 0 {
            return Err(LiveKitError::Config("the token's ttl must be at least one second".into()));
        }
        let now_s = now.unix_timestamp();
        let mut claims = Map::new();
        let mut put = |name: &str, value: Value| claims.insert(name.to_string(), value);
        put("iss", self.api_key.clone().into());
        if !self.identity.is_empty() {
            put("sub", self.identity.clone().into());
        }
        put("iat", now_s.into());
        put("nbf", now_s.into());
        put("exp", now_s.saturating_add(ttl_s).into());
        for (name, value) in [("name", &self.name), ("metadata", &self.metadata)] {
            if !value.is_empty() {
                put(name, value.clone().into());
            }
        }
        if let Some(video) = &self.video {
            let video = serde_json::to_value(video).map_err(|e| LiveKitError::Config(format!("video grants: {e}")))?;
            put("video", video);
        }
        if let Some(sha256) = &self.sha256 {
            put("sha256", sha256.clone().into());
        }
        Ok(claims)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("identity", &self.identity)
            .field("name", &self.name)
            .field("ttl", &self.ttl)
            .field("video", &self.video)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::UnverifiedToken;

    const SECRET: &str = "a-secret-of-reasonable-length";

    fn decode(token: &str) -> Map<String, Value> {
        let parsed = UnverifiedToken::parse(token).expect("our own token parses");
        parsed.verify_signature(SECRET).expect("signed with the secret");
        parsed.claims
    }

    #[test]
    fn claims_follow_livekits_sdks() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid time");
        let token = AccessToken::new("APIkey", SECRET)
            .with_identity("alice")
            .with_name("Alice")
            .with_metadata(r#"{"role":"host"}"#)
            .with_grants(VideoGrants {
                room_join: true,
                room: "session-1".into(),
                can_publish: Some(true),
                can_subscribe: Some(false),
                hidden: true,
                ..Default::default()
            })
            .to_jwt_at(now)
            .expect("mints");
        let claims = decode(&token);
        assert_eq!(claims["iss"], "APIkey");
        assert_eq!(claims["sub"], "alice");
        assert_eq!(claims["name"], "Alice");
        assert_eq!(claims["metadata"], r#"{"role":"host"}"#);
        assert_eq!(claims["nbf"], 1_700_000_000i64);
        assert_eq!(claims["exp"], 1_700_000_000i64 + 6 * 3600);
        assert_eq!(
            claims["video"],
            serde_json::json!({"roomJoin": true, "room": "session-1", "canPublish": true, "canSubscribe": false, "hidden": true})
        );
        assert!(!claims.contains_key("sha256"));
    }

    #[test]
    fn ttl_and_record_grant() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid time");
        let token = AccessToken::new("k", SECRET)
            .with_ttl(Duration::from_secs(600))
            .with_grants(VideoGrants { room_record: true, ..Default::default() })
            .to_jwt_at(now)
            .expect("mints");
        let claims = decode(&token);
        assert_eq!(claims["exp"], 1_700_000_600i64);
        assert_eq!(claims["video"], serde_json::json!({"roomRecord": true}));
        assert!(!claims.contains_key("sub"), "no identity, no sub");
    }

    #[test]
    fn refuses_unusable_tokens() {
        let join = VideoGrants { room_join: true, room: "r".into(), ..Default::default() };
        assert!(AccessToken::new("k", SECRET).with_grants(join.clone()).to_jwt().is_err(), "join without identity");
        assert!(AccessToken::new("", SECRET).to_jwt().is_err());
        assert!(AccessToken::new("k", "").to_jwt().is_err());
        assert!(AccessToken::new("k", SECRET).with_ttl(Duration::ZERO).to_jwt().is_err());
        let debug = format!("{:?}", AccessToken::new("k", SECRET).with_grants(join));
        assert!(!debug.contains(SECRET), "{debug}");
    }
}
