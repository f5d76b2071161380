//! Hub ids with downloads, against `session_testkit`'s hub stand-in on 127.0.0.1 serving the real
//! converted tiny.en files ($WHISPER_MODEL_DIR, else scripts/prepare-whisper-tiny). The real hub
//! is never called. Built with `--features candle,hub-download` (`required-features`).

mod support;

use std::path::{Path, PathBuf};

use session_testkit::hub_server::{HubFault, HubRepo, HubServer};
use session_transcribe::{
    CandleWhisper, CandleWhisperSettings, DecodingOptions, HubSettings, TranscribeError, Transcriber,
    normalize_english, wer,
};

const MODEL: &str = "openai/whisper-tiny.en";
const ALL_FILES: [&str; 4] = ["config.json", "tokenizer.json", "model.safetensors", "generation_config.json"];
const SENTENCE: &str = "Please share your screen so that we can all see the quarterly report.";
const TOKEN: &str = "hf_TESTtoken_that_must_never_leak";

fn serve(files: &[&str], fault: HubFault) -> HubServer {
    HubServer::start(HubRepo::from_folder(MODEL, &support::model_dir(), files), fault)
}

fn hub(server: &HubServer, cache: &Path) -> HubSettings {
    hub_at(cache, &server.endpoint)
}

fn hub_at(cache: &Path, endpoint: &str) -> HubSettings {
    HubSettings {
        cache_dir: Some(cache.to_owned()),
        endpoint: endpoint.to_owned(),
        token: None,
        offline: false,
        revision: "main".into(),
    }
}

fn load(hub: HubSettings) -> Result<CandleWhisper, TranscribeError> {
    CandleWhisper::load_with(Path::new(MODEL), CandleWhisperSettings { hub, ..CandleWhisperSettings::default() })
}

fn transcribe(whisper: &CandleWhisper) -> String {
    let transcript = whisper.transcribe(&support::espeak(SENTENCE), &DecodingOptions::default()).expect("transcribe");
    let error = wer(&normalize_english(SENTENCE), &normalize_english(&transcript.text));
    assert!(error <= 0.2, "WER {error:.2}: {:?}", transcript.text);
    transcript.text
}

fn repo_dir(cache: &Path) -> PathBuf {
    cache.join("models--openai--whisper-tiny.en")
}

/// Every name under `blobs/`, with its size.
fn blobs(cache: &Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(repo_dir(cache).join("blobs")) else { return Vec::new() };
    entries
        .map(|e| e.expect("blob entry"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().expect("blob metadata").len()))
        .collect()
}

fn count(server: &HubServer, method: &str) -> usize {
    server.requests().iter().filter(|r| r.method == method).count()
}

#[test]
fn a_hub_id_is_downloaded_once_and_then_loads_from_the_cache_with_the_hub_gone() {
    let cache = tempfile::tempdir().expect("temp cache");
    let mut server = serve(&ALL_FILES, HubFault::None);
    let first = transcribe(&load(hub(&server, cache.path())).expect("download and load"));

    let snapshot = repo_dir(cache.path()).join("snapshots").join(server.commit());
    let reference = std::fs::read_to_string(repo_dir(cache.path()).join("refs/main")).expect("refs/main");
    assert_eq!(reference, server.commit());
    for file in ALL_FILES {
        let entry = snapshot.join(file);
        let target = std::fs::read_link(&entry).unwrap_or_else(|e| panic!("{file} is not a link: {e}"));
        assert!(target.starts_with("../../blobs"), "{file} -> {}", target.display());
        let (got, want) = (std::fs::read(&entry).expect("cached"), std::fs::read(support::model_dir().join(file)));
        assert!(got == want.expect("source file"), "{file} differs from the served file");
    }
    assert!(blobs(cache.path()).iter().all(|(name, _)| !name.contains("incomplete")), "{:?}", blobs(cache.path()));
    assert_eq!(count(&server, "HEAD"), 4, "one HEAD per file");
    assert_eq!(count(&server, "GET"), 4, "three small files from resolve, the weights from the blob URL");
    assert!(server.requests().iter().any(|r| r.method == "GET" && r.target.starts_with("/lfs/")), "redirect followed");
    assert!(server.requests().iter().all(|r| r.header("authorization").is_none()), "no token, no header");

    server.stop();
    let requests_before = server.requests().len();
    let again = load(hub(&server, cache.path())).expect("the cache alone is enough");
    assert_eq!(transcribe(&again), first);
    assert_eq!(server.requests().len(), requests_before, "a complete cache needs no request");
}

#[test]
fn offline_with_an_empty_cache_is_a_typed_error_and_sends_nothing() {
    let cache = tempfile::tempdir().expect("temp cache");
    let server = serve(&ALL_FILES, HubFault::None);
    let error = load(hub(&server, cache.path()).offline()).err().expect("nothing cached, downloads off");
    let TranscribeError::HubOffline { ref model, ref file, .. } = error else { panic!("expected HubOffline: {error}") };
    assert_eq!((model.as_str(), file.as_str()), (MODEL, "config.json"));
    let message = error.to_string();
    assert!(message.contains("HF_HUB_OFFLINE") && message.contains("model folder"), "{message}");
    assert_eq!(server.requests().len(), 0, "offline means no request at all");
}

#[test]
fn an_unreachable_hub_says_the_machine_looks_offline() {
    let cache = tempfile::tempdir().expect("temp cache");
    let mut server = serve(&ALL_FILES[..1], HubFault::None);
    server.stop();
    let error = load(hub(&server, cache.path())).err().expect("connection refused");
    assert!(matches!(error, TranscribeError::HubUnreachable { .. }), "{error}");
    let message = error.to_string();
    for part in [MODEL, "config.json", "offline", "HF_HUB_CACHE", "--model FOLDER"] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
}

#[test]
fn a_gated_model_needs_hf_token_which_never_shows_and_goes_only_to_the_hub() {
    let cache = tempfile::tempdir().expect("temp cache");
    let files = &ALL_FILES[..3]; // no generation_config.json: optional, skipped on EntryNotFound
    let server = serve(files, HubFault::Gated { token: TOKEN.into() });

    let error = load(hub(&server, cache.path())).err().expect("401 without a token");
    let TranscribeError::HubAccessDenied { status, .. } = error else { panic!("expected HubAccessDenied: {error}") };
    assert_eq!(status, 401);
    let message = error.to_string();
    assert!(
        message.contains("set HF_TOKEN") && message.contains(MODEL) && message.contains("config.json"),
        "{message}"
    );

    let wrong = HubSettings { token: Some("hf_wrong".into()), ..hub(&server, cache.path()) };
    let error = load(wrong).err().expect("401 with the wrong token");
    assert!(error.to_string().contains("the token in HF_TOKEN cannot read it"), "{error}");
    assert!(!error.to_string().contains("hf_wrong") && !format!("{error:?}").contains("hf_wrong"), "{error:?}");

    let with_token = HubSettings { token: Some(TOKEN.into()), ..hub(&server, cache.path()) };
    assert!(!format!("{with_token:?}").contains(TOKEN), "Debug hides the token");
    transcribe(&load(with_token).expect("the token opens the gate"));
    let resolves: Vec<_> = server.requests().into_iter().filter(|r| r.target.contains("/resolve/")).collect();
    assert!(resolves.iter().any(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
    let snapshot = repo_dir(cache.path()).join("snapshots").join(server.commit());
    assert!(!snapshot.join("generation_config.json").exists(), "an absent optional file is not invented");
}

#[test]
fn an_unknown_model_is_a_typed_not_found() {
    let cache = tempfile::tempdir().expect("temp cache");
    let server = serve(&ALL_FILES[..1], HubFault::RepoNotFound);
    let error = load(hub(&server, cache.path())).err().expect("404");
    assert!(matches!(error, TranscribeError::HubNotFound { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(MODEL) && message.contains("404") && message.contains("RepoNotFound"), "{message}");
}

/// The weights' partial file under `blobs/`, with its size, if there is one.
fn partial(cache: &Path) -> Option<(String, u64)> {
    blobs(cache).into_iter().find(|(name, _)| name.ends_with(".incomplete"))
}

/// The `Range` headers of the GETs of the weights' blob URL.
fn weight_ranges(server: &HubServer) -> Vec<Option<String>> {
    let gets = server.requests().into_iter().filter(|r| r.method == "GET" && r.target.starts_with("/lfs/"));
    gets.map(|r| r.header("range").map(str::to_owned)).collect()
}

/// Loads against a server that drops the weights' connection after 1 MB; returns the error and
/// the commit served.
fn cut_after_one_megabyte(cache: &Path) -> (TranscribeError, String) {
    let cut = HubFault::Truncate { file: "model.safetensors".into(), bytes: 1 << 20 };
    let server = serve(&ALL_FILES, cut);
    (load(hub(&server, cache)).err().expect("the connection drops mid-file"), server.commit().to_owned())
}

#[test]
fn an_interrupted_download_leaves_nothing_that_looks_complete_and_a_retry_resumes_it() {
    let cache = tempfile::tempdir().expect("temp cache");
    let (error, commit) = cut_after_one_megabyte(cache.path());
    let TranscribeError::HubDownload { ref file, ref reason, .. } = error else {
        panic!("expected HubDownload: {error}")
    };
    assert_eq!(file, "model.safetensors", "{error}");
    assert!(reason.contains("stopped after") && reason.contains("resume"), "{reason}");

    let repo = repo_dir(cache.path());
    assert!(!repo.join("refs/main").exists(), "no ref to a half-downloaded model");
    assert!(!repo.join("snapshots").join(commit).join("model.safetensors").exists());
    let weights_size = std::fs::metadata(support::model_dir().join("model.safetensors")).expect("weights").len();
    let (name, size) = partial(cache.path()).expect("the partial file is kept for resuming");
    assert_eq!(size, 1 << 20, "{name}");
    for (name, size) in blobs(cache.path()) {
        assert!(name.ends_with(".incomplete") || size != weights_size, "an unverified weights blob: {name}");
    }
    let offline = load(hub_at(cache.path(), "http://127.0.0.1:9").offline()).err().expect("the cache is not complete");
    assert!(matches!(offline, TranscribeError::HubOffline { .. }), "{offline}");

    let healthy = serve(&ALL_FILES, HubFault::None);
    transcribe(&load(hub(&healthy, cache.path())).expect("a retry completes the cache"));
    assert!(repo.join("refs/main").exists());
    assert_eq!(weight_ranges(&healthy), [Some(format!("bytes={}-", 1 << 20))], "only the rest was asked for");
    assert!(partial(cache.path()).is_none());
}

#[test]
fn a_server_that_ignores_the_range_sends_everything_and_the_download_starts_over() {
    let cache = tempfile::tempdir().expect("temp cache");
    cut_after_one_megabyte(cache.path());
    let no_ranges = serve(&ALL_FILES, HubFault::IgnoreRange);
    transcribe(&load(hub(&no_ranges, cache.path())).expect("the whole file again"));
    assert_eq!(weight_ranges(&no_ranges).len(), 1, "one request, answered with 200");
    assert!(partial(cache.path()).is_none());
}

#[test]
fn a_partial_file_that_does_not_match_is_thrown_away_and_the_next_attempt_starts_over() {
    let cache = tempfile::tempdir().expect("temp cache");
    cut_after_one_megabyte(cache.path());
    let (name, _) = partial(cache.path()).expect("partial file");
    let path = repo_dir(cache.path()).join("blobs").join(name);
    let mut bytes = std::fs::read(&path).expect("partial");
    bytes[..4096].fill(0);
    std::fs::write(&path, bytes).expect("corrupt the partial file");

    let server = serve(&ALL_FILES, HubFault::None);
    let error = load(hub(&server, cache.path())).err().expect("the resumed file fails its SHA-256");
    assert!(error.to_string().contains("SHA-256") && error.to_string().contains("starts over"), "{error}");
    assert!(partial(cache.path()).is_none(), "the bad bytes are gone");
    assert!(!repo_dir(cache.path()).join("refs/main").exists());
    transcribe(&load(hub(&server, cache.path())).expect("a fresh download"));
}

#[test]
fn two_loaders_on_one_cache_download_the_weights_once() {
    let cache = tempfile::tempdir().expect("temp cache");
    let server = serve(&ALL_FILES, HubFault::None);
    let settings = hub(&server, cache.path());
    std::thread::scope(|scope| {
        let loaders: Vec<_> = (0..2).map(|_| scope.spawn(|| load(settings.clone()))).collect();
        for loader in loaders {
            loader.join().expect("no panic").expect("both load");
        }
    });
    assert_eq!(weight_ranges(&server).len(), 1, "the second loader waited for the first one's download");
    assert!(
        cache.path().join(".locks/models--openai--whisper-tiny.en").is_dir(),
        "locks where huggingface_hub keeps them"
    );
}
