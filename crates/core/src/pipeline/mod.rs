//! The pipeline: a [`SessionProcessor`] built once, then run for any number of sessions.
//!
//! Read downward: [`run`] checks a request and holds the session's lease, [`flow`] runs the
//! stages in order, [`recording`] holds one recording's stages, [`scores`], [`reasoning_stage`],
//! [`safety_scan`] and [`report_stage`] the session's; every stage keeps its books through
//! [`context::Run`].

mod builder;
mod context;
mod damage_issues;
mod flow;
mod media_analysis;
mod reasoning_stage;
mod recording;
mod report_stage;
mod run;
mod safety_scan;
mod scores;
mod temp_files;
mod timeline_data;

use std::sync::{Arc, OnceLock};

pub use builder::{SessionProcessorBuilder, Stages};
pub use run::{MAX_OFFSET_S, validate_offset};
use session_media::CancelFlag;
pub use timeline_data::{SessionTimeline, TimelineEvent, TimelineFlag, TimelineIssue, TrackTimeline};

use crate::storage::RecordingInput;
use crate::{ParticipantInput, ProcessingError, SessionResult};

/// Processes recorded sessions into `sessions/<id>/…`. Cheap to clone; one processor can run
/// several sessions at once.
#[derive(Clone)]
pub struct SessionProcessor {
    pub(crate) config: Arc<SessionProcessorBuilder>,
}

impl SessionProcessor {
    pub fn builder() -> SessionProcessorBuilder {
        SessionProcessorBuilder::default()
    }

    /// Processes one recording as session `session_id`. Raising `cancel` stops the run at the
    /// next buffer or stage; the manifest then says `failed` with code `cancelled`.
    pub async fn process(
        &self,
        session_id: &str,
        input: RecordingInput,
        cancel: &CancelFlag,
    ) -> Result<SessionResult, ProcessingError> {
        run::process(&self.config, session_id, input, Vec::new(), cancel).await
    }

    /// Processes a session recorded one track per participant (the 1:1 matching flow): each
    /// recording's artifacts go to `participants/<id>/`, and the session's `quality.json` and
    /// `engagement.json` summarise them and add the conversation (talk ratio, turns, overlaps,
    /// interruptions, response latency).
    pub async fn process_participants(
        &self,
        session_id: &str,
        participants: Vec<ParticipantInput>,
        cancel: &CancelFlag,
    ) -> Result<SessionResult, ProcessingError> {
        let first = participants
            .first()
            .map(|p| p.input.clone())
            .ok_or_else(|| ProcessingError::Input("a session with participants needs at least one recording".into()))?;
        run::process(&self.config, session_id, first, participants, cancel).await
    }

    /// [`SessionProcessor::process`] for callers without an async runtime: runs on the library's
    /// own tokio runtime and blocks the calling thread until the session is done.
    pub fn process_blocking(
        &self,
        session_id: &str,
        input: RecordingInput,
        cancel: &CancelFlag,
    ) -> Result<SessionResult, ProcessingError> {
        runtime()?.block_on(self.process(session_id, input, cancel))
    }
}

/// The library's shared multi-threaded runtime, for blocking callers and bindings.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, ProcessingError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("session-processing")
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ProcessingError::Internal(format!("cannot start the tokio runtime: {e}")))
}
