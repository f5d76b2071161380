//! `livekit.WebhookEvent` and the room, participant and track it may carry, read tolerantly
//! (see the module docs of [`super`]).

use serde_json::Value;

use super::egress_info::EgressInfo;
use super::error::LiveKitError;
use super::proto_json::{ProtoObject, proto_enum};

/// Longest `event` name kept as [`EventKind::Other`]; LiveKit's are under 40 characters.
const MAX_EVENT_NAME: usize = 128;

/// Which event a webhook reports (its `event` field).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    RoomStarted,
    RoomFinished,
    ParticipantJoined,
    ParticipantLeft,
    TrackPublished,
    TrackUnpublished,
    EgressStarted,
    EgressUpdated,
    EgressEnded,
    /// Any other event (ingress, agents, newer servers), by its name.
    Other(String),
}

impl EventKind {
    const KNOWN: [(&'static str, EventKind); 9] = [
        ("room_started", EventKind::RoomStarted),
        ("room_finished", EventKind::RoomFinished),
        ("participant_joined", EventKind::ParticipantJoined),
        ("participant_left", EventKind::ParticipantLeft),
        ("track_published", EventKind::TrackPublished),
        ("track_unpublished", EventKind::TrackUnpublished),
        ("egress_started", EventKind::EgressStarted),
        ("egress_updated", EventKind::EgressUpdated),
        ("egress_ended", EventKind::EgressEnded),
    ];

    /// The kind for an `event` name.
    pub fn from_name(name: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, kind)| kind.clone())
            .unwrap_or_else(|| EventKind::Other(name.to_string()))
    }

    /// The name as LiveKit sends it (`egress_ended`).
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Other(name) => name,
            known => Self::KNOWN.iter().find(|(_, kind)| kind == known).map(|(name, _)| *name).unwrap_or_default(),
        }
    }
}

/// One of LiveKit's event names above, or any other as sent (`WebhookEventKind` in the bindings).
impl schemars::JsonSchema for EventKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WebhookEventKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let known: Vec<&str> = Self::KNOWN.iter().map(|(name, _)| *name).collect();
        crate::proto_json::open_names_schema(&known)
    }
}

/// As its name (`"egress_ended"`), known or not.
impl serde::Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified (or parsed) LiveKit webhook.
///
/// LiveKit retries failed deliveries with the same body and [`WebhookEvent::id`], so handlers
/// must be idempotent on `id`. Order holds per resource only: `egress_ended` may arrive after
/// `room_finished`.
///
/// Serialised (for the bindings) with snake_case names and units in the names, `kind` as the
/// event name, enums as their proto names, and `raw` as received.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct WebhookEvent {
    /// `EV_…`: the same on every retry of one event.
    pub id: String,
    pub kind: EventKind,
    /// Unix seconds.
    pub created_at_s: i64,
    pub room: Option<Room>,
    /// Set for `participant_*` and `track_*` events.
    pub participant: Option<Participant>,
    /// Set for `track_*` events.
    pub track: Option<Track>,
    /// Set for `egress_*` events.
    pub egress: Option<EgressInfo>,
    /// The whole body as JSON, for fields this type does not model — without the secrets
    /// livekit-server puts in it (the room's `turnPassword`), so that it can be logged or stored.
    pub raw: Value,
}

impl WebhookEvent {
    /// Parses a webhook body **without** checking its signature: use
    /// [`super::WebhookVerifier::verify`] for anything that came over the network.
    pub fn from_json(body: &[u8]) -> Result<Self, LiveKitError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|e| LiveKitError::malformed("(body)", format!("not JSON ({e}); LiveKit sends protobuf JSON")))?;
        Self::from_value(raw)
    }

    /// Reads an already-parsed body.
    pub fn from_value(raw: Value) -> Result<Self, LiveKitError> {
        let obj = ProtoObject::root(&raw)?;
        let event = obj.string("event")?;
        if event.is_empty() {
            return Err(LiveKitError::malformed("event", "missing or empty; every LiveKit webhook names its event"));
        }
        if event.len() > MAX_EVENT_NAME {
            return Err(LiveKitError::malformed(
                "event",
                format!("is {} bytes long; not a LiveKit event name", event.len()),
            ));
        }
        let event = WebhookEvent {
            id: obj.string("id")?,
            kind: EventKind::from_name(&event),
            created_at_s: obj.int("createdAt")?,
            room: obj.object("room")?.map(|o| Room::read(&o)).transpose()?,
            participant: obj.object("participant")?.map(|o| Participant::read(&o)).transpose()?,
            track: obj.object("track")?.map(|o| Track::read(&o)).transpose()?,
            egress: obj.object("egressInfo")?.map(|o| EgressInfo::read(&o)).transpose()?,
            raw: Value::Null,
        };
        let mut raw = raw;
        drop_secrets(&mut raw);
        Ok(WebhookEvent { raw, ..event })
    }
}

/// Fields of LiveKit's messages that are credentials, not data.
const SECRET_FIELDS: [&str; 2] = ["turnPassword", "turn_password"];

/// Removes [`SECRET_FIELDS`] wherever they occur in `value`.
fn drop_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !SECRET_FIELDS.contains(&key.as_str()));
            map.values_mut().for_each(drop_secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_secrets),
        _ => {}
    }
}

/// A room (`livekit.Room`): the fields Session Monitor uses.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "LiveKitRoom")]
pub struct Room {
    /// `RM_…`.
    pub sid: String,
    pub name: String,
    pub metadata: String,
    /// Unix seconds.
    pub creation_time_s: i64,
    pub num_participants: i64,
    pub active_recording: bool,
}

impl Room {
    fn read(obj: &ProtoObject<'_>) -> Result<Self, LiveKitError> {
        Ok(Room {
            sid: obj.string("sid")?,
            name: obj.string("name")?,
            metadata: obj.string("metadata")?,
            creation_time_s: obj.int("creationTime")?,
            num_participants: obj.int("numParticipants")?,
            active_recording: obj.bool("activeRecording")?,
        })
    }
}

proto_enum! {
    /// A participant's connection state (`livekit.ParticipantInfo.State`).
    ParticipantState {
        Joining = "JOINING",
        Joined = "JOINED",
        Active = "ACTIVE",
        Disconnected = "DISCONNECTED",
    }
}

// CONNECTOR (7) and BRIDGE (8) come after a gap in the numbering, so they are read as `Other`
// (by name, or by number when a server sends numbers).
proto_enum! {
    /// What kind of client a participant is (`livekit.ParticipantInfo.Kind`).
    ParticipantKind {
        Standard = "STANDARD",
        Ingress = "INGRESS",
        /// An egress recorder that joined the room to record it.
        Egress = "EGRESS",
        Sip = "SIP",
        Agent = "AGENT",
    }
}

/// A participant (`livekit.ParticipantInfo`): the fields Session Monitor uses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "LiveKitParticipant")]
pub struct Participant {
    /// `PA_…`.
    pub sid: String,
    pub identity: String,
    pub name: String,
    pub metadata: String,
    pub state: ParticipantState,
    pub kind: ParticipantKind,
    /// Unix seconds.
    pub joined_at_s: i64,
    pub is_publisher: bool,
    pub tracks: Vec<Track>,
}

impl Participant {
    /// True when this participant is an egress recorder rather than a person.
    pub fn is_recorder(&self) -> bool {
        self.kind == ParticipantKind::Egress
    }

    fn read(obj: &ProtoObject<'_>) -> Result<Self, LiveKitError> {
        Ok(Participant {
            sid: obj.string("sid")?,
            identity: obj.string("identity")?,
            name: obj.string("name")?,
            metadata: obj.string("metadata")?,
            state: ParticipantState::from_name(&obj.enum_name("state", ParticipantState::NAMES)?),
            kind: ParticipantKind::from_name(&obj.enum_name("kind", ParticipantKind::NAMES)?),
            joined_at_s: obj.int("joinedAt")?,
            is_publisher: obj.bool("isPublisher")?,
            tracks: obj.objects("tracks", Track::read)?,
        })
    }
}

proto_enum! {
    /// `livekit.TrackType`.
    TrackType {
        Audio = "AUDIO",
        Video = "VIDEO",
        Data = "DATA",
    }
}

proto_enum! {
    /// Where a track comes from (`livekit.TrackSource`).
    TrackSource {
        Unknown = "UNKNOWN",
        Camera = "CAMERA",
        Microphone = "MICROPHONE",
        ScreenShare = "SCREEN_SHARE",
        ScreenShareAudio = "SCREEN_SHARE_AUDIO",
    }
}

/// A published track (`livekit.TrackInfo`): the fields Session Monitor uses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "LiveKitTrack")]
pub struct Track {
    /// `TR_…`: what track-composite egress asks for.
    pub sid: String,
    pub kind: TrackType,
    pub name: String,
    pub source: TrackSource,
    /// e.g. `audio/opus`, `video/H264`.
    pub mime_type: String,
    pub muted: bool,
    pub width: i64,
    pub height: i64,
}

impl Track {
    fn read(obj: &ProtoObject<'_>) -> Result<Self, LiveKitError> {
        Ok(Track {
            sid: obj.string("sid")?,
            kind: TrackType::from_name(&obj.enum_name("type", TrackType::NAMES)?),
            name: obj.string("name")?,
            source: TrackSource::from_name(&obj.enum_name("source", TrackSource::NAMES)?),
            mime_type: obj.string("mimeType")?,
            muted: obj.bool("muted")?,
            width: obj.int("width")?,
            height: obj.int("height")?,
        })
    }
}
