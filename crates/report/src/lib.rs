//! # session_report
//!
//! `report.html`: one self-contained page that shows what happened in a processed session and
//! why its scores are what they are. It is rendered from the session's stored JSON (the layout
//! in `docs/outputs.md`), so a newer library re-renders an older session. No network, no CDN,
//! no script: the charts are inline SVG, hover details are SVG `<title>`s and a click on a
//! moment follows a link to the transcript.
//!
//! The page, in order:
//! 1. **header** — session id, date, duration, participants, the combined score and a verdict;
//! 2. **scores** — quality and engagement with their sub-scores, each with the figure behind it;
//! 3. **timeline** — aligned lanes: speech, loudness and video flags per participant, safety
//!    events, quality issues and the transcript's segments;
//! 4. **conversation** — for a 1:1 session: talk ratio, turns, interruptions, response latency,
//!    longest monologue per person;
//! 5. **safety** — the verdict per category, with evidence, or the reason it was not judged;
//! 6. **analysis** — the LLM's reasoning scores with their quotes, when present;
//! 7. **transcript** — with timestamps.
//!
//! ```
//! use session_report::{SessionDocuments, render};
//! use serde_json::json;
//!
//! let documents = SessionDocuments {
//!     session_id: "demo".into(),
//!     combined: Some(json!({"score": 72.5, "used": [], "missing": []})),
//!     ..SessionDocuments::default()
//! };
//! let html = render(&documents);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("72.5"));
//! ```

mod analysis;
mod conversation;
mod documents;
mod header;
mod html;
mod json;
mod page;
mod safety;
mod scores;
mod timeline;
mod transcript;

pub use documents::{ParticipantDocuments, SessionDocuments, TranscriptDocument};
pub use page::render;

/// The file name the report is stored under, beside the session's JSON.
pub const REPORT_FILE: &str = "report.html";
