//! Signing a webhook body the way livekit-server does, so that a web stack can test its own
//! webhook endpoint (and our bindings can offer the same) without a LiveKit server.

use std::time::Duration;

use time::OffsetDateTime;

use super::access_token::AccessToken;
use super::error::LiveKitError;
use super::webhook_verifier::body_sha256;

/// How long livekit-server's webhook tokens are valid.
pub const WEBHOOK_TOKEN_TTL: Duration = Duration::from_secs(5 * 60);

/// The `Authorization` value livekit-server would send with `body`: an HS256 token with `iss` =
/// `api_key`, valid 5 minutes from `now`, whose `sha256` claim is the standard padded base64 of
/// the body's SHA-256. Send it raw (no `Bearer `) with `Content-Type: application/webhook+json`.
pub fn sign_webhook(api_key: &str, api_secret: &str, body: &[u8], now: OffsetDateTime) -> Result<String, LiveKitError> {
    AccessToken::new(api_key, api_secret).with_ttl(WEBHOOK_TOKEN_TTL).with_sha256(body_sha256(body)).to_jwt_at(now)
}
