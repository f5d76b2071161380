//! A fault between LiveKit and the server: LiveKit's webhooks go to this relay, which passes each
//! delivery on unchanged (headers, body, answer) except those of the events it is told to lose,
//! which it answers 200 without passing on — as if the deliveries had been lost after LiveKit's
//! retries.

use std::io::BufReader;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use session_testkit::http::{Listener, Request, write_response};

use super::http_post;

pub struct WebhookRelay {
    listener: Listener,
    lost: Arc<Mutex<Vec<Value>>>,
}

impl WebhookRelay {
    /// Passes deliveries on to `target` (the server's webhook URL), losing those whose `event` is
    /// in `lose`.
    pub fn start(target: String, lose: &'static [&'static str]) -> Self {
        let lost = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lost);
        let listener = Listener::start(move |stream| {
            let Ok(mut reader) = stream.try_clone().map(BufReader::new) else { return };
            let Ok(request) = Request::read(&mut reader) else { return };
            let mut out = stream;
            let event: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            if lose.contains(&event["event"].as_str().unwrap_or_default()) {
                kept.lock().unwrap_or_else(|e| e.into_inner()).push(event);
                let _ = write_response(&mut out, 200, &[], b"{}");
                return;
            }
            let headers: Vec<(&str, String)> = ["authorization", "content-type"]
                .into_iter()
                .filter_map(|name| request.header(name).map(|value| (name, value.to_string())))
                .collect();
            let (status, answer) = http_post(&target, &headers, &request.body);
            let json = [("Content-Type".to_string(), "application/json".to_string())];
            let _ = write_response(&mut out, status, &json, answer.to_string().as_bytes());
        });
        WebhookRelay { listener, lost }
    }

    /// The URL LiveKit sends its webhooks to.
    pub fn url(&self) -> String {
        format!("{}/api/livekit/webhook", self.listener.base_url)
    }

    /// The deliveries lost so far.
    pub fn lost(&self) -> Vec<Value> {
        self.lost.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
