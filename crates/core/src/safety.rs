//! Safety in the core: the detectors' settings, and storing events as they arrive.

use std::sync::Arc;

use session_safety::nudity::DEFAULT_NUDITY_THRESHOLD;
use session_safety::{
    DEFAULT_TEXT_THRESHOLD, Lexicon, NudityDetector, SafetyError, SafetyEvent, SafetySource, SignalThresholds,
};

use crate::{ArtifactRecord, ProcessingError, SessionId, SessionProcessor, layout};

/// Thresholds and word list of the post-session safety scan.
#[derive(Clone)]
pub struct SafetySettings {
    /// Suspicious-behaviour and AI-bot detectors.
    pub signals: SignalThresholds,
    /// Flag threshold of the transcript categories (offensive, harassment, violence).
    pub text_threshold: f64,
    /// Words and phrases for offensive language and harassment.
    pub lexicon: Arc<Lexicon>,
    /// Scores sampled frames for nudity: nsfwjs's MobileNetV2 (`NudityClassifier::load` on the
    /// folder `scripts/prepare-nsfw-model` prints) or your own [`NudityDetector`]; without one
    /// nudity is reported as `null` with the reason.
    pub nudity_model: Option<Arc<dyn NudityDetector>>,
    /// Nudity flag threshold (0..1) on `porn + hentai + 0.5 × sexy`.
    pub nudity_threshold: f64,
    /// Seconds between sampled frames the nudity model scores.
    pub nudity_interval_s: f64,
    /// The session's own recording (not one per participant) carries one person, so the
    /// second-voice check runs on it too. Off by default: a room-composite recording of a 1:1
    /// holds two voices, and flagging it would accuse two people of nothing. Each participant's
    /// own track is always checked.
    pub one_person_recording: bool,
}

impl Default for SafetySettings {
    fn default() -> Self {
        SafetySettings {
            signals: SignalThresholds::default(),
            text_threshold: DEFAULT_TEXT_THRESHOLD,
            lexicon: Arc::new(Lexicon::english()),
            nudity_model: None,
            nudity_threshold: DEFAULT_NUDITY_THRESHOLD,
            nudity_interval_s: 5.0,
            one_person_recording: false,
        }
    }
}

impl std::fmt::Debug for SafetySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetySettings")
            .field("signals", &self.signals)
            .field("text_threshold", &self.text_threshold)
            .field("lexicon_entries", &self.lexicon.len())
            .field("nudity_model", &self.nudity_model.is_some())
            .field("nudity_threshold", &self.nudity_threshold)
            .field("nudity_interval_s", &self.nudity_interval_s)
            .finish()
    }
}

/// Where a stored safety event went.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct StoredSafetyEvent {
    /// The event as stored (validated; `decision` derived when it was missing).
    pub event: SafetyEvent,
    /// `safety/<name>.json` inside the session folder, with its full location and size.
    pub artifact: ArtifactRecord,
}

impl SessionProcessor {
    /// Validates a realtime safety event (for example one nsfwjs flagged in a browser) and stores
    /// it as `sessions/<session_id>/safety/<timestamp>-<category>-<hash>.json`. Sending the same
    /// event twice stores it once. Invalid events are refused with a `safety.invalid_event`
    /// error that names the field, and so is an event claiming source `post_session` (only the
    /// scan writes those) or `evidence.details` over 16 KiB.
    pub async fn record_safety_event(
        &self,
        session_id: &str,
        event: SafetyEvent,
    ) -> Result<StoredSafetyEvent, ProcessingError> {
        let id = SessionId::new(session_id)?;
        event.validate()?;
        if event.source == SafetySource::PostSession {
            // Only the scan writes post-session events: a stored one named like the scan's would
            // replace its evidence (`safety/post-session-…`) or be removed by the next scan.
            return Err(SafetyError::InvalidEvent {
                field: "source",
                value: "post_session".into(),
                expected:
                    "realtime_client or realtime_server: post_session events come from the post-session scan only"
                        .into(),
            }
            .into());
        }
        let store = self.config.open_session(&id)?;
        let name = format!("{}/{}", layout::SAFETY_DIR, event.file_name());
        let artifact = store.put_json(&name, &event).await?;
        Ok(StoredSafetyEvent { event, artifact })
    }

    /// [`SessionProcessor::record_safety_event`] for an event in JSON, as a web stack receives it.
    pub async fn record_safety_event_json(
        &self,
        session_id: &str,
        json: &str,
    ) -> Result<StoredSafetyEvent, ProcessingError> {
        let event = SafetyEvent::from_json(json)?;
        self.record_safety_event(session_id, event).await
    }
}
