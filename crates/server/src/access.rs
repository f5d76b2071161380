//! Who may do what. Start Session returns a session key once (32 random bytes, base64url); the
//! database keeps only its SHA-256. Ending a session, posting events to it and reading it need
//! that key (`X-Session-Key`, or `?key=` for links a browser opens); `API_TOKEN`, when set, is
//! needed by every `/api` call but the webhook and also opens every session (operators).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

use crate::db::SessionRow;
use crate::error::ServerError;

pub const SESSION_KEY_HEADER: &str = "x-session-key";

/// A new session key and the hash to store.
pub fn new_session_key() -> Result<(String, Vec<u8>), ServerError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ServerError::Config("the system random source failed".into()))?;
    let key = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256(&key);
    Ok((key, hash))
}

fn sha256(text: &str) -> Vec<u8> {
    digest(&SHA256, text.as_bytes()).as_ref().to_vec()
}

/// Compares by hash, so the time taken says nothing about how much of a guess was right.
fn same_secret(given: &str, expected_hash: &[u8]) -> bool {
    sha256(given) == expected_hash
}

/// What the caller presented.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    bearer: Option<String>,
    session_key: Option<String>,
}

impl Credentials {
    pub fn from_request(headers: &HeaderMap, query_key: Option<&str>) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        Credentials {
            bearer: header(AUTHORIZATION.as_str()).and_then(|v| v.strip_prefix("Bearer ")).map(str::to_string),
            session_key: header(SESSION_KEY_HEADER).or(query_key).filter(|k| !k.is_empty()).map(str::to_string),
        }
    }

    fn is_operator(&self, api_token: Option<&str>) -> bool {
        match (api_token, &self.bearer) {
            (Some(token), Some(given)) => same_secret(given, &sha256(token)),
            _ => false,
        }
    }
}

/// Calls that act on no particular session (Start Session, the list): with `API_TOKEN` set the
/// caller must present it as `Authorization: Bearer`; without it (a local stack) they are open.
pub fn api_access(credentials: &Credentials, api_token: Option<&str>) -> Result<(), ServerError> {
    if api_token.is_none() || credentials.is_operator(api_token) {
        Ok(())
    } else {
        Err(ServerError::Unauthorized("this call needs the API token: send Authorization: Bearer <API_TOKEN>".into()))
    }
}

/// Whether the caller may act on `session`: an operator, or the holder of its key. Anyone else
/// — including someone guessing ids — is told the session does not exist.
pub fn session_access(
    credentials: &Credentials,
    api_token: Option<&str>,
    session: &SessionRow,
) -> Result<(), ServerError> {
    if credentials.is_operator(api_token) {
        return Ok(());
    }
    match (&credentials.session_key, &session.owner_key_sha256) {
        (Some(key), Some(hash)) if same_secret(key, hash) => Ok(()),
        _ => Err(ServerError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(hash: Option<Vec<u8>>) -> SessionRow {
        SessionRow {
            id: "s-1".into(),
            room_name: "s-1".into(),
            status: "active".into(),
            status_reason: None,
            created_by: "api".into(),
            started_at: time::OffsetDateTime::UNIX_EPOCH,
            ended_at: None,
            processing_started_at: None,
            processing_finished_at: None,
            output: None,
            score_summary: None,
            owner_key_sha256: hash,
        }
    }

    fn with(key: Option<&str>, bearer: Option<&str>) -> Credentials {
        Credentials { bearer: bearer.map(Into::into), session_key: key.map(Into::into) }
    }

    #[test]
    fn only_the_key_holder_or_an_operator_reaches_a_session() {
        let (key, hash) = new_session_key().expect("random");
        assert_eq!(key.len(), 43);
        let owned = session(Some(hash));
        assert!(session_access(&with(Some(&key), None), None, &owned).is_ok());
        assert!(matches!(session_access(&with(Some("guess"), None), None, &owned), Err(ServerError::NotFound)));
        assert!(matches!(session_access(&with(None, None), None, &owned), Err(ServerError::NotFound)));
        assert!(session_access(&with(None, Some("op")), Some("op"), &owned).is_ok());
        assert!(session_access(&with(None, Some("nope")), Some("op"), &owned).is_err());
        // A session created from a webhook has no key: operators only.
        assert!(session_access(&with(Some(&key), None), None, &session(None)).is_err());
    }

    #[test]
    fn the_api_token_guards_the_api_when_set() {
        assert!(api_access(&with(None, None), None).is_ok());
        assert!(matches!(api_access(&with(None, None), Some("op")), Err(ServerError::Unauthorized(_))));
        assert!(api_access(&with(None, Some("op")), Some("op")).is_ok());
        assert!(api_access(&with(Some("a-session-key"), None), Some("op")).is_err());
    }
}
