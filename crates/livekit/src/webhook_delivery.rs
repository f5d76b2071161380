//! A verified delivery and what it asks of the pipeline, as one serialisable value: what the
//! Python and Node bindings hand to a web handler (`receive(body, authorization, content_type)`).

use serde::Serialize;

use super::egress_outcome::{EgressOutcome, RecordingStore};
use super::error::LiveKitError;
use super::webhook_event::WebhookEvent;
use super::webhook_verifier::WebhookVerifier;

/// What became of an `egress_ended`: a recording to process or a failed egress
/// ([`EgressOutcome`]), or why the event cannot be acted on (`EgressOutcome` in the bindings).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "EgressOutcome")]
pub enum DeliveredOutcome {
    Outcome(EgressOutcome),
    Unprocessable(UnprocessableOutcome),
}

/// A genuine `egress_ended` that cannot be acted on (no file result, no valid session id, a path
/// outside the recordings folder). Answer 2xx anyway (and log it), or LiveKit retries.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UnprocessableOutcome {
    pub outcome: Unprocessable,
    /// `livekit.no_recording_file`, `livekit.invalid_session_id`,
    /// `livekit.invalid_recording_file`, `livekit.egress_not_ended`.
    pub code: &'static str,
    pub reason: String,
}

/// The `outcome` of an egress that cannot be acted on: `"unprocessable"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unprocessable {
    Unprocessable,
}

/// A webhook that passed [`WebhookVerifier::verify`], with its egress outcome worked out.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WebhookDelivery {
    #[serde(flatten)]
    pub event: WebhookEvent,
    /// What an `egress_ended` gives the pipeline; null for every other event.
    pub egress_outcome: Option<DeliveredOutcome>,
}

impl WebhookVerifier {
    /// Verifies a delivery ([`WebhookVerifier::verify_now`]) and, for an `egress_ended`, maps the
    /// egress to what to process with `store`. A delivery that fails verification is the error;
    /// an egress that cannot be mapped is an `unprocessable` outcome, since the delivery itself
    /// was genuine (answer 2xx, or LiveKit retries it).
    pub fn receive(
        &self,
        store: &RecordingStore,
        body: &[u8],
        authorization: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<WebhookDelivery, LiveKitError> {
        let event = self.verify_now(body, authorization, content_type)?;
        let egress_outcome = event.egress_outcome(store).map(|outcome| match outcome {
            Ok(outcome) => DeliveredOutcome::Outcome(outcome),
            Err(error) => DeliveredOutcome::Unprocessable(UnprocessableOutcome {
                outcome: Unprocessable::Unprocessable,
                code: error.code(),
                reason: error.to_string(),
            }),
        });
        Ok(WebhookDelivery { event, egress_outcome })
    }
}

impl RecordingStore {
    /// `s3://bucket` (a trailing `/` or prefix is ignored: keys come from egress), a bucket ARN
    /// (`arn:aws:s3:::bucket`), or a local folder: how the bindings and environment variables
    /// name where egress writes.
    pub fn parse(location: &str) -> Result<Self, LiveKitError> {
        let location = location.trim();
        if let Some(rest) = location.strip_prefix("s3://") {
            return Self::s3(rest.split('/').next().unwrap_or_default());
        }
        if location.starts_with("arn:") {
            return Self::s3(location);
        }
        if location.is_empty() {
            return Err(LiveKitError::Config(
                "the recordings location is empty: give s3://bucket, a bucket ARN or a folder".into(),
            ));
        }
        Ok(Self::local(location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_webhook;

    fn deliver(body: &str) -> serde_json::Value {
        let verifier = WebhookVerifier::new("APIkey", "a-long-api-secret").expect("verifier");
        let authorization =
            sign_webhook("APIkey", "a-long-api-secret", body.as_bytes(), time::OffsetDateTime::now_utc())
                .expect("sign");
        let store = RecordingStore::parse("s3://recordings/").expect("store");
        let delivery = verifier
            .receive(&store, body.as_bytes(), Some(&authorization), Some("application/webhook+json"))
            .expect("genuine");
        serde_json::to_value(delivery).expect("serialisable")
    }

    #[test]
    fn an_egress_ended_delivery_says_what_to_process() {
        let json = deliver(
            r#"{"event":"egress_ended","id":"EV_1","createdAt":"1700000000","egressInfo":{"egressId":"EG_1",
            "roomName":"demo","status":"EGRESS_COMPLETE","fileResults":[{"filename":"sessions/s-42/recording.mp4",
            "duration":"61000000000"}]}}"#,
        );
        assert_eq!(json["kind"], "egress_ended");
        assert_eq!(json["id"], "EV_1");
        assert_eq!(json["egress"]["status"], "EGRESS_COMPLETE");
        let outcome = &json["egress_outcome"];
        assert_eq!(outcome["outcome"], "recorded", "{json}");
        assert_eq!(outcome["session_id"], "s-42");
        assert_eq!(outcome["input"]["kind"], "s3");
        assert_eq!(outcome["input"]["key"], "sessions/s-42/recording.mp4");
        assert_eq!(outcome["input_uri"], "s3://recordings/sessions/s-42/recording.mp4");
        assert_eq!(outcome["duration_ns"], 61_000_000_000i64);
        assert_eq!(json["raw"]["egressInfo"]["egressId"], "EG_1");
    }

    #[test]
    fn an_egress_without_a_file_is_unprocessable_and_other_events_have_no_outcome() {
        let json = deliver(
            r#"{"event":"egress_ended","id":"EV_2","egressInfo":{"egressId":"EG_2","status":"EGRESS_COMPLETE"}}"#,
        );
        assert_eq!(json["egress_outcome"]["outcome"], "unprocessable", "{json}");
        assert_eq!(json["egress_outcome"]["code"], "livekit.no_recording_file");
        let json = deliver(r#"{"event":"room_started","id":"EV_3","room":{"name":"demo"}}"#);
        assert!(json["egress_outcome"].is_null(), "{json}");
        assert_eq!(json["room"]["name"], "demo");
    }

    #[test]
    fn recording_locations() {
        let bucket = Some(RecordingStore::S3 { bucket: "rec".into() });
        assert_eq!(RecordingStore::parse("s3://rec/prefix").ok(), bucket);
        assert_eq!(RecordingStore::parse("arn:aws:s3:::rec").ok(), bucket);
        assert_eq!(RecordingStore::parse("/rec").ok(), Some(RecordingStore::local("/rec")));
        assert!(RecordingStore::parse(" ").is_err() && RecordingStore::parse("s3://").is_err());
    }
}
