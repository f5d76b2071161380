//! A Whisper model by hub id (`openai/whisper-tiny.en`) to a local snapshot folder: the cache when
//! it holds every file the model needs, else — when downloads are allowed — the missing files from
//! the hub. `refs/<revision>` is written only after every file is in place, so an interrupted
//! download never looks like a model.

use std::path::{Path, PathBuf};

use crate::TranscribeError;
use crate::hub::hub_cache::resolve_in;
use crate::hub::hub_settings::HubSettings;

/// The files a model folder must hold, in download order (small first).
pub const REQUIRED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// Downloaded when the repository has them.
pub const OPTIONAL_FILES: [&str; 1] = ["generation_config.json"];

/// The snapshot folder holding model `id` at `settings.revision`.
pub fn resolve_model(id: &str, settings: &HubSettings) -> Result<PathBuf, TranscribeError> {
    let cache = settings.cache_dir.as_deref().ok_or_else(|| TranscribeError::ModelNotFound {
        searched: format!("{id} in the Hugging Face cache"),
        hint: "set HF_HUB_CACHE (or HF_HOME or HOME) to find the cache".into(),
    })?;
    let missing = match resolve_in(cache, id, Some(&settings.revision)) {
        Ok(snapshot) => match first_missing(&snapshot) {
            None => return Ok(snapshot),
            Some(file) => file,
        },
        Err(_) => REQUIRED_FILES[0],
    };
    if settings.offline {
        return Err(TranscribeError::HubOffline {
            model: id.to_owned(),
            file: missing.to_owned(),
            cache: crate::hub::hub_cache::RepoCache::new(cache, id).root().to_owned(),
            why: "HF_HUB_OFFLINE or --offline".to_owned(),
            hint: offline_hint(id),
        });
    }
    download(id, cache, settings)
}

fn first_missing(snapshot: &Path) -> Option<&'static str> {
    REQUIRED_FILES.into_iter().find(|file| !snapshot.join(file).is_file())
}

fn offline_hint(id: &str) -> String {
    format!(
        "allow downloads once on a machine that reaches the hub (or run `huggingface-cli download {id}` there) and \
         copy its cache here (HF_HUB_CACHE), or pass a model folder"
    )
}

#[cfg(feature = "hub-download")]
fn download(id: &str, cache: &Path, settings: &HubSettings) -> Result<PathBuf, TranscribeError> {
    use crate::hub::hub_download::HubClient;

    let client = HubClient::new(settings, id);
    let repo = crate::hub::hub_cache::RepoCache::new(cache, id);
    let cache_failed = |file: &str, e: std::io::Error| TranscribeError::HubDownload {
        model: id.to_owned(),
        file: file.to_owned(),
        reason: format!("cannot write the cache {}: {e}", repo.root().display()),
    };
    let wanted = REQUIRED_FILES.iter().map(|f| (*f, true)).chain(OPTIONAL_FILES.iter().map(|f| (*f, false)));
    let mut commit: Option<String> = None;
    for (file, required) in wanted {
        let Some(meta) = client.metadata(file)? else {
            if !required {
                continue;
            }
            let what = format!("file {file} in model {id} at revision {}", settings.revision);
            return Err(TranscribeError::HubNotFound {
                model: id.into(),
                file: file.into(),
                what,
                code: ", EntryNotFound".into(),
            });
        };
        if let Some(first) = commit.as_deref().filter(|c| *c != meta.commit) {
            let reason =
                format!("the repository moved from commit {first} to {} during the download; retry", meta.commit);
            return Err(TranscribeError::HubDownload { model: id.into(), file: file.into(), reason });
        }
        client.download(&repo, file, &meta)?;
        repo.link(&meta.commit, file, &meta.etag).map_err(|e| cache_failed(file, e))?;
        commit = Some(meta.commit);
    }
    let commit = commit.unwrap_or_default();
    if !crate::hub::hub_cache::is_commit(&settings.revision) {
        repo.write_ref(&settings.revision, &commit).map_err(|e| cache_failed("refs", e))?;
    }
    Ok(repo.snapshot(&commit))
}

#[cfg(not(feature = "hub-download"))]
fn download(id: &str, cache: &Path, _settings: &HubSettings) -> Result<PathBuf, TranscribeError> {
    Err(TranscribeError::HubOffline {
        model: id.to_owned(),
        file: REQUIRED_FILES[0].to_owned(),
        cache: crate::hub::hub_cache::RepoCache::new(cache, id).root().to_owned(),
        why: "this build has no hub downloads: cargo feature hub-download".to_owned(),
        hint: offline_hint(id),
    })
}
