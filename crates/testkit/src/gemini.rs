//! A local stand-in for the Gemini API on 127.0.0.1: it answers canned replies in order, in
//! Gemini's wire format, and records every request (path, `x-goog-api-key`, JSON body).

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};
use session_reasoning::{Gemini, GeminiConfig, ReasoningError};
use session_transcribe::{DecodingOptions, Segment, Transcript};

use crate::http::{Request, write_response};

pub const KEY: &str = "AIzaSyTEST-key-that-must-never-leak";
pub const MODEL: &str = "gemini-2.5-flash";
pub const PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

/// Makes a model's answer from the user message it was sent.
pub type PromptAnswer = Box<dyn Fn(&str) -> Value + Send>;

/// One canned answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Wait this long before answering (to trip the client's timeout).
    pub delay: Duration,
    /// Builds the answer from the user message instead of `body` (see [`answer_from_prompt`]).
    pub from_prompt: Option<PromptAnswer>,
}

impl Reply {
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// HTTP 200 with `body` as it is.
pub fn raw(status: u16, body: String) -> Reply {
    Reply { status, headers: Vec::new(), body, delay: Duration::ZERO, from_prompt: None }
}

/// HTTP 200 with one candidate whose text is `text`, ending with `finish_reason`.
pub fn candidate_text(text: &str, finish_reason: &str) -> Reply {
    raw(
        200,
        json!({
            "candidates": [{
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": finish_reason,
                "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
            }],
            "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 300, "totalTokenCount": 1500},
            "modelVersion": "gemini-2.5-flash-test-001",
        })
        .to_string(),
    )
}

/// HTTP 200 whose answer is `answer`, serialised as the candidate's text.
pub fn answer(answer: &Value) -> Reply {
    candidate_text(&answer.to_string(), "STOP")
}

/// HTTP 200 whose answer `build` makes from the user message, as a model would: tests that quote
/// a real transcript take the quotes from what the model was shown, not from what Whisper is
/// expected to hear.
pub fn answer_from_prompt(build: impl Fn(&str) -> Value + Send + 'static) -> Reply {
    Reply { from_prompt: Some(Box::new(build)), ..answer(&Value::Null) }
}

/// The `(seconds, text)` of each `[mm:ss] text` line inside the prompt's `<transcript>` block.
pub fn prompt_lines(user_text: &str) -> Vec<(u32, String)> {
    let Some((_, rest)) = user_text.split_once("<transcript>\n") else { return Vec::new() };
    let block = rest.split_once("\n</transcript>").map_or(rest, |(block, _)| block);
    block
        .lines()
        .filter_map(|line| {
            let (stamp, text) = line.strip_prefix('[')?.split_once("] ")?;
            let seconds =
                stamp.split(':').try_fold(0u32, |total, part| Some(total * 60 + part.parse::<u32>().ok()?))?;
            Some((seconds, text.to_owned()))
        })
        .collect()
}

/// An error answer in Google's format `{error: {code, message, status}}`.
pub fn error(status: u16, google_status: &str, message: &str) -> Reply {
    raw(status, json!({"error": {"code": status, "message": message, "status": google_status}}).to_string())
}

/// What the server received.
#[derive(Debug)]
pub struct Received {
    pub request_line: String,
    pub api_key: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

impl Received {
    /// The user message sent to the model.
    pub fn user_text(&self) -> &str {
        self.body["contents"][0]["parts"][0]["text"].as_str().expect("user text")
    }

    /// Checks everything the documented `generateContent` request must have.
    pub fn assert_documented(&self) {
        assert_eq!(self.request_line, format!("POST {PATH} HTTP/1.1"));
        assert_eq!(self.api_key.as_deref(), Some(KEY));
        assert!(self.content_type.as_deref().unwrap_or_default().starts_with("application/json"));
        assert_eq!(self.body["contents"][0]["role"], "user");
        assert!(self.body["systemInstruction"]["parts"][0]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let generation = &self.body["generationConfig"];
        assert_eq!(generation["responseMimeType"], "application/json");
        assert_eq!(generation["responseSchema"]["type"], "OBJECT", "schema present, Gemini's type names");
        assert!(generation["maxOutputTokens"].as_u64().is_some_and(|n| n > 0));
    }
}

/// A running stand-in; [`Server::finish`] stops it and returns what it received.
pub struct Server {
    pub base_url: String,
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Received>>,
}

impl Server {
    /// Answers `replies` in order, one per connection; any request beyond them gets HTTP 500
    /// and is recorded too, so tests can count requests exactly.
    pub fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut replies = replies.into_iter();
            let mut received = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let reply =
                            replies.next().unwrap_or_else(|| error(500, "INTERNAL", "unexpected extra request"));
                        received.push(answer_one(stream, &reply));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            received
        });
        Self { base_url, stop, handle }
    }

    /// Stops accepting and returns every request received.
    pub fn finish(self) -> Vec<Received> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// A client for this server: one-second timeout, 10 ms backoff.
    pub fn client(&self, max_retries: u32) -> Gemini {
        Gemini::new(GeminiConfig {
            base_url: self.base_url.clone(),
            timeout: Duration::from_secs(1),
            max_retries,
            backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(5),
            ..GeminiConfig::new(KEY)
        })
        .expect("valid config")
    }
}

fn answer_one(stream: TcpStream, reply: &Reply) -> Received {
    stream.set_nonblocking(false).expect("blocking stream");
    let mut reader = BufReader::new(stream);
    let request = Request::read(&mut reader).expect("an HTTP request");
    let body: Value = serde_json::from_slice(&request.body).expect("the request body is JSON");
    let built = reply.from_prompt.as_ref().map(|build| {
        let user_text = body["contents"][0]["parts"][0]["text"].as_str().expect("user text");
        answer(&build(user_text)).body
    });
    std::thread::sleep(reply.delay);
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    headers.extend(reply.headers.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
    // The client may have given up (timeout tests): a failed write is expected then.
    let reply_body = built.as_deref().unwrap_or(&reply.body);
    let _ = write_response(reader.get_mut(), reply.status, &headers, reply_body.as_bytes());
    Received {
        request_line: request.request_line(),
        api_key: request.header("x-goog-api-key").map(str::to_owned),
        content_type: request.header("content-type").map(str::to_owned),
        body,
    }
}

/// Fails if the key shows in the error's Display or Debug output.
pub fn assert_no_key(error: &ReasoningError) {
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(KEY), "the key leaked: {text}");
        assert!(!text.contains("AIzaSyTEST"), "part of the key leaked: {text}");
    }
}

/// A transcript from `(start_s, end_s, text)` triples.
pub fn transcript(segments: &[(f64, f64, &str)]) -> Transcript {
    let segments: Vec<Segment> =
        segments.iter().map(|&(start_s, end_s, text)| Segment::from_text(start_s, end_s, text)).collect();
    Transcript {
        language: Some("en".into()),
        duration_s: segments.last().map_or(0.0, |s| s.end_s),
        text: segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" "),
        segments,
        words: None,
        model_id: "test-whisper".into(),
        decoding: DecodingOptions::default(),
    }
}
