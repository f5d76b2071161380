//! `report.html`: read a session's stored JSON back and render the page (`session_report`), for
//! the pipeline's last stage and for re-rendering a stored session with a newer library.

use std::path::{Path, PathBuf};

use serde_json::Value;
use session_report::{ParticipantDocuments, SessionDocuments, TranscriptDocument};

use crate::storage::{OutputLocation, S3Settings, SessionStore};
use crate::{ProcessingError, SessionId, layout};

/// The largest stored document the report reads; a bigger one is refused, not loaded.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;
/// The most `safety/` events the report reads.
const MAX_SAFETY_EVENTS: usize = 2_000;

/// A stored session's folder: `<root>/sessions/<id>` locally or `s3://bucket/prefix/sessions/<id>`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSession {
    pub output: OutputLocation,
    pub session_id: String,
}

impl StoredSession {
    /// Parses a session folder: its last part is the session id, the one before it `sessions`.
    pub fn parse(folder: &str) -> Result<Self, ProcessingError> {
        let trimmed = folder.trim().trim_end_matches('/');
        let (parent, id) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
        let (root, sessions) = parent.rsplit_once('/').unwrap_or(("", parent));
        if sessions != layout::SESSIONS_DIR || id.is_empty() {
            return Err(ProcessingError::Input(format!(
                "\"{}\" is not a session folder: give <output>/sessions/<session id> (a local folder or s3://bucket/prefix/sessions/<id>)",
                session_media::escape_controls(folder)
            )));
        }
        let session_id = SessionId::new(id)?.to_string();
        let output = match root {
            "" if trimmed.starts_with('/') => OutputLocation::Local { dir: PathBuf::from("/") },
            "" => OutputLocation::Local { dir: PathBuf::from(".") },
            "s3:" | "s3:/" => {
                return Err(ProcessingError::Input(format!(
                    "\"{}\" names no bucket: give s3://bucket/prefix/sessions/<id>",
                    session_media::escape_controls(folder)
                )));
            }
            root => OutputLocation::parse(root)?,
        };
        Ok(Self { output, session_id })
    }

    fn open(&self, s3: &S3Settings) -> Result<SessionStore, ProcessingError> {
        if let OutputLocation::Local { dir } = &self.output {
            let folder = dir.join(layout::SESSIONS_DIR).join(&self.session_id);
            if !folder.is_dir() {
                return Err(ProcessingError::Input(format!(
                    "session folder {} does not exist; check the path",
                    session_media::escape_controls(&folder.display().to_string())
                )));
            }
        }
        SessionStore::open(&self.output, s3, &self.session_id)
    }
}

/// Renders `report.html` for a stored session from its JSON, without writing anything.
pub async fn render_report(session: &StoredSession, s3: &S3Settings) -> Result<String, ProcessingError> {
    render_stored(&session.open(s3)?, &session.session_id).await
}

/// The page of the session in `store`, which must hold a manifest.
async fn render_stored(store: &SessionStore, session_id: &str) -> Result<String, ProcessingError> {
    let documents = load_documents(store, session_id, None).await?;
    if documents.manifest.is_none() {
        return Err(ProcessingError::Input(format!(
            "{} holds no manifest.json: it is not a processed session",
            store.location("")
        )));
    }
    Ok(session_report::render(&documents))
}

/// Renders the report again and writes it: to `out` when given (a local file), else into the
/// session folder as `report.html`. Returns where it was written.
pub async fn write_report(
    session: &StoredSession,
    s3: &S3Settings,
    out: Option<&Path>,
) -> Result<String, ProcessingError> {
    let store = session.open(s3)?;
    let html = render_stored(&store, &session.session_id).await?;
    match out {
        Some(path) => {
            write_file_whole(path, html.as_bytes())?;
            Ok(path.display().to_string())
        }
        None => {
            let record = store.put_bytes(session_report::REPORT_FILE, html.into_bytes().into()).await?;
            Ok(record.location)
        }
    }
}

/// Writes beside the target and renames over it, so a reader never sees half a page.
fn write_file_whole(path: &Path, bytes: &[u8]) -> Result<(), ProcessingError> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut staged = tempfile::NamedTempFile::new_in(folder).map_err(|e| ProcessingError::io(folder.display(), e))?;
    std::io::Write::write_all(&mut staged, bytes).map_err(|e| ProcessingError::io(path.display(), e))?;
    staged.persist(path).map_err(|e| ProcessingError::io(path.display(), e.error))?;
    Ok(())
}

/// Reads what the report shows from the session folder. `manifest` replaces the stored one (the
/// pipeline renders before it writes its final manifest).
pub(crate) async fn load_documents(
    store: &SessionStore,
    session_id: &str,
    manifest: Option<Value>,
) -> Result<SessionDocuments, ProcessingError> {
    let mut documents = SessionDocuments { session_id: session_id.to_string(), ..SessionDocuments::default() };
    for name in SessionDocuments::FILES {
        if let Some(value) = read_json(store, name).await? {
            documents.set(name, value);
        }
    }
    if let Some(manifest) = manifest {
        documents.manifest = Some(manifest);
    }
    let mut events: Vec<String> =
        store.names_in(layout::SAFETY_DIR).await?.into_iter().filter(|n| n.ends_with(".json")).collect();
    events.sort();
    events.truncate(MAX_SAFETY_EVENTS);
    for name in events {
        documents.safety_events.extend(read_json(store, &name).await?);
    }
    let participants = documents.participant_offsets();
    if participants.is_empty()
        && let Some(transcript) = read_json(store, layout::TRANSCRIPT_JSON).await?
    {
        documents.transcripts.push(TranscriptDocument { participant: None, offset_s: 0.0, transcript });
    }
    for (id, offset_s, part) in participants {
        let folder = layout::participant_folder(&id, part.unwrap_or(1));
        let file = |name: &str| format!("{folder}/{name}");
        if let Some(transcript) = read_json(store, &file(layout::TRANSCRIPT_JSON)).await? {
            documents.transcripts.push(TranscriptDocument { participant: Some(id.clone()), offset_s, transcript });
        }
        documents.participants.push(ParticipantDocuments {
            quality: read_json(store, &file(layout::QUALITY)).await?,
            engagement: read_json(store, &file(layout::ENGAGEMENT)).await?,
            participant: id,
            part,
            offset_s,
        });
    }
    Ok(documents)
}

/// A stored JSON document, `None` when it does not exist; one that does not parse is an error
/// naming it.
async fn read_json(store: &SessionStore, name: &str) -> Result<Option<Value>, ProcessingError> {
    let Some(bytes) = store.get_bytes(name, MAX_DOCUMENT_BYTES).await? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        ProcessingError::Input(format!(
            "{} is not valid JSON ({e}); re-run the session to rewrite it",
            store.location(name)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_folder_parses_into_its_output_and_id() {
        let local = StoredSession::parse("out/sessions/s1/").unwrap();
        assert_eq!(local.output, OutputLocation::Local { dir: PathBuf::from("out") });
        assert_eq!(local.session_id, "s1");
        let s3 = StoredSession::parse("s3://bucket/pre/fix/sessions/RM_a").unwrap();
        assert_eq!(s3.output, OutputLocation::S3 { bucket: "bucket".into(), prefix: "pre/fix".into() });
        let bare = StoredSession::parse("s3://bucket/sessions/x").unwrap();
        assert_eq!(bare.output, OutputLocation::S3 { bucket: "bucket".into(), prefix: String::new() });
        assert_eq!(StoredSession::parse("sessions/x").unwrap().output, OutputLocation::Local { dir: ".".into() });
    }

    #[test]
    fn a_folder_that_is_not_a_session_is_refused_with_the_expected_shape() {
        for bad in ["out/s1", "out/sessions/", "s3://sessions/x/y", "s3://", ""] {
            let error = StoredSession::parse(bad).unwrap_err().to_string();
            assert!(error.contains("sessions/<"), "{bad}: {error}");
        }
        assert_eq!(StoredSession::parse("out/sessions/..").unwrap_err().code(), "input");
    }
}
