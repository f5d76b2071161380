//! `HuggingFaceInference` against a local HTTP server speaking the Inference API's wire format:
//! raw WAV bytes in (`Authorization: Bearer`, `Content-Type: audio/wav`), `{"text", "chunks"}` out.
//! Built only with `--features hf-inference` (`required-features` in Cargo.toml).

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use session_testkit::http::{Request, write_response};
use session_transcribe::{
    DecodingOptions, HfInferenceConfig, HuggingFaceInference, TranscribeError, Transcriber, Transcript,
};

const TOKEN: &str = "hf_test_token_do_not_leak";
const MODEL: &str = "openai/whisper-large-v3";

/// One canned answer of the server.
struct Reply {
    status: u16,
    retry_after: Option<&'static str>,
    body: String,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply { status, retry_after: None, body: body.to_owned() }
}

/// What the server received: the WAV body's length in bytes.
struct Received {
    body_len: usize,
}

/// Serves `replies` in order, one connection each, on 127.0.0.1; asserts every request is the
/// documented POST. Joining returns what was received.
fn serve(replies: Vec<Reply>) -> (String, JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("http://{}/models", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        let total = replies.len();
        replies
            .into_iter()
            .enumerate()
            .map(|(i, reply)| {
                let stream = accept_within(&listener, Duration::from_secs(20))
                    .unwrap_or_else(|| panic!("the client made {i} of the {total} expected requests"));
                answer(stream, &reply)
            })
            .collect()
    });
    (endpoint, handle)
}

fn accept_within(listener: &TcpListener, limit: Duration) -> Option<TcpStream> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok((stream, _)) = listener.accept() {
            stream.set_nonblocking(false).expect("blocking stream");
            return Some(stream);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn answer(stream: TcpStream, reply: &Reply) -> Received {
    let mut reader = BufReader::new(stream);
    let request = Request::read(&mut reader).expect("an HTTP request");
    assert_eq!(request.request_line(), format!("POST /models/{MODEL} HTTP/1.1"));
    assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(request.header("content-type"), Some("audio/wav"));
    assert!(request.header("content-length").is_some(), "the body's length is announced");
    assert_eq!(&request.body[..4], b"RIFF", "the body is a WAV file");
    assert_eq!(&request.body[8..12], b"WAVE");

    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(seconds) = reply.retry_after {
        headers.push(("Retry-After".to_owned(), seconds.to_owned()));
    }
    write_response(reader.get_mut(), reply.status, &headers, reply.body.as_bytes()).expect("write response");
    Received { body_len: request.body.len() }
}

fn transcriber(endpoint: String, max_retries: u32) -> HuggingFaceInference {
    let config =
        HfInferenceConfig { token: TOKEN.into(), endpoint, max_retries, timeout_s: 10.0, ..Default::default() };
    HuggingFaceInference::new(config).expect("valid config")
}

fn tone(seconds: f64) -> Vec<f32> {
    (0..(seconds * 16_000.0) as usize).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect()
}

fn run(replies: Vec<Reply>, seconds: f64, max_retries: u32) -> (Result<Transcript, TranscribeError>, Vec<Received>) {
    let (endpoint, server) = serve(replies);
    let result = transcriber(endpoint, max_retries).transcribe(&tone(seconds), &DecodingOptions::default());
    let received = server.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    (result, received)
}

fn assert_no_token(error: &TranscribeError) {
    assert!(!error.to_string().contains(TOKEN), "token in error message: {error}");
    assert!(!format!("{error:?}").contains(TOKEN), "token in error debug: {error:?}");
}

#[test]
fn transcribes_one_chunk_into_one_segment() {
    let (result, received) = run(vec![reply(200, r#"{"text": " Hello world."}"#)], 2.0, 0);
    let transcript = result.expect("transcript");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body_len, 44 + 2 * 16_000 * 2);
    assert_eq!(transcript.text, "Hello world.");
    assert_eq!(transcript.segments.len(), 1);
    assert_eq!((transcript.segments[0].start_s, transcript.segments[0].end_s), (0.0, 2.0));
    assert_eq!(transcript.duration_s, 2.0);
    assert_eq!(transcript.model_id, format!("hf-inference:{MODEL}"));
}

#[test]
fn splits_45_seconds_into_two_requests_with_offsets() {
    let replies = vec![
        reply(200, r#"{"text": "First part."}"#),
        reply(
            200,
            r#"{"text": "Second. Third.", "chunks": [{"timestamp": [0.0, 4.0], "text": " Second."},
            {"timestamp": [4.0, 9.5], "text": " Third."}]}"#,
        ),
    ];
    let (result, received) = run(replies, 45.0, 0);
    let transcript = result.expect("transcript");
    let lengths: Vec<usize> = received.iter().map(|r| r.body_len).collect();
    assert_eq!(lengths, [44 + 30 * 32_000, 44 + 15 * 32_000]);
    let spans: Vec<(f64, f64, &str)> =
        transcript.segments.iter().map(|s| (s.start_s, s.end_s, s.text.as_str())).collect();
    assert_eq!(spans, [(0.0, 30.0, "First part."), (30.0, 34.0, "Second."), (34.0, 39.5, "Third.")]);
    assert_eq!(transcript.text, "First part. Second. Third.");
}

#[test]
fn retries_while_the_model_loads() {
    let loading = r#"{"error": "Model openai/whisper-large-v3 is currently loading", "estimated_time": 0.0}"#;
    let (result, received) = run(vec![reply(503, loading), reply(200, r#"{"text": "ready"}"#)], 1.0, 2);
    assert_eq!(result.expect("transcript after the retry").text, "ready");
    assert_eq!(received.len(), 2);
}

#[test]
fn retries_after_rate_limiting_honouring_retry_after() {
    let limited = Reply { status: 429, retry_after: Some("0"), body: r#"{"error": "rate"}"#.into() };
    let started = Instant::now();
    let (result, received) = run(vec![limited, reply(200, r#"{"text": "again"}"#)], 1.0, 2);
    assert_eq!(result.expect("transcript after the retry").text, "again");
    assert_eq!(received.len(), 2);
    assert!(started.elapsed() < Duration::from_secs(1), "Retry-After: 0 means no backoff");
}

#[test]
fn gives_up_with_typed_errors_after_the_retries() {
    let limited = || Reply { status: 429, retry_after: Some("0"), body: "{}".into() };
    let (result, received) = run(vec![limited(), limited()], 1.0, 1);
    let error = result.expect_err("rate limited");
    assert!(matches!(error, TranscribeError::RateLimited { retry_after_s: Some(0) }), "{error:?}");
    assert_eq!(received.len(), 2);

    let loading = || reply(503, r#"{"error": "loading", "estimated_time": 0.0}"#);
    let (result, _) = run(vec![loading(), loading()], 1.0, 1);
    let error = result.expect_err("still loading");
    assert!(matches!(error, TranscribeError::ModelLoading { estimated_s: Some(0.0) }), "{error:?}");
}

#[test]
fn a_rejected_token_is_unauthorized_and_never_shown() {
    let (result, received) =
        run(vec![reply(401, r#"{"error": "Invalid credentials in Authorization header"}"#)], 1.0, 3);
    let error = result.expect_err("unauthorized");
    assert!(matches!(error, TranscribeError::Unauthorized), "{error:?}");
    assert_eq!(received.len(), 1, "401 is not retried");
    assert_no_token(&error);
}

#[test]
fn malformed_json_fails_clearly_without_echoing_the_token() {
    let body = format!(r#"{{"text": "cut short, token {TOKEN}"#);
    let (result, _) = run(vec![reply(200, &body)], 1.0, 0);
    let error = result.expect_err("malformed");
    let message = error.to_string();
    assert!(matches!(error, TranscribeError::Failed(_)), "{error:?}");
    assert!(message.contains("not the documented"), "{message}");
    assert!(message.contains("<redacted>"), "{message}");
    assert_no_token(&error);
}

#[test]
fn other_statuses_fail_with_the_status() {
    let (result, received) = run(vec![reply(500, r#"{"error": "boom"}"#)], 1.0, 3);
    let error = result.expect_err("server error");
    assert!(matches!(&error, TranscribeError::Failed(m) if m.contains("HTTP 500") && m.contains("boom")), "{error:?}");
    assert_eq!(received.len(), 1, "500 is not retried");
    assert_no_token(&error);
}
