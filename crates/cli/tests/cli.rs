//! The `session-processing` binary end to end, on media made by `scripts/make-fixtures`.

use session_testkit::fixture;
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_session-processing")).args(args).output().expect("run session-processing")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn process_prints_a_summary_and_writes_the_session_folder() {
    let out = tempfile::tempdir().unwrap();
    let input = fixture("clean.mp4");
    let output =
        cli(&["process", input.to_str().unwrap(), "--session-id", "cli-1", "--out", out.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for needle in ["Session cli-1", "quality", "engagement", "combined", "transcribe", "skipped", "manifest.json"] {
        assert!(text.contains(needle), "summary lacks {needle}:\n{text}");
    }
    let manifest = std::fs::read_to_string(out.path().join("sessions/cli-1/manifest.json")).unwrap();
    assert!(manifest.contains("\"status\": \"complete\""));
}

#[test]
fn json_output_is_the_result_object() {
    let out = tempfile::tempdir().unwrap();
    let input = fixture("opus.mp4");
    let output = cli(&[
        "process",
        input.to_str().unwrap(),
        "--session-id",
        "cli-json",
        "--out",
        out.path().to_str().unwrap(),
        "--no-transcribe",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(result["session_id"], "cli-json");
    assert_eq!(result["status"], "complete");
    assert!(result["quality"]["score"].is_number());
    let transcribe = result["stages"].as_array().unwrap().iter().find(|s| s["name"] == "transcribe").unwrap();
    assert_eq!(transcribe["status"], "skipped");
    assert!(transcribe["reason"].as_str().unwrap().contains("disabled"));
}

#[test]
fn failures_exit_non_zero_with_one_line() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let truncated = fixture("truncated.mp4");
    for (args, needle) in [
        (vec!["process", truncated.to_str().unwrap(), "--session-id", "t", "--out", out_dir], "truncated"),
        (vec!["process", truncated.to_str().unwrap(), "--session-id", "../x", "--out", out_dir], "session id"),
        (vec!["probe", "/nonexistent/recording.mp4"], "does not exist"),
    ] {
        let output = cli(&args);
        assert!(!output.status.success(), "{args:?} should fail");
        let err = stderr(&output);
        // Warnings (a default model not prepared on this machine) may come first; the error is one line.
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("warning: ")).collect();
        assert_eq!(lines.len(), 1, "one line: {err}");
        assert!(lines[0].starts_with("error: ") && lines[0].contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn probe_lists_the_streams() {
    let output = cli(&["probe", fixture("vp9.webm").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Video") && text.contains("640x360") && text.contains("Audio"), "{text}");
    let json = cli(&["probe", fixture("audio.ogg").to_str().unwrap(), "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(info["streams"][0]["kind"], "audio");
    assert_eq!(info["streams"][0]["media_type"], "audio/x-opus");
}

#[test]
fn a_missing_decoder_names_the_debian_package() {
    // Hide the H.264 decoders from GStreamer, as on a machine without gstreamer1.0-libav.
    let output = Command::new(env!("CARGO_BIN_EXE_session-processing"))
        .args(["probe", fixture("video-only.mp4").to_str().unwrap()])
        .env("GST_PLUGIN_FEATURE_RANK", "avdec_h264:NONE,openh264dec:NONE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("H.264") && err.contains("gstreamer1.0-libav"), "{err}");
}

#[test]
fn participants_are_processed_as_one_session() {
    let out = tempfile::tempdir().unwrap();
    let alice = format!("alice={}", fixture("alice.mp4").display());
    let bob = format!("bob={}@0", fixture("bob.mp4").display());
    let output = cli(&[
        "process",
        "--participant",
        &alice,
        "--participant",
        &bob,
        "--session-id",
        "pair",
        "--out",
        out.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(result["engagement"]["conversation"]["turn_count"].as_u64().unwrap() >= 3);
    assert!(out.path().join("sessions/pair/participants/bob/engagement.json").is_file());
    let neither = cli(&["process", "--session-id", "x"]);
    assert!(!neither.status.success() && stderr(&neither).contains("--participant"));
}

/// A Hugging Face hub cache holding the converted tiny.en weights as `openai/whisper-tiny.en`.
fn hub_cache_with_tiny_en() -> tempfile::TempDir {
    let model = std::env::var_os("WHISPER_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .expect("WHISPER_MODEL_DIR must name the folder scripts/prepare-whisper-tiny prints");
    let cache = tempfile::tempdir().unwrap();
    let commit = "5b1e5a4ad4c64bb3f1c3d3f2a4c9ac1f2a7b8c9d";
    let repo = cache.path().join("models--openai--whisper-tiny.en");
    let snapshot = repo.join("snapshots").join(commit);
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), commit).unwrap();
    for name in ["model.safetensors", "config.json", "tokenizer.json"] {
        std::os::unix::fs::symlink(model.join(name), snapshot.join(name)).unwrap();
    }
    cache
}

#[test]
fn a_hub_model_id_is_read_from_the_local_hub_cache() {
    let cache = hub_cache_with_tiny_en();
    let out = tempfile::tempdir().unwrap();
    let input = fixture("clean.mp4");
    let run = |id: &str, flags: &[&str], offline_env: &str| {
        Command::new(env!("CARGO_BIN_EXE_session-processing"))
            .args(["process", input.to_str().unwrap(), "--session-id", "hub", "--out", out.path().to_str().unwrap()])
            .args(["--model", id, "--json"])
            .args(flags)
            .env("HF_HUB_CACHE", cache.path())
            .env("HF_HUB_OFFLINE", offline_env)
            // Never the real hub: a missing model must fail on the offline switch, before any request.
            .env("HF_ENDPOINT", "http://127.0.0.1:9")
            .output()
            .expect("run session-processing")
    };
    let output = run("openai/whisper-tiny.en", &[], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let transcript = std::fs::read_to_string(out.path().join("sessions/hub/transcript.json")).unwrap();
    assert!(transcript.to_lowercase().contains("project you are proud of"), "{transcript}");

    for (flags, offline_env) in [(&["--offline"][..], ""), (&[][..], "1")] {
        let missing = run("openai/whisper-large-v3", flags, offline_env);
        assert!(!missing.status.success());
        let err = stderr(&missing);
        assert!(err.contains("models--openai--whisper-large-v3") && err.contains("downloads are off"), "{err}");
        assert!(err.contains("huggingface-cli download openai/whisper-large-v3"), "{err}");
    }
}

#[test]
fn vad_model_gives_engagement_silero_segments_and_a_bad_folder_is_one_line() {
    let vad = std::env::var("SILERO_VAD_DIR").expect("SILERO_VAD_DIR: the folder scripts/prepare-silero-vad prints");
    let out = tempfile::tempdir().unwrap();
    let input = fixture("gaps-noise-0db.ogg");
    let (input, out_dir) = (input.to_str().unwrap(), out.path().to_str().unwrap());
    let args = ["process", input, "--session-id", "cli-vad", "--out", out_dir, "--no-transcribe"];
    let output = cli(&[&args[..], &["--vad-model", &vad]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let engagement = std::fs::read_to_string(out.path().join("sessions/cli-vad/engagement.json")).unwrap();
    let engagement: serde_json::Value = serde_json::from_str(&engagement).unwrap();
    assert!(engagement["voice"]["vad"].as_str().unwrap().starts_with("silero-vad=="), "{}", engagement["voice"]);
    assert!(engagement["voice"]["talk_time_s"].as_f64().unwrap() > 5.0, "{}", engagement["voice"]);

    let empty = tempfile::tempdir().unwrap();
    let output = cli(&[&args[..], &["--vad-model", empty.path().to_str().unwrap()]].concat());
    assert!(!output.status.success());
    let message = stderr(&output);
    let last = message.trim().lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "{message}");
    assert!(last.contains("config.json") && last.contains("scripts/prepare-silero-vad"), "{message}");
}

/// `session-audio-*.wav` files a run keeps in `temp_dir` while it decodes.
fn temp_audio_files(temp_dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(temp_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("session-audio-"))
        .collect()
}

fn manifest_status(session: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(session.join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest["status"].as_str().map(str::to_string)
}

/// Polls `ready` every 20 ms until it holds; fails naming `what` after `limit`.
fn wait_until(what: &str, limit: std::time::Duration, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "waited {limit:?} for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Starts processing the ten-minute recording (long enough to be caught mid-run) as session
/// `id`, with its own temp folder, and waits until it is decoding: the manifest says `running`
/// and its temporary audio file exists.
fn start_long_run(id: &str, out: &std::path::Path, temp: &std::path::Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_session-processing"))
        .args(["process", fixture("ten-minutes.wav").to_str().unwrap(), "--session-id", id])
        .args(["--out", out.to_str().unwrap(), "--no-transcribe"])
        .env("TMPDIR", temp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start session-processing");
    let session = out.join("sessions").join(id);
    wait_until(
        "the manifest to say running and a session-audio-*.wav to appear",
        std::time::Duration::from_secs(120),
        || manifest_status(&session).as_deref() == Some("running") && !temp_audio_files(temp).is_empty(),
    );
    child
}

fn send(signal: &str, child: &std::process::Child) {
    let status = Command::new("kill").args(["-s", signal, &child.id().to_string()]).status().expect("run kill");
    assert!(status.success(), "kill -s {signal} failed");
}

/// Waits (bounded) for the child to exit and returns its status and stderr.
fn finish(mut child: std::process::Child, what: &str) -> (std::process::ExitStatus, String) {
    let mut status = None;
    wait_until(what, std::time::Duration::from_secs(120), || {
        status = child.try_wait().expect("poll the child");
        status.is_some()
    });
    let mut stderr = String::new();
    use std::io::Read;
    child.stderr.take().expect("piped").read_to_string(&mut stderr).unwrap();
    (status.expect("exited"), stderr)
}

#[test]
fn sigint_and_sigterm_cancel_the_run_and_remove_its_temp_files() {
    for signal in ["TERM", "INT"] {
        let (out, temp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let child = start_long_run("signalled", out.path(), temp.path());
        send(signal, &child);
        let (status, stderr) = finish(child, &format!("the run to stop after SIG{signal}"));
        assert!(!status.success(), "SIG{signal}: a cancelled run exits non-zero: {stderr}");
        assert!(stderr.contains("cancelled"), "SIG{signal}: {stderr}");
        let manifest = std::fs::read_to_string(out.path().join("sessions/signalled/manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(manifest["status"], "failed", "SIG{signal}: {manifest}");
        assert_eq!(manifest["error"]["code"], "cancelled", "SIG{signal}: {manifest}");
        assert!(manifest["finished_at"].is_string(), "SIG{signal}: {manifest}");
        assert_eq!(temp_audio_files(temp.path()), Vec::<String>::new(), "SIG{signal} left temp files");
    }
}

#[test]
fn after_sigkill_the_next_run_goes_ahead_and_clears_what_the_killed_one_left() {
    let (out, temp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let session = out.path().join("sessions/killed");
    let child = start_long_run("killed", out.path(), temp.path());
    send("KILL", &child);
    let (status, _) = finish(child, "the killed run to exit");
    assert!(!status.success());
    assert_eq!(manifest_status(&session).as_deref(), Some("running"), "a killed run cannot say how it ended");
    assert!(session.join("recording.wav").is_file(), "the killed run had stored its recording");
    // A piece of an upload cut off by the kill, as object_store stages it (`<name>#<n>`).
    std::fs::write(session.join("audio.wav#1"), b"half an upload").unwrap();

    let left = temp_audio_files(temp.path());
    assert_eq!(left.len(), 1, "the killed run could not remove its temp audio: {left:?}");

    // The kernel released the killed run's lock: the next run is not refused as busy.
    let output = Command::new(env!("CARGO_BIN_EXE_session-processing"))
        .args(["process", fixture("opus.mp4").to_str().unwrap(), "--session-id", "killed"])
        .args(["--out", out.path().to_str().unwrap(), "--no-transcribe"])
        .env("TMPDIR", temp.path())
        .output()
        .expect("run session-processing");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(temp_audio_files(temp.path()), Vec::<String>::new(), "the dead run's temp audio was not swept");
    assert_eq!(manifest_status(&session).as_deref(), Some("complete"));
    assert!(session.join("recording.mp4").is_file());
    assert!(!session.join("recording.wav").exists(), "the killed run's recording of another extension stayed");
    let staged: Vec<String> = std::fs::read_dir(&session)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains('#'))
        .collect();
    assert!(staged.is_empty(), "partial uploads stayed: {staged:?}");
}

#[test]
fn participant_offsets_are_checked_and_an_at_sign_may_be_part_of_a_path() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let alice = fixture("alice.mp4");
    for bad in ["-5", "NaN", "inf", "90000"] {
        let spec = format!("alice={}@{bad}", alice.display());
        let output = cli(&["process", "--participant", &spec, "--session-id", "offsets", "--out", out_dir]);
        assert!(!output.status.success(), "@{bad} was accepted");
        let err = stderr(&output);
        assert!(err.contains("offset of participant \"alice\"") && err.contains("0 to 86400"), "@{bad}: {err}");
        assert!(!out.path().join("sessions/offsets").exists(), "@{bad}: a refused run writes nothing");
    }
    // A recording whose path holds an `@`, given without a trailing `@0`.
    let folder = tempfile::tempdir().unwrap();
    let with_at = folder.path().join("alice@home.mp4");
    std::fs::copy(&alice, &with_at).unwrap();
    let spec = format!("alice={}", with_at.display());
    let output = cli(&["process", "--participant", &spec, "--session-id", "at-sign", "--out", out_dir, "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.path().join("sessions/at-sign/participants/alice/recording.mp4").is_file());
}
