//! A validated session id, and the rule for every folder-name segment.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::LayoutError;

/// Longest session id accepted; object keys stay well under S3's 1024-byte limit.
pub const MAX_SESSION_ID_LEN: usize = 128;

/// A validated session id: safe as one path segment in a local folder and in an object key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

impl SessionId {
    /// Accepts 1–128 characters of letters, digits, `-`, `_`, `.` and `:`; rejects `..`.
    pub fn new(id: impl Into<String>) -> Result<Self, LayoutError> {
        validate_segment("session id", &id.into()).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that `id` is safe as one folder name and object-key segment (the rules of
/// [`SessionId::new`]); `what` names it in errors ("participant id", "participant identity").
pub fn validate_segment(what: &str, id: &str) -> Result<String, LayoutError> {
    let shown: String = id.chars().take(40).flat_map(char::escape_default).collect();
    let reject = |why: &str| Err(LayoutError::Input(format!("{what} \"{shown}\" {why}")));
    if id.is_empty() {
        return reject("is empty; pass the LiveKit room or session id");
    }
    if id.len() > MAX_SESSION_ID_LEN {
        return reject(&format!("is {} bytes long; the limit is {MAX_SESSION_ID_LEN}", id.len()));
    }
    if id.contains("..") {
        return reject("contains \"..\"; it must not navigate folders");
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))) {
        return reject(&format!("contains {c:?}; use only letters, digits, '-', '_', '.' and ':'"));
    }
    if id == "." {
        return reject("is \".\"; it must name a folder");
    }
    Ok(id.to_string())
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SessionId {
    type Error = LayoutError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_livekit_style_ids() {
        for id in ["RM_abc123", "session-2026-11-24", "a", "room:42.take_2"] {
            assert_eq!(SessionId::new(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn rejects_paths_controls_and_long_ids() {
        for bad in ["", "..", "a/../b", "a/b", "a\\b", "tab\there", "new\nline", "nul\0", "emoji😀", " space"] {
            let err = SessionId::new(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid input: session id"), "{bad:?}: {err}");
        }
        assert!(SessionId::new("x".repeat(129)).unwrap_err().to_string().contains("limit is 128"));
        assert!(SessionId::new("x".repeat(128)).is_ok());
        let shown = SessionId::new("bad\nid").unwrap_err().to_string();
        assert!(shown.contains("bad\\nid"), "control characters are escaped in the message: {shown}");
    }
}
