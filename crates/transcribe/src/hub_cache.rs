//! Models by Hugging Face hub id (`openai/whisper-tiny.en`), read from the hub's local cache — the
//! layout `huggingface-cli download` and every hf-hub client write:
//! `<cache>/models--<org>--<name>/snapshots/<commit>/`, with `refs/<revision>` naming the commit.
//!
//! Offline by design: nothing is downloaded (the machines this runs on may not reach the hub).
//! A model not in the cache is a typed error that says how to get it there.

use std::path::{Path, PathBuf};

use crate::TranscribeError;

/// Where the hub cache is: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hub_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("HF_HUB_CACHE")
        .or_else(|| var("HF_HOME").map(|home| home.join("hub")))
        .or_else(|| var("HOME").map(|home| home.join(".cache/huggingface/hub")))
}

/// Whether `model` reads as a hub id (`org/name`) rather than a folder that exists.
pub fn is_hub_id(model: &str) -> bool {
    let mut parts = model.split('/');
    let (Some(org), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid(org) && valid(name) && !org.starts_with('.') && !Path::new(model).exists()
}

/// The snapshot folder of hub model `id` at `revision` (a branch or tag name, default `main`, or a
/// 40-hex commit) in `cache`.
pub fn resolve_in(cache: &Path, id: &str, revision: Option<&str>) -> Result<PathBuf, TranscribeError> {
    let repo = cache.join(format!("models--{}", id.replace('/', "--")));
    let revision = revision.unwrap_or("main");
    let not_cached = |what: String| TranscribeError::ModelNotFound {
        searched: what,
        hint: format!(
            "models are read from the Hugging Face cache only (no downloads): on a machine that reaches the \
             hub run `huggingface-cli download {id}` and copy {} here, or set HF_HUB_CACHE",
            repo.display()
        ),
    };
    let commit = if revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit()) {
        revision.to_owned()
    } else {
        let reference = repo.join("refs").join(revision);
        std::fs::read_to_string(&reference)
            .map(|s| s.trim().to_owned())
            .map_err(|_| not_cached(format!("{} (revision {revision:?} not in the cache)", reference.display())))?
    };
    let snapshot = repo.join("snapshots").join(&commit);
    if snapshot.is_dir() { Ok(snapshot) } else { Err(not_cached(format!("{} (not in the cache)", snapshot.display()))) }
}

/// [`resolve_in`] the default cache ([`hub_cache_dir`]).
pub fn resolve(id: &str, revision: Option<&str>) -> Result<PathBuf, TranscribeError> {
    let cache = hub_cache_dir().ok_or_else(|| TranscribeError::ModelNotFound {
        searched: format!("{id} in the Hugging Face cache"),
        hint: "set HF_HUB_CACHE (or HF_HOME or HOME) to find the cache".into(),
    })?;
    resolve_in(&cache, id, revision)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_with(id: &str, commit: &str) -> tempfile::TempDir {
        let cache = tempfile::tempdir().unwrap();
        let repo = cache.path().join(format!("models--{}", id.replace('/', "--")));
        std::fs::create_dir_all(repo.join("refs")).unwrap();
        std::fs::create_dir_all(repo.join("snapshots").join(commit)).unwrap();
        std::fs::write(repo.join("refs/main"), format!("{commit}\n")).unwrap();
        cache
    }

    #[test]
    fn ids_and_folders_are_told_apart() {
        assert!(is_hub_id("openai/whisper-tiny.en"));
        assert!(is_hub_id("distil-whisper/distil-small.en"));
        for not_id in ["whisper-tiny", "/abs/path", "a/b/c", "./x", "../models", ".models/whisper-tiny", "org/"] {
            assert!(!is_hub_id(not_id), "{not_id}");
        }
    }

    #[test]
    fn main_and_commits_resolve_to_the_snapshot() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let cache = cache_with("openai/whisper-tiny.en", commit);
        let expected = cache.path().join("models--openai--whisper-tiny.en/snapshots").join(commit);
        assert_eq!(resolve_in(cache.path(), "openai/whisper-tiny.en", None).unwrap(), expected);
        assert_eq!(resolve_in(cache.path(), "openai/whisper-tiny.en", Some(commit)).unwrap(), expected);
    }

    #[test]
    fn a_model_not_in_the_cache_says_how_to_get_it() {
        let cache = tempfile::tempdir().unwrap();
        let error = resolve_in(cache.path(), "openai/whisper-base", None).unwrap_err().to_string();
        assert!(error.contains("models--openai--whisper-base"), "{error}");
        assert!(error.contains("huggingface-cli download openai/whisper-base"), "{error}");
        let cache = cache_with("openai/whisper-base", "0123456789abcdef0123456789abcdef01234567");
        let error = resolve_in(cache.path(), "openai/whisper-base", Some("v2")).unwrap_err().to_string();
        assert!(error.contains("revision \"v2\""), "{error}");
    }
}
