//! One run of the pipeline for one session: the request checked, the session's lease taken, the
//! flow run, and the manifest left saying how it ended.

use session_media::CancelFlag;
use tracing::info;

use crate::pipeline::SessionProcessorBuilder;
use crate::pipeline::context::Run;
use crate::pipeline::flow;
use crate::pipeline::recording::{Scope, inputs_in_place};
use crate::report::{ErrorReport, ManifestParticipant, ParticipantInput, RunStatus, SessionResult, now_rfc3339};
use crate::storage::RecordingInput;
use crate::storage::SessionStore;
use crate::{ProcessingError, SessionId, layout};

/// Validates the request, runs every stage, and leaves a manifest that says how it ended.
pub(crate) async fn process(
    config: &SessionProcessorBuilder,
    session_id: &str,
    input: RecordingInput,
    participants: Vec<ParticipantInput>,
    cancel: &CancelFlag,
) -> Result<SessionResult, ProcessingError> {
    let id = SessionId::new(session_id)?;
    let mut scopes = participant_scopes(&participants)?;
    let store = config.open_session(&id)?;
    number_parts(&store, &mut scopes)?;
    // A session recorded whole is a session with one recording.
    if scopes.is_empty() {
        scopes.push(Scope::session(input.clone()));
    }
    // One run per session: a second run fails here, before it writes or removes anything.
    let lease = store.lease(id.as_str(), config.lease_ttl).await?;
    // An input inside the session folder is kept, or refused before anything is written.
    let keep = match inputs_in_place(&store, id.as_str(), &scopes) {
        Ok(keep) => keep,
        Err(error) => {
            lease.release().await;
            return Err(error);
        }
    };
    let mut run = Run::new(config, id, store, input, cancel);
    run.lease_lost = lease.lost_flag();
    run.manifest.participants = participants
        .into_iter()
        .zip(&scopes)
        .map(|(recording, scope)| ManifestParticipant { recording, part: scope.later_part() })
        .collect();
    let span = tracing::info_span!("session", session_id = %run.id);
    let _guard = span.enter();
    let outcome = run_with_manifest(&mut run, &scopes, &keep).await;
    lease.release().await;
    outcome
}

/// The first manifest, the stages, and the last manifest saying how the run ended.
async fn run_with_manifest(
    run: &mut Run<'_>,
    scopes: &[Scope],
    keep: &[String],
) -> Result<SessionResult, ProcessingError> {
    run.write_manifest().await?;
    match flow::run_session(run, scopes, keep).await {
        Ok(result) => Ok(result),
        Err(error @ ProcessingError::LeaseLost { .. }) => Err(error), // the folder is another run's now
        Err(error) => {
            let error = error.in_session(&run.id);
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

/// One scope per participant's recording, in the order given, validated. A participant who left
/// and joined again has several recordings, at different offsets: their parts, numbered by
/// [`number_parts`].
fn participant_scopes(participants: &[ParticipantInput]) -> Result<Vec<Scope>, ProcessingError> {
    let mut scopes: Vec<Scope> = Vec::new();
    for p in participants {
        let participant = crate::session_id::validate_segment("participant id", &p.participant)?;
        let offset_s = validate_offset(&participant, p.offset_s)?;
        let same = |s: &Scope| s.participant.as_deref() == Some(participant.as_str());
        if scopes.iter().any(|s| same(s) && s.offset_s == offset_s) {
            return Err(ProcessingError::Input(format!(
                "participant id \"{participant}\" appears twice at offset {offset_s} s; a participant recorded in \
                 several parts (they left and joined again) needs each part's own offset"
            )));
        }
        scopes.push(Scope::participant(participant, 0, p.input.clone(), offset_s));
    }
    Ok(scopes)
}

/// Numbers each participant's recordings in the order they start, except a recording that
/// already lies in the session folder: it keeps the part its folder names
/// (`participants/<id>/part-3/recording.mp4`, where a LiveKit egress wrote it).
fn number_parts(store: &SessionStore, scopes: &mut [Scope]) -> Result<(), ProcessingError> {
    for scope in scopes.iter_mut() {
        let Some(name) = store.name_of(&scope.input) else { continue };
        if let Some((who, part)) = layout::participant_part_of(&name)
            && scope.participant.as_deref() == Some(who)
        {
            scope.part = part;
        }
    }
    let mut unnumbered: Vec<usize> = (0..scopes.len()).filter(|&i| scopes[i].part == 0).collect();
    unnumbered.sort_by(|&a, &b| scopes[a].offset_s.total_cmp(&scopes[b].offset_s));
    for i in unnumbered {
        let taken = |n: u32| scopes.iter().any(|s| s.participant == scopes[i].participant && s.part == n);
        scopes[i].part = (1..).find(|&n| !taken(n)).unwrap_or(1);
    }
    for (i, scope) in scopes.iter().enumerate() {
        if scopes[..i].iter().any(|s| s.participant == scope.participant && s.part == scope.part) {
            return Err(ProcessingError::Input(format!(
                "two recordings of participant \"{}\" lie in the same folder ({}); give each part its own",
                scope.participant.as_deref().unwrap_or_default(),
                scope.file("")
            )));
        }
    }
    Ok(())
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
