//! Fault injection (issue #14, item 9): every hostile input of `hostile_inputs` goes through the
//! library's real entry points — the media stage's probe, audio decode, packet read and frame
//! sampling, then `SessionProcessor` — in a child process under `ulimit -v 1500000` with a
//! bounded time. The suite prints a tally and fails unless everything but typed errors and
//! expected results is 0: panics, aborts, hangs and wrong results (a ratio or score out of its
//! documented range, an unparsable JSON, a damaged file completed with no `media_damaged` issue,
//! a raw control character in a message, a wrong error code).

mod hostile_inputs;
mod support;

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hostile_inputs::{Case, Expect};
use serde_json::{Value, json};
use session_processing::session_media::{self, CancelFlag, FrameSampling, Limits};
use session_processing::{ParticipantInput, ProcessingError, SessionResult};
use support::{builder_for, local};

/// Set in the child's environment: the input it runs.
const CHILD_INPUT: &str = "FAULT_INJECTION_INPUT";
/// Set in the child's environment for a participant run: the offset, as text.
const CHILD_OFFSET: &str = "FAULT_INJECTION_OFFSET";
/// Longest a child may take before it counts as a hang.
const CASE_TIMEOUT: Duration = Duration::from_secs(45);
/// The memory cap every child runs under (KiB of address space).
const MEMORY_CAP_KIB: u64 = 1_500_000;

/// Watchdogs short enough that a stalled pipeline shows as `media_stalled` well within
/// [`CASE_TIMEOUT`]; every limit against hostile media keeps its default.
fn limits() -> Limits {
    Limits { stall_timeout: Duration::from_secs(10), probe_timeout: Duration::from_secs(10), ..Limits::default() }
}

/// Runs one input through every entry point and prints `OUTCOME <json>`; does its work only when
/// started by the suite (which sets [`CHILD_INPUT`]).
#[test]
fn fault_injection_child() {
    let Some(input) = std::env::var_os(CHILD_INPUT).map(PathBuf::from) else {
        return;
    };
    let offset = std::env::var(CHILD_OFFSET).ok();
    let mut outcome = media_outcomes(&input);
    let out = tempfile::tempdir().unwrap();
    let result = process(out.path(), &input, offset.as_deref());
    let folder = out.path().join("sessions/case");
    outcome["run"] = match &result {
        Ok(_) => json!({"code": "ok"}),
        Err(e) => json!({"code": e.code(), "kind": e.kind(), "message": e.to_string()}),
    };
    outcome["media_damaged"] = json!(has_media_damaged(&folder));
    outcome["problems"] = json!(output_problems(&folder));
    println!("\nOUTCOME {outcome}");
}

/// Each media entry point's result code (`ok` or the error's) and error messages.
fn media_outcomes(input: &Path) -> Value {
    let (limits, cancel) = (limits(), CancelFlag::new());
    let mut messages = Vec::new();
    let mut code = |result: Result<(), session_media::MediaError>| match result {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            messages.push(e.to_string());
            e.code().to_string()
        }
    };
    let probe = code(session_media::probe(input, &limits).map(drop));
    let audio = code(session_media::decode_audio(input, &limits, &cancel, &mut |_| {}).map(drop));
    let packets = code(session_media::read_video_packets(input, &limits, &cancel).map(drop));
    let size = (160, 120);
    let frames = code(
        session_media::sample_frames(input, size, FrameSampling::default(), &limits, &cancel, &mut |_| {}).map(drop),
    );
    json!({"probe": probe, "audio": audio, "packets": packets, "frames": frames, "messages": messages})
}

/// The processor on `input`: as the session's recording, or as one participant's at `offset`.
fn process(out: &Path, input: &Path, offset: Option<&str>) -> Result<SessionResult, ProcessingError> {
    let processor = builder_for(out).limits(limits()).build();
    let cancel = CancelFlag::new();
    let Some(offset) = offset else {
        return processor.process_blocking("case", local(input), &cancel);
    };
    let offset_s: f64 = offset.parse().expect("an offset the suite wrote");
    let participant = ParticipantInput { participant: "guest".into(), input: local(input), offset_s };
    session_processing::runtime()?.block_on(processor.process_participants("case", vec![participant], &cancel))
}

/// Whether any `quality.json` of the session (its own or a participant's) has a `media_damaged`
/// issue.
fn has_media_damaged(folder: &Path) -> bool {
    json_files(folder).iter().filter(|f| f.ends_with("quality.json")).any(|file| {
        let quality = std::fs::read_to_string(file).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok());
        let issues = quality.as_ref().and_then(|q| q["issues"].as_array().cloned()).unwrap_or_default();
        issues.iter().any(|issue| issue["code"] == "media_damaged")
    })
}

/// Everything wrong with the outputs: unparsable JSON, and numbers out of their documented range
/// (`*ratio` and `talk_share` within 0–1, `score` within 0–100).
fn output_problems(folder: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for file in json_files(folder) {
        let name = file.strip_prefix(folder).unwrap_or(&file).display().to_string();
        match std::fs::read_to_string(&file).map(|t| serde_json::from_str::<Value>(&t)) {
            Ok(Ok(value)) => check_ranges(&value, &name, &mut problems),
            Ok(Err(e)) => problems.push(format!("{name} does not parse: {e}")),
            Err(e) => problems.push(format!("{name} cannot be read: {e}")),
        }
    }
    problems
}

fn check_ranges(value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let range = if key.ends_with("ratio") || key == "talk_share" {
                    Some(0.0..=1.0)
                } else if key == "score" {
                    Some(0.0..=100.0)
                } else {
                    None
                };
                if let (Some(range), Some(number)) = (range, value.as_f64())
                    && !range.contains(&number)
                {
                    problems.push(format!("{at}: {key} = {number} is outside {range:?}"));
                }
                check_ranges(value, &format!("{at}.{key}"), problems);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| check_ranges(item, at, problems)),
        _ => {}
    }
}

fn json_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            files.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files
}

/// How one case ended, as the tally counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Verdict {
    TypedError,
    Expected,
    Panic,
    Abort,
    Hang,
    Wrong,
}

struct Report {
    name: String,
    verdict: Verdict,
    detail: String,
    elapsed: Duration,
}

/// Runs `case` in a child process under the memory cap and [`CASE_TIMEOUT`].
fn run_case(case: &Case, scratch: &Path) -> Report {
    let started = Instant::now();
    let (stdout, stderr) = (scratch.join("stdout"), scratch.join("stderr"));
    let me = std::env::current_exe().unwrap();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!(
            r#"ulimit -v {MEMORY_CAP_KIB} && exec "$0" --exact fault_injection_child --nocapture --test-threads 1"#
        ))
        .arg(&me)
        .env(CHILD_INPUT, &case.file)
        // Address space, not memory, is capped: keep what threads reserve from growing with the
        // machine's cores (glibc's per-thread malloc arenas of 64 MB, tokio's workers).
        .env("MALLOC_ARENA_MAX", "2")
        .env("TOKIO_WORKER_THREADS", "2")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap());
    if let Some(offset) = case.offset {
        command.env(CHILD_OFFSET, offset);
    }
    let mut child = command.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > CASE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = std::fs::read_to_string(&stdout).unwrap_or_default();
    let err = std::fs::read_to_string(&stderr).unwrap_or_default();
    let (verdict, detail) = match status {
        None => (Verdict::Hang, format!("killed after {CASE_TIMEOUT:?}")),
        Some(_) if err.contains("panicked at") || out.contains("panicked at") => (Verdict::Panic, tail(&err)),
        Some(status) if !status.success() => {
            let how = status.signal().map_or_else(|| format!("exit {status}"), |s| format!("signal {s}"));
            (Verdict::Abort, format!("{how}: {}", tail(&err)))
        }
        Some(_) => match out.lines().find_map(|line| line.split_once("OUTCOME ").map(|(_, json)| json)) {
            Some(line) => judge(case.expect, &serde_json::from_str(line).unwrap()),
            None => (Verdict::Wrong, format!("no outcome printed: {}", tail(&out))),
        },
    };
    Report { name: case.name.clone(), verdict, detail, elapsed: started.elapsed() }
}

/// Holds a child's outcome against what the case expects.
fn judge(expect: Expect, outcome: &Value) -> (Verdict, String) {
    let run = &outcome["run"];
    let code = run["code"].as_str().unwrap_or_default();
    let stages = ["probe", "audio", "packets", "frames"].map(|s| format!("{s}={}", outcome[s].as_str().unwrap_or("?")));
    let summary = format!("run={code} {} damaged={}", stages.join(" "), outcome["media_damaged"]);
    let mut messages: Vec<&str> = outcome["messages"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    messages.extend(run["message"].as_str());
    let problems: Vec<&str> = outcome["problems"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    if let Some(message) = messages.iter().find(|m| m.chars().any(char::is_control)) {
        return (Verdict::Wrong, format!("{summary}: a raw control character in {message:?}"));
    }
    if !problems.is_empty() {
        return (Verdict::Wrong, format!("{summary}: {problems:?}"));
    }
    if stages.iter().any(|s| s.ends_with("=media_stalled")) || code == "media.media_stalled" {
        return (Verdict::Hang, format!("{summary}: the watchdog stopped a stalled pipeline"));
    }
    let damaged = outcome["media_damaged"] == true;
    let input_error = run["kind"] == "input";
    let verdict = match expect {
        Expect::Refused(prefix) if input_error && code.starts_with(prefix) => Verdict::TypedError,
        Expect::Damaged if code == "ok" && damaged => Verdict::Expected,
        Expect::Intact if code == "ok" && !damaged => Verdict::Expected,
        Expect::Readable if code == "ok" => Verdict::Expected,
        _ => Verdict::Wrong,
    };
    let detail = match verdict {
        Verdict::Wrong => format!("{summary}: expected {expect:?}; {}", run["message"]),
        _ => summary,
    };
    (verdict, detail)
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().rev().take(6).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

#[test]
fn hostile_media_ends_in_typed_errors_or_honest_results() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let cases = hostile_inputs::generate(dir.path());
    let generated = started.elapsed();
    for case in &cases {
        let bytes = std::fs::metadata(&case.file).unwrap().len();
        assert!(bytes <= 4 << 20, "{}: {bytes} bytes; hostile inputs stay small", case.name);
    }
    let next = AtomicUsize::new(0);
    let reports = Mutex::new(Vec::new());
    // Two children at a time: CI has two cores.
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (cases, next, reports) = (&cases, &next, &reports);
            let scratch = dir.path().join(format!("worker-{worker}"));
            std::fs::create_dir_all(&scratch).unwrap();
            scope.spawn(move || {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let report = run_case(case, &scratch);
                    reports.lock().unwrap().push(report);
                }
            });
        }
    });
    let reports = reports.into_inner().unwrap();
    let count = |verdict| reports.iter().filter(|r| r.verdict == verdict).count();
    let mut table = String::new();
    for report in &reports {
        let (name, verdict, secs) = (&report.name, report.verdict, report.elapsed.as_secs_f64());
        writeln!(table, "  {verdict:<10?} {secs:>5.1} s  {name}: {}", report.detail).unwrap();
    }
    println!(
        "fault injection: {} inputs tried (generated in {:.1} s, run in {:.1} s)\n{table}\
         tally: typed errors {}, expected results {}, panics {}, aborts {}, hangs {}, wrong results {}",
        reports.len(),
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64(),
        count(Verdict::TypedError),
        count(Verdict::Expected),
        count(Verdict::Panic),
        count(Verdict::Abort),
        count(Verdict::Hang),
        count(Verdict::Wrong),
    );
    assert_eq!(reports.len(), cases.len());
    let failed: Vec<&Report> =
        reports.iter().filter(|r| !matches!(r.verdict, Verdict::TypedError | Verdict::Expected)).collect();
    assert!(failed.is_empty(), "{} hostile inputs went wrong (see the tally above)", failed.len());
}
