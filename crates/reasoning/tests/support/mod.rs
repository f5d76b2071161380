//! The Gemini stand-in lives in the shared test harness.

pub use session_testkit::gemini::*;
