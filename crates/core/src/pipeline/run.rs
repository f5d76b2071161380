//! One run of the pipeline for one session: state, stage bookkeeping and the manifest.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;
use session_media::CancelFlag;
use tracing::info;

use crate::SessionId;
use crate::pipeline::SessionProcessorBuilder;
use crate::pipeline::stages;
use crate::progress::{Progress, overall_fraction};
use crate::report::{
    Envelope, ErrorReport, Manifest, ParticipantInput, RunStatus, SCHEMA_VERSION, SessionResult, StageReport,
    StageStatus, Versions, now_rfc3339,
};
use crate::storage::{RecordingInput, SessionStore};
use crate::{LIBRARY_VERSION, ProcessingError};

/// Validates the request, runs every stage, and leaves a manifest that says how it ended.
pub(crate) async fn process(
    config: &SessionProcessorBuilder,
    session_id: &str,
    input: RecordingInput,
    participants: Vec<ParticipantInput>,
    cancel: &CancelFlag,
) -> Result<SessionResult, ProcessingError> {
    let id = SessionId::new(session_id)?;
    let mut scopes = Vec::new();
    for p in &participants {
        let participant = crate::session_id::validate_segment("participant id", &p.participant)?;
        if scopes.iter().any(|s: &stages::Scope| s.label == format!("{participant}/")) {
            return Err(ProcessingError::Input(format!("participant id \"{participant}\" appears twice")));
        }
        scopes.push(stages::Scope {
            folder: format!("{}/{participant}/", crate::layout::PARTICIPANTS_DIR),
            label: format!("{participant}/"),
            input: p.input.clone(),
            offset_s: validate_offset(&participant, p.offset_s)?,
        });
    }
    let store = SessionStore::open(&config.output, &config.s3, id.as_str())?;
    // One run per session: a second run fails here, before it writes or removes anything.
    let lease = store.lease(id.as_str(), config.lease_ttl).await?;
    // An input inside the session folder is kept, or refused before anything is written.
    let session_scope = [stages::Scope::session(input.clone())];
    let checked = if scopes.is_empty() { &session_scope[..] } else { &scopes[..] };
    let keep = match stages::inputs_in_place(&store, id.as_str(), checked) {
        Ok(keep) => keep,
        Err(error) => {
            lease.release().await;
            return Err(error);
        }
    };
    let mut run = Run::new(config, id, store, input, cancel);
    run.lease_lost = lease.lost_flag();
    run.manifest.participants = participants;
    let span = tracing::info_span!("session", session_id = %run.id);
    let _guard = span.enter();
    let outcome = run_with_manifest(&mut run, &scopes, &keep).await;
    lease.release().await;
    outcome
}

/// The first manifest, the stages, and the last manifest saying how the run ended.
async fn run_with_manifest(
    run: &mut Run<'_>,
    scopes: &[stages::Scope],
    keep: &[String],
) -> Result<SessionResult, ProcessingError> {
    run.write_manifest().await?;
    match stages::run_all(run, scopes, keep).await {
        Ok(result) => Ok(result),
        Err(error @ ProcessingError::LeaseLost { .. }) => Err(error), // the folder is another run's now
        Err(error) => {
            run.manifest.status = RunStatus::Failed;
            run.manifest.error = Some(ErrorReport::from(&error));
            run.manifest.finished_at = Some(now_rfc3339());
            if let Err(write_error) = run.write_manifest().await {
                tracing::error!(error = %write_error, "could not record the failure in manifest.json");
            }
            info!(code = %error.code(), "session failed");
            Err(error)
        }
    }
}

/// The longest offset a participant's recording may start at: a day.
pub const MAX_OFFSET_S: f64 = 24.0 * 3600.0;

/// A participant's offset on the session timeline: finite, not negative, at most a day. Every
/// entry point (the CLI, Python, Node, Rust) goes through here.
pub fn validate_offset(participant: &str, offset_s: f64) -> Result<f64, ProcessingError> {
    if offset_s.is_finite() && (0.0..=MAX_OFFSET_S).contains(&offset_s) {
        return Ok(offset_s);
    }
    Err(ProcessingError::OutOfRange {
        field: format!("offset of participant \"{participant}\""),
        value: format!("{offset_s}"),
        expected: format!(
            "a number of seconds from 0 to {MAX_OFFSET_S} (24 h): where the recording starts on the session's timeline"
        ),
    })
}

/// How a stage ended, before it is written down.
pub(crate) enum Outcome<'e> {
    Ok,
    Skipped(String),
    Failed(&'e ProcessingError),
}

pub(crate) struct Run<'a> {
    pub config: &'a SessionProcessorBuilder,
    pub id: SessionId,
    pub store: SessionStore,
    pub manifest: Manifest,
    pub cancel: &'a CancelFlag,
    pub started: Instant,
    pub generated_at: String,
    /// Raised when this run's lease on the session was taken over: the run stops at the next
    /// stage without writing more.
    pub lease_lost: Arc<AtomicBool>,
    /// What this run's LLM calls have cost so far, in US dollars (`max_session_cost_usd`).
    pub llm_spent_usd: std::sync::Mutex<f64>,
}

impl<'a> Run<'a> {
    fn new(
        config: &'a SessionProcessorBuilder,
        id: SessionId,
        store: SessionStore,
        input: RecordingInput,
        cancel: &'a CancelFlag,
    ) -> Self {
        let started_at = now_rfc3339();
        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            session_id: id.to_string(),
            status: RunStatus::Running,
            started_at: started_at.clone(),
            finished_at: None,
            input,
            participants: Vec::new(),
            media: None,
            audio_tracks: Vec::new(),
            stages: Vec::new(),
            artifacts: Vec::new(),
            error: None,
            versions: Versions::current(),
        };
        Self {
            config,
            id,
            store,
            manifest,
            cancel,
            started: Instant::now(),
            generated_at: started_at,
            lease_lost: Arc::default(),
            llm_spent_usd: std::sync::Mutex::new(0.0),
        }
    }

    /// The LLM limits for this run's next call: the per-call cap lowered to what is left of the
    /// session's budget; `Err(reason)` when it is spent.
    pub fn llm_limits(&self) -> Result<session_reasoning::AnalysisLimits, String> {
        let spent = *self.llm_spent_usd.lock().unwrap_or_else(|e| e.into_inner());
        self.config.analysis_limits.within_session_budget(spent)
    }

    /// Counts what an LLM call cost against the session's budget.
    pub fn llm_spent(&self, usd: f64) {
        *self.llm_spent_usd.lock().unwrap_or_else(|e| e.into_inner()) += usd;
    }

    pub fn progress(&self, stage: &str, within: f64) {
        if let Some(progress) = &self.config.progress {
            progress(&Progress {
                session_id: self.id.to_string(),
                stage: stage.to_string(),
                fraction: overall_fraction(stage, within),
            });
        }
    }

    pub fn check_cancel(&self) -> Result<(), ProcessingError> {
        if self.lease_lost.load(Ordering::SeqCst) {
            return Err(ProcessingError::LeaseLost { session_id: self.id.to_string() });
        }
        if self.cancel.is_cancelled() {
            return Err(ProcessingError::Cancelled { session_id: self.id.to_string() });
        }
        Ok(())
    }

    /// Records how stage `name`, begun at `started`, ended.
    pub fn record(&mut self, name: &str, started: Instant, outcome: Outcome<'_>) {
        let (status, reason, error) = match outcome {
            Outcome::Ok => (StageStatus::Ok, None, None),
            Outcome::Skipped(reason) => (StageStatus::Skipped, Some(reason), None),
            Outcome::Failed(e) => (StageStatus::Failed, None, Some(ErrorReport::from(e))),
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        info!(stage = name, status = ?status, duration_ms, "stage finished");
        self.manifest.stages.push(StageReport { name: name.to_string(), status, reason, error, duration_ms });
        self.progress(name, 1.0);
    }

    /// Writes a report wrapped in the common header and lists it as an artifact.
    pub async fn put_report<T: Serialize>(
        &mut self,
        name: &str,
        report: &T,
    ) -> Result<serde_json::Value, ProcessingError> {
        let envelope = Envelope {
            schema_version: SCHEMA_VERSION,
            session_id: self.id.as_str(),
            generated_at: &self.generated_at,
            library_version: LIBRARY_VERSION,
            report,
        };
        let value = serde_json::to_value(&envelope).map_err(|e| ProcessingError::Internal(e.to_string()))?;
        let record = self.store.put_json(name, &value).await?;
        self.manifest.artifacts.push(record);
        Ok(value)
    }

    /// Writes `manifest.json` and returns its record.
    pub async fn write_manifest(&self) -> Result<crate::ArtifactRecord, ProcessingError> {
        self.store.put_json(crate::layout::MANIFEST, &self.manifest).await
    }
}
