//! # session_livekit
//!
//! LiveKit glue for Session Monitor: what a web stack needs between LiveKit and the pipeline,
//! without LiveKit's own SDK, no async runtime and no storage client. It depends only on
//! `session_layout` (session ids, recording inputs, the folder layout) so that the keys it asks
//! egress to write are the ones the pipeline reads; `session_processing` re-exports it as
//! `session_processing::livekit` behind its cargo feature `livekit` (on by default).
//!
//! - [`WebhookVerifier`] checks a webhook delivery (HS256 token, `iss`, `exp`/`nbf`, body
//!   SHA-256) and parses its [`WebhookEvent`].
//! - [`WebhookEvent`] is read tolerantly from protobuf JSON: lowerCamel names (snake_case
//!   accepted), 64-bit integers as strings or numbers, enums as names or numbers, missing fields
//!   as zero values; unknown fields and unknown enum values (a newer server) never fail an event.
//!   The whole body stays in [`WebhookEvent::raw`].
//! - [`EgressInfo::outcome`] turns an `egress_ended` into a
//!   [`SessionId`](session_layout::SessionId) and a
//!   [`RecordingInput`](session_layout::RecordingInput) to process, or the reason there is
//!   nothing to process.
//! - [`AccessToken`] mints tokens for clients and for LiveKit's server APIs.
//! - [`RecordingSource::start_request`] builds the Egress API call that records a session into
//!   `sessions/<sessionId>/recording.mp4` on S3 — one participant into
//!   `sessions/<sessionId>/participants/<identity>/recording.mp4`, and one who left and joined
//!   again into `…/participants/<identity>/part-<n>/recording.mp4`
//!   ([`RecordingSource::start_part_request`]) — (MP4, Opus audio, a key frame every 2 s).
//! - [`sign_webhook`] signs a body as livekit-server does, to test a webhook endpoint.
//! - [`WebhookVerifier::receive`] does both steps for a web handler: the verified event and its
//!   egress outcome as one serialisable [`WebhookDelivery`] (what the bindings return).
//!
//! Webhooks are retried with the same `id` (handle them idempotently), and `egress_ended` may
//! arrive after `room_finished`.
//!
//! ```
//! use session_livekit::{EgressOutcome, RecordingStore, WebhookVerifier};
//! # use session_livekit::sign_webhook;
//!
//! let verifier = WebhookVerifier::new("APIkey", "a-long-api-secret")?;
//! let store = RecordingStore::s3("arn:aws:s3:::recordings")?;
//! let body = br#"{"event":"egress_ended","id":"EV_1","createdAt":"1700000000",
//!   "egressInfo":{"egressId":"EG_1","roomName":"demo","status":"EGRESS_COMPLETE",
//!   "fileResults":[{"filename":"sessions/s-42/recording.mp4","size":"1024"}]}}"#;
//! # let authorization = sign_webhook("APIkey", "a-long-api-secret", body, time::OffsetDateTime::now_utc())?;
//! let event = verifier.verify_now(body, Some(&authorization), Some("application/webhook+json"))?;
//! match event.egress_outcome(&store) {
//!     Some(Ok(EgressOutcome::Recorded { session_id, input, .. })) => {
//!         // Hand these to SessionProcessor::process (idempotently: LiveKit may deliver twice).
//!         assert_eq!(session_id.as_str(), "s-42");
//!         assert_eq!(input.to_string(), "s3://recordings/sessions/s-42/recording.mp4");
//!     }
//!     Some(Ok(EgressOutcome::Failed { reason, .. })) => eprintln!("the recording failed: {reason}"),
//!     Some(Err(nothing_to_process)) => eprintln!("{nothing_to_process}"),
//!     None => {} // not an egress_ended
//! }
//! # Ok::<(), session_livekit::LiveKitError>(())
//! ```

mod access_token;
mod egress_info;
mod egress_outcome;
mod egress_request;
mod error;
mod jwt;
mod proto_json;
mod webhook_delivery;
mod webhook_event;
mod webhook_signer;
mod webhook_verifier;

pub use access_token::{AccessToken, VideoGrants};
pub use egress_info::{EgressInfo, EgressStatus, FileInfo};
pub use egress_outcome::{EgressOutcome, RecordingStore};
pub use egress_request::{
    EgressRequest, KEY_FRAME_INTERVAL_S, LiveKitApi, RecordingSource, S3Upload, participant_part_recording_key,
    participant_recording_key, recording_key,
};
pub use error::LiveKitError;
pub use webhook_delivery::{DeliveredOutcome, Unprocessable, UnprocessableOutcome, WebhookDelivery};
pub use webhook_event::{
    EventKind, Participant, ParticipantKind, ParticipantState, Room, Track, TrackSource, TrackType, WebhookEvent,
};
pub use webhook_signer::{WEBHOOK_TOKEN_TTL, sign_webhook};
pub use webhook_verifier::{WEBHOOK_CONTENT_TYPE, WebhookVerifier};
