//! Checking that a webhook came from our LiveKit server, the way livekit-server signs them.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac, rand};
use time::OffsetDateTime;

use super::error::{LiveKitError, require_key_pair, shown};
use super::jwt::UnverifiedToken;
use super::webhook_event::WebhookEvent;

/// The content type livekit-server sends webhooks with.
pub const WEBHOOK_CONTENT_TYPE: &str = "application/webhook+json";

/// Checks LiveKit webhook deliveries and parses their events.
///
/// livekit-server signs each delivery with an HS256 JWT in the `Authorization` header (raw, no
/// `Bearer `; a `Bearer ` prefix is tolerated): `iss` is the API key, the token is valid for
/// 5 minutes, and its `sha256` claim is the standard padded base64 of the SHA-256 of the exact
/// body. Pass the raw request bytes, never JSON a framework re-encoded.
///
/// ```
/// use session_livekit::{WebhookVerifier, sign_webhook};
///
/// let verifier = WebhookVerifier::new("APIkey", "a-long-api-secret")?;
/// let body = br#"{"event":"room_started","id":"EV_1","createdAt":"1700000000","room":{"name":"demo"}}"#;
/// let authorization = sign_webhook("APIkey", "a-long-api-secret", body, time::OffsetDateTime::now_utc())?;
/// let event = verifier.verify_now(body, Some(&authorization), Some("application/webhook+json"))?;
/// assert_eq!(event.room.map(|r| r.name).as_deref(), Some("demo"));
/// # Ok::<(), session_livekit::LiveKitError>(())
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    api_key: String,
    api_secret: String,
    leeway: Duration,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// Clock skew tolerated on `exp` and `nbf`, as LiveKit's own verifiers allow.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
    /// Largest body accepted by default; LiveKit's events are a few kilobytes.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

    /// A verifier for the key pair in livekit-server's `webhook.api_key` (and its secret).
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Result<Self, LiveKitError> {
        let (api_key, api_secret) = (api_key.into(), api_secret.into());
        require_key_pair("a webhook verifier", &api_key, &api_secret)?;
        Ok(WebhookVerifier {
            api_key,
            api_secret,
            leeway: Self::DEFAULT_LEEWAY,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Sets the clock skew tolerated on `exp` and `nbf` (default 60 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets the largest body accepted (default 1 MiB).
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// [`WebhookVerifier::verify`] at the current time.
    pub fn verify_now(
        &self,
        body: &[u8],
        authorization: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<WebhookEvent, LiveKitError> {
        self.verify(body, authorization, content_type, OffsetDateTime::now_utc())
    }

    /// Checks a delivery and parses its event. `body` is the raw request body, `authorization`
    /// and `content_type` the headers as received (`None` when absent), `now` the time to check
    /// `exp`/`nbf` against. Checks, in order: body size, content type, token (HS256 only, `iss`
    /// = our API key, signature, `exp` required, `nbf`), body hash, then the event itself.
    pub fn verify(
        &self,
        body: &[u8],
        authorization: Option<&str>,
        content_type: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<WebhookEvent, LiveKitError> {
        if body.len() > self.max_body_bytes {
            return Err(LiveKitError::BodyTooLarge { size: body.len(), limit: self.max_body_bytes });
        }
        check_content_type(content_type)?;
        let body_hash = self.verify_token(authorization, now)?;
        check_body_hash(body, &body_hash)?;
        WebhookEvent::from_json(body)
    }

    /// Verifies the token and returns its `sha256` claim.
    fn verify_token(&self, authorization: Option<&str>, now: OffsetDateTime) -> Result<String, LiveKitError> {
        let header =
            authorization.map(str::trim).filter(|h| !h.is_empty()).ok_or(LiveKitError::MissingAuthorization)?;
        let token = strip_bearer(header);
        let token = UnverifiedToken::parse(token)?;
        let issuer = token.string_claim("iss")?.unwrap_or_default();
        if issuer != self.api_key {
            return Err(LiveKitError::WrongIssuer { found: shown(issuer, 64) });
        }
        token.verify_signature(&self.api_secret)?;
        self.check_times(&token, now)?;
        match token.string_claim("sha256")? {
            Some(hash) if !hash.is_empty() => Ok(hash.to_string()),
            _ => Err(LiveKitError::MissingBodyHash),
        }
    }

    fn check_times(&self, token: &UnverifiedToken<'_>, now: OffsetDateTime) -> Result<(), LiveKitError> {
        let now_s = now.unix_timestamp();
        let leeway_s = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let expired_at_s = token.time_claim("exp")?.ok_or_else(|| {
            LiveKitError::token(
                "it has no exp claim; LiveKit always sets one, and a token without it would never expire",
            )
        })?;
        if now_s > expired_at_s.saturating_add(leeway_s) {
            return Err(LiveKitError::Expired { expired_at_s, now_s, leeway_s });
        }
        if let Some(not_before_s) = token.time_claim("nbf")?
            && now_s < not_before_s.saturating_sub(leeway_s)
        {
            return Err(LiveKitError::NotYetValid { not_before_s, now_s, leeway_s });
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("leeway", &self.leeway)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// The token in an `Authorization` value, with a `Bearer ` prefix (any case) removed.
fn strip_bearer(header: &str) -> &str {
    match header.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => header[7..].trim_start(),
        _ => header,
    }
}

/// Accepts `application/webhook+json` and `application/json`, with parameters (`; charset=utf-8`).
fn check_content_type(content_type: Option<&str>) -> Result<(), LiveKitError> {
    let media_type = content_type.map(|ct| ct.split(';').next().unwrap_or_default().trim());
    match media_type {
        Some(t) if t.eq_ignore_ascii_case(WEBHOOK_CONTENT_TYPE) || t.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(LiveKitError::WrongContentType { found: content_type.map(|ct| shown(ct, 80)) }),
    }
}

/// Compares the body's SHA-256 with the token's claim (standard padded base64) in constant time:
/// both go through HMAC under a fresh random key and ring's constant-time tag check, so timing
/// reveals nothing about how much of the hash matched.
fn check_body_hash(body: &[u8], claimed: &str) -> Result<(), LiveKitError> {
    let actual = digest::digest(&digest::SHA256, body);
    let claimed = STANDARD.decode(claimed.trim()).map_err(|_| LiveKitError::BodyHashMismatch)?;
    let key = hmac::Key::generate(hmac::HMAC_SHA256, &rand::SystemRandom::new())
        .map_err(|_| LiveKitError::Config("the system random generator failed".into()))?;
    let claimed_tag = hmac::sign(&key, &claimed);
    hmac::verify(&key, actual.as_ref(), claimed_tag.as_ref()).map_err(|_| LiveKitError::BodyHashMismatch)
}

/// The standard padded base64 of the SHA-256 of `body`, as the `sha256` claim carries it.
pub(crate) fn body_sha256(body: &[u8]) -> String {
    STANDARD.encode(digest::digest(&digest::SHA256, body).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for ok in ["application/webhook+json", "application/json", "Application/JSON; charset=utf-8"] {
            assert!(check_content_type(Some(ok)).is_ok(), "{ok}");
        }
        for bad in [None, Some("text/plain"), Some(""), Some("application/webhook+json2")] {
            let err = check_content_type(bad).expect_err("rejected");
            assert_eq!(err.http_status(), 415, "{bad:?}");
        }
    }

    #[test]
    fn bearer_prefix_is_optional() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer  abc"), "abc");
        assert_eq!(strip_bearer("abc"), "abc");
        assert_eq!(strip_bearer("Bear"), "Bear");
    }

    #[test]
    fn body_hash_matches_the_servers_encoding() {
        // base64.StdEncoding of sha256("") in Go, as livekit-server computes it.
        assert_eq!(body_sha256(b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert!(check_body_hash(b"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").is_ok());
        assert_eq!(
            check_body_hash(b"x", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
            Err(LiveKitError::BodyHashMismatch)
        );
        assert_eq!(check_body_hash(b"", "not base64!"), Err(LiveKitError::BodyHashMismatch));
    }

    #[test]
    fn a_wrong_issuer_never_shows_the_configured_key() {
        let verifier = WebhookVerifier::new("configured-key-7f3a", "a-long-api-secret").expect("valid");
        let body = br#"{"event":"room_started","id":"EV_1","createdAt":"1700000000","room":{"name":"demo"}}"#;
        let now = OffsetDateTime::now_utc();
        let token = crate::sign_webhook("strangers-key", "a-long-api-secret", body, now).expect("signs");
        let error = verifier.verify(body, Some(&token), Some(WEBHOOK_CONTENT_TYPE), now).expect_err("wrong issuer");
        assert_eq!(error.code(), "livekit.wrong_issuer");
        assert!(!error.to_string().contains("configured-key-7f3a"), "{error}");
        assert!(!format!("{error:?}").contains("configured-key-7f3a"), "{error:?}");
        assert!(error.to_string().contains("strangers-key"), "{error}");
    }

    #[test]
    fn debug_hides_the_secret() {
        let verifier = WebhookVerifier::new("key", "very-secret-value").expect("valid");
        assert!(!format!("{verifier:?}").contains("very-secret-value"));
        assert!(WebhookVerifier::new("", "s").is_err());
        assert!(WebhookVerifier::new("k", "").is_err());
    }
}
