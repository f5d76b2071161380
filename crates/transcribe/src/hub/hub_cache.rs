//! Models by Hugging Face hub id (`openai/whisper-tiny.en`), read from the hub's local cache — the
//! layout `huggingface-cli download` and every hf-hub client write:
//! `<cache>/models--<org>--<name>/snapshots/<commit>/`, with `refs/<revision>` naming the commit.
//!
//! Reading ([`resolve_in`]) and writing ([`RepoCache`]: blobs named by their ETag, snapshot
//! links, refs written last) are here; downloading is `hub_download` and the choice between
//! cache and network is `hub_model`.

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

/// One repository's folder in the cache: `<cache>/models--<org>--<name>`.
pub struct RepoCache {
    root: PathBuf,
}

impl RepoCache {
    pub fn new(cache: &Path, id: &str) -> Self {
        Self { root: cache.join(format!("models--{}", id.replace('/', "--"))) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<cache>/.locks/models--<org>--<name>/<etag>.lock`: held while `etag` is downloaded (where
    /// huggingface_hub keeps its locks, so that it and this library take turns too).
    pub fn lock(&self, etag: &str) -> PathBuf {
        let folder = self.root.file_name().unwrap_or_default();
        let cache = self.root.parent().unwrap_or(&self.root);
        cache.join(".locks").join(folder).join(format!("{etag}.lock"))
    }

    /// `blobs/<etag>`: a file's content, complete once it has this name.
    pub fn blob(&self, etag: &str) -> PathBuf {
        self.root.join("blobs").join(etag)
    }

    pub fn snapshot(&self, commit: &str) -> PathBuf {
        self.root.join("snapshots").join(commit)
    }

    /// Points `refs/<revision>` at `commit` (atomically: a reader sees the old ref or the new one).
    pub fn write_ref(&self, revision: &str, commit: &str) -> std::io::Result<()> {
        let path = self.root.join("refs").join(revision);
        std::fs::create_dir_all(path.parent().unwrap_or(&self.root))?;
        let temp = incomplete_path(&path);
        std::fs::write(&temp, commit)?;
        std::fs::rename(&temp, &path)
    }

    /// Makes `snapshots/<commit>/<file>` point at the complete blob `etag` (a relative symlink, as
    /// huggingface_hub writes; a copy where symlinks are unavailable), replacing any older entry.
    pub fn link(&self, commit: &str, file: &str, etag: &str) -> std::io::Result<PathBuf> {
        let entry = self.snapshot(commit).join(file);
        std::fs::create_dir_all(entry.parent().unwrap_or(&self.root))?;
        let temp = incomplete_path(&entry);
        let up = "../".repeat(file.split('/').count() + 1);
        #[cfg(unix)]
        std::os::unix::fs::symlink(format!("{up}blobs/{etag}"), &temp)?;
        #[cfg(not(unix))]
        std::fs::copy(self.blob(etag), &temp).map(|_| ())?;
        std::fs::rename(&temp, &entry)?;
        Ok(entry)
    }
}

/// A name next to `path` for writing it before it is complete: unique per process and call, and
/// ending in `.incomplete`, so no reader takes it for the real file.
pub fn incomplete_path(path: &Path) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{n}.incomplete", std::process::id()));
    path.with_file_name(name)
}

/// The snapshot folder of hub model `id` at `revision` (a branch or tag name, default `main`, or a
/// 40-hex commit) in `cache`.
pub fn resolve_in(cache: &Path, id: &str, revision: Option<&str>) -> Result<PathBuf, TranscribeError> {
    let repo = RepoCache::new(cache, id);
    let revision = revision.unwrap_or("main");
    let not_cached = |what: String| TranscribeError::ModelNotFound {
        searched: what,
        hint: format!(
            "it is not in the Hugging Face cache: on a machine that reaches the \
             hub run `huggingface-cli download {id}` and copy {} here, or set HF_HUB_CACHE",
            repo.root().display()
        ),
    };
    let commit = if is_commit(revision) {
        revision.to_owned()
    } else {
        let reference = repo.root().join("refs").join(revision);
        std::fs::read_to_string(&reference)
            .map(|s| s.trim().to_owned())
            .map_err(|_| not_cached(format!("{} (revision {revision:?} not in the cache)", reference.display())))?
    };
    let snapshot = repo.snapshot(&commit);
    if snapshot.is_dir() { Ok(snapshot) } else { Err(not_cached(format!("{} (not in the cache)", snapshot.display()))) }
}

/// Whether `revision` is a full commit id (40 hex digits) rather than a branch or tag.
pub fn is_commit(revision: &str) -> bool {
    revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit())
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
    fn links_and_refs_are_written_whole_and_resolve() {
        let cache = tempfile::tempdir().unwrap();
        let repo = RepoCache::new(cache.path(), "org/model");
        let commit = "89abcdef0123456789abcdef0123456789abcdef";
        std::fs::create_dir_all(repo.blob("e1").parent().unwrap()).unwrap();
        std::fs::write(repo.blob("e1"), b"{}").unwrap();
        let entry = repo.link(commit, "config.json", "e1").unwrap();
        assert_eq!(std::fs::read(&entry).unwrap(), b"{}");
        assert!(resolve_in(cache.path(), "org/model", None).is_err(), "no ref yet");
        repo.write_ref("main", commit).unwrap();
        assert_eq!(resolve_in(cache.path(), "org/model", None).unwrap(), repo.snapshot(commit));
        let names: Vec<_> =
            std::fs::read_dir(repo.root().join("refs")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["main"], "no temporary file is left");
        assert!(incomplete_path(&entry).to_string_lossy().ends_with(".incomplete"));
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
