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
