//! The sink is a trait the builder takes: an `object_store` backend of the caller's choice, or a
//! sink of the caller's own, receives the whole session.

mod support;

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use session_processing::{
    CancelFlag, LocalFolder, ObjectStoreSink, OutputLocation, ProcessingError, RunStatus, SessionId, SessionProcessor,
    SessionStore, Sink,
};
use support::{fixture, local};

#[tokio::test(flavor = "multi_thread")]
async fn a_session_goes_whole_to_another_object_store_backend() {
    let memory = Arc::new(InMemory::new());
    let sink = ObjectStoreSink { store: memory.clone(), prefix: "tenants/a".into(), display_base: "memory://".into() };
    let temp = tempfile::tempdir().unwrap();
    let processor = SessionProcessor::builder().sink(Arc::new(sink)).temp_dir(temp.path()).build();
    let result = processor.process("mem-1", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();

    assert_eq!(result.status, RunStatus::Complete);
    assert_eq!(result.output, "memory://tenants/a/sessions/mem-1");
    let manifest = memory.get(&ObjectPath::from("tenants/a/sessions/mem-1/manifest.json")).await.unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.bytes().await.unwrap()).unwrap();
    assert_eq!(manifest["status"], "complete", "{manifest:#}");
    for artifact in &result.artifacts {
        let key = format!("tenants/a/sessions/mem-1/{}", artifact.name);
        let stored = memory.head(&ObjectPath::from(key.as_str())).await;
        let stored = stored.unwrap_or_else(|e| panic!("{key} is in the store: {e}"));
        assert_eq!(stored.size, artifact.bytes, "{key}");
        assert!(artifact.location.starts_with("memory://tenants/a/sessions/mem-1/"), "{}", artifact.location);
    }
    for name in ["recording.mp4", "audio.wav", "quality.json", "engagement.json", "combined-score.json"] {
        assert!(result.artifacts.iter().any(|a| a.name == name), "{name} written");
    }
    assert!(std::fs::read_dir(temp.path()).unwrap().next().is_none(), "no temporary file is left");
}

/// A sink of the caller's own: one folder per tenant, chosen from the session id.
#[derive(Debug)]
struct PerTenant {
    root: std::path::PathBuf,
}

impl Sink for PerTenant {
    fn open(&self, session_id: &SessionId) -> Result<SessionStore, ProcessingError> {
        let tenant = session_id.as_str().split_once('-').map_or("shared", |(tenant, _)| tenant);
        LocalFolder::new(self.root.join(tenant)).open(session_id)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_builder_takes_a_sink_of_the_callers_own_and_output_replaces_it() {
    let out = tempfile::tempdir().unwrap();
    let processor = SessionProcessor::builder().sink(Arc::new(PerTenant { root: out.path().to_path_buf() })).build();
    let result = processor.process("acme-7", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    let folder = out.path().join("acme/sessions/acme-7");
    assert_eq!(result.output, std::fs::canonicalize(&folder).unwrap().display().to_string());
    assert!(folder.join("manifest.json").is_file() && folder.join("quality.json").is_file());

    // The last of `sink` and `output` wins.
    let plain = tempfile::tempdir().unwrap();
    let processor = SessionProcessor::builder()
        .sink(Arc::new(PerTenant { root: out.path().to_path_buf() }))
        .output(OutputLocation::Local { dir: plain.path().to_path_buf() })
        .build();
    processor.process("acme-8", local(&fixture("clean.mp4")), &CancelFlag::new()).await.unwrap();
    assert!(plain.path().join("sessions/acme-8/manifest.json").is_file());
    assert!(!out.path().join("acme/sessions/acme-8").exists());
}
