//! The state of one run, shared by every stage: the session, its folder, the manifest being
//! built, and the bookkeeping each stage goes through ([`Run::begin`] … [`StageClock::done`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;
use session_media::CancelFlag;
use tracing::info;

use crate::pipeline::SessionProcessorBuilder;
use crate::progress::{Progress, overall_fraction};
use crate::report::{
    ErrorReport, Manifest, RunStatus, SCHEMA_VERSION, StageReport, StageStatus, Stored, Versions, now_rfc3339,
};
use crate::storage::{RecordingInput, SessionStore};
use crate::{LIBRARY_VERSION, ProcessingError, SessionId};

/// How a stage ended, before it is written down.
enum Outcome<'e> {
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
    pub fn new(
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

    /// Begins stage `name`: stops here when the run was cancelled (or lost its lease), and
    /// starts the stage's clock.
    pub fn begin(&self, name: impl Into<String>) -> Result<StageClock, ProcessingError> {
        self.check_cancel()?;
        Ok(StageClock { name: name.into(), started: Instant::now() })
    }

    /// A stage that is not run at all: recorded as skipped with `reason`.
    pub fn skip(&mut self, name: &str, reason: impl Into<String>) {
        self.record(name, Instant::now(), Outcome::Skipped(reason.into()));
    }

    pub fn check_cancel(&self) -> Result<(), ProcessingError> {
        if self.lease_lost.load(Ordering::SeqCst) {
            return Err(ProcessingError::LeaseLost { session_id: self.id.to_string() });
        }
        if self.cancel.is_cancelled() {
            return Err(ProcessingError::cancelled(&self.id));
        }
        Ok(())
    }

    /// Records how stage `name`, begun at `started`, ended.
    fn record(&mut self, name: &str, started: Instant, outcome: Outcome<'_>) {
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

    /// Writes a report wrapped in the common header and lists it as an artifact; returns it as
    /// stored (`report` may be a reference, when the caller keeps the report).
    pub async fn put_report<T: Serialize>(&mut self, name: &str, report: T) -> Result<Stored<T>, ProcessingError> {
        let stored = Stored {
            schema_version: SCHEMA_VERSION,
            session_id: self.id.to_string(),
            generated_at: self.generated_at.clone(),
            library_version: LIBRARY_VERSION.to_string(),
            report,
        };
        let record = self.store.put_json(name, &stored).await?;
        self.manifest.artifacts.push(record);
        Ok(stored)
    }

    /// Writes `manifest.json` and returns its record.
    pub async fn write_manifest(&self) -> Result<crate::ArtifactRecord, ProcessingError> {
        self.store.put_json(crate::layout::MANIFEST, &self.manifest).await
    }
}

/// A stage that has begun: ends as done, skipped or failed, which goes into the manifest and the
/// progress events.
pub(crate) struct StageClock {
    pub name: String,
    started: Instant,
}

impl StageClock {
    /// A part of this stage, named `name`, timed from the same start (`audio` and `video` inside
    /// `media`).
    pub fn same_start(&self, name: String) -> StageClock {
        StageClock { name, started: self.started }
    }

    pub fn done(self, run: &mut Run<'_>) {
        run.record(&self.name, self.started, Outcome::Ok);
    }

    pub fn skipped(self, run: &mut Run<'_>, reason: impl Into<String>) {
        run.record(&self.name, self.started, Outcome::Skipped(reason.into()));
    }

    pub fn failed(self, run: &mut Run<'_>, error: &ProcessingError) {
        run.record(&self.name, self.started, Outcome::Failed(error));
    }
}

/// Runs blocking work (GStreamer, Whisper, an LLM call) on tokio's blocking pool; a panic becomes
/// an error.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProcessingError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ProcessingError::Internal(format!("worker thread failed: {e}")))
}
